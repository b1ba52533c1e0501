//! Shadow state of annotated raw memory (`race::read` / `race::write`):
//! byte ranges, in a sharded map keyed by address.
//!
//! An access is a byte range `addr..addr + len` (the pointee's size). Two
//! accesses conflict when their ranges overlap: a struct and one of its
//! fields do, two disjoint fields do not. Each access is cut at 4 KiB page
//! boundaries into pieces, and a piece is recorded under its exact range
//! in its page's shard (an ordered map). An access checks every recorded
//! range of its pages that overlaps it and records itself under its own
//! range only: a range's shadow holds the accesses of exactly that range,
//! so a write to one field never hides an older write to the whole struct.
//! Pages are independent locations, so each piece is checked and recorded
//! under its shard's lock alone; [`forget`] of a freed block touches only
//! the shards its pages map to.

use super::report::Race;
use super::shadow::Shadow;
use crate::resource::{ResourceId, ResourceKind, ResourceRef};
use crate::sync::Mutex;
use std::collections::BTreeMap;
use std::panic::Location;

const SHARDS: usize = 64;
const PAGE_SHIFT: u32 = 12;
const PAGE: usize = 1 << PAGE_SHIFT;

struct Entry {
    id: ResourceId,
    shadow: Shadow,
    /// The first access annotated on this range (what a report can say of
    /// where the memory came from: vigil never sees it allocated).
    first_site: &'static Location<'static>,
}

/// The recorded ranges whose first byte is on the pages mapping to one
/// shard, keyed by `(start, len)`.
struct Shard {
    ranges: BTreeMap<(usize, usize), Entry>,
    /// The longest range ever recorded here: how far before an access a
    /// range overlapping it can start.
    longest: usize,
}

static MAP: [Mutex<Shard>; SHARDS] =
    [const { Mutex::new(Shard { ranges: BTreeMap::new(), longest: 0 }) }; SHARDS];

#[inline]
fn shard(addr: usize) -> &'static Mutex<Shard> {
    &MAP[(addr >> PAGE_SHIFT) % SHARDS]
}

/// `0x…..0x…`, the half-open byte range.
fn range_text(start: usize, len: usize) -> String {
    format!("{start:#x}..{:#x}", start.saturating_add(len))
}

/// The memory raced on, as reports name it: the current access's range,
/// the earlier access's when it differs, and where the range was first
/// annotated.
fn resource(
    (start, len): (usize, usize),
    previous: (usize, usize),
    id: ResourceId,
    first_site: &'static Location<'static>,
) -> ResourceRef {
    let mut name = range_text(start, len);
    if previous != (start, len) {
        name.push_str(&format!(" (the earlier access: {})", range_text(previous.0, previous.1)));
    }
    name.push_str(&format!(", first annotated at {}", crate::site::short(first_site)));
    ResourceRef { id, kind: ResourceKind::Memory, name }
}

fn access(addr: usize, len: usize, site: &'static Location<'static>, write: bool) {
    if !crate::race_enabled() || len == 0 {
        return;
    }
    let end = addr.saturating_add(len);
    let mut start = addr;
    // Piece by piece (one per page); the first race found is reported.
    let mut found: Option<(Race, ResourceRef)> = None;
    while start < end {
        let piece_end = ((start | (PAGE - 1)).saturating_add(1)).min(end);
        let race = access_piece(start, piece_end - start, site, write);
        if found.is_none() {
            found = race;
        }
        start = piece_end;
    }
    if let Some((race, resource)) = found {
        race.report(resource);
    }
}

/// Checks and records the access `start..start + len` (within one page).
#[inline]
fn access_piece(
    start: usize,
    len: usize,
    site: &'static Location<'static>,
    write: bool,
) -> Option<(Race, ResourceRef)> {
    let mut shard = shard(start).lock();
    shard.longest = shard.longest.max(len);
    let page_start = start & !(PAGE - 1);
    // Ranges never cross a page, so an overlapping one starts on this page,
    // at most `longest - 1` bytes before the access.
    let from = start.saturating_sub(shard.longest - 1).max(page_start);
    let mut found = None;
    for (&(s, l), entry) in shard.ranges.range_mut((from, 0)..(start + len, 0)) {
        if (s, l) == (start, len) || s + l <= start {
            continue;
        }
        if let Some(race) = entry.shadow.check(write, site) {
            found = Some((race, (s, l)));
            break;
        }
    }
    let entry = shard.ranges.entry((start, len)).or_insert_with(|| Entry {
        id: ResourceId::next(),
        shadow: Shadow::new(),
        first_site: site,
    });
    let own = if write { entry.shadow.write(site) } else { entry.shadow.read(site) };
    // The exact range's own earlier access is the closest match; an
    // overlapping one otherwise.
    let (race, previous) = match (own, found) {
        (Some(race), _) => (race, (start, len)),
        (None, Some(other)) => other,
        (None, None) => return None,
    };
    Some((race, resource((start, len), previous, entry.id, entry.first_site)))
}

/// Records a read of the `len` bytes at `addr` by the calling thread at
/// `site`, and reports a race with an unordered earlier write of any of
/// those bytes.
///
/// # Examples
///
/// ```
/// let x = 5u64;
/// vigil_detector::race::read_addr(&x as *const u64 as usize, 8, std::panic::Location::caller());
/// vigil_detector::race::forget(&x as *const u64 as usize, 8);
/// ```
pub fn read_addr(addr: usize, len: usize, site: &'static Location<'static>) {
    access(addr, len, site, false);
}

/// Records a write of the `len` bytes at `addr` by the calling thread at
/// `site`, and reports a race with an unordered earlier read or write of
/// any of those bytes.
///
/// # Examples
///
/// ```
/// let x = 5u64;
/// vigil_detector::race::write_addr(&x as *const u64 as usize, 8, std::panic::Location::caller());
/// vigil_detector::race::forget(&x as *const u64 as usize, 8);
/// ```
pub fn write_addr(addr: usize, len: usize, site: &'static Location<'static>) {
    access(addr, len, site, true);
}

/// Forgets every access recorded for ranges starting in `addr..addr + len`
/// (the memory was freed; a later allocation at the same address starts
/// clean).
///
/// # Examples
///
/// ```
/// let before = vigil_detector::race::tracked_addresses();
/// vigil_detector::race::forget(0x1000, 64);
/// assert!(vigil_detector::race::tracked_addresses() <= before);
/// ```
pub fn forget(addr: usize, len: usize) {
    if len == 0 {
        return;
    }
    let end = addr.saturating_add(len);
    let first_page = addr >> PAGE_SHIFT;
    let last_page = (end - 1) >> PAGE_SHIFT;
    let pages = (last_page - first_page + 1).min(SHARDS);
    for p in 0..pages {
        let mut shard = MAP[(first_page + p) % SHARDS].lock();
        if shard.ranges.is_empty() {
            continue;
        }
        let keys: Vec<(usize, usize)> = shard.ranges.range((addr, 0)..(end, 0)).map(|(k, _)| *k).collect();
        for k in keys {
            shard.ranges.remove(&k);
        }
    }
}

/// Number of annotated ranges (per page) with recorded accesses.
///
/// # Examples
///
/// ```
/// let _n = vigil_detector::race::tracked_addresses();
/// ```
pub fn tracked_addresses() -> usize {
    MAP.iter().map(|m| m.lock().ranges.len()).sum()
}
