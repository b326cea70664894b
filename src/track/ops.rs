//! The tracker commands' plans: which track files change, and the commit message that lists
//! every change. Each reads the tracks of `HEAD` and passes the same gate as any push.

use crate::diag::OpCode;
use std::collections::BTreeSet;

use crate::commit::Change;
use crate::edit::{Plan, Session};
use crate::gate::{Finding, Stop};
use crate::names::PackageName;
use crate::record::{BtsInfo, Editor, RawTrack, SuiteProgress, spanless};
use crate::source::objects::blob_at;

use super::archive::Versions;
use super::bts::BugStatus;
use super::records::{
    Tracks, active_path, archive_path, dismissed_path, suites_at, to_text, tracks_at,
};
use super::security::Candidate;
use super::sync::{Suite, World, step};

fn tracks(s: &Session) -> Result<Tracks, Stop> {
    Ok(tracks_at(s.repo(), s.base.root)?)
}

fn suites(s: &Session) -> Result<Vec<Suite>, Stop> {
    Ok(suites_at(s.repo(), s.base.root, &s.base.rules)?)
}

fn package_exists(s: &Session, name: &str) -> Result<bool, Stop> {
    Ok(match PackageName::parse(name, &s.base.rules) {
        Ok(p) => blob_at(s.repo(), s.base.root, &p.record_path())?.is_some(),
        Err(_) => false,
    })
}

fn write(bug: u64, track: &RawTrack) -> Change {
    Change {
        path: active_path(bug),
        content: Some(to_text(track).into_bytes()),
    }
}

fn edit(changes: Vec<Change>, subject: String, body: &[String]) -> Plan {
    let message = if body.is_empty() {
        subject
    } else {
        format!("{subject}\n\n{}\n", body.join("\n"))
    };
    Plan::Edit { changes, message }
}

/// What `track add` and `track candidates --add` start a track from.
pub struct NewTrack {
    pub bug: u64,
    pub package: String,
    pub suites: Vec<String>,
    pub cves: Vec<String>,
    pub bts: Option<BtsInfo>,
}

impl NewTrack {
    /// A track of `bug` from what the BTS says of it: the package is the bug's source.
    pub fn from_status(status: &BugStatus, suites: Vec<String>) -> NewTrack {
        NewTrack {
            bug: status.bug,
            package: status
                .source
                .first()
                .cloned()
                .unwrap_or_else(|| status.package.clone()),
            suites,
            cves: Vec::new(),
            bts: Some(super::sync::bts_info(status)),
        }
    }

    pub fn from_candidate(c: &Candidate) -> NewTrack {
        NewTrack {
            bug: c.bug,
            package: c.package.clone(),
            suites: c.suites.clone(),
            cves: c.cves.iter().cloned().collect(),
            bts: None,
        }
    }
}

/// Starts tracks; bugs tracked already are left as they are, and a bug dismissed before is
/// tracked now (its dismissal removed). A bug of a package with no record is refused, or with
/// `skip_unknown` (the security tracker knows every package of Debian; a distribution's records
/// may hold fewer) dismissed with that reason, so that it is reported once, not every run. At
/// most `max` tracks start, in the order given.
pub fn add(
    s: &Session,
    new: &[NewTrack],
    skip_unknown: bool,
    max: Option<usize>,
) -> Result<Plan, Stop> {
    let existing = tracks(s)?;
    let defined = suites(s)?;
    let mut refusals = Vec::new();
    let mut changes = Vec::new();
    let mut added = Vec::new();
    let mut dismissed = Vec::new();
    for n in new {
        if max.is_some_and(|m| added.len() >= m) {
            break;
        }
        if existing.knows(n.bug) || added.contains(&n.bug) || dismissed.contains(&n.bug) {
            continue;
        }
        if !package_exists(s, &n.package)? {
            if skip_unknown {
                if !existing.dismissed.contains_key(&n.bug) {
                    changes.push(dismissal(n.bug, &n.package, &no_record(n), &n.cves));
                    dismissed.push(n.bug);
                }
                continue;
            }
            refusals.push(Finding::new(
                crate::diag::Code::UnknownPackage,
                format!(
                    "bug {} is about package `{}`, which has no record",
                    n.bug, n.package
                ),
                "add the package first (maintdb new), or track a bug of a known package",
            ));
            continue;
        }
        for suite in &n.suites {
            if !defined.iter().any(|d| &d.name == suite) {
                refusals.push(Finding::new(
                    crate::diag::Code::UnknownSuite,
                    format!("suite `{suite}` is not defined in suites.toml"),
                    "use stable or oldstable, as suites.toml defines them",
                ));
            }
        }
        let mut track = RawTrack {
            package: spanless(n.package.clone()),
            suites: n.suites.iter().map(|x| spanless(x.clone())).collect(),
            cves: n.cves.clone(),
            bts: n.bts.clone(),
            stable: None,
            oldstable: None,
            unarchive_requested: None,
            outbox: Vec::new(),
        };
        for suite in &n.suites {
            if let Some(slot) = track.progress_mut(suite) {
                *slot = Some(SuiteProgress::new("new"));
            }
        }
        changes.push(write(n.bug, &track));
        if existing.dismissed.contains_key(&n.bug) {
            changes.push(Change {
                path: dismissed_path(n.bug),
                content: None,
            });
        }
        added.push(n.bug);
    }
    if !refusals.is_empty() {
        return Err(refusals.into());
    }
    if added.is_empty() && dismissed.is_empty() {
        return Ok(Plan::Unchanged("every bug is tracked already".into()));
    }
    let list = |bugs: &[u64]| {
        bugs.iter()
            .map(|b| format!("#{b}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let body: Vec<String> = dismissed
        .iter()
        .filter_map(|b| new.iter().find(|n| n.bug == *b))
        .map(|n| format!("#{} dismissed: {}", n.bug, no_record(n)))
        .collect();
    let subject = match (added.is_empty(), dismissed.is_empty()) {
        (false, true) => format!("track: add {}", list(&added)),
        (true, false) => format!("track: dismiss {}", list(&dismissed)),
        _ => format!("track: add {}, dismiss {}", list(&added), list(&dismissed)),
    };
    Ok(edit(changes, subject, &body))
}

/// Why `candidates --add` dismisses a candidate.
fn no_record(n: &NewTrack) -> String {
    format!("package {} has no record here", n.package)
}

fn dismissal(bug: u64, package: &str, reason: &str, cves: &[String]) -> Change {
    let d = crate::record::RawDismissed {
        package: package.to_owned(),
        reason: spanless(reason.to_owned()),
        cves: cves.to_vec(),
    };
    Change {
        path: dismissed_path(bug),
        content: Some(
            toml::to_string(&d)
                .expect("a dismissal serializes")
                .into_bytes(),
        ),
    }
}

/// Dismisses a candidate: `track candidates` does not offer it again. A bug tracked already is
/// refused (ignore its suites instead); dismissing again with another reason replaces it.
pub fn dismiss(s: &Session, new: &NewTrack, reason: &str) -> Result<Plan, Stop> {
    let all = tracks(s)?;
    let bug = new.bug;
    if all.knows(bug) {
        return Err(Stop::refused(
            OpCode::AlreadyTracked,
            format!("bug {bug} is tracked"),
            "to stop following a suite, use maintdb track ignore BUG --suite SUITE --reason ...",
        ));
    }
    if reason.trim().is_empty() {
        return Err(Stop::refused(
            OpCode::NoReason,
            "an empty --reason".to_owned(),
            "say why it is not tracked",
        ));
    }
    if all
        .dismissed
        .get(&bug)
        .is_some_and(|d| d.reason.get_ref() == reason)
    {
        return Ok(Plan::Unchanged(format!("bug {bug} is dismissed already")));
    }
    Ok(edit(
        vec![dismissal(bug, &new.package, reason, &new.cves)],
        format!("track: dismiss #{bug}"),
        &[format!("#{bug} ({}): {reason}", new.package)],
    ))
}

/// Marks a suite of a track as not to be fixed, with the reason.
pub fn ignore(s: &Session, bug: u64, suite: &str, reason: &str) -> Result<Plan, Stop> {
    let mut all = tracks(s)?;
    let Some(track) = all.active.get_mut(&bug) else {
        return Err(Stop::Refused(vec![Finding::new(
            OpCode::UnknownTrack,
            format!("bug {bug} is not tracked"),
            "track it first with maintdb track add",
        )]));
    };
    if !track.suites.iter().any(|x| x.get_ref() == suite) {
        return Err(Stop::Refused(vec![Finding::new(
            crate::diag::Code::UnknownSuite,
            format!("the track of bug {bug} does not follow {suite}"),
            "name a suite the track follows",
        )]));
    }
    let slot = track
        .progress_mut(suite)
        .expect("a followed suite is stable or oldstable");
    let p = slot.get_or_insert_with(|| SuiteProgress::new("new"));
    if p.state() == "ignored" && p.reason.as_deref() == Some(reason) {
        return Ok(Plan::Unchanged(format!(
            "bug {bug} is ignored in {suite} already"
        )));
    }
    let before = p.state().to_owned();
    p.set_state("ignored");
    p.reason = Some(reason.to_owned());
    let line = format!("{bug} {suite}: {before} -> ignored ({reason})");
    Ok(edit(
        vec![write(bug, track)],
        format!("track: ignore #{bug} in {suite}"),
        &[line],
    ))
}

/// What a sync run found, beside the plan.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub transitions: Vec<String>,
    pub warnings: Vec<String>,
}

/// Brings every active track that was asked about up to date with `world`.
pub fn sync(s: &Session, world: &World, report: &mut SyncReport) -> Result<Plan, Stop> {
    *report = SyncReport::default();
    let mut all = tracks(s)?;
    let defined = suites(s)?;
    let mut changes = Vec::new();
    for (bug, track) in all.active.iter_mut() {
        // A track added since the BTS was asked waits for the next run.
        if !world.asked.contains(bug) {
            continue;
        }
        let before = to_text(track);
        let step = step(*bug, track, &defined, world);
        report.transitions.extend(step.transitions);
        report.warnings.extend(step.warnings);
        if to_text(track) != before {
            changes.push(write(*bug, track));
        }
    }
    if changes.is_empty() {
        return Ok(Plan::Unchanged("every track is up to date".into()));
    }
    let subject = match report.transitions.len() {
        0 => "track sync: bug data refreshed".to_owned(),
        1 => "track sync: 1 transition".to_owned(),
        n => format!("track sync: {n} transitions"),
    };
    Ok(edit(changes, subject, &report.transitions))
}

/// After point release `version` of `suite`: marks what shipped, archives finished tracks and
/// moves `suites.toml` on.
pub fn release(s: &Session, suite: &str, version: &str, shipped: &Versions) -> Result<Plan, Stop> {
    let all = tracks(s)?;
    let mut lines = Vec::new();
    let mut changes = Vec::new();
    for (bug, track) in &all.active {
        let mut track = track.clone();
        let package = track.package.get_ref().clone();
        if let Some(Some(p)) = track.progress_mut(suite)
            && !matches!(p.state(), "released" | "ignored")
            && let Some(v) = p.version().map(ToOwned::to_owned)
            && shipped.has(&package, &v)
        {
            lines.push(format!(
                "{bug} {suite}: {} -> released ({v} in {version})",
                p.state()
            ));
            p.set_state("released");
            p.released_in = Some(spanless(version.to_owned()));
        }
        let finished = track.suites.iter().all(|x| {
            track
                .progress()
                .find(|(n, _)| *n == x.get_ref())
                .is_some_and(|(_, p)| matches!(p.state(), "released" | "ignored"))
        });
        if finished {
            lines.push(format!("{bug}: archived under {version}"));
            changes.push(Change {
                path: active_path(*bug),
                content: None,
            });
            changes.push(Change {
                path: archive_path(version, *bug),
                content: Some(to_text(&track).into_bytes()),
            });
        } else if to_text(&track) != to_text(&all.active[bug]) {
            changes.push(write(*bug, &track));
        }
    }
    let suites_path = "maintainers/suites.toml";
    let text = blob_at(s.repo(), s.base.root, suites_path)?
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let mut editor = Editor::parse(&text).map_err(|e| {
        Stop::Refused(vec![Finding::new(
            crate::diag::Code::TomlSyntax,
            format!("{suites_path} does not parse: {e}"),
            "fix suites.toml first",
        )])
    })?;
    let updated = editor.set_in_table(suite, "version", version).finish();
    if updated != text {
        changes.push(Change {
            path: suites_path.to_owned(),
            content: Some(updated.into_bytes()),
        });
        lines.push(format!("suites.toml: {suite} is now {version}"));
    }
    if changes.is_empty() {
        return Ok(Plan::Unchanged(format!(
            "{suite} {version} is recorded already"
        )));
    }
    Ok(edit(
        changes,
        format!("track: point release {version} of {suite}"),
        &lines,
    ))
}

/// The bugs of the active tracks, which `track sync` asks about.
pub fn tracked_active(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
) -> Result<BTreeSet<u64>, crate::source::SourceError> {
    Ok(tracks_at(repo, root)?.active.keys().copied().collect())
}

/// Why a point release's version cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseVersionError {
    #[error("`{0}` is not a point release X.Y")]
    NotAPointRelease(String),
    #[error("suites.toml's {suite} version `{version}` is not X.Y; fix suites.toml")]
    Recorded { suite: String, version: String },
    #[error(
        "{suite} is at {mirror} on the mirror, and suites.toml records {recorded} already: no \
         point release shipped since"
    )]
    NothingShipped {
        suite: String,
        mirror: String,
        recorded: String,
    },
    #[error(
        "--version {given} is not the point release after suites.toml's {recorded}: only {next} \
         can be recorded by hand"
    )]
    NotNext {
        given: String,
        recorded: String,
        next: String,
    },
}

/// The point release of `suite` that `track release` records: the mirror's (`dists/<codename>/
/// Release` says it), when it is past suites.toml's; or `given` by hand for a mirror that lags,
/// which must be the very next one.
pub fn release_version(
    suite: &Suite,
    given: Option<&str>,
    mirror: Option<&str>,
) -> Result<String, ReleaseVersionError> {
    use crate::record::{is_point_release, next_point_release, point_release_key};
    let recorded =
        point_release_key(&suite.version).ok_or_else(|| ReleaseVersionError::Recorded {
            suite: suite.name.clone(),
            version: suite.version.clone(),
        })?;
    if let Some(v) = given {
        if !is_point_release(v) {
            return Err(ReleaseVersionError::NotAPointRelease(v.to_owned()));
        }
        let next = next_point_release(&suite.version).unwrap_or_default();
        if v != next {
            return Err(ReleaseVersionError::NotNext {
                given: v.to_owned(),
                recorded: suite.version.clone(),
                next,
            });
        }
        return Ok(v.to_owned());
    }
    let m = mirror.unwrap_or_default();
    match point_release_key(m) {
        Some(k) if k > recorded => Ok(m.to_owned()),
        _ => Err(ReleaseVersionError::NothingShipped {
            suite: suite.name.clone(),
            mirror: m.to_owned(),
            recorded: suite.version.clone(),
        }),
    }
}

/// The suites the mirror shows past the point release suites.toml records, with that release:
/// what `track sync` records by itself, as `track release` would.
pub fn shipped_releases(suites: &[Suite], world: &World) -> Vec<(Suite, String)> {
    suites
        .iter()
        .filter_map(|s| {
            let m = world.point_releases.get(&s.codename)?;
            release_version(s, None, Some(m))
                .ok()
                .map(|v| (s.clone(), v))
        })
        .collect()
}

/// The bugs already tracked, for `track candidates`.
pub fn tracked(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
) -> Result<BTreeSet<u64>, crate::source::SourceError> {
    Ok(tracks_at(repo, root)?.bugs())
}

/// Bug → the suites it should follow by default: those `suites.toml` defines.
pub fn default_suites(s: &Session) -> Result<Vec<String>, Stop> {
    Ok(suites(s)?.into_iter().map(|x| x.name).collect())
}
