//! The architecture, checked: the engine's modules form layers that only look down
//! (`node` <- `protocols` <- `invariants` <- `catalog` <- `sim` <- the users of a simulation), so
//! a protocol never names its checker, the simulator or the catalog; and no component of the
//! app imports the app module, so panels depend on their props alone.

use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of the engine and its layer; a module may use its own layer and those
/// below. Consistent hashing is a crate of its own (lab-ring), so Cargo keeps it apart; `lin`
/// stands alone: checking a history needs no simulation.
const LAYERS: &[(&str, u8)] = &[
    ("node", 0),
    ("time", 1),
    ("lin", 1),
    ("protocols", 2),
    ("invariants", 3),
    ("catalog", 4),
    ("sim", 5),
    ("share", 6),
    ("any", 7),
    ("script", 8),
    ("check", 8),
    ("explore", 8),
    ("tour", 9),
    ("bench", 9),
    // What a front end decides, tours included.
    ("session", 10),
];

/// Items lib.rs re-exports at the crate root, and the module each comes from.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("NodeId", "node"),
    ("Time", "node"),
    ("MS", "node"),
    ("SECOND", "node"),
    ("Bug", "catalog"),
    ("NetworkSettings", "catalog"),
    ("ProtocolKind", "catalog"),
    ("Settings", "catalog"),
    ("Action", "sim"),
    ("Simulation", "sim"),
];

fn layer(module: &str) -> u8 {
    let module = ROOT_ITEMS
        .iter()
        .find(|(item, _)| *item == module)
        .map_or(module, |(_, home)| home);
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .unwrap_or_else(|| panic!("module {module} has no layer: add it to LAYERS"))
        .1
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text with comments and string and character literals blanked, newlines kept (so line
/// numbers hold): a path or a brace inside them is not code.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let ident = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        if rest.starts_with(&['/', '/']) {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut depth = 0;
            while i < c.len() {
                if c[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == '"' {
            // A raw string's `r` and hashes are already out: count the hashes back.
            let hashes = c[..i].iter().rev().take_while(|&&h| h == '#').count();
            let raw = i > hashes && c[i - hashes - 1] == 'r' && {
                let before = i - hashes - 1;
                before == 0 || !ident(c[before - 1]) || c[before - 1] == 'b'
            };
            out.push('"');
            i += 1;
            while i < c.len() {
                if raw
                    && c[i] == '"'
                    && c[i + 1..].iter().take_while(|&&h| h == '#').count() >= hashes
                {
                    break;
                }
                if !raw && c[i] == '"' {
                    break;
                }
                if !raw && c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                out.push('"');
                i += 1;
            }
        } else if c[i] == '\'' && (rest.get(1) == Some(&'\\') || rest.get(2) == Some(&'\'')) {
            // A character literal ('{', '\n'); a lifetime ('a) has no closing quote.
            out.push('\'');
            i += 1;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The top-level modules a file names through `crate::` paths and `super::` paths that climb to
/// the crate root, with the line each is named on. `module` is the file's module path
/// (`["catalog", "raft"]` for `catalog/raft.rs`); `super::` climbs from there, and from any
/// inline `mod x { ... }` it sits in. A grouped import (`use crate::{sim::X, node::Y}`) names
/// each module in the group.
fn uses(module: &[&str], text: &str) -> Vec<(String, usize)> {
    let code: Vec<char> = code_only(text).chars().collect();
    let ident = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    let word_at = |i: usize| -> String { code[i..].iter().take_while(|&&ch| ident(ch)).collect() };
    let starts = |i: usize, s: &str| code[i..].iter().take(s.len()).copied().eq(s.chars());
    let line_of = |i: usize| code[..i].iter().filter(|&&ch| ch == '\n').count() + 1;
    let skip_space = |mut i: usize| {
        while i < code.len() && code[i].is_whitespace() {
            i += 1;
        }
        i
    };
    // The first name of a path's tail, or of each path in a `{ ... }` group.
    let heads = |i: usize| -> Vec<(String, usize)> {
        let i = skip_space(i);
        if code.get(i) != Some(&'{') {
            return vec![(word_at(i), i)];
        }
        let mut found = Vec::new();
        let (mut depth, mut j, mut item_start) = (0, i, true);
        while j < code.len() {
            match code[j] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ',' if depth == 1 => item_start = true,
                ch if item_start && depth == 1 && ident(ch) => {
                    found.push((word_at(j), j));
                    item_start = false;
                }
                _ => {}
            }
            j += 1;
        }
        found
    };
    // The brace depth at which each inline module the scan is in opened.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut found = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let boundary = i == 0 || !(ident(code[i - 1]) || code[i - 1] == '$' || code[i - 1] == ':');
        if code[i] == '{' {
            depth += 1;
        } else if code[i] == '}' {
            depth = usize::saturating_sub(depth, 1);
            if inline.last() == Some(&depth) {
                inline.pop();
            }
        } else if boundary && starts(i, "mod ") {
            let name_at = skip_space(i + 4);
            let name = word_at(name_at);
            if code.get(skip_space(name_at + name.len())) == Some(&'{') {
                inline.push(depth);
            }
        } else if boundary && starts(i, "crate::") {
            found.extend(heads(i + 7).into_iter().map(|(m, at)| (m, line_of(at))));
            i += 7;
            continue;
        } else if boundary && starts(i, "super::") {
            let mut up = 0;
            while starts(i + 7 * up, "super::") {
                up += 1;
            }
            // Only a climb to the crate root leaves the file's own top-level module: what
            // follows then names a top-level module.
            if up == module.len() + inline.len() {
                found.extend(
                    heads(i + 7 * up)
                        .into_iter()
                        .map(|(m, at)| (m, line_of(at))),
                );
            }
            i += 7 * up;
            continue;
        }
        i += 1;
    }
    found.retain(|(m, _)| !m.is_empty() && m != "self");
    found
}

#[test]
fn engine_modules_only_look_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs");
        if matches!(module, "lib" | "bin") {
            continue;
        }
        let stem = rel.with_extension("");
        let path: Vec<&str> = stem
            .iter()
            .map(|c| c.to_str().unwrap())
            .filter(|&c| c != "mod")
            .collect();
        let own = layer(module);
        for (used, line) in uses(&path, &fs::read_to_string(file).unwrap()) {
            if used != module && layer(&used) > own {
                wrong.push(format!("{}:{line} uses crate::{used}", rel.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that look up a layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_app_components_never_import_the_app() {
    let components = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/components");
    let mut files = Vec::new();
    rust_files(&components, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("crate::app"),
            "{} imports the app module",
            file.display()
        );
    }
}

fn named(found: &[(&str, usize)]) -> Vec<(String, usize)> {
    found
        .iter()
        .map(|&(m, line)| (m.to_string(), line))
        .collect()
}

#[test]
fn the_layer_check_sees_imports() {
    let found = uses(
        &["check"],
        "use crate::sim::Simulation;\n// crate::catalog in a comment\nlet x = crate::node::MS;",
    );
    assert_eq!(found, named(&[("sim", 1), ("node", 3)]));
}

#[test]
fn the_layer_check_sees_each_module_of_a_grouped_import() {
    let text = "\
use crate::{sim::Simulation, node::{NodeId, Out}};
use crate::{
    catalog::Settings,
    time,
};";
    let found = uses(&["check"], text);
    assert_eq!(
        found,
        named(&[("sim", 1), ("node", 1), ("catalog", 3), ("time", 4)])
    );
}

#[test]
fn the_layer_check_climbs_super_paths_from_the_file_and_its_inline_modules() {
    let text = "\
use super::Entry;
use super::super::sim::World;
use super::super::{explore, node::NodeId};
mod tests {
    use super::super::super::check::run;
    use super::super::Model;
}
use super::super::share::Link;";
    // Inside `mod tests`, `super::super` (line 6) is still the catalog: not a top-level name.
    assert_eq!(
        uses(&["catalog", "raft"], text),
        named(&[
            ("sim", 2),
            ("explore", 3),
            ("node", 3),
            ("check", 5),
            ("share", 8)
        ])
    );
    // From a top-level file, `super` is the crate root.
    assert_eq!(uses(&["check"], "use super::sim::X;"), named(&[("sim", 1)]));
}

#[test]
fn the_layer_check_skips_literals_comments_and_macro_paths() {
    let text = "\
let s = \"crate::sim {\";
/* crate::explore */ let c = '{';
let r = r#\"super::check\"#;
$crate::protocols::raft::Raft
mod m { use super::super::node::Out; }";
    assert_eq!(uses(&["catalog"], text), named(&[("node", 5)]));
}
