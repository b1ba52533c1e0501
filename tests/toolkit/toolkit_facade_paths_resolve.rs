//! Every Go-toolkit name of the API contract resolves through the facade,
//! with the contract's shapes (crossbeam's `tests/subcrates.rs` idea).
#![allow(clippy::type_complexity)]

use std::time::{Duration, Instant};

#[test]
fn toolkit_names_resolve_with_their_shapes() {
    // vigil::sync
    let _: fn() -> vigil::sync::WaitGroup = vigil::sync::WaitGroup::new;
    let _: fn(&vigil::sync::WaitGroup, isize) = vigil::sync::WaitGroup::add;
    let _: fn(&vigil::sync::WaitGroup, Duration) -> bool = vigil::sync::WaitGroup::wait_timeout;
    let _: fn(usize) -> vigil::sync::Semaphore = vigil::sync::Semaphore::new;
    let _: for<'a> fn(&'a vigil::sync::Semaphore, usize) -> vigil::sync::SemaphorePermit<'a> =
        vigil::sync::Semaphore::acquire;
    let _: for<'a> fn(&'a vigil::sync::Semaphore, usize) -> Option<vigil::sync::SemaphorePermit<'a>> =
        vigil::sync::Semaphore::try_acquire;
    let _: for<'a> fn(
        &'a vigil::sync::Semaphore,
        &vigil::context::Context,
        usize,
    ) -> Result<vigil::sync::SemaphorePermit<'a>, vigil::context::ContextError> =
        vigil::sync::Semaphore::acquire_ctx;
    let _: fn() -> vigil::sync::SingleFlight<String, u8> = vigil::sync::SingleFlight::new;

    // vigil::context
    use vigil::context::{CancelHandle, Context, ContextError};
    let _: fn() -> Context = Context::background;
    let _: fn(&Context) -> (Context, CancelHandle) = Context::with_cancel;
    let _: fn(&Context, Duration) -> (Context, CancelHandle) = Context::with_timeout;
    let _: fn(&Context, Instant) -> (Context, CancelHandle) = Context::with_deadline;
    let _: fn(&Context) -> vigil::channel::Receiver<()> = Context::done;
    let _: fn(&Context) -> Option<ContextError> = Context::err;
    let _: fn(&Context) -> Option<Instant> = Context::deadline;
    let _: fn(&Context) -> bool = Context::is_done;
    let _: fn(&CancelHandle) = CancelHandle::cancel;
    let _ = [ContextError::Canceled, ContextError::DeadlineExceeded];
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Context>();
    send_sync::<CancelHandle>();
    send_sync::<vigil::sync::WaitGroup>();
    send_sync::<vigil::sync::Semaphore>();
    send_sync::<vigil::pool::WorkerPool>();
    send_sync::<vigil::pool::ErrGroup<String>>();
    send_sync::<vigil::pool::Pool<Vec<u8>>>();

    // vigil::pool
    let _: fn(usize) -> vigil::pool::WorkerPool = vigil::pool::WorkerPool::new;
    let _: fn(&str, usize) -> vigil::pool::WorkerPool = |n, k| vigil::pool::WorkerPool::named(n, k);
    let _: fn(&vigil::pool::WorkerPool) -> vigil::report::PoolStats = vigil::pool::WorkerPool::stats;
    let _: fn() -> vigil::pool::ErrGroup<String> = vigil::pool::ErrGroup::new;
    let _: fn(&Context) -> (vigil::pool::ErrGroup<String>, Context) = vigil::pool::ErrGroup::with_context;
    let _: fn(&vigil::pool::ErrGroup<String>) -> Result<(), String> = vigil::pool::ErrGroup::wait;
    let pool = vigil::pool::Pool::new(String::new);
    let _: vigil::pool::Pooled<String> = pool.get();
    let _: vigil::report::PoolStats = pool.stats();
}
