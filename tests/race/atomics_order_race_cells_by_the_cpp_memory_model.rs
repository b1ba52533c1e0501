//! vigil's atomics as happens-before edges, per the C++20 model: relaxed
//! publication races, release/acquire publication is silent, RMWs continue
//! release sequences and relaxed stores end them, fences work as C++20
//! fences, and a spinlock built from vigil atomics is silent when correct
//! and reported when its lock is missing the Acquire.

use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;
use vigil::report::RaceKind;
use vigil::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(200))
}

fn spin_until(mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(30), "condition never held");
        std::thread::yield_now();
    }
}

/// Producer writes `data`, then raises `flag` with `store`; the consumer
/// waits for the flag with `load` and reads `data`. Returns the races.
fn publish(store: Ordering, load: Ordering, fences: (bool, bool)) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let data = Arc::new(RaceCell::new(0u64));
    let flag = Arc::new(AtomicBool::new(false));
    let (d, f) = (data.clone(), flag.clone());
    let producer = vigil::thread::spawn(move || {
        d.set(42);
        if fences.0 {
            fence(Ordering::Release);
        }
        f.store(true, store);
    });
    spin_until(|| flag.load(load));
    if fences.1 {
        fence(Ordering::Acquire);
    }
    assert_eq!(data.get(), 42);
    producer.join().unwrap();
    g.check().races
}

#[test]
fn relaxed_flag_publication_is_a_race() {
    let races = publish(Ordering::Relaxed, Ordering::Relaxed, (false, false));
    assert_eq!(races.len(), 1, "{races:?}");
    assert_eq!(races[0].kind, RaceKind::WriteRead);
}

#[test]
fn release_acquire_publication_is_silent() {
    assert!(publish(Ordering::Release, Ordering::Acquire, (false, false)).is_empty());
}

#[test]
fn seqcst_publication_is_silent() {
    assert!(publish(Ordering::SeqCst, Ordering::SeqCst, (false, false)).is_empty());
}

#[test]
fn release_store_with_relaxed_load_is_a_race() {
    assert_eq!(publish(Ordering::Release, Ordering::Relaxed, (false, false)).len(), 1);
}

#[test]
fn release_fence_and_acquire_fence_around_relaxed_flag_is_silent() {
    assert!(publish(Ordering::Relaxed, Ordering::Relaxed, (true, true)).is_empty());
}

#[test]
fn release_fence_then_acquire_load_is_silent() {
    assert!(publish(Ordering::Relaxed, Ordering::Acquire, (true, false)).is_empty());
}

#[test]
fn release_store_then_acquire_fence_is_silent() {
    assert!(publish(Ordering::Release, Ordering::Relaxed, (false, true)).is_empty());
}

#[test]
fn release_fence_without_acquire_side_is_a_race() {
    assert_eq!(publish(Ordering::Relaxed, Ordering::Relaxed, (true, false)).len(), 1);
}

/// A writes data and stores 1 with Release; B bumps the counter to 2
/// (with `bump`); C acquires 2 and reads the data.
fn release_sequence(rmw: bool) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let data = Arc::new(RaceCell::new(0u32));
    let counter = Arc::new(AtomicUsize::new(0));
    let (d, c) = (data.clone(), counter.clone());
    let a = vigil::thread::spawn(move || {
        d.set(9);
        c.store(1, Ordering::Release);
    });
    let c = counter.clone();
    let b = vigil::thread::spawn(move || {
        spin_until(|| c.load(Ordering::Relaxed) == 1);
        if rmw {
            c.fetch_add(1, Ordering::Relaxed);
        } else {
            c.store(2, Ordering::Relaxed);
        }
    });
    // Wait without acquiring (an Acquire load of A's own 1 would synchronise
    // with A directly), then acquire B's 2.
    spin_until(|| counter.load(Ordering::Relaxed) == 2);
    assert_eq!(counter.load(Ordering::Acquire), 2);
    assert_eq!(data.get(), 9);
    a.join().unwrap();
    b.join().unwrap();
    g.check().races
}

#[test]
fn relaxed_rmw_continues_the_release_sequence() {
    let races = release_sequence(true);
    assert!(races.is_empty(), "{races:?}");
}

#[test]
fn relaxed_store_by_another_thread_ends_the_release_sequence() {
    assert_eq!(release_sequence(false).len(), 1);
}

#[test]
fn failed_compare_exchange_with_relaxed_failure_creates_no_edge() {
    let g = guard();
    let data = Arc::new(RaceCell::new(0u32));
    let word = Arc::new(AtomicUsize::new(0));
    let (d, w) = (data.clone(), word.clone());
    let t = vigil::thread::spawn(move || {
        d.set(1);
        w.store(1, Ordering::Release);
    });
    // Fails (the value is 1 once published) with a Relaxed failure ordering.
    spin_until(|| word.compare_exchange(5, 6, Ordering::AcqRel, Ordering::Relaxed) == Err(1));
    let _ = data.get();
    t.join().unwrap();
    assert_eq!(g.check().races.len(), 1);
}

// === a spinlock built from vigil atomics ===

struct SpinLock {
    locked: AtomicBool,
    acquire: Ordering,
}

impl SpinLock {
    fn lock(&self) {
        while self.locked.compare_exchange_weak(false, true, self.acquire, Ordering::Relaxed).is_err() {
            std::hint::spin_loop();
        }
    }

    fn unlock(&self) {
        self.locked.store(false, Ordering::Release);
    }
}

fn spinlock_counter(acquire: Ordering) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let lock = Arc::new(SpinLock { locked: AtomicBool::new(false), acquire });
    let count = Arc::new(RaceCell::new(0u32));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (lock, count) = (lock.clone(), count.clone());
            vigil::thread::spawn(move || {
                for _ in 0..50 {
                    lock.lock();
                    count.set(count.get() + 1);
                    lock.unlock();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(count.get(), 100);
    g.check().races
}

#[test]
fn correct_spinlock_is_silent() {
    let races = spinlock_counter(Ordering::Acquire);
    assert!(races.is_empty(), "{races:?}");
}

#[test]
fn spinlock_missing_acquire_is_reported() {
    let races = spinlock_counter(Ordering::Relaxed);
    assert!(!races.is_empty());
    // get-after-set and set-after-get pairs at most: one pair of sites each.
    assert!(races.len() <= 3, "{races:?}");
    assert!(races.iter().all(|r| r.current.thread.id != r.previous.thread.id));
}

// === a seqlock built from vigil atomics ===

/// A single-writer seqlock: the payload lives in relaxed atomics (as it
/// must, readers read it optimistically); the *result* a reader accepts is
/// handed on through a `RaceCell` written before the writer publishes its
/// "generation done" flag.
struct SeqLock {
    seq: AtomicUsize,
    words: [AtomicUsize; 2],
}

impl SeqLock {
    fn write(&self, a: usize, b: usize) {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        self.words[0].store(a, Ordering::Relaxed);
        self.words[1].store(b, Ordering::Relaxed);
        self.seq.store(s + 2, Ordering::Release);
    }

    fn read(&self, first_load: Ordering, acquire_fence: bool) -> (usize, usize) {
        loop {
            let s1 = self.seq.load(first_load);
            if s1 % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let a = self.words[0].load(Ordering::Relaxed);
            let b = self.words[1].load(Ordering::Relaxed);
            if acquire_fence {
                fence(Ordering::Acquire);
            }
            if self.seq.load(Ordering::Relaxed) == s1 {
                return (a, b);
            }
        }
    }
}

fn seqlock_handoff(first_load: Ordering, acquire_fence: bool) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let lock =
        Arc::new(SeqLock { seq: AtomicUsize::new(0), words: [AtomicUsize::new(0), AtomicUsize::new(0)] });
    let note = Arc::new(RaceCell::new(0usize));
    let (l, n) = (lock.clone(), note.clone());
    let writer = vigil::thread::spawn(move || {
        n.set(7); // written before the data it describes is published
        l.write(1, 1);
    });
    spin_until(|| lock.read(first_load, acquire_fence) == (1, 1));
    assert_eq!(note.get(), 7);
    writer.join().unwrap();
    g.check().races
}

#[test]
fn correct_seqlock_read_is_silent() {
    let races = seqlock_handoff(Ordering::Acquire, true);
    assert!(races.is_empty(), "{races:?}");
}

#[test]
fn seqlock_with_relaxed_fields_and_fence_is_still_ordered_by_the_fence() {
    // The Acquire fence after the relaxed payload loads synchronises with the
    // writer's Release fence (C++20 fence-fence), so even a Relaxed first
    // load is enough for the payload handed over.
    let races = seqlock_handoff(Ordering::Relaxed, true);
    assert!(races.is_empty(), "{races:?}");
}

#[test]
fn seqlock_missing_its_acquire_is_reported() {
    // Neither an Acquire first load nor the Acquire fence: the payload and
    // the note it describes are unordered with the writer.
    let races = seqlock_handoff(Ordering::Relaxed, false);
    assert_eq!(races.len(), 1, "{races:?}");
    assert_eq!(races[0].kind, RaceKind::WriteRead);
}
