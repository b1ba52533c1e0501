//! With `default-features = false` and feature `tokio`, `vigil::tokio`'s
//! names are tokio's own items (a compile-time check: these coercions only
//! compile if the types are the same). Run with
//! `cargo test --no-default-features --features tokio --test detect_off`.
#![cfg(all(not(feature = "detect"), feature = "tokio"))]

#[test]
fn task_names_are_tokios_own() {
    fn same<T>(_: T, _: T) {}
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let h: tokio::task::JoinHandle<u8> = vigil::tokio::spawn(async { 1 });
        assert_eq!(h.await.unwrap(), 1);
        let h: tokio::task::JoinHandle<u8> = vigil::tokio::task::spawn_blocking(|| 2);
        assert_eq!(h.await.unwrap(), 2);
        let named: tokio::task::JoinHandle<u8> =
            vigil::tokio::task::Builder::new().name("off").spawn(async { 3 }).unwrap();
        assert_eq!(named.await.unwrap(), 3);
        let mut set: tokio::task::JoinSet<u8> = vigil::tokio::task::JoinSet::new();
        set.spawn(async { 4 });
        assert_eq!(set.join_next().await.unwrap().unwrap(), 4);
        same::<fn(tokio::task::JoinHandle<()>) -> tokio::task::AbortHandle>(
            |h: tokio::task::JoinHandle<()>| -> vigil::tokio::task::AbortHandle { h.abort_handle() },
            |h| h.abort_handle(),
        );
    });
    assert!(vigil::check::snapshot().workers.is_empty());
}
