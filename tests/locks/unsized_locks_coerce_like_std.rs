//! Like std's, vigil's locks hold unsized data behind a pointer:
//! `Arc<Mutex<dyn Trait>>`, `Box<RwLock<[T]>>`, made by unsizing coercion
//! from a sized lock, and tracked like any other lock.
use std::sync::Arc;
use vigil::sync::{Mutex, RwLock};

trait Counter: Send {
    fn bump(&mut self) -> u32;
}

struct Plain(u32);

impl Counter for Plain {
    fn bump(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

#[test]
fn a_mutex_of_a_trait_object_locks_and_counts_acquisitions() {
    let m: Arc<Mutex<dyn Counter>> = Arc::new(Mutex::new(Plain(0)));
    let m2 = m.clone();
    std::thread::spawn(move || {
        m2.lock().unwrap().bump();
    })
    .join()
    .unwrap();
    assert_eq!(m.lock().unwrap().bump(), 2);
    #[cfg(feature = "detect")]
    assert_eq!(m.stats().acquisitions, 2);
}

#[test]
fn an_rwlock_of_a_slice_reads_and_writes_and_counts_readers() {
    let l: Box<RwLock<[u8]>> = Box::new(RwLock::new([1u8, 2, 3]));
    {
        let r1 = l.read().unwrap();
        let r2 = l.read().unwrap();
        assert_eq!(r1.len() + r2.len(), 6);
        #[cfg(feature = "detect")]
        assert_eq!(l.stats().readers, 2);
    }
    l.write().unwrap()[0] = 9;
    assert_eq!(&*l.read().unwrap(), &[9, 2, 3]);
    #[cfg(feature = "detect")]
    assert_eq!(l.stats().readers, 0);
}
