//! `park`, `park_timeout` and `sleep`: std's, shown as blocked while they wait.

use std::panic::Location;
use std::time::Duration;
use vigil_detector::{on_block, Op};

/// Blocks unless or until the current thread's token is made available —
/// mirrors `std::thread::park`.
///
/// # Examples
///
/// ```
/// let t = vigil::thread::spawn(|| vigil::thread::park());
/// t.thread().unpark();
/// t.join().unwrap();
/// ```
///
/// # Differences from the standard library
///
/// While parked the worker is shown blocked in `park`.
#[track_caller]
pub fn park() {
    let _blocked = blocked(Op::Park, Location::caller());
    std::thread::park();
}

/// Blocks for at most `dur` — mirrors `std::thread::park_timeout`.
///
/// # Examples
///
/// ```
/// vigil::thread::park_timeout(std::time::Duration::from_millis(1));
/// ```
#[track_caller]
pub fn park_timeout(dur: Duration) {
    let _blocked = blocked(Op::Park, Location::caller());
    std::thread::park_timeout(dur);
}

/// Puts the current thread to sleep for at least `dur` — mirrors `std::thread::sleep`.
///
/// # Examples
///
/// ```
/// vigil::thread::sleep(std::time::Duration::from_millis(1));
/// ```
///
/// # Differences from the standard library
///
/// While sleeping the worker is shown blocked in `sleep`.
#[track_caller]
pub fn sleep(dur: Duration) {
    let _blocked = blocked(Op::Sleep, Location::caller());
    std::thread::sleep(dur);
}

#[inline]
fn blocked(op: Op, site: &'static Location<'static>) -> Option<vigil_detector::BlockGuard> {
    vigil_detector::enabled().then(|| on_block(op, site, Vec::new()))
}
