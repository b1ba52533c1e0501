//! `vigil::sync::mpsc` keeps std's documented behaviour: disconnect errors,
//! `try_*`, timeouts, iterators, rendezvous `sync_channel(0)`. These test the
//! wrappers (enough to catch a mis-forwarding), not std itself.

use std::time::{Duration, Instant};
use vigil::sync::mpsc::{
    channel, sync_channel, Receiver, RecvError, RecvTimeoutError, SendError, Sender, SyncSender,
    TryRecvError, TrySendError,
};

#[test]
fn disconnect_errors() {
    let (tx, rx) = channel::<i32>();
    drop(rx);
    assert_eq!(tx.send(1), Err(SendError(1)));

    let (tx, rx) = sync_channel::<i32>(1);
    drop(rx);
    assert_eq!(tx.send(1), Err(SendError(1)));
    assert_eq!(tx.try_send(2), Err(TrySendError::Disconnected(2)));

    let (tx, rx) = channel::<i32>();
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
}

#[test]
fn sync_channel_zero_is_a_rendezvous() {
    let (tx, rx) = sync_channel::<i32>(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let h = vigil::thread::spawn(move || {
        tx.send(2).unwrap();
        tx
    });
    assert_eq!(rx.recv(), Ok(2));
    let tx = h.join().unwrap();
    drop(rx);
    assert_eq!(tx.send(3), Err(SendError(3)));
}

#[test]
fn try_ops_and_bounds() {
    let (tx, rx) = sync_channel(2);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn timeouts() {
    let (tx, rx) = channel::<i32>();
    let start = Instant::now();
    assert_eq!(rx.recv_timeout(Duration::from_millis(20)), Err(RecvTimeoutError::Timeout));
    assert!(start.elapsed() >= Duration::from_millis(20));
    tx.send(1).unwrap();
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1)); // no overflow
    let h = vigil::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        tx.send(2).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(20)), Ok(2));
    h.join().unwrap();
}

#[test]
fn iterators() {
    let (tx, rx) = channel();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    tx.send(3).unwrap();
    assert_eq!(rx.iter().next(), Some(3));
    tx.send(4).unwrap();
    drop(tx);
    let mut rest = Vec::new();
    for v in &rx {
        rest.push(v);
    }
    assert_eq!(rest, [4]);

    let (tx, rx) = sync_channel(0);
    let h = vigil::thread::spawn(move || rx.into_iter().sum::<i32>());
    for i in 1..=4 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(h.join().unwrap(), 10);
}

#[test]
fn clones_keep_the_channel_open_and_types_are_send_and_sync_like_std() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Sender<i32>>();
    send_sync::<SyncSender<i32>>();
    send::<Receiver<i32>>();

    let (tx, rx) = channel();
    let tx2 = tx.clone();
    drop(tx);
    tx2.send(1).unwrap();
    let (stx, srx) = sync_channel(1);
    let stx2 = stx.clone();
    drop(stx);
    stx2.send(2).unwrap();
    assert_eq!((rx.recv(), srx.recv()), (Ok(1), Ok(2)));
    drop((tx2, stx2));
    assert_eq!((rx.recv(), srx.recv()), (Err(RecvError), Err(RecvError)));
    assert_eq!(format!("{rx:?}"), "Receiver { .. }");
}
