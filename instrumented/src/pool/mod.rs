//! `vigil::pool`: Go's `sync.Pool` ([`Pool`]), a fixed pool of worker
//! threads ([`WorkerPool`]) and errgroup ([`ErrGroup`]).
//!
//! # Examples
//!
//! ```
//! let pool = vigil::pool::WorkerPool::named("resize", 2);
//! let (tx, rx) = vigil::channel::unbounded();
//! for n in 0..4 {
//!     let tx = tx.clone();
//!     pool.execute(move || tx.send(n * n).unwrap());
//! }
//! pool.shutdown(); // finishes the queued jobs, joins every worker
//! drop(tx);
//! assert_eq!(rx.iter().sum::<i32>(), 14);
//! ```

mod err_group;
mod object_pool;
mod worker_pool;

pub use err_group::ErrGroup;
pub use object_pool::{Pool, Pooled, DEFAULT_RETAIN};
pub use worker_pool::WorkerPool;
