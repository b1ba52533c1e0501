//! `vigil::context`: Go's `context` package — cancellation, deadlines and
//! request-scoped values that flow down a tree of contexts.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use vigil::context::{Context, ContextError};
//!
//! let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(10));
//! assert!(ctx.done().recv().is_err()); // closed when the deadline passes
//! assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
//! ```

mod cancel;
mod channel_ext;
mod done;
mod error;
mod timer;
mod tree;

pub use cancel::CancelHandle;
pub use channel_ext::{RecvCtx, RecvCtxError, SendCtx, SendCtxError};
pub use done::DoneReceiver;
pub use error::ContextError;
pub use tree::Context;
