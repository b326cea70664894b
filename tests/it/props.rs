//! Properties over random command sequences, against real clones: every writing command
//! makes one valid commit or none (and leaves nothing behind when it makes none), `check`
//! stays clean, `render` of a commit is the same bytes every time, with or without the
//! history cache, and the site the post-receive hook publishes after each push, taking
//! unchanged pages from the generation before, is the same bytes as a full render.

use std::path::Path;

use proptest::prelude::*;

use crate::support::{Clone, Server, git_ok, linked, maintdb, run, tree};

/// The people, groups and packages the commands pick from: mostly existing and new ones,
/// sometimes names that break the rules or do not exist.
fn login() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => prop::sample::select(&["alice", "bob", "carol", "dave", "erin"][..]),
        1 => prop::sample::select(&["nobody", "Bad!", "ghost"][..]),
    ]
}

fn package() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => prop::sample::select(&["orphan", "orphan2", "perl-Foo", "perl-Bar", "newpkg", "zz"][..]),
        1 => prop::sample::select(&["perl-foo", "bad_name", ".x"][..]),
    ]
}

fn group() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => prop::sample::select(&["perl", "rust"][..]),
        1 => prop::sample::select(&["Bad", "ghosts"][..]),
    ]
}

fn maintainer() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => login().prop_map(str::to_owned),
        1 => group().prop_map(|g| format!("%{g}")),
    ]
}

/// One command line, acting as some login.
fn command() -> impl Strategy<Value = Vec<String>> {
    let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let cmd = prop_oneof![
        prop::collection::vec(package(), 1..3)
            .prop_map(move |p| [own(&["take"]), own(&p)].concat()),
        prop::collection::vec(package(), 1..3)
            .prop_map(move |p| [own(&["drop"]), own(&p)].concat()),
        (package(), prop::collection::vec(maintainer(), 1..3)).prop_map(move |(p, m)| [
            own(&["new", p]),
            m
        ]
        .concat()),
        (package(), prop::collection::vec(maintainer(), 0..3)).prop_map(move |(p, m)| [
            own(&["set", p]),
            m
        ]
        .concat()),
        package().prop_map(move |p| own(&["remove", p])),
        login().prop_map(move |l| own(&[
            "person",
            "add",
            l,
            "--name",
            "Some One",
            "--email",
            "one@example.org"
        ])),
        (login(), prop::bool::ANY).prop_map(move |(l, inactive)| {
            let flag = if inactive { "true" } else { "false" };
            own(&["person", "edit", l, "--inactive", flag])
        }),
        (group(), login()).prop_map(move |(g, l)| own(&[
            "group",
            "add",
            g,
            "--description",
            "A team",
            "--member",
            l
        ])),
        (group(), login()).prop_map(move |(g, l)| own(&["group", "add-member", g, l])),
        (group(), login()).prop_map(move |(g, l)| own(&["group", "remove-member", g, l])),
    ];
    // Mostly the admin, so that most commands are allowed and make a commit.
    let actor = prop_oneof![3 => Just("alice"), 2 => login()];
    (cmd, actor).prop_map(|(mut c, actor)| {
        c.extend(["--as".to_owned(), actor.to_owned()]);
        c
    })
}

fn head(dir: &Path) -> String {
    git_ok(dir, &["rev-parse", "HEAD"]).trim().to_owned()
}

fn commits(dir: &Path) -> usize {
    git_ok(dir, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .expect("a count")
}

fn render(c: &Clone, out: &Path, cold: bool) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut cmd = maintdb(&c.dir);
    cmd.args(["render", "--out"]).arg(out);
    if cold {
        cmd.arg("--no-cache");
    }
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 0, "render: {err}");
    tree(out)
}

fn sequence(c: &Clone, cmds: &[Vec<String>]) -> Result<(), TestCaseError> {
    for args in cmds {
        let (before, n) = (head(&c.dir), commits(&c.dir));
        let (code, out, err) = run(maintdb(&c.dir).env_remove("MAINTDB_USER").args(args));
        let made = commits(&c.dir) - n;
        prop_assert!(made <= 1, "{args:?} made {made} commits");
        if code != 0 {
            prop_assert_eq!(made, 0, "{:?} failed but committed: {}", args, err);
            prop_assert_eq!(head(&c.dir), before);
        }
        let status = git_ok(&c.dir, &["status", "--porcelain"]);
        prop_assert!(
            status.is_empty(),
            "{args:?} ({code}: {out}{err}) left {status}"
        );
        let (code, out, err) = run(maintdb(&c.dir).arg("check"));
        prop_assert_eq!(code, 0, "check after {:?}: {}{}", args, out, err);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn commands_make_one_valid_commit_or_none(
        cmds in prop::collection::vec(command(), 1..8),
    ) {
        let s = Server::new("hook");
        let c = s.clone("x");
        sequence(&c, &cmds)?;
        // The same commit renders to the same bytes: twice from the cache, once without.
        let out = tempfile::tempdir().expect("a temporary directory");
        let first = render(&c, &out.path().join("a"), false);
        prop_assert_eq!(&first, &render(&c, &out.path().join("b"), false));
        prop_assert_eq!(&first, &render(&c, &out.path().join("c"), true));
    }
}

/// Pushes `cmds` one commit at a time into a server that publishes on each push, until
/// `pushes` have landed; after each, the published tree must be a full render's bytes.
/// `later` moves some commits to later days, so that pages showing the last day change too.
fn pushes_publish_what_a_full_render_makes(
    cmds: &[(Vec<String>, bool)],
    pushes: usize,
) -> Result<usize, TestCaseError> {
    let s = Server::new("hook");
    let out = tempfile::tempdir().expect("a temporary directory");
    let site = out.path().join("site");
    let (code, o, err) = run(maintdb(out.path()).args([
        "hook",
        "install",
        s.bare.to_str().expect("a UTF-8 path"),
        "--publish",
        site.to_str().expect("a UTF-8 path"),
    ]));
    prop_assert_eq!(code, 0, "{}{}", o, err);
    let c = s.clone("alice");
    let (mut landed, mut day, mut kept) = (0, 0, 0);
    let mut previous: Option<std::collections::BTreeMap<String, Vec<u8>>> = None;
    for (args, later) in cmds {
        if landed == pushes {
            break;
        }
        let n = commits(&c.dir);
        run(maintdb(&c.dir).env_remove("MAINTDB_USER").args(args));
        if commits(&c.dir) == n {
            continue;
        }
        if *later {
            day += 1;
            let date = format!("2031-01-{:02}T12:00:00Z", day.min(28));
            crate::support::succeed(
                crate::support::git(&c.dir)
                    .env("GIT_COMMITTER_DATE", &date)
                    .args(["commit", "-q", "--amend", "--no-edit", "--date", &date]),
            );
        }
        let (ok, err) = c.push("alice");
        prop_assert!(ok, "push after {:?}: {}", args, err);
        landed += 1;
        let full = out.path().join(format!("full{landed}"));
        let (code, o, err) = run(maintdb(&s.bare)
            .args(["render", "--full", "--out"])
            .arg(&full));
        prop_assert_eq!(code, 0, "{}{}", o, err);
        let (published, whole) = (tree(&site), tree(&full));
        prop_assert_eq!(
            published.keys().collect::<Vec<_>>(),
            whole.keys().collect::<Vec<_>>(),
            "paths after push {} ({:?})",
            landed,
            args
        );
        for (path, bytes) in &whole {
            prop_assert!(
                published[path] == *bytes,
                "{} differs from a full render after push {} ({:?})",
                path,
                landed,
                args
            );
        }
        kept += linked(&site);
        // The other tree, which the next push brings up to date, is still the whole render of
        // the commit before.
        let published = std::fs::canonicalize(&site).expect("a published tree");
        let older: Vec<std::path::PathBuf> = std::fs::read_dir(out.path())
            .expect("the output's folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && *p != published)
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(".site.gen-"))
            })
            .collect();
        prop_assert!(older.len() <= 1, "{:?}", older);
        if let (Some(dir), Some(before)) = (older.first(), &previous) {
            prop_assert!(
                tree(dir) == *before,
                "the older tree after push {} is not the render before it",
                landed
            );
        }
        std::fs::remove_dir_all(&full).expect("remove the full render");
        previous = Some(whole);
    }
    prop_assert_eq!(landed, pushes, "too few commands made a commit");
    Ok(kept)
}

/// Commands for [`pushes_publish_what_a_full_render_makes`]: mostly ones that commit.
fn pushed_command() -> impl Strategy<Value = (Vec<String>, bool)> {
    (command(), prop::bool::weighted(0.15))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2, ..ProptestConfig::default() })]

    #[test]
    fn incremental_renders_equal_full_ones(
        cmds in prop::collection::vec(pushed_command(), 400),
    ) {
        let kept = pushes_publish_what_a_full_render_makes(&cmds, 50)?;
        // The pages of what a push did not touch were taken from the generation before.
        prop_assert!(kept > 0, "no page was ever kept");
    }
}
