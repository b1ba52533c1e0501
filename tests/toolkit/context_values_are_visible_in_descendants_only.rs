//! Go's `WithValue`: a value is visible in the context that carries it and
//! every descendant, never in its parent or siblings; the nearest wins.
use vigil::context::Context;

#[test]
fn values_flow_down_only() {
    let root = Context::background();
    let (with_cancel, _c) = root.with_value("trace", "abc".to_string()).with_cancel();
    let shadowed = with_cancel.with_value("trace", "def".to_string());
    assert_eq!(with_cancel.value::<String>("trace").map(String::as_str), Some("abc"));
    assert_eq!(shadowed.value::<String>("trace").map(String::as_str), Some("def"));
    assert_eq!(root.value::<String>("trace"), None);
    let sibling = root.with_value("other", 1i32);
    assert_eq!(sibling.value::<String>("trace"), None);
    assert_eq!(sibling.value::<i32>("other"), Some(&1));
}

#[test]
fn values_cross_threads_with_the_context() {
    let ctx = Context::background().with_value("user", 42u64);
    let h = vigil::thread::spawn(move || ctx.value::<u64>("user").copied());
    assert_eq!(h.join().unwrap(), Some(42));
}
