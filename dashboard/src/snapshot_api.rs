//! `GET /api/snapshot`: the detector's snapshot, filtered and paged so that
//! 10,000 workers and 100,000 resources stay usable.
//!
//! The answer has the shape of `vigil::check::snapshot()` (`time_ms`,
//! `uptime_ms`, `counts`, `workers`, `finished`, `resources`) plus `page`:
//! `{"workers_total", "offset", "limit", "resources_total",
//! "resources_offset", "resources_limit"}` — the totals count what matched
//! the filters before paging.

use crate::error::{bad_query, ApiError};
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use vigil_detector::{
    LiveIndex, Resource, ResourceSnapshot, ResourceStats, WorkerKey, WorkerSnapshot, WorkerState,
};

const DEFAULT_LIMIT: usize = 1000;
const MAX_LIMIT: usize = 100_000;

/// Every resource kind's name, as serialized.
pub(crate) const KINDS: &[&str] = &[
    "channel",
    "mutex",
    "rw_lock",
    "condvar",
    "once",
    "barrier",
    "waitgroup",
    "semaphore",
    "context",
    "pool",
    "worker_pool",
    "errgroup",
    "single_flight",
    "memory",
    "atomic",
    "thread",
    "other",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StateFilter {
    All,
    Running,
    Blocked,
    Finished,
    Panicked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WorkerSort {
    /// Blocked workers first, longest-blocked first; then by id.
    #[default]
    Blocked,
    Id,
    /// Oldest first.
    Age,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ResourceSort {
    #[default]
    Id,
    /// Resources with waiters (blocked senders, lock waiters, starving) first.
    Busy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SnapshotParams {
    state: Option<StateFilter>,
    name: Option<String>,
    sort: Option<WorkerSort>,
    limit: Option<usize>,
    offset: Option<usize>,
    external: Option<bool>,
    kind: Option<String>,
    resources_sort: Option<ResourceSort>,
    resources_limit: Option<usize>,
    resources_offset: Option<usize>,
    #[allow(dead_code)]
    token: Option<String>,
}

#[derive(Debug, Serialize)]
struct PageInfo {
    workers_total: usize,
    offset: usize,
    limit: usize,
    resources_total: usize,
    resources_offset: usize,
    resources_limit: usize,
}

#[derive(Serialize)]
struct SnapshotPage<'a> {
    time_ms: u64,
    uptime_ms: u64,
    counts: &'a vigil_detector::Counts,
    workers: Vec<&'a WorkerSnapshot>,
    finished: &'a [WorkerSnapshot],
    resources: Vec<&'a ResourceSnapshot>,
    page: PageInfo,
}

fn check_limit(name: &str, v: Option<usize>) -> Result<usize, ApiError> {
    match v {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => {
            Err(ApiError::bad_request(format!("{name}={n} is out of range; accepted: 1 to {MAX_LIMIT}")))
        }
    }
}

fn parse_kinds(v: &str) -> Result<Vec<&'static str>, ApiError> {
    let mut kinds = Vec::new();
    for k in v.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        if k == "lock" {
            kinds.extend(["mutex", "rw_lock"]);
        } else if k == "wait_group" || k == "err_group" {
            // Also accepted: the snake_case spellings of these two kinds.
            kinds.push(if k == "wait_group" { "waitgroup" } else { "errgroup" });
        } else if let Some(known) = KINDS.iter().find(|x| **x == k) {
            kinds.push(known);
        } else {
            return Err(ApiError::bad_request(format!(
                "kind={k} is not a resource kind; accepted: lock, {}",
                KINDS.join(", ")
            )));
        }
    }
    Ok(kinds)
}

/// How busy a resource is, for `resources_sort=busy`.
pub(crate) fn busyness(stats: &ResourceStats) -> u64 {
    match stats {
        ResourceStats::Lock(l) => {
            l.waiters as u64 * 4 + u64::from(l.starving) * 1_000_000 + u64::from(l.owner.is_some())
        }
        ResourceStats::Channel(c) => {
            (c.blocked_senders.len() + c.blocked_receivers.len()) as u64 * 4 + u64::from(c.len > 0)
        }
        ResourceStats::Pool(p) => (p.busy + p.queued) as u64,
        ResourceStats::Counter(c) => c.waiters as u64 * 4,
        ResourceStats::Context(c) => u64::from(c.cancelled_ms_ago.is_none()),
        ResourceStats::None => 0,
    }
}

/// Renders the filtered, paged snapshot as JSON. Only the page is
/// materialized: filtering and sorting use the index's cheap facts.
pub(crate) fn render(index: &LiveIndex, p: &SnapshotParams) -> Result<String, ApiError> {
    let limit = check_limit("limit", p.limit)?;
    let resources_limit = check_limit("resources_limit", p.resources_limit)?;
    let offset = p.offset.unwrap_or(0);
    let resources_offset = p.resources_offset.unwrap_or(0);
    let kinds = match &p.kind {
        Some(k) => parse_kinds(k)?,
        None => Vec::new(),
    };
    let name = p.name.as_deref().map(str::to_lowercase).filter(|n| !n.is_empty());
    let external = p.external.unwrap_or(true);
    let name_ok = |n: Option<&str>| match &name {
        None => true,
        Some(want) => n.is_some_and(|n| n.to_lowercase().contains(want.as_str())),
    };

    let finished = index.finished();
    let (workers_total, workers): (usize, Vec<WorkerSnapshot>) = match p.state {
        Some(StateFilter::Finished | StateFilter::Panicked) => {
            let want = if p.state == Some(StateFilter::Finished) {
                WorkerState::Finished
            } else {
                WorkerState::Panicked
            };
            let mut ws: Vec<&WorkerSnapshot> = finished
                .iter()
                .filter(|w| w.state == want && (external || !w.external) && name_ok(w.name.as_deref()))
                .collect();
            match p.sort.unwrap_or_default() {
                WorkerSort::Age => ws.sort_by_key(|w| (std::cmp::Reverse(w.age_ms), w.id)),
                WorkerSort::Blocked | WorkerSort::Id => ws.sort_by_key(|w| w.id),
            }
            (ws.len(), ws.into_iter().skip(offset).take(limit).cloned().collect())
        }
        _ => {
            let mut keys: Vec<&WorkerKey> = index
                .workers()
                .iter()
                .filter(|w| external || !w.external())
                .filter(|w| match p.state {
                    None | Some(StateFilter::All) => true,
                    Some(StateFilter::Running) => w.state == WorkerState::Running,
                    Some(StateFilter::Blocked) => w.state == WorkerState::Blocked,
                    Some(StateFilter::Finished | StateFilter::Panicked) => false,
                })
                .filter(|w| name_ok(w.name()))
                .collect();
            match p.sort.unwrap_or_default() {
                WorkerSort::Blocked => keys.sort_by_key(|w| {
                    (w.blocked_for.is_none(), std::cmp::Reverse(w.blocked_for.unwrap_or_default()), w.id())
                }),
                WorkerSort::Id => keys.sort_by_key(|w| w.id()),
                WorkerSort::Age => keys.sort_by_key(|w| (std::cmp::Reverse(w.age), w.id())),
            }
            let page = keys.iter().skip(offset).take(limit).map(|k| index.worker_snapshot(k)).collect();
            (keys.len(), page)
        }
    };

    let mut resources: Vec<&Arc<dyn Resource>> = index
        .resources()
        .iter()
        .filter(|r| kinds.is_empty() || kinds.contains(&r.meta().kind().as_str()))
        .collect();
    if p.resources_sort.unwrap_or_default() == ResourceSort::Busy {
        let mut scored: Vec<(u64, &Arc<dyn Resource>)> =
            resources.into_iter().map(|r| (busyness(&r.stats()), r)).collect();
        scored.sort_by_key(|(score, r)| (std::cmp::Reverse(*score), r.meta().id()));
        resources = scored.into_iter().map(|(_, r)| r).collect();
    }
    let resources_total = resources.len();
    let resources: Vec<ResourceSnapshot> = resources
        .into_iter()
        .skip(resources_offset)
        .take(resources_limit)
        .map(|r| index.resource_snapshot(r))
        .collect();

    let counts = index.counts();
    let page = SnapshotPage {
        time_ms: index.time_ms(),
        uptime_ms: index.uptime_ms(),
        counts: &counts,
        workers: workers.iter().collect(),
        finished: &finished,
        resources: resources.iter().collect(),
        page: PageInfo { workers_total, offset, limit, resources_total, resources_offset, resources_limit },
    };
    serde_json::to_string(&page).map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot serialize the snapshot: {e}"))
    })
}

pub(crate) fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

pub(crate) async fn snapshot(params: Result<Query<SnapshotParams>, QueryRejection>) -> Response {
    let params = match params {
        Ok(Query(p)) => p,
        Err(e) => return bad_query(e).into_response(),
    };
    // Taking and serializing a large snapshot is CPU work: keep it off the
    // thread that serves the event streams.
    let rendered = tokio::task::spawn_blocking(move || render(&vigil_detector::live_index(), &params)).await;
    match rendered {
        Ok(Ok(body)) => json(body),
        Ok(Err(e)) => e.into_response(),
        Err(e) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("snapshot failed: {e}")).into_response()
        }
    }
}
