//! `snapshot()` shows a channel's live state: flavor, capacity, queued
//! messages, live ends, counts, the workers blocked on it (who, where, since
//! when) and the disconnect; a blocked worker's `blocked_on` names the channel.
use crate::common;

use vigil::report::{Op, ResourceStats, WorkerState};

fn channel_stats(name: &str) -> Option<(String, vigil::report::ChannelStats)> {
    let snap = vigil::check::snapshot();
    snap.resources.into_iter().find(|r| &*r.name == name).and_then(|r| match r.stats {
        ResourceStats::Channel(c) => Some((r.summary, *c)),
        _ => None,
    })
}

#[test]
fn blocked_senders_and_counts_are_in_the_snapshot() {
    let (tx, rx) = vigil::channel::bounded_named::<u32>("snap-rendezvous", 0);
    let tx2 = tx.clone();
    let send_line = line!() + 4;
    let sender = vigil::thread::Builder::new()
        .name("snap-sender".into())
        .spawn(move || {
            tx2.send(1).unwrap();
        })
        .unwrap();
    common::wait_blocked("snap-sender");

    let snap = vigil::check::snapshot();
    let w = common::worker_named(&snap, "snap-sender").expect("worker");
    assert_eq!(w.state, WorkerState::Blocked);
    let blocked = w.blocked_on.expect("blocked_on");
    assert_eq!(blocked.op, Op::Send);
    assert_eq!(blocked.resource.map(|r| r.name), Some("snap-rendezvous".to_string()));

    let (summary, stats) = channel_stats("snap-rendezvous").expect("channel in snapshot");
    assert_eq!(stats.flavor, "rendezvous");
    assert_eq!(stats.capacity, Some(0));
    assert_eq!((stats.senders, stats.receivers), (2, 1));
    assert_eq!(stats.blocked_senders.len(), 1, "{stats:?}");
    assert_eq!(stats.blocked_senders[0].worker.name.as_deref(), Some("snap-sender"));
    assert!(stats.blocked_senders[0].site.starts_with(&format!("{}:{send_line}:", file!())));
    assert!(stats.blocked_receivers.is_empty());
    assert!(summary.starts_with("bounded(0), 0/0 queued, 1 receiver alive, 0 receiving"), "{summary}");
    assert!(summary.contains("2 senders alive, 1 sending"), "{summary}");

    assert_eq!(rx.recv(), Ok(1));
    sender.join().unwrap();
    let (_, stats) = channel_stats("snap-rendezvous").expect("channel in snapshot");
    assert_eq!((stats.sent, stats.received, stats.senders), (1, 1, 1));
    assert!(stats.blocked_senders.is_empty());
    assert_eq!(stats.disconnected_ms_ago, None);
    drop(tx);
    let (summary, stats) = channel_stats("snap-rendezvous").expect("channel in snapshot");
    assert!(stats.disconnected_ms_ago.is_some());
    assert!(summary.ends_with("disconnected"), "{summary}");
    drop(rx);
    assert!(channel_stats("snap-rendezvous").is_none(), "a dropped channel leaves the snapshot");
}

#[test]
fn queued_messages_and_blocked_receivers_are_in_the_snapshot() {
    let (tx, rx) = vigil::sync::mpsc::sync_channel_named::<u32>("snap-bounded", 4);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let (_, stats) = channel_stats("snap-bounded").expect("channel in snapshot");
    assert_eq!((stats.flavor, stats.capacity, stats.len), ("bounded", Some(4), 2));

    let (tx2, rx2) = vigil::channel::unbounded_named::<u32>("snap-unbounded");
    let receiver =
        vigil::thread::Builder::new().name("snap-receiver".into()).spawn(move || rx2.recv()).unwrap();
    common::wait_blocked("snap-receiver");
    let (summary, stats) = channel_stats("snap-unbounded").expect("channel in snapshot");
    assert_eq!((stats.flavor, stats.capacity), ("unbounded", None));
    assert_eq!(stats.blocked_receivers.len(), 1);
    assert_eq!(stats.blocked_receivers[0].worker.name.as_deref(), Some("snap-receiver"));
    assert!(summary.starts_with("unbounded, 0 queued, 1 receiver alive, 1 receiving"), "{summary}");
    tx2.send(9).unwrap();
    assert_eq!(receiver.join().unwrap(), Ok(9));
    drop(rx);
}
