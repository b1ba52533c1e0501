//! `vigil::channel`: mirrors `crossbeam-channel`.
