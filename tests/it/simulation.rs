//! Six weeks of a tracker's life, run as cron would run it: twelve bugs over stable and
//! oldstable, the BTS and the archive replayed on 127.0.0.1 and changed day by day, a real SMTP
//! server, and a clock that moves (`MAINTDB_NOW`). Every morning: `track sync`, `track notify`,
//! `track prod --due` and `track todo`, each pushing to a server with the hook installed.

use std::collections::{BTreeMap, BTreeSet};

use crate::mail::{Sink, have_aiosmtpd, md};
use crate::replay::{Bug, Replay, World};
use crate::support::{Clone, Server, git_ok};

const FIRST: u64 = 1_100_001;
const BUGS: u64 = 12;
/// Bugs below this one follow oldstable too.
const BOTH_BELOW: u64 = FIRST + 6;
/// Fixed on day 6, reopened on day 9 and fixed again on day 12: notified twice, with two
/// Message-IDs.
const REOPENED: u64 = FIRST + 4;
/// Its stable request waits at `moreinfo` from day 16.
const STALLED: u64 = FIRST + 1;
/// Requested, uploaded and accepted before the point release of day 30.
const SHIPPED: [u64; 3] = [FIRST, FIRST + 2, FIRST + 3];

fn package(bug: u64) -> String {
    format!("lib{:02}", bug - FIRST + 1)
}

fn request(bug: u64, suite: &str) -> u64 {
    let base = if suite == "stable" {
        1_200_000
    } else {
        1_300_000
    };
    base + bug - FIRST
}

fn fix(bug: u64, suite: &str) -> String {
    if suite == "stable" {
        "1.0-1+deb12u4".into()
    } else {
        format!("0.9-1+deb11u3.{}", bug - FIRST)
    }
}

fn world() -> World {
    let mut w = World {
        usertags: vec![("pu".into(), vec![]), ("opu".into(), vec![])],
        ..World::default()
    };
    w.release.insert("bookworm".into(), "12.8".into());
    w.release.insert("bullseye".into(), "11.11".into());
    for dist in ["bookworm-proposed-updates", "bullseye-proposed-updates"] {
        w.sources.insert(dist.into(), Vec::new());
    }
    for bug in FIRST..FIRST + BUGS {
        let p = package(bug);
        w.bugs.insert(
            bug,
            Bug::new(bug, &p, &format!("{p}: CVE-2026-{bug}: out-of-bounds read")),
        );
        w.sources
            .entry("bookworm".into())
            .or_default()
            .push((p.clone(), "1.0-1+deb12u3".into()));
        w.sources
            .entry("bullseye".into())
            .or_default()
            .push((p, "0.9-1+deb11u2".into()));
    }
    w
}

/// What happens in the world on `day`, before the morning's runs.
fn events(r: &Replay, day: u64) {
    r.set(|w| {
        let unstable = |w: &mut World, bug: u64, version: &str| {
            let b = w.bugs.get_mut(&bug).unwrap();
            b.done = "Fixer <fixer@example.org>".into();
            b.fixed = vec![format!("{}/{version}", package(bug))];
        };
        // One bug a day is fixed in unstable, from day 2.
        if (2..2 + BUGS).contains(&day) {
            unstable(w, FIRST + day - 2, "2.0-1");
        }
        if day == 9 {
            let b = w.bugs.get_mut(&REOPENED).unwrap();
            b.done.clear();
            b.fixed.clear();
        }
        if day == 12 {
            unstable(w, REOPENED, "2.0-2");
        }
        // The release team's requests, for the first four bugs, each suite it follows.
        if (10..14).contains(&day) {
            let bug = FIRST + day - 10;
            for (suite, codename, tag) in [
                ("stable", "bookworm", "pu"),
                ("oldstable", "bullseye", "opu"),
            ] {
                if suite == "oldstable" && bug >= BOTH_BELOW {
                    continue;
                }
                let n = request(bug, suite);
                let mut pu = Bug::new(
                    n,
                    "release.debian.org",
                    &format!(
                        "{codename}-{tag}: package {}/{}",
                        package(bug),
                        fix(bug, suite)
                    ),
                );
                pu.tags = vec![codename.into()];
                pu.affects = format!("src:{}", package(bug));
                w.bugs.insert(n, pu);
                w.usertags
                    .iter_mut()
                    .find(|(t, _)| t == tag)
                    .unwrap()
                    .1
                    .push(n);
            }
        }
        if day == 16 {
            let n = request(STALLED, "stable");
            w.bugs.get_mut(&n).unwrap().tags.push("moreinfo".into());
        }
        // Uploaded (the request is `pending`), then accepted into proposed-updates.
        if day == 20 {
            for bug in SHIPPED {
                w.bugs
                    .get_mut(&request(bug, "stable"))
                    .unwrap()
                    .tags
                    .push("pending".into());
            }
        }
        if day == 24 {
            for bug in SHIPPED {
                w.sources
                    .get_mut("bookworm-proposed-updates")
                    .unwrap()
                    .push((package(bug), fix(bug, "stable")));
            }
        }
        // The point release: the mirror's Release file says 12.9, the suite holds the fixes.
        if day == 30 {
            w.release.insert("bookworm".into(), "12.9".into());
            for bug in SHIPPED {
                let p = package(bug);
                let held = w.sources.get_mut("bookworm").unwrap();
                held.iter_mut().find(|(x, _)| *x == p).unwrap().1 = fix(bug, "stable");
            }
            w.sources
                .get_mut("bookworm-proposed-updates")
                .unwrap()
                .clear();
        }
    });
}

fn setup(r: &Replay) -> (Server, Clone) {
    let config = format!(
        "distribution = \"Test\"\nbase_url = \"https://maintdb.example.org/\"\n\
         bts_url = \"{}\"\nmirror_url = \"{}\"\nftp_master_url = \"{}\"\n\
         security_tracker_url = \"{}\"\n\n[mail]\n\
         from = \"Point release tracker <tracker@example.org>\"\n\
         bts_domain = \"bugs.example.org\"\ncontrol = \"control@bugs.example.org\"\n\
         max_per_hour = 10\n",
        r.httpd.url("/bts"),
        r.httpd.url("/debian"),
        r.httpd.url("/ftp-master"),
        r.httpd.url("/security/json")
    );
    let mut extra = vec![("config.toml".to_owned(), config)];
    for bug in FIRST..FIRST + BUGS {
        let p = package(bug);
        extra.push((
            format!("packages/l/{p}.toml"),
            "maintainers = [\"alice\"]\n".into(),
        ));
    }
    let s = Server::with("tracker", &extra);
    let c = s.clone("dave");
    (s, c)
}

/// The `Message-ID:` and `To:` of a delivered mail.
fn header<'a>(mail: &'a str, name: &str) -> &'a str {
    mail.lines()
        .find_map(|l| l.strip_prefix(name))
        .map(str::trim)
        .unwrap_or("")
}

#[test]
fn six_weeks_of_tracking() {
    if !have_aiosmtpd() {
        return;
    }
    let r = Replay::start(world());
    let (s, c) = setup(&r);
    let sink = Sink::start(&[]);
    let start = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let at = |day: u64, time: &str| {
        let d = jiff::civil::date(2026, 11, 2) + jiff::Span::new().days(day as i64);
        format!("{d}T{time}Z")
    };
    for bug in FIRST..FIRST + BUGS {
        let n = bug.to_string();
        let mut args = vec!["track", "add", n.as_str(), "--suite", "stable", "--push"];
        if bug < BOTH_BELOW {
            args.extend(["--suite", "oldstable"]);
        }
        let (code, out, err) = md(&c, &at(0, "07:00:00"), &args);
        assert_eq!(code, 0, "{out}{err}");
    }
    let mut busy_mornings = 0;
    let mut stalled_seen = false;
    for day in 0..42 {
        events(&r, day);
        let runs: [(&str, &[&str]); 3] = [
            ("08:17:00", &["track", "sync", "--push"]),
            (
                "08:20:00",
                &["track", "notify", "--smtp", &sink.url, "--push"],
            ),
            (
                "09:00:00",
                &["track", "prod", "--due", "--smtp", &sink.url, "--push"],
            ),
        ];
        for (time, args) in runs {
            let (code, out, err) = md(&c, &at(day, time), args);
            assert_eq!(code, 0, "day {day} {args:?}: {out}{err}");
        }
        let (code, todo, err) = md(&c, &at(day, "09:05:00"), &["track", "todo"]);
        assert_eq!(code, 0, "{err}");
        if todo != "nothing to do\n" {
            busy_mornings += 1;
        }
        if day >= 20 && todo.contains(&format!("#{}", request(STALLED, "stable"))) {
            stalled_seen = stalled_seen || todo.contains("moreinfo");
        }
    }
    let mails = sink.mails();
    let log = git_ok(
        &c.dir,
        &["log", "--format=%s", &format!("{}..HEAD", start.trim())],
    );
    let commits = log.lines().count();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for l in log.lines() {
        let kind = l.split_once(':').map_or(l, |(k, _)| k);
        *kinds.entry(kind).or_default() += 1;
    }
    let mut per_bug: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mails {
        *per_bug.entry(header(m, "To:").to_owned()).or_default() += 1;
    }
    let ids: Vec<&str> = mails.iter().map(|m| header(m, "Message-ID:")).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    eprintln!(
        "six weeks: {} mails, {commits} commits {kinds:?}, {busy_mornings} mornings with \
         something to do; mails per bug: {per_bug:?}",
        mails.len(),
    );
    assert_eq!(unique.len(), ids.len(), "a Message-ID repeats: {ids:?}");
    // One mail per bug and step, whatever the suites: a notification, then a prod every two
    // weeks while nothing moves; none once the release team has the request.
    let count = |bug: u64| per_bug[&format!("{bug}@bugs.example.org")];
    for bug in FIRST..FIRST + 4 {
        assert_eq!(
            count(bug),
            1,
            "bug {bug} was requested within days: {per_bug:?}"
        );
    }
    assert_eq!(
        count(REOPENED),
        4,
        "notified, reopened, notified again, two prods"
    );
    for bug in [FIRST + 5, FIRST + 6, FIRST + 7] {
        assert_eq!(count(bug), 3, "notified and prodded twice: {per_bug:?}");
    }
    let reopened: Vec<&&str> = ids
        .iter()
        .filter(|i| i.starts_with(&format!("<maintdb.{REOPENED}.stable+oldstable.notify.")))
        .collect();
    assert_eq!(reopened.len(), 2, "{ids:?}");
    // One commit per run that sent mail, none to announce it.
    assert!(kinds["track mail"] <= mails.len(), "{kinds:?}");
    assert!(!log.contains("about to send"), "{log}");
    // The point release came from the mirror's Release file; nobody ran `track release`.
    let suites = std::fs::read_to_string(c.dir.join("maintainers/suites.toml")).unwrap();
    assert!(suites.contains("version = \"12.9\""), "{suites}");
    for bug in SHIPPED {
        let t =
            std::fs::read_to_string(c.dir.join(format!("maintainers/tracks/{bug}.toml"))).unwrap();
        assert!(
            t.contains("state = \"released\"") && t.contains("released_in = \"12.9\""),
            "bug {bug} shipped in 12.9: {t}"
        );
    }
    // The request at moreinfo was on the morning's list, and is on the bug's page.
    assert!(stalled_seen, "todo never showed the stalled request");
    let site = tempfile::tempdir().unwrap();
    let out = site.path().join("s");
    let (code, o, err) = md(
        &c,
        &at(41, "10:00:00"),
        &["render", "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{o}{err}");
    let page = std::fs::read_to_string(out.join(format!("tracker/{STALLED}.html"))).unwrap();
    assert!(
        page.contains("<span class=\"stalled\">moreinfo since 2026-11-18</span>"),
        "{page}"
    );
    assert_eq!(
        git_ok(&s.bare, &["rev-parse", "main"]),
        git_ok(&c.dir, &["rev-parse", "HEAD"])
    );
}
