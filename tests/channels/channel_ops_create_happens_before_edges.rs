//! The happens-before edges channels record for the race checker (Go's memory
//! model): send → the receive that gets the value; on a channel of capacity
//! C, the k-th receive → completion of the (k+C)-th send (a rendezvous
//! receive → its send); the last sender's drop → the receive that sees the
//! disconnect. Negative twins check that unrelated events stay concurrent.
//! Observed through the per-thread vector clocks (`vigil_detector::hb`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use vigil_detector::hb::{current_clock, tick};
use vigil_detector::VectorClock;

/// `a` happens-before-or-equals `b`.
fn ordered(a: &VectorClock, b: &VectorClock) -> bool {
    matches!(a.partial_cmp(b), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal))
}

fn race_on() -> bool {
    vigil_detector::race_enabled()
}

/// Runs `f` on a tracked thread and returns its result.
fn on_thread<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> vigil::thread::JoinHandle<R> {
    vigil::thread::spawn(f)
}

/// Waits (without creating any edge: a plain std atomic) until `flag` is set.
fn spin_until(flag: &AtomicBool) {
    while !flag.load(Ordering::Relaxed) {
        std::thread::yield_now();
    }
}

#[test]
fn send_happens_before_the_matching_receive_and_not_later_events() {
    if !race_on() {
        return;
    }
    let (s, r) = vigil::channel::unbounded::<VectorClock>();
    let after_send = Arc::new(std::sync::Mutex::new(None));
    let a = after_send.clone();
    let h = on_thread(move || {
        tick();
        let before = current_clock();
        s.send(before).unwrap();
        tick();
        *a.lock().unwrap() = Some(current_clock());
    });
    let before = r.recv().unwrap();
    let mine = current_clock();
    assert!(before <= mine, "send must happen-before its receive: {before:?} vs {mine:?}");
    // Wait for the sender's later clock through std (no edge), then compare.
    let later = loop {
        if let Some(c) = after_send.lock().unwrap().clone() {
            break c;
        }
        std::thread::yield_now();
    };
    assert!(!ordered(&later, &mine), "events after the send are concurrent with the receive");
    h.join().unwrap();
}

#[test]
fn std_send_happens_before_the_matching_receive() {
    if !race_on() {
        return;
    }
    let (s, r) = vigil::sync::mpsc::channel::<VectorClock>();
    let h = on_thread(move || {
        tick();
        s.send(current_clock()).unwrap();
    });
    let before = r.recv().unwrap();
    assert!(before <= current_clock());
    h.join().unwrap();
}

#[test]
fn rendezvous_receive_happens_before_the_send_completes() {
    if !race_on() {
        return;
    }
    for std_family in [false, true] {
        let (clock_tx, clock_rx) = std::sync::mpsc::channel::<VectorClock>();
        let h = if std_family {
            let (s, r) = vigil::sync::mpsc::sync_channel::<u8>(0);
            let h = on_thread(move || {
                tick();
                clock_tx.send(current_clock()).unwrap();
                r.recv().unwrap();
            });
            s.send(1).unwrap();
            h
        } else {
            let (s, r) = vigil::channel::bounded::<u8>(0);
            let h = on_thread(move || {
                tick();
                clock_tx.send(current_clock()).unwrap();
                r.recv().unwrap();
            });
            s.send(1).unwrap();
            h
        };
        let receiver_before = clock_rx.recv().unwrap();
        assert!(receiver_before <= current_clock(), "std_family={std_family}");
        h.join().unwrap();
    }
}

#[test]
fn kth_receive_happens_before_the_send_it_makes_room_for() {
    if !race_on() {
        return;
    }
    let (s, r) = vigil::channel::bounded::<u8>(1);
    s.send(1).unwrap(); // full
    let (clock_tx, clock_rx) = std::sync::mpsc::channel::<VectorClock>();
    let h = on_thread(move || {
        tick();
        clock_tx.send(current_clock()).unwrap();
        r.recv().unwrap(); // makes room for the second send
        r
    });
    s.send(2).unwrap(); // completes only after that receive
    let receiver_before = clock_rx.recv().unwrap();
    assert!(receiver_before <= current_clock());
    drop(h.join().unwrap());
}

#[test]
fn unbounded_receive_does_not_order_later_sends() {
    if !race_on() {
        return;
    }
    let (s, r) = vigil::channel::unbounded::<u8>();
    let received = Arc::new(AtomicBool::new(false));
    let flag = received.clone();
    let (clock_tx, clock_rx) = std::sync::mpsc::channel::<VectorClock>();
    let h = on_thread(move || {
        tick();
        clock_tx.send(current_clock()).unwrap();
        r.recv().unwrap();
        flag.store(true, Ordering::Relaxed);
        r
    });
    s.send(1).unwrap();
    spin_until(&received);
    s.send(2).unwrap();
    let receiver_before = clock_rx.recv().unwrap();
    assert!(!ordered(&receiver_before, &current_clock()), "no receive → send edge on an unbounded channel");
    drop(h.join().unwrap());
}

#[test]
fn disconnect_happens_before_the_receive_that_observes_it() {
    if !race_on() {
        return;
    }
    for std_family in [false, true] {
        let (clock_tx, clock_rx) = std::sync::mpsc::channel::<VectorClock>();
        let observed = if std_family {
            let (s, r) = vigil::sync::mpsc::channel::<u8>();
            let h = on_thread(move || {
                tick();
                clock_tx.send(current_clock()).unwrap();
                drop(s);
            });
            let res = r.recv().is_err();
            h.join().unwrap();
            res
        } else {
            let (s, r) = vigil::channel::bounded::<u8>(0);
            let h = on_thread(move || {
                tick();
                clock_tx.send(current_clock()).unwrap();
                drop(s);
            });
            let res = r.recv().is_err();
            h.join().unwrap();
            res
        };
        assert!(observed);
        let dropper_before = clock_rx.recv().unwrap();
        assert!(dropper_before <= current_clock(), "std_family={std_family}");
    }
}

#[test]
fn select_receive_happens_after_the_send() {
    if !race_on() {
        return;
    }
    let (s, r) = vigil::channel::unbounded::<VectorClock>();
    let h = on_thread(move || {
        tick();
        s.send(current_clock()).unwrap();
    });
    let before = vigil::select! {
        recv(r) -> v => v.unwrap(),
        recv(vigil::channel::never::<VectorClock>()) -> _ => unreachable!(),
    };
    assert!(before <= current_clock());
    h.join().unwrap();
}
