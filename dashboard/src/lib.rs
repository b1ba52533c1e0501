//! vigil's live dashboard: one page for a program under load, plus a JSON
//! API, server-sent events and Prometheus metrics.
//!
//! [`serve`] starts a dedicated thread running its own tokio runtime (so a
//! synchronous program needs no runtime of its own) and returns a
//! [`DashboardHandle`]; dropping the handle stops the server and joins its
//! threads. The dashboard's threads are plain `std` threads, never vigil
//! workers, so they never show up as the program's leaks.
//!
//! # Hello, world
//!
//! ```
//! let dash = vigil_dashboard::serve("127.0.0.1:0").expect("bind the dashboard");
//! println!("vigil dashboard: http://{}/", dash.addr());
//! // ... the program runs; open the URL in a browser ...
//! dash.shutdown(); // or just drop it
//! ```
//!
//! # Routes
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the page (static HTML/CSS/JS embedded in the binary; no CDN) |
//! | `GET /api/snapshot` | live state: workers and resources, filtered and paged by query |
//! | `GET /api/report` | findings: suspected leaks, deadlocks, races |
//! | `GET /api/events` | server-sent events of the detector's event ring, each with its `seq` as id |
//! | `GET /metrics` | Prometheus text exposition format |
//!
//! `/api/snapshot` takes `state` (`running`, `blocked`, `finished`,
//! `panicked`, `all`), `name` (substring), `sort` (`blocked`, the default:
//! blocked longest first; `id`; `age`), `limit` (default 1000), `offset`,
//! `external` (`false` hides outside threads such as `main`), `kind` (resource
//! kinds, comma separated; `lock` means `mutex,rw_lock`), `resources_sort`
//! (`id` or `busy`), `resources_limit`, `resources_offset`. Unknown or
//! malformed parameters get `400` with a JSON body `{"error", "status"}`;
//! unknown routes get `404` the same way.
//!
//! # Security
//!
//! The dashboard binds loopback unless told otherwise. For any other address
//! it refuses to start without a token (`VIGIL_DASHBOARD_TOKEN`, or
//! [`Builder::token`]), and then every route requires it: as
//! `Authorization: Bearer <token>`, as `?token=<token>` (the page URL; the
//! answer sets an `HttpOnly` cookie so the page's own requests carry it), or
//! as that cookie. Anything else gets `401` JSON. Every user-supplied string
//! (thread and resource names, panic messages) reaches the page as text,
//! never as HTML, and the page is served with a strict Content-Security-Policy.
//!
//! # Environment
//!
//! | variable | meaning |
//! |---|---|
//! | `VIGIL_DASHBOARD` | `host:port` for [`serve_from_env`] |
//! | `VIGIL_DASHBOARD_TOKEN` | bearer token; required for a non-loopback address |
#![forbid(unsafe_code)]

mod auth;
mod error;
mod events;
mod listener;
mod live_report;
mod metrics;
mod page;
mod server;
mod snapshot_api;

pub use metrics::render as render_metrics;
pub use server::{serve, serve_from_env, Builder, DashboardHandle};
