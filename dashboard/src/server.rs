//! Starting and stopping the server: a dedicated std thread with its own
//! tokio runtime, and the handle that stops it.

use crate::events::Hub;
use crate::listener::StallListener;
use axum::routing::get;
use axum::Router;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The environment variable holding the bearer token.
pub(crate) const TOKEN_VAR: &str = "VIGIL_DASHBOARD_TOKEN";

/// Shared by every route.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) hub: Arc<Hub>,
    pub(crate) token: Option<Arc<str>>,
}

/// Options for a dashboard server; [`serve`] is `Builder::new().serve(addr)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let dash = vigil_dashboard::Builder::new()
///     .token("s3cret")
///     .sse_buffer(512)
///     .stall_timeout(Duration::from_secs(2))
///     .serve("127.0.0.1:0")
///     .expect("bind");
/// assert!(dash.addr().ip().is_loopback());
/// ```
#[derive(Clone)]
pub struct Builder {
    token: Option<String>,
    sse_buffer: usize,
    stall_timeout: Duration,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("sse_buffer", &self.sse_buffer)
            .field("stall_timeout", &self.stall_timeout)
            .finish()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Defaults: the token from `VIGIL_DASHBOARD_TOKEN` (if set and not
    /// empty), 4096 buffered events per SSE client, and a 5 s write-stall
    /// timeout after which a client that stopped reading is disconnected.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil_dashboard::Builder::new();
    /// # drop(b);
    /// ```
    pub fn new() -> Builder {
        let token = std::env::var(TOKEN_VAR).ok().filter(|t| !t.trim().is_empty());
        Builder { token, sse_buffer: 4096, stall_timeout: Duration::from_secs(5) }
    }

    /// Requires this bearer token on every route (replacing `VIGIL_DASHBOARD_TOKEN`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil_dashboard::Builder::new().token("s3cret");
    /// # drop(b);
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Builder {
        self.token = Some(token.into()).filter(|t| !t.trim().is_empty());
        self
    }

    /// Serves without a token even if `VIGIL_DASHBOARD_TOKEN` is set (loopback only).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil_dashboard::Builder::new().no_token();
    /// # drop(b);
    /// ```
    pub fn no_token(mut self) -> Builder {
        self.token = None;
        self
    }

    /// How many events each SSE client may have waiting; a client that falls
    /// further behind is told how many it missed and disconnected.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil_dashboard::Builder::new().sse_buffer(64);
    /// # drop(b);
    /// ```
    pub fn sse_buffer(mut self, events: usize) -> Builder {
        self.sse_buffer = events.max(1);
        self
    }

    /// How long a write to a client may stay blocked (the client stopped
    /// reading) before the connection is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil_dashboard::Builder::new().stall_timeout(std::time::Duration::from_secs(1));
    /// # drop(b);
    /// ```
    pub fn stall_timeout(mut self, timeout: Duration) -> Builder {
        self.stall_timeout = timeout;
        self
    }

    /// Binds `addr` and starts serving on a dedicated thread.
    ///
    /// # Errors
    ///
    /// When `addr` does not resolve or cannot be bound, when it is not a
    /// loopback address and no token is configured, or when the runtime or
    /// threads cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// let dash = vigil_dashboard::Builder::new().serve("127.0.0.1:0").unwrap();
    /// println!("http://{}/", dash.addr());
    /// ```
    pub fn serve(self, addr: impl ToSocketAddrs) -> io::Result<DashboardHandle> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        if addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "vigil dashboard: address resolved to nothing",
            ));
        }
        if let Some(open) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            if self.token.is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "vigil dashboard: refusing to serve on {open}, which is not a loopback address, \
                         without a token; set {TOKEN_VAR} (every request must then carry \
                         `Authorization: Bearer <token>`) or bind 127.0.0.1"
                    ),
                ));
            }
        }
        let std_listener = std::net::TcpListener::bind(&addrs[..])?;
        std_listener.set_nonblocking(true)?;
        let local = std_listener.local_addr()?;

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("vigil-dashboard-blocking")
            .max_blocking_threads(4)
            .build()?;

        let hub = Arc::new(Hub::new(self.sse_buffer));
        let pump = {
            let hub = hub.clone();
            std::thread::Builder::new().name("vigil-dashboard-events".into()).spawn(move || hub.pump())?
        };

        let state = AppState { hub: hub.clone(), token: self.token.map(Arc::from) };
        let app = router(state);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let stall = self.stall_timeout;
        let server = std::thread::Builder::new().name("vigil-dashboard".into()).spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!(target: "vigil", "vigil dashboard: cannot listen: {e}");
                        return;
                    }
                };
                let listener = StallListener::new(listener, stall);
                let (graceful_tx, graceful_rx) = tokio::sync::oneshot::channel::<()>();
                let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = graceful_rx.await;
                });
                let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
                tokio::select! {
                    res = &mut server => {
                        if let Err(e) = res {
                            tracing::error!(target: "vigil", "vigil dashboard: server stopped: {e}");
                        }
                        return;
                    }
                    _ = stop_rx => {}
                }
                // Stop accepting and let open responses finish, but never wait
                // long for a client (SSE streams end as the hub shuts down).
                let _ = graceful_tx.send(());
                let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        let server = match server {
            Ok(s) => s,
            Err(e) => {
                hub.shutdown();
                let _ = pump.join();
                return Err(e);
            }
        };
        Ok(DashboardHandle { addr: local, stop: Some(stop_tx), server: Some(server), pump: Some(pump), hub })
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(crate::page::index))
        .route("/index.html", get(crate::page::index))
        .route("/assets/app.js", get(crate::page::script))
        .route("/assets/style.css", get(crate::page::style))
        .route("/api/snapshot", get(crate::snapshot_api::snapshot))
        .route("/api/report", get(crate::live_report::report))
        .route("/api/events", get(crate::events::sse))
        .route("/metrics", get(crate::metrics::metrics))
        .fallback(crate::error::not_found)
        .method_not_allowed_fallback(crate::error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::require_token))
        .with_state(state)
}

/// Starts the dashboard on `addr` (e.g. `"127.0.0.1:9000"`; port `0` picks a
/// free one) on a dedicated thread with its own tokio runtime.
///
/// Loopback addresses need no token. Any other address requires one from
/// `VIGIL_DASHBOARD_TOKEN` (see [`Builder::token`]), checked on every route.
///
/// # Errors
///
/// When the address cannot be resolved or bound, or is not loopback and no
/// token is set.
///
/// # Examples
///
/// ```
/// let dash = vigil_dashboard::serve("127.0.0.1:0").expect("bind the dashboard");
/// println!("vigil dashboard: http://{}/", dash.addr());
/// ```
pub fn serve(addr: impl ToSocketAddrs) -> io::Result<DashboardHandle> {
    Builder::new().serve(addr)
}

/// Starts the dashboard on `VIGIL_DASHBOARD` (`host:port`) if it is set;
/// `Ok(None)` when it is not.
///
/// # Errors
///
/// As [`serve`].
///
/// # Panics
///
/// When a vigil environment variable is malformed (vigil's configuration
/// never ignores a bad value).
///
/// # Examples
///
/// ```
/// // With VIGIL_DASHBOARD=127.0.0.1:9000 in the environment this serves there.
/// let dash = vigil_dashboard::serve_from_env().expect("bind the dashboard");
/// if let Some(d) = &dash {
///     println!("vigil dashboard: http://{}/", d.addr());
/// }
/// ```
pub fn serve_from_env() -> io::Result<Option<DashboardHandle>> {
    match vigil_detector::config().dashboard_addr.clone() {
        Some(addr) => serve(addr.trim()).map(Some),
        None => Ok(None),
    }
}

/// A running dashboard. Dropping it (or [`shutdown`](DashboardHandle::shutdown))
/// stops the server and joins its threads.
///
/// # Examples
///
/// ```
/// let dash = vigil_dashboard::serve("127.0.0.1:0").unwrap();
/// let url = format!("http://{}/metrics", dash.addr());
/// drop(dash); // the port is closed and the dashboard's threads are gone
/// # let _ = url;
/// ```
#[must_use = "the dashboard stops when its handle is dropped"]
pub struct DashboardHandle {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    pump: Option<JoinHandle<()>>,
    hub: Arc<Hub>,
}

impl fmt::Debug for DashboardHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashboardHandle").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl DashboardHandle {
    /// The address it listens on (with the real port when bound to port 0).
    ///
    /// # Examples
    ///
    /// ```
    /// let dash = vigil_dashboard::serve("127.0.0.1:0").unwrap();
    /// assert_ne!(dash.addr().port(), 0);
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Server-sent-event streams open now.
    ///
    /// # Examples
    ///
    /// ```
    /// let dash = vigil_dashboard::serve("127.0.0.1:0").unwrap();
    /// assert_eq!(dash.sse_clients(), 0);
    /// ```
    pub fn sse_clients(&self) -> usize {
        self.hub.streams()
    }

    /// SSE clients disconnected so far because they fell behind.
    ///
    /// # Examples
    ///
    /// ```
    /// let dash = vigil_dashboard::serve("127.0.0.1:0").unwrap();
    /// assert_eq!(dash.lagged_clients(), 0);
    /// ```
    pub fn lagged_clients(&self) -> u64 {
        self.hub.lagged()
    }

    /// Stops the server, ends every open stream and joins the dashboard's threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let dash = vigil_dashboard::serve("127.0.0.1:0").unwrap();
    /// dash.shutdown();
    /// ```
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.hub.shutdown();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.server.take() {
            let _ = t.join();
        }
        if let Some(t) = self.pump.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DashboardHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}
