//! The per-file rules of a track record: known suites and states, a positive `pu_bug`, valid
//! Debian versions and point releases, and a state that agrees with the fields beside it.

use std::ops::Range;

use super::{Problem, problem};
use crate::diag::Code;
use crate::model::Track;
use crate::record::{RawTrack, SuiteProgress, TRACK_STATES, TRACK_SUITES, is_point_release};

fn check_version(v: &str, span: Option<Range<usize>>, what: &str, problems: &mut Vec<Problem>) {
    if let Err(e) = v.parse::<debversion::Version>() {
        problems.push(problem(
            Code::BadVersion,
            span,
            format!("{what} `{v}` is not a Debian version: {e}"),
        ));
    }
}

/// What a state needs beside it, as `(field, present)` pairs.
fn needs(p: &SuiteProgress) -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    let state = p.state();
    let rank = TRACK_STATES.iter().position(|s| *s == state);
    let at_least = |s: &str| {
        let want = TRACK_STATES.iter().position(|x| *x == s);
        state != "ignored" && rank >= want
    };
    if state == "notified" {
        out.push(("notified", p.notified.is_some()));
        out.push(("notify_msgid", p.notify_msgid.is_some()));
    }
    if state == "requested" {
        out.push(("pu_bug", p.pu_bug.is_some()));
    }
    if at_least("uploaded") {
        out.push(("version", p.version.is_some()));
    }
    if state == "released" {
        out.push(("released_in", p.released_in.is_some()));
    }
    if state == "ignored" {
        out.push((
            "reason",
            p.reason.as_deref().is_some_and(|r| !r.trim().is_empty()),
        ));
    }
    out
}

fn check_progress(suite: &str, p: &SuiteProgress, problems: &mut Vec<Problem>) {
    if let Some(r) = &p.reason {
        super::typed::check_text(r, None, &format!("[{suite}] reason"), false, problems);
    }
    let state = p.state();
    if !TRACK_STATES.contains(&state) {
        problems.push(problem(
            Code::UnknownTrackState,
            Some(p.state.span()),
            format!("unknown state `{state}`"),
        ));
        return;
    }
    for (field, present) in needs(p) {
        if !present {
            problems.push(problem(
                Code::InconsistentTrack,
                Some(p.state.span()),
                format!("[{suite}] is `{state}` but has no `{field}`"),
            ));
        }
    }
    if let Some(b) = &p.pu_bug
        && *b.get_ref() <= 0
    {
        problems.push(problem(
            Code::BadPuBug,
            Some(b.span()),
            format!("pu_bug {} is not a bug number", b.get_ref()),
        ));
    }
    if let Some(v) = &p.newest {
        check_version(v.get_ref(), Some(v.span()), "newest", problems);
    }
    if let Some(v) = &p.version {
        check_version(v.get_ref(), Some(v.span()), "version", problems);
    }
    if let Some(r) = &p.released_in
        && !is_point_release(r.get_ref())
    {
        problems.push(problem(
            Code::BadPointRelease,
            Some(r.span()),
            format!("released_in `{}` is not a point release X.Y", r.get_ref()),
        ));
    }
}

pub(super) fn track(
    bug: u64,
    archive: Option<String>,
    raw: RawTrack,
    problems: &mut Vec<Problem>,
) -> Track {
    for s in &raw.suites {
        if !TRACK_SUITES.contains(&s.get_ref().as_str()) {
            problems.push(problem(
                Code::UnknownSuite,
                Some(s.span()),
                format!("a track follows stable or oldstable, not `{}`", s.get_ref()),
            ));
        }
    }
    for (suite, p) in raw.progress() {
        check_progress(suite, p, problems);
        if !raw.suites.iter().any(|s| s.get_ref() == suite) {
            problems.push(problem(
                Code::InconsistentTrack,
                Some(p.state.span()),
                format!("a [{suite}] table, but `suites` does not list {suite}"),
            ));
        }
    }
    if let Some(bts) = &raw.bts {
        for v in bts.fixed_versions.iter().chain(&bts.found_versions) {
            // The BTS writes `source/version`, or the version alone.
            let version = v.rsplit_once('/').map_or(v.as_str(), |(_, v)| v);
            check_version(version, None, "[bts] version", problems);
        }
    }
    let progress = raw
        .progress()
        .map(|(n, p)| (n.to_owned(), p.clone()))
        .collect();
    Track {
        bug,
        archive,
        package: raw.package.get_ref().clone(),
        package_span: raw.package.span(),
        suites: raw.suites.iter().map(|s| s.get_ref().clone()).collect(),
        suite_spans: raw.suites.iter().map(|s| s.span()).collect(),
        cves: raw.cves,
        bts: raw.bts,
        progress,
        file: crate::diag::FileId(0),
    }
}
