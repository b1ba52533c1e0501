//! Iterators over a `Receiver`: `Iter` (blocking), `TryIter`, `IntoIter`.

crate::receiver_iters::receiver_iterators!(mirrors: "crossbeam_channel", make: "vigil::channel::unbounded()");
