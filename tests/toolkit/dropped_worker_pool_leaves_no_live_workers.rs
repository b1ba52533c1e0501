//! Dropping a `WorkerPool` without `shutdown` still stops its workers (after
//! the job each is running), so nothing is left to leak.
use std::time::Duration;
use vigil::pool::WorkerPool;

#[test]
fn dropping_the_pool_stops_its_workers() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(2000));
    let pool = WorkerPool::named("short-lived", 3);
    let (tx, rx) = std::sync::mpsc::channel();
    pool.execute(move || tx.send(()).unwrap());
    rx.recv().unwrap();
    drop(pool);
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
}
