//! Bytes to typed records: one file at a time, with every per-file rule of docs/validation.md (mode,
//! size, UTF-8, TOML, schema, names, path, duplicates within a list). Cross-file rules are in
//! [`crate::validate`].

mod track;
mod typed;

use std::ops::Range;

use serde::de::DeserializeOwned;

use crate::diag::Code;
use crate::model::{Group, Package, Person, Track};
use crate::names::{GroupName, Login, NameError, NameRules, PackageName};
use crate::record::{RawConfig, RawGroup, RawPackage, RawPerson, RawPolicy, RawSuites, RawTrack};
use crate::source::{Content, MAX_FILE_SIZE, Mode, ROOT};
use track::track;
use typed::{group, package, person};

/// What a path under `maintainers/` should hold, judged by the path alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Config,
    Policy,
    Suites,
    Person(String),
    Group(String),
    /// `packages/<shard>/<name>.toml`; `shard` is `None` when the file is not one level deep.
    Package {
        shard: Option<String>,
        name: String,
    },
    Track {
        bug: String,
        archive: Option<String>,
    },
    Dismissed {
        bug: String,
    },
    Unexpected,
}

/// Classifies a repository-relative path.
pub fn classify(path: &str) -> Kind {
    let Some(rel) = path.strip_prefix(ROOT).and_then(|r| r.strip_prefix('/')) else {
        return Kind::Unexpected;
    };
    let parts: Vec<&str> = rel.split('/').collect();
    let stem = |s: &str| s.strip_suffix(".toml").map(str::to_owned);
    match parts.as_slice() {
        ["config.toml"] => Kind::Config,
        ["policy.toml"] => Kind::Policy,
        ["suites.toml"] => Kind::Suites,
        ["people", f] => stem(f).map_or(Kind::Unexpected, Kind::Person),
        ["groups", f] => stem(f).map_or(Kind::Unexpected, Kind::Group),
        ["packages", shard, f] => stem(f).map_or(Kind::Unexpected, |name| Kind::Package {
            shard: Some((*shard).to_owned()),
            name,
        }),
        ["packages", .., f] => {
            stem(f).map_or(Kind::Unexpected, |name| Kind::Package { shard: None, name })
        }
        ["tracks", f] => stem(f).map_or(Kind::Unexpected, |bug| Kind::Track { bug, archive: None }),
        ["tracks", "dismissed", f] => {
            stem(f).map_or(Kind::Unexpected, |bug| Kind::Dismissed { bug })
        }
        ["tracks", "archive", dir, f] => stem(f).map_or(Kind::Unexpected, |bug| Kind::Track {
            bug,
            archive: Some((*dir).to_owned()),
        }),
        _ => Kind::Unexpected,
    }
}

/// A typed record.
#[derive(Debug)]
/// The big rare ones are boxed: a check holds one per file before they go into the database.
pub enum Record {
    Config(Box<RawConfig>),
    Policy(Box<RawPolicy>),
    Suites(Box<RawSuites>),
    Person(Login, Box<Person>),
    Group(GroupName, Box<Group>),
    Package(PackageName, Package),
    Track(Box<Track>),
    /// A bug not to be offered as a candidate again.
    Dismissed(u64, Box<crate::record::RawDismissed>),
}

/// A validated name taken from the path, known even when the content is broken, so that a
/// broken file does not make every reference to it an error too.
#[derive(Debug, Clone)]
pub enum Key {
    Person(Login),
    Group(GroupName),
    Package(PackageName),
}

/// A per-file problem, before the file has an id in the report.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: Code,
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
    /// The other side of a conflict in the same file: where, and what is there.
    pub related: Option<(Range<usize>, String)>,
}

fn problem(code: Code, span: Option<Range<usize>>, message: impl Into<String>) -> Problem {
    Problem {
        code,
        span,
        message: message.into(),
        help: None,
        related: None,
    }
}

/// The outcome of loading one file.
#[derive(Debug)]
pub struct Loaded {
    pub path: String,
    /// The file's text (lossy for invalid UTF-8; empty when it was not read), shared with
    /// every other path that holds the same blob.
    pub text: std::sync::Arc<str>,
    pub key: Option<Key>,
    pub record: Option<Record>,
    pub problems: Vec<Problem>,
    /// How many of `problems` come from the path and mode rather than the content.
    path_problems: usize,
}

/// Reads and loads the record at `path` of the tree `root`, if one is there.
pub fn record_at(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
    path: &str,
    rules: &NameRules,
) -> Result<Option<Record>, crate::source::SourceError> {
    let Some(bytes) = crate::source::objects::blob_at(repo, root, path)? else {
        return Ok(None);
    };
    Ok(load(path, Mode::File, Content::Bytes(bytes), rules).record)
}

/// Loads one file: every per-file rule, then the typed record if it is sound.
pub fn load(path: &str, mode: Mode, content: Content, rules: &NameRules) -> Loaded {
    let mut out = Loaded {
        path: path.to_owned(),
        text: std::sync::Arc::from(""),
        key: None,
        record: None,
        problems: Vec::new(),
        path_problems: 0,
    };
    match mode {
        Mode::Symlink => {
            out.problems.push(problem(
                Code::Symlink,
                None,
                format!("{path} is a symbolic link"),
            ));
            return out;
        }
        Mode::Submodule => {
            out.problems.push(problem(
                Code::Submodule,
                None,
                format!("{path} is a git submodule"),
            ));
            return out;
        }
        Mode::Executable => out.problems.push(problem(
            Code::ExecutableFile,
            None,
            format!("{path} is executable"),
        )),
        Mode::File => {}
    }
    let kind = classify(path);
    if kind == Kind::Unexpected {
        out.problems.push(problem(
            Code::UnexpectedFile,
            None,
            format!("{path} is not a record file of any known kind"),
        ));
        return out;
    }
    out.key = key_from_path(path, &kind, rules, &mut out.problems);
    out.path_problems = out.problems.len();
    let bytes = match content {
        Content::Bytes(b) => b,
        Content::TooLarge(n) => {
            out.problems.push(problem(
                Code::FileTooLarge,
                None,
                format!("{path} is {n} bytes; records may be at most {MAX_FILE_SIZE} bytes"),
            ));
            return out;
        }
        Content::Skipped => return out,
    };
    out.text = match String::from_utf8(bytes) {
        Ok(t) => t.into(),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            out.text = String::from_utf8_lossy(e.as_bytes()).into();
            out.problems.push(problem(
                Code::InvalidUtf8,
                Some(at..at),
                format!("invalid UTF-8 at byte {at}"),
            ));
            return out;
        }
    };
    out.record = parse_record(&kind, out.key.as_ref(), &out.text, rules, &mut out.problems);
    out
}

/// What a path adds to a package record whose blob another path holds too: the name its path
/// gives, and the problems of its path and mode. A check makes it as it keeps the path, and
/// only decides beforehand, with [`stands_in`], which paths need a full load instead.
#[derive(Debug)]
pub struct TwinPath {
    name: Option<PackageName>,
    problems: Vec<Problem>,
}

/// The per-path part of [`load`] for a package record at `path` whose blob is the same as
/// `twin`'s: only the path's own rules are applied, the content is not parsed again. `None`
/// when `twin` cannot stand in (another kind of record, or content that did not make a
/// record); load it then. Records repeat: many packages share one maintainer list.
pub fn twin_path(path: &str, mode: Mode, twin: &Loaded, rules: &NameRules) -> Option<TwinPath> {
    let (shard, name) = twin_parts(path, mode, twin)?;
    let mut problems = Vec::new();
    if mode == Mode::Executable {
        problems.push(problem(
            Code::ExecutableFile,
            None,
            format!("{path} is executable"),
        ));
    }
    let name = package_key(path, Some(shard), name, rules, &mut problems);
    Some(TwinPath { name, problems })
}

/// Whether `twin` can stand in for the load of `path` ([`twin_path`] is `Some`), judged
/// without matching the name: nothing is made.
pub fn stands_in(path: &str, mode: Mode, twin: &Loaded) -> bool {
    twin_parts(path, mode, twin).is_some()
}

/// The shard folder and package name of `path` when `twin` can stand in for its load.
fn twin_parts<'p>(path: &'p str, mode: Mode, twin: &Loaded) -> Option<(&'p str, &'p str)> {
    let Some(Record::Package(..)) = &twin.record else {
        return None;
    };
    if !matches!(mode, Mode::File | Mode::Executable) {
        return None;
    }
    // What [`classify`] makes of a record one level under `packages/`, without copies;
    // anything else is loaded in full.
    let (shard, file) = path
        .strip_prefix(ROOT)?
        .strip_prefix("/packages/")?
        .split_once('/')?;
    let name = file.strip_suffix(".toml").filter(|_| !file.contains('/'))?;
    Some((shard, name))
}

/// What [`load`] gives for a package record at `path` whose blob is the same as `twin`'s
/// ([`twin_path`] and [`Loaded::with_twin`] together).
pub fn load_twin(path: &str, mode: Mode, twin: &Loaded, rules: &NameRules) -> Option<Loaded> {
    twin_path(path, mode, twin, rules).map(|t| twin.with_twin(path.to_owned(), t))
}

impl Loaded {
    /// The load of `path`, which holds the same package blob as `self`, from its [`twin_path`].
    pub fn with_twin(&self, path: String, twin: TwinPath) -> Loaded {
        let path_problems = twin.problems.len();
        let (package, problems) = self.twin_record(twin);
        Loaded {
            path,
            text: std::sync::Arc::clone(&self.text),
            // The name is in the record; a key is only read when there is none.
            key: None,
            record: package.map(|(name, pkg)| Record::Package(name, pkg)),
            problems,
            path_problems,
        }
    }

    /// What [`Loaded::with_twin`] gives a path besides its text: its package record (none
    /// when its name is bad) and its problems, those of its path first.
    pub fn twin_record(&self, twin: TwinPath) -> (Option<(PackageName, Package)>, Vec<Problem>) {
        let TwinPath { name, mut problems } = twin;
        problems.extend_from_slice(&self.problems[self.path_problems..]);
        let package = match (&self.record, name) {
            (Some(Record::Package(_, pkg)), Some(name)) => Some((name, pkg.clone())),
            _ => None,
        };
        (package, problems)
    }

    /// What is left of this load once its path and text are in a report: its problems, its
    /// record and its key, taken out.
    pub fn take_rest(&mut self) -> (Vec<Problem>, Option<Record>, Option<Key>) {
        (
            std::mem::take(&mut self.problems),
            self.record.take(),
            self.key.take(),
        )
    }
}

fn key_from_path(
    path: &str,
    kind: &Kind,
    rules: &NameRules,
    problems: &mut Vec<Problem>,
) -> Option<Key> {
    let mut bad = |code, e: NameError| {
        problems.push(bad_name(path, code, e));
        None
    };
    match kind {
        Kind::Person(n) => match Login::parse(n, rules) {
            Ok(l) => Some(Key::Person(l)),
            Err(e) => bad(Code::BadLogin, e),
        },
        Kind::Group(n) => match GroupName::parse(n, rules) {
            Ok(g) => Some(Key::Group(g)),
            Err(e) => bad(Code::BadGroupName, e),
        },
        Kind::Package { shard, name } => {
            package_key(path, shard.as_deref(), name, rules, problems).map(Key::Package)
        }
        Kind::Track { bug, archive } => {
            let archive_ok = archive
                .as_deref()
                .is_none_or(crate::record::is_point_release);
            if bug.parse::<u64>().is_err() || !archive_ok {
                problems.push(problem(
                    Code::BadTrackName,
                    None,
                    format!("{path} is not named tracks/<bug number>.toml or tracks/archive/<X.Y>/<bug number>.toml"),
                ));
            }
            None
        }
        Kind::Dismissed { bug } => {
            if bug.parse::<u64>().is_err() {
                problems.push(problem(
                    Code::BadTrackName,
                    None,
                    format!("{path} is not named tracks/dismissed/<bug number>.toml"),
                ));
            }
            None
        }
        _ => None,
    }
}

/// The problem of a file name that is not a valid name.
fn bad_name(path: &str, code: Code, e: NameError) -> Problem {
    let code = if e == NameError::Reserved {
        Code::ReservedLogin
    } else {
        code
    };
    problem(
        code,
        None,
        format!("the file name of {path} is not a valid name: {e}"),
    )
}

/// The package a record at `path` (in the folder `shard` under `packages/`, named
/// `name.toml`) is for, when the name is valid and the folder is its shard.
fn package_key(
    path: &str,
    shard: Option<&str>,
    name: &str,
    rules: &NameRules,
    problems: &mut Vec<Problem>,
) -> Option<PackageName> {
    let p = PackageName::parse(name, rules)
        .map_err(|e| problems.push(bad_name(path, Code::BadPackageName, e)))
        .ok()?;
    if !shard.is_some_and(|s| p.in_shard(s)) {
        let want = p.record_path();
        problems.push(Problem {
            help: Some(format!("move it to {want}")),
            ..problem(
                Code::PathMismatch,
                None,
                format!("{path} holds package `{p}`, whose record belongs at {want}"),
            )
        });
        return None;
    }
    Some(p)
}

/// Maps a TOML/serde error to the most specific code.
fn toml_problem(e: &toml::de::Error) -> Problem {
    let msg = e.message();
    let code = if msg.starts_with("duplicate key") {
        Code::DuplicateKey
    } else if msg.starts_with("unknown field") {
        Code::UnknownField
    } else if msg.starts_with("missing field") {
        Code::MissingField
    } else if msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.starts_with("invalid length")
    {
        Code::WrongType
    } else {
        Code::TomlSyntax
    };
    problem(code, e.span(), msg.trim_end().to_owned())
}

fn parse<T: DeserializeOwned>(text: &str, problems: &mut Vec<Problem>) -> Option<T> {
    toml::from_str(text)
        .map_err(|e| problems.push(toml_problem(&e)))
        .ok()
}

fn parse_record(
    kind: &Kind,
    key: Option<&Key>,
    text: &str,
    rules: &NameRules,
    problems: &mut Vec<Problem>,
) -> Option<Record> {
    match kind {
        Kind::Config => parse::<RawConfig>(text, problems).map(|c| {
            if let Some(u) = c
                .bug_url
                .as_ref()
                .filter(|u| !crate::record::safe_link(u.get_ref()))
            {
                problems.push(problem(
                    Code::UnsafeUrl,
                    Some(u.span()),
                    format!(
                        "bug_url `{}` is not an http, https or mailto link",
                        u.get_ref().escape_debug()
                    ),
                ));
            }
            if let Some(people) = &c.people {
                let domain = &people.email_domain;
                if people.address("login").parse::<lettre::Address>().is_err() {
                    problems.push(problem(
                        Code::BadEmail,
                        Some(domain.span()),
                        format!(
                            "[people] email_domain `{}` does not make an email address",
                            domain.get_ref().escape_debug()
                        ),
                    ));
                }
            }
            Record::Config(Box::new(c))
        }),
        Kind::Policy => parse::<RawPolicy>(text, problems).map(|p| Record::Policy(Box::new(p))),
        Kind::Suites => parse::<RawSuites>(text, problems).map(|suites| {
            for (name, s) in &suites {
                if !crate::record::is_point_release(&s.version) {
                    problems.push(problem(
                        Code::BadPointRelease,
                        None,
                        format!(
                            "[{name}] version `{}` is not a point release X.Y",
                            s.version
                        ),
                    ));
                }
            }
            Record::Suites(Box::new(suites))
        }),
        Kind::Person(_) => {
            let raw: RawPerson = parse(text, problems)?;
            let person = person(raw, problems);
            match key {
                Some(Key::Person(l)) => Some(Record::Person(l.clone(), Box::new(person))),
                _ => None,
            }
        }
        Kind::Group(_) => {
            let raw: RawGroup = parse(text, problems)?;
            let group = group(raw, rules, problems);
            match key {
                Some(Key::Group(g)) => Some(Record::Group(g.clone(), Box::new(group))),
                _ => None,
            }
        }
        Kind::Package { .. } => {
            let raw: RawPackage = parse(text, problems)?;
            let pkg = package(raw, rules, problems);
            match key {
                Some(Key::Package(p)) => Some(Record::Package(p.clone(), pkg)),
                _ => None,
            }
        }
        Kind::Track { bug, archive } => {
            let raw: RawTrack = parse(text, problems)?;
            let bug = bug.parse().ok()?;
            Some(Record::Track(Box::new(track(
                bug,
                archive.clone(),
                raw,
                problems,
            ))))
        }
        Kind::Dismissed { bug } => {
            let raw: crate::record::RawDismissed = parse(text, problems)?;
            let reason = raw.reason.get_ref();
            if reason.trim().is_empty() {
                problems.push(problem(
                    Code::InconsistentTrack,
                    Some(raw.reason.span()),
                    "a dismissed bug needs a `reason`: say why it is not tracked",
                ));
            }
            typed::check_text(reason, Some(raw.reason.span()), "reason", false, problems);
            Some(Record::Dismissed(bug.parse().ok()?, Box::new(raw)))
        }
        Kind::Unexpected => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_paths() {
        assert_eq!(
            classify("maintainers/packages/p/perl.toml"),
            Kind::Package {
                shard: Some("p".into()),
                name: "perl".into()
            }
        );
        assert_eq!(classify("maintainers/people/x.txt"), Kind::Unexpected);
        assert_eq!(
            classify("maintainers/tracks/archive/12.5/1.toml"),
            Kind::Track {
                bug: "1".into(),
                archive: Some("12.5".into())
            }
        );
        assert_eq!(classify("maintainers/README"), Kind::Unexpected);
    }
}
