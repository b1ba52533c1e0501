//! `vigil::context`: Go's `context` package.
