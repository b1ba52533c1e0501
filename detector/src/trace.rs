//! Backtraces: captured unresolved, resolved and trimmed only for a report.

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

/// Resolves `bt` in place (once) and renders its user frames, trimmed of
/// vigil's own frames at the top and the runtime's at the bottom.
pub(crate) fn render(bt: &Mutex<Option<backtrace::Backtrace>>) -> Vec<String> {
    let mut guard = bt.lock();
    let Some(bt) = guard.as_mut() else { return Vec::new() };
    bt.resolve();
    let mut out = Vec::new();
    let mut in_user = false;
    'frames: for frame in bt.frames() {
        for sym in frame.symbols() {
            let name = sym.name().map(|n| format!("{n:#}")).unwrap_or_else(|| "<unknown>".into());
            if is_runtime_root(&name) && in_user {
                break 'frames;
            }
            if !in_user && is_internal(&name) {
                continue;
            }
            in_user = true;
            let loc = match (sym.filename(), sym.lineno()) {
                (Some(f), Some(l)) => format!(" at {}:{l}", f.display()),
                _ => String::new(),
            };
            out.push((is_runtime_tail(&name), format!("{name}{loc}")));
            if out.len() == MAX_FRAMES {
                break 'frames;
            }
        }
    }
    // Trimmed at the bottom too: a report's last frame is the user's.
    while out.len() > 1 && out.last().is_some_and(|(tail, _)| *tail) {
        out.pop();
    }
    out.into_iter().map(|(_, frame)| frame).collect()
}

/// Frames kept per captured stack: enough for the user's frames above
/// vigil's own, while bounding the unwinder's work on deep stacks.
const CAPTURE_FRAMES: usize = 32;

/// Captures at most `CAPTURE_FRAMES` frames of the calling stack, unresolved
/// (instruction pointers only; symbols are looked up when a report is rendered).
pub(crate) fn capture_unresolved() -> backtrace::Backtrace {
    let mut frames = Vec::with_capacity(CAPTURE_FRAMES);
    backtrace::trace(|frame| {
        frames.push(backtrace::BacktraceFrame::from(frame.clone()));
        frames.len() < CAPTURE_FRAMES
    });
    backtrace::Backtrace::from(frames)
}

/// Captures the calling stack unresolved (cheap), for a report that may need it.
pub(crate) fn capture() -> Mutex<Option<backtrace::Backtrace>> {
    Mutex::new(Some(capture_unresolved()))
}

/// Captures and renders the calling stack now (for findings reported at once).
///
/// # Examples
///
/// ```
/// let frames = vigil_detector::capture_backtrace();
/// assert!(frames.len() <= 12);
/// ```
pub fn capture_backtrace() -> Vec<String> {
    render(&capture())
}
