//! `vigil::pool`: Go's `sync.Pool` ([`Pool`]), a fixed pool of worker
//! threads ([`WorkerPool`]) and errgroup ([`ErrGroup`]).

mod err_group;
mod object_pool;
mod worker_pool;

pub use err_group::ErrGroup;
pub use object_pool::{Pool, Pooled, DEFAULT_RETAIN};
pub use worker_pool::WorkerPool;
