//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::{Duration, Instant};
use vigil::report::{Snapshot, WorkerId, WorkerState};

/// A generous bound for waits on a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Re-checks `cond` until it holds or `PATIENCE` runs out; returns whether it held.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < PATIENCE {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    cond()
}

/// The snapshot's record of a live worker with this name.
pub fn worker_named(snap: &Snapshot, name: &str) -> Option<vigil::report::WorkerSnapshot> {
    snap.workers.iter().chain(&snap.finished).find(|w| w.name.as_deref() == Some(name)).cloned()
}

/// Waits until the worker named `name` is blocked (so a report can say on what).
pub fn wait_blocked(name: &str) -> WorkerId {
    let mut id = None;
    assert!(
        eventually(|| {
            let snap = vigil::check::snapshot();
            match worker_named(&snap, name) {
                Some(w) if w.state == WorkerState::Blocked => {
                    id = Some(w.id);
                    true
                }
                _ => false,
            }
        }),
        "worker {name} never blocked"
    );
    id.unwrap()
}

/// Runs this test binary again, with `envs`, running only the ignored test
/// `name`, and returns its output. A child still running after two minutes
/// is killed and the calling test fails (a hang is a failure, not a wait).
///
/// `module` is the calling test's `module_path!()`: tests are grouped into one
/// binary per area, so the child is named by its path inside that binary.
pub fn run_child(module: &str, name: &str, envs: &[(&str, &str)]) -> std::process::Output {
    use std::io::Read;
    use std::process::Stdio;
    // `module_path!()` starts with the binary's crate name, which libtest's
    // test names leave out.
    let path = match module.split_once("::") {
        Some((_crate, inner)) => format!("{inner}::{name}"),
        None => name.to_string(),
    };
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--exact", &path, "--ignored", "--nocapture", "--test-threads=1"]);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run child test process");
    // Drained as it runs, so that a chatty child never blocks on a full pipe.
    fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child test process") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let err = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
            panic!("child test {name} still running after 120 s: killed\n{err}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// A tracked worker parked until released (robust to spurious wake-ups).
pub struct Stuck {
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<vigil::thread::JoinHandle<()>>,
}

/// Spawns a worker named `name` that parks until [`Stuck::release`].
#[track_caller]
pub fn stuck(name: &str) -> Stuck {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = flag.clone();
    let handle = vigil::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            while !f.load(std::sync::atomic::Ordering::Acquire) {
                vigil::thread::park();
            }
        })
        .expect("spawn");
    Stuck { flag, handle: Some(handle) }
}

impl Stuck {
    /// Lets the worker finish and joins it.
    pub fn release(mut self) {
        self.flag.store(true, std::sync::atomic::Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            h.join().unwrap();
        }
    }
}

/// Everything a tracing subscriber writes, for asserting on `warn` events.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The text written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A `WARN`-level plain-text subscriber writing into the returned capture.
pub fn warn_capture() -> (impl tracing::Subscriber + Send + Sync, Captured) {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (subscriber, captured)
}
