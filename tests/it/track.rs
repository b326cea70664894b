//! The tracker against a replay of the BTS, the mirror and the archive on 127.0.0.1: a track
//! walked through every state, a point release, and every way a source can fail.

use std::path::Path;

use crate::replay::{Bug, Replay, World};
use crate::support::{Clone, Server, git_ok, maintdb, run};

const BUG: u64 = 660650;
const PU: u64 = 1070001;
const FIX: &str = "1:1.2.13.dfsg-1+deb12u1";

fn world() -> World {
    let mut w = World::default();
    w.bugs.insert(
        BUG,
        Bug::new(BUG, "zlib", "zlib: CVE-2026-0001: heap overflow in inflate"),
    );
    w.usertags = vec![("pu".into(), vec![]), ("opu".into(), vec![])];
    // The point releases suites.toml of the fixture records.
    w.release.insert("bookworm".into(), "12.8".into());
    w.release.insert("bullseye".into(), "11.11".into());
    for (dist, stanzas) in [
        (
            "bookworm",
            vec![("zlib", "1:1.2.13.dfsg-1"), ("curl", "7.88.1-10+deb12u15")],
        ),
        ("bookworm-proposed-updates", vec![]),
        ("bullseye", vec![("zlib", "1:1.2.11.dfsg-2+deb11u2")]),
        ("bullseye-proposed-updates", vec![]),
    ] {
        w.sources.insert(
            dist.into(),
            stanzas
                .into_iter()
                .map(|(p, v)| (p.to_owned(), v.to_owned()))
                .collect(),
        );
    }
    w
}

/// `maintdb ARGS` in the clone as the tracker dave.
fn md(c: &Clone, args: &[&str]) -> (i32, String, String) {
    run(maintdb(&c.dir)
        .env("MAINTDB_USER", "dave")
        .env("MAINTDB_PUSHER", "dave")
        .args(args))
}

fn sync(c: &Clone, r: &Replay, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["track".to_owned(), "sync".to_owned()];
    args.extend(r.sync_args());
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    md(c, &args)
}

fn head(dir: &Path) -> String {
    git_ok(dir, &["rev-parse", "HEAD"])
}

fn last_message(dir: &Path) -> String {
    git_ok(dir, &["log", "-1", "--format=%an <%ae>%n%B"])
}

fn track_file(c: &Clone, bug: u64) -> String {
    std::fs::read_to_string(c.dir.join(format!("maintainers/tracks/{bug}.toml"))).unwrap()
}

fn state(c: &Clone, bug: u64, suite: &str) -> String {
    let (code, out, err) = md(c, &["track", "list", "--suite", suite]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .find(|l| l.starts_with(&format!("{bug} ")))
        .map(|l| l.split(' ').nth(3).unwrap().to_owned())
        .unwrap_or_default()
}

fn add(c: &Clone, r: &Replay, bug: u64, suites: &[&str]) {
    let url = r.httpd.url("/bts");
    let bug = bug.to_string();
    let mut args = vec!["track", "add", bug.as_str(), "--bts", url.as_str()];
    for s in suites {
        args.extend(["--suite", s]);
    }
    let (code, out, err) = md(c, &args);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_track_walks_through_every_state() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    add(&c, &r, BUG, &["stable"]);
    assert_eq!(
        last_message(&c.dir),
        format!("Dave <dave@example.org>\ntrack: add #{BUG}\n")
    );
    let text = track_file(&c, BUG);
    assert!(
        text.starts_with("package = \"zlib\"\nsuites = [\"stable\"]\n"),
        "{text}"
    );
    assert!(
        text.contains("subject = \"zlib: CVE-2026-0001: heap overflow in inflate\""),
        "{text}"
    );
    assert_eq!(state(&c, BUG, "stable"), "new");
    // From here on every run pushes, as from cron; the server's hook checks each commit.
    let (ok, err) = c.push("dave");
    assert!(ok, "{err}");

    // Nothing new: no commit.
    let before = head(&c.dir);
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(head(&c.dir), before);

    // 1. Closed in unstable.
    r.set(|w| {
        fixed_in_unstable(w);
        w.bugs.get_mut(&BUG).unwrap().found = vec!["zlib/1:1.2.13.dfsg-1".into()];
    });
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "fixed-unstable");
    assert_eq!(
        last_message(&c.dir),
        format!(
            "Dave <dave@example.org>\ntrack sync: 1 transition\n\n\
             {BUG} stable: new -> fixed-unstable (fixed in zlib/1:1.3.dfsg-1)\n\n"
        )
    );

    // 2. The release team's request, filed against release.debian.org.
    r.set(|w| {
        let mut pu = Bug::new(
            PU,
            "release.debian.org",
            &format!("bookworm-pu: package zlib/{FIX}"),
        );
        pu.tags = vec!["bookworm".into(), "confirmed".into()];
        pu.affects = "src:zlib".into();
        pu.source = "release.debian.org".into();
        w.bugs.insert(PU, pu);
        w.usertags = vec![("pu".into(), vec![PU]), ("opu".into(), vec![])];
    });
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "requested");
    assert!(track_file(&c, BUG).contains(&format!("pu_bug = {PU}")));
    assert!(
        last_message(&c.dir).contains(&format!(
            "{BUG} stable: fixed-unstable -> requested (pu #{PU})"
        )),
        "{}",
        last_message(&c.dir)
    );

    // 3. Uploaded: in the proposed-updates queue, closing the bug.
    r.set(|w| {
        w.new822 = format!(
            "Source: zlib\nVersion: {FIX}\nDistribution: bookworm\nQueue: stable-new\n\
             Closes: {BUG}\n\nSource: other\nVersion: 1.0-1\nDistribution: unstable\nQueue: new\n"
        );
    });
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "uploaded");
    assert!(track_file(&c, BUG).contains(&format!("version = \"{FIX}\"")));

    // 4. Accepted into proposed-updates.
    r.set(|w| {
        w.new822.clear();
        w.sources
            .get_mut("bookworm-proposed-updates")
            .unwrap()
            .push(("zlib".into(), FIX.into()));
    });
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "accepted");

    // 5. Released: the suite holds it.
    r.set(|w| {
        w.sources.get_mut("bookworm").unwrap()[0].1 = FIX.into();
    });
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("pushed"), "{out}");
    assert_eq!(state(&c, BUG, "stable"), "released");
    assert!(track_file(&c, BUG).contains("released_in = \"12.9\""));
    assert_eq!(git_ok(&s.bare, &["rev-parse", "main"]), head(&c.dir));

    let (code, out, _) = md(&c, &["check"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, err) = md(&c, &["track", "show", &BUG.to_string()]);
    assert_eq!(code, 0, "{err}");
    let timeline: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "timeline:")
        .skip(1)
        .collect();
    let steps: Vec<String> = timeline
        .iter()
        .map(|l| {
            l.split_whitespace()
                .skip(3)
                .take(4)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        steps,
        [
            "stable: (added) -> new",
            "stable: new -> fixed-unstable",
            "stable: fixed-unstable -> requested",
            "stable: requested -> uploaded",
            "stable: uploaded -> accepted",
            "stable: accepted -> released",
        ],
        "{out}"
    );
    assert!(
        timeline[0].starts_with("  2026-11-01 12:00 UTC stable:"),
        "{out}"
    );
    assert!(timeline[0].ends_with("Dave <dave@example.org>"), "{out}");

    // The pages show where the bug stands, with its history.
    let site = tempfile::tempdir().unwrap();
    let out_dir = site.path().join("site");
    let (code, out, err) = md(&c, &["render", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let read = |rel: &str| std::fs::read_to_string(out_dir.join(rel)).unwrap();
    assert_eq!(
        read("tracker/released.txt"),
        format!("{BUG} zlib stable {FIX}\n")
    );
    assert_eq!(read("tracker/new.txt"), "");
    let index = read("tracker/index.html");
    assert!(
        index.contains("<td class=\"state\"><a href=\"released.html\">released</a></td><td>1</td>"),
        "{index}"
    );
    assert!(index.contains("href=\"archive/12.9.html\""), "{index}");
    let page = read(&format!("tracker/{BUG}.html"));
    assert!(
        page.contains(&format!("href=\"https://bugs.debian.org/{PU}\"")),
        "{page}"
    );
    assert!(
        page.contains(
            "<span class=\"state\">uploaded</span> → <span class=\"state\">accepted</span>"
        ),
        "{page}"
    );
    assert_eq!(
        page.matches("<td><code>").count(),
        6,
        "six steps in the timeline: {page}"
    );
    assert!(read("tracker/archive/12.9.html").contains(&format!("#{BUG}")));
    assert!(page.contains("href=\"../process/index.html\""), "{page}");
    // The repository has no docs/process/: the shipped documentation answers the mails' links.
    assert!(
        read("process/index.html").contains("<h1>Point-release tracking</h1>"),
        "{}",
        read("process/index.html")
    );
    assert!(read("process/states.html").contains("<h1>A track and its states</h1>"));
    assert!(read("packages/zlib.html").contains(&format!("tracker/{BUG}.html")));
    let json: serde_json::Value = serde_json::from_str(&read("tracker.json")).unwrap();
    assert_eq!(json["tracks"][0]["suites"][0]["state"], "released");
    assert_eq!(json["tracks"][0]["timeline"].as_array().unwrap().len(), 6);

    // Every sync asked the BTS once for the tracks, once for the usertags, once for requests.
    let w = r.world.lock().unwrap();
    assert!(w.asked.iter().all(|a| a.len() <= 500));
    assert!(w.seen.iter().any(|s| s == "get_usertag"));
}

#[test]
fn a_killed_sync_leaves_nothing_to_clean_up() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    add(&c, &r, BUG, &["stable", "oldstable"]);
    let (ok, err) = c.push("dave");
    assert!(ok, "{err}");
    r.set(|w| {
        fixed_in_unstable(w);
    });
    let mut args = vec!["track".to_owned(), "sync".to_owned(), "--push".to_owned()];
    args.extend(r.sync_args());
    crate::support::kill_runs(
        16,
        std::time::Duration::from_millis(400),
        |_| {
            let mut cmd = maintdb(&c.dir);
            cmd.env("MAINTDB_USER", "dave")
                .env("MAINTDB_PUSHER", "dave")
                .args(&args);
            cmd
        },
        |i| {
            crate::support::fsck_clean(&c.dir);
            crate::support::fsck_clean(&s.bare);
            let (code, out, err) = md(&c, &["check"]);
            assert_eq!(code, 0, "run {i}: check after a kill: {out}{err}");
        },
    );
    let (code, out, err) = sync(&c, &r, &["--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "fixed-unstable");
    assert_eq!(
        git_ok(&c.dir, &["rev-parse", "HEAD"]),
        git_ok(&s.bare, &["rev-parse", "main"])
    );
}

#[test]
fn a_reopened_bug_goes_back_to_new_and_the_commit_says_so() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    r.set(|w| {
        fixed_in_unstable(w);
    });
    add(&c, &r, BUG, &["stable", "oldstable"]);
    sync(&c, &r, &[]);
    assert_eq!(state(&c, BUG, "oldstable"), "fixed-unstable");
    let (code, _, _) = md(
        &c,
        &[
            "track",
            "ignore",
            &BUG.to_string(),
            "--suite",
            "oldstable",
            "--reason",
            "not worth it",
        ],
    );
    assert_eq!(code, 0);
    r.set(|w| w.bugs.get_mut(&BUG).unwrap().done.clear());
    let (code, out, err) = sync(&c, &r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "new");
    assert_eq!(
        state(&c, BUG, "oldstable"),
        "ignored",
        "ignored is never touched"
    );
    assert!(
        last_message(&c.dir).contains(&format!("{BUG} stable: fixed-unstable -> new (reopened)")),
        "{}",
        last_message(&c.dir)
    );
}

#[test]
fn a_point_release_archives_what_shipped() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    let mut curl = Bug::new(2000, "curl", "curl: CVE-2026-0002");
    curl.done = "A <a@example.org>".into();
    curl.fixed = vec!["curl/8.0-1".into()];
    r.set(|w| {
        fixed_in_unstable(w);
        w.bugs.insert(2000, curl);
        w.sources
            .get_mut("bookworm-proposed-updates")
            .unwrap()
            .extend([
                ("zlib".into(), FIX.into()),
                ("curl".into(), "7.88.1-10+deb12u16".into()),
            ]);
    });
    add(&c, &r, BUG, &["stable"]);
    add(&c, &r, 2000, &["stable", "oldstable"]);
    sync(&c, &r, &[]);
    assert_eq!(state(&c, BUG, "stable"), "accepted");
    assert_eq!(state(&c, 2000, "stable"), "accepted");
    // Before the point release, the mirror says 12.8, as suites.toml does: nothing to record,
    // whichever way it is asked (twice, or a version that is not the next).
    let mirror = r.httpd.url("/debian");
    refused_releases(
        &c,
        &mirror,
        &[&[], &["--version", "12.10"], &["--version", "13.0"]],
    );
    // The point release ships both, and the mirror's Release file says 12.9.
    r.set(|w| {
        w.sources.get_mut("bookworm").unwrap()[0].1 = FIX.into();
        w.sources.get_mut("bookworm").unwrap()[1].1 = "7.88.1-10+deb12u16".into();
        w.release.insert("bookworm".into(), "12.9".into());
    });
    let n = git_ok(&c.dir, &["rev-list", "--count", "HEAD"]);
    let (code, out, err) = md(&c, &["track", "release", "stable", "--mirror", &mirror]);
    assert_eq!(code, 0, "{out}{err}");
    let n2 = git_ok(&c.dir, &["rev-list", "--count", "HEAD"]);
    assert_eq!(
        n2.trim().parse::<u32>().unwrap(),
        n.trim().parse::<u32>().unwrap() + 1,
        "one commit"
    );
    // zlib is finished everywhere it is followed: archived under the release.
    assert!(
        !c.dir
            .join(format!("maintainers/tracks/{BUG}.toml"))
            .exists()
    );
    let archived = std::fs::read_to_string(
        c.dir
            .join(format!("maintainers/tracks/archive/12.9/{BUG}.toml")),
    )
    .unwrap();
    assert!(
        archived.contains("state = \"released\"") && archived.contains("released_in = \"12.9\"")
    );
    // curl still waits in oldstable: released in stable, kept active.
    let curl = track_file(&c, 2000);
    assert!(curl.contains("released_in = \"12.9\""), "{curl}");
    let suites = std::fs::read_to_string(c.dir.join("maintainers/suites.toml")).unwrap();
    assert!(
        suites.starts_with("# The suites point releases serve.\n"),
        "{suites}"
    );
    assert!(suites.contains("version = \"12.9\"") && suites.contains("version = \"11.11\""));
    let msg = last_message(&c.dir);
    assert!(msg.contains("track: point release 12.9 of stable"), "{msg}");
    assert!(
        msg.contains(&format!("{BUG}: archived under 12.9")),
        "{msg}"
    );
    let (code, out, _) = md(&c, &["check"]);
    assert_eq!(code, 0, "{out}");
    // A second `track release` (from the mirror, or by hand with 12.9 again) changes nothing:
    // suites.toml stays at 12.9.
    refused_releases(&c, &mirror, &[&[], &["--version", "12.9"]]);
    let suites = std::fs::read_to_string(c.dir.join("maintainers/suites.toml")).unwrap();
    assert!(suites.contains("version = \"12.9\"") && suites.contains("version = \"11.11\""));
}

#[test]
fn sync_records_the_point_release_the_mirror_announces() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    r.set(|w| {
        fixed_in_unstable(w);
        w.sources
            .get_mut("bookworm-proposed-updates")
            .unwrap()
            .push(("zlib".into(), FIX.into()));
    });
    add(&c, &r, BUG, &["stable"]);
    sync(&c, &r, &[]);
    assert_eq!(state(&c, BUG, "stable"), "accepted");
    // 12.9 ships the fix; nobody runs `track release`.
    r.set(|w| {
        w.sources.get_mut("bookworm").unwrap()[0].1 = FIX.into();
        w.release.insert("bookworm".into(), "12.9".into());
    });
    let (code, out, err) = sync(&c, &r, &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("point release 12.9 of stable (bookworm)"),
        "{out}"
    );
    assert!(
        c.dir
            .join(format!("maintainers/tracks/{BUG}.toml"))
            .exists()
    );
    let (code, out, err) = sync(&c, &r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("point release 12.9 of stable (bookworm): the mirror's Release file says so; recording it"), "{out}");
    assert!(
        c.dir
            .join(format!("maintainers/tracks/archive/12.9/{BUG}.toml"))
            .exists(),
        "{out}"
    );
    let suites = std::fs::read_to_string(c.dir.join("maintainers/suites.toml")).unwrap();
    assert!(suites.contains("version = \"12.9\"") && suites.contains("version = \"11.11\""));
    // The next sync finds nothing more to record.
    let before = head(&c.dir);
    let (code, out, err) = sync(&c, &r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("point release"), "{out}");
    assert_eq!(head(&c.dir), before);
    // A mirror without a Release version is a failing source: nothing is committed.
    r.set(|w| {
        w.release.remove("bullseye");
    });
    let (code, _, err) = sync(&c, &r, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dists/bullseye/Release"), "{err}");
    assert_eq!(head(&c.dir), before);
}

#[test]
fn track_add_refuses_unknown_bugs_and_packages() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    r.set(|w| {
        w.bugs
            .insert(3000, Bug::new(3000, "nosuchpkg", "nosuchpkg: crash"));
    });
    let url = r.httpd.url("/bts");
    let before = head(&c.dir);
    let (code, _, err) = md(
        &c,
        &["track", "add", "999999", &BUG.to_string(), "--bts", &url],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown-bug: the BTS does not know bug 999999"),
        "{err}"
    );
    let (code, _, err) = md(&c, &["track", "add", "3000", "--bts", &url]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown-package: bug 3000 is about package `nosuchpkg`"),
        "{err}"
    );
    assert_eq!(head(&c.dir), before);
    // Tracked already: a no-op.
    add(&c, &r, BUG, &[]);
    let after = head(&c.dir);
    let (code, out, _) = md(&c, &["track", "add", &BUG.to_string(), "--bts", &url]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(head(&c.dir), after);
    // The default is every suite in suites.toml.
    assert!(track_file(&c, BUG).contains("suites = [\"stable\", \"oldstable\"]"));
}

#[test]
fn recorded_bts_traffic_replayed_as_is() {
    // The real answer for two bugs, served byte for byte.
    let recorded = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/debbugs-soap/get_status-290501+770490-two-bugs.response.xml"),
    )
    .unwrap();
    let server = crate::httpd::Httpd::start(move |_| crate::httpd::Reply::Full {
        status: 200,
        content_type: "text/xml; charset=utf-8",
        body: recorded.clone(),
    });
    let s = tracker_with_package("packages/i/iceweasel.toml");
    let c = s.clone("dave");
    let (code, out, err) = md(
        &c,
        &[
            "track",
            "add",
            "770490",
            "--suite",
            "stable",
            "--bts",
            &server.url("/"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let text = track_file(&c, 770490);
    assert!(text.contains("package = \"iceweasel\""), "{text}");
    assert!(text.contains("mergedwith = [770499]"), "{text}");
    assert!(
        text.contains("msgid = \"<20141121174159.9107.88618.reportbug@lustschutzbunker>\""),
        "{text}"
    );
}

#[test]
fn the_current_debbugs_answers_replayed_as_is() {
    // debbugs' current soap.cgi: no `source`, `src:openssl` for a `Source: openssl` report,
    // `libssl3` for one against the binary package, and its own binary_to_source.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/debbugs-soap-current");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let statuses = read("get_status-four-bugs.response.xml");
    let libssl3 = read("binary_to_source.response.xml");
    // The server's answer for a name it maps to no source, in the same envelope.
    let unknown = String::from_utf8(libssl3.clone()).unwrap();
    let start = unknown.find("<soapenc:Array").unwrap();
    let end = unknown.rfind("</soapenc:Array>").unwrap() + "</soapenc:Array>".len();
    let unknown = format!(
        "{}<soapenc:Array soapenc:arrayType=\"soapenc:Array[0]\" xsi:type=\"soapenc:Array\" />{}",
        &unknown[..start],
        &unknown[end..]
    )
    .into_bytes();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&asked);
    let server = crate::httpd::Httpd::start(move |req| {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        seen.lock().unwrap().push(body.clone());
        let answer = if body.contains("binary_to_source") {
            if body.contains(">libssl3<") {
                libssl3.clone()
            } else {
                unknown.clone()
            }
        } else {
            statuses.clone()
        };
        crate::httpd::Reply::Full {
            status: 200,
            content_type: "text/xml; charset=utf-8",
            body: answer,
        }
    });
    let s = tracker_with_package("packages/o/openssl.toml");
    let c = s.clone("dave");
    let (code, out, err) = md(
        &c,
        &[
            "track",
            "add",
            "1100001",
            "1100002",
            "1100003",
            "--suite",
            "stable",
            "--bts",
            &server.url("/"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(track_file(&c, 1100001).contains("package = \"zlib\""));
    assert!(track_file(&c, 1100002).contains("package = \"openssl\""));
    assert!(track_file(&c, 1100003).contains("package = \"openssl\""));
    assert!(
        out.contains("bug 1100003: libssl3 is a binary package of openssl"),
        "{out}"
    );
    let asked = asked.lock().unwrap();
    assert!(
        asked
            .iter()
            .any(|b| b.contains("binary_to_source") && b.contains(">libssl3<")),
        "{asked:?}"
    );
}

#[test]
fn the_sources_come_from_config_toml_so_cron_lines_need_no_flags() {
    let r = Replay::start(world());
    r.set(fixed_in_unstable);
    let config = format!(
        "distribution = \"Test\"\nbase_url = \"https://maintdb.example.org/\"\n\
         bts_url = \"{}\"\nmirror_url = \"{}\"\nftp_master_url = \"{}\"\n\
         security_tracker_url = \"{}\"\n",
        r.httpd.url("/bts"),
        r.httpd.url("/debian"),
        r.httpd.url("/ftp-master"),
        r.httpd.url("/security/json")
    );
    let s = Server::with("tracker", &[("config.toml".into(), config)]);
    let c = s.clone("dave");
    let bug = BUG.to_string();
    for args in [
        &["track", "add", &bug, "--suite", "stable"][..],
        &["track", "sync"],
    ] {
        let (code, out, err) = md(&c, args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    assert_eq!(state(&c, BUG, "stable"), "fixed-unstable");
    // The mirror in config.toml answers `track release` too: nothing shipped since 12.8.
    let (code, _, err) = md(&c, &["track", "release", "stable"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not-released"), "{err}");
    let seen = r.world.lock().unwrap().seen.clone();
    assert!(
        seen.iter().any(|p| p == "/debian/dists/bookworm/Release"),
        "{seen:?}"
    );
    assert!(seen.iter().any(|p| p == "/ftp-master/new.822"), "{seen:?}");
    // And the security tracker's, `track candidates`.
    r.set(|w| w.security_json = "{}".into());
    let (code, out, err) = md(&c, &["track", "candidates"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        r.world
            .lock()
            .unwrap()
            .seen
            .iter()
            .any(|p| p == "/security/json"),
        "{out}"
    );
}

/// BUG closed by an upload to unstable.
fn fixed_in_unstable(w: &mut World) {
    let b = w.bugs.get_mut(&BUG).unwrap();
    b.done = "Mark Brown <broonie@debian.org>".into();
    b.fixed = vec!["zlib/1:1.3.dfsg-1".into()];
}

/// `track release stable` with each of `extras`: refused as `not-released`, nothing committed.
fn refused_releases(c: &Clone, mirror: &str, extras: &[&[&str]]) {
    let before = head(&c.dir);
    for extra in extras {
        let args = [
            &["track", "release", "stable", "--mirror", mirror][..],
            extra,
        ]
        .concat();
        let (code, out, err) = md(c, &args);
        assert_eq!(code, 1, "{extra:?}: {out}{err}");
        assert!(err.contains("not-released"), "{err}");
        assert_eq!(head(&c.dir), before);
    }
}

/// The tracker fixture with one more package, maintained by alice.
fn tracker_with_package(path: &str) -> Server {
    Server::with(
        "tracker",
        &[(path.into(), "maintainers = [\"alice\"]\n".into())],
    )
}

fn fails_cleanly(c: &Clone, r: &Replay, needle: &str) {
    let before = head(&c.dir);
    let (code, out, err) = sync(c, r, &["--timeout", "1"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(needle), "{err}");
    assert!(err.contains("nothing was committed"), "{err}");
    assert_eq!(head(&c.dir), before);
    assert_eq!(git_ok(&c.dir, &["status", "--porcelain"]), "");
}

#[test]
fn every_failing_source_commits_nothing() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    add(&c, &r, BUG, &["stable"]);
    r.set(|w| w.bugs.get_mut(&BUG).unwrap().done = "X <x@example.org>".into());
    r.set(|w| w.bugs.get_mut(&BUG).unwrap().fixed = vec!["zlib/1:1.3-1".into()]);

    let bts = r.httpd.url("/bts");
    r.set(|w| {
        w.status_body = Some(
            "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
             <soap:Body><soap:Fault><faultcode>soap:Server</faultcode>\
             <faultstring>Application failed during request deserialization</faultstring>\
             </soap:Fault></soap:Body></soap:Envelope>"
                .into(),
        )
    });
    fails_cleanly(&c, &r, &format!("the BTS at {bts}: get_status"));
    let (_, _, err) = sync(&c, &r, &["--timeout", "1"]);
    assert!(
        err.contains("Application failed during request deserialization"),
        "{err}"
    );

    r.set(|w| w.status_body = Some("<soap:Envelope><soap:Body><unclosed></soap:Body>".into()));
    fails_cleanly(&c, &r, "not well-formed XML");

    r.set(|w| {
        w.status_body = Some(
            "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"x\"><soap:Body/></soap:Envelope>"
                .into(),
        )
    });
    fails_cleanly(&c, &r, "has no get_statusResponse element");

    // A truncated Sources.xz from the mirror.
    r.set(|w| {
        w.status_body = None;
        w.sources.insert(
            "bookworm-proposed-updates".into(),
            vec![("zlib".into(), "1".into()); 500],
        );
    });
    let good = r.world.lock().unwrap().sources.clone();
    let cut = {
        let text: String = (0..2000)
            .map(|i| format!("Package: p{i}\nVersion: 1\n\n"))
            .collect();
        let packed = crate::replay::xz(&text);
        packed[..packed.len() / 2].to_vec()
    };
    let truncating = crate::httpd::Httpd::start(move |req| {
        if req.path.contains("bookworm/main") {
            crate::httpd::Reply::ok(cut.clone())
        } else {
            crate::httpd::Reply::status(404)
        }
    });
    let before = head(&c.dir);
    let mirror = truncating.url("/debian");
    let (code, _, err) = md(
        &c,
        &[
            "track",
            "sync",
            "--bts",
            &bts,
            "--mirror",
            &mirror,
            "--ftp-master",
            &r.httpd.url("/ftp-master"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "{mirror}/dists/bookworm/main/source/Sources.xz: the xz data is damaged"
        )),
        "{err}"
    );
    assert_eq!(head(&c.dir), before);
    r.set(|w| w.sources = good);

    // HTTP 500 once, then the answer: retried, and the run succeeds.
    r.set(|w| w.fail_next = 1);
    let (code, out, err) = sync(&c, &r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(state(&c, BUG, "stable"), "fixed-unstable");
    let w = r.world.lock().unwrap();
    assert!(
        w.seen
            .windows(2)
            .any(|p| p[0] == "get_status" && p[1] == "get_status"),
        "a retry"
    );
}

#[test]
fn a_stalled_bts_times_out() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    add(&c, &r, BUG, &["stable"]);
    let stalled = crate::httpd::Httpd::start(|_| {
        std::thread::sleep(std::time::Duration::from_secs(30));
        crate::httpd::Reply::status(500)
    });
    let url = stalled.url("/bts");
    let before = head(&c.dir);
    let started = std::time::Instant::now();
    let (code, _, err) = md(
        &c,
        &[
            "track",
            "sync",
            "--timeout",
            "1",
            "--bts",
            &url,
            "--mirror",
            &r.httpd.url("/debian"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "the BTS at {url} cannot be reached after 4 attempts"
        )),
        "{err}"
    );
    assert!(
        started.elapsed().as_secs() < 25,
        "bounded by the timeout and the retries"
    );
    assert_eq!(head(&c.dir), before);
}

#[test]
fn a_reassigned_bug_is_a_warning_and_an_unreadable_answer_is_kept() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    add(&c, &r, BUG, &["stable"]);
    r.set(|w| {
        let b = w.bugs.get_mut(&BUG).unwrap();
        b.package = "zlib1g".into();
        b.source = "minizip".into();
    });
    let (code, out, err) = sync(&c, &r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains(&format!(
            "warning: bug {BUG} is now filed against minizip, not zlib; the track keeps zlib"
        )),
        "{err}"
    );
    assert!(track_file(&c, BUG).starts_with("package = \"zlib\""));

    // An answer that names the bug but carries none of its fields: kept as it is, with a word.
    let before = track_file(&c, BUG);
    r.set(|w| {
        w.status_body = Some(format!(
            "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"x\"><soap:Body>\
             <get_statusResponse xmlns=\"Debbugs/SOAP\"><s-gensym3><item>\
             <key xsi:type=\"xsd:int\">{BUG}</key></item></s-gensym3></get_statusResponse>\
             </soap:Body></soap:Envelope>"
        ))
    });
    let (code, out, err) = sync(&c, &r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains(&format!(
            "bug {BUG} is unknown to the BTS; the track is kept"
        )),
        "{err}"
    );
    assert_eq!(track_file(&c, BUG), before);
}

#[test]
fn a_dismissed_candidate_is_skipped_until_tracked_by_hand() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    r.set(|w| w.security_json = SECURITY_JSON.into());
    let url = r.httpd.url("/security/json");
    let bts = r.httpd.url("/bts");
    let bug = BUG.to_string();
    let dismiss = |reason: &str| {
        md(
            &c,
            &["track", "dismiss", &bug, "--reason", reason, "--bts", &bts],
        )
    };
    let (code, out, err) = dismiss("the vulnerable code is not built in bookworm");
    assert_eq!(code, 0, "{out}{err}");
    let record = std::fs::read_to_string(
        c.dir
            .join(format!("maintainers/tracks/dismissed/{BUG}.toml")),
    )
    .unwrap();
    assert_eq!(
        record, "package = \"zlib\"\nreason = \"the vulnerable code is not built in bookworm\"\n",
        "the package from the BTS"
    );
    assert_eq!(md(&c, &["check"]).0, 0);
    // Again with the same reason: nothing to do. An empty reason is refused.
    let before = head(&c.dir);
    let (code, out, _) = dismiss("the vulnerable code is not built in bookworm");
    assert_eq!(code, 0);
    assert!(out.contains("dismissed already"), "{out}");
    let (code, _, err) = dismiss(" ");
    assert_eq!(code, 1);
    assert!(err.contains("no-reason"), "{err}");
    assert_eq!(head(&c.dir), before);
    // Candidates skip it, --add included.
    let (_, out, _) = md(&c, &["track", "candidates", "--security-tracker", &url]);
    assert!(!out.contains("660650"), "{out}");
    let (code, out, err) = md(
        &c,
        &["track", "candidates", "--security-tracker", &url, "--add"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !c.dir
            .join(format!("maintainers/tracks/{BUG}.toml"))
            .exists()
    );
    // A person tracks it after all: the dismissal goes in the same commit.
    add(&c, &r, BUG, &["stable"]);
    assert!(
        c.dir
            .join(format!("maintainers/tracks/{BUG}.toml"))
            .exists()
    );
    assert!(
        !c.dir
            .join(format!("maintainers/tracks/dismissed/{BUG}.toml"))
            .exists()
    );
    // A tracked bug is not dismissed: ignore its suites instead.
    let (code, _, err) = dismiss("changed my mind");
    assert_eq!(code, 1);
    assert!(err.contains("already-tracked"), "{err}");
    // A hand-written dismissal without a reason is named by check.
    std::fs::write(
        c.dir.join("maintainers/tracks/dismissed/77.toml"),
        "package = \"curl\"\nreason = \"\"\n",
    )
    .unwrap();
    let (code, out, err) = md(&c, &["check"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("a dismissed bug needs a `reason`"),
        "{out}{err}"
    );
    // Nor one not named after a bug, nor one with a field no dismissal has.
    std::fs::remove_file(c.dir.join("maintainers/tracks/dismissed/77.toml")).unwrap();
    for (name, text, code_name) in [
        (
            "soon.toml",
            "package = \"curl\"\nreason = \"x\"\n",
            "bad-track-name",
        ),
        (
            "78.toml",
            "package = \"curl\"\nreason = \"x\"\nby = \"me\"\n",
            "unknown-field",
        ),
    ] {
        let path = c.dir.join("maintainers/tracks/dismissed").join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = md(&c, &["check"]);
        assert_eq!(code, 1, "{name}: {out}{err}");
        assert!(
            format!("{out}{err}").contains(code_name),
            "{name}: {out}{err}"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

/// Three minor issues fixed in sid: zlib's (bug 660650), curl's (2000), and one of a package
/// with no record here (5).
const SECURITY_JSON: &str = r#"{"zlib": {"CVE-2026-0001": {"debianbug": 660650, "scope": "local", "releases": {
        "bookworm": {"status": "open", "repositories": {"bookworm": "1:1.2.13.dfsg-1"}, "urgency": "low**", "nodsa": "Minor issue", "nodsa_reason": ""},
        "bullseye": {"status": "resolved", "repositories": {}, "urgency": "low", "fixed_version": "0"},
        "sid": {"status": "resolved", "repositories": {}, "urgency": "low", "fixed_version": "1:1.3-1"}}}},
      "curl": {"CVE-2026-0002": {"debianbug": 2000, "releases": {
        "bookworm": {"status": "open", "nodsa": "Minor issue"}, "sid": {"status": "resolved"}}}},
      "unknownpkg": {"CVE-2026-0009": {"debianbug": 5, "releases": {
        "bookworm": {"status": "open", "nodsa": "Minor issue"}, "sid": {"status": "resolved"}}}}}"#;

#[test]
fn candidates_from_the_security_tracker() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    let json = SECURITY_JSON;
    r.set(|w| w.security_json = json.into());
    let url = r.httpd.url("/security/json");
    let (code, out, err) = md(&c, &["track", "candidates", "--security-tracker", &url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "5 unknownpkg stable CVE-2026-0009\n2000 curl stable CVE-2026-0002\n660650 zlib stable CVE-2026-0001\n"
    );
    // A first run against thousands of entries: at most --max of them.
    let (code, out, err) = md(
        &c,
        &[
            "track",
            "candidates",
            "--security-tracker",
            &url,
            "--add",
            "--max",
            "1",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("track: add #2000") && !out.contains("660650\ncommitted"),
        "{out}"
    );
    assert!(
        out.contains("--max 1: the other candidates stay candidates"),
        "{out}"
    );
    // The candidate of a package without a record is reported once, with the reason, and
    // set aside (a dismissal, not counted in --max).
    assert!(
        out.contains("#5 dismissed: package unknownpkg has no record here"),
        "{out}"
    );
    assert!(
        std::fs::read_to_string(c.dir.join("maintainers/tracks/dismissed/5.toml"))
            .unwrap()
            .contains("reason = \"package unknownpkg has no record here\""),
    );
    assert!(
        !c.dir
            .join(format!("maintainers/tracks/{BUG}.toml"))
            .exists()
    );
    let (code, out, err) = md(
        &c,
        &["track", "candidates", "--security-tracker", &url, "--add"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("#5"), "reported once: {out}");
    let text = track_file(&c, BUG);
    assert!(text.contains("cves = [\"CVE-2026-0001\"]"), "{text}");
    assert!(
        !c.dir.join("maintainers/tracks/5.toml").exists(),
        "no record for unknownpkg"
    );
    // Tracked or dismissed now: no longer candidates.
    let (_, out, _) = md(&c, &["track", "candidates", "--security-tracker", &url]);
    assert_eq!(out, "", "{out}");

    r.set(|w| w.security_json = "<html>Service Unavailable</html>".into());
    let before = head(&c.dir);
    let (code, _, err) = md(
        &c,
        &["track", "candidates", "--security-tracker", &url, "--add"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{url}: not the security tracker's JSON")),
        "{err}"
    );
    assert_eq!(head(&c.dir), before);
}

#[test]
fn a_hand_edited_inconsistent_track_is_named_by_check() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    c.write(
        "tracks/42.toml",
        "package = \"zlib\"\nsuites = [\"stable\"]\n\n[stable]\nstate = \"released\"\nversion = \"1.0-1\"\n",
    );
    let (code, out, _) = md(&c, &["check"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("maintainers/tracks/42.toml:5:9: error[inconsistent-track]: [stable] is `released` but has no `released_in`"),
        "{out}"
    );
}

#[test]
fn the_bts_answering_for_other_bugs_is_ignored() {
    // The recorded answer holds 290501 and 770490; only 770490 is asked for.
    let recorded = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/debbugs-soap/get_status-290501+770490-two-bugs.response.xml"),
    )
    .unwrap();
    let server = crate::httpd::Httpd::start(move |_| crate::httpd::Reply::ok(recorded.clone()));
    let bts =
        maintdb::track::bts::Bts::new(&server.url("/"), std::time::Duration::from_secs(5)).unwrap();
    let got = bts.get_status(&[770490]).unwrap();
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), [770490]);
}

#[test]
fn dry_run_and_json_list() {
    let s = Server::new("tracker");
    let c = s.clone("dave");
    let r = Replay::start(world());
    add(&c, &r, BUG, &["stable"]);
    r.set(|w| {
        fixed_in_unstable(w);
    });
    let before = head(&c.dir);
    let (code, out, err) = sync(&c, &r, &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        format!(
            "{BUG} stable: new -> fixed-unstable (fixed in zlib/1:1.3.dfsg-1)\ndry run, nothing committed\n"
        )
    );
    assert_eq!(head(&c.dir), before);
    assert_eq!(git_ok(&c.dir, &["status", "--porcelain"]), "");
    let (code, out, _) = md(&c, &["track", "list", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["bug"], BUG);
    assert_eq!(rows[0]["state"], "new");
}
