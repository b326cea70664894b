//! The validator behind `maintdb check`: loads every file of a source, applies the cross-file
//! rules of docs/validation.md, and returns the database together with the report.

mod cross;
pub mod delta;

pub use cross::{Facts, PersonFact};

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic, File, FileId, Report};
use crate::load::{self, Key, Loaded, Record};
use crate::model::{Db, Packages};
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
    let mut take = |file, record, key| match (record, key) {
        (Some(r), _) => insert(&mut db, r, file),
        (None, Some(k)) => known.add(k),
        (None, None) => {}
    };
    if let Some(l) = config {
        let (file, record, key) = absorb(&mut report, l);
        take(file, record, key);
    }
    let packages = load_all(source, entries, &rules, &mut report, take)?;
    // Packages come in path order, nearly sorted by name: they are sorted in the vector they
    // were loaded into, while the rules that need no package run. Packages loaded again on
    // their own are in `db` already, and are merged in after.
    let loaded_again = std::mem::take(&mut db.packages);
    let (packages, found) = rayon::join(
        || sorted(packages),
        || {
            let mut found = Report::default();
            cross_people(&db, &known, &mut found);
            found.diagnostics
        },
    );
    db.packages = packages;
    db.packages
        .update(&Default::default(), loaded_again.into_vec());
    report.diagnostics.extend(found);
    if let Some((span, msg)) = rule_problem {
        let file = file_of(&report, CONFIG).expect("a rule problem comes from config.toml");
        report.push(Diagnostic::new(Code::BadNameRule, file, span, msg));
    }
    cross_packages(&db, &known, &mut report);
    report.sort();
    Ok((db, report))
}

/// The packages of `loaded`, in the vector they were loaded into: a path that made no
/// package record leaves a hole, and an option of a pair is the size of the pair.
fn sorted(mut loaded: Vec<Option<(PackageName, crate::model::Package)>>) -> Packages {
    loaded.retain(Option::is_some);
    let packages = loaded
        .into_iter()
        .map(|p| p.expect("kept only the packages"))
        .collect();
    Packages::new(packages)
}

/// How a file is loaded by [`load_all`].
#[derive(Clone, Copy)]
enum How {
    /// The first path of its blob: the `n`th load.
    First(u32),
    /// A package record whose blob the `n`th load holds too: its path's own rules only.
    Twin(u32),
    /// Its blob's first path made no package record: loaded in full again, the `n`th time.
    Again(u32),
}

/// Loads `entries` into `report`, each file in order with its problems, and returns the
/// package record of each; every other record, and the key of a file that made none, goes to
/// `take`. A blob that several paths hold (many packages share one maintainer list) is read
/// and parsed once, in parallel with the other distinct blobs; the other paths only get their
/// own rules applied ([`load::twin_path`]) and share its record. What is kept per path is
/// made in parallel too, straight into the vectors it ends in; besides them a path costs a
/// [`How`] and, when it has problems, a pointer to them. Every vector here is memory the
/// kernel zeroes on first touch, which is most of what a check of a big tree costs.
fn load_all(
    source: &Source,
    entries: Vec<Entry>,
    rules: &NameRules,
    report: &mut Report,
    mut take: impl FnMut(FileId, Option<Record>, Option<Key>),
) -> Result<Vec<Option<(PackageName, crate::model::Package)>>, SourceError> {
    use rayon::prelude::*;
    // Object ids are hashes already: the table uses their first bytes as they are.
    let mut first: gix::hashtable::HashMap<gix::ObjectId, u32> =
        gix::hashtable::HashMap::with_capacity_and_hasher(entries.len() / 4, Default::default());
    let mut firsts: Vec<&Entry> = Vec::new();
    let mut how: Vec<How> = entries
        .iter()
        .map(|e| match &e.location {
            Location::Blob(id) => match first.entry(*id) {
                gix::hashtable::hash_map::Entry::Occupied(o) => How::Twin(*o.get()),
                gix::hashtable::hash_map::Entry::Vacant(v) => {
                    v.insert(firsts.len() as u32);
                    firsts.push(e);
                    How::First(firsts.len() as u32 - 1)
                }
            },
            _ => {
                firsts.push(e);
                How::First(firsts.len() as u32 - 1)
            }
        })
        .collect();
    drop(first);
    let load = |e: &Entry, c| load::load(&e.path, e.mode, c, rules);
    let mut loaded = source.map_entries(&firsts, load)?;
    // Twins of a blob that did not make a package record are loaded in full.
    let mut again = Vec::new();
    for (h, e) in how.iter_mut().zip(&entries) {
        if let How::Twin(t) = *h
            && !load::stands_in(&e.path, e.mode, &loaded[t as usize])
        {
            *h = How::Again(again.len() as u32);
            again.push(e);
        }
    }
    let mut again = source.map_entries(&again, load)?;

    let base = report.files.len() as u32;
    let mut out = (std::mem::take(&mut report.files), (Vec::new(), Vec::new()));
    // Each thread matches names with its own copy of the rules: a regex shared between
    // threads hands its scratch space from one to the other under a lock.
    out.par_extend(entries.into_par_iter().zip(&how).enumerate().map_init(
        || rules.clone(),
        |rules, (i, (e, h))| {
            let file = FileId(base + i as u32);
            let (text, package, problems) = match *h {
                How::First(n) => {
                    let l = &loaded[n as usize];
                    match &l.record {
                        Some(Record::Package(name, pkg)) => (
                            &l.text,
                            Some((name.clone(), pkg.clone())),
                            l.problems.clone(),
                        ),
                        _ => (&l.text, None, Vec::new()),
                    }
                }
                How::Twin(n) => {
                    let l = &loaded[n as usize];
                    let twin = load::twin_path(&e.path, e.mode, l, rules)
                        .expect("a twin that stands in has its path's part");
                    let (package, problems) = l.twin_record(twin);
                    (&l.text, package, problems)
                }
                How::Again(n) => (&again[n as usize].text, None, Vec::new()),
            };
            let package = package.map(|(name, pkg)| (name, crate::model::Package { file, ..pkg }));
            let problems = (!problems.is_empty()).then(|| Box::new(problems));
            (
                File::new(e.path, std::sync::Arc::clone(text)),
                (package, problems),
            )
        },
    ));
    let (files, (packages, problems)) = out;
    report.files = files;
    for (i, (h, problems)) in how.into_iter().zip(problems).enumerate() {
        let file = FileId(base + i as u32);
        if let Some(problems) = problems {
            push_problems(report, file, *problems);
        }
        // What the parallel pass left: the whole load of a file that made no package record.
        let l = match h {
            How::First(n) if !matches!(loaded[n as usize].record, Some(Record::Package(..))) => {
                &mut loaded[n as usize]
            }
            How::Again(n) => &mut again[n as usize],
            _ => continue,
        };
        let (problems, record, key) = l.take_rest();
        push_problems(report, file, problems);
        take(file, record, key);
    }
    Ok(packages)
}

/// Adds a loaded file and its per-file problems to `report`.
pub fn absorb(report: &mut Report, l: Loaded) -> (FileId, Option<Record>, Option<Key>) {
    let file = report.files.add(l.path, l.text);
    push_problems(report, file, l.problems);
    (file, l.record, l.key)
}

/// Adds the per-file problems of `file` to `report`.
fn push_problems(report: &mut Report, file: FileId, problems: Vec<crate::load::Problem>) {
    for p in problems {
        let mut d = Diagnostic::new(p.code, file, p.span, p.message);
        if let Some(h) = p.help {
            d = d.help(h);
        }
        if let Some((span, message)) = p.related {
            d = d.related(file, Some(span), message);
        }
        report.push(d);
    }
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
            db.people.insert(l, *p);
        }
        Record::Group(g, mut x) => {
            x.file = file;
            db.groups.insert(g, *x);
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
            db.dismissed.insert(bug, *d);
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
    /// What is known of each login, by its hash: every maintainer of every package is looked
    /// up, and a search of the sorted people compares a dozen names.
    people: hashbrown::HashMap<&'a str, PersonFact>,
}

impl<'a> FullTree<'a> {
    fn new(db: &'a Db, known: &'a Known) -> FullTree<'a> {
        let mut people = hashbrown::HashMap::with_capacity(db.people.len() + known.people.len());
        people.extend(
            known
                .people
                .iter()
                .map(|l| (l.as_str(), PersonFact::Broken)),
        );
        people.extend(db.people.iter().map(|(l, p)| {
            let fact = PersonFact::Present {
                inactive: p.inactive,
            };
            (l.as_str(), fact)
        }));
        FullTree { db, known, people }
    }
}

impl Facts for FullTree<'_> {
    fn person(&self, login: &Login) -> PersonFact {
        let fact = self.people.get(login.as_str()).copied();
        fact.unwrap_or(PersonFact::Missing)
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

/// Every cross-file rule over a loaded tree.
fn cross_check(db: &Db, known: &Known, report: &mut Report) {
    cross_people(db, known, report);
    cross_packages(db, known, report);
}

/// The cross-file rules on groups and people, which need no package.
fn cross_people(db: &Db, known: &Known, report: &mut Report) {
    let facts = FullTree::new(db, known);
    for (name, group) in &db.groups {
        cross::group(name, group, &facts, report);
    }
    let people = db
        .people
        .iter()
        .flat_map(|(l, p)| cross::person_claims(l, p));
    let groups = db
        .groups
        .iter()
        .flat_map(|(g, x)| cross::group_claims(g, x));
    cross::addresses(people.chain(groups), report);
}

/// The cross-file rules on packages and tracks. Packages are checked on every thread:
/// packages that share a blob share their maintainer list, and a list a thread has found
/// clean once is clean for every package that holds it.
fn cross_packages(db: &Db, known: &Known, report: &mut Report) {
    use rayon::prelude::*;
    let facts = FullTree::new(db, known);
    let found: Vec<Vec<Diagnostic>> = db
        .packages
        .as_slice()
        .par_iter()
        .fold(
            || (hashbrown::HashSet::new(), Report::default()),
            |(mut clean, mut found), (name, pkg)| {
                let list = pkg.maintainers.as_ptr() as usize;
                if !clean.contains(&list) {
                    let before = found.diagnostics.len();
                    cross::package(name, pkg, &facts, &mut found);
                    if found.diagnostics.len() == before {
                        clean.insert(list);
                    }
                }
                (clean, found)
            },
        )
        .map(|(_, found)| found.diagnostics)
        .collect();
    found.into_iter().for_each(|d| report.diagnostics.extend(d));
    case_collisions(db, report);
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
                let file = |n: &PackageName| db.packages.get(n.as_str()).map(|p| p.file);
                let later = file(b).expect("a name the packages list");
                cross::case_collision((a.as_str(), file(a)), (b.as_str(), later), report);
            }
            None => {
                folded.insert(lower, name);
            }
        }
    }
}
