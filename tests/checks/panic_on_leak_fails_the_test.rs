//! `VIGIL_PANIC_ON_LEAK=1` (or `panicking()`) makes a guard panic with the
//! report, but never while the thread is already unwinding.
use crate::common;

use std::time::Duration;
use vigil::check::LeakGuard;

#[test]
#[ignore = "run in a child process by panic_on_leak_env_makes_the_guard_panic"]
fn child_leaks_under_a_plain_guard() {
    let _guard = LeakGuard::new();
    std::mem::forget(common::stuck("ci-leaker"));
}

#[test]
#[ignore = "run in a child process by panic_on_leak_env_makes_the_guard_panic"]
fn child_is_clean_under_a_plain_guard() {
    let _guard = LeakGuard::new();
    vigil::thread::spawn(|| ()).join().unwrap();
}

#[test]
fn panic_on_leak_env_makes_the_guard_panic() {
    let env = [("VIGIL_PANIC_ON_LEAK", "1"), ("VIGIL_LEAK_GRACE_MS", "50")];
    let out = common::run_child(module_path!(), "child_leaks_under_a_plain_guard", &env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "child passed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("leaked worker") && stderr.contains("\"ci-leaker\""), "{stderr}");

    let out = common::run_child(module_path!(), "child_is_clean_under_a_plain_guard", &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn panicking_builder_panics_with_the_report() {
    let stuck = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s2 = stuck.clone();
    let result = std::thread::Builder::new()
        .name("panicking-guard".into())
        .spawn(move || {
            let _guard = LeakGuard::new().grace(Duration::from_millis(50)).panicking();
            *s2.lock().unwrap() = Some(common::stuck("leaked-under-panicking"));
        })
        .unwrap()
        .join();
    let payload = result.expect_err("guard should panic");
    let msg = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("\"leaked-under-panicking\""), "{msg}");
    stuck.lock().unwrap().take().unwrap().release();
}

#[test]
fn guard_never_panics_while_unwinding() {
    let stuck = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s2 = stuck.clone();
    let result = std::thread::spawn(move || {
        let _guard = LeakGuard::new().grace(Duration::from_millis(50)).panicking();
        *s2.lock().unwrap() = Some(common::stuck("leaked-while-unwinding"));
        panic!("the test's own failure");
    })
    .join();
    // A double panic would abort the process; reaching here proves it did not.
    let payload = result.expect_err("the test's own panic propagates");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the test's own failure"));
    stuck.lock().unwrap().take().unwrap().release();
}
