//! Go's "sync: negative WaitGroup counter": one `done` too many panics, and
//! the message names the `done()` call site; balanced use does not.
use vigil::sync::WaitGroup;

#[test]
fn extra_done_panics_with_its_site() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    let line = line!() + 1;
    let payload = std::panic::catch_unwind(|| wg.done()).expect_err("negative counter must panic");
    let msg = vigil_detector::panic_message(&*payload);
    assert!(msg.contains("negative WaitGroup counter"), "{msg}");
    assert!(msg.contains(&format!("{}:{line}:", file!())), "{msg}");
}

#[test]
fn balanced_add_and_done_do_not_panic() {
    let wg = WaitGroup::new();
    wg.add(3);
    wg.add(-1);
    wg.done();
    wg.done();
    wg.wait();
}
