//! `WorkerPool::shutdown` runs every queued job before joining its workers;
//! the pool's workers are named after it.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use vigil::pool::WorkerPool;

#[test]
fn every_queued_job_runs_before_shutdown_returns() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(200));
    let pool = WorkerPool::named("batch", 2);
    let done = Arc::new(AtomicUsize::new(0));
    let (gate_tx, gate_rx) = crossbeam_channel::bounded::<()>(0);
    // Hold both workers so the rest of the jobs stay queued.
    for _ in 0..2 {
        let rx = gate_rx.clone();
        pool.execute(move || {
            let _ = rx.recv();
        });
    }
    for _ in 0..50 {
        let d = done.clone();
        pool.execute(move || {
            assert!(vigil::thread::current().name().unwrap().starts_with("batch-"));
            d.fetch_add(1, Ordering::SeqCst);
        });
    }
    assert!(pool.stats().queued > 0);
    drop(gate_tx);
    pool.shutdown();
    assert_eq!(done.load(Ordering::SeqCst), 50);
    assert!(guard.check().is_empty());
}
