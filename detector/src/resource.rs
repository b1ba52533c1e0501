//! Resources: the things workers block on (channels, locks, contexts, pools…).
//!
//! A primitive owns an `Arc` of its metadata type, which implements
//! [`Resource`]; the registry keeps only a `Weak`, so a dropped primitive
//! disappears from snapshots without any explicit bookkeeping.

use crate::snapshot::ResourceStats;
use crate::sync::{Arc, AtomicU64, Ordering};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::fmt;
use std::panic::Location;
use std::time::{Instant, SystemTime};

/// A resource's process-unique id.
///
/// # Examples
///
/// ```
/// use vigil_detector::ResourceId;
///
/// let id = ResourceId(42);
/// assert_eq!(id.to_string(), "42");
/// assert_eq!(serde_json::to_value(id).unwrap(), 42); // a bare number on the wire
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ResourceId(pub u64);

static NEXT_RESOURCE: AtomicU64 = AtomicU64::new(1);

impl ResourceId {
    /// A fresh id.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::ResourceId;
    /// assert_ne!(ResourceId::next(), ResourceId::next());
    /// ```
    pub fn next() -> ResourceId {
        ResourceId(NEXT_RESOURCE.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What kind of thing a resource is. Serialized in `snake_case`.
///
/// # Examples
///
/// ```
/// use vigil_detector::ResourceKind;
///
/// assert_eq!(ResourceKind::WorkerPool.to_string(), "worker_pool");
/// assert_eq!(serde_json::to_value(ResourceKind::WaitGroup).unwrap(), "waitgroup");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ResourceKind {
    /// An mpsc or crossbeam-style channel.
    Channel,
    /// A `Mutex`.
    Mutex,
    /// An `RwLock`.
    RwLock,
    /// A `Condvar`.
    Condvar,
    /// A `Once`, `OnceLock` or `LazyLock`.
    Once,
    /// A `Barrier`.
    Barrier,
    /// A `WaitGroup` (serialized `waitgroup`, as the contract spells it).
    #[cfg_attr(feature = "serde", serde(rename = "waitgroup"))]
    WaitGroup,
    /// A `Semaphore`.
    Semaphore,
    /// A `Context`.
    Context,
    /// An object `Pool`.
    Pool,
    /// A `WorkerPool`.
    WorkerPool,
    /// An `ErrGroup` (serialized `errgroup`).
    #[cfg_attr(feature = "serde", serde(rename = "errgroup"))]
    ErrGroup,
    /// A `SingleFlight`.
    SingleFlight,
    /// A `RaceCell` or annotated memory.
    Memory,
    /// An instrumented atomic.
    Atomic,
    /// A thread (the target of `join`).
    Thread,
    /// Anything else.
    Other,
}

impl ResourceKind {
    /// The kind's `snake_case` name, as serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil_detector::ResourceKind::RwLock.as_str(), "rw_lock");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Channel => "channel",
            ResourceKind::Mutex => "mutex",
            ResourceKind::RwLock => "rw_lock",
            ResourceKind::Condvar => "condvar",
            ResourceKind::Once => "once",
            ResourceKind::Barrier => "barrier",
            ResourceKind::WaitGroup => "waitgroup",
            ResourceKind::Semaphore => "semaphore",
            ResourceKind::Context => "context",
            ResourceKind::Pool => "pool",
            ResourceKind::WorkerPool => "worker_pool",
            ResourceKind::ErrGroup => "errgroup",
            ResourceKind::SingleFlight => "single_flight",
            ResourceKind::Memory => "memory",
            ResourceKind::Atomic => "atomic",
            ResourceKind::Thread => "thread",
            ResourceKind::Other => "other",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identity of a resource: id, kind, name and creation site.
///
/// # Examples
///
/// ```
/// use vigil_detector::{ResourceKind, ResourceMeta};
///
/// let meta = ResourceMeta::new(ResourceKind::Channel, None, std::panic::Location::caller());
/// assert!(meta.name().contains(file!())); // unnamed resources are named by their site
/// ```
#[derive(Debug)]
pub struct ResourceMeta {
    id: ResourceId,
    kind: ResourceKind,
    // Shared: every snapshot lists every live resource by name.
    name: Arc<str>,
    site: &'static Location<'static>,
    created: Instant,
    created_wall: SystemTime,
}

impl ResourceMeta {
    /// New metadata; an unnamed resource is named after its creation site.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::Location;
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let meta = ResourceMeta::new(ResourceKind::Mutex, Some("cache".into()), Location::caller());
    /// assert_eq!(meta.kind(), ResourceKind::Mutex);
    /// assert_eq!(meta.name(), "cache");
    /// ```
    pub fn new(kind: ResourceKind, name: Option<String>, site: &'static Location<'static>) -> ResourceMeta {
        ResourceMeta {
            id: ResourceId::next(),
            kind,
            name: name.unwrap_or_else(|| crate::site::short(site)).into(),
            site,
            created: Instant::now(),
            created_wall: SystemTime::now(),
        }
    }

    /// The resource's id.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let site = std::panic::Location::caller();
    /// let a = ResourceMeta::new(ResourceKind::Mutex, None, site);
    /// let b = ResourceMeta::new(ResourceKind::Mutex, None, site);
    /// assert_ne!(a.id(), b.id()); // same kind and site, still two resources
    /// ```
    pub fn id(&self) -> ResourceId {
        self.id
    }

    /// The resource's kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let meta = ResourceMeta::new(ResourceKind::Semaphore, None, std::panic::Location::caller());
    /// assert_eq!(meta.kind(), ResourceKind::Semaphore);
    /// ```
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The resource's name (its creation site when not named).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let site = std::panic::Location::caller();
    /// let meta = ResourceMeta::new(ResourceKind::Channel, None, site);
    /// assert_eq!(meta.name(), format!("{}:{}:{}", site.file(), site.line(), site.column()));
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name, shared rather than copied (for snapshots).
    pub(crate) fn shared_name(&self) -> Arc<str> {
        self.name.clone()
    }

    /// Where the resource was created.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::Location;
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let meta = ResourceMeta::new(ResourceKind::Barrier, Some("start".into()), Location::caller());
    /// assert_eq!(meta.site().file(), file!());
    /// ```
    pub fn site(&self) -> &'static Location<'static> {
        self.site
    }

    /// When the resource was created.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let before = Instant::now();
    /// let meta = ResourceMeta::new(ResourceKind::Once, None, std::panic::Location::caller());
    /// assert!(before <= meta.created() && meta.created() <= Instant::now());
    /// ```
    pub fn created(&self) -> Instant {
        self.created
    }

    /// When the resource was created, as wall-clock time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let meta = ResourceMeta::new(ResourceKind::Context, None, std::panic::Location::caller());
    /// let ms = meta.created_wall().duration_since(UNIX_EPOCH).unwrap().as_millis();
    /// assert!(ms > 0); // wall-clock milliseconds, comparable across processes
    /// ```
    pub fn created_wall(&self) -> SystemTime {
        self.created_wall
    }

    /// A serializable reference to this resource.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::Location;
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let meta = ResourceMeta::new(ResourceKind::Mutex, Some("cache".into()), Location::caller());
    /// let r = meta.to_ref();
    /// assert_eq!((r.id, r.kind), (meta.id(), meta.kind()));
    /// assert_eq!(r.to_string(), "mutex `cache`");
    /// ```
    pub fn to_ref(&self) -> ResourceRef {
        ResourceRef { id: self.id, kind: self.kind, name: self.name.to_string() }
    }
}

/// What the detector knows of a live resource.
///
/// Primitives implement it on the metadata they keep in an `Arc`; see
/// [`register_resource`](crate::register_resource).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use vigil_detector::{CounterStats, Resource, ResourceKind, ResourceMeta, ResourceStats};
///
/// struct Gate {
///     meta: ResourceMeta,
///     waiting: usize,
/// }
///
/// impl Resource for Gate {
///     fn meta(&self) -> &ResourceMeta {
///         &self.meta
///     }
///     fn summary(&self) -> String {
///         format!("closed, {} waiting", self.waiting)
///     }
///     fn stats(&self) -> ResourceStats {
///         ResourceStats::Counter(CounterStats { waiters: self.waiting, ..Default::default() })
///     }
/// }
///
/// let meta = ResourceMeta::new(ResourceKind::Other, Some("gate".into()), std::panic::Location::caller());
/// let gate = Arc::new(Gate { meta, waiting: 2 });
/// vigil_detector::register_resource(gate.clone());
/// let snap = vigil_detector::check::snapshot();
/// let seen = snap.resources.iter().find(|r| r.id == gate.meta().id()).unwrap();
/// assert_eq!(seen.summary, "closed, 2 waiting");
/// assert_eq!(seen.stats, gate.stats());
/// ```
pub trait Resource: Send + Sync + 'static {
    /// Identity of the resource.
    fn meta(&self) -> &ResourceMeta;

    /// One line of live state for reports, e.g.
    /// `bounded(0), 0/0 queued, 1 receiver alive, 0 receiving`.
    fn summary(&self) -> String {
        String::new()
    }

    /// Kind-specific statistics for snapshots.
    fn stats(&self) -> ResourceStats {
        ResourceStats::None
    }
}

/// A serializable reference to a resource: `{"id", "kind", "name"}`.
///
/// # Examples
///
/// ```
/// use vigil_detector::{ResourceId, ResourceKind, ResourceRef};
///
/// let r = ResourceRef { id: ResourceId(3), kind: ResourceKind::RwLock, name: "config".into() };
/// assert_eq!(r.to_string(), "rw_lock `config`");
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json, serde_json::json!({"id": 3, "kind": "rw_lock", "name": "config"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ResourceRef {
    /// The resource's id.
    pub id: ResourceId,
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name.
    pub name: String,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_kind_is_as_str() {
        use ResourceKind::*;
        for k in [
            Channel,
            Mutex,
            RwLock,
            Condvar,
            Once,
            Barrier,
            WaitGroup,
            Semaphore,
            Context,
            Pool,
            WorkerPool,
            ErrGroup,
            SingleFlight,
            Memory,
            Atomic,
            Thread,
            Other,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str(), "{k:?}");
        }
    }
}
