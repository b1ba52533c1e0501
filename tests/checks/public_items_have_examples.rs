//! Every public item of the library crates carries a rustdoc example (the
//! project's documentation standard; rustdoc's own lint for this,
//! `missing_doc_code_examples`, is nightly-only).
//!
//! The check reads the sources: a line declaring a `pub` fn, struct, enum,
//! trait, type alias, const, static or module (not `pub(crate)` and the
//! like) must have a code block in the doc comment right above it; a
//! `pub mod name;` may have it in its file's `//!` docs instead.

use std::path::{Path, PathBuf};

const CRATE_SOURCES: [&str; 4] = ["src", "detector/src", "instrumented/src", "dashboard/src"];

/// The kind and name declared by `line`, if it declares a public item.
fn public_item(line: &str) -> Option<(&str, &str)> {
    const KINDS: [(&str, &str); 9] = [
        ("const fn ", "fn"),
        ("fn ", "fn"),
        ("struct ", "struct"),
        ("enum ", "enum"),
        ("trait ", "trait"),
        ("type ", "type"),
        ("const ", "const"),
        ("static ", "static"),
        ("mod ", "mod"),
    ];
    let rest = line.trim_start().strip_prefix("pub ")?;
    let (kind, rest) = KINDS.iter().find_map(|(prefix, kind)| Some((*kind, rest.strip_prefix(prefix)?)))?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    (end > 0).then(|| (kind, &rest[..end]))
}

/// The doc comment above line `i`, skipping attributes between it and the item.
fn doc_above(lines: &[&str], i: usize) -> String {
    let mut doc = Vec::new();
    for line in lines[..i].iter().rev() {
        let t = line.trim_start();
        if t.starts_with("///") {
            doc.push(t);
        } else if !t.starts_with("#[") {
            break;
        }
    }
    doc.join("\n")
}

/// Whether the item on line `i` is `#[doc(hidden)]` (not public API).
fn hidden(lines: &[&str], i: usize) -> bool {
    lines[..i]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|t| t.starts_with("///") || t.starts_with("#["))
        .any(|t| t.starts_with("#[doc(hidden)]"))
}

/// Whether the file of `pub mod name;` declared in `file` has an example in its `//!` docs.
fn module_file_has_example(file: &Path, name: &str) -> bool {
    let dir = match file.file_name().and_then(|f| f.to_str()) {
        Some("lib.rs" | "mod.rs") => file.parent().map(Path::to_path_buf),
        _ => file.parent().map(|p| p.join(file.file_stem().unwrap_or_default())),
    };
    let Some(dir) = dir else { return false };
    [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")].iter().any(|f| {
        std::fs::read_to_string(f)
            .map(|text| text.lines().any(|l| l.trim_start().starts_with("//! ```")))
            .unwrap_or(false)
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `file:line: pub kind name` for every public item without an example.
fn items_without_examples() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in CRATE_SOURCES {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source file");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((kind, name)) = public_item(line) else { continue };
            let declared_module = kind == "mod" && line.trim_end().ends_with(';');
            if hidden(&lines, i)
                || doc_above(&lines, i).contains("```")
                || (declared_module && module_file_has_example(file, name))
            {
                continue;
            }
            let shown = file.strip_prefix(root).unwrap_or(file);
            missing.push(format!("{}:{}: pub {kind} {name}", shown.display(), i + 1));
        }
    }
    missing
}

#[test]
fn every_public_item_has_an_example() {
    let missing = items_without_examples();
    assert!(
        missing.is_empty(),
        "{} public item(s) without a rustdoc example:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_check_sees_items_and_their_examples() {
    assert_eq!(public_item("    pub fn lock(&self) -> u8 {"), Some(("fn", "lock")));
    assert_eq!(public_item("pub const fn new() -> Self {"), Some(("fn", "new")));
    assert_eq!(public_item("pub struct Mutex<T: ?Sized> {"), Some(("struct", "Mutex")));
    assert_eq!(public_item("pub mod sync {"), Some(("mod", "sync")));
    assert_eq!(public_item("pub(crate) fn hidden() {}"), None);
    assert_eq!(public_item("pub use std::sync::Arc;"), None);
    let with =
        ["/// Adds.", "///", "/// ```", "/// assert!(true);", "/// ```", "#[inline]", "pub fn add() {}"];
    assert!(doc_above(&with, 6).contains("```"));
    let without = ["/// Adds.", "#[inline]", "pub fn add() {}"];
    assert!(!doc_above(&without, 2).contains("```"));
    assert!(hidden(&["#[doc(hidden)]", "pub mod __private {"], 1));
    assert!(!hidden(&without, 2));
}
