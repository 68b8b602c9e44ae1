//! The layer rules of DESIGN.md, kept true by a test: no module names a
//! module it must not depend on, and no two files import each other, even
//! through others. The sources are read as text; every `crate::` path in code
//! (not in comments) and every `use super::` counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module -> the modules it must never reference.
const NEVER: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "engine", "state", "store", "runtime", "api", "source", "tui", "demo", "agent", "watch",
        ],
    ),
    (
        "state",
        &[
            "engine", "store", "runtime", "api", "source", "tui", "demo", "agent", "watch",
        ],
    ),
    (
        "engine",
        &[
            "store", "runtime", "api", "source", "tui", "demo", "agent", "watch",
        ],
    ),
    (
        "store",
        &[
            "engine", "runtime", "api", "source", "tui", "demo", "agent", "watch",
        ],
    ),
    ("runtime", &["api", "source", "tui", "demo", "watch"]),
    (
        "api",
        &["engine", "store", "source", "tui", "demo", "agent", "watch"],
    ),
    (
        "source",
        &["engine", "store", "api", "tui", "demo", "agent", "watch"],
    ),
    (
        "tui",
        &[
            "engine", "store", "api", "runtime", "demo", "agent", "watch",
        ],
    ),
    ("demo", &["api", "tui"]),
    // The agent adapter performs effects for the runtime and reads only the
    // data below the engine.
    (
        "agent",
        &[
            "engine", "store", "runtime", "api", "source", "tui", "demo", "watch",
        ],
    ),
    // The watcher reads CodeDeploy through the AWS source only, like any
    // client of the API: never the engine, its store or the runtime.
    (
        "watch",
        &[
            "engine", "store", "runtime", "api", "tui", "demo", "agent", "lessons",
        ],
    ),
];

/// Only `main.rs` may use the command layer.
const TOP: &str = "cli";

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's module path: `src/engine/shift/mod.rs` -> `["engine", "shift"]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and string literals.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

/// Every path a file refers to, as module paths from the crate root:
/// `crate::a::b::{C, d::E}` gives `a::b::C` and `a::b::d::E`; `super::x` is
/// resolved against the file's module.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let text = code;
    for (start, root) in [("crate::", "crate"), ("super::", "super")] {
        let mut from = 0;
        while let Some(i) = text[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            // Part of a longer path (`foo::super::`) or identifier: skip.
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut rest = &text[from..];
            let base: Vec<String> = match root {
                "crate" => Vec::new(),
                _ => {
                    // `module_of` already made `mod.rs` its directory's module.
                    let mut m = module.to_vec();
                    m.pop();
                    while let Some(r) = rest.strip_prefix("super::") {
                        m.pop();
                        rest = r;
                    }
                    m
                }
            };
            for tail in expand(rest) {
                let mut path = base.clone();
                path.extend(tail);
                found.push(path);
            }
        }
    }
    found
}

/// The paths a `use` tree (or plain path) after `crate::` names.
fn expand(rest: &str) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    let mut s = rest;
    loop {
        let ident: String = s
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            if s.starts_with('{') {
                let inner = braced(s);
                return split_top(&inner)
                    .into_iter()
                    .flat_map(|item| {
                        expand(item.trim()).into_iter().map({
                            let prefix = prefix.clone();
                            move |t| {
                                let mut p = prefix.clone();
                                p.extend(t);
                                p
                            }
                        })
                    })
                    .collect();
            }
            return vec![prefix];
        }
        s = &s[ident.len()..];
        if ident != "self" {
            prefix.push(ident);
        }
        match s.strip_prefix("::") {
            Some(r) => s = r,
            None => return vec![prefix],
        }
    }
}

fn braced(s: &str) -> String {
    let mut depth = 0;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

fn split_top(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    items.push(cur);
    items.into_iter().filter(|i| !i.trim().is_empty()).collect()
}

struct Crate {
    /// File -> its module path.
    files: BTreeMap<PathBuf, Vec<String>>,
    /// Module path -> file.
    by_module: BTreeMap<Vec<String>, PathBuf>,
}

impl Crate {
    fn read() -> Crate {
        let mut paths = Vec::new();
        rust_files(&src(), &mut paths);
        let files: BTreeMap<PathBuf, Vec<String>> = paths
            .into_iter()
            .map(|p| (p.clone(), module_of(&p)))
            .collect();
        let by_module = files.iter().map(|(f, m)| (m.clone(), f.clone())).collect();
        Crate { files, by_module }
    }

    /// The file that defines the longest prefix of `path`.
    fn file_of(&self, path: &[String]) -> Option<&PathBuf> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.by_module.get(&path[..n]))
    }

    /// Each file's references, resolved to module paths.
    fn refs(&self) -> BTreeMap<PathBuf, Vec<Vec<String>>> {
        self.files
            .iter()
            .map(|(file, module)| {
                let text = std::fs::read_to_string(file).expect("readable source");
                (file.clone(), references(module, &code(&text)))
            })
            .collect()
    }
}

#[test]
fn no_module_references_a_layer_it_must_not() {
    let krate = Crate::read();
    let never: BTreeMap<&str, &[&str]> = NEVER.iter().copied().collect();
    let mut wrong = Vec::new();
    for (file, refs) in krate.refs() {
        let module = &krate.files[&file];
        let Some(top) = module.first().map(String::as_str) else {
            continue;
        };
        for r in refs {
            let Some(target) = r.first().map(String::as_str) else {
                continue;
            };
            let forbidden = never.get(top).is_some_and(|n| n.contains(&target))
                || (target == TOP && top != TOP && top != "main");
            if forbidden {
                wrong.push(format!("{} -> {}", file.display(), r.join("::")));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layer rules:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_cycles_between_files() {
    let krate = Crate::read();
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (file, refs) in krate.refs() {
        let module = krate.files[&file].clone();
        let edges = graph.entry(file.clone()).or_default();
        for r in refs {
            // A file's own submodules are below it (`mod x;` is not an import).
            if r.starts_with(&module) && r.len() > module.len() && r.len() == module.len() + 1 {
                continue;
            }
            if let Some(target) = krate.file_of(&r) {
                if *target != file {
                    edges.insert(target.clone());
                }
            }
        }
    }
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "files that import each other:\n{}",
        cycles
            .iter()
            .map(|c| c
                .iter()
                .map(|p| p.strip_prefix(src()).unwrap_or(p).display().to_string())
                .collect::<Vec<_>>()
                .join(" -> "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct T<'a> {
        g: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        next: usize,
        out: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a PathBuf) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        if let Some(ws) = t.g.get(v) {
            for w in ws {
                if !t.index.contains_key(w) {
                    visit(t, w);
                    let lw = t.low[w];
                    let lv = t.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if t.on.contains(w) {
                    let iw = t.index[w];
                    let lv = t.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_checker_sees_what_it_must() {
    // A forbidden reference inside braces, through `self`, is found...
    let refs = references(
        &["tui".into(), "view".into()],
        &code("use crate::{model::time, engine::{self, Engine}};\n// crate::store in a comment\n"),
    );
    let tops: BTreeSet<String> = refs.iter().filter_map(|r| r.first().cloned()).collect();
    assert!(tops.contains("engine"), "{refs:?}");
    assert!(tops.contains("model"), "{refs:?}");
    assert!(!tops.contains("store"), "comments do not count: {refs:?}");
    // ...and `super::` resolves against the file's module.
    let refs = references(
        &["engine".into(), "ops".into(), "groups".into()],
        "use super::super::Engine;",
    );
    assert_eq!(refs, vec![vec!["engine".to_string(), "Engine".to_string()]]);
    // Cycles are found.
    let a = PathBuf::from("a.rs");
    let b = PathBuf::from("b.rs");
    let g = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert_eq!(cycles(&g).len(), 1);
}

/// The dashboard's `update()` and `view()` are pure: time comes in messages
/// (`Msg::Tick`), so no file they are made of reads a clock. Only the app
/// loop (app.rs), the reads off the UI thread (loader.rs) and the pictures'
/// drivers may.
#[test]
fn the_dashboards_update_and_view_read_no_clock() {
    let allowed = [
        "app.rs",
        "loader.rs",
        "harness.rs",
        "screenshot.rs",
        "tour.rs",
    ];
    let mut files = Vec::new();
    rust_files(&src().join("tui"), &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if allowed.contains(&name) {
            continue;
        }
        let text = code(&std::fs::read_to_string(&file).expect("readable source"));
        for clock in ["Instant::now", ".elapsed()", "SystemTime", "wall_now"] {
            if text.contains(clock) {
                wrong.push(format!("{} reads the clock ({clock})", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
