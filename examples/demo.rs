//! The vigil demo: a small service under load, with bugs a Go or Rust
//! engineer would recognise, and vigil finding them while it runs.
//!
//! ```sh
//! cargo run --release --example demo                 # seeded bugs, 20 s, dashboard on 127.0.0.1:6060
//! cargo run --release --example demo -- --fixed      # the corrected service: no findings
//! cargo run --release --example demo -- --seconds 5 --addr 127.0.0.1:0 --linger 0
//! ```
//!
//! `--seconds` is the length of the load (default 20), `--addr` where the
//! dashboard listens (default 127.0.0.1:6060, a free port if busy), `--linger`
//! how long the dashboard stays up after the final report (default 10).
//!
//! The service: requests arrive at a fixed rate, each with a context and a
//! timeout; a worker pool handles them; handlers look things up in a shared
//! cache behind a lock and ask a backend for misses; a config reloader
//! publishes new settings; a reporter snapshots statistics.
//!
//! The seeded bugs (all gone with `--fixed`):
//! 1. **forgotten sender**: a handler gives up on a slow backend at its
//!    deadline; the backend's result is sent on an unbuffered channel nobody
//!    reads any more, so the backend worker blocks forever (fix: capacity 1).
//! 2. **ignored cancellation**: a per-session prefetcher loops on its job
//!    channel and never watches `ctx.done()` (fix: `select!` on both).
//! 3. **starving lock**: the cache refresher holds the cache lock across a
//!    slow reload, so handlers wait past Go's 1 ms (fix: load outside, swap in).
//! 4. **lock-order inversion**: handlers take `cache` then `stats`, the
//!    reporter's start-up snapshot `stats` then `cache` (fix: one order).
//!    It runs before the load, so this run cannot deadlock; vigil reports
//!    the inversion all the same.
//! 5. **relaxed publication**: the reloader writes the config, then sets a
//!    `Relaxed` flag that handlers read `Relaxed` (fix: Release/Acquire).

use std::collections::HashMap;
use std::time::{Duration, Instant};
use vigil::channel::{bounded, bounded_named, unbounded_named, Receiver, Sender};
use vigil::context::Context;
use vigil::pool::WorkerPool;
use vigil::race::RaceCell;
use vigil::report::EventKind;
use vigil::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use vigil::sync::{Arc, Mutex};
use vigil::thread;

struct Options {
    seconds: u64,
    fixed: bool,
    addr: String,
    linger: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options { seconds: 20, fixed: false, addr: "127.0.0.1:6060".into(), linger: 10 };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--fixed" => o.fixed = true,
            "--seconds" => {
                let v = args.next().ok_or("--seconds needs a number of seconds")?;
                o.seconds =
                    v.parse().map_err(|_| format!("--seconds: {v:?} is not a whole number of seconds"))?;
            }
            "--addr" => o.addr = args.next().ok_or("--addr needs host:port")?,
            "--linger" => {
                let v = args.next().ok_or("--linger needs a number of seconds")?;
                o.linger = v.parse().map_err(|_| format!("--linger: {v:?} is not a whole number of seconds"))?;
            }
            "-h" | "--help" => {
                return Err("usage: demo [--fixed] [--seconds N] [--addr HOST:PORT] [--linger N]".into());
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: demo [--fixed] [--seconds N] [--addr HOST:PORT] [--linger N]"
                ))
            }
        }
    }
    Ok(o)
}

/// Shared service state.
struct Service {
    fixed: bool,
    cache: Mutex<HashMap<u64, u64>>,
    stats: Mutex<HashMap<&'static str, u64>>,
    config: RaceCell<u64>,
    config_ready: AtomicBool,
    served: AtomicU64,
    timed_out: AtomicU64,
}

impl Service {
    fn new(fixed: bool) -> Service {
        Service {
            fixed,
            cache: Mutex::named("cache", HashMap::new()),
            stats: Mutex::named("stats", HashMap::new()),
            config: RaceCell::new(0),
            config_ready: AtomicBool::new(false),
            served: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
        }
    }

    /// Records the cache's size in the statistics, taking the locks in the
    /// handlers' order (`cache`, then `stats`).
    fn snapshot_stats(&self) {
        let size = self.cache.lock().unwrap().len() as u64;
        self.stats.lock().unwrap().insert("cache_size", size);
    }

    /// Handles one request within `ctx`.
    fn handle(self: &Arc<Self>, ctx: &Context, key: u64, slow: bool) {
        // Read the published config (bug 5: Relaxed).
        let load = if self.fixed { Ordering::Acquire } else { Ordering::Relaxed };
        let _limit = if self.config_ready.load(load) { self.config.get() } else { 0 };

        // Bug 4's first half: cache then stats (the consistent order).
        let hit = {
            let cache = self.cache.lock().unwrap();
            let hit = cache.get(&key).copied();
            *self.stats.lock().unwrap().entry(if hit.is_some() { "hits" } else { "misses" }).or_default() +=
                1;
            hit
        };
        if hit.is_some() {
            self.served.fetch_add(1, Ordering::Relaxed);
            return;
        }

        // A miss asks the backend; now and then the backend is slow.
        let (tx, rx): (Sender<u64>, Receiver<u64>) =
            if self.fixed { bounded_named("backend-reply", 1) } else { bounded_named("backend-reply", 0) };
        thread::Builder::new()
            .name(format!("backend-{key}"))
            .spawn(move || {
                thread::sleep(Duration::from_millis(if slow { 60 } else { 1 }));
                let _ = tx.send(key * 2); // bug 1: nobody may be listening any more
            })
            .expect("spawn backend call");
        vigil::select! {
            recv(rx) -> v => {
                if let Ok(v) = v {
                    self.cache.lock().unwrap().insert(key, v);
                    self.served.fetch_add(1, Ordering::Relaxed);
                }
            }
            recv(ctx.done()) -> _ => {
                self.timed_out.fetch_add(1, Ordering::Relaxed);
                // The request is over; `rx` is dropped... unless something keeps it:
                if !self.fixed {
                    std::mem::forget(rx); // e.g. parked in a retry table that is never read
                }
            }
        }
    }
}

/// A per-session prefetcher (bug 2 when it ignores its context).
fn prefetcher(svc: Arc<Service>, ctx: Context, jobs: Receiver<u64>) {
    if svc.fixed {
        loop {
            vigil::select! {
                recv(jobs) -> j => match j { Ok(_) => {}, Err(_) => return },
                recv(ctx.done()) -> _ => return,
            }
        }
    } else {
        for _ in jobs.iter() {} // never looks at ctx.done()
    }
}

/// Reloads the cache every 100 ms (bug 3 when it holds the lock across the slow part).
fn refresher(svc: Arc<Service>, stop: Receiver<()>) {
    let ticks = vigil::channel::tick(Duration::from_millis(100));
    loop {
        vigil::select! {
            recv(ticks) -> _ => {
                if svc.fixed {
                    let fresh: HashMap<u64, u64> = slow_reload();
                    *svc.cache.lock().unwrap() = fresh;
                } else {
                    let mut cache = svc.cache.lock().unwrap();
                    *cache = slow_reload();
                }
            }
            recv(stop) -> _ => return,
        }
    }
}

fn slow_reload() -> HashMap<u64, u64> {
    std::thread::sleep(Duration::from_millis(5)); // reads a file
    (0..16).map(|k| (k, k * 2)).collect()
}

/// Snapshots statistics: once at start-up (bug 4's other half: `stats`
/// then `cache`), then every 500 ms in the handlers' order.
fn reporter(svc: Arc<Service>, started: Sender<()>, stop: Receiver<()>) {
    // Bug 4 is seeded where it cannot hang the demo: the start-up snapshot
    // runs before the load starts (`main` waits for `started`), so the two
    // orders never overlap, and vigil reports the inversion anyway, as
    // lockdep would. The same code under load can deadlock for real (vigil
    // then reports a `cycle` and the two threads stay blocked).
    if svc.fixed {
        svc.snapshot_stats();
    } else {
        let mut stats = svc.stats.lock().unwrap();
        let size = svc.cache.lock().unwrap().len() as u64;
        stats.insert("cache_size", size);
    }
    let _ = started.send(());
    let ticks = vigil::channel::tick(Duration::from_millis(500));
    loop {
        vigil::select! {
            recv(ticks) -> _ => svc.snapshot_stats(),
            recv(stop) -> _ => return,
        }
    }
}

/// Publishes a new config once (bug 5 when the flag is Relaxed).
fn reloader(svc: Arc<Service>) {
    svc.config.set(100);
    let store = if svc.fixed { Ordering::Release } else { Ordering::Relaxed };
    svc.config_ready.store(true, store);
}

/// Prints findings as they happen, from vigil's event stream, until `stop` disconnects.
fn tail_findings(stop: Receiver<()>) {
    let mut seq = vigil_detector::last_event_seq();
    let mut starving: HashMap<String, u64> = HashMap::new();
    while !matches!(stop.try_recv(), Err(vigil::channel::TryRecvError::Disconnected)) {
        vigil_detector::wait_for_events(seq, Duration::from_millis(200));
        let batch = vigil_detector::events_since(seq, 1000);
        seq = batch.next_seq;
        for e in batch.events {
            match e.kind {
                EventKind::Starvation => {
                    let lock = e.resource.map(|r| r.to_string()).unwrap_or_default();
                    let n = starving.entry(lock).or_default();
                    *n += 1;
                    if *n == 1 {
                        println!(
                            "[vigil] starvation: {} (further transitions of this lock are counted)",
                            e.message
                        );
                    }
                }
                EventKind::Deadlock | EventKind::Race => println!("[vigil] {:?}: {}", e.kind, e.message),
                _ => {}
            }
        }
    }
    for (lock, n) in starving {
        println!("[vigil] {lock} entered starvation mode {n} time(s)");
    }
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt().with_target(false).with_max_level(tracing::Level::WARN).init();

    let dashboard = vigil_dashboard::serve(&o.addr)
        .or_else(|e| {
            eprintln!("demo: {} is busy ({e}); using a free port", o.addr);
            vigil_dashboard::serve("127.0.0.1:0")
        })
        .expect("serve the dashboard on loopback");
    println!(
        "vigil demo ({}) — dashboard: http://{}/",
        if o.fixed { "fixed" } else { "with seeded bugs" },
        dashboard.addr()
    );
    println!("running {} s of simulated load...\n", o.seconds);

    let svc = Arc::new(Service::new(o.fixed));
    let (stop_tx, stop_rx) = bounded::<()>(0);
    let (reporter_started_tx, reporter_started) = bounded::<()>(1);
    let background: Vec<thread::JoinHandle<()>> = vec![
        {
            let (s, r) = (svc.clone(), stop_rx.clone());
            thread::Builder::new()
                .name("cache-refresher".into())
                .spawn(move || refresher(s, r))
                .expect("spawn")
        },
        {
            let (s, r, started) = (svc.clone(), stop_rx.clone(), reporter_started_tx);
            thread::Builder::new()
                .name("stats-reporter".into())
                .spawn(move || reporter(s, started, r))
                .expect("spawn")
        },
        {
            let s = svc.clone();
            thread::Builder::new().name("config-reloader".into()).spawn(move || reloader(s)).expect("spawn")
        },
        {
            let r = stop_rx.clone();
            thread::Builder::new()
                .name("findings-printer".into())
                .spawn(move || tail_findings(r))
                .expect("spawn")
        },
    ];

    // The load starts once the reporter's start-up snapshot is done.
    let _ = reporter_started.recv();
    let pool = WorkerPool::named("handlers", 4);
    let root = Context::background();
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let mut sessions = Vec::new();
    let mut i = 0u64;
    while Instant::now() < deadline {
        i += 1;
        let (ctx, cancel) = root.with_timeout(Duration::from_millis(30));
        let s = svc.clone();
        pool.execute(move || {
            s.handle(&ctx, i % 24, i % 400 == 17);
            drop(cancel);
        });
        if i % 400 == 0 {
            // A session with a prefetcher, cancelled when the session ends.
            let (sctx, scancel) = root.with_cancel();
            let (jtx, jrx) = unbounded_named::<u64>("prefetch-jobs");
            let s = svc.clone();
            thread::Builder::new()
                .name(format!("prefetcher-{i}"))
                .spawn(move || prefetcher(s, sctx, jrx))
                .expect("spawn prefetcher");
            jtx.send(i).expect("prefetcher alive");
            sessions.push((jtx, scancel));
            if sessions.len() > 1 {
                let (jtx, scancel) = sessions.remove(0);
                scancel.cancel();
                if o.fixed {
                    drop(jtx);
                } else {
                    std::mem::forget(jtx); // the session table keeps the sender
                }
            }
        }
        thread::sleep(Duration::from_millis(2));
    }

    println!(
        "\nload done: {} served, {} timed out. Shutting down...",
        svc.served.load(Ordering::Relaxed),
        svc.timed_out.load(Ordering::Relaxed)
    );
    for (jtx, scancel) in sessions.drain(..) {
        scancel.cancel();
        drop(jtx);
    }
    pool.shutdown();
    drop(stop_tx);
    for h in background {
        let _ = h.join();
    }

    let report = vigil::check::report();
    println!("\n================ vigil report ================\n{report}");
    if o.linger > 0 {
        println!("(the dashboard stays up at http://{}/ for {} more seconds)", dashboard.addr(), o.linger);
        std::thread::sleep(Duration::from_secs(o.linger));
    }
    dashboard.shutdown();
    if o.fixed && !report.is_empty() {
        std::process::exit(1);
    }
}
