//! `vigil::channel`: mirrors `crossbeam-channel`.
//!
//! | file | concept |
//! |---|---|
//! | `bounded.rs` | `bounded`, `unbounded`, `*_named` |
//! | `timer.rs` | `after`, `at`, `tick`, `never` |
//! | `sender.rs` / `receiver.rs` / `iter.rs` | the ends and their iterators |
//! | `select.rs` / `select_macro.rs` | `Select` and `select!` |
//! | `meta.rs` | the channel resource: counters, waiters, summary, stats |
//! | `envelope.rs` | a message plus its sender's clock (happens-before) |
//! | `backoff.rs` | the brief retry before an operation counts as blocked |
//!
//! # Examples
//!
//! ```
//! let (tx, rx) = vigil::channel::bounded_named::<u32>("jobs", 1);
//! let worker = vigil::thread::spawn(move || rx.iter().sum::<u32>());
//! for n in 1..=3 {
//!     tx.send(n).unwrap();
//! }
//! drop(tx); // the worker's `iter` ends: no forgotten sender
//! assert_eq!(worker.join().unwrap(), 6);
//! ```

mod backoff;
mod bounded;
mod envelope;
mod iter;
pub(crate) mod meta;
mod receiver;
mod select;
mod select_macro;
mod sender;
mod timer;

pub(crate) use backoff::retry_briefly;
pub(crate) use bounded::context_done_channel;
pub(crate) use envelope::Env;

pub use bounded::{bounded, bounded_named, unbounded, unbounded_named};
pub use crossbeam_channel::{
    ReadyTimeoutError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError, SendTimeoutError,
    TryReadyError, TryRecvError, TrySelectError, TrySendError,
};
pub use iter::{IntoIter, Iter, TryIter};
pub use receiver::Receiver;
pub use select::{Select, SelectedOperation};
pub use sender::Sender;
pub use timer::{after, at, never, tick};
