//! A task still alive at a leak check is a leak, reported with its name,
//! state and spawn site, in both `#[tokio::test]` flavours. A joined task, an
//! aborted one, the tasks of a dropped `JoinSet`, and a task that finishes
//! within the grace are not leaks; parallel runtimes never see each other's
//! tasks.

use crate::common;
use std::time::Duration;
use vigil::check::LeakGuard;
use vigil::report::{WorkerKind, WorkerState};

/// Waits (letting the runtime run) until the task named `name` has been
/// polled and returned `Pending`.
async fn wait_idle(name: &str) {
    let start = std::time::Instant::now();
    while start.elapsed() < common::PATIENCE {
        let w = common::worker_named(&vigil::check::snapshot(), name);
        if w.is_some_and(|w| w.state == WorkerState::Idle && w.task.is_some_and(|t| t.polls >= 1)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("task {name} was never polled to idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_pending_forever_is_reported_with_its_name_and_spawn_site() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let b = vigil::tokio::task::Builder::new().name("leak-forever");
    let line = line!() + 1;
    let h = b.spawn(std::future::pending::<()>()).unwrap();
    wait_idle("leak-forever").await;
    let report = guard.check();
    assert_eq!(report.leaks.len(), 1, "{report}");
    let leak = &report.leaks[0];
    assert_eq!(leak.worker.name.as_deref(), Some("leak-forever"));
    assert_eq!(leak.state, WorkerState::Idle);
    assert!(leak.spawned_at.starts_with(&format!("{}:{line}:", file!())), "{}", leak.spawned_at);
    let text = report.to_string();
    assert!(text.contains("\"leak-forever\" [idle for"), "{text}");
    h.abort();
}

#[tokio::test]
async fn current_thread_a_detached_task_is_a_leak_and_a_joined_one_is_not() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let joined = vigil::tokio::task::Builder::new().name("ct-joined").spawn(async { 1 }).unwrap();
    let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
    let leaked = vigil::tokio::task::Builder::new().name("ct-leaked").spawn(rx).unwrap();
    assert_eq!(joined.await.unwrap(), 1);
    wait_idle("ct-leaked").await;
    let report = guard.check();
    let names: Vec<_> = report.leaks.iter().map(|l| l.worker.name.clone()).collect();
    assert_eq!(names, [Some("ct-leaked".to_string())], "{report}");
    leaked.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joined_aborted_and_join_set_tasks_are_not_leaks() {
    let guard = LeakGuard::new().grace(common::PATIENCE);
    let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
    let joined = vigil::tokio::spawn(async move { rx.await.unwrap() + 1 });
    let aborted =
        vigil::tokio::task::Builder::new().name("nl-aborted").spawn(std::future::pending::<()>()).unwrap();
    let mut set = vigil::tokio::task::JoinSet::new();
    for _ in 0..3 {
        set.spawn(std::future::pending::<()>());
    }
    wait_idle("nl-aborted").await;
    tx.send(41).unwrap();
    assert_eq!(joined.await.unwrap(), 42);
    aborted.abort();
    drop(set);
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    let w = common::worker_named(&vigil::check::snapshot(), "nl-aborted").unwrap();
    assert_eq!((w.kind, w.state), (WorkerKind::Task, WorkerState::Cancelled));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_finishes_within_the_grace_is_not_a_leak() {
    // The task must still be alive when the check starts: retried with a
    // longer nap if the machine was too slow to get there first.
    for nap_ms in [200u64, 1000, 5000] {
        let name = format!("grace-nap-{nap_ms}");
        let guard = LeakGuard::new().grace(common::PATIENCE);
        let nap = tokio::time::sleep(Duration::from_millis(nap_ms));
        let h = vigil::tokio::task::Builder::new().name(&name).spawn(nap).unwrap();
        // The detector marks the task finished when its future completes,
        // a moment before tokio's `JoinHandle::is_finished` turns true: ask
        // the detector, which is what the check waits on.
        let finished = || {
            let w = common::worker_named(&vigil::check::snapshot(), &name);
            w.is_some_and(|w| w.state == WorkerState::Finished)
        };
        if finished() {
            continue;
        }
        let report = guard.check();
        assert!(report.is_empty(), "{report}");
        assert!(finished(), "the check waited for it");
        h.await.unwrap();
        return;
    }
    panic!("the task always finished before the check began");
}

#[test]
fn parallel_runtimes_see_only_their_own_tasks() {
    let both_spawned = std::sync::Arc::new(std::sync::Barrier::new(2));
    let run = |leak: bool| {
        let both_spawned = both_spawned.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let guard = LeakGuard::new().grace(Duration::from_millis(100));
                let name = if leak { "par-leaker" } else { "par-clean" };
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                let h = vigil::tokio::task::Builder::new().name(name).spawn(rx).unwrap();
                wait_idle(name).await;
                both_spawned.wait();
                if !leak {
                    tx.send(()).unwrap();
                    h.await.unwrap().unwrap();
                }
                let report = guard.check();
                (report.leaks.iter().map(|l| l.worker.name.clone()).collect::<Vec<_>>(), report.to_string())
            })
        })
    };
    let leaker = run(true);
    let clean = run(false);
    let (leaked, text) = leaker.join().unwrap();
    assert_eq!(leaked, [Some("par-leaker".to_string())], "{text}");
    let (leaked, text) = clean.join().unwrap();
    assert!(leaked.is_empty(), "{text}");
}
