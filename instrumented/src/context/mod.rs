//! `vigil::context`: Go's `context` package — cancellation, deadlines and
//! request-scoped values that flow down a tree of contexts.

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
