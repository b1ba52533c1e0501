//! vigil's drop-in primitives: std's and crossbeam's threads, locks and
//! channels, each a thin wrapper that tells `vigil-detector` what happened.
//!
//! Users reach these through the `vigil` crate, whose paths mirror std's
//! (`vigil::thread`, `vigil::sync`, …). Every type here exists with or
//! without the `detect` feature; without it, `vigil_detector::enabled()` is a
//! constant `false` and tracking compiles away.
//!
//! # Examples
//!
//! ```
//! let h = vigil_instrumented::thread::spawn(|| 1 + 1);
//! assert_eq!(h.join().unwrap(), 2);
//! ```

pub mod channel;
pub mod context;
pub mod pool;
pub mod race;
mod receiver_iters;
pub mod sync;
pub mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;

#[doc(hidden)]
pub mod __private {
    //! Macro internals (e.g. `select!`); not a public API.
}
