//! Every task spawned through `vigil::tokio` is a worker of kind `task`,
//! with its name, parent (the spawner) and spawn site, and inside its polls
//! it is the current worker.

use vigil::report::{WorkerKind, WorkerState};

#[tokio::test]
async fn a_named_task_is_a_worker_whose_parent_is_the_spawner() {
    let me = vigil_detector::current_worker_id().unwrap();
    let h = vigil::tokio::task::Builder::new()
        .name("kind-fetch")
        .spawn(async { vigil_detector::current_worker().unwrap() })
        .unwrap();
    let inside = h.await.unwrap();
    assert_eq!(inside.kind(), WorkerKind::Task);
    assert_eq!(inside.name(), Some("kind-fetch"));
    assert!(inside.descends_from(me), "the spawning thread is the task's parent");
    assert_eq!(vigil_detector::current_worker_id(), Some(me), "after the task the thread is itself again");
    let snap = vigil::check::snapshot();
    let w = crate::common::worker_named(&snap, "kind-fetch").expect("the task is in the snapshot");
    assert_eq!(w.kind, WorkerKind::Task);
    assert_eq!(w.state, WorkerState::Finished);
    assert_eq!(w.parent.as_ref().map(|p| p.id), Some(me));
    let site = w.spawned_at.unwrap();
    assert!(site.starts_with(file!()), "spawned at the Builder::spawn call: {site}");
    assert!(w.task.unwrap().polls >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_spawned_by_a_task_descends_from_it() {
    let outer = vigil::tokio::spawn(async {
        let parent = vigil_detector::current_worker_id().unwrap();
        let child = vigil::tokio::spawn(async { vigil_detector::current_worker().unwrap() }).await.unwrap();
        (parent, child)
    });
    let (parent, child) = outer.await.unwrap();
    assert!(child.descends_from(parent));
    assert_eq!(child.kind(), WorkerKind::Task);
}

#[tokio::test]
async fn spawn_blocking_runs_as_a_task_worker() {
    let w = vigil::tokio::task::spawn_blocking(|| vigil_detector::current_worker().unwrap()).await.unwrap();
    assert_eq!(w.kind(), WorkerKind::Task);
    assert_eq!(w.state(), WorkerState::Finished);
}
