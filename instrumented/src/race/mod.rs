//! `vigil::race`: the happens-before race checker's user-facing side —
//! [`RaceCell`] for shared values and [`read()`] / [`write()`] / [`forget()`]
//! annotations for raw memory that `unsafe` code shares.

mod annotate;
mod cell;

pub use annotate::{forget, read, write};
pub use cell::RaceCell;
