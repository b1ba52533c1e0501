//! The calling thread's stack of held locks: what lets a thread see that it
//! is locking something it already holds, and gives the "A held while
//! acquiring B" edges of the lock-order graph.
//!
//! It is a fixed array of `Cell`s in a thread-local, so a push or pop costs a
//! few stores and never allocates or touches shared memory. Locks held beyond
//! the array's capacity are counted but not remembered.
//!
//! # Examples
//!
//! ```
//! use vigil_detector::lock::{held, HeldLock, HeldMode};
//! use vigil_detector::ResourceId;
//!
//! let a = HeldLock { id: ResourceId::next(), mode: HeldMode::Exclusive, site: std::panic::Location::caller() };
//! held::push(a);
//! assert_eq!(held::find(a.id), Some(a)); // locking `a` again now would be a double lock
//! held::pop(a.id, a.mode);
//! assert_eq!(held::count(), 0);
//! ```

use crate::resource::ResourceId;
use crate::sync::Ordering;
use std::cell::Cell;
use std::panic::Location;

/// How many held locks a thread remembers.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::lock::held::{self, CAPACITY};
/// use vigil_detector::lock::{HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let locks: Vec<HeldLock> = (0..CAPACITY + 1)
///     .map(|_| HeldLock { id: ResourceId::next(), mode: HeldMode::Shared, site: Location::caller() })
///     .collect();
/// for l in &locks {
///     held::push(*l);
/// }
/// assert_eq!(held::count(), CAPACITY + 1); // all counted...
/// assert_eq!(held::all().len(), CAPACITY); // ...the first CAPACITY remembered
/// assert_eq!(held::find(locks[CAPACITY].id), None);
/// for l in locks.iter().rev() {
///     held::pop(l.id, l.mode);
/// }
/// ```
pub const CAPACITY: usize = 16;

/// How a lock is held.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let read = HeldLock { id: ResourceId::next(), mode: HeldMode::Shared, site: std::panic::Location::caller() };
/// held::push(read);
/// assert_eq!(held::find(read.id).map(|h| h.mode), Some(HeldMode::Shared));
/// held::pop(read.id, HeldMode::Shared);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeldMode {
    /// A `Mutex`, or an `RwLock` write lock.
    Exclusive,
    /// An `RwLock` read lock.
    Shared,
}

/// One held lock: which, how, and where it was acquired.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let site = std::panic::Location::caller();
/// let lock = HeldLock { id: ResourceId::next(), mode: HeldMode::Exclusive, site };
/// held::push(lock);
/// assert_eq!(held::all(), vec![lock]);
/// assert_eq!(held::find(lock.id).unwrap().site.line(), site.line());
/// held::pop(lock.id, lock.mode);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldLock {
    /// The lock's resource id.
    pub id: ResourceId,
    /// Exclusive or shared.
    pub mode: HeldMode,
    /// Where it was acquired.
    pub site: &'static Location<'static>,
}

/// Bit 63 of a stored id marks a shared hold.
const SHARED: u64 = 1 << 63;

/// Separate arrays of plain words, so a push is a few word stores (a packed
/// struct written field by field and copied whole would stall on store
/// forwarding).
struct Stack {
    len: Cell<usize>,
    worker: Cell<u64>,
    /// [`thread_index`] plus one (0: not assigned yet).
    index: Cell<usize>,
    ids: [Cell<u64>; CAPACITY],
    sites: [Cell<Option<&'static Location<'static>>>; CAPACITY],
}

thread_local! {
    static HELD: Stack = const {
        Stack {
            len: Cell::new(0),
            worker: Cell::new(0),
            index: Cell::new(0),
            ids: [const { Cell::new(0) }; CAPACITY],
            sites: [const { Cell::new(None) }; CAPACITY],
        }
    };
}

#[inline]
fn encode(id: ResourceId, mode: HeldMode) -> u64 {
    match mode {
        HeldMode::Exclusive => id.0,
        HeldMode::Shared => id.0 | SHARED,
    }
}

fn decode(word: u64, site: Option<&'static Location<'static>>) -> Option<HeldLock> {
    let mode = if word & SHARED != 0 { HeldMode::Shared } else { HeldMode::Exclusive };
    Some(HeldLock { id: ResourceId(word & !SHARED), mode, site: site? })
}

/// What [`push`] tells its caller.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let site = std::panic::Location::caller();
/// let (a, b) = (ResourceId::next(), ResourceId::next());
/// let outer = held::push(HeldLock { id: a, mode: HeldMode::Exclusive, site });
/// let inner = held::push(HeldLock { id: b, mode: HeldMode::Exclusive, site });
/// assert!(!outer.nested);
/// assert!(inner.nested); // `a` was held: run the lock-order check
/// assert_eq!(inner.worker, vigil_detector::current_worker_id().unwrap().0);
/// held::pop(b, HeldMode::Exclusive);
/// held::pop(a, HeldMode::Exclusive);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Another lock was already held: run the cold
    /// [`nested_acquire`](crate::lock::nested_acquire) hook.
    pub nested: bool,
    /// The calling thread's worker id (0 when unknown), cached here so an
    /// acquisition reads one thread-local.
    pub worker: u64,
}

/// Records that the calling thread now holds `lock`.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let a = HeldLock { id: ResourceId::next(), mode: HeldMode::Exclusive, site: std::panic::Location::caller() };
/// assert!(!held::push(a).nested);
/// assert_eq!(held::find(a.id), Some(a));
/// held::pop(a.id, a.mode);
/// assert_eq!(held::find(a.id), None);
/// ```
#[inline]
pub fn push(lock: HeldLock) -> Pushed {
    HELD.try_with(|s| {
        let n = s.len.get();
        if n < CAPACITY {
            s.ids[n].set(encode(lock.id, lock.mode));
            s.sites[n].set(Some(lock.site));
        }
        s.len.set(n + 1);
        let mut worker = s.worker.get();
        if worker == 0 {
            worker = worker_id_slow(s);
        }
        Pushed { nested: n > 0, worker }
    })
    .unwrap_or(Pushed { nested: false, worker: 0 })
}

#[cold]
fn worker_id_slow(s: &Stack) -> u64 {
    let id = crate::current_worker_id().map_or(0, |w| w.0);
    s.worker.set(id);
    id
}

/// The calling thread's worker id through the same cache as [`push`].
///
/// # Examples
///
/// ```
/// let me = vigil_detector::current_worker_id().unwrap();
/// assert_eq!(vigil_detector::lock::held::worker_id(), me.0);
/// ```
#[inline]
pub fn worker_id() -> u64 {
    HELD.try_with(|s| {
        let w = s.worker.get();
        if w == 0 {
            worker_id_slow(s)
        } else {
            w
        }
    })
    .unwrap_or(0)
}

/// How many threads at once own an index of their own (see [`thread_index`]).
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::held::{thread_index, OWNED_INDICES};
///
/// let mine = thread_index();
/// let theirs = std::thread::scope(|s| s.spawn(thread_index).join().unwrap());
/// // Two threads alive at once, far fewer than OWNED_INDICES: each owns its own.
/// assert!(mine < OWNED_INDICES && theirs < OWNED_INDICES);
/// assert_ne!(mine, theirs);
/// ```
pub const OWNED_INDICES: usize = 8;

/// The index that threads beyond [`OWNED_INDICES`] share.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use vigil_detector::lock::held::{thread_index, SHARED_INDEX};
///
/// // One counter per owned index, plus the one the other threads share.
/// let counters: [AtomicU64; SHARED_INDEX + 1] = Default::default();
/// counters[thread_index()].fetch_add(1, Ordering::Relaxed);
/// assert_eq!(counters.iter().map(|c| c.load(Ordering::Relaxed)).sum::<u64>(), 1);
/// ```
pub const SHARED_INDEX: usize = OWNED_INDICES;

/// A small number for per-thread counters: below [`OWNED_INDICES`], no other
/// live thread has the same one, so a counter kept at that index may be
/// updated with a plain load and store; [`SHARED_INDEX`] when all are taken
/// (counters there need read-modify-writes). An index goes back to the pool
/// when its thread ends.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::held::{thread_index, SHARED_INDEX};
///
/// let mine = thread_index();
/// assert!(mine <= SHARED_INDEX);
/// assert_eq!(thread_index(), mine); // stable for the thread's life
/// ```
#[inline]
pub fn thread_index() -> usize {
    HELD.try_with(|s| match s.index.get() {
        0 => assign_index(s),
        i => i - 1,
    })
    .unwrap_or(SHARED_INDEX)
}

// One bit of `TAKEN` per owned index.
const _: () = assert!(OWNED_INDICES <= 64);

/// Bit `i` set: owned index `i` belongs to a live thread.
static TAKEN: crate::sync::AtomicU64 = crate::sync::AtomicU64::new(0);

/// The lowest owned index no live thread has, now taken.
fn take_index() -> Option<usize> {
    let mut taken = TAKEN.load(Ordering::Relaxed);
    loop {
        let free = (!taken).trailing_zeros() as usize;
        if free >= OWNED_INDICES {
            return None;
        }
        match TAKEN.compare_exchange_weak(taken, taken | 1 << free, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(free),
            Err(now) => taken = now,
        }
    }
}

fn give_back(index: usize) {
    TAKEN.fetch_and(!(1 << index), Ordering::Relaxed);
}

/// Gives the index back when its thread ends.
struct IndexOwner(Cell<usize>);

impl Drop for IndexOwner {
    fn drop(&mut self) {
        let i = self.0.get();
        if i < OWNED_INDICES {
            // Whatever the thread still does uses the shared index.
            let _ = HELD.try_with(|s| s.index.set(SHARED_INDEX + 1));
            give_back(i);
        }
    }
}

thread_local! {
    static INDEX_OWNER: IndexOwner = const { IndexOwner(Cell::new(SHARED_INDEX)) };
}

#[cold]
fn assign_index(s: &Stack) -> usize {
    let index = match take_index() {
        Some(i) => match INDEX_OWNER.try_with(|o| o.0.set(i)) {
            Ok(()) => i,
            Err(_) => {
                // The thread is ending: it cannot own an index any more.
                give_back(i);
                SHARED_INDEX
            }
        },
        None => SHARED_INDEX,
    };
    s.index.set(index + 1);
    index
}

/// Records that the calling thread released `id` (held in `mode`); locks may
/// be released in any order. Returns the calling thread's worker id, as
/// [`worker_id`] would (0 when unknown).
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let site = std::panic::Location::caller();
/// let (a, b) = (ResourceId::next(), ResourceId::next());
/// held::push(HeldLock { id: a, mode: HeldMode::Exclusive, site });
/// held::push(HeldLock { id: b, mode: HeldMode::Shared, site });
/// held::pop(a, HeldMode::Exclusive); // not the most recent: fine
/// assert_eq!(held::all().iter().map(|h| h.id).collect::<Vec<_>>(), [b]);
/// assert_eq!(held::pop(b, HeldMode::Shared), held::worker_id());
/// assert_eq!(held::count(), 0);
/// ```
#[inline]
pub fn pop(id: ResourceId, mode: HeldMode) -> u64 {
    let word = encode(id, mode);
    HELD.try_with(|s| {
        let n = s.len.get();
        if n <= CAPACITY && n > 0 && s.ids[n - 1].get() == word {
            // Entries at and above `len` are never read: no need to clear.
            s.len.set(n - 1);
        } else if n > 0 {
            pop_out_of_order(s, word, n);
        }
        s.worker.get()
    })
    .unwrap_or(0)
}

#[cold]
fn pop_out_of_order(s: &Stack, word: u64, n: usize) {
    let top = n.min(CAPACITY);
    for i in (0..top).rev() {
        if s.ids[i].get() == word {
            for j in i..top - 1 {
                s.ids[j].set(s.ids[j + 1].get());
                s.sites[j].set(s.sites[j + 1].get());
            }
            // An entry beyond the capacity slides into the array unknown.
            s.ids[top - 1].set(0);
            s.sites[top - 1].set(None);
            break;
        }
    }
    s.len.set(n - 1);
}

/// The most recent entry for lock `id` held by the calling thread, if any.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let id = ResourceId::next();
/// let outer = HeldLock { id, mode: HeldMode::Shared, site: std::panic::Location::caller() };
/// let inner = HeldLock { id, mode: HeldMode::Shared, site: std::panic::Location::caller() };
/// held::push(outer);
/// held::push(inner); // a re-entrant read
/// assert_eq!(held::find(id), Some(inner));
/// assert_eq!(held::find(ResourceId::next()), None);
/// held::pop(id, HeldMode::Shared);
/// held::pop(id, HeldMode::Shared);
/// ```
pub fn find(id: ResourceId) -> Option<HeldLock> {
    HELD.try_with(|s| {
        let top = s.len.get().min(CAPACITY);
        (0..top)
            .rev()
            .filter(|i| s.ids[*i].get() & !SHARED == id.0 && s.ids[*i].get() != 0)
            .find_map(|i| decode(s.ids[i].get(), s.sites[i].get()))
    })
    .ok()
    .flatten()
}

/// Every lock the calling thread holds (up to [`CAPACITY`]), oldest first.
///
/// # Examples
///
/// ```
/// assert!(vigil_detector::lock::held::all().is_empty());
/// ```
pub fn all() -> Vec<HeldLock> {
    HELD.try_with(|s| {
        let top = s.len.get().min(CAPACITY);
        (0..top)
            .filter(|i| s.ids[*i].get() != 0)
            .filter_map(|i| decode(s.ids[i].get(), s.sites[i].get()))
            .collect()
    })
    .unwrap_or_default()
}

/// How many locks the calling thread holds.
///
/// # Examples
///
/// ```
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::ResourceId;
///
/// let lock = HeldLock { id: ResourceId::next(), mode: HeldMode::Exclusive, site: std::panic::Location::caller() };
/// assert_eq!(held::count(), 0);
/// held::push(lock);
/// assert_eq!(held::count(), 1);
/// held::pop(lock.id, lock.mode);
/// assert_eq!(held::count(), 0);
/// ```
pub fn count() -> usize {
    HELD.try_with(|s| s.len.get()).unwrap_or(0)
}

/// A held-lock stack kept aside: a task's between its polls, or the
/// polling thread's own while a task runs on it. Empty (no allocation)
/// in the common case of a task that holds no sync lock across an await.
#[derive(Debug, Default)]
pub(crate) struct SavedStack {
    len: usize,
    worker: u64,
    entries: Vec<(u64, Option<&'static Location<'static>>)>,
}

impl SavedStack {
    /// A fresh stack for `worker` (a task before its first poll).
    pub(crate) fn for_worker(worker: u64) -> SavedStack {
        SavedStack { len: 0, worker, entries: Vec::new() }
    }
}

/// Exchanges the calling thread's held-lock stack with `saved`.
#[inline]
pub(crate) fn swap(saved: &mut SavedStack) {
    let _ = HELD.try_with(|s| {
        let n = s.len.get();
        let w = s.worker.get();
        if n == 0 && saved.len == 0 {
            s.worker.set(saved.worker);
            saved.worker = w;
            return;
        }
        swap_slow(s, saved);
    });
}

#[cold]
fn swap_slow(s: &Stack, saved: &mut SavedStack) {
    let n = s.len.get();
    let mine: Vec<(u64, Option<&'static Location<'static>>)> =
        (0..n.min(CAPACITY)).map(|i| (s.ids[i].get(), s.sites[i].get())).collect();
    for (i, &(id, site)) in saved.entries.iter().enumerate().take(CAPACITY) {
        s.ids[i].set(id);
        s.sites[i].set(site);
    }
    s.len.set(saved.len);
    let w = s.worker.replace(saved.worker);
    *saved = SavedStack { len: n, worker: w, entries: mine };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(mode: HeldMode) -> HeldLock {
        HeldLock { id: ResourceId::next(), mode, site: Location::caller() }
    }

    #[test]
    fn out_of_order_release_keeps_the_rest() {
        let (a, b, c) = (lock(HeldMode::Exclusive), lock(HeldMode::Shared), lock(HeldMode::Exclusive));
        assert!(!push(a).nested);
        assert!(push(b).nested);
        assert!(push(c).nested);
        pop(b.id, b.mode);
        assert_eq!(all(), vec![a, c]);
        pop(a.id, a.mode);
        pop(c.id, c.mode);
        assert_eq!(count(), 0);
    }

    #[test]
    fn owned_thread_indices_are_unique_among_live_threads_and_reused() {
        let n = OWNED_INDICES + 4;
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
        let run = || {
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    let b = barrier.clone();
                    std::thread::spawn(move || {
                        let i = thread_index();
                        b.wait(); // all alive at once
                        i
                    })
                })
                .collect();
            let mut got: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            got.retain(|&i| i != SHARED_INDEX);
            let owned = got.len();
            got.sort();
            got.dedup();
            assert_eq!(got.len(), owned, "an owned index was given to two live threads");
            owned
        };
        // Other tests' threads may hold some indices, but ended threads give
        // theirs back: a second wave gets owned indices too.
        run();
        assert!(run() > 0, "indices of ended threads were not reused");
    }

    #[test]
    fn overflow_is_counted() {
        let locks: Vec<HeldLock> = (0..CAPACITY + 3).map(|_| lock(HeldMode::Shared)).collect();
        for l in &locks {
            push(*l);
        }
        assert_eq!(count(), CAPACITY + 3);
        for l in locks.iter().rev() {
            pop(l.id, l.mode);
        }
        assert_eq!(count(), 0);
    }
}
