//! Inside a poll the task is the current worker: a `vigil::sync::Mutex` or
//! a `RaceCell` used in a task is attributed to the task, not to the runtime
//! thread that polled it (here both tasks run on one thread). Spawn orders
//! the spawner before the task's first poll and the `JoinHandle` await
//! orders the task's end before the awaiter; without those edges the
//! accesses race.

use std::time::Duration;
use vigil::race::RaceCell;
use vigil::report::DeadlockKind;
use vigil::sync::{Arc, Mutex};

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(200))
}

#[tokio::test]
async fn sync_locks_taken_in_two_tasks_in_opposite_orders_are_a_lock_order_naming_the_tasks() {
    let g = guard();
    let a = Arc::new(Mutex::named("task-lock-a", ()));
    let b = Arc::new(Mutex::named("task-lock-b", ()));
    let (a1, b1) = (a.clone(), b.clone());
    let forward = vigil::tokio::task::Builder::new().name("lo-forward").spawn(async move {
        let _a = a1.lock().unwrap();
        let _b = b1.lock().unwrap();
    });
    forward.unwrap().await.unwrap();
    let (a2, b2) = (a.clone(), b.clone());
    let backward = vigil::tokio::task::Builder::new().name("lo-backward").spawn(async move {
        let _b = b2.lock().unwrap();
        let _a = a2.lock().unwrap();
    });
    backward.unwrap().await.unwrap();
    let report = g.check();
    let found: Vec<_> = report.deadlocks.iter().filter(|d| d.kind == DeadlockKind::LockOrder).collect();
    assert_eq!(found.len(), 1, "{report}");
    let mut names: Vec<_> = found[0].threads.iter().filter_map(|t| t.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["lo-backward", "lo-forward"], "{report}");
}

#[tokio::test]
async fn sync_locks_taken_in_two_tasks_in_one_order_are_silent() {
    let g = guard();
    let a = Arc::new(Mutex::named("task-lock-c", ()));
    let b = Arc::new(Mutex::named("task-lock-d", ()));
    for _ in 0..2 {
        let (a1, b1) = (a.clone(), b.clone());
        vigil::tokio::spawn(async move {
            let _a = a1.lock().unwrap();
            let _b = b1.lock().unwrap();
        })
        .await
        .unwrap();
    }
    let report = g.check();
    assert!(report.deadlocks.is_empty(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_and_join_order_a_race_cell_across_a_task() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    cell.set(1);
    let c = cell.clone();
    vigil::tokio::spawn(async move { c.set(c.get() + 1) }).await.unwrap();
    cell.set(cell.get() + 1);
    assert_eq!(cell.get(), 3);
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_write_not_joined_races_with_the_spawner_naming_the_task() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let c = cell.clone();
    // tokio's own oneshot sequences the accesses in time but is no edge for vigil.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let h = vigil::tokio::task::Builder::new().name("race-task").spawn(async move {
        c.set(7);
        tx.send(()).unwrap();
    });
    rx.await.unwrap();
    cell.set(8);
    let report = g.check();
    assert_eq!(report.races.len(), 1, "{report}");
    let r = &report.races[0];
    let sides = [r.current.thread.name.clone(), r.previous.thread.name.clone()];
    assert!(sides.contains(&Some("race-task".to_string())), "{report}");
    h.unwrap().await.unwrap();
}
