//! The race checker proper: FastTrack shadow state per tracked location,
//! the access check against the calling thread's vector clock, and the
//! reports (both sides, deduplicated by pair of sites).
//!
//! | file | what |
//! |---|---|
//! | `shadow.rs` | [`Shadow`]: last write epoch, read epoch or read vector, and the check |
//! | `report.rs` | [`Race`]: a found race, turned into a [`RaceReport`](crate::RaceReport) |
//! | `memory.rs` | shadow state of annotated raw memory, in a sharded map keyed by address |

mod memory;
mod report;
mod shadow;

pub use memory::{forget, read_addr, tracked_addresses, write_addr};
pub use report::Race;
pub use shadow::Shadow;
