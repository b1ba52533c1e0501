//! `vigil::sync::mpsc`: mirrors `std::sync::mpsc`, wrapping std's own
//! channels, with every blocking operation visible and every channel a
//! tracked resource (see `vigil::channel` for the crossbeam-style family;
//! both share one channel resource type).
//!
//! | file | concept |
//! |---|---|
//! | `sender.rs` | `channel`, `sync_channel`, `*_named`, `Sender`, `SyncSender` |
//! | `receiver.rs` | `Receiver` |
//! | `iter.rs` | `Iter`, `TryIter`, `IntoIter` |
//!
//! # Examples
//!
//! ```
//! use vigil::sync::mpsc;
//!
//! let (tx, rx) = mpsc::sync_channel_named("results", 1);
//! vigil::thread::spawn(move || tx.send(42).unwrap());
//! assert_eq!(rx.recv().unwrap(), 42);
//! ```

mod iter;
mod receiver;
mod sender;

pub use iter::{IntoIter, Iter, TryIter};
pub use receiver::Receiver;
pub use sender::{channel, channel_named, sync_channel, sync_channel_named, Sender, SyncSender};
pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
