//! `Pool<T>` (Go's sync.Pool) reuses returned objects, makes new ones when
//! empty, keeps at most its retention bound, and shows in the snapshot.
use vigil::pool::{Pool, Pooled};
use vigil::report::{ResourceKind, ResourceStats};

#[test]
fn returned_objects_are_reused_and_counted() {
    let pool = Pool::named("buffers", || Vec::<u8>::with_capacity(1024));
    {
        let mut b = pool.get();
        b.push(1);
    }
    let b = pool.get();
    assert_eq!(&b[..], &[1]); // the same object, as left (reset is the user's job, as in Go)
    let s = pool.stats();
    assert_eq!((s.hits, s.misses, s.busy, s.size), (1, 1, 1, 0));
    let snap = vigil::check::snapshot();
    let r = snap.resources.iter().find(|r| &*r.name == "buffers").expect("pool in snapshot");
    assert_eq!(r.kind, ResourceKind::Pool);
    assert!(matches!(&r.stats, ResourceStats::Pool(p) if p.busy == 1 && p.hits == 1));
    drop(b);
}

#[test]
fn retention_is_bounded() {
    let pool = Pool::with_retain(2, || 0u64);
    let all: Vec<_> = (0..5).map(|_| pool.get()).collect();
    drop(all);
    assert_eq!(pool.stats().size, 2);
    let kept = Pooled::into_inner(pool.get());
    assert_eq!(kept, 0);
    assert_eq!(pool.stats().busy, 0);
}
