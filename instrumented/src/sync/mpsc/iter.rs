//! Iterators over a std-style `Receiver`: `Iter` (blocking), `TryIter`, `IntoIter`.

crate::receiver_iters::receiver_iterators!(mirrors: "std::sync::mpsc", make: "vigil::sync::mpsc::channel()");
