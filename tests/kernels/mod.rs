//! The bug-kernel corpus: small programs with the concurrency bugs real
//! programs have (reduced from Go projects' bug studies and the Rust study of
//! real-world bugs), each with its fixed twin.

pub mod harness;

mod abba;
mod channel_block;
mod channel_context;
mod condvar;
mod double_lock;
mod long_lived;
mod mixed;
mod races;
mod relaxed;
mod rwr;
mod starvation;
mod waitgroup;

/// Every kernel of the corpus.
pub fn all() -> Vec<harness::Kernel> {
    let mut v = Vec::new();
    v.extend(double_lock::kernels());
    v.extend(abba::kernels());
    v.extend(rwr::kernels());
    v.extend(channel_block::kernels());
    v.extend(channel_context::kernels());
    v.extend(condvar::kernels());
    v.extend(waitgroup::kernels());
    v.extend(mixed::kernels());
    v.extend(long_lived::kernels());
    v.extend(races::kernels());
    v.extend(relaxed::kernels());
    v.extend(starvation::kernels());
    v
}

/// Waits (bounded) until `cond` holds; kernels use it to stage a bug's interleaving.
pub fn until(mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
