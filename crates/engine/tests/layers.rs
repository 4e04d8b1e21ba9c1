//! The architecture, checked: the engine's modules form layers that only look down
//! (`node` <- `protocols` <- `invariants` <- `catalog` <- `sim` <- the users of a simulation), so
//! a protocol never names its checker, the simulator or the catalog; and no component of the
//! app imports the app module, so panels depend on their props alone.

use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of the engine and its layer; a module may use its own layer and those
/// below. `ring` and `lin` stand alone: consistent hashing and checking a history need no
/// simulation.
const LAYERS: &[(&str, u8)] = &[
    ("node", 0),
    ("narrate", 0),
    ("time", 1),
    ("ring", 1),
    ("lin", 1),
    ("protocols", 2),
    ("invariants", 3),
    ("catalog", 4),
    // The catalog's list of protocols, a macro exported at the crate root.
    ("for_each_protocol", 4),
    ("sim", 5),
    ("share", 6),
    ("any", 7),
    ("script", 8),
    ("check", 8),
    ("explore", 8),
    ("session", 8),
    ("tour", 9),
    ("bench", 9),
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

/// The `crate::x` modules a file names, with the line they are named on.
fn uses(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (pos, _) in code.match_indices("crate::") {
            if code[..pos].ends_with('$') {
                continue;
            }
            let name: String = code[pos + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push((name, i + 1));
            }
        }
    }
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
        let own = layer(module);
        for (used, line) in uses(&fs::read_to_string(file).unwrap()) {
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

#[test]
fn the_layer_check_sees_imports() {
    let found = uses(
        "use crate::sim::Simulation;\n// crate::catalog in a comment\nlet x = crate::node::MS;",
    );
    assert_eq!(found, [("sim".to_string(), 1), ("node".to_string(), 3)]);
}
