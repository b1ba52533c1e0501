//! Source sites: `&'static Location`s kept for free by `#[track_caller]`.

use crate::sync::Arc;
use std::panic::Location;

/// `file:line:col` of a site.
pub(crate) fn short(site: &'static Location<'static>) -> String {
    use std::fmt::Write as _;
    let file = site.file();
    // One allocation of the right size: snapshots call this for every live
    // worker, so `format!`'s growth from an empty string shows.
    let mut s = String::with_capacity(file.len() + 12);
    s.push_str(file);
    let _ = write!(s, ":{}:{}", site.line(), site.column());
    s
}

/// Formatted sites, for callers that format many (a snapshot): programs have
/// few creation sites and many resources, and cloning a hot string beats
/// formatting (or reading a per-resource cached copy from cold memory).
#[derive(Default)]
pub(crate) struct SiteCache(std::collections::HashMap<usize, Arc<str>>);

impl SiteCache {
    /// `file:line:col` of `site`, shared with every other caller asking for it.
    pub(crate) fn shared(&mut self, site: &'static Location<'static>) -> Arc<str> {
        let key = site as *const Location<'static> as usize;
        self.0.entry(key).or_insert_with(|| short(site).into()).clone()
    }

    /// `file:line:col` of `site`, as an owned string.
    pub(crate) fn short(&mut self, site: &'static Location<'static>) -> String {
        self.shared(site).to_string()
    }
}
