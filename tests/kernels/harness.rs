//! Runs a kernel (a small buggy program) and its fixed twin, each in its own
//! guarded lineage, and judges what vigil found against what was expected.

use std::time::{Duration, Instant};
use vigil::report::{DeadlockKind, Op, RaceKind, Report, ResourceKind};

/// What a buggy kernel must produce.
#[derive(Debug, Clone)]
pub enum Expect {
    /// A leaked worker blocked in `op` on a resource of `kind` named `name`.
    Leak { op: Op, kind: Option<ResourceKind>, name: Option<&'static str> },
    /// A deadlock finding of this kind.
    Deadlock(DeadlockKind),
    /// A race of this kind between the lines marked `// SITE:<a>` and `// SITE:<b>`.
    Race { kind: Option<RaceKind>, sites: [&'static str; 2] },
    /// A starvation transition on the lock with this name.
    Starvation { lock: &'static str },
    /// The kernel panics with a message containing this text (Go's fatal errors).
    Panic { contains: &'static str },
}

impl Expect {
    fn label(&self) -> String {
        match self {
            Expect::Leak { op, kind, name } => format!(
                "leak in {op} on {} {}",
                kind.map(|k| k.as_str().to_string()).unwrap_or_else(|| "-".into()),
                name.unwrap_or("")
            ),
            Expect::Deadlock(k) => format!("deadlock {}", k.as_str()),
            Expect::Race { kind, sites } => {
                format!("race {} {}/{}", kind.map(|k| k.as_str()).unwrap_or("any"), sites[0], sites[1])
            }
            Expect::Starvation { lock } => format!("starvation on {lock}"),
            Expect::Panic { contains } => format!("panic \"{contains}\""),
        }
    }
}

/// One kernel and its fixed twin.
pub struct Kernel {
    pub name: &'static str,
    pub category: &'static str,
    /// The source of the file the kernel lives in (for `// SITE:` markers).
    pub source: &'static str,
    pub file: &'static str,
    pub expect: Expect,
    pub buggy: fn(),
    pub fixed: fn(),
}

/// What one run produced.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub panic: Option<String>,
    pub starvation_on: Vec<String>,
}

impl Outcome {
    /// Any finding at all (for twins: a false alarm).
    pub fn any_finding(&self) -> bool {
        !self.report.is_empty() || self.panic.is_some() || !self.starvation_on.is_empty()
    }
}

/// How long a kernel may run before it counts as stuck (blocking kernels are).
const SETTLE: Duration = Duration::from_secs(3);

/// Runs `program` as a tracked worker named `name` under a fresh guard on a
/// fresh thread, waits (bounded) for it, then checks. Starvation is watched
/// only on `watch_lock` (kernels run in parallel; their locks are distinct).
pub fn run(name: String, program: fn(), watch_lock: Option<&'static str>) -> Outcome {
    std::thread::Builder::new()
        .name(format!("kernel::{name}"))
        .spawn(move || {
            let guard = vigil::check::guard().grace(Duration::from_millis(300));
            let since = vigil_detector::last_event_seq();
            let h = vigil::thread::Builder::new().name(name.clone()).spawn(program).expect("spawn kernel");
            let start = Instant::now();
            while !h.is_finished() && start.elapsed() < SETTLE {
                std::thread::sleep(Duration::from_millis(5));
            }
            let panic = if h.is_finished() {
                h.join().err().map(|p| vigil_detector::panic_message(&*p))
            } else {
                std::mem::forget(h); // a stuck kernel stays stuck, as the real bug would
                None
            };
            let report = guard.check();
            let starvation_on = vigil_detector::events_since(since, usize::MAX)
                .events
                .into_iter()
                .filter(|e| e.kind == vigil::report::EventKind::Starvation)
                .filter_map(|e| e.resource.map(|r| r.name))
                .filter(|n| watch_lock == Some(n.as_str()))
                .collect();
            Outcome { report, panic, starvation_on }
        })
        .expect("spawn kernel runner")
        .join()
        .expect("kernel runner")
}

/// Line number of the `// SITE:<marker>` comment in `source`.
pub fn site_line(source: &str, marker: &str) -> Option<usize> {
    let tag = format!("// SITE:{marker}");
    source.lines().position(|l| l.trim_end().ends_with(&tag)).map(|i| i + 1)
}

fn line_of(site: &str) -> Option<usize> {
    site.rsplit(':').nth(1)?.parse().ok()
}

/// The judgement of one kernel.
#[derive(Debug)]
pub struct Verdict {
    pub name: &'static str,
    pub category: &'static str,
    pub expected: String,
    pub detected: bool,
    pub explained: bool,
    pub false_alarm: bool,
    pub detail: String,
}

pub fn judge(k: &Kernel, bug: &Outcome, twin: &Outcome) -> Verdict {
    let r = &bug.report;
    let (detected, explained) = match &k.expect {
        Expect::Leak { op, kind, name } => {
            let ok = r.leaks.iter().any(|l| {
                l.blocked_on.as_ref().is_some_and(|b| {
                    b.op == *op
                        && kind.map_or(true, |k| b.resource.as_ref().is_some_and(|res| res.kind == k))
                        && name.map_or(true, |n| b.resources.iter().any(|res| res.name.contains(n)))
                })
            });
            (!r.leaks.is_empty(), ok)
        }
        Expect::Deadlock(kind) => {
            (!r.deadlocks.is_empty(), r.deadlocks.iter().any(|d| d.kind == *kind && !d.threads.is_empty()))
        }
        Expect::Race { kind, sites } => {
            let want: Vec<Option<usize>> = sites.iter().map(|s| site_line(k.source, s)).collect();
            let ok = r.races.iter().any(|race| {
                let got = [line_of(&race.current.site), line_of(&race.previous.site)];
                let same_pair =
                    (got[0] == want[0] && got[1] == want[1]) || (got[0] == want[1] && got[1] == want[0]);
                kind.map_or(true, |kk| race.kind == kk) && same_pair && race.current.site.contains(k.file)
            });
            (!r.races.is_empty(), ok)
        }
        Expect::Starvation { lock } => {
            let hit = bug.starvation_on.iter().any(|n| n == lock);
            (!bug.starvation_on.is_empty(), hit)
        }
        Expect::Panic { contains } => {
            (bug.panic.is_some(), bug.panic.as_deref().is_some_and(|m| m.contains(contains)))
        }
    };
    let false_alarm = twin.any_finding();
    let detail = if !explained || false_alarm {
        format!(
            "bug report:\n{}\nbug panic: {:?}\nbug starvation: {:?}\ntwin report:\n{}\ntwin panic: {:?}\ntwin starvation: {:?}",
            bug.report, bug.panic, bug.starvation_on, twin.report, twin.panic, twin.starvation_on
        )
    } else {
        String::new()
    };
    Verdict {
        name: k.name,
        category: k.category,
        expected: k.expect.label(),
        detected,
        explained: detected && explained,
        false_alarm,
        detail,
    }
}

impl Kernel {
    /// The lock whose starvation transitions count for this kernel.
    pub fn watched_lock(&self) -> Option<&'static str> {
        match self.expect {
            Expect::Starvation { lock } => Some(lock),
            _ => None,
        }
    }
}
