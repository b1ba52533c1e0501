//! Kind-specific statistics that resources report in snapshots.

mod channel;
mod histogram;
mod lock;
mod toolkit;

pub use channel::{ChannelStats, Waiter};
pub use histogram::{Histogram, HistogramSummary};
pub use lock::LockStats;
pub use toolkit::{ContextStats, CounterStats, PoolStats};
