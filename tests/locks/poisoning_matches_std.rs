//! Poisoning behaves exactly as std's: a panicking holder poisons, `lock`
//! and `try_lock` return the guard inside the error, `into_inner` and
//! `get_mut` report it, `clear_poison` clears it; readers never poison.
//! Each scenario runs on std's lock and vigil's side by side.
use std::sync::TryLockError;

macro_rules! mutex_parity {
    ($Mutex:path) => {{
        use $Mutex as M;
        let m = std::sync::Arc::new(M::new(vec![1]));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let mut g = m2.lock().unwrap();
            g.push(2);
            panic!("holder panics");
        })
        .join();
        let mut seen = Vec::new();
        seen.push(m.is_poisoned());
        match m.lock() {
            Ok(_) => seen.push(false),
            Err(e) => {
                seen.push(true);
                assert_eq!(*e.into_inner(), vec![1, 2]);
            }
        }
        match m.try_lock() {
            Err(TryLockError::Poisoned(e)) => seen.push(e.get_ref().len() == 2),
            _ => seen.push(false),
        }
        m.clear_poison();
        seen.push(m.is_poisoned());
        seen.push(m.lock().is_ok());
        let mut m = std::sync::Arc::into_inner(m).unwrap();
        seen.push(m.get_mut().is_ok());
        seen.push(m.into_inner().is_ok());
        seen
    }};
}

macro_rules! rwlock_parity {
    ($RwLock:path) => {{
        use $RwLock as L;
        let l = std::sync::Arc::new(L::new(0));
        let mut seen = Vec::new();
        let l1 = l.clone();
        let _ = std::thread::spawn(move || {
            let _r = l1.read().unwrap();
            panic!("reader panics");
        })
        .join();
        seen.push(l.is_poisoned());
        let l2 = l.clone();
        let _ = std::thread::spawn(move || {
            let _w = l2.write().unwrap();
            panic!("writer panics");
        })
        .join();
        seen.push(l.is_poisoned());
        seen.push(l.read().is_err());
        seen.push(l.write().is_err());
        seen.push(matches!(l.try_read(), Err(TryLockError::Poisoned(_))));
        seen.push(matches!(l.try_write(), Err(TryLockError::Poisoned(_))));
        l.clear_poison();
        seen.push(l.read().is_ok());
        let l = std::sync::Arc::into_inner(l).unwrap();
        seen.push(l.into_inner().is_ok());
        seen
    }};
}

#[test]
fn mutex_poisoning_matches_std() {
    let std_seen = mutex_parity!(std::sync::Mutex);
    let vigil_seen = mutex_parity!(vigil::sync::Mutex);
    assert_eq!(vigil_seen, std_seen);
    assert_eq!(std_seen, [true, true, true, false, true, true, true]);
}

#[test]
fn rwlock_poisoning_matches_std() {
    let std_seen = rwlock_parity!(std::sync::RwLock);
    let vigil_seen = rwlock_parity!(vigil::sync::RwLock);
    assert_eq!(vigil_seen, std_seen);
    assert_eq!(std_seen, [false, true, true, true, true, true, true, true]);
}

#[test]
fn poisoned_into_inner_keeps_the_data() {
    let m = vigil::sync::Mutex::new(String::from("kept"));
    let _ = std::panic::catch_unwind(|| {
        let _g = m.lock().unwrap();
        panic!("poison");
    });
    #[cfg(feature = "detect")]
    assert!(m.stats().poisoned);
    assert_eq!(m.into_inner().unwrap_err().into_inner(), "kept");
}

#[test]
fn debug_never_blocks() {
    let m = vigil::sync::Mutex::new(1);
    let g = m.lock().unwrap();
    assert!(format!("{m:?}").contains("<locked>"));
    drop(g);
    assert!(format!("{m:?}").contains("data: 1"));
    let l = vigil::sync::RwLock::new(2);
    let w = l.write().unwrap();
    assert!(format!("{l:?}").contains("<locked>"));
    drop(w);
}
