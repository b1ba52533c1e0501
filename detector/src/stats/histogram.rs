//! A log-bucketed latency histogram: percentiles without storing samples.

use crate::sync::{AtomicU64, Ordering};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::time::Duration;

const BUCKETS: usize = 40;

/// Counts durations in power-of-two microsecond buckets (bucket `i` holds
/// values below `2^i` µs), so p50/p90/p99 cost 40 counters, not samples.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::Histogram;
///
/// let h = Histogram::new();
/// for us in [10, 20, 30, 4000] {
///     h.record(Duration::from_micros(us));
/// }
/// let s = h.summary();
/// assert_eq!(s.count, 4);
/// assert!(s.p50_us >= 16 && s.p50_us <= 32);
/// assert_eq!(s.max_us, 4000);
/// ```
#[derive(Debug)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS],
    count: AtomicU64,
    sum_us: AtomicU64,
    max_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::Histogram;
    ///
    /// static WAITS: Histogram = Histogram::new(); // `const`: fits in a static
    /// let s = WAITS.summary();
    /// assert_eq!((s.count, s.p99_us, s.max_us), (0, 0, 0));
    /// ```
    pub const fn new() -> Histogram {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
            max_us: AtomicU64::new(0),
        }
    }

    /// Records one duration.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::Histogram;
    ///
    /// let h = Histogram::new();
    /// h.record(Duration::from_micros(100));
    /// h.record(Duration::from_millis(2));
    /// let s = h.summary();
    /// assert_eq!((s.count, s.sum_us, s.max_us), (2, 2100, 2000));
    /// ```
    pub fn record(&self, d: Duration) {
        let us = d.as_micros().min(u64::MAX as u128) as u64;
        let idx = (64 - us.leading_zeros() as usize).min(BUCKETS - 1);
        self.buckets[idx].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    /// Count, percentiles (upper bucket bounds, capped at the max) and buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::Histogram;
    ///
    /// let h = Histogram::new();
    /// for _ in 0..9 {
    ///     h.record(Duration::from_micros(3));
    /// }
    /// h.record(Duration::from_micros(1000));
    /// let s = h.summary();
    /// assert_eq!((s.p50_us, s.p90_us), (4, 4)); // 3 µs is in the bucket below 4 µs
    /// assert_eq!(s.p99_us, 1000); // its bucket's bound, 1024, capped at the max
    /// assert_eq!(s.buckets.last(), Some(&(1024, 10))); // cumulative
    /// ```
    pub fn summary(&self) -> HistogramSummary {
        let counts: [u64; BUCKETS] = std::array::from_fn(|i| self.buckets[i].load(Ordering::Relaxed));
        let count: u64 = counts.iter().sum();
        let max_us = self.max_us.load(Ordering::Relaxed);
        let pct = |p: f64| -> u64 {
            if count == 0 {
                return 0;
            }
            let rank = ((count as f64) * p).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return upper_bound(i).min(max_us);
                }
            }
            max_us
        };
        let mut cumulative = 0;
        let last = counts.iter().rposition(|c| *c > 0).unwrap_or(0);
        let mut buckets = Vec::with_capacity(last + 1);
        for (i, c) in counts.iter().enumerate().take(last + 1) {
            cumulative += c;
            buckets.push((upper_bound(i), cumulative));
        }
        HistogramSummary {
            count,
            sum_us: self.sum_us.load(Ordering::Relaxed),
            p50_us: pct(0.50),
            p90_us: pct(0.90),
            p99_us: pct(0.99),
            max_us,
            buckets,
        }
    }
}

/// Values in bucket `i` are below `2^i` µs (bucket 0 holds exactly 0).
fn upper_bound(i: usize) -> u64 {
    if i == 0 {
        0
    } else {
        1u64 << (i - 1).min(62) << 1
    }
}

/// A histogram's summary: percentiles in microseconds and cumulative buckets.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::{Histogram, HistogramSummary};
///
/// let h = Histogram::new();
/// h.record(Duration::from_micros(10));
/// h.record(Duration::from_micros(30));
/// let s: HistogramSummary = h.summary();
/// assert_eq!(s.sum_us / s.count, 20); // the mean
/// let json = serde_json::to_value(&s).unwrap();
/// assert_eq!(json["max_us"], 30);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct HistogramSummary {
    /// Samples recorded.
    pub count: u64,
    /// Sum of all samples, µs.
    pub sum_us: u64,
    /// Median, µs (upper bound of its bucket).
    pub p50_us: u64,
    /// 90th percentile, µs.
    pub p90_us: u64,
    /// 99th percentile, µs.
    pub p99_us: u64,
    /// Largest sample, µs.
    pub max_us: u64,
    /// Cumulative `(upper bound µs, count)` pairs, Prometheus-style.
    pub buckets: Vec<(u64, u64)>,
}
