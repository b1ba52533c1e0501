//! Happens-before edges from channels (`vigil::channel` and
//! `vigil::sync::mpsc`), each with a twin: send → the receive that gets the
//! value; the capacity rule (a rendezvous receive → its send completing, a
//! buffered send not waiting for any receive; the k-th receive → the
//! (k+C)-th send, and nothing from receives to the first C sends, whichever
//! way they are sent); disconnect → the receive that observes it.

use crate::common;

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(200))
}

/// Runs `f` on a fresh outside thread: a lineage of its own, so findings
/// deduplicated by pair of sites in one case do not hide the next case's.
fn isolated<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::spawn(f).join().unwrap()
}

/// A channel under test, as boxed ends.
type Ends = (Box<dyn Fn(u32) + Send>, Box<dyn Fn() -> Option<u32> + Send>);

fn crossbeam(cap: Option<usize>) -> Ends {
    let (tx, rx) = match cap {
        Some(c) => vigil::channel::bounded(c),
        None => vigil::channel::unbounded(),
    };
    (Box::new(move |v| tx.send(v).unwrap()), Box::new(move || rx.recv().ok()))
}

fn mpsc(cap: Option<usize>) -> Ends {
    match cap {
        Some(c) => {
            let (tx, rx) = vigil::sync::mpsc::sync_channel(c);
            (Box::new(move |v| tx.send(v).unwrap()), Box::new(move || rx.recv().ok()))
        }
        None => {
            let (tx, rx) = vigil::sync::mpsc::channel();
            (Box::new(move |v| tx.send(v).unwrap()), Box::new(move || rx.recv().ok()))
        }
    }
}

/// Makes a channel of the given capacity (`None`: unbounded).
type Make = fn(Option<usize>) -> Ends;

const FLAVOURS: [(&str, Make); 2] = [("crossbeam", crossbeam), ("mpsc", mpsc)];

/// Child writes then sends (or sends then writes); main receives then reads.
fn send_then_receive(write_after_send: bool, make: Make, cap: Option<usize>) -> usize {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (send, recv) = make(cap);
    let c = cell.clone();
    let (done_tx, done_rx) = std_mpsc::channel::<()>();
    let t = vigil::thread::spawn(move || {
        if write_after_send {
            send(1);
            c.set(1);
            done_tx.send(()).unwrap();
        } else {
            c.set(1);
            send(1);
        }
    });
    assert_eq!(recv(), Some(1));
    if write_after_send {
        done_rx.recv().unwrap();
    }
    let _ = cell.get();
    t.join().unwrap();
    g.check().races.len()
}

#[test]
fn send_happens_before_the_matching_receive() {
    for (name, make) in FLAVOURS {
        for cap in [None, Some(0), Some(1), Some(4)] {
            assert_eq!(isolated(move || send_then_receive(false, make, cap)), 0, "{name} {cap:?}");
        }
    }
}

#[test]
fn a_write_after_the_send_races_with_the_receiver() {
    for (name, make) in FLAVOURS {
        for cap in [None, Some(0), Some(1)] {
            assert_eq!(isolated(move || send_then_receive(true, make, cap)), 1, "{name} {cap:?}");
        }
    }
}

#[test]
fn rendezvous_receive_happens_before_the_send_completes() {
    // Go's memory model example: `a = "hello"; <-c` in the child,
    // `c <- 0; print(a)` in main — correct only when c is unbuffered.
    for (name, make) in FLAVOURS {
        let g = guard();
        let cell = Arc::new(RaceCell::new(0u32));
        let (send, recv) = make(Some(0));
        let c = cell.clone();
        let t = vigil::thread::spawn(move || {
            c.set(1);
            recv();
        });
        send(0);
        assert_eq!(cell.get(), 1);
        t.join().unwrap();
        let report = g.check();
        assert!(report.races.is_empty(), "{name}: {report}");
    }
}

#[test]
fn buffered_send_completes_without_any_receive_so_the_same_program_races() {
    for (name, make) in FLAVOURS {
        let races = isolated(move || buffered_program(make));
        assert_eq!(races, 1, "{name}");
    }
}

fn buffered_program(make: Make) -> usize {
    {
        let g = guard();
        let cell = Arc::new(RaceCell::new(0u32));
        let (send, recv) = make(Some(1));
        let c = cell.clone();
        let (go_tx, go_rx) = std_mpsc::channel::<()>();
        let (sent_tx, sent_rx) = std_mpsc::channel::<()>();
        let t = vigil::thread::spawn(move || {
            c.set(1);
            go_tx.send(()).unwrap();
            sent_rx.recv().unwrap(); // the buffered send has completed
            recv();
        });
        go_rx.recv().unwrap();
        send(0); // completes at once: capacity 1
        let _ = cell.get();
        sent_tx.send(()).unwrap();
        t.join().unwrap();
        g.check().races.len()
    }
}

/// Every way to send to a bounded channel, each with a blocking receive.
const BOUNDED_SENDS: [(&str, Make); 6] = [
    ("Sender::send", crossbeam),
    ("Sender::try_send", |cap| {
        let (tx, rx) = vigil::channel::bounded(cap.expect("bounded"));
        let send = move |v| {
            // Retried until there is room: completes only after a receive made it.
            while let Err(e) = tx.try_send(v) {
                assert!(matches!(e, vigil::channel::TrySendError::Full(_)), "{e:?}");
                std::thread::yield_now();
            }
        };
        (Box::new(send), Box::new(move || rx.recv().ok()))
    }),
    ("Sender::send_timeout", |cap| {
        let (tx, rx) = vigil::channel::bounded(cap.expect("bounded"));
        let send = move |v| tx.send_timeout(v, Duration::from_secs(60)).unwrap();
        (Box::new(send), Box::new(move || rx.recv().ok()))
    }),
    ("select send", |cap| {
        let (tx, rx) = vigil::channel::bounded(cap.expect("bounded"));
        let send = move |v| {
            let mut sel = vigil::channel::Select::new();
            sel.send(&tx);
            sel.select().send(&tx, v).unwrap();
        };
        (Box::new(send), Box::new(move || rx.recv().ok()))
    }),
    ("SyncSender::send", mpsc),
    ("SyncSender::try_send", |cap| {
        let (tx, rx) = vigil::sync::mpsc::sync_channel(cap.expect("bounded"));
        let send = move |v| {
            while let Err(e) = tx.try_send(v) {
                assert!(matches!(e, std_mpsc::TrySendError::Full(_)), "{e:?}");
                std::thread::yield_now();
            }
        };
        (Box::new(send), Box::new(move || rx.recv().ok()))
    }),
];

/// Go's `RaceChanAsyncRev`: a receiver writes, then waits in `recv` (its
/// past already published to the channel); the channel's first send
/// completes without any receive making room, so it learns nothing from
/// that receiver, and the sender's later write races with the receiver's.
#[test]
fn the_first_c_sends_learn_nothing_from_a_receive_under_way() {
    for (how, make) in BOUNDED_SENDS {
        let races = isolated(move || first_send_while_a_receive_waits(how, make));
        assert_eq!(races, 1, "{how}");
    }
}

fn first_send_while_a_receive_waits(how: &str, make: Make) -> usize {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (send, recv) = make(Some(2));
    let c = cell.clone();
    let receiver = format!("receiver-waiting-for-{how}");
    let t = vigil::thread::Builder::new()
        .name(receiver.clone())
        .spawn(move || {
            c.set(1);
            recv();
        })
        .unwrap();
    common::wait_blocked(&receiver);
    send(0); // the first of C = 2: room without any receive
    cell.set(2);
    t.join().unwrap();
    g.check().races.len()
}

/// The twin: the (C+1)-th send completes only after the first receive made
/// room, and learns what that receiver did before it.
#[test]
fn kth_receive_happens_before_the_k_plus_capacity_send_completes() {
    for (how, make) in BOUNDED_SENDS {
        for cap in [1, 2] {
            let g = guard();
            let cell = Arc::new(RaceCell::new(0u32));
            let (send, recv) = make(Some(cap));
            let c = cell.clone();
            let t = vigil::thread::spawn(move || {
                c.set(1);
                for v in 0..=cap as u32 {
                    assert_eq!(recv(), Some(v)); // the 1st makes room for the (C+1)-th send
                }
            });
            for v in 0..=cap as u32 {
                send(v); // the first C find room; the last waits for the 1st receive
            }
            assert_eq!(cell.get(), 1);
            t.join().unwrap();
            let report = g.check();
            assert!(report.races.is_empty(), "{how} bounded({cap}): {report}");
        }
    }
}

#[test]
fn disconnect_happens_before_the_receive_that_observes_it() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = vigil::channel::unbounded::<u32>();
    let c = cell.clone();
    let t = vigil::thread::spawn(move || {
        c.set(1);
        drop(tx);
    });
    assert!(rx.recv().is_err());
    assert_eq!(cell.get(), 1);
    t.join().unwrap();
    let (tx, rx) = vigil::sync::mpsc::channel::<u32>();
    let c = cell.clone();
    let t = vigil::thread::spawn(move || {
        c.set(2);
        drop(tx);
    });
    assert!(rx.recv().is_err());
    assert_eq!(cell.get(), 2);
    t.join().unwrap();
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn a_write_after_disconnect_races_with_the_observer() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = vigil::channel::unbounded::<u32>();
    let c = cell.clone();
    let (done_tx, done_rx) = std_mpsc::channel::<()>();
    let t = vigil::thread::spawn(move || {
        drop(tx);
        c.set(1);
        done_tx.send(()).unwrap();
    });
    assert!(rx.recv().is_err());
    done_rx.recv().unwrap();
    let _ = cell.get();
    t.join().unwrap();
    assert_eq!(g.check().races.len(), 1);
}

#[test]
fn select_receive_happens_after_the_send() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = vigil::channel::bounded::<u32>(1);
    let (_idle_tx, idle_rx) = vigil::channel::unbounded::<u32>();
    let c = cell.clone();
    let t = vigil::thread::spawn(move || {
        c.set(3);
        tx.send(3).unwrap();
    });
    vigil::select! {
        recv(rx) -> v => assert_eq!(v, Ok(3)),
        recv(idle_rx) -> _ => unreachable!(),
    }
    assert_eq!(cell.get(), 3);
    t.join().unwrap();
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}
