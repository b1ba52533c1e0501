//! `vigil::race`: the happens-before race checker's user-facing side —
//! [`RaceCell`] for shared values and [`read()`] / [`write()`] / [`forget()`]
//! annotations for raw memory that `unsafe` code shares.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use vigil::race::RaceCell;
//!
//! let guard = vigil::check::guard();
//! let total = Arc::new(RaceCell::new(0));
//! let t = total.clone();
//! vigil::thread::spawn(move || t.set(t.get() + 1)).join().unwrap(); // the join orders it…
//! total.set(total.get() + 1); // …before this write: no race
//! assert_eq!(total.get(), 2);
//! assert!(guard.check().races.is_empty());
//! ```

mod annotate;
mod cell;

pub use annotate::{forget, read, write};
pub use cell::RaceCell;
