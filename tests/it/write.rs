//! The writing commands against real clones: one commit each, the same rules as the server,
//! and `--push` that survives contention.

use crate::support::{Clone, Server, git_ok, maintdb, run};

/// `maintdb ARGS` in a clone, acting as whoever `--as` says; the pusher identity for `--push`
/// is the same login.
fn md(c: &Clone, pusher: &str, args: &[&str]) -> (i32, String, String) {
    let mut cmd = maintdb(&c.dir);
    cmd.env_remove("MAINTDB_USER")
        .env("MAINTDB_PUSHER", pusher)
        .args(args);
    run(&mut cmd)
}

fn count(c: &Clone) -> usize {
    git_ok(&c.dir, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

fn last(c: &Clone) -> String {
    git_ok(&c.dir, &["log", "-1", "--format=%an <%ae>|%s"])
        .trim()
        .to_owned()
}

fn file(c: &Clone, rel: &str) -> String {
    std::fs::read_to_string(c.dir.join("maintainers").join(rel)).unwrap()
}

#[test]
fn take_and_drop() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    let n = count(&c);
    let (code, out, err) = md(&c, "carol", &["take", "orphan", "--as", "carol"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(last(&c), "Carol <carol@example.org>|carol takes orphan");
    assert_eq!(
        file(&c, "packages/o/orphan.toml"),
        "maintainers = [\"carol\"]\n"
    );
    assert_eq!(count(&c), n + 1);
    assert_eq!(
        git_ok(&c.dir, &["status", "--porcelain"]),
        "",
        "index and worktree follow the commit"
    );
    // Someone else's package: refused, naming the maintainer; no commit.
    let (code, _, err) = md(&c, "carol", &["take", "perl-Foo", "--as", "carol"]);
    assert_eq!(code, 1);
    assert!(err.contains("perl-Foo is maintained by bob"), "{err}");
    assert!(err.contains("ask bob or an admin"), "{err}");
    assert_eq!(count(&c), n + 1);
    // Dropping a package you do not maintain.
    let (code, _, err) = md(&c, "carol", &["drop", "perl-Foo", "--as", "carol"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("carol does not maintain perl-Foo: bob does"),
        "{err}"
    );
    let (code, _, _) = md(&c, "carol", &["drop", "orphan", "--as", "carol"]);
    assert_eq!(code, 0);
    assert_eq!(last(&c), "Carol <carol@example.org>|carol drops orphan");
    assert_eq!(file(&c, "packages/o/orphan.toml"), "maintainers = []\n");
}

#[test]
fn edits_keep_formatting() {
    let s = Server::with(
        "hook",
        &[(
            "packages/p/perl-Foo.toml".into(),
            "# Handed over in 2024.\nmaintainers = [\n  \"bob\", # main\n  \"carol\",\n]\n".into(),
        )],
    );
    let c = s.clone("carol");
    let (code, out, err) = md(&c, "carol", &["drop", "perl-Foo", "--as", "carol"]);
    assert_eq!(code, 0, "{out}{err}");
    let text = file(&c, "packages/p/perl-Foo.toml");
    assert!(text.starts_with("# Handed over in 2024.\n"), "{text}");
    assert!(text.contains("\"bob\", # main"), "{text}");
    assert!(!text.contains("carol"), "{text}");
}

#[test]
fn new_set_remove() {
    let s = Server::new("hook");
    let c = s.clone("x");
    let n = count(&c);
    let (code, out, err) = md(
        &c,
        "buildsystem",
        &["new", "newpkg", "carol", "--as", "buildsystem"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        last(&c),
        "Build System <buildsystem@example.org>|new package newpkg for carol"
    );
    // `new` on an existing package is a no-op.
    let (code, out, _) = md(
        &c,
        "buildsystem",
        &["new", "newpkg", "bob", "--as", "buildsystem"],
    );
    assert_eq!(code, 0);
    assert_eq!(out, "nothing changed: newpkg exists already\n");
    assert_eq!(count(&c), n + 1);
    // The build system may not set an existing package; an admin may.
    let (code, _, err) = md(
        &c,
        "buildsystem",
        &["set", "perl-Foo", "carol", "--as", "buildsystem"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("buildsystem-existing"), "{err}");
    let (code, _, err) = md(
        &c,
        "alice",
        &["set", "perl-Foo", "carol", "%perl", "--as", "alice"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        file(&c, "packages/p/perl-Foo.toml"),
        "maintainers = [\"carol\", \"%perl\"]\n"
    );
    // A refusal names the maintainers as a sentence does, the verb agreeing with them.
    let (code, _, err) = md(&c, "dave", &["set", "perl-Foo", "dave", "--as", "dave"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "not-a-maintainer: carol and %perl maintain perl-Foo; dave is not among its maintainers"
        ) && err.contains("help: ask carol, %perl or an admin"),
        "{err}"
    );
    let (code, _, _) = md(&c, "alice", &["set", "perl-Foo", "nobody", "--as", "alice"]);
    assert_eq!(code, 0);
    assert_eq!(file(&c, "packages/p/perl-Foo.toml"), "maintainers = []\n");
    // The same rule and code as the server for a person setting someone else.
    let (code, _, err) = md(&c, "carol", &["set", "perl-Bar", "dave", "--as", "dave"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("not-a-maintainer: %perl maintains perl-Bar"),
        "{err}"
    );
    let (code, _, err) = md(&c, "bob", &["remove", "perl-Bar", "--as", "bob"]);
    assert_eq!(code, 1);
    assert!(err.contains("admin-only"), "{err}");
    let (code, _, _) = md(&c, "alice", &["remove", "perl-Bar", "--as", "alice"]);
    assert_eq!(code, 0);
    assert!(!c.dir.join("maintainers/packages/p/perl-Bar.toml").exists());
    assert_eq!(
        last(&c),
        "Alice <alice@example.org>|remove package perl-Bar"
    );
}

#[test]
fn people_and_groups() {
    let s = Server::new("hook");
    let c = s.clone("x");
    let ok = |args: &[&str]| {
        let (code, out, err) = md(&c, "alice", args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    };
    ok(&[
        "person",
        "add",
        "erin",
        "--name",
        "Erin",
        "--email",
        "erin@example.org",
        "--as",
        "alice",
    ]);
    assert_eq!(
        file(&c, "people/erin.toml"),
        "name = \"Erin\"\nemail = \"erin@example.org\"\n"
    );
    ok(&[
        "person",
        "edit",
        "erin",
        "--alias",
        "e@other.example",
        "--inactive",
        "--as",
        "alice",
    ]);
    assert_eq!(
        file(&c, "people/erin.toml"),
        "name = \"Erin\"\nemail = \"erin@example.org\"\naliases = [\"e@other.example\"]\ninactive = true\n"
    );
    ok(&[
        "group",
        "add",
        "rust",
        "--description",
        "Rust team",
        "--member",
        "erin",
        "--as",
        "alice",
    ]);
    ok(&["group", "add-member", "rust", "bob", "--as", "alice"]);
    assert_eq!(last(&c), "Alice <alice@example.org>|bob joins rust");
    // A member may leave by themselves; adding others is admin-only.
    let (code, _, err) = md(
        &c,
        "bob",
        &["group", "add-member", "rust", "carol", "--as", "bob"],
    );
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = md(
        &c,
        "bob",
        &["group", "remove-member", "rust", "bob", "--as", "bob"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        file(&c, "groups/rust.toml"),
        "description = \"Rust team\"\nmembers = [\"erin\"]\n"
    );
    // A person edits their own record, not another's.
    let (code, _, _) = md(
        &c,
        "carol",
        &[
            "person", "edit", "carol", "--name", "Carol C.", "--as", "carol",
        ],
    );
    assert_eq!(code, 0);
    let (code, _, err) = md(
        &c,
        "carol",
        &["person", "edit", "bob", "--name", "B", "--as", "carol"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("not-your-file"), "{err}");
}

#[test]
fn acting_identity_sources() {
    let s = Server::new("hook");
    let c = s.clone("x");
    // None at all: a usage problem.
    let (code, _, err) = md(&c, "carol", &["take", "orphan"]);
    assert_eq!(code, 2);
    assert!(err.contains("--as LOGIN"), "{err}");
    // MAINTDB_USER, then git config maintdb.login.
    let mut cmd = maintdb(&c.dir);
    cmd.env("MAINTDB_USER", "carol").args(["take", "orphan"]);
    assert_eq!(run(&mut cmd).0, 0);
    git_ok(&c.dir, &["config", "maintdb.login", "bob"]);
    let (code, _, err) = md(&c, "bob", &["take", "orphan2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(last(&c), "Bob <bob@example.org>|bob takes orphan2");
}

#[test]
fn bad_input_makes_no_commit() {
    let s = Server::new("hook");
    let c = s.clone("x");
    let n = count(&c);
    for (args, needle) in [
        (vec!["take", "_bad", "--as", "carol"], "bad-package-name"),
        (
            vec!["set", "orphan", "ghost", "--as", "alice"],
            "unknown-maintainer",
        ),
        (
            vec!["set", "orphan", "Not_A_Login", "--as", "alice"],
            "bad-login",
        ),
        (
            vec!["take", "orphan", "--as", "mallory"],
            "unknown-identity",
        ),
        (
            vec!["drop", "--regex", "perl-(", "--as", "bob"],
            "bad-regex",
        ),
        (vec!["drop", "--regex", "^zzz", "--as", "bob"], "no-match"),
        (vec!["take", "no-such", "--as", "carol"], "no-such-package"),
    ] {
        let (code, out, err) = md(&c, "alice", &args);
        assert_ne!(code, 0, "{args:?}: {out}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(count(&c), n, "{args:?} made a commit");
    }
    assert_eq!(git_ok(&c.dir, &["status", "--porcelain"]), "");
}

#[test]
fn bulk_drop_by_regex() {
    let mut extra: Vec<(String, String)> = (0..500)
        .map(|i| {
            (
                format!("packages/p/perl-Pkg{i}.toml"),
                "maintainers = [\"bob\", \"carol\"]\n".into(),
            )
        })
        .collect();
    extra.push((
        "packages/p/python-x.toml".into(),
        "maintainers = [\"bob\"]\n".into(),
    ));
    extra.push((
        "packages/p/perl-Theirs.toml".into(),
        "maintainers = [\"carol\"]\n".into(),
    ));
    let s = Server::with("hook", &extra);
    let c = s.clone("x");
    let (code, out, err) = md(&c, "bob", &["drop", "--regex", "^perl-", "--as", "bob"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        last(&c),
        "Bob <bob@example.org>|drop: bob leaves 501 packages (^perl-)"
    );
    let files = git_ok(&c.dir, &["show", "--name-only", "--format=", "HEAD"]);
    let files: Vec<&str> = files.lines().collect();
    assert_eq!(files.len(), 501, "the 500 generated ones and perl-Foo");
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("maintainers/packages/p/perl-Pkg")
                || f.ends_with("perl-Foo.toml"))
    );
    assert_eq!(
        file(&c, "packages/p/perl-Pkg7.toml"),
        "maintainers = [\"carol\"]\n"
    );
}

#[test]
fn push_and_a_refused_push() {
    let s = Server::new("hook");
    let c = s.clone("x");
    let (code, out, err) = md(&c, "carol", &["take", "orphan", "--as", "carol", "--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("pushed"), "{out}");
    assert_eq!(
        git_ok(&s.bare, &["rev-parse", "main"]),
        git_ok(&c.dir, &["rev-parse", "HEAD"])
    );
    // The server knows the pusher as dave, who may not take for carol: refused by the hook,
    // reported, not retried, and the local commit is gone.
    let head = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let (code, _, err) = md(&c, "dave", &["take", "orphan2", "--as", "carol", "--push"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("remote:") && err.contains("author-mismatch"),
        "{err}"
    );
    assert_eq!(git_ok(&c.dir, &["rev-parse", "HEAD"]), head);
    assert_eq!(git_ok(&c.dir, &["status", "--porcelain"]), "");
    // Undone with each record written whole through a rename (a kill cannot leave half a
    // file), not by git's checkout, which writes files in place.
    let undo = git_ok(&c.dir, &["reflog", "-1", "--format=%gs"]);
    assert!(undo.starts_with("maintdb: moving to"), "{undo}");
    // A lock file a killed push left on the server: said as such, soon, not as a moving
    // branch after every attempt; nothing stays committed locally.
    let lock = s.bare.join("refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    let (code, _, err) = md(&c, "carol", &["take", "orphan2", "--as", "carol", "--push"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("gave up after 5 attempts: the server's branch stayed locked")
            && err.contains("main.lock"),
        "{err}"
    );
    assert_eq!(git_ok(&c.dir, &["rev-parse", "HEAD"]), head);
    std::fs::remove_file(&lock).unwrap();
    let (code, out, err) = md(&c, "carol", &["take", "orphan2", "--as", "carol", "--push"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn catching_up_with_an_executable_is_left_to_git() {
    // Another clone pushes a script beside the records. A clone that has not seen it
    // commits, finds the branch moved, and moves to the server's: that change is more than
    // records (an executable), which only git checks out as it should be.
    let s = Server::new("hook");
    let other = s.clone("y");
    let c = s.clone("x");
    let script = other.dir.join("tools/refresh.sh");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(&script, "#!/bin/sh\necho refreshed\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    other.add_all().commit("a refresh script");
    let (ok, err) = other.push("alice");
    assert!(ok, "{err}");
    let (code, out, err) = md(&c, "carol", &["take", "orphan", "--as", "carol", "--push"]);
    assert_eq!(code, 0, "{out}{err}");
    let mode = std::fs::metadata(c.dir.join("tools/refresh.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "checked out executable");
    assert_eq!(git_ok(&c.dir, &["status", "--porcelain"]), "");
    let moves = git_ok(&c.dir, &["reflog", "--format=%gs"]);
    assert!(
        moves.lines().any(|l| l.starts_with("reset: moving to")),
        "git moved to the server's branch: {moves}"
    );
    assert!(
        moves.lines().any(|l| l.starts_with("maintdb: moving to")),
        "maintdb undid its own commit: {moves}"
    );
}

/// Runs `maintdb` processes at once, one per clone, and waits for all.
fn concurrently(jobs: Vec<(Clone, String, Vec<String>)>) -> Vec<(Clone, std::process::Output)> {
    let children: Vec<_> = jobs
        .into_iter()
        .map(|(c, pusher, args)| {
            let child = maintdb(&c.dir)
                .env("MAINTDB_PUSHER", &pusher)
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (c, child)
        })
        .collect();
    children
        .into_iter()
        .map(|(c, ch)| (c, ch.wait_with_output().unwrap()))
        .collect()
}

#[test]
fn contention() {
    let mut extra = Vec::new();
    for i in 0..20 {
        extra.push((
            format!("people/login{i}.toml"),
            format!("name = \"L{i}\"\nemail = \"login{i}@example.org\"\n"),
        ));
        extra.push((
            format!("packages/f/free{i}.toml"),
            "maintainers = []\n".to_owned(),
        ));
    }
    let s = Server::with("hook", &extra);
    let start: usize = git_ok(&s.bare, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap();

    let jobs = (0..20)
        .map(|i| {
            let args = [
                "new",
                &format!("pkg{i}"),
                &format!("login{i}"),
                "--as",
                "buildsystem",
                "--push",
            ];
            (
                s.clone("x"),
                "buildsystem".to_owned(),
                args.iter().map(|a| a.to_string()).collect(),
            )
        })
        .collect();
    for (c, out) in concurrently(jobs) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(git_ok(&c.dir, &["status", "--porcelain"]), "");
        let local = git_ok(&c.dir, &["log", "--format=%s", "-1"]);
        assert!(
            local.starts_with("new package pkg"),
            "the clone is left on its pushed commit: {local}"
        );
    }
    let after: usize = git_ok(&s.bare, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(after, start + 20, "twenty commits");

    // Ten people take ten different orphans at once.
    let jobs = (0..10)
        .map(|i| {
            let who = format!("login{i}");
            let args = ["take", &format!("free{i}"), "--as", &who, "--push"];
            (
                s.clone("x"),
                who.clone(),
                args.iter().map(|a| a.to_string()).collect(),
            )
        })
        .collect();
    for (_, out) in concurrently(jobs) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after2: usize = git_ok(&s.bare, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(after2, after + 10);

    let check = s.clone("x");
    let (code, out, _) = run(maintdb(&check.dir).args(["check", "--format", "short"]));
    assert_eq!(code, 0, "{out}");
    for i in 0..20 {
        let (_, out, _) = run(maintdb(&check.dir).args(["get", &format!("pkg{i}")]));
        assert_eq!(out, format!("pkg{i}:login{i}\n"));
    }
    for i in 0..10 {
        let (_, out, _) = run(maintdb(&check.dir).args(["get", &format!("free{i}")]));
        assert_eq!(out, format!("free{i}:login{i}\n"));
    }
}

#[test]
fn an_unreadable_object_is_a_tool_failure_not_an_absent_file() {
    let repo = crate::support::repo_from(&crate::support::fixtures().join("hook"));
    let dir = repo.path();
    git_ok(dir, &["config", "maintdb.login", "bob"]);
    // bob's record is in the tree, but its blob is gone from the object database.
    let blob = git_ok(dir, &["rev-parse", "HEAD:maintainers/people/bob.toml"]);
    let blob = blob.trim();
    std::fs::remove_file(dir.join(format!(".git/objects/{}/{}", &blob[..2], &blob[2..]))).unwrap();
    let (code, out, err) = run(maintdb(dir)
        .env_remove("MAINTDB_USER")
        .args(["take", "orphan"]));
    assert_eq!(code, 2, "a failure of the tool, not a refusal:\n{out}{err}");
    assert!(!err.contains("unknown-identity"), "{err}");
    assert!(err.contains(&blob[..7]) || err.contains("object"), "{err}");
}

#[test]
fn a_maintainers_unreadable_record_is_a_tool_failure_not_a_passed_check() {
    let repo = crate::support::repo_from(&crate::support::fixtures().join("hook"));
    let dir = repo.path();
    // carol's record is in the tree, but its blob is gone: whether she may maintain a
    // package cannot be known, so nothing is committed.
    let blob = git_ok(dir, &["rev-parse", "HEAD:maintainers/people/carol.toml"]);
    let blob = blob.trim();
    std::fs::remove_file(dir.join(format!(".git/objects/{}/{}", &blob[..2], &blob[2..]))).unwrap();
    let before = git_ok(dir, &["rev-parse", "HEAD"]);
    let (code, out, err) = run(maintdb(dir)
        .env_remove("MAINTDB_USER")
        .args(["set", "--as", "alice", "orphan", "carol"]));
    assert_eq!(code, 2, "a failure of the tool, not a verdict:\n{out}{err}");
    assert!(err.contains(&blob[..7]) || err.contains("object"), "{err}");
    assert_eq!(
        git_ok(dir, &["rev-parse", "HEAD"]),
        before,
        "nothing committed"
    );
}
