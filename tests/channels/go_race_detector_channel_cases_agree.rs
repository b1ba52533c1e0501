//! The channel cases of Go's race detector test suite
//! (`runtime/race/testdata/chan_test.go`), written anew in Rust on
//! `vigil::channel` and `RaceCell`: for each, vigil reports a race where
//! Go's detector does (`TestRace…`) and is silent where Go's is
//! (`TestNoRace…`). One variant of Go's `RaceChanSem`, run after the
//! channel's first C sends, is listed with the reason vigil misses its race
//! (see `WIDER_BUFFER_EDGE`); vigil reports no race that Go's would not.
//! Cases with no Rust counterpart (closing a channel
//! twice or from the receiving side, reassigning the channel variable
//! itself) are left out. Go's `close(c)` is dropping the last sender here.
//!
//! Each case runs on a fresh outside thread, a lineage of its own, under its
//! own guard. Where a case needs one thing to happen before another without
//! creating a happens-before edge, it waits on std's own channel, which
//! vigil does not see, or for a worker to show as blocked.

use crate::common;

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use vigil::channel::{bounded, Receiver, Sender};
use vigil::race::RaceCell;
use vigil::thread;

type Cell = Arc<RaceCell<u32>>;

fn cell() -> Cell {
    Arc::new(RaceCell::new(0))
}

/// Runs `case` on a fresh outside thread under its own guard and returns
/// how many races the guard found.
fn races_in(case: fn()) -> usize {
    std::thread::spawn(move || {
        let g = vigil::check::guard().grace(Duration::from_millis(200));
        case();
        g.check().races.len()
    })
    .join()
    .expect("the case panicked")
}

/// A std channel pair used to order events in time without a
/// happens-before edge.
fn signal() -> (std_mpsc::Sender<()>, std_mpsc::Receiver<()>) {
    std_mpsc::channel()
}

// === a send and the receive that gets its value ===

/// NoRaceChanSync: write, send | receive, write (rendezvous).
fn write_send_then_receive_write_unbuffered() {
    send_receive_twin(0, false);
}

/// NoRaceChanAsync: the same on a buffered channel.
fn write_send_then_receive_write_buffered() {
    send_receive_twin(10, false);
}

/// NoRaceChanSyncRev: send, write | write, receive (rendezvous: the
/// receive happens before the send completes).
fn send_write_then_write_receive_unbuffered() {
    send_receive_twin(0, true);
}

/// RaceChanAsyncRev: the same on a buffered channel, where the send does
/// not wait for the receive: a race. Here the receive is under way
/// (blocked, the channel empty, its receiver's past already published to
/// the channel's receive clock) when the send completes: the send is the
/// channel's first, so it learns nothing from receives.
fn send_write_then_write_receive_buffered() {
    let v = cell();
    let (tx, rx) = bounded::<u32>(10);
    let v2 = v.clone();
    let receiver = thread::Builder::new()
        .name("async-rev-receiver".into())
        .spawn(move || {
            v2.set(1);
            rx.recv().unwrap();
        })
        .expect("spawn");
    common::wait_blocked("async-rev-receiver");
    tx.send(0).unwrap();
    v.set(2);
    receiver.join().unwrap();
}

fn send_receive_twin(cap: usize, reversed: bool) {
    let v = cell();
    let (tx, rx) = bounded::<u32>(cap);
    let v2 = v.clone();
    let t = thread::spawn(move || {
        if reversed {
            tx.send(0).unwrap();
            v2.set(2);
        } else {
            v2.set(1);
            tx.send(0).unwrap();
        }
    });
    if reversed {
        v.set(1);
        rx.recv().unwrap();
    } else {
        rx.recv().unwrap();
        v.set(2);
    }
    t.join().unwrap();
}

/// NoRaceChanPtr: a value made by the sender and changed by the receiver.
fn value_made_by_sender_changed_by_receiver() {
    let (tx, rx) = bounded::<Cell>(0);
    let t = thread::spawn(move || {
        let m = cell();
        m.set(1);
        tx.send(m).unwrap();
    });
    let m = rx.recv().unwrap();
    m.set(2);
    t.join().unwrap();
}

/// RaceChanWrongSend: a receive is ordered after the send whose value it
/// got, not after another sender's.
fn receive_orders_only_the_sender_it_got() {
    let (v1, v2) = (cell(), cell());
    let (tx, rx) = bounded::<u32>(2);
    let (sent, both_sent) = signal();
    let spawn_sender = |v: Cell, x: u32| {
        let (tx, sent) = (tx.clone(), sent.clone());
        thread::spawn(move || {
            v.set(x);
            tx.send(x).unwrap();
            sent.send(()).unwrap();
        })
    };
    let s1 = spawn_sender(v1.clone(), 1);
    let s2 = spawn_sender(v2.clone(), 2);
    both_sent.recv().unwrap();
    both_sent.recv().unwrap();
    if rx.recv().unwrap() == 1 {
        v2.set(3);
    } else {
        v1.set(3);
    }
    s1.join().unwrap();
    s2.join().unwrap();
}

// === closing (dropping the last sender) ===

/// NoRaceChanAsyncCloseRecv2/3 and NoRaceChanSyncCloseRecv2/3: write,
/// close | the receive that observes the close, write.
fn write_close_then_observe_close_write() {
    for cap in [0, 10] {
        let v = cell();
        let (tx, rx) = bounded::<u32>(cap);
        let v2 = v.clone();
        let t = thread::spawn(move || {
            v2.set(1);
            drop(tx);
        });
        assert!(rx.iter().next().is_none(), "nothing was sent");
        v.set(2);
        t.join().unwrap();
    }
}

// === what is not synchronisation ===

/// RaceChanSendLen: seeing the length change orders nothing.
fn polling_len_after_a_send() {
    let v = cell();
    let (tx, rx) = bounded::<u32>(10);
    let v2 = v.clone();
    let t = thread::spawn(move || {
        v2.set(1);
        tx.send(1).unwrap();
    });
    while rx.is_empty() {
        std::thread::yield_now();
    }
    v.set(2);
    t.join().unwrap();
}

/// RaceChanRecvLen: nor seeing it drop after a receive.
fn polling_len_after_a_receive() {
    let v = cell();
    let (tx, rx) = bounded::<u32>(10);
    tx.send(1).unwrap();
    let v2 = v.clone();
    let t = thread::spawn(move || {
        v2.set(1);
        rx.recv().unwrap();
    });
    while !tx.is_empty() {
        std::thread::yield_now();
    }
    v.set(2);
    t.join().unwrap();
}

/// RaceChanSendSend: a send that fails because the channel is full is not
/// ordered after the send that filled it.
fn failed_try_send_after_a_successful_one() {
    let (v1, v2) = (cell(), cell());
    let (tx, _rx) = bounded::<u32>(1);
    let (first_sent, wait_first) = signal();
    let (a, b) = (v1.clone(), v2.clone());
    let tx1 = tx.clone();
    let t1 = thread::spawn(move || {
        a.set(1);
        assert!(tx1.try_send(1).is_ok(), "the channel is empty");
        first_sent.send(()).unwrap();
    });
    wait_first.recv().unwrap();
    let t2 = thread::spawn(move || {
        b.set(1);
        vigil::select! {
            send(tx, 1) -> _ => unreachable!("the channel is full"),
            default => v1.set(2), // the first sender's variable
        }
    });
    t1.join().unwrap();
    t2.join().unwrap();
    drop(v2);
}

// === channels as locks, semaphores and wait groups ===

/// NoRaceChanMutex: capacity 1 as a mutex (send locks, receive unlocks):
/// the k-th receive happens before the (k+1)-th send completes.
fn channel_of_one_as_a_mutex() {
    channel_as_lock(1, false, 0);
}

/// RaceChanSem: capacity 2 lets both in at once. Here one holder has
/// released (received) before the other acquires (sends): the second send
/// is the channel's second of two slots, so it learns nothing from the
/// first holder's release.
fn channel_of_two_as_a_lock() {
    channel_as_lock(2, true, 0);
}

/// RaceChanSem once the channel has carried C sends (not one of Go's
/// cases): two warm-up rounds fill and empty both slots, then the same two
/// holders. The second holder's send is the channel's fourth and learns
/// every release before it (see `WIDER_BUFFER_EDGE`), so vigil misses the
/// race Go's per-slot edge would report.
fn channel_of_two_as_a_lock_after_two_rounds() {
    channel_as_lock(2, true, 2);
}

/// Two holders of a channel used as a lock; with `one_after_the_other`, the
/// second takes it only once the first has released it (ordered in time by
/// std's channel, which vigil does not see). The main thread first takes
/// and releases the lock `warm_up` times alone.
fn channel_as_lock(cap: usize, one_after_the_other: bool, warm_up: usize) {
    let data = cell();
    let (lock, unlock) = bounded::<()>(cap);
    for _ in 0..warm_up {
        lock.send(()).unwrap();
        unlock.recv().unwrap();
    }
    let (released, wait_released) = signal();
    let (d, l, u) = (data.clone(), lock.clone(), unlock.clone());
    let t = thread::spawn(move || {
        if one_after_the_other {
            wait_released.recv().unwrap();
        }
        l.send(()).unwrap();
        d.set(42);
        u.recv().unwrap();
    });
    lock.send(()).unwrap();
    data.set(43);
    unlock.recv().unwrap();
    let _ = released.send(()); // unheard unless `one_after_the_other`
    t.join().unwrap();
}

/// NoRaceSelectMutex: the same mutex through `select!`, with an arm that
/// never fires.
fn select_on_a_channel_of_one_as_a_mutex() {
    let data = cell();
    let (lock, unlock) = bounded::<()>(1);
    let (_aux_tx, aux) = bounded::<()>(0);
    let critical = move |lock: &Sender<()>, unlock: &Receiver<()>, aux: &Receiver<()>, data: &Cell, x| {
        vigil::select! {
            send(lock, ()) -> r => r.unwrap(),
            recv(aux) -> _ => unreachable!(),
        }
        data.set(x);
        vigil::select! {
            recv(unlock) -> r => r.unwrap(),
            recv(aux) -> _ => unreachable!(),
        }
    };
    let (l, u, a, d) = (lock.clone(), unlock.clone(), aux.clone(), data.clone());
    let t = thread::spawn(move || critical(&l, &u, &a, &d, 42));
    critical(&lock, &unlock, &aux, &data, 43);
    t.join().unwrap();
}

/// NoRaceChanWaitGroup: a channel of capacity N/2 as a wait group: filling
/// it at the end waits for every worker's receive.
fn channel_as_a_wait_group() {
    const N: usize = 10;
    let data: Vec<Cell> = (0..N).map(|_| cell()).collect();
    let (add, done) = bounded::<()>(N / 2);
    let mut workers = Vec::new();
    for d in &data {
        add.send(()).unwrap();
        let (d, done) = (d.clone(), done.clone());
        workers.push(thread::spawn(move || {
            d.set(42);
            done.recv().unwrap();
        }));
    }
    for _ in 0..N / 2 {
        add.send(()).unwrap();
    }
    for d in &data {
        assert_eq!(d.get(), 42);
    }
    for w in workers {
        w.join().unwrap();
    }
}

/// NoRaceProducerConsumerUnbuffered: run a closure on a worker and wait
/// for its reply.
fn closure_run_by_a_worker_then_awaited() {
    type Task = (Box<dyn FnOnce() + Send>, Sender<()>);
    let (queue, tasks) = bounded::<Task>(0);
    let worker = thread::spawn(move || {
        let (f, done) = tasks.recv().unwrap();
        f();
        done.send(()).unwrap();
    });
    let x = cell();
    let x2 = x.clone();
    let (done_tx, done_rx) = bounded::<()>(1);
    queue.send((Box::new(move || x2.set(1)), done_tx)).unwrap();
    done_rx.recv().unwrap();
    assert_eq!(x.get(), 1);
    worker.join().unwrap();
}

// === the value's own reads and writes ===

/// RaceChanReadWriteAsync: reading x to send it races with writing x from
/// another channel's receive.
fn read_to_send_vs_write_from_another_channel() {
    read_to_send_vs_write_from_a_receive(false);
}

/// NoRaceChanReadWriteAsync: not when the receive gets that very value.
fn read_to_send_vs_write_from_that_channel() {
    read_to_send_vs_write_from_a_receive(true);
}

fn read_to_send_vs_write_from_a_receive(same_channel: bool) {
    let x = cell();
    let (c1, r1) = bounded::<u32>(10);
    let (c2, r2) = bounded::<u32>(10);
    c2.send(10).unwrap();
    let (sent, wait_sent) = signal();
    let x2 = x.clone();
    let t = thread::spawn(move || {
        c1.send(x2.get()).unwrap();
        sent.send(()).unwrap();
    });
    wait_sent.recv().unwrap();
    let got = if same_channel { r1.recv() } else { r2.recv() };
    x.set(got.unwrap());
    t.join().unwrap();
}

/// NoRaceSelectReadWriteAsync: two selects that can only meet on c1.
fn selects_that_can_only_meet_on_one_channel() {
    let x = cell();
    let (c1, r1) = bounded::<u32>(0);
    let (c2, _r2) = bounded::<u32>(0);
    let (x2, c2b) = (x.clone(), c2.clone());
    let t = thread::spawn(move || {
        vigil::select! {
            send(c1, x2.get()) -> r => r.unwrap(),
            send(c2b, 1) -> _ => unreachable!("nobody receives on c2"),
        }
    });
    vigil::select! {
        recv(r1) -> v => x.set(v.unwrap()),
        send(c2, 1) -> _ => unreachable!("nobody receives on c2"),
    }
    t.join().unwrap();
}

/// RaceSelectReadWriteAsync: a select that reads x to send it and one that
/// writes x from another buffered channel's value.
fn selects_on_different_buffered_channels() {
    let x = cell();
    let (c1, _r1) = bounded::<u32>(10);
    let (c2, r2) = bounded::<u32>(10);
    let (c3, _r3) = bounded::<u32>(0);
    c2.send(1).unwrap();
    let (sent, wait_sent) = signal();
    let (x2, c3b) = (x.clone(), c3.clone());
    let t = thread::spawn(move || {
        vigil::select! {
            send(c1, x2.get()) -> r => r.unwrap(),
            send(c3b, 1) -> _ => unreachable!("nobody receives on c3"),
        }
        sent.send(()).unwrap();
    });
    wait_sent.recv().unwrap();
    vigil::select! {
        recv(r2) -> v => x.set(v.unwrap()),
        send(c3, 1) -> _ => unreachable!("nobody receives on c3"),
    }
    t.join().unwrap();
}

/// Where vigil is known to differ from Go's detector, and why.
///
/// Once a buffered channel has carried C sends, a send learns what every
/// receive begun before it completed had done (receivers publish into one
/// clock of the channel's before they take a message, and such a send
/// acquires it), not only the (k−C)-th receive that made room for it, as Go's
/// detector does by tracking each buffer slot. (The first C sends learn
/// nothing from receives, as in Go.) The wider edge never reports a race
/// Go's would not, but it hides a race between what a receiver did before a
/// receive and what a sender does after a later send.
const WIDER_BUFFER_EDGE: &str = "a buffered send learns every receive begun before it, not only the (k-C)-th";

/// One case: Go's test name, whether Go's detector reports a race in it,
/// and, where vigil is known to differ, why.
type Case = (&'static str, bool, Option<&'static str>, fn());

const CASES: &[Case] = &[
    ("NoRaceChanSync", false, None, write_send_then_receive_write_unbuffered),
    ("NoRaceChanAsync", false, None, write_send_then_receive_write_buffered),
    ("NoRaceChanSyncRev", false, None, send_write_then_write_receive_unbuffered),
    ("RaceChanAsyncRev", true, None, send_write_then_write_receive_buffered),
    ("NoRaceChanPtr", false, None, value_made_by_sender_changed_by_receiver),
    ("RaceChanWrongSend", true, None, receive_orders_only_the_sender_it_got),
    ("NoRaceChan{Sync,Async}CloseRecv", false, None, write_close_then_observe_close_write),
    ("RaceChanSendLen", true, None, polling_len_after_a_send),
    ("RaceChanRecvLen", true, None, polling_len_after_a_receive),
    ("RaceChanSendSend", true, None, failed_try_send_after_a_successful_one),
    ("NoRaceChanMutex", false, None, channel_of_one_as_a_mutex),
    ("RaceChanSem", true, None, channel_of_two_as_a_lock),
    (
        "RaceChanSem after C sends (a variant)",
        true,
        Some(WIDER_BUFFER_EDGE),
        channel_of_two_as_a_lock_after_two_rounds,
    ),
    ("NoRaceSelectMutex", false, None, select_on_a_channel_of_one_as_a_mutex),
    ("NoRaceChanWaitGroup", false, None, channel_as_a_wait_group),
    ("NoRaceProducerConsumerUnbuffered", false, None, closure_run_by_a_worker_then_awaited),
    ("RaceChanReadWriteAsync", true, None, read_to_send_vs_write_from_another_channel),
    ("NoRaceChanReadWriteAsync", false, None, read_to_send_vs_write_from_that_channel),
    ("NoRaceSelectReadWriteAsync", false, None, selects_that_can_only_meet_on_one_channel),
    ("RaceSelectReadWriteAsync", true, None, selects_on_different_buffered_channels),
];

#[test]
fn vigil_agrees_with_gos_race_detector_on_its_channel_cases() {
    let mut wrong = Vec::new();
    for &(name, go_reports_a_race, known_difference, case) in CASES {
        let vigil_reports_a_race = races_in(case) > 0;
        let expected = match known_difference {
            // Known misses only: vigil never reports a race Go's would not.
            Some(_) => {
                assert!(go_reports_a_race, "{name}: a known difference is a missed race");
                false
            }
            None => go_reports_a_race,
        };
        if vigil_reports_a_race != expected {
            let why = match known_difference {
                Some(why) => format!(" (listed as a known difference: {why}; update the table)"),
                None => String::new(),
            };
            wrong.push(format!(
                "{name}: Go's detector {}, vigil {}{why}",
                if go_reports_a_race { "reports a race" } else { "is silent" },
                if vigil_reports_a_race { "reports one" } else { "is silent" },
            ));
        }
    }
    assert!(wrong.is_empty(), "vigil and Go's race detector, case by case:\n{}", wrong.join("\n"));
}
