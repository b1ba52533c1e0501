//! Every name of ../shared/API.md that outside tests use resolves through the
//! facade (crossbeam's `tests/subcrates.rs` idea). Channels and the toolkit
//! have their own files; this covers threads, std-mirrored sync, atomics, the
//! race checker, checks and reports. It fails to compile if a name goes away.
#![cfg(feature = "detect")]
#![allow(unused_imports)]

use vigil::check::{
    assert_no_leaks, assert_no_races, deadlocks, guard, leaks, races, report, snapshot, take_races,
    verify_at_exit, Guard, LeakGuard,
};
use vigil::race::{read, write, RaceCell};
use vigil::report::{DeadlockReport, LeakReport, RaceReport, Report, Snapshot};
use vigil::sync::atomic::{
    fence, AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize,
    Ordering,
};
use vigil::sync::{
    Arc, Barrier, BarrierWaitResult, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once, OnceLock,
    OnceState, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError, TryLockResult,
    WaitTimeoutResult, Weak,
};
use vigil::thread::{
    available_parallelism, current, park, park_timeout, scope, sleep, spawn, yield_now, Builder, JoinHandle,
    Result, Scope, ScopedJoinHandle, Thread, ThreadId,
};

#[test]
fn contract_names_resolve_and_reports_have_is_empty() {
    let g = LeakGuard::new().grace(std::time::Duration::from_millis(10)).ignore_name("x").ignore_site("y");
    assert!(g.check().is_empty());
    let g: Guard = guard().ignore_current();
    assert!(g.check().is_empty());
    let m = Mutex::named("contract", 1);
    assert_eq!((m.waiters(), m.is_starving()), (0, false));
    let _ = m.stats();
    let r = RwLock::named("contract-rw", 1);
    assert_eq!(r.waiters(), 0);
    let cell = RaceCell::new(1u8);
    cell.set(2);
    assert_eq!(cell.get() + cell.with(|v| *v), 4);
    assert_eq!(cell.into_inner(), 2);
}
