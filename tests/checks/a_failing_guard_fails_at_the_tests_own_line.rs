//! A failing guard fails the test at the test's own line (where the guard
//! was made), not inside vigil; and a report's backtraces are the user's
//! frames only, ending at the test function.
use crate::common;

use std::time::Duration;
use vigil::check::LeakGuard;

/// `file:line:` of a line in this file.
fn at(line: u32) -> String {
    format!("{}:{line}:", file!())
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_panicking_leak_guard_panics_with_its_own_line_first() {
    let line = line!() + 1;
    let guard = LeakGuard::new().grace(Duration::from_millis(50)).panicking();
    let stuck = common::stuck("line-first-leaker");
    let message = panic_text(std::panic::catch_unwind(move || drop(guard)).expect_err("guard panics"));
    stuck.release();
    assert!(message.starts_with(&at(line)), "{message}");
    assert!(message.contains("\"line-first-leaker\""), "{message}");
    assert!(!message.contains("check.rs"), "{message}");
}

#[test]
fn a_panicking_guard_panics_with_its_own_line_first() {
    let stuck = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s2 = stuck.clone();
    let line = line!() + 4;
    let result = std::thread::Builder::new()
        .name("guard-line-first".into())
        .spawn(move || {
            let _guard = vigil::check::guard().grace(Duration::from_millis(50)).panicking();
            *s2.lock().unwrap() = Some(common::stuck("guard-line-first-leaker"));
        })
        .unwrap()
        .join();
    let message = panic_text(result.expect_err("the guard fails its thread"));
    stuck.lock().unwrap().take().expect("spawned").release();
    assert!(message.starts_with(&at(line)), "{message}");
    assert!(message.contains("\"guard-line-first-leaker\""), "{message}");
}

#[test]
fn a_clean_panicking_guard_does_not_panic() {
    let guard = vigil::check::guard().grace(Duration::from_millis(50)).panicking();
    vigil::thread::Builder::new().name("guard-line-joined".into()).spawn(|| ()).unwrap().join().unwrap();
    assert!(std::panic::catch_unwind(move || drop(guard)).is_ok());
}

/// The line the child's guard is made on (checked against the child's output).
const CHILD_GUARD_LINE: u32 = line!() + 5;

#[test]
#[ignore = "run in a child process by the_tests_output_names_the_guards_line_and_no_vigil_frames"]
fn child_fails_under_a_panicking_guard() {
    let _guard = LeakGuard::new().grace(Duration::from_millis(50)).panicking();
    std::mem::forget(common::stuck("child-line-leaker"));
}

#[test]
fn the_tests_output_names_the_guards_line_and_no_vigil_frames() {
    let env = [("RUST_BACKTRACE", "1")];
    let out = common::run_child(module_path!(), "child_fails_under_a_panicking_guard", &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child passed:\n{stderr}");
    let panicked_at = format!("panicked at {}", at(CHILD_GUARD_LINE));
    assert!(stderr.contains(&panicked_at), "{panicked_at:?} missing:\n{stderr}");
    assert!(stderr.contains("\"child-line-leaker\""), "{stderr}");
    // Neither a panic inside vigil nor a stack of its internals after the report.
    assert!(!stderr.contains("check.rs"), "{stderr}");
    assert!(!stderr.contains("stack backtrace:"), "{stderr}");
    for internal in ["vigil_detector::", "vigil_instrumented::"] {
        assert!(!stderr.contains(internal), "{internal} frame in:\n{stderr}");
    }
}

#[test]
fn a_leaks_spawn_backtrace_is_the_users_frames_ending_at_the_test() {
    let guard = LeakGuard::new().grace(Duration::from_millis(50));
    let stuck = common::stuck("backtrace-leaker");
    let report = guard.check();
    stuck.release();
    assert_eq!(report.leaks.len(), 1, "{report}");
    let frames = &report.leaks[0].backtrace;
    assert!(!frames.is_empty(), "{report}");
    for f in frames {
        assert!(!f.starts_with("vigil") && !f.starts_with("<vigil"), "vigil's frame {f:?} in\n{report}");
        assert!(!f.contains("FnOnce") && !f.starts_with("std::"), "runtime frame {f:?} in\n{report}");
    }
    // Top: the helper that spawned; bottom: this test function.
    assert!(frames[0].contains("common::stuck"), "{report}");
    let last = frames.last().expect("frames");
    assert!(last.contains("a_leaks_spawn_backtrace_is_the_users_frames_ending_at_the_test"), "{report}");
}
