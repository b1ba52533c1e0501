//! With `default-features = false` vigil's thread types are std's own and
//! checks return empty reports. Run with `cargo test --no-default-features --test detect_off`.
#![cfg(not(feature = "detect"))]

#[test]
fn join_handle_is_std_type_and_checks_are_empty() {
    fn same<T>(_: T, _: T) {}
    let a: std::thread::JoinHandle<()> = vigil::thread::spawn(|| ());
    same::<fn() -> std::thread::Thread>(vigil::thread::current, std::thread::current);
    let guard = vigil::check::LeakGuard::new();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let b = vigil::thread::spawn(move || rx.recv().unwrap_or(()));
    assert!(guard.check().is_empty());
    assert!(vigil::check::leaks().is_empty());
    assert!(vigil::check::snapshot().workers.is_empty());
    drop(tx);
    a.join().unwrap();
    b.join().unwrap();
}
