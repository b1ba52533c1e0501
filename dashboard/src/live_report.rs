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
use std::time::Duration;
use vigil_detector::{Leak, LiveIndex, Report, WorkerRef, WorkerState};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportParams {
    grace_ms: Option<u64>,
    resources: Option<bool>,
    #[allow(dead_code)]
    token: Option<String>,
}

/// Live workers blocked for at least `grace_ms`, longest first.
pub(crate) fn suspected_leaks(index: &LiveIndex, grace_ms: u64) -> Vec<Leak> {
    let grace = Duration::from_millis(grace_ms);
    let mut leaks: Vec<Leak> = index
        .workers()
        .iter()
        .filter(|k| {
            !k.external() && k.state == WorkerState::Blocked && k.blocked_for.is_some_and(|b| b >= grace)
        })
        .filter_map(|k| {
            let w = index.worker_snapshot(k);
            let b = w.blocked_on?;
            Some(Leak {
                worker: WorkerRef { id: w.id, name: w.name },
                state: w.state,
                since_ms: b.since_ms,
                blocked_on: Some(b),
                spawned_at: w.spawned_at.unwrap_or_default(),
                parent: w.parent,
                backtrace: Vec::new(),
            })
        })
        .collect();
    leaks.sort_by_key(|l| (std::cmp::Reverse(l.since_ms), l.worker.id));
    leaks
}

/// The report now: suspected leaks, deadlocks and races so far.
pub(crate) fn live(index: &LiveIndex, grace_ms: u64, with_resources: bool) -> Report {
    Report {
        guard: None,
        leaks: suspected_leaks(index, grace_ms),
        deadlocks: vigil_detector::check::deadlocks(),
        races: vigil_detector::check::races(),
        resources: if with_resources {
            index.resources().iter().map(|r| index.resource_snapshot(r)).collect()
        } else {
            Vec::new()
        },
        dropped_events: vigil_detector::dropped_events(),
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
        let report = live(&vigil_detector::live_index(), grace_ms, with_resources);
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
