//! Locking a mutex (or write-locking an RwLock) that the thread already
//! holds is reported at once as `double_lock` with both sites, and panics
//! with that report instead of hanging. Re-locking after unlocking is fine.
#![cfg(feature = "detect")]
use vigil::report::DeadlockKind;
use vigil::sync::{Arc, Mutex, RwLock};

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    vigil_detector::panic_message(&*e)
}

#[test]
fn relocking_a_held_mutex_panics_with_both_sites() {
    let g = vigil::check::guard();
    let m = Arc::new(Mutex::named("twice", 0));
    let m2 = m.clone();
    let first = line!() + 3;
    let second = line!() + 3;
    let h = vigil::thread::Builder::new().name("relocker".into()).spawn(move || {
        let _a = m2.lock().unwrap();
        let _b = m2.lock();
    });
    let err = h.unwrap().join().expect_err("the second lock must panic, not hang");
    let text = panic_text(err);
    for line in [first, second] {
        assert!(text.contains(&format!("{}:{line}:", file!())), "site {line} missing from: {text}");
    }
    assert!(text.contains("double_lock"), "{text}");
    // The panic is at the test's second lock call, not inside vigil.
    assert!(text.starts_with(&format!("{}:{second}:", file!())), "{text}");

    let report = g.check();
    let d =
        report.deadlocks.iter().find(|d| d.kind == DeadlockKind::DoubleLock).expect("double_lock finding");
    assert_eq!(d.threads[0].name.as_deref(), Some("relocker"));
    assert_eq!(d.resources[0].name, "twice");
    assert_eq!(d.sites.len(), 2);
    assert!(d.sites[0].contains(&format!(":{first}:")) && d.sites[1].contains(&format!(":{second}:")), "{d}");
    // The panic poisoned the mutex, exactly as a panic under std's lock would.
    assert!(m.is_poisoned());
}

#[test]
fn write_locking_a_read_held_rwlock_panics() {
    let g = vigil::check::guard();
    let l = Arc::new(RwLock::named("read-then-write", 0));
    let l2 = l.clone();
    let h = vigil::thread::spawn(move || {
        let _r = l2.read().unwrap();
        let _w = l2.write();
    });
    let text = panic_text(h.join().expect_err("must panic"));
    assert!(text.contains("read-then-write"), "{text}");
    let report = g.check();
    assert!(report.deadlocks.iter().any(|d| d.kind == DeadlockKind::DoubleLock), "{report}");
}

#[test]
fn locking_again_after_unlock_is_silent() {
    let g = vigil::check::guard();
    let m = Arc::new(Mutex::new(0));
    let m2 = m.clone();
    vigil::thread::spawn(move || {
        *m2.lock().unwrap() += 1;
        *m2.lock().unwrap() += 1;
        let _try = m2.try_lock().unwrap();
    })
    .join()
    .unwrap();
    let report = g.check();
    assert!(report.deadlocks.is_empty(), "{report}");
    assert_eq!(*m.lock().unwrap(), 2);
}
