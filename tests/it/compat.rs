//! `maintdb compat`: Mageia's original command line, called through the two-line script that
//! replaces `/usr/local/sbin/maintdb`, on the bare repository that receives pushes.

use std::path::{Path, PathBuf};

use crate::support::{Server, bin, git_ok, maintdb, run};

/// The script Mageia's sudoers and ssh wrapper call: `maintdb CALLER ACTION ARGS...`.
fn wrapper(dir: &Path, bare: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("maintdb");
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nexec '{}' --repo '{}' compat \"$@\"\n",
            bin(),
            bare.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Runs the wrapper as the original callers do: code, stdout, stderr.
fn call(script: &Path, args: &[&str]) -> (i32, String, String) {
    run(std::process::Command::new(script).args(args))
}

fn commits(bare: &Path) -> usize {
    git_ok(bare, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

fn last_author(bare: &Path) -> String {
    git_ok(bare, &["log", "-1", "--format=%an <%ae>", "main"])
        .trim()
        .to_owned()
}

#[test]
fn the_original_command_line_with_its_words_and_exit_codes() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let m = wrapper(tmp.path(), &s.bare);
    let ok = |args: &[&str], stdout: &str| {
        let (code, out, err) = call(&m, args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (0, stdout, ""),
            "{args:?}"
        );
    };
    let refused = |args: &[&str], code: i32, line: &str| {
        let before = commits(&s.bare);
        let (c, out, err) = call(&m, args);
        assert_eq!(
            (c, out.as_str(), err.as_str()),
            (code, "", line),
            "{args:?}"
        );
        assert_eq!(commits(&s.bare), before, "{args:?} committed nothing");
    };
    ok(&["bob", "get", "orphan"], "nobody\n");
    ok(&["bob", "get", "perl-Foo"], "bob\n");
    refused(
        &["bob", "get", "nope"],
        1,
        "Error: package nope does not exist in maintdb.\n",
    );
    // Taking a package nobody maintains: silent, one commit authored by the caller.
    let before = commits(&s.bare);
    ok(&["carol", "set", "orphan", "carol"], "");
    assert_eq!(commits(&s.bare), before + 1);
    assert_eq!(last_author(&s.bare), "Carol <carol@example.org>");
    ok(&["bob", "get", "orphan"], "carol\n");
    refused(
        &["bob", "set", "orphan", "bob"],
        1,
        "Error: cannot set maintainer for orphan.\n",
    );
    refused(
        &["bob", "set", "orphan", "nobody"],
        1,
        "Error: cannot set maintainer for orphan.\n",
    );
    refused(
        &["bob", "set", "orphan2", "carol"],
        1,
        "Error: cannot set someone else as maintainer.\n",
    );
    refused(
        &["bob", "set", "nope", "bob"],
        1,
        "Error: package nope does not exist in maintdb.\n",
    );
    // Dropping one's own package.
    ok(&["carol", "set", "orphan", "nobody"], "");
    ok(&["bob", "get", "orphan"], "nobody\n");
    // A package a group maintains is not free to take, even for a member.
    refused(
        &["bob", "set", "perl-Bar", "bob"],
        1,
        "Error: cannot set maintainer for perl-Bar.\n",
    );
    // The build system registers packages; nobody else may.
    refused(
        &["bob", "new", "fresh", "bob"],
        1,
        "Error: new is only allowed to root.\n",
    );
    let before = commits(&s.bare);
    ok(&["root", "new", "fresh", "bob"], "");
    assert_eq!(commits(&s.bare), before + 1);
    assert_eq!(
        last_author(&s.bare),
        "Build System <buildsystem@example.org>"
    );
    ok(&["root", "new", "fresh", "carol"], "");
    assert_eq!(
        commits(&s.bare),
        before + 1,
        "an existing package: no commit"
    );
    ok(&["bob", "get", "fresh"], "bob\n");
    for bad in ["", "a/b", "a*", "a{b", "b}", "%perl", "a..b", "../x"] {
        refused(
            &["root", "new", bad, "bob"],
            1,
            "Error: invalid package name.\n",
        );
        refused(&["bob", "get", bad], 1, "Error: invalid package name.\n");
        refused(
            &["bob", "set", bad, "bob"],
            1,
            "Error: invalid package name.\n",
        );
    }
    let (code, _, err) = call(&m, &["bob", "frobnicate", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("Error: "), "{err}");
    // `get` alone: maintdb.txt's lines.
    let (code, out, _) = call(&m, &["bob", "get"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "fresh bob\norphan nobody\norphan2 nobody\nperl-Bar nobody\nperl-Foo bob\n"
    );
    let (code, out, err) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn an_unknown_caller_is_refused_by_the_gate() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let m = wrapper(tmp.path(), &s.bare);
    let before = commits(&s.bare);
    let (code, out, err) = call(&m, &["mallory", "set", "orphan", "mallory"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.starts_with("Error: ") && err.contains("mallory"),
        "{err}"
    );
    assert_eq!(commits(&s.bare), before);
}

#[test]
fn a_compat_write_publishes_as_a_push_does() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let (code, out, err) = run(maintdb(tmp.path()).args([
        "hook",
        "install",
        s.bare.to_str().unwrap(),
        "--publish",
        site.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    let m = wrapper(tmp.path(), &s.bare);
    let (code, out, err) = call(&m, &["carol", "set", "orphan", "carol"]);
    assert_eq!(code, 0, "{out}{err}");
    let txt = std::fs::read_to_string(site.join("maintdb.txt")).unwrap();
    assert!(txt.lines().any(|l| l == "orphan carol"), "{txt}");
}

/// Another writer (a push's `git receive-pack`, another call) holds the branch's lock while it
/// moves the branch: a call waits for it, as for a lost race, and lands. A lock nobody lets
/// go is named, with what to do, and nothing lands.
#[test]
fn a_branch_another_writer_holds_for_a_moment_is_waited_for() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let m = wrapper(tmp.path(), &s.bare);
    let lock = s.bare.join("refs/heads/main.lock");
    let before = commits(&s.bare);
    std::fs::write(&lock, "").unwrap();
    let held = lock.clone();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        std::fs::remove_file(held).unwrap();
    });
    let (code, out, err) = call(&m, &["carol", "set", "orphan", "carol"]);
    release.join().unwrap();
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(commits(&s.bare), before + 1);

    std::fs::write(&lock, "").unwrap();
    let (code, out, err) = call(&m, &["carol", "set", "orphan2", "carol"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("refs/heads/main.lock") && err.contains("remove it"),
        "{err}"
    );
    assert_eq!(commits(&s.bare), before + 1, "nothing lands");
    std::fs::remove_file(&lock).unwrap();
    let (code, out, err) = call(&m, &["carol", "set", "orphan2", "carol"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(commits(&s.bare), before + 2);
}

#[test]
fn compat_writes_racing_admin_calls_and_pushes_all_land() {
    let (s, tmp, served) = crate::serve_admin::admin_server(&[]);
    let m = wrapper(tmp.path(), &s.bare);
    let before = commits(&s.bare);
    let compat: Vec<_> = (0..12)
        .map(|i| {
            let m = m.clone();
            std::thread::spawn(move || call(&m, &["root", "new", &format!("compat{i}"), "bob"]))
        })
        .collect();
    let admin: Vec<_> = (0..12)
        .map(|i| {
            let base = served.base.clone();
            std::thread::spawn(move || {
                reqwest::blocking::Client::new()
                    .post(format!("{base}/admin/setnewpackage"))
                    .basic_auth("buildsystem", Some("bs-secret"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(format!("package=admin{i}&maintainer=carol"))
                    .send()
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    s.outside_pushes(6);
    // Every outcome is gathered before any is judged: the first failure is the one told, not
    // the calls the server's end (when the test stops) broke off.
    let compat: Vec<_> = compat.into_iter().map(|t| t.join().unwrap()).collect();
    let admin: Vec<_> = admin.into_iter().map(|t| t.join().unwrap()).collect();
    for (code, out, err) in compat {
        assert_eq!(code, 0, "{out}{err}");
    }
    for status in admin {
        assert_eq!(status, Ok(200));
    }
    assert_eq!(commits(&s.bare), before + 30, "12 + 12 + 6 commits");
    let files = git_ok(&s.bare, &["ls-tree", "-r", "--name-only", "main"]);
    for prefix in ["compat", "admin", "outside"] {
        let n = files
            .lines()
            .filter(|f| f.rsplit('/').next().unwrap().starts_with(prefix))
            .count();
        assert_eq!(n, if prefix == "outside" { 6 } else { 12 }, "{prefix}");
    }
    let (code, out, err) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}{err}");
}
