//! The layers hold: inside `src/render/`, no module imports one that imports it back (views ←
//! pages ← site), checked on the source as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module of `dir` with the sibling modules it names through `super::`.
fn imports(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    let names: BTreeSet<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "mod")
        .collect();
    let word = regex::Regex::new(r"super::\{?([a-z_]+)").unwrap();
    let list = regex::Regex::new(r"super::\{([^}]*)\}").unwrap();
    let mut out = BTreeMap::new();
    for p in &files {
        let me = p.file_stem().unwrap().to_string_lossy().into_owned();
        if me == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        // Unit tests name their own module as `super`.
        let text = text.split("#[cfg(test)]").next().unwrap();
        let mut named: BTreeSet<String> =
            word.captures_iter(text).map(|c| c[1].to_owned()).collect();
        for c in list.captures_iter(text) {
            named.extend(c[1].split(',').map(|s| {
                s.trim()
                    .split("::")
                    .next()
                    .unwrap()
                    .trim_start_matches("self")
                    .to_owned()
            }));
        }
        named.retain(|n| names.contains(n) && *n != me);
        out.insert(me, named);
    }
    out
}

/// A cycle among `graph`'s modules, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            return Some(path[i..].to_vec());
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_owned());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn render_has_no_import_circle() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render");
    let graph = imports(&dir);
    assert!(
        graph["site"].contains("html"),
        "the reader sees imports: {graph:?}"
    );
    assert_eq!(cycle(&graph), None, "{graph:?}");
}
