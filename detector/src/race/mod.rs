//! The race checker proper: FastTrack shadow state per tracked location,
//! the access check against the calling thread's vector clock, and the
//! reports (both sides, deduplicated by pair of sites).
//!
//! | file | what |
//! |---|---|
//! | `shadow.rs` | [`Shadow`]: last write epoch, read epoch or read vector, and the check |
//! | `report.rs` | [`Race`]: a found race, turned into a [`RaceReport`](crate::RaceReport) |
//! | `memory.rs` | shadow state of annotated raw memory: byte ranges, in a sharded map keyed by address |
//!
//! # Examples
//!
//! ```
//! use std::panic::Location;
//! use vigil_detector::race::{forget, write_addr};
//!
//! let addr = 0x1000; // an address `unsafe` code shares
//! let _ = vigil_detector::hb::current_clock(); // this thread's clock predates the other thread
//! // A std thread's join is no edge vigil sees: the two writes are unordered.
//! std::thread::spawn(move || write_addr(addr, 8, Location::caller())).join().unwrap();
//! write_addr(addr, 8, Location::caller());
//! if vigil_detector::race_enabled() {
//!     assert_eq!(vigil_detector::check::races().len(), 1);
//! }
//! forget(addr, 8); // the memory is freed: its history goes too
//! ```

mod memory;
mod report;
mod shadow;

pub use memory::{forget, read_addr, tracked_addresses, write_addr};
pub use report::Race;
pub use shadow::Shadow;
