//! vigil's live web dashboard (the page, a JSON API, server-sent events and
//! Prometheus metrics). Built out in its own issue; this crate is wired into
//! the workspace and the `dashboard` feature already.
#![forbid(unsafe_code)]
