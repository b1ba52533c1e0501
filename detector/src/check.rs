//! Checks: leak checks, guards that scope them to one test, and the findings
//! of the deadlock and race checkers.
//!
//! `cargo test` runs tests on parallel threads of one process. A guard judges
//! only workers spawned, directly or transitively, by the thread that made it
//! during its life, and only findings that involve them; so parallel tests
//! never see each other's bugs and each report names its test.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! let guard = vigil_detector::check::guard().grace(Duration::ZERO);
//! // A worker spawned during the guard's life that never finishes:
//! let _stuck = vigil_detector::on_spawn(Some("stuck".into()), std::panic::Location::caller());
//! let report = guard.check();
//! assert_eq!(report.leaks.len(), 1);
//! assert_eq!(report.leaks[0].worker.name.as_deref(), Some("stuck"));
//! ```

use crate::findings::{DeadlockReport, RaceReport, Stored};
use crate::leak::{LeakQuery, LeakReport};
use crate::registry::registry;
use crate::report::Report;
use crate::snapshot::Snapshot;
use crate::sync::{Arc, Mutex};
use crate::worker::{current_worker, Worker, WorkerId};
use std::panic::Location;
use std::time::Duration;

fn query_all() -> LeakQuery {
    let me = current_worker();
    LeakQuery {
        grace: crate::config().leak_grace,
        ignore_names: Vec::new(),
        ignore_sites: Vec::new(),
        root: None,
        since: WorkerId(0),
        ignore_under: Vec::new(),
        caller: me.as_ref().map(|w| w.id()),
        exclude_ids: Vec::new(),
    }
    .excluding_ancestors_of(me.as_deref())
}

impl LeakQuery {
    /// A worker never reports the workers that (transitively) spawned it.
    fn excluding_ancestors_of(mut self, me: Option<&crate::Worker>) -> LeakQuery {
        if let Some(me) = me {
            self.exclude_ids = me.lineage.to_vec();
        }
        self
    }
}

/// Leaked workers of the whole process: every tracked worker still alive
/// after the grace period (`VIGIL_LEAK_GRACE_MS`), except the caller and its
/// ancestors.
///
/// # Examples
///
/// ```
/// let report = vigil_detector::check::leaks();
/// println!("{report}");
/// ```
pub fn leaks() -> LeakReport {
    query_all().run(None)
}

/// Panics with the report if [`leaks`] finds any.
///
/// # Panics
///
/// When a tracked worker is still alive after the grace period.
///
/// # Examples
///
/// ```
/// vigil_detector::check::assert_no_leaks();
/// ```
#[track_caller]
pub fn assert_no_leaks() {
    let report = leaks();
    if !report.is_empty() {
        fail_at(Location::caller(), &report.to_string());
    }
}

fn deadlocks_where(keep: impl Fn(&Stored<DeadlockReport>) -> bool) -> Vec<DeadlockReport> {
    registry().findings.deadlocks.lock().iter().filter(|s| keep(s)).map(|s| s.report.clone()).collect()
}

fn races_where(keep: impl Fn(&Stored<RaceReport>) -> bool) -> Vec<RaceReport> {
    registry().findings.races.lock().iter().filter(|s| keep(s)).map(|s| s.report.clone()).collect()
}

/// Every deadlock found so far: actual ones (cycles, double locks, recursive
/// reads under a waiting writer) and potential ones (lock-order inversions).
///
/// # Examples
///
/// ```
/// for d in vigil_detector::check::deadlocks() {
///     println!("{d}");
/// }
/// ```
pub fn deadlocks() -> Vec<DeadlockReport> {
    deadlocks_where(|_| true)
}

/// Every data race found so far.
///
/// # Examples
///
/// ```
/// assert!(vigil_detector::check::races().len() >= 0);
/// ```
pub fn races() -> Vec<RaceReport> {
    races_where(|_| true)
}

/// Every data race found so far, removing them (later calls return only new ones).
///
/// # Examples
///
/// ```
/// let _ = vigil_detector::check::take_races();
/// assert!(vigil_detector::check::take_races().is_empty());
/// ```
pub fn take_races() -> Vec<RaceReport> {
    std::mem::take(&mut *registry().findings.races.lock()).into_iter().map(|s| s.report).collect()
}

/// Panics with every race found so far, if any.
///
/// # Panics
///
/// When the race checker has found a race.
///
/// # Examples
///
/// ```
/// vigil_detector::check::assert_no_races();
/// ```
#[track_caller]
pub fn assert_no_races() {
    let races = races();
    if !races.is_empty() {
        let text: Vec<String> = races.iter().map(|r| r.to_string()).collect();
        fail_at(Location::caller(), &format!("vigil: {} data race(s):\n{}", races.len(), text.join("\n")));
    }
}

/// Everything: leaks (after the grace period), deadlocks, races and resource statistics.
///
/// # Examples
///
/// ```
/// let report = vigil_detector::check::report();
/// println!("{report}");
/// ```
pub fn report() -> Report {
    let leaks = leaks();
    let snap = snapshot();
    Report {
        guard: None,
        leaks: leaks.leaks,
        deadlocks: deadlocks(),
        races: races(),
        resources: snap.resources,
        dropped_events: snap.counts.dropped_events,
    }
}

/// The live state: every worker (with what it is blocked on, since when) and
/// every live resource with its statistics.
///
/// # Examples
///
/// ```
/// let snap = vigil_detector::check::snapshot();
/// assert!(snap.counts.workers <= snap.workers.len());
/// ```
pub fn snapshot() -> Snapshot {
    crate::snapshot::take()
}

/// Checks everything at the end of `main`: prints the report, and panics when
/// `VIGIL_PANIC_ON_LEAK=1` and there are findings.
///
/// # Panics
///
/// With the report, when `VIGIL_PANIC_ON_LEAK=1` and anything was found
/// (at the caller's line).
///
/// # Examples
///
/// ```
/// // ... at the end of the program ...
/// let report = vigil_detector::check::verify_at_exit();
/// assert!(report.is_empty());
/// ```
#[track_caller]
pub fn verify_at_exit() -> Report {
    let report = report();
    if !report.is_empty() {
        eprintln!("{report}");
        if crate::config().panic_on_leak && !std::thread::panicking() {
            fail_at(Location::caller(), &report.to_string());
        }
    }
    report
}

// === guards ===

/// The scope and options shared by [`LeakGuard`] and [`Guard`].
#[derive(Debug)]
struct Scope {
    query: LeakQuery,
    thread_name: Option<String>,
    root: Option<WorkerId>,
    panicking: bool,
    /// Registered while the guard panics on findings (see [`must_fail`]).
    panicking_root: PanickingRoot,
    finding_seq: u64,
    /// Where the guard was made: a failing guard fails there (the test's
    /// own line), not inside vigil.
    site: &'static Location<'static>,
}

impl Scope {
    #[track_caller]
    fn new() -> Scope {
        let me = current_worker();
        let reg = registry();
        let root = me.as_ref().map(|w| w.id());
        Scope {
            query: LeakQuery {
                grace: crate::config().leak_grace,
                ignore_names: Vec::new(),
                ignore_sites: Vec::new(),
                root,
                since: reg.watermark(),
                ignore_under: Vec::new(),
                caller: root,
                exclude_ids: Vec::new(),
            },
            thread_name: std::thread::current().name().map(str::to_owned),
            root,
            panicking: crate::config().panic_on_leak,
            panicking_root: PanickingRoot::default(),
            finding_seq: reg.findings.current_seq(),
            site: Location::caller(),
        }
    }

    fn ignore_current(&mut self) {
        self.query.ignore_under =
            registry().live_workers().iter().filter(|w| !w.external).map(|w| w.id()).collect();
    }

    fn charged(&self, seq: u64, charged_to: bool) -> bool {
        seq > self.finding_seq && charged_to
    }

    fn report(&self) -> Report {
        let leaks = self.query.run(self.thread_name.clone());
        let (deadlocks, races) = match self.root {
            Some(root) => (
                deadlocks_where(|s| self.charged(s.seq, s.charged_to(root))),
                races_where(|s| self.charged(s.seq, s.charged_to(root))),
            ),
            None => (Vec::new(), Vec::new()),
        };
        Report {
            guard: self.thread_name.clone(),
            leaks: leaks.leaks,
            deadlocks,
            races,
            resources: Vec::new(),
            dropped_events: registry().events.dropped(),
        }
    }
}

/// Roots of the live guards built with `panicking()`, once per guard.
static PANICKING_ROOTS: Mutex<Vec<WorkerId>> = Mutex::new(Vec::new());

/// A `panicking()` guard's entry in [`PANICKING_ROOTS`], removed when the
/// guard ends.
#[derive(Debug, Default)]
struct PanickingRoot(Option<WorkerId>);

impl PanickingRoot {
    fn register(root: Option<WorkerId>) -> PanickingRoot {
        if let Some(r) = root {
            PANICKING_ROOTS.lock().push(r);
        }
        PanickingRoot(root)
    }
}

impl Drop for PanickingRoot {
    fn drop(&mut self) {
        let Some(r) = self.0 else { return };
        let mut roots = PANICKING_ROOTS.lock();
        if let Some(i) = roots.iter().position(|x| *x == r) {
            roots.swap_remove(i);
        }
    }
}

/// Whether a finding involving `workers` must fail where it is found
/// instead of waiting for a guard to end: `VIGIL_PANIC_ON_LEAK=1`, or a live
/// [`panicking`](Guard::panicking) guard whose lineage has one of them. (A
/// wait-for cycle asks this: its threads would otherwise block forever, and
/// a guard on one of them would never get to report it.)
pub(crate) fn must_fail(workers: &[Arc<Worker>]) -> bool {
    if crate::config().panic_on_leak {
        return true;
    }
    let roots = PANICKING_ROOTS.lock();
    workers.iter().any(|w| roots.iter().any(|r| w.in_lineage_of(*r)))
}

fn conclude(scope: &Scope, text: String, empty: bool) {
    if empty {
        return;
    }
    if scope.panicking && !std::thread::panicking() {
        fail_at(scope.site, &text);
    }
    eprintln!("{text}");
}

/// Fails the calling thread as a panic at `site` (the user's line: where a
/// guard was made, an `assert_*` called, a lock taken) would: prints the
/// panic line and the report as std's panic hook does, then unwinds with
/// `"{site}: {report}"` as payload. The test's output thus names the
/// test's own line, and `RUST_BACKTRACE=1` adds no stack of vigil's
/// internals after the report (whose sites and backtraces are the user's).
///
/// # Examples
///
/// ```
/// let site = std::panic::Location::caller();
/// let payload = std::panic::catch_unwind(|| vigil_detector::check::fail_at(site, "the report")).unwrap_err();
/// assert_eq!(vigil_detector::panic_message(&*payload), format!("{site}: the report"));
/// ```
#[doc(hidden)]
#[cold]
#[inline(never)]
pub fn fail_at(site: &'static Location<'static>, report: &str) -> ! {
    let thread = std::thread::current();
    eprintln!("\nthread '{}' panicked at {site}:\n{report}", thread.name().unwrap_or("<unnamed>"));
    // The payload leads with the site too, for whoever catches it.
    std::panic::resume_unwind(Box::new(format!("{site}: {report}")))
}

macro_rules! scope_options {
    () => {
        /// How long to wait for workers to finish before calling them leaked
        /// (default `VIGIL_LEAK_GRACE_MS`, 1000 ms).
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        ///
        /// let g = vigil_detector::check::guard().grace(Duration::from_secs(5));
        /// let ticket = vigil_detector::on_spawn(Some("job".into()), std::panic::Location::caller());
        /// let job = std::thread::spawn(move || ticket.on_start().on_finish(None));
        /// // The check waits (up to 5 s) for the job to finish: not a leak.
        /// assert!(g.check().leaks.is_empty());
        /// job.join().unwrap();
        /// ```
        pub fn grace(mut self, grace: Duration) -> Self {
            self.scope.query.grace = grace;
            self
        }

        /// Ignores workers whose name contains `substr`.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::panic::Location;
        /// use std::time::Duration;
        /// use vigil_detector::check::guard;
        ///
        /// let plain = guard().grace(Duration::ZERO);
        /// let lenient = guard().grace(Duration::ZERO).ignore_name("flusher");
        /// let _flusher = vigil_detector::on_spawn(Some("log-flusher".into()), Location::caller());
        /// assert_eq!(plain.check().leaks.len(), 1);
        /// assert!(lenient.check().leaks.is_empty());
        /// ```
        pub fn ignore_name(mut self, substr: impl Into<String>) -> Self {
            self.scope.query.ignore_names.push(substr.into());
            self
        }

        /// Ignores workers whose spawn site or blocking site (`file:line:col`) contains `substr`.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// use vigil_detector::check::guard;
        ///
        /// let plain = guard().grace(Duration::ZERO);
        /// let lenient = guard().grace(Duration::ZERO).ignore_site(file!());
        /// // Spawned at a site in this file.
        /// let _worker = vigil_detector::on_spawn(None, std::panic::Location::caller());
        /// assert_eq!(plain.check().leaks.len(), 1);
        /// assert!(lenient.check().leaks.is_empty());
        /// ```
        pub fn ignore_site(mut self, substr: impl Into<String>) -> Self {
            self.scope.query.ignore_sites.push(substr.into());
            self
        }

        /// Also ignores workers spawned during the guard's life by workers that
        /// were already alive when it was made (like goleak's `IgnoreCurrent`).
        ///
        /// # Examples
        ///
        /// ```
        /// use std::panic::Location;
        /// use std::time::Duration;
        /// use vigil_detector::check::guard;
        ///
        /// // A pool worker, alive before the guards are made.
        /// let pool = vigil_detector::on_spawn(Some("pool".into()), Location::caller());
        /// let plain = guard().grace(Duration::ZERO);
        /// let lenient = guard().grace(Duration::ZERO).ignore_current();
        /// // During their life, the pool worker spawns a helper that keeps running.
        /// let _helper = std::thread::spawn(move || {
        ///     let scope = pool.on_start();
        ///     let helper = vigil_detector::on_spawn(Some("helper".into()), Location::caller());
        ///     scope.on_finish(None);
        ///     helper
        /// })
        /// .join()
        /// .unwrap();
        /// assert_eq!(plain.check().leaks.len(), 1);
        /// assert!(lenient.check().leaks.is_empty());
        /// ```
        pub fn ignore_current(mut self) -> Self {
            self.scope.ignore_current();
            self
        }

        /// Panics at drop when anything is found (as `VIGIL_PANIC_ON_LEAK=1` does),
        /// except while the thread is already unwinding. The panic is at the
        /// line where the guard was made: its message starts with that
        /// `file:line:col`, then the report.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        ///
        /// let line = line!() + 1;
        /// let g = vigil_detector::check::guard().grace(Duration::ZERO).panicking();
        /// let _stuck = vigil_detector::on_spawn(Some("stuck".into()), std::panic::Location::caller());
        /// let payload = std::panic::catch_unwind(move || drop(g)).unwrap_err();
        /// let message = vigil_detector::panic_message(&*payload);
        /// assert!(message.starts_with(&format!("{}:{line}:", file!())), "{message}");
        /// assert!(message.contains("\"stuck\""));
        /// ```
        pub fn panicking(mut self) -> Self {
            self.scope.panicking = true;
            self.scope.panicking_root = PanickingRoot::register(self.scope.root);
            self
        }
    };
}

/// Checks, when dropped, that every worker spawned during its life by its
/// thread (or their descendants) has finished; prints the report, or panics
/// with it when `VIGIL_PANIC_ON_LEAK=1` or built with [`panicking`](LeakGuard::panicking).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::check::LeakGuard;
///
/// let guard = LeakGuard::new().grace(Duration::from_millis(100)).ignore_name("background-");
/// // ... spawn and join workers ...
/// let report = guard.check();
/// assert!(report.is_empty());
/// ```
#[derive(Debug)]
#[must_use = "the guard checks for leaks when it is dropped"]
pub struct LeakGuard {
    scope: Scope,
    done: bool,
}

impl Default for LeakGuard {
    #[track_caller]
    fn default() -> Self {
        LeakGuard::new()
    }
}

impl LeakGuard {
    /// A guard scoped to the calling thread's lineage, from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::Location;
    /// use std::time::Duration;
    /// use vigil_detector::check::LeakGuard;
    ///
    /// let _before = vigil_detector::on_spawn(Some("before".into()), Location::caller());
    /// let guard = LeakGuard::new().grace(Duration::ZERO);
    /// let _after = vigil_detector::on_spawn(Some("after".into()), Location::caller());
    /// let report = guard.check();
    /// assert_eq!(report.len(), 1); // only the worker spawned since the guard was made
    /// assert_eq!(report.leaks[0].worker.name.as_deref(), Some("after"));
    /// ```
    #[track_caller]
    pub fn new() -> LeakGuard {
        LeakGuard { scope: Scope::new(), done: false }
    }

    scope_options!();

    /// Ends the guard now and returns its findings instead of printing or panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::check::LeakGuard;
    ///
    /// let guard = LeakGuard::new().grace(Duration::ZERO).panicking();
    /// let _stuck = vigil_detector::on_spawn(Some("stuck".into()), std::panic::Location::caller());
    /// let report = guard.check(); // returned, not panicked with
    /// assert_eq!(report.len(), 1);
    /// assert!(report.to_string().contains("found 1 leaked worker(s)"));
    /// ```
    pub fn check(mut self) -> LeakReport {
        self.done = true;
        self.scope.query.run(self.scope.thread_name.clone())
    }
}

impl Drop for LeakGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let report = self.scope.query.run(self.scope.thread_name.clone());
        conclude(&self.scope, report.to_string(), report.is_empty());
    }
}

/// The one line a test adds: at drop, checks leaks, deadlocks and races
/// involving the lineage of the thread that made it.
///
/// # Examples
///
/// ```
/// let _g = vigil_detector::check::guard();
/// // ... the test ...
/// ```
#[track_caller]
pub fn guard() -> Guard {
    Guard { scope: Scope::new(), done: false }
}

/// A guard over leaks, deadlocks and races of one lineage; see [`guard`].
///
/// # Examples
///
/// ```
/// let g = vigil_detector::check::guard().panicking();
/// let report = g.check(); // ends the guard now
/// assert!(report.is_empty());
/// ```
#[derive(Debug)]
#[must_use = "the guard checks when it is dropped"]
pub struct Guard {
    scope: Scope,
    done: bool,
}

impl Guard {
    scope_options!();

    /// Ends the guard now and returns its findings instead of printing or panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let g = vigil_detector::check::guard().grace(Duration::ZERO).panicking();
    /// let _stuck = vigil_detector::on_spawn(Some("stuck".into()), std::panic::Location::caller());
    /// let report = g.check(); // returned, not panicked with
    /// assert_eq!(report.leaks.len(), 1);
    /// assert!(report.deadlocks.is_empty() && report.races.is_empty());
    /// ```
    pub fn check(mut self) -> Report {
        self.done = true;
        self.scope.report()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let report = self.scope.report();
        conclude(&self.scope, report.to_string(), report.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::Location;

    /// A worker spawned (through a ticket) by the calling thread.
    fn child() -> Arc<Worker> {
        let ticket = crate::on_spawn(Some("child".into()), Location::caller());
        std::thread::spawn(move || {
            let scope = ticket.on_start();
            let me = current_worker().expect("started");
            scope.on_finish(None);
            me
        })
        .join()
        .expect("child thread")
    }

    #[test]
    fn a_panicking_guard_makes_its_lineage_fail_while_it_lives() {
        let outsider = std::thread::spawn(current_worker).join().unwrap().expect("adopted");
        let me = current_worker().expect("adopted");
        let plain = guard();
        let kid = child();
        assert!(!must_fail(&[me.clone(), kid.clone()]), "a plain guard fails nothing");
        drop(plain.check());

        let g = guard().panicking();
        let kid = child();
        assert!(must_fail(std::slice::from_ref(&me)));
        assert!(must_fail(std::slice::from_ref(&kid)));
        assert!(must_fail(&[outsider.clone(), kid.clone()]), "one of them is enough");
        assert!(!must_fail(std::slice::from_ref(&outsider)), "not its lineage");
        assert!(g.check().is_empty());
        assert!(!must_fail(&[me, kid]), "the guard has ended");
    }
}
