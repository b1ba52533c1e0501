//! vigil's drop-in primitives: std's and crossbeam's threads, locks and
//! channels, each a thin wrapper that tells `vigil-detector` what happened.
//!
//! Users reach these through the `vigil` crate, whose paths mirror std's
//! (`vigil::thread`, `vigil::sync`, …).
//!
//! # Examples
//!
//! ```
//! let h = vigil_instrumented::thread::spawn(|| 1 + 1);
//! assert_eq!(h.join().unwrap(), 2);
//! ```

pub mod thread;
