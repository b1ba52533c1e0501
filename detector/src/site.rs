//! Source sites: `&'static Location`s kept for free by `#[track_caller]`.

use std::panic::Location;

/// `file:line:col` of a site.
pub(crate) fn short(site: &'static Location<'static>) -> String {
    format!("{}:{}:{}", site.file(), site.line(), site.column())
}
