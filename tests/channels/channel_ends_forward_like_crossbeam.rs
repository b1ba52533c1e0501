//! `vigil::channel` keeps crossbeam-channel's documented behaviour: the
//! wrappers forward every operation (disconnect errors, `try_*`, timeouts,
//! iterators, `len`/`capacity`, `Select`), so switching the `use` line
//! changes nothing. These test the wrappers, not crossbeam itself.

use std::time::{Duration, Instant};
use vigil::channel::{
    after, at, bounded, never, tick, unbounded, RecvError, RecvTimeoutError, Select, SendError,
    SendTimeoutError, TryRecvError, TrySendError,
};

#[test]
fn disconnect_errors_hand_the_message_back() {
    let (s, r) = unbounded::<String>();
    drop(r);
    assert_eq!(s.send("a".into()), Err(SendError("a".to_string())));
    assert_eq!(s.try_send("b".into()), Err(TrySendError::Disconnected("b".to_string())));
    assert_eq!(
        s.send_timeout("c".into(), Duration::from_millis(1)),
        Err(SendTimeoutError::Disconnected("c".to_string()))
    );

    let (s, r) = bounded::<i32>(2);
    s.send(1).unwrap();
    drop(s);
    assert_eq!(r.recv(), Ok(1)); // queued messages survive the disconnect
    assert_eq!(r.recv(), Err(RecvError));
    assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(r.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
}

#[test]
fn disconnect_wakes_a_blocked_receiver_and_a_blocked_sender() {
    let (s, r) = bounded::<i32>(0);
    let h = vigil::thread::spawn(move || r.recv());
    std::thread::sleep(Duration::from_millis(10));
    drop(s);
    assert_eq!(h.join().unwrap(), Err(RecvError));

    let (s, r) = bounded::<i32>(0);
    let h = vigil::thread::spawn(move || s.send(5));
    std::thread::sleep(Duration::from_millis(10));
    drop(r);
    assert_eq!(h.join().unwrap(), Err(SendError(5)));
}

#[test]
fn try_ops_and_capacity() {
    let (s, r) = bounded(2);
    assert_eq!((s.capacity(), r.capacity()), (Some(2), Some(2)));
    assert!(s.is_empty() && r.is_empty());
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    s.try_send(1).unwrap();
    s.try_send(2).unwrap();
    assert!(s.is_full() && r.is_full());
    assert_eq!((s.len(), r.len()), (2, 2));
    assert_eq!(s.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(r.try_recv(), Ok(1));
    assert_eq!(r.try_recv(), Ok(2));

    let (s, r) = bounded::<()>(0);
    assert_eq!(s.try_send(()), Err(TrySendError::Full(())));
    assert!(s.is_empty() && s.is_full());
    assert_eq!(r.len(), 0);
    assert_eq!(unbounded::<()>().0.capacity(), None);
}

#[test]
fn timeouts_and_deadlines() {
    let (s, r) = bounded::<i32>(0);
    let start = Instant::now();
    assert_eq!(r.recv_timeout(Duration::from_millis(20)), Err(RecvTimeoutError::Timeout));
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(s.send_timeout(1, Duration::from_millis(5)), Err(SendTimeoutError::Timeout(1)));
    assert_eq!(
        s.send_deadline(2, Instant::now() + Duration::from_millis(5)),
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(r.recv_deadline(Instant::now() + Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    // A huge timeout does not overflow.
    let (s2, r2) = unbounded();
    s2.send(1).unwrap();
    assert_eq!(r2.recv_timeout(Duration::MAX), Ok(1));
    let h = vigil::thread::spawn(move || r.recv_timeout(Duration::from_secs(20)));
    s.send_timeout(3, Duration::from_secs(20)).unwrap();
    assert_eq!(h.join().unwrap(), Ok(3));
}

#[test]
fn iterators() {
    let (s, r) = unbounded();
    for i in 0..3 {
        s.send(i).unwrap();
    }
    assert_eq!(r.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(r.try_iter().next(), None);
    s.send(3).unwrap();
    s.send(4).unwrap();
    assert_eq!(r.iter().take(1).collect::<Vec<_>>(), [3]);
    drop(s);
    let mut rest = Vec::new();
    for v in &r {
        rest.push(v);
    }
    assert_eq!(rest, [4]);

    let (s, r) = unbounded();
    let h = vigil::thread::spawn(move || r.into_iter().sum::<i32>());
    for i in 1..=4 {
        s.send(i).unwrap();
    }
    drop(s);
    assert_eq!(h.join().unwrap(), 10);
}

#[test]
fn clones_share_the_channel_and_disconnect_only_with_the_last() {
    let (s, r) = unbounded::<i32>();
    let (s2, r2) = (s.clone(), r.clone());
    assert!(s.same_channel(&s2) && r.same_channel(&r2));
    assert!(!s.same_channel(&unbounded().0));
    drop(s);
    s2.send(1).unwrap();
    assert_eq!(r.recv(), Ok(1));
    drop(s2);
    assert_eq!(r2.recv(), Err(RecvError));
    assert_eq!(format!("{:?} {:?}", unbounded::<()>().0, r), "Sender { .. } Receiver { .. }");
}

#[test]
fn ends_are_send_and_sync_like_crossbeam() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<vigil::channel::Sender<String>>();
    send_sync::<vigil::channel::Receiver<String>>();
    send_sync::<vigil::channel::Select<'static>>();
}

#[test]
fn timers() {
    let start = Instant::now();
    let t = after(Duration::from_millis(10)).recv().unwrap();
    assert!(t >= start + Duration::from_millis(10));
    let when = Instant::now() + Duration::from_millis(5);
    assert!(at(when).recv().unwrap() >= when);
    let ticker = tick(Duration::from_millis(2));
    let (a, b) = (ticker.recv().unwrap(), ticker.recv().unwrap());
    assert!(b > a);
    assert_eq!(never::<i32>().try_recv(), Err(TryRecvError::Empty));
    assert_eq!(after(Duration::from_secs(60)).capacity(), Some(1));
}

#[test]
fn select_api_forwards() {
    let (s1, r1) = unbounded::<i32>();
    let (s2, r2) = bounded::<i32>(1);
    let mut sel = Select::new();
    let i1 = sel.recv(&r1);
    let i2 = sel.send(&s2);
    let oper = sel.select();
    assert_eq!(oper.index(), i2);
    oper.send(&s2, 7).unwrap();
    assert_eq!(r2.recv(), Ok(7));

    s1.send(1).unwrap();
    let mut sel = Select::new_biased();
    let i = sel.recv(&r1);
    assert_eq!(i, i1);
    assert_eq!(sel.try_ready(), Ok(i));
    assert_eq!(sel.ready(), i);
    let oper = sel.try_select().unwrap();
    assert_eq!(oper.recv(&r1), Ok(1));
    assert!(sel.try_select().is_err());
    assert!(sel.select_timeout(Duration::from_millis(5)).is_err());
    assert!(sel.ready_timeout(Duration::from_millis(5)).is_err());
    sel.remove(i);
    drop(s1);
    drop(s2);
}
