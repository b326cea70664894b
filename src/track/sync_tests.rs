//! The state machine against hand-made observations, one rule per test.

use super::*;

fn suites() -> Vec<Suite> {
    vec![
        Suite {
            name: "stable".into(),
            codename: "bookworm".into(),
            version: "12.8".into(),
        },
        Suite {
            name: "oldstable".into(),
            codename: "bullseye".into(),
            version: "11.11".into(),
        },
    ]
}

fn track(states: &[(&str, &str)]) -> RawTrack {
    let mut t = RawTrack {
        package: spanless("foo".into()),
        suites: states
            .iter()
            .map(|(s, _)| spanless((*s).to_owned()))
            .collect(),
        cves: Vec::new(),
        bts: None,
        stable: None,
        oldstable: None,
        unarchive_requested: None,
        outbox: Vec::new(),
    };
    for (s, state) in states {
        *t.progress_mut(s).unwrap() = Some(SuiteProgress::new(state));
    }
    t
}

fn status(done: &str, fixed: &[&str]) -> BugStatus {
    BugStatus {
        bug: 100,
        package: "foo".into(),
        source: vec!["foo".into()],
        subject: "foo: CVE-2026-1".into(),
        done: done.into(),
        fixed_versions: fixed.iter().map(|s| (*s).to_owned()).collect(),
        ..BugStatus::default()
    }
}

fn world(s: BugStatus) -> World {
    let mut w = World::default();
    let mut stable = Versions::default();
    stable.insert("foo", "1.2-1");
    w.released.insert("bookworm".into(), stable);
    w.statuses.insert(100, s);
    w
}

fn state(t: &RawTrack, suite: &str) -> String {
    t.progress()
        .find(|(n, _)| *n == suite)
        .map(|(_, p)| p.state().to_owned())
        .unwrap()
}

#[test]
fn fixed_in_unstable_needs_done_and_a_version_off_the_branch() {
    let mut t = track(&[("stable", "new")]);
    let out = step(
        100,
        &mut t,
        &suites(),
        &world(status("Jane <j@x>", &["foo/1.2-3"])),
    );
    assert_eq!(state(&t, "stable"), "fixed-unstable");
    assert_eq!(
        out.transitions,
        ["100 stable: new -> fixed-unstable (fixed in foo/1.2-3)"]
    );
    assert_eq!(t.bts.as_ref().unwrap().done, "Jane <j@x>");

    for (done, fixed) in [
        ("Jane <j@x>", &[][..]),                // done with no fixed version
        ("", &["foo/1.2-3"][..]),               // open, yet with a fixed version
        ("Jane <j@x>", &["foo/1.2-1+deb12u1"]), // fixed only on stable's own branch
        ("Jane <j@x>", &["1.2-1"]),             // the version stable holds
    ] {
        let mut t = track(&[("stable", "new")]);
        let out = step(100, &mut t, &suites(), &world(status(done, fixed)));
        assert_eq!(state(&t, "stable"), "new", "{done:?} {fixed:?}");
        assert!(out.transitions.is_empty());
    }
}

#[test]
fn a_version_of_a_released_suite_is_no_fix_in_unstable_for_any_suite() {
    for v in [
        "foo/1.2-1+deb12u2",     // stable's update, seen from oldstable too
        "foo/1.1-4+deb11u3",     // oldstable's update, seen from stable too
        "foo/1.2-1~deb12u1",     // a rebuild for the stable line
        "1.2-1+deb12u2",         // unqualified, as the BTS also sends
        "foo/1.3-1~bpo12+1",     // a backport
        "foo/1.3-1~bpo11+2",     // a backport to oldstable
        "foo/1.2-1+deb12u1~bpo", // a backport of the stable update
    ] {
        let mut t = track(&[("stable", "new"), ("oldstable", "new")]);
        let out = step(100, &mut t, &suites(), &world(status("Jane <j@x>", &[v])));
        assert_eq!(state(&t, "stable"), "new", "{v}");
        assert_eq!(state(&t, "oldstable"), "new", "{v}");
        assert!(out.transitions.is_empty(), "{v}: {:?}", out.transitions);
    }
    // The unstable fix beside a stable update is the one both suites are told about.
    let mut t = track(&[("stable", "new"), ("oldstable", "new")]);
    let out = step(
        100,
        &mut t,
        &suites(),
        &world(status("Jane <j@x>", &["foo/1.2-1+deb12u2", "foo/1.4-1"])),
    );
    assert_eq!(
        out.transitions,
        [
            "100 stable: new -> fixed-unstable (fixed in foo/1.4-1)",
            "100 oldstable: new -> fixed-unstable (fixed in foo/1.4-1)"
        ]
    );
}

#[test]
fn sync_notes_the_newest_version_the_suite_holds() {
    // Fixed in unstable; the suite holds +deb12u7 and +deb12u8 waits in proposed-updates
    // (for another bug).
    let mut w = world(status("Jane <j@x>", &["foo/1.3-1"]));
    w.released
        .get_mut("bookworm")
        .unwrap()
        .insert("foo", "1.2-1+deb12u7");
    let mut t = track(&[("stable", "new")]);
    step(100, &mut t, &suites(), &w);
    let p = t.stable.as_ref().unwrap();
    assert_eq!(p.state(), "fixed-unstable");
    assert_eq!(p.newest.as_ref().unwrap().get_ref(), "1.2-1+deb12u7");
    assert_eq!(p.next_update("12"), "+deb12u8");
    // Once known, it follows the archive even when the state stays.
    w.released
        .get_mut("bookworm")
        .unwrap()
        .insert("foo", "1.2-1+deb12u9");
    let out = step(100, &mut t, &suites(), &w);
    assert!(out.transitions.is_empty(), "{:?}", out.transitions);
    let p = t.stable.as_ref().unwrap();
    assert_eq!(p.newest.as_ref().unwrap().get_ref(), "1.2-1+deb12u9");
    assert_eq!(p.next_update("12"), "+deb12u10");
    // A track that does not move does not get it: following a quiet bug makes no commit.
    let mut quiet = track(&[("stable", "new")]);
    step(100, &mut quiet, &suites(), &world(status("", &[])));
    assert!(quiet.stable.as_ref().unwrap().newest.is_none());
}

fn request(bug: u64, codename: &str, pending: bool) -> BugStatus {
    BugStatus {
        bug,
        package: "release.debian.org".into(),
        source: vec!["release.debian.org".into()],
        subject: format!("{codename}-pu: package foo/1.2-1+deb12u1"),
        tags: [codename, if pending { "pending" } else { "confirmed" }]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        affects: vec!["src:foo".into()],
        ..BugStatus::default()
    }
}

#[test]
fn requests_and_pending_uploads() {
    let codenames = ["bookworm", "bullseye"];
    let mut w = world(status("Jane <j@x>", &["foo/1.2-3"]));
    w.requests =
        vec![Request::from_status(&request(1070001, "bookworm", false), &codenames).unwrap()];
    let mut t = track(&[("stable", "notified"), ("oldstable", "new")]);
    let out = step(100, &mut t, &suites(), &w);
    assert_eq!(state(&t, "stable"), "requested");
    assert_eq!(
        t.stable
            .as_ref()
            .unwrap()
            .pu_bug
            .as_ref()
            .unwrap()
            .get_ref(),
        &1070001
    );
    assert_eq!(
        out.transitions[0],
        "100 stable: notified -> requested (pu #1070001)"
    );
    // The bookworm request is not oldstable's.
    assert_eq!(state(&t, "oldstable"), "fixed-unstable");

    w.requests =
        vec![Request::from_status(&request(1070001, "bookworm", true), &codenames).unwrap()];
    step(100, &mut t, &suites(), &w);
    assert_eq!(state(&t, "stable"), "uploaded");
    assert_eq!(t.stable.as_ref().unwrap().version(), Some("1.2-1+deb12u1"));

    // No distribution tag: not a request for any suite.
    let mut untagged = request(1070002, "bookworm", false);
    untagged.tags.clear();
    assert!(Request::from_status(&untagged, &codenames).is_none());
    // The package from `affects` when the subject does not say.
    let mut terse = request(1070003, "bullseye", false);
    terse.subject = "bullseye-pu: security fix".into();
    assert_eq!(
        Request::from_status(&terse, &codenames).unwrap().package,
        "foo"
    );
}

#[test]
fn a_request_at_moreinfo_is_noted_from_the_day_it_is_seen_until_the_tag_goes() {
    let codenames = ["bookworm", "bullseye"];
    let mut w = world(status("Jane <j@x>", &["foo/1.3-1"]));
    w.now = 1_793_613_600; // 2026-11-02T10:00:00Z
    let mut asked = request(1070001, "bookworm", false);
    asked.tags.push("moreinfo".into());
    w.requests = vec![Request::from_status(&asked, &codenames).unwrap()];
    let mut t = track(&[("stable", "notified")]);
    step(100, &mut t, &suites(), &w);
    let since = |t: &RawTrack| {
        t.stable
            .as_ref()
            .unwrap()
            .moreinfo_since
            .map(|d| d.to_string())
    };
    assert_eq!(state(&t, "stable"), "requested");
    assert_eq!(since(&t).as_deref(), Some("2026-11-02T10:00:00+00:00"));
    // Seen again days later: the first day stays.
    w.now += 5 * 86_400;
    step(100, &mut t, &suites(), &w);
    assert_eq!(since(&t).as_deref(), Some("2026-11-02T10:00:00+00:00"));
    // The maintainer answered and the tag went: the note goes with it.
    w.requests =
        vec![Request::from_status(&request(1070001, "bookworm", false), &codenames).unwrap()];
    step(100, &mut t, &suites(), &w);
    assert_eq!(since(&t), None);
}

#[test]
fn queue_then_proposed_updates_then_release() {
    let mut w = world(status("Jane <j@x>", &["foo/1.2-3"]));
    w.queue = vec![Upload {
        source: "foo".into(),
        versions: vec!["1.2-1+deb12u1".into()],
        distribution: "bookworm".into(),
        queue: "stable-new".into(),
        closes: vec![100],
    }];
    let mut t = track(&[("stable", "fixed-unstable")]);
    step(100, &mut t, &suites(), &w);
    assert_eq!(state(&t, "stable"), "uploaded");
    assert_eq!(t.stable.as_ref().unwrap().version(), Some("1.2-1+deb12u1"));

    w.queue.clear();
    let mut pu = Versions::default();
    pu.insert("foo", "1.2-1+deb12u1");
    w.proposed.insert("bookworm".into(), pu);
    let out = step(100, &mut t, &suites(), &w);
    assert_eq!(state(&t, "stable"), "accepted");
    assert_eq!(
        out.transitions,
        ["100 stable: uploaded -> accepted (1.2-1+deb12u1 in bookworm-proposed-updates)"]
    );

    w.released
        .get_mut("bookworm")
        .unwrap()
        .insert("foo", "1.2-1+deb12u1");
    step(100, &mut t, &suites(), &w);
    assert_eq!(state(&t, "stable"), "released");
    let p = t.stable.as_ref().unwrap();
    assert_eq!(p.released_in.as_ref().unwrap().get_ref(), "12.9");
}

#[test]
fn never_backwards_and_ignored_is_left_alone() {
    let w = world(status("Jane <j@x>", &["foo/1.2-3"]));
    let mut t = track(&[("stable", "accepted"), ("oldstable", "ignored")]);
    let out = step(100, &mut t, &suites(), &w);
    assert_eq!(state(&t, "stable"), "accepted");
    assert_eq!(state(&t, "oldstable"), "ignored");
    assert!(out.transitions.is_empty());
}

#[test]
fn a_reopened_bug_goes_back_to_new() {
    let mut t = track(&[("stable", "notified"), ("oldstable", "ignored")]);
    step(
        100,
        &mut t,
        &suites(),
        &world(status("Jane <j@x>", &["foo/1.2-3"])),
    );
    let out = step(100, &mut t, &suites(), &world(status("", &["foo/1.2-3"])));
    assert_eq!(state(&t, "stable"), "new");
    assert_eq!(state(&t, "oldstable"), "ignored");
    assert_eq!(out.transitions, ["100 stable: notified -> new (reopened)"]);
}

#[test]
fn unknown_and_reassigned_bugs_warn() {
    let mut t = track(&[("stable", "new")]);
    let out = step(999, &mut t, &suites(), &World::default());
    assert!(
        out.warnings[0].contains("unknown to the BTS"),
        "{:?}",
        out.warnings
    );
    let mut s = status("", &[]);
    s.source = vec!["bar".into()];
    let out = step(100, &mut t, &suites(), &world(s));
    assert!(
        out.warnings[0].contains("now filed against bar"),
        "{:?}",
        out.warnings
    );
    assert_eq!(t.package.get_ref(), "foo", "kept");
}

mod property {
    //! The state machine for any order of observations: a state never moves backwards, except
    //! to `new` when the bug is reopened, and `ignored` never moves.
    use proptest::prelude::*;

    use super::*;

    /// One sync's view of bug 100 of `foo`, as flags: each part of the world may or may not
    /// show the fix this time.
    #[derive(Debug, Clone)]
    struct Seen {
        done: bool,
        fixed_in_sid: bool,
        request: Option<bool>,
        queued: bool,
        proposed: bool,
        released: bool,
    }

    fn seen() -> impl Strategy<Value = Seen> {
        (
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(done, fixed_in_sid, request, queued, proposed, released)| Seen {
                    done,
                    fixed_in_sid,
                    request,
                    queued,
                    proposed,
                    released,
                },
            )
    }

    fn world_of(s: &Seen) -> World {
        let fixed: &[&str] = if s.fixed_in_sid { &["foo/1.3-1"] } else { &[] };
        let mut w = world(status(if s.done { "Jane <j@x>" } else { "" }, fixed));
        let fix = "1.2-1+deb12u1";
        if let Some(pending) = s.request {
            w.requests.push(Request {
                bug: 200,
                codename: "bookworm".into(),
                package: "foo".into(),
                version: Some(fix.into()),
                pending,
                moreinfo: false,
            });
        }
        if s.queued {
            w.queue.push(Upload {
                source: "foo".into(),
                versions: vec![fix.into()],
                distribution: "bookworm".into(),
                queue: "stable-new".into(),
                closes: vec![100],
            });
        }
        let mut proposed = Versions::default();
        if s.proposed {
            proposed.insert("foo", fix);
        }
        w.proposed.insert("bookworm".into(), proposed);
        if s.released {
            w.released
                .get_mut("bookworm")
                .expect("the world has bookworm")
                .insert("foo", fix);
        }
        w
    }

    proptest! {
        #[test]
        fn states_never_move_backwards_except_on_reopen(
            start in prop::sample::select(TRACK_STATES),
            views in prop::collection::vec(seen(), 1..12),
        ) {
            let mut t = track(&[("stable", start)]);
            let mut was_done = false;
            for v in &views {
                let before = state(&t, "stable");
                let out = step(100, &mut t, &suites(), &world_of(v));
                let after = state(&t, "stable");
                if before == "ignored" {
                    prop_assert_eq!(&after, "ignored");
                } else if was_done && !v.done {
                    prop_assert_eq!(&after, "new", "a reopened bug starts again");
                } else {
                    prop_assert!(
                        rank(&after) >= rank(&before),
                        "{} -> {} on {:?}: {:?}", before, after, v, out.transitions
                    );
                }
                prop_assert_eq!(out.transitions.is_empty(), before == after);
                was_done = v.done;
            }
        }
    }
}
