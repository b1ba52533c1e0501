//! The demo: a small program with a leaked worker, and vigil's report of it.
//!
//! `cargo run --release --example demo`
use std::time::Duration;

fn main() {
    println!("vigil demo: spawning a fetcher that nobody will ever stop...\n");
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(300));
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let _fetcher = vigil::thread::Builder::new()
        .name("fetcher".into())
        .spawn(move || {
            // Waits forever for work: the caller forgot to close the channel.
            while let Ok(url) = rx.recv() {
                println!("fetching {url}");
            }
        })
        .expect("spawn fetcher");
    tx.send("https://example.invalid/".into()).expect("fetcher alive");
    let report = guard.check();
    println!("{report}");
    std::mem::forget(tx);
}
