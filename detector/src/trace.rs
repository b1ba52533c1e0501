//! Backtraces: captured as return addresses, symbolized and trimmed only
//! for a report.

use crate::sync::Mutex;

const MAX_FRAMES: usize = 12;

/// Frames inside vigil or the backtrace machinery, skipped at the top.
fn is_internal(name: &str) -> bool {
    let n = name.trim_start_matches('<');
    ["backtrace::", "vigil_detector::", "vigil_instrumented::", "vigil::", "core::", "alloc::", "std::"]
        .iter()
        .any(|p| n.starts_with(p))
}

/// Frames below the user's that are still not the runtime root: the
/// `FnOnce` shims a test harness or `thread::spawn` calls the user's code
/// through (`core::ops::function::FnOnce::call_once`, `<fn() -> ..>::call_once`).
fn is_runtime_tail(name: &str) -> bool {
    is_internal(name) || name.trim_start_matches('<').starts_with("fn(")
}

/// Frames where the user's part of the stack ends.
fn is_runtime_root(name: &str) -> bool {
    name.contains("__rust_begin_short_backtrace")
        || name.contains("std::rt::lang_start")
        || name.starts_with("test::run_test")
        || name.contains("std::panicking::try")
        || name.contains("std::panicking::catch_unwind")
        || name.contains("AssertUnwindSafe")
        || name.contains("std::panic::catch_unwind")
}

/// A stack as vigil keeps it: the return addresses only, captured cheaply
/// when a worker is spawned, and symbolized (then kept rendered) the first
/// time a report needs it.
#[derive(Debug)]
pub(crate) struct Trace(Mutex<Frames>);

#[derive(Debug)]
enum Frames {
    Captured(Box<[usize]>),
    Rendered(Vec<String>),
}

impl Trace {
    /// No stack (a thread vigil did not spawn).
    pub(crate) fn none() -> Trace {
        Trace(Mutex::new(Frames::Rendered(Vec::new())))
    }

    /// Captures at most `CAPTURE_FRAMES` frames of the calling stack as
    /// return addresses. (Keeping `backtrace::Frame`s instead cost each
    /// frame a lookup of its enclosing function, a fifth of a spawn's
    /// overhead under callgrind, for an address only a report would use.)
    pub(crate) fn capture() -> Trace {
        Trace(Mutex::new(Frames::Captured(return_addresses().into_boxed_slice())))
    }

    /// The user's frames, trimmed of vigil's own frames at the top and the
    /// runtime's at the bottom; symbolized on the first call only.
    pub(crate) fn render(&self) -> Vec<String> {
        let mut frames = self.0.lock();
        let rendered = match &*frames {
            Frames::Rendered(r) => return r.clone(),
            Frames::Captured(ips) => symbolize(ips),
        };
        *frames = Frames::Rendered(rendered.clone());
        rendered
    }
}

/// Symbolizes `ips` into the user's frames (see [`Trace::render`]).
fn symbolize(ips: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_user = false;
    let mut done = false;
    for &ip in ips {
        each_symbol(ip, |name, file_line| {
            if done {
                return;
            }
            if is_runtime_root(&name) && in_user {
                done = true;
                return;
            }
            if !in_user && is_internal(&name) {
                return;
            }
            in_user = true;
            let loc = file_line.map(|at| format!(" at {at}")).unwrap_or_default();
            out.push((is_runtime_tail(&name), format!("{name}{loc}")));
            done = out.len() == MAX_FRAMES;
        });
        if done {
            break;
        }
    }
    // Trimmed at the bottom too: a report's last frame is the user's.
    while out.len() > 1 && out.last().is_some_and(|(tail, _)| *tail) {
        out.pop();
    }
    out.into_iter().map(|(_, frame)| frame).collect()
}

/// The calling stack's return addresses, at most [`CAPTURE_FRAMES`] of them.
#[cfg(feature = "detect")]
fn return_addresses() -> Vec<usize> {
    let mut ips = Vec::with_capacity(CAPTURE_FRAMES);
    backtrace::trace(|frame| {
        ips.push(frame.ip() as usize);
        ips.len() < CAPTURE_FRAMES
    });
    ips
}

/// Without `detect` nothing is captured (and no unwinder is compiled in).
#[cfg(not(feature = "detect"))]
fn return_addresses() -> Vec<usize> {
    Vec::new()
}

/// Calls `f` with the demangled name and `file:line` of each symbol at `ip`
/// (several when functions were inlined into one another).
#[cfg(feature = "detect")]
fn each_symbol(ip: usize, mut f: impl FnMut(String, Option<String>)) {
    backtrace::resolve(ip as *mut std::ffi::c_void, |sym| {
        let name = sym.name().map(|n| format!("{n:#}")).unwrap_or_else(|| "<unknown>".into());
        let at = match (sym.filename(), sym.lineno()) {
            (Some(file), Some(line)) => Some(format!("{}:{line}", file.display())),
            _ => None,
        };
        f(name, at);
    });
}

/// Without `detect` there is never an address to resolve.
#[cfg(not(feature = "detect"))]
fn each_symbol(_ip: usize, _f: impl FnMut(String, Option<String>)) {}

/// Frames kept per captured stack: enough for the user's frames above
/// vigil's own, while bounding the unwinder's work on deep stacks.
#[cfg(feature = "detect")]
const CAPTURE_FRAMES: usize = 32;

/// Captures and renders the calling stack now (for findings reported at once).
///
/// # Examples
///
/// ```
/// let frames = vigil_detector::capture_backtrace();
/// assert!(frames.len() <= 12);
/// ```
pub fn capture_backtrace() -> Vec<String> {
    Trace::capture().render()
}
