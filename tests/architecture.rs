//! The module map in `docs/architecture.md`, checked against the code: which top-level modules
//! of `src/` may use which, that domains reach each other only through their public surface,
//! that layers inside a domain point one way, and that no two modules use each other. The map
//! is the fenced `modules` block of that page, so the page and the code cannot drift apart.
//!
//! Reads the sources as text (no compiler involved): every `crate::`/`super::` path outside
//! comments, string literals and `#[cfg(test)]` modules, with `{a, b::c}` groups expanded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAP: &str = "docs/architecture.md";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Shared building blocks: use only other foundation modules.
    Foundation,
    /// A business domain: foundation modules, plus the domains its row lists, through their
    /// public surface only.
    Domain,
    /// Composition and tooling (server start-up, CLI, seed data, operations): may use anything.
    App,
}

struct ModuleMap {
    kinds: BTreeMap<String, Kind>,
    /// Domain -> the other domains it may use.
    allowed: BTreeMap<String, BTreeSet<String>>,
    /// Sub-modules of a domain that no other module may name.
    internal: BTreeSet<String>,
    /// Layers inside a domain: (lower, higher): the lower never names the higher.
    layers: Vec<(String, String)>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses the fenced block that starts with "```modules" in the architecture page.
fn load_map() -> ModuleMap {
    let page = fs::read_to_string(root().join(MAP)).expect("docs/architecture.md exists");
    let block = page
        .split("```modules")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/architecture.md has a ```modules block");
    let mut map = ModuleMap {
        kinds: BTreeMap::new(),
        allowed: BTreeMap::new(),
        internal: BTreeSet::new(),
        layers: Vec::new(),
    };
    for line in block.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            [first, ..] if first.starts_with('#') => {}
            ["internal:", names @ ..] => map.internal.extend(names.iter().map(|s| s.to_string())),
            ["layers:", names @ ..] => {
                let names: Vec<&str> = names.iter().copied().filter(|w| *w != "<").collect();
                for pair in names.windows(2) {
                    map.layers.push((pair[0].to_string(), pair[1].to_string()));
                }
            }
            [name, kind, uses @ ..] => {
                let kind = match *kind {
                    "foundation" => Kind::Foundation,
                    "domain" => Kind::Domain,
                    "app" => Kind::App,
                    other => panic!("{MAP}: unknown kind {other:?} for {name}"),
                };
                map.kinds.insert(name.to_string(), kind);
                let uses = uses.iter().filter(|w| **w != "-").map(|s| s.to_string());
                map.allowed.insert(name.to_string(), uses.collect());
            }
            _ => panic!("{MAP}: cannot read the line {line:?}"),
        }
    }
    map
}

/// Every `.rs` file below `src/`, with its module path (`src/sellers/service/mod.rs` ->
/// `["sellers", "service"]`).
fn sources() -> Vec<(PathBuf, Vec<String>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            (path, module)
        })
        .collect()
}

/// The text that is code: comments, string and char literals blanked, and everything from a
/// `#[cfg(test)]` attribute on (test modules sit at the end of a file) dropped.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        match rest {
            ['/', '/', ..] => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            // Raw strings: r"..", r#".."#.
            ['r', '"' | '#', ..] if i == 0 || !is_word(chars[i - 1]) => {
                let hashes = rest[1..].iter().take_while(|c| **c == '#').count();
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                i += 2 + hashes;
                while i < chars.len() && !chars[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
                out.push_str("\"\"");
                continue;
            }
            ['"', ..] => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
                continue;
            }
            // Char literals ('x', '\n', '\''); a lifetime ('a) is left alone.
            ['\'', '\\', _, ..] => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            ['\'', _, '\'', ..] => {
                i += 3;
                continue;
            }
            [c, ..] => out.push(*c),
            [] => unreachable!(),
        }
        i += 1;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads a path tree at `s` (after `crate::` or `super::`): `a::b`, `a::{b, c::d}`, `a::*`.
fn path_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut prefix = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'{' {
            i += 1;
            let mut paths = Vec::new();
            loop {
                let (sub, used) = path_tree(&s[i..]);
                i += used;
                for p in sub {
                    let mut full = prefix.clone();
                    full.extend(p);
                    paths.push(full);
                }
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                match bytes.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => return (paths, i + 1),
                    _ => return (paths, i),
                }
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if bytes.get(i) == Some(&b'}') {
                    return (paths, i + 1);
                }
            }
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == start {
            return (vec![prefix], i);
        }
        prefix.push(s[start..i].to_string());
        if s[i..].starts_with("::") {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// Every module path the file names, resolved to a path from the crate root.
fn references(code: &str, module: &[String]) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let mut at = 0;
    while let Some(pos) = code[at..].find("::") {
        let colon = at + pos;
        let word_start = code[..colon]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |p| p + 1);
        let head = &code[word_start..colon];
        let preceded_by_path = code[..word_start].ends_with("::");
        at = colon + 2;
        if preceded_by_path || !matches!(head, "crate" | "super") {
            continue;
        }
        let mut base: Vec<String> = Vec::new();
        let mut rest = &code[colon + 2..];
        if head == "super" {
            // A file's module `a::b` is inside `a`; each further `super::` climbs once more.
            base = module[..module.len().saturating_sub(1)].to_vec();
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
        }
        let (paths, used) = path_tree(rest);
        at = colon + 2 + (rest.as_ptr() as usize - code[colon + 2..].as_ptr() as usize) + used;
        for p in paths {
            let mut full = base.clone();
            full.extend(p.into_iter().filter(|w| w != "self"));
            if !full.is_empty() {
                found.insert(full);
            }
        }
    }
    found
}

struct Use {
    file: String,
    from: Vec<String>,
    to: Vec<String>,
}

fn all_uses() -> Vec<Use> {
    let mut uses = Vec::new();
    for (path, module) in sources() {
        let code = code_of(&fs::read_to_string(&path).unwrap());
        let file = path.strip_prefix(root()).unwrap().display().to_string();
        for to in references(&code, &module) {
            uses.push(Use {
                file: file.clone(),
                from: module.clone(),
                to,
            });
        }
    }
    uses
}

/// Top-level modules that exist: `src/x.rs` or `src/x/`.
fn top_level_modules() -> BTreeSet<String> {
    sources()
        .into_iter()
        .filter_map(|(_, m)| m.first().cloned())
        .collect()
}

#[test]
fn the_map_names_every_module_and_nothing_else() {
    let map = load_map();
    let code: BTreeSet<String> = top_level_modules();
    let mapped: BTreeSet<String> = map.kinds.keys().cloned().collect();
    let unmapped: Vec<_> = code.difference(&mapped).collect();
    let stale: Vec<_> = mapped.difference(&code).collect();
    assert!(
        unmapped.is_empty(),
        "modules missing from {MAP}: {unmapped:?}"
    );
    assert!(
        stale.is_empty(),
        "{MAP} lists modules that do not exist: {stale:?}"
    );
}

#[test]
fn modules_use_only_what_the_map_allows() {
    let map = load_map();
    let mut wrong = Vec::new();
    for u in all_uses() {
        let (Some(from), Some(to)) = (u.from.first(), u.to.first()) else {
            continue;
        };
        let (Some(&from_kind), Some(&to_kind)) = (map.kinds.get(from), map.kinds.get(to)) else {
            continue; // the crate root (AppState, openapi()) and external names
        };
        if from == to {
            continue;
        }
        let ok = match (from_kind, to_kind) {
            (Kind::App, _) => true,
            (_, Kind::Foundation) => true,
            (Kind::Domain, Kind::Domain) => {
                map.allowed[from].contains(to)
                    && !u.to.get(1).is_some_and(|sub| map.internal.contains(sub))
            }
            _ => false,
        };
        if !ok {
            wrong.push(format!("{}: {} uses {}", u.file, from, u.to.join("::")));
        }
    }
    assert!(
        wrong.is_empty(),
        "uses the map ({MAP}) does not allow:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_domain_edge_in_the_map_is_real() {
    let map = load_map();
    let uses = all_uses();
    let mut stale = Vec::new();
    for (from, tos) in &map.allowed {
        for to in tos {
            let used = uses
                .iter()
                .any(|u| u.from.first() == Some(from) && u.to.first() == Some(to));
            if !used {
                stale.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{MAP} allows uses the code never makes: {stale:?}"
    );
}

#[test]
fn layers_inside_a_domain_point_one_way() {
    let map = load_map();
    let mut wrong = Vec::new();
    for u in all_uses() {
        let (Some(from_layer), Some(to_layer)) = (u.from.get(1), u.to.get(1)) else {
            continue;
        };
        if u.from.first() != u.to.first() || from_layer == to_layer {
            continue;
        }
        // Is `to_layer` above `from_layer` in the chain (transitively)?
        let mut above = BTreeSet::new();
        let mut frontier = vec![from_layer.clone()];
        while let Some(l) = frontier.pop() {
            for (lower, higher) in &map.layers {
                if *lower == l && above.insert(higher.clone()) {
                    frontier.push(higher.clone());
                }
            }
        }
        if above.contains(to_layer) {
            wrong.push(format!(
                "{}: {} uses {}",
                u.file,
                u.from.join("::"),
                u.to.join("::")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "uses against the layers of {MAP}:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_two_top_level_modules_use_each_other() {
    let map = load_map();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for u in all_uses() {
        let (Some(from), Some(to)) = (u.from.first(), u.to.first()) else {
            continue;
        };
        if from != to && map.kinds.contains_key(to) {
            edges.entry(from.clone()).or_default().insert(to.clone());
        }
    }
    // Depth-first search for a cycle; reports the first one found.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        let cycle = visit(node, &edges, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap().join(" -> ")
        );
    }
}

#[test]
fn the_reader_understands_the_paths_it_checks() {
    let module = vec![
        "sellers".to_string(),
        "service".to_string(),
        "profile".to_string(),
    ];
    let code = code_of(
        "use crate::{auth::{Principal, Role}, db::schema::sellers};\n\
         use super::super::model::Row; // crate::vetting::service in a comment\n\
         let x = \"crate::vetting::service\";\n\
         crate::webhooks::publish(conn).await;\n\
         #[cfg(test)]\nmod tests { use crate::vetting::service; }\n",
    );
    let refs: Vec<String> = references(&code, &module)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        refs,
        [
            "auth::Principal",
            "auth::Role",
            "db::schema::sellers",
            "sellers::model::Row",
            "webhooks::publish",
        ]
    );
}
