//! The full report: leaks, deadlocks and races, plus resource statistics.

use crate::findings::{DeadlockReport, RaceReport};
use crate::leak::{Leak, LeakReport};
use crate::snapshot::ResourceSnapshot;
#[cfg(feature = "serde")]
use serde::Serialize;
use std::fmt;

/// Everything vigil found: findings only in `leaks`, `deadlocks` and `races`;
/// `resources` carries statistics, never a finding's shape.
///
/// # Examples
///
/// ```
/// let report = vigil_detector::check::guard().check();
/// assert!(report.is_empty());
/// let json = serde_json::to_value(&report).unwrap();
/// assert!(json["leaks"].is_array() && json["deadlocks"].is_array() && json["races"].is_array());
/// ```
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Report {
    /// The guard's thread name, if scoped to a guard.
    pub guard: Option<String>,
    /// Leaked workers.
    pub leaks: Vec<Leak>,
    /// Deadlocks and potential deadlocks.
    pub deadlocks: Vec<DeadlockReport>,
    /// Data races.
    pub races: Vec<RaceReport>,
    /// Live resources with their statistics.
    pub resources: Vec<ResourceSnapshot>,
    /// Events dropped from the ring.
    pub dropped_events: u64,
}

impl Report {
    /// No findings (resources do not count).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::Report;
    ///
    /// let stats_only = Report { dropped_events: 3, ..Report::default() };
    /// assert!(stats_only.is_empty());
    /// let g = vigil_detector::check::guard().grace(Duration::ZERO);
    /// let _stuck = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// assert!(!g.check().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.leaks.is_empty() && self.deadlocks.is_empty() && self.races.is_empty()
    }

    /// The leak part as a [`LeakReport`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let g = vigil_detector::check::guard().grace(Duration::ZERO);
    /// let _stuck = vigil_detector::on_spawn(Some("stuck".into()), std::panic::Location::caller());
    /// let report = g.check();
    /// let leaks = report.leak_report();
    /// assert_eq!(leaks.len(), 1);
    /// assert_eq!(leaks.guard, report.guard);
    /// assert!(leaks.to_string().contains("found 1 leaked worker(s)"));
    /// ```
    pub fn leak_report(&self) -> LeakReport {
        LeakReport { guard: self.guard.clone(), leaks: self.leaks.clone() }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            let scope = self.guard.as_ref().map(|g| format!(" by `{g}`")).unwrap_or_default();
            return writeln!(f, "vigil: no findings{scope}");
        }
        if !self.leaks.is_empty() {
            write!(f, "{}", self.leak_report())?;
        }
        if !self.deadlocks.is_empty() || !self.races.is_empty() {
            // A header like the leak report's: what was found, for which test.
            if !self.leaks.is_empty() {
                writeln!(f)?;
            }
            let scope = self.guard.as_ref().map(|g| format!(" by `{g}`")).unwrap_or_default();
            let counts: Vec<String> =
                [(self.deadlocks.len(), "deadlock(s)"), (self.races.len(), "data race(s)")]
                    .into_iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|(n, what)| format!("{n} {what}"))
                    .collect();
            writeln!(f, "vigil: found {}{scope}:", counts.join(" and "))?;
        }
        for d in &self.deadlocks {
            writeln!(f)?;
            write!(f, "{d}")?;
        }
        for r in &self.races {
            writeln!(f)?;
            write!(f, "{r}")?;
        }
        Ok(())
    }
}
