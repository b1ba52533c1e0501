//! `ContextError`: why a context is done.

use std::fmt;

/// Why a [`Context`](super::Context) is done — Go's `context.Canceled` and
/// `context.DeadlineExceeded`.
///
/// # Examples
///
/// ```
/// use vigil::context::{Context, ContextError};
///
/// let (ctx, cancel) = Context::background().with_cancel();
/// cancel.cancel();
/// assert_eq!(ctx.err(), Some(ContextError::Canceled));
/// assert_eq!(ContextError::Canceled.to_string(), "context canceled");
/// assert_eq!(ContextError::DeadlineExceeded.to_string(), "context deadline exceeded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// The context was cancelled (its `CancelHandle` cancelled or dropped,
    /// or an ancestor's).
    Canceled,
    /// The context's deadline passed.
    DeadlineExceeded,
}

impl ContextError {
    /// Whether this is [`ContextError::DeadlineExceeded`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(vigil::context::ContextError::DeadlineExceeded.is_deadline_exceeded());
    /// ```
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, ContextError::DeadlineExceeded)
    }

    /// Whether this is [`ContextError::Canceled`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(vigil::context::ContextError::Canceled.is_canceled());
    /// ```
    pub fn is_canceled(&self) -> bool {
        matches!(self, ContextError::Canceled)
    }

    pub(crate) fn to_code(self) -> u8 {
        match self {
            ContextError::Canceled => 1,
            ContextError::DeadlineExceeded => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<ContextError> {
        match code {
            1 => Some(ContextError::Canceled),
            2 => Some(ContextError::DeadlineExceeded),
            _ => None,
        }
    }
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for ContextError {}
