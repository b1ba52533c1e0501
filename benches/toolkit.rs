//! Go toolkit primitives beside hand-rolled std equivalents (the
//! uninstrumented baseline a user would otherwise write): WaitGroup
//! add+done, Semaphore try_acquire+release, Pool get+return, WorkerPool
//! job throughput. No budget in DESIGN.md; the ratios are for tracking.
#![allow(missing_docs)]
use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

mod support;

/// The std baseline for a wait group: a counter under a mutex, a condvar.
struct StdWaitGroup {
    count: Mutex<i64>,
    cv: Condvar,
}

impl StdWaitGroup {
    fn add(&self, d: i64) {
        let mut c = self.count.lock().unwrap();
        *c += d;
        if *c == 0 {
            self.cv.notify_all();
        }
    }
}

fn wait_group(c: &mut Criterion) {
    let std_wg = StdWaitGroup { count: Mutex::new(0), cv: Condvar::new() };
    let wg = vigil::sync::WaitGroup::new();
    let mut g = c.benchmark_group("waitgroup_add_done");
    g.measurement_time(Duration::from_millis(500)).warm_up_time(Duration::from_millis(100));
    g.bench_function("std", |b| {
        b.iter(|| {
            std_wg.add(1);
            std_wg.add(-1);
        })
    });
    g.bench_function("vigil", |b| {
        b.iter(|| {
            wg.add(1);
            wg.done();
        })
    });
    g.finish();
    support::print_ratio(
        "WaitGroup add+done",
        "none (tracking)",
        20_000,
        |n| {
            for _ in 0..n {
                std_wg.add(1);
                std_wg.add(-1);
            }
        },
        |n| {
            for _ in 0..n {
                wg.add(1);
                wg.done();
            }
        },
    );
}

fn semaphore(c: &mut Criterion) {
    let std_sem = Mutex::new(4usize);
    let sem = vigil::sync::Semaphore::new(4);
    let std_acquire_release = || {
        {
            let mut p = std_sem.lock().unwrap();
            *p -= 1;
        }
        *std_sem.lock().unwrap() += 1;
    };
    let mut g = c.benchmark_group("semaphore_try_acquire_release");
    g.measurement_time(Duration::from_millis(500)).warm_up_time(Duration::from_millis(100));
    g.bench_function("std", |b| b.iter(std_acquire_release));
    g.bench_function("vigil", |b| b.iter(|| drop(black_box(sem.try_acquire(1)))));
    g.finish();
    support::print_ratio(
        "Semaphore try_acquire+release",
        "none (tracking)",
        20_000,
        |n| {
            for _ in 0..n {
                std_acquire_release();
            }
        },
        |n| {
            for _ in 0..n {
                drop(black_box(sem.try_acquire(1)));
            }
        },
    );
}

fn object_pool(c: &mut Criterion) {
    let std_pool: Mutex<Vec<Vec<u8>>> = Mutex::new(vec![Vec::with_capacity(64)]);
    let pool = vigil::pool::Pool::new(|| Vec::<u8>::with_capacity(64));
    drop(pool.get());
    let std_get_put = || {
        let v = std_pool.lock().unwrap().pop().unwrap_or_default();
        black_box(&v);
        std_pool.lock().unwrap().push(v);
    };
    let mut g = c.benchmark_group("pool_get_return");
    g.measurement_time(Duration::from_millis(500)).warm_up_time(Duration::from_millis(100));
    g.bench_function("std", |b| b.iter(std_get_put));
    g.bench_function("vigil", |b| b.iter(|| drop(black_box(pool.get()))));
    g.finish();
    support::print_ratio(
        "Pool get+return",
        "none (tracking)",
        20_000,
        |n| {
            for _ in 0..n {
                std_get_put();
            }
        },
        |n| {
            for _ in 0..n {
                drop(black_box(pool.get()));
            }
        },
    );
}

fn worker_pool(_c: &mut Criterion) {
    // Baseline: two std threads taking boxed jobs from a std mpsc channel.
    type Job = Box<dyn FnOnce() + Send>;
    let run_std = |n: u64| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || loop {
                    let job = rx.lock().unwrap().recv();
                    match job {
                        Ok(j) => j(),
                        Err(_) => return,
                    }
                })
            })
            .collect();
        for i in 0..n {
            tx.send(Box::new(move || {
                black_box(i);
            }))
            .unwrap();
        }
        drop(tx);
        for w in workers {
            w.join().unwrap();
        }
    };
    let run_vigil = |n: u64| {
        let pool = vigil::pool::WorkerPool::named("bench", 2);
        for i in 0..n {
            pool.execute(move || {
                black_box(i);
            });
        }
        pool.shutdown();
    };
    support::print_ratio(
        "WorkerPool 2 workers, start+jobs+shutdown",
        "none (tracking)",
        2_000,
        run_std,
        run_vigil,
    );
}

criterion_group!(benches, wait_group, semaphore, object_pool, worker_pool);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
