//! With `default-features = false`: std's and crossbeam's own types, nothing tracked.
//! Run with `cargo test --no-default-features --test detect_off`.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

mod detect_off_channels_are_thin_wrappers;
mod detect_off_is_plain_std;
mod detect_off_tokio_names_are_tokios_own;
