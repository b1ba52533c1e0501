//! With `default-features = false` vigil's channel ends are transparent
//! wrappers of crossbeam's / std's own (the same size, nothing tracked) and
//! behave the same. Run with
//! `cargo test --no-default-features --test detect_off`.
#![cfg(not(feature = "detect"))]

use std::mem::size_of;

#[test]
fn ends_are_the_size_of_the_originals_and_nothing_is_tracked() {
    assert_eq!(size_of::<vigil::channel::Sender<u64>>(), size_of::<crossbeam_channel::Sender<u64>>());
    assert_eq!(size_of::<vigil::sync::mpsc::Sender<u64>>(), size_of::<std::sync::mpsc::Sender<u64>>());
    assert_eq!(
        size_of::<vigil::sync::mpsc::SyncSender<u64>>(),
        size_of::<std::sync::mpsc::SyncSender<u64>>()
    );
    assert_eq!(size_of::<vigil::sync::mpsc::Receiver<u64>>(), size_of::<std::sync::mpsc::Receiver<u64>>());

    let (s, r) = vigil::channel::bounded_named("results", 0);
    let h = vigil::thread::spawn(move || s.send(1).unwrap());
    assert_eq!(r.recv(), Ok(1));
    h.join().unwrap();
    let (tx, rx) = vigil::sync::mpsc::sync_channel(1);
    tx.send(2).unwrap();
    assert_eq!(rx.recv(), Ok(2));
    let got = vigil::select! {
        recv(r) -> v => v.is_err(),
        default(std::time::Duration::from_millis(1)) => false,
    };
    assert!(got, "disconnected once the sender is gone");
    assert!(vigil::check::snapshot().resources.is_empty());
}
