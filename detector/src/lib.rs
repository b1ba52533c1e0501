//! vigil's detector: the registry of workers and resources, vector clocks,
//! and the leak, deadlock and race analyses with their reports.
//!
//! It knows nothing of std's primitives. `vigil-instrumented` wraps those and
//! tells the detector what happens through a small event API:
//!
//! | hook | called by | when |
//! |---|---|---|
//! | [`on_spawn`] → [`SpawnTicket::on_start`] → [`WorkerScope::on_finish`] | `vigil::thread` | a worker's life |
//! | [`on_join`] | `JoinHandle::join` | the join edge |
//! | [`on_block`] → drop of [`BlockGuard`] | every blocking op, on its slow path | waiting |
//! | [`register_resource`] / [`unregister_resource`] | every primitive | creation / drop |
//! | [`hb::SyncClock`] `release` / `acquire` | every primitive | happens-before edges |
//! | [`record_deadlock`], [`record_race`], [`emit`] | lock and race checks | findings and events |
//!
//! Users reach all of this through the `vigil` crate (`vigil::check`).
//!
//! # Examples
//!
//! ```
//! let report = vigil_detector::check::LeakGuard::new().check();
//! assert!(report.is_empty());
//! ```
#![forbid(unsafe_code)]

mod blocking;
pub mod check;
mod clock;
mod config;
mod events;
mod findings;
pub mod hb;
mod leak;
mod lifecycle;
mod live_index;
mod map;
mod registry;
mod report;
mod resource;
mod site;
mod snapshot;
mod stats;
mod sync;
pub mod task;
mod trace;
mod worker;

// === race checker ===
pub mod race;

// === locks ===
pub mod lock;

pub use blocking::{on_block, on_block_since, BlockGuard};
pub use clock::VectorClock;
pub use config::{config, enabled, race_enabled, Config, ConfigError};
pub use events::{Event, EventKind, EventsSince};
pub use findings::{
    record_deadlock, record_race, Access, DeadlockKind, DeadlockReport, RaceKind, RaceReport, WaitEdge,
};
pub use leak::{Leak, LeakReport};
// === dashboard ===
pub use lifecycle::{on_join, on_spawn, panic_message, SpawnTicket, WorkerScope};
pub use live_index::{live_index, LiveIndex, WorkerKey};
pub use registry::{
    dropped_events, emit, events_since, last_event_seq, register_resource, unregister_resource,
    wait_for_events,
};
pub use report::Report;
pub use resource::{Resource, ResourceId, ResourceKind, ResourceMeta, ResourceRef};
pub use snapshot::{BlockedOn, Counts, ResourceSnapshot, ResourceStats, Snapshot, WorkerSnapshot};
pub use stats::{
    ChannelStats, ContextStats, CounterStats, Histogram, HistogramSummary, LockStats, PoolStats, Waiter,
};
pub use trace::capture_backtrace;
pub use worker::{
    current_worker, current_worker_id, Blocked, Op, Worker, WorkerId, WorkerKind, WorkerRef, WorkerState,
};
