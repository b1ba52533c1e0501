//! `Pool<T>`: Go's `sync.Pool` — reuse of temporary objects, with bounded
//! retention instead of Go's clearing at garbage collection.

use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use vigil_detector::{PoolStats, Resource, ResourceKind, ResourceMeta, ResourceStats};

/// How many idle objects a pool keeps by default.
///
/// # Examples
///
/// ```
/// let pool = vigil::pool::Pool::new(String::new);
/// let taken: Vec<_> = (0..vigil::pool::DEFAULT_RETAIN + 10).map(|_| pool.get()).collect();
/// drop(taken); // all go back; the pool keeps DEFAULT_RETAIN of them
/// let again: Vec<_> = (0..vigil::pool::DEFAULT_RETAIN + 10).map(|_| pool.get()).collect();
/// assert_eq!(pool.stats().hits, vigil::pool::DEFAULT_RETAIN as u64);
/// # drop(again);
/// ```
pub const DEFAULT_RETAIN: usize = 64;

/// A pool of reusable objects — Go's `sync.Pool`.
///
/// [`get`](Pool::get) hands out an idle object, or makes a new one with the
/// pool's constructor; the [`Pooled`] guard returns it to the pool when
/// dropped. At most [`retain`](Pool::with_retain) idle objects are kept;
/// extra ones are dropped. Objects come back as they were left: reset them
/// before use, as in Go. Clones share the same pool.
///
/// # Examples
///
/// ```
/// use vigil::pool::Pool;
///
/// let buffers = Pool::new(|| Vec::<u8>::with_capacity(4096));
/// {
///     let mut buf = buffers.get();
///     buf.clear();
///     buf.extend_from_slice(b"hello");
/// } // returned to the pool here
/// let buf = buffers.get();
/// assert!(buf.capacity() >= 4096);
/// assert_eq!(buffers.stats().hits, 1);
/// ```
///
/// # What vigil records
///
/// The snapshot shows idle objects (`size`), objects out (`busy`), hits and misses.
pub struct Pool<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    idle: Mutex<Vec<T>>,
    make: Box<dyn Fn() -> T + Send + Sync>,
    retain: usize,
    counters: Arc<Counters>,
    /// Keeps the registry entry alive as long as the pool.
    _meta: Option<Arc<PoolMeta>>,
}

#[derive(Default)]
struct Counters {
    idle: AtomicUsize,
    out: AtomicUsize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counters {
    fn stats(&self) -> PoolStats {
        PoolStats {
            size: self.idle.load(Ordering::Relaxed),
            busy: self.out.load(Ordering::Relaxed),
            queued: 0,
            completed: 0,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            ..PoolStats::default()
        }
    }
}

struct PoolMeta {
    meta: ResourceMeta,
    counters: Arc<Counters>,
}

impl Resource for PoolMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        let s = self.counters.stats();
        format!("{} idle, {} out, {} hits, {} misses", s.size, s.busy, s.hits, s.misses)
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Pool(self.counters.stats())
    }
}

impl Drop for PoolMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl<T> Clone for Pool<T> {
    fn clone(&self) -> Self {
        Pool { inner: self.inner.clone() }
    }
}

impl<T> std::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("stats", &self.inner.counters.stats()).finish()
    }
}

impl<T: Send + 'static> Pool<T> {
    /// A pool that makes new objects with `make`, keeping up to
    /// [`DEFAULT_RETAIN`] idle ones.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::Pool::new(String::new);
    /// assert_eq!(pool.get().len(), 0);
    /// ```
    #[track_caller]
    pub fn new(make: impl Fn() -> T + Send + Sync + 'static) -> Pool<T> {
        Pool::build(None, DEFAULT_RETAIN, Box::new(make), Location::caller())
    }

    /// A pool keeping at most `retain` idle objects.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::Pool::with_retain(1, || 0u32);
    /// let (a, b) = (pool.get(), pool.get());
    /// drop((a, b));
    /// assert_eq!(pool.stats().size, 1); // the second one was dropped
    /// ```
    #[track_caller]
    pub fn with_retain(retain: usize, make: impl Fn() -> T + Send + Sync + 'static) -> Pool<T> {
        Pool::build(None, retain, Box::new(make), Location::caller())
    }

    /// A pool with a name for reports and the dashboard.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::Pool::named("buffers", Vec::<u8>::new);
    /// drop(pool.get());
    /// ```
    #[track_caller]
    pub fn named(name: impl Into<String>, make: impl Fn() -> T + Send + Sync + 'static) -> Pool<T> {
        Pool::build(Some(name.into()), DEFAULT_RETAIN, Box::new(make), Location::caller())
    }

    fn build(
        name: Option<String>,
        retain: usize,
        make: Box<dyn Fn() -> T + Send + Sync>,
        site: &'static Location<'static>,
    ) -> Pool<T> {
        let counters = Arc::new(Counters::default());
        let meta = vigil_detector::enabled().then(|| {
            let m = Arc::new(PoolMeta {
                meta: ResourceMeta::new(ResourceKind::Pool, name, site),
                counters: counters.clone(),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        Pool { inner: Arc::new(Inner { idle: Mutex::new(Vec::new()), make, retain, counters, _meta: meta }) }
    }

    /// An idle object, or a new one; it goes back to the pool when the
    /// returned guard drops.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::Pool::new(|| vec![0u8; 16]);
    /// let mut buf = pool.get();
    /// buf[0] = 1;
    /// ```
    pub fn get(&self) -> Pooled<T> {
        let c = &self.inner.counters;
        // The constructor never runs under the lock (it is user code).
        let reused = self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let value = match reused {
            Some(v) => {
                c.idle.fetch_sub(1, Ordering::Relaxed);
                c.hits.fetch_add(1, Ordering::Relaxed);
                v
            }
            None => {
                c.misses.fetch_add(1, Ordering::Relaxed);
                (self.inner.make)()
            }
        };
        c.out.fetch_add(1, Ordering::Relaxed);
        Pooled { value: Some(value), pool: self.inner.clone() }
    }

    /// Idle objects, objects out, hits and misses.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::Pool::new(|| 0u8);
    /// let x = pool.get();
    /// assert_eq!((pool.stats().busy, pool.stats().misses), (1, 1));
    /// drop(x);
    /// assert_eq!(pool.stats().size, 1);
    /// ```
    pub fn stats(&self) -> PoolStats {
        self.inner.counters.stats()
    }
}

/// An object taken from a [`Pool`]; returned to it when dropped.
///
/// # Examples
///
/// ```
/// let pool = vigil::pool::Pool::new(String::new);
/// let mut s = pool.get();
/// s.push_str("scratch");
/// let owned: String = vigil::pool::Pooled::into_inner(s); // keep it instead
/// assert_eq!(owned, "scratch");
/// ```
#[must_use = "if unused the object goes straight back to the pool"]
pub struct Pooled<T> {
    value: Option<T>,
    pool: Arc<Inner<T>>,
}

impl<T> Pooled<T> {
    /// Takes the object out of the pool's care: it is not returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::Pool::new(|| vec![0u8; 4]);
    /// let buf = vigil::pool::Pooled::into_inner(pool.get());
    /// assert_eq!(buf.len(), 4);
    /// let _next = pool.get(); // the kept buffer did not come back: a new one is made
    /// assert_eq!(pool.stats().misses, 2);
    /// ```
    pub fn into_inner(mut this: Pooled<T>) -> T {
        this.pool.counters.out.fetch_sub(1, Ordering::Relaxed);
        match this.value.take() {
            Some(v) => v,
            // `value` is only `None` after `into_inner` or drop, which consume the guard.
            None => unreachable!("Pooled value taken twice"),
        }
    }
}

impl<T> Deref for Pooled<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.value {
            Some(v) => v,
            None => unreachable!("Pooled value used after it was taken"),
        }
    }
}

impl<T> DerefMut for Pooled<T> {
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.value {
            Some(v) => v,
            None => unreachable!("Pooled value used after it was taken"),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Pooled<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pooled").field(&self.value).finish()
    }
}

impl<T> Drop for Pooled<T> {
    fn drop(&mut self) {
        let Some(v) = self.value.take() else { return };
        let c = &self.pool.counters;
        c.out.fetch_sub(1, Ordering::Relaxed);
        let mut idle = self.pool.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.pool.retain {
            idle.push(v);
            c.idle.fetch_add(1, Ordering::Relaxed);
        } else {
            drop(idle);
            drop(v);
        }
    }
}
