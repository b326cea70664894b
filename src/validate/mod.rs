//! The validator behind `maintdb check`: loads every file of a source, applies the cross-file
//! rules of docs/validation.md, and returns the database together with the report.

mod cross;
pub mod delta;

pub use cross::{Facts, PersonFact};

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic, FileId, Report};
use crate::load::{self, Key, Loaded, Record};
use crate::model::Db;
use crate::names::{GroupName, Login, NameRules, PackageName};
use crate::record::RawConfig;
use crate::source::{Content, Entry, Location, Source, SourceError};

const CONFIG: &str = "maintainers/config.toml";

/// Loads and validates everything in `source`.
pub fn check(source: &Source) -> Result<(Db, Report), SourceError> {
    let mut entries = source.entries()?;
    let mut report = Report::default();
    report.files.reserve(entries.len());
    let mut db = Db::default();

    // config.toml first: its name rules apply to every other file.
    let config = match entries.iter().position(|e| e.path == CONFIG) {
        Some(i) => {
            let e = entries.remove(i);
            source
                .map_entries(&[e], |e, c| {
                    load::load(&e.path, e.mode, c, &NameRules::default())
                })?
                .pop()
        }
        None => None,
    };
    if let Some(Loaded {
        record: Some(Record::Config(cfg)),
        ..
    }) = &config
    {
        db.config = (**cfg).clone();
    }
    let rule_problem = apply_name_rules(&mut db);
    let rules = db.rules.clone();

    let mut known = Known::default();
    // Packages come in path order, nearly sorted by name: the map is built from them in one
    // go, in full nodes, rather than by a hundred thousand inserts.
    let mut packages = Vec::with_capacity(entries.len());
    let mut take = |l: Loaded| {
        let (file, record, key) = absorb(&mut report, l);
        match (record, key) {
            (Some(Record::Package(n, mut p)), _) => {
                p.file = file;
                packages.push((n, p));
            }
            (Some(r), _) => insert(&mut db, r, file),
            (None, Some(k)) => known.add(k),
            (None, None) => {}
        }
    };
    config.into_iter().for_each(&mut take);
    load_all(source, entries, &rules, take)?;
    db.packages = packages.into_iter().collect();
    if let Some((span, msg)) = rule_problem {
        let file = file_of(&report, CONFIG).expect("a rule problem comes from config.toml");
        report.push(Diagnostic::new(Code::BadNameRule, file, span, msg));
    }
    cross_check(&db, &known, &mut report);
    report.sort();
    Ok((db, report))
}

/// Loads `entries` and hands each file to `take`, in their order. A blob that several paths
/// hold (many packages share one maintainer list) is read and parsed once, in parallel with
/// the other distinct blobs; the other paths only get their own rules applied
/// ([`load::twin_path`]), which keeps a few dozen bytes per path until every file is loaded.
fn load_all(
    source: &Source,
    entries: Vec<Entry>,
    rules: &NameRules,
    mut take: impl FnMut(Loaded),
) -> Result<(), SourceError> {
    use rayon::prelude::*;
    let mut first: HashMap<gix::ObjectId, u32> = HashMap::with_capacity(entries.len() / 4);
    let mut firsts: Vec<&Entry> = Vec::new();
    // For each entry: the position in `firsts` of the entry whose blob it shares, if any.
    let twin_of: Vec<Option<u32>> = entries
        .iter()
        .map(|e| match &e.location {
            Location::Blob(id) => match first.entry(*id) {
                std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(firsts.len() as u32);
                    firsts.push(e);
                    None
                }
            },
            _ => {
                firsts.push(e);
                None
            }
        })
        .collect();
    drop(first);
    let load = |e: &Entry, c| load::load(&e.path, e.mode, c, rules);
    let mut loaded = source.map_entries(&firsts, load)?;
    // Each thread matches names with its own copy of the rules: a regex shared between
    // threads hands its scratch space from one to the other under a lock.
    let twins: Vec<Option<load::TwinPath>> = twin_of
        .par_iter()
        .zip(&entries)
        .map_init(
            || rules.clone(),
            |rules, (t, e)| load::twin_path(&e.path, e.mode, &loaded[(*t)? as usize], rules),
        )
        .collect();
    // Twins of a blob that did not make a package record are loaded in full.
    let again: Vec<&Entry> = (twin_of.iter().zip(&twins).zip(&entries))
        .filter(|((t, p), _)| t.is_some() && p.is_none())
        .map(|(_, e)| e)
        .collect();
    let mut again = source.map_entries(&again, load)?.into_iter();
    let mut next_first = 0;
    for ((e, t), twin) in entries.into_iter().zip(twin_of).zip(twins) {
        let l = match (t, twin) {
            (None, _) => {
                next_first += 1;
                loaded[next_first - 1].share()
            }
            (Some(t), Some(twin)) => loaded[t as usize].with_twin(e.path, twin),
            (Some(_), None) => again.next().expect("every twin not shared is loaded again"),
        };
        take(l);
    }
    Ok(())
}

/// Adds a loaded file and its per-file problems to `report`.
pub fn absorb(report: &mut Report, l: Loaded) -> (FileId, Option<Record>, Option<Key>) {
    let file = report.files.add(l.path, l.text);
    for p in l.problems {
        let mut d = Diagnostic::new(p.code, file, p.span, p.message);
        if let Some(h) = p.help {
            d = d.help(h);
        }
        if let Some((span, message)) = p.related {
            d = d.related(file, Some(span), message);
        }
        report.push(d);
    }
    (file, l.record, l.key)
}

/// The name rules of `source`'s config.toml alone (the defaults when it is missing or broken),
/// for commands that read one record without a full check.
pub fn name_rules(source: &Source) -> Result<NameRules, SourceError> {
    Ok(config(source.read_path(CONFIG)?).1)
}

/// config.toml from its bytes, with the name rules it sets (the defaults when it is absent,
/// broken, or its patterns do not compile: the full check reports those).
pub fn config(bytes: Option<Vec<u8>>) -> (RawConfig, NameRules) {
    let mut db = Db::default();
    if let Some(bytes) = bytes
        && let Some(Record::Config(cfg)) = load::load(
            CONFIG,
            crate::source::Mode::File,
            Content::Bytes(bytes),
            &db.rules,
        )
        .record
    {
        db.config = *cfg;
    }
    apply_name_rules(&mut db);
    (db.config, db.rules)
}

fn file_of(report: &Report, path: &str) -> Option<FileId> {
    (0..report.files.len() as u32)
        .map(FileId)
        .find(|&f| report.files.path(f) == path)
}

/// Compiles the name rules from config.toml; on failure keeps the defaults and returns the problem.
fn apply_name_rules(db: &mut Db) -> Option<(Option<std::ops::Range<usize>>, String)> {
    let RawConfig { names, .. } = &db.config;
    let get = |s: &Option<toml::Spanned<String>>| s.as_ref().map(|s| s.get_ref().clone());
    let (p, l, g) = (get(&names.package), get(&names.login), get(&names.group));
    match NameRules::with(
        p.as_deref(),
        names.package_max_len,
        l.as_deref(),
        g.as_deref(),
    ) {
        Ok(r) => {
            db.rules = r;
            None
        }
        Err((which, e)) => {
            let span = match which {
                "package" => names.package.as_ref(),
                "login" => names.login.as_ref(),
                _ => names.group.as_ref(),
            }
            .map(|s| s.span());
            Some((
                span,
                format!("the {which} name rule is not a valid regex: {e}"),
            ))
        }
    }
}

fn insert(db: &mut Db, r: Record, file: FileId) {
    match r {
        Record::Config(_) => {}
        Record::Policy(p) => db.policy = *p,
        Record::Suites(s) => db.suites = *s,
        Record::Person(l, mut p) => {
            p.file = file;
            db.people.insert(l, p);
        }
        Record::Group(g, mut x) => {
            x.file = file;
            db.groups.insert(g, x);
        }
        Record::Package(n, mut p) => {
            p.file = file;
            db.packages.insert(n, p);
        }
        Record::Track(mut t) => {
            t.file = file;
            db.tracks.push(*t);
        }
        Record::Dismissed(bug, d) => {
            db.dismissed.insert(bug, d);
        }
    }
}

/// Names whose files exist but could not be loaded: references to them are not reported
/// again (the broken file already is).
#[derive(Default)]
struct Known {
    people: std::collections::HashSet<String>,
    groups: std::collections::HashSet<String>,
    packages: std::collections::HashSet<String>,
}

impl Known {
    fn add(&mut self, k: Key) {
        match k {
            Key::Person(l) => self.people.insert(l.as_str().to_owned()),
            Key::Group(g) => self.groups.insert(g.as_str().to_owned()),
            Key::Package(p) => self.packages.insert(p.as_str().to_owned()),
        };
    }
}

/// [`Facts`] over a fully loaded tree.
struct FullTree<'a> {
    db: &'a Db,
    known: &'a Known,
}

impl Facts for FullTree<'_> {
    fn person(&self, login: &Login) -> PersonFact {
        match self.db.people.get(login) {
            Some(p) => PersonFact::Present {
                inactive: p.inactive,
            },
            None if self.known.people.contains(login.as_str()) => PersonFact::Broken,
            None => PersonFact::Missing,
        }
    }

    fn group_exists(&self, name: &GroupName) -> bool {
        self.db.groups.contains_key(name) || self.known.groups.contains(name.as_str())
    }

    fn package_exists(&self, name: &str) -> bool {
        self.db.packages.contains_key(name) || self.known.packages.contains(name)
    }

    fn suite_defined(&self, name: &str) -> bool {
        self.db.suites.contains_key(name)
    }
}

fn cross_check(db: &Db, known: &Known, report: &mut Report) {
    let facts = FullTree { db, known };
    // Packages that share a blob share their maintainer list: a list found clean once is
    // clean for every package that holds it.
    let mut clean: std::collections::HashSet<*const crate::names::Maintainer> =
        std::collections::HashSet::new();
    for (name, pkg) in &db.packages {
        let list = pkg.maintainers.as_ptr();
        if clean.contains(&list) {
            continue;
        }
        let before = report.diagnostics.len();
        cross::package(name, pkg, &facts, report);
        if report.diagnostics.len() == before {
            clean.insert(list);
        }
    }
    for (name, group) in &db.groups {
        cross::group(name, group, &facts, report);
    }
    case_collisions(db, report);
    let people = db
        .people
        .iter()
        .flat_map(|(l, p)| cross::person_claims(l, p));
    let groups = db
        .groups
        .iter()
        .flat_map(|(g, x)| cross::group_claims(g, x));
    cross::addresses(people.chain(groups), report);
    for t in &db.tracks {
        cross::track(t, &facts, report);
    }
}

fn case_collisions(db: &Db, report: &mut Report) {
    // Only a name with an uppercase letter can collide with another: look those up by their
    // lowercase form, instead of lowercasing every name.
    let mut folded: HashMap<String, &PackageName> = HashMap::new();
    for name in db
        .packages
        .keys()
        .filter(|n| n.as_str().chars().any(char::is_uppercase))
    {
        let lower = name.as_str().to_lowercase();
        let first = match db.packages.get_key_value(lower.as_str()) {
            Some((lowercase_twin, _)) => Some(lowercase_twin),
            None => folded.get(&lower).copied(),
        };
        match first {
            Some(first) => {
                // Report against whichever of the two sorts later.
                let (a, b) = if first < name {
                    (first, name)
                } else {
                    (name, first)
                };
                cross::case_collision(
                    (a.as_str(), Some(db.packages[a].file)),
                    (b.as_str(), db.packages[b].file),
                    report,
                );
            }
            None => {
                folded.insert(lower, name);
            }
        }
    }
}
