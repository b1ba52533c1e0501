//! A malformed environment variable is a clear error naming the variable and
//! the accepted forms — never silently ignored.
use crate::common;

#[test]
#[ignore = "run in a child process by malformed_env_var_names_the_variable_and_forms"]
fn child_uses_vigil() {
    vigil::thread::spawn(|| ()).join().unwrap();
}

#[test]
fn malformed_env_var_names_the_variable_and_forms() {
    for (var, value, form) in [
        ("VIGIL_LEAK_GRACE_MS", "1s", "whole number of milliseconds"),
        ("VIGIL", "sometimes", "on, off"),
        ("VIGIL_PANIC_ON_LEAK", "please", "on, off"),
        ("VIGIL_STARVATION_MS", "fast", "whole number of milliseconds"),
    ] {
        let out = common::run_child(module_path!(), "child_uses_vigil", &[(var, value)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{var}={value} was accepted");
        assert!(stderr.contains(var) && stderr.contains(value) && stderr.contains(form), "{stderr}");
    }
    let out = common::run_child(
        module_path!(),
        "child_uses_vigil",
        &[("VIGIL", "off"), ("VIGIL_LEAK_GRACE_MS", "5")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "run in a child process by vigil_off_switches_tracking_off"]
fn child_leaks_with_vigil_off() {
    let guard = vigil::check::LeakGuard::new();
    std::mem::forget(common::stuck("untracked"));
    assert!(guard.check().is_empty(), "VIGIL=off must track nothing");
    assert!(vigil::check::snapshot().workers.is_empty());
}

#[test]
fn vigil_off_switches_tracking_off() {
    let out = common::run_child(module_path!(), "child_leaks_with_vigil_off", &[("VIGIL", "off")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
