//! `GET /api/report`: findings now, without waiting.
//!
//! `check::report()` waits the leak grace period for workers to finish,
//! which suits the end of a test, not a page that refreshes every second.
//! Here a *suspected leak* is a live worker (spawned through vigil) that has
//! been blocked for at least the grace period (`VIGIL_LEAK_GRACE_MS`, or
//! `?grace_ms=N`) — goleak's definition, applied to a running program.
//! Deadlocks and races are the detector's findings so far. The answer has
//! `Report`'s shape (`leaks`, `deadlocks`, `races`, `resources`,
//! `dropped_events`); `resources` is empty unless `?resources=true`.

use crate::error::{bad_query, ApiError};
use crate::snapshot_api::json;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vigil_detector::{Leak, Report, Snapshot, WorkerRef, WorkerState};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportParams {
    grace_ms: Option<u64>,
    resources: Option<bool>,
    #[allow(dead_code)]
    token: Option<String>,
}

/// Live workers blocked for at least `grace_ms`, longest first.
pub(crate) fn suspected_leaks(snap: &Snapshot, grace_ms: u64) -> Vec<Leak> {
    let mut leaks: Vec<Leak> = snap
        .workers
        .iter()
        .filter(|w| !w.external && w.state == WorkerState::Blocked)
        .filter_map(|w| {
            let b = w.blocked_on.as_ref()?;
            (b.since_ms >= grace_ms).then(|| Leak {
                worker: WorkerRef { id: w.id, name: w.name.clone() },
                state: w.state,
                blocked_on: Some(b.clone()),
                spawned_at: w.spawned_at.clone().unwrap_or_default(),
                since_ms: b.since_ms,
                parent: w.parent.clone(),
                backtrace: Vec::new(),
            })
        })
        .collect();
    leaks.sort_by_key(|l| (std::cmp::Reverse(l.since_ms), l.worker.id));
    leaks
}

/// The report now: suspected leaks, deadlocks and races so far.
pub(crate) fn live(snap: Snapshot, grace_ms: u64, with_resources: bool) -> Report {
    Report {
        guard: None,
        leaks: suspected_leaks(&snap, grace_ms),
        deadlocks: vigil_detector::check::deadlocks(),
        races: vigil_detector::check::races(),
        resources: if with_resources { snap.resources } else { Vec::new() },
        dropped_events: snap.counts.dropped_events,
    }
}

pub(crate) async fn report(params: Result<Query<ReportParams>, QueryRejection>) -> Response {
    let params = match params {
        Ok(Query(p)) => p,
        Err(e) => return bad_query(e).into_response(),
    };
    let grace_ms = params.grace_ms.unwrap_or_else(|| vigil_detector::config().leak_grace.as_millis() as u64);
    let with_resources = params.resources.unwrap_or(false);
    let rendered = tokio::task::spawn_blocking(move || {
        let report = live(vigil_detector::check::snapshot(), grace_ms, with_resources);
        serde_json::to_string(&report)
    })
    .await;
    match rendered {
        Ok(Ok(body)) => json(body),
        Ok(Err(e)) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot serialize the report: {e}"))
                .into_response()
        }
        Err(e) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("report failed: {e}")).into_response()
        }
    }
}
