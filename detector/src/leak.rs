//! Leak findings and the leak check: wait up to the grace period for workers
//! to finish (woken by each finish, never sleeping the whole period), then
//! report those that remain.

use crate::registry::registry;
use crate::snapshot::BlockedOn;
use crate::sync::Arc;
use crate::worker::{Worker, WorkerId, WorkerRef, WorkerState};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::fmt;
use std::time::{Duration, Instant};

/// One leaked worker: `{"worker", "state", "blocked_on", "spawned_at", "since_ms", …}`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::WorkerState;
///
/// let guard = vigil_detector::check::LeakGuard::new().grace(Duration::ZERO);
/// let _stuck = vigil_detector::on_spawn(Some("stuck".into()), std::panic::Location::caller());
/// let report = guard.check();
/// let leak = &report.leaks[0];
/// assert_eq!(leak.worker.name.as_deref(), Some("stuck"));
/// assert_eq!(leak.state, WorkerState::Running);
/// assert!(leak.blocked_on.is_none());
/// assert!(leak.spawned_at.starts_with(file!()));
/// assert_eq!(leak.parent.as_ref().map(|p| p.id), vigil_detector::current_worker_id());
/// let json = serde_json::to_value(leak).unwrap();
/// assert_eq!(json["state"], "running");
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Leak {
    /// The worker.
    pub worker: WorkerRef,
    /// `running` or `blocked`.
    pub state: WorkerState,
    /// What it waits on, if blocked.
    pub blocked_on: Option<BlockedOn>,
    /// Where it was spawned (`file:line:col`).
    pub spawned_at: String,
    /// How long it has been in its state: blocked for, or alive for.
    pub since_ms: u64,
    /// The worker that spawned it.
    pub parent: Option<WorkerRef>,
    /// The spawn backtrace, trimmed of vigil's frames.
    pub backtrace: Vec<String>,
}

impl Leak {
    pub(crate) fn of(w: &Worker, now: Instant) -> Leak {
        let blocked_on = BlockedOn::of(w, now);
        let state = if blocked_on.is_some() { WorkerState::Blocked } else { w.state() };
        let since_ms = match &blocked_on {
            Some(b) => b.since_ms,
            None => now.saturating_duration_since(w.started).as_millis() as u64,
        };
        Leak {
            worker: w.to_ref(),
            state,
            blocked_on,
            spawned_at: w.spawned_at.map(crate::site::short).unwrap_or_default(),
            since_ms,
            parent: w.parent.clone(),
            backtrace: w.backtrace.render(),
        }
    }
}

fn secs(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.worker)?;
        match &self.blocked_on {
            Some(b) => {
                write!(f, " [blocked {} in {}", secs(b.since_ms), b.op)?;
                if let Some(r) = &b.resource {
                    write!(f, " on {r}")?;
                    if !b.summary.is_empty() {
                        write!(f, " ({})", b.summary)?;
                    }
                }
                if b.resources.len() > 1 {
                    let rest: Vec<String> = b.resources[1..].iter().map(|r| r.to_string()).collect();
                    write!(f, " and {}", rest.join(", "))?;
                }
                writeln!(f, " at {}]", b.site)?;
            }
            None => writeln!(f, " [{} for {}]", self.state.as_str(), secs(self.since_ms))?,
        }
        write!(f, "  spawned at {}", self.spawned_at)?;
        match &self.parent {
            Some(p) => writeln!(f, " by {p}")?,
            None => writeln!(f)?,
        }
        if !self.backtrace.is_empty() {
            writeln!(f, "  spawn backtrace:")?;
            for (i, fr) in self.backtrace.iter().enumerate() {
                writeln!(f, "    {i}: {fr}")?;
            }
        }
        Ok(())
    }
}

/// The result of a leak check: `{"guard", "leaks": [...]}`.
///
/// # Examples
///
/// ```
/// let report = vigil_detector::check::LeakGuard::new().check();
/// assert!(report.is_empty());
/// println!("{report}"); // "vigil: no leaked workers"
/// ```
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct LeakReport {
    /// The name of the thread that made the guard (the test's name under libtest), if scoped.
    pub guard: Option<String>,
    /// The leaked workers.
    pub leaks: Vec<Leak>,
}

impl LeakReport {
    /// No leaks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::LeakReport;
    ///
    /// assert!(LeakReport::default().is_empty());
    /// let guard = vigil_detector::check::LeakGuard::new().grace(Duration::ZERO);
    /// let _stuck = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// assert!(!guard.check().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.leaks.is_empty()
    }

    /// Number of leaked workers.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let guard = vigil_detector::check::LeakGuard::new().grace(Duration::ZERO);
    /// let _stuck: Vec<_> = (0..3)
    ///     .map(|i| vigil_detector::on_spawn(Some(format!("stuck-{i}")), std::panic::Location::caller()))
    ///     .collect();
    /// assert_eq!(guard.check().len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.leaks.len()
    }
}

impl Leak {
    /// Leaks with the same spawn site, state, operation, resource and
    /// blocking site are the same bug; reports show them once, with a count.
    fn signature(&self) -> (String, WorkerState, Option<String>) {
        let blocked = self.blocked_on.as_ref().map(|b| {
            let res = b.resources.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(",");
            format!("{} {} {}", b.op, res, b.site)
        });
        (self.spawned_at.clone(), self.state, blocked)
    }
}

impl fmt::Display for LeakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = self.guard.as_ref().map(|g| format!(" by `{g}`")).unwrap_or_default();
        if self.leaks.is_empty() {
            return writeln!(f, "vigil: no leaked workers{scope}");
        }
        writeln!(f, "vigil: found {} leaked worker(s){scope}:", self.leaks.len())?;
        let mut groups: Vec<(&Leak, Vec<&Leak>)> = Vec::new();
        for l in &self.leaks {
            let sig = l.signature();
            match groups.iter_mut().find(|(first, _)| first.signature() == sig) {
                Some((_, more)) => more.push(l),
                None => groups.push((l, Vec::new())),
            }
        }
        for (first, more) in groups {
            writeln!(f)?;
            write!(f, "{first}")?;
            if !more.is_empty() {
                let shown: Vec<String> = more.iter().take(8).map(|l| l.worker.to_string()).collect();
                let rest = more.len().saturating_sub(shown.len());
                write!(f, "  ... and {} more leaked the same way: {}", more.len(), shown.join(", "))?;
                if rest > 0 {
                    write!(f, ", and {rest} others")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Which workers a check judges and how long it waits.
#[derive(Debug, Clone)]
pub(crate) struct LeakQuery {
    pub(crate) grace: Duration,
    pub(crate) ignore_names: Vec<String>,
    pub(crate) ignore_sites: Vec<String>,
    /// `Some`: only descendants of this worker registered at or after `since`.
    pub(crate) root: Option<WorkerId>,
    pub(crate) since: WorkerId,
    /// Descendants of these (workers alive when the guard was made) are ignored.
    pub(crate) ignore_under: Vec<WorkerId>,
    /// The checking thread itself never counts.
    pub(crate) caller: Option<WorkerId>,
    /// Nor do these (the checking thread's ancestors).
    pub(crate) exclude_ids: Vec<WorkerId>,
}

impl LeakQuery {
    fn judges(&self, w: &Worker) -> bool {
        if w.external || Some(w.id) == self.caller || w.id < self.since || self.exclude_ids.contains(&w.id) {
            return false;
        }
        if let Some(root) = self.root {
            if !w.descends_from(root) {
                return false;
            }
        }
        if self.ignore_under.iter().any(|a| w.descends_from(*a)) {
            return false;
        }
        if let Some(name) = &w.name {
            if self.ignore_names.iter().any(|p| name.contains(p.as_str())) {
                return false;
            }
        }
        if !self.ignore_sites.is_empty() {
            let mut sites: Vec<String> = w.spawned_at.map(crate::site::short).into_iter().collect();
            if let Some(b) = w.blocked() {
                sites.push(crate::site::short(b.site));
            }
            if sites.iter().any(|s| self.ignore_sites.iter().any(|p| s.contains(p.as_str()))) {
                return false;
            }
        }
        w.state().is_alive()
    }

    fn candidates(&self) -> Vec<Arc<Worker>> {
        registry().live_workers().into_iter().filter(|w| self.judges(w)).collect()
    }

    /// Re-checks until clean or until the grace period ends.
    pub(crate) fn run(&self, guard: Option<String>) -> LeakReport {
        if !crate::enabled() {
            return LeakReport { guard, leaks: Vec::new() };
        }
        let reg = registry();
        let deadline = Instant::now() + self.grace;
        let remaining = loop {
            let gen = reg.finish_generation();
            let c = self.candidates();
            let now = Instant::now();
            if c.is_empty() || now >= deadline {
                break c;
            }
            reg.wait_for_finish(gen, (deadline - now).min(Duration::from_millis(50)));
        };
        let now = Instant::now();
        let leaks: Vec<Leak> = remaining.iter().map(|w| Leak::of(w, now)).collect();
        let report = LeakReport { guard, leaks };
        if !report.is_empty() {
            #[cfg(feature = "detect")]
            tracing::warn!(target: "vigil", leaks = report.len(), "{report}");
            for l in &report.leaks {
                reg.events.push(
                    crate::EventKind::Leak,
                    Some(l.worker.clone()),
                    l.blocked_on.as_ref().and_then(|b| b.resource.clone()),
                    l.blocked_on.as_ref().map(|b| b.op),
                    format!("leaked: {} spawned at {}", l.worker, l.spawned_at),
                );
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{Op, WorkerId};

    fn leak(id: u64, site: &str) -> Leak {
        Leak {
            worker: WorkerRef { id: WorkerId(id), name: Some(format!("w{id}")) },
            state: WorkerState::Blocked,
            blocked_on: Some(BlockedOn {
                op: Op::Send,
                resource: None,
                resources: Vec::new(),
                site: site.to_string(),
                since_ms: 5,
                summary: String::new(),
            }),
            spawned_at: "src/a.rs:1:1".into(),
            since_ms: 5,
            parent: None,
            backtrace: Vec::new(),
        }
    }

    #[test]
    fn identical_leaks_are_shown_once_with_a_count() {
        let report = LeakReport {
            guard: None,
            leaks: vec![leak(1, "src/a.rs:9:9"), leak(2, "src/a.rs:9:9"), leak(3, "src/b.rs:4:4")],
        };
        let text = report.to_string();
        assert!(text.contains("found 3 leaked worker(s)"), "{text}");
        assert!(text.contains("and 1 more leaked the same way: worker 2 \"w2\""), "{text}");
        assert_eq!(text.matches("spawned at").count(), 2, "{text}");
    }
}
