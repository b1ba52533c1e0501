//! Shadow state of annotated raw memory (`race::read` / `race::write`),
//! in a sharded map keyed by address.
//!
//! Shards are chosen by 4 KiB page, so that [`forget`] of a freed block
//! touches only the shards its pages map to; each shard is an ordered map so
//! a range is removed without scanning unrelated addresses.

use super::shadow::Shadow;
use crate::resource::{ResourceId, ResourceKind, ResourceRef};
use crate::sync::Mutex;
use std::collections::BTreeMap;
use std::panic::Location;

const SHARDS: usize = 64;
const PAGE_SHIFT: u32 = 12;

struct Entry {
    id: ResourceId,
    shadow: Shadow,
}

static MAP: [Mutex<BTreeMap<usize, Entry>>; SHARDS] = [const { Mutex::new(BTreeMap::new()) }; SHARDS];

#[inline]
fn shard(addr: usize) -> &'static Mutex<BTreeMap<usize, Entry>> {
    &MAP[(addr >> PAGE_SHIFT) % SHARDS]
}

fn resource(addr: usize, id: ResourceId) -> ResourceRef {
    ResourceRef { id, kind: ResourceKind::Memory, name: format!("{addr:#x}") }
}

#[inline]
fn access(addr: usize, site: &'static Location<'static>, write: bool) {
    if !crate::race_enabled() {
        return;
    }
    let found = {
        let mut map = shard(addr).lock();
        let entry =
            map.entry(addr).or_insert_with(|| Entry { id: ResourceId::next(), shadow: Shadow::new() });
        let race = if write { entry.shadow.write(site) } else { entry.shadow.read(site) };
        race.map(|r| (r, entry.id))
    };
    if let Some((race, id)) = found {
        race.report(resource(addr, id));
    }
}

/// Records a read of the memory at `addr` by the calling thread at `site`,
/// and reports a race with an unordered earlier write.
///
/// # Examples
///
/// ```
/// let x = 5u64;
/// vigil_detector::race::read_addr(&x as *const u64 as usize, std::panic::Location::caller());
/// vigil_detector::race::forget(&x as *const u64 as usize, 8);
/// ```
pub fn read_addr(addr: usize, site: &'static Location<'static>) {
    access(addr, site, false);
}

/// Records a write of the memory at `addr` by the calling thread at `site`,
/// and reports a race with an unordered earlier read or write.
///
/// # Examples
///
/// ```
/// let x = 5u64;
/// vigil_detector::race::write_addr(&x as *const u64 as usize, std::panic::Location::caller());
/// vigil_detector::race::forget(&x as *const u64 as usize, 8);
/// ```
pub fn write_addr(addr: usize, site: &'static Location<'static>) {
    access(addr, site, true);
}

/// Forgets every access recorded for addresses in `addr..addr + len` (the
/// memory was freed; a later allocation at the same address starts clean).
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
        let mut map = MAP[(first_page + p) % SHARDS].lock();
        if map.is_empty() {
            continue;
        }
        let keys: Vec<usize> = map.range(addr..end).map(|(k, _)| *k).collect();
        for k in keys {
            map.remove(&k);
        }
    }
}

/// Number of annotated addresses with recorded accesses.
///
/// # Examples
///
/// ```
/// let _n = vigil_detector::race::tracked_addresses();
/// ```
pub fn tracked_addresses() -> usize {
    MAP.iter().map(|m| m.lock().len()).sum()
}
