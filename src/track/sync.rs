//! The tracker's state machine: a pure function from a track record and what the BTS and the
//! archive say now, to the new record and the transitions, told in words. States only move
//! forward, except that a bug reopened in the BTS goes back to `new`; `ignored` is never
//! touched.

use std::collections::BTreeMap;

use super::archive::{Upload, Versions};
use super::bts::BugStatus;
use crate::record::{BtsInfo, RawTrack, SuiteProgress, TRACK_STATES, next_point_release, spanless};

/// A suite as `suites.toml` describes it.
#[derive(Debug, Clone)]
pub struct Suite {
    /// `stable` or `oldstable`.
    pub name: String,
    /// `bookworm`.
    pub codename: String,
    /// The last point release, `12.8`.
    pub version: String,
}

impl Suite {
    /// The release's major number, which its stable updates carry (`+deb12u1`).
    pub fn major(&self) -> &str {
        self.version.split('.').next().unwrap_or("")
    }

    /// The queue that holds uploads for this suite's proposed-updates.
    pub fn queue(&self) -> String {
        format!("{}-new", self.name)
    }

    /// Whether `version` belongs to this suite's own line: a stable update of it
    /// (`+deb12u1`, `~deb12u1`) or the version the suite itself holds.
    pub fn on_branch(&self, version: &str, suite_versions: &[String]) -> bool {
        let major = self.major();
        let marked = !major.is_empty()
            && (version.contains(&format!("+deb{major}u"))
                || version.contains(&format!("~deb{major}u")));
        marked || suite_versions.iter().any(|v| v == version)
    }
}

/// Whether `version` was made for a released suite rather than for unstable: a stable or
/// security update (`+deb12u2`, `~deb11u1`) or a backport (`~bpo12+1`). Such a version
/// fixes no suite "in unstable", whichever suite it belongs to.
pub fn on_a_released_line(version: &str) -> bool {
    static LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[+~]deb\d+u\d+|~bpo\d+").expect("a valid pattern")
    });
    LINE.is_match(version)
}

/// A stable update request of the release team (a `pu` or `opu` bug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub bug: u64,
    pub codename: String,
    pub package: String,
    pub version: Option<String>,
    /// Tagged `pending`: the upload happened.
    pub pending: bool,
    /// Tagged `moreinfo`: the release team waits for an answer.
    pub moreinfo: bool,
}

impl Request {
    /// Reads a request bug: the package from its subject (`bookworm-pu: package zlib/1.2-3`)
    /// or from `affects` (`src:zlib`), the codename from its distribution tag.
    pub fn from_status(s: &BugStatus, codenames: &[&str]) -> Option<Request> {
        let codename = codenames.iter().find(|c| s.tags.iter().any(|t| t == *c))?;
        let from_subject = s
            .subject
            .split_once(": package ")
            .map(|(_, rest)| rest.split_whitespace().next().unwrap_or(""))
            .map(|pv| match pv.split_once('/') {
                Some((p, v)) => (p.to_owned(), Some(v.to_owned())),
                None => (pv.to_owned(), None),
            })
            .filter(|(p, _)| !p.is_empty());
        let (package, version) = from_subject.or_else(|| {
            s.affects
                .iter()
                .find_map(|a| a.strip_prefix("src:"))
                .map(|p| (p.to_owned(), None))
        })?;
        Some(Request {
            bug: s.bug,
            codename: (*codename).to_owned(),
            package,
            version,
            pending: s.tags.iter().any(|t| t == "pending"),
            moreinfo: s.tags.iter().any(|t| t == "moreinfo"),
        })
    }
}

/// Everything observed in one sync, shared by all tracks.
#[derive(Debug, Default)]
pub struct World {
    /// The tracked bugs the BTS was asked about.
    pub asked: std::collections::BTreeSet<u64>,
    pub statuses: BTreeMap<u64, BugStatus>,
    pub requests: Vec<Request>,
    pub queue: Vec<Upload>,
    /// Codename → what `<codename>-proposed-updates` holds.
    pub proposed: BTreeMap<String, Versions>,
    /// Codename → what the released suite holds.
    pub released: BTreeMap<String, Versions>,
    /// Codename → the point release the mirror's Release file says the suite is at.
    pub point_releases: BTreeMap<String, String>,
    /// When it was observed (Unix seconds, the run's clock).
    pub now: i64,
}

/// What a sync did to one track.
#[derive(Debug, Default)]
pub struct Step {
    pub transitions: Vec<String>,
    pub warnings: Vec<String>,
}

fn rank(state: &str) -> usize {
    TRACK_STATES.iter().position(|s| *s == state).unwrap_or(0)
}

fn bare_version(v: &str) -> &str {
    v.rsplit_once('/').map_or(v, |(_, v)| v)
}

/// The `[bts]` table of a track, from what the BTS says.
pub fn bts_info(s: &BugStatus) -> BtsInfo {
    BtsInfo {
        subject: s.subject.clone(),
        severity: s.severity.clone(),
        tags: s.tags.clone(),
        done: s.done.clone(),
        fixed_versions: s.fixed_versions.clone(),
        found_versions: s.found_versions.clone(),
        mergedwith: s.mergedwith.clone(),
        archived: s.archived,
        msgid: s.msgid.clone(),
    }
}

/// The furthest state the observations show for one suite, with what it learned.
struct Seen {
    state: &'static str,
    note: String,
    pu_bug: Option<u64>,
    version: Option<String>,
    released_in: Option<String>,
}

fn observe(
    bug: u64,
    package: &str,
    suite: &Suite,
    p: &SuiteProgress,
    world: &World,
) -> Option<Seen> {
    let status = world.statuses.get(&bug)?;
    let none = Versions::default();
    let released = world.released.get(&suite.codename).unwrap_or(&none);
    let proposed = world.proposed.get(&suite.codename).unwrap_or(&none);
    let own = released.of(package);
    // Each observation that holds overrides the one before: they come in state order.
    let mut best: Option<(&'static str, String)> = None;
    // A fix in unstable: a fixed version on no released suite's line, nor the suite's own.
    let fixed_elsewhere = status.fixed_versions.iter().find(|v| {
        let v = bare_version(v);
        !on_a_released_line(v) && !suite.on_branch(v, own)
    });
    if !status.done.is_empty()
        && let Some(v) = fixed_elsewhere
    {
        best = Some(("fixed-unstable", format!("fixed in {v}")));
    }
    let kind = if suite.name == "oldstable" {
        "opu"
    } else {
        "pu"
    };
    let request = world
        .requests
        .iter()
        .filter(|r| r.package == package && r.codename == suite.codename)
        .max_by_key(|r| r.bug);
    let mut version = p.version().map(ToOwned::to_owned);
    if let Some(r) = request {
        best = Some(("requested", format!("{kind} #{}", r.bug)));
        if r.pending {
            version = version.or_else(|| r.version.clone());
            best = Some(("uploaded", format!("{kind} #{} pending", r.bug)));
        }
    }
    let upload = world.queue.iter().find_map(|u| {
        if u.source != package || u.queue != suite.queue() {
            return None;
        }
        let on_branch = u.versions.iter().find(|v| suite.on_branch(v, own));
        if u.closes.contains(&bug) {
            on_branch.or(u.versions.first()).cloned()
        } else {
            on_branch.cloned()
        }
    });
    if let Some(v) = upload {
        best = Some(("uploaded", format!("{v} in the {} queue", suite.queue())));
        version = Some(v);
    }
    // Without a known version, a stable update in proposed-updates that the suite does not
    // hold yet is this fix.
    let version = version.or_else(|| {
        proposed
            .of(package)
            .iter()
            .find(|v| suite.on_branch(v, &[]) && !released.has(package, v))
            .cloned()
    });
    let mut released_in = None;
    if let Some(v) = &version {
        if proposed.has(package, v) {
            best = Some((
                "accepted",
                format!("{v} in {}-proposed-updates", suite.codename),
            ));
        }
        if released.has(package, v) {
            released_in = next_point_release(&suite.version);
            let release = released_in.as_deref().unwrap_or("?");
            best = Some((
                "released",
                format!("{v} in {}, point release {release}", suite.codename),
            ));
        }
    }
    let (state, note) = best?;
    Some(Seen {
        state,
        note,
        pu_bug: request.map(|r| r.bug),
        version: version.filter(|_| rank(state) >= rank("uploaded")),
        released_in,
    })
}

/// Brings `track` (bug `bug`) up to date with `world`.
pub fn step(bug: u64, track: &mut RawTrack, suites: &[Suite], world: &World) -> Step {
    let mut out = Step::default();
    let Some(status) = world.statuses.get(&bug) else {
        out.warnings.push(format!(
            "bug {bug} is unknown to the BTS; the track is kept as it is"
        ));
        return out;
    };
    let package = track.package.get_ref().clone();
    if !status.source.is_empty() && !status.source.contains(&package) {
        out.warnings.push(format!(
            "bug {bug} is now filed against {}, not {package}; the track keeps {package}",
            status.source.join(", ")
        ));
    }
    let was_done = track.bts.as_ref().is_some_and(|b| !b.done.is_empty());
    let reopened = was_done && status.done.is_empty();
    track.bts = Some(bts_info(status));
    let followed: Vec<String> = track.suites.iter().map(|s| s.get_ref().clone()).collect();
    for name in followed {
        let Some(suite) = suites.iter().find(|s| s.name == name) else {
            continue;
        };
        let Some(slot) = track.progress_mut(&name) else {
            continue;
        };
        let p = slot.get_or_insert_with(|| SuiteProgress::new("new"));
        // Kept up to date once known; first written with a transition, so that following a
        // bug that does not move makes no commit.
        let newest = newest(&package, &suite.codename, world);
        if let Some(v) = &newest
            && p.newest.as_ref().is_some_and(|n| n.get_ref() != v)
        {
            p.newest = Some(spanless(v.clone()));
        }
        note_moreinfo(p, world);
        let current = p.state().to_owned();
        if current == "ignored" {
            continue;
        }
        if reopened {
            if current != "new" {
                p.set_state("new");
                out.transitions
                    .push(format!("{bug} {name}: {current} -> new (reopened)"));
            }
            continue;
        }
        let Some(seen) = observe(bug, &package, suite, p, world) else {
            continue;
        };
        if rank(seen.state) <= rank(&current) {
            continue;
        }
        p.set_state(seen.state);
        if let Some(v) = newest {
            p.newest = Some(spanless(v));
        }
        if let Some(b) = seen.pu_bug {
            p.pu_bug = Some(spanless(b as i64));
        }
        note_moreinfo(p, world);
        if let Some(v) = seen.version {
            p.version = Some(spanless(v));
        }
        if let Some(r) = seen.released_in {
            p.released_in = Some(spanless(r));
        }
        out.transitions.push(format!(
            "{bug} {name}: {current} -> {} ({})",
            seen.state, seen.note
        ));
    }
    out
}

/// Keeps `moreinfo_since` in step with the suite's request: set when the tag is first seen,
/// removed when it is gone (or the request is no longer one of the release team's).
fn note_moreinfo(p: &mut SuiteProgress, world: &World) {
    let tagged = p.pu_bug.as_ref().is_some_and(|b| {
        world
            .requests
            .iter()
            .any(|r| i64::try_from(r.bug).is_ok_and(|n| n == *b.get_ref()) && r.moreinfo)
    });
    if !tagged {
        p.moreinfo_since = None;
    } else if p.moreinfo_since.is_none() {
        p.moreinfo_since = Some(super::mail::clock::datetime(world.now));
    }
}

/// The newest version of `package` in the suite `codename` or its proposed-updates.
fn newest(package: &str, codename: &str, world: &World) -> Option<String> {
    [&world.released, &world.proposed]
        .iter()
        .filter_map(|m| m.get(codename))
        .flat_map(|v| v.of(package))
        .filter_map(|v| Some((v.parse::<debversion::Version>().ok()?, v)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v.clone())
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
