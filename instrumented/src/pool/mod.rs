//! `vigil::pool`: Go's sync.Pool, a worker pool and errgroup.
