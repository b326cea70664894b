//! Every writing path killed with SIGKILL at many points: afterwards `git fsck` and `check`
//! are clean, a published site is one whole generation, and the next run succeeds without
//! any cleanup by hand.

use std::path::Path;
use std::time::Duration;

use crate::serve::Served;
use crate::support::{Clone, Server, fsck_clean, git_ok, kill_runs, maintdb, run, tree};

/// How many killed runs per path.
const TIMES: u32 = 16;

fn check_clean(dir: &Path) {
    let (code, out, err) = run(maintdb(dir).arg("check"));
    assert_eq!(code, 0, "check after a kill: {out}{err}");
}

/// A clone that can still write: its worktree matches its HEAD or a writing command can go on.
fn writes_again(c: &Clone, args: &[&str]) {
    let (code, out, err) = run(maintdb(&c.dir).env_remove("MAINTDB_USER").args(args));
    assert_eq!(code, 0, "{args:?} after a kill: {out}{err}");
    check_clean(&c.dir);
}

#[test]
fn a_writing_command_with_push() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let verb = |i: u32| if i.is_multiple_of(2) { "take" } else { "drop" };
    kill_runs(
        TIMES,
        Duration::from_millis(400),
        |i| {
            let mut cmd = maintdb(&c.dir);
            cmd.env_remove("MAINTDB_USER")
                .env("MAINTDB_PUSHER", "bob")
                .args([verb(i), "orphan", "--as", "bob", "--push"]);
            cmd
        },
        |i| {
            fsck_clean(&c.dir);
            fsck_clean(&s.bare);
            check_clean(&c.dir);
            // The next run succeeds: the same verb again (which may find it done) or the other.
            let set = |who: &[&str]| {
                let mut cmd = maintdb(&c.dir);
                cmd.env_remove("MAINTDB_USER")
                    .env("MAINTDB_PUSHER", "alice")
                    .args(["set", "orphan2"])
                    .args(who)
                    .args(["--as", "alice", "--push"]);
                let (code, out, err) = run(&mut cmd);
                assert_eq!(
                    code,
                    0,
                    "run {i}: set after a killed {}: {out}{err}",
                    verb(i)
                );
            };
            set(&["bob"]);
            set(&[]);
        },
    );
    // The clone and the server agree at the end.
    git_ok(&c.dir, &["fetch", "-q"]);
    check_clean(&c.dir);
}

#[test]
fn an_import() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let list = c.dir.join("../list.txt");
    let text: String = (0..300).map(|i| format!("imported{i}:carol\n")).collect();
    std::fs::write(&list, text).unwrap();
    kill_runs(
        TIMES,
        Duration::from_millis(600),
        |_| {
            let mut cmd = maintdb(&c.dir);
            cmd.env("MAINTDB_USER", "alice")
                .args(["import", "text"])
                .arg(&list);
            cmd
        },
        |_| {
            fsck_clean(&c.dir);
            check_clean(&c.dir);
        },
    );
    writes_again(&c, &["take", "orphan", "--as", "bob"]);
}

#[test]
fn a_render_that_publishes() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let (code, _, err) = run(maintdb(&c.dir).arg("render").arg("--out").arg(&whole));
    assert_eq!(code, 0, "{err}");
    let expected = tree(&whole);
    let site = tmp.path().join("site");
    kill_runs(
        TIMES,
        Duration::from_millis(300),
        |_| {
            let mut cmd = maintdb(&c.dir);
            cmd.arg("render").arg("--out").arg(&site).arg("--no-cache");
            cmd
        },
        |i| {
            // Either nothing is published yet, or one whole generation is.
            if site.exists() {
                assert_eq!(tree(&site), expected, "run {i}: a partial generation");
            }
        },
    );
    let (code, _, err) = run(maintdb(&c.dir).arg("render").arg("--out").arg(&site));
    assert_eq!(code, 0, "render after kills: {err}");
    assert_eq!(tree(&site), expected);
    // Killed runs leave nothing behind that a later run does not clear: the published
    // generation and the one before it with their keys, the lock file (an flock, never
    // stale) and the link.
    let mut left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site") || n == "site")
        .collect();
    left.sort();
    assert_eq!(left.len(), 6, "left behind: {left:?}");
    for g in [0, 2] {
        assert!(left[g].starts_with(".site.gen-"), "{left:?}");
        assert_eq!(left[g + 1], format!("{}.keys", left[g]));
    }
    assert_eq!(left[4..], [".site.lock", "site"]);
}

#[test]
fn an_admin_call_to_serve() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let pw = crate::serve_admin::htpasswd(tmp.path());
    let args = ["--htpasswd", pw.to_str().unwrap()];
    for i in 0..TIMES {
        let mut served = Served::start_with(&s.bare, &args);
        let base = served.base.clone();
        let package = format!("killed{i}");
        let call = std::thread::spawn(move || {
            reqwest::blocking::Client::new()
                .post(format!("{base}/admin/setnewpackage"))
                .basic_auth("buildsystem", Some("bs-secret"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!("package={package}&maintainer=carol"))
                .send()
                .map(|r| r.status().as_u16())
        });
        std::thread::sleep(Duration::from_millis(u64::from(i) * 150 / u64::from(TIMES)));
        let _ = served.child.kill();
        let _ = served.child.wait();
        let _ = call.join();
        fsck_clean(&s.bare);
        let (code, out, err) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
        assert_eq!(code, 0, "{out}{err}");
    }
    // A new server takes the next call.
    let (status, body, log) = admin_call(&s, "afterwards");
    assert_eq!(status, 200, "{body}\n{log:?}");
}

/// An admin call against a fresh server: its status, its body and the server's log.
fn admin_call(s: &Server, package: &str) -> (u16, String, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let pw = crate::serve_admin::htpasswd(tmp.path());
    let served = Served::start_with(&s.bare, &["--htpasswd", pw.to_str().unwrap()]);
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/admin/setnewpackage", served.base))
        .basic_auth("buildsystem", Some("bs-secret"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("package={package}&maintainer=carol"))
        .send()
        .unwrap();
    let status = answer.status().as_u16();
    let body = answer.text().unwrap_or_default();
    let log = served.log.lock().unwrap().clone();
    (status, body, log)
}

/// A process id no process has.
fn dead_pid() -> u32 {
    (4_000_000u32..)
        .find(|p| !Path::new(&format!("/proc/{p}")).exists())
        .unwrap()
}

#[test]
fn a_branch_lock_a_killed_server_left_is_removed_and_no_other() {
    let s = Server::new("hook");
    let lock = s.bare.join("refs/heads/main.lock");
    // A lock with no journal (a running or killed `git`): kept, and the call fails.
    std::fs::write(&lock, "").unwrap();
    let (status, body, _) = admin_call(&s, "first");
    assert_eq!(status, 500, "{body}");
    assert!(lock.exists(), "a lock no maintdb run journaled stays");
    // The journal of a process that still runs (this test): its lock stays.
    let journal = s.bare.join("maintdb/committing");
    let lock_after = |pid: u32| {
        std::fs::remove_file(&lock).unwrap();
        std::fs::create_dir_all(journal.parent().unwrap()).unwrap();
        std::fs::write(&journal, format!("{pid}\n")).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&lock, "").unwrap();
    };
    lock_after(std::process::id());
    let (status, body, _) = admin_call(&s, "first");
    assert_eq!(status, 500, "{body}");
    assert!(lock.exists(), "a running writer's lock stays");
    // A journal that names no process (as one being written was seen, between its truncation
    // and its write, while another writer held the branch): nobody is known dead, the lock
    // stays.
    std::fs::remove_file(&lock).unwrap();
    std::fs::write(&journal, "").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&lock, "").unwrap();
    let (status, body, _) = admin_call(&s, "first");
    assert_eq!(status, 500, "{body}");
    assert!(
        lock.exists(),
        "a lock is not removed on a journal that names no one"
    );
    // The same lock after the journal of a server killed while committing: removed.
    lock_after(dead_pid());
    let (status, body, _) = admin_call(&s, "second");
    assert_eq!(status, 200, "{body}");
    assert!(!lock.exists());
    assert!(!s.bare.join("maintdb/committing").exists());
    fsck_clean(&s.bare);
}

#[test]
fn a_lock_no_maintdb_run_journaled_is_reported_and_kept() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let lock = c.dir.join(".git/index.lock");
    std::fs::write(&lock, "").unwrap();
    let (code, _, err) = run(maintdb(&c.dir).args(["take", "orphan", "--as", "bob"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("index.lock exists (held by a git command, or left by a killed one)")
            && err.contains("if no git command is running, remove it"),
        "{err}"
    );
    assert!(lock.exists(), "a lock maintdb did not take stays");
    std::fs::remove_file(&lock).unwrap();
    writes_again(&c, &["take", "orphan", "--as", "bob"]);
}

/// The journal a `--push` run killed before its push leaves, naming a process that is gone.
fn killed_push_journal(c: &Clone) {
    let start = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let dead = dead_pid();
    std::fs::create_dir_all(c.dir.join(".git/maintdb")).unwrap();
    std::fs::write(
        c.dir.join(".git/maintdb/pushing"),
        format!("{dead}\n{}\n", start.trim()),
    )
    .unwrap();
}

#[test]
fn a_branch_lock_a_killed_push_left_on_a_server_on_this_machine_is_removed() {
    // A push to a path runs the server's receive-pack as the run's child: killed together,
    // they can leave the server's branch lock behind. Older locks are not the run's: kept.
    let s = Server::new("hook");
    let c = s.clone("alice");
    let older = s.bare.join("refs/heads/older.lock");
    std::fs::write(&older, "").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    killed_push_journal(&c);
    std::thread::sleep(Duration::from_millis(20));
    let lock = s.bare.join("refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    let (code, out, err) = run(maintdb(&c.dir)
        .env_remove("MAINTDB_USER")
        .env("MAINTDB_PUSHER", "alice")
        .args(["set", "orphan2", "bob", "--as", "alice", "--push"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("main.lock, left by a killed maintdb run"),
        "{err}"
    );
    assert!(!lock.exists());
    assert!(older.exists(), "a lock from before the killed run stays");
    fsck_clean(&s.bare);
}

#[test]
fn only_the_one_commit_of_a_killed_push_is_dropped() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let md = |args: &[&str]| {
        run(maintdb(&c.dir)
            .env_remove("MAINTDB_USER")
            .env("MAINTDB_PUSHER", "alice")
            .args(args))
    };
    // One commit on top of where the killed run started: it was the run's; dropped.
    killed_push_journal(&c);
    let (code, _, err) = md(&["take", "orphan", "--as", "bob"]);
    assert_eq!(code, 0, "{err}");
    let dropped = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let (code, out, err) = md(&["set", "orphan2", "bob", "--as", "alice", "--push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("note: dropped"), "{err}");
    let log = git_ok(&c.dir, &["log", "--format=%H"]);
    assert!(
        !log.contains(dropped.trim()),
        "the killed run's commit is gone from the branch"
    );
    // Two commits on top: someone's work too; reported, nothing dropped.
    killed_push_journal(&c);
    for pkg in ["orphan", "perl-Bar"] {
        let (code, _, err) = md(&["set", pkg, "carol", "--as", "alice"]);
        assert_eq!(code, 0, "{err}");
    }
    let before = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let (code, _, err) = md(&["set", "orphan2", "--as", "alice", "--push"]);
    assert_ne!(code, 0);
    assert!(err.contains("2 unpushed commit(s)"), "{err}");
    assert_eq!(git_ok(&c.dir, &["rev-parse", "HEAD"]), before);
}

#[test]
fn an_index_lock_taken_after_a_killed_runs_intent_is_removed_and_no_other() {
    let s = Server::new("hook");
    let c = s.clone("bob");
    let head = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    let journal = c.dir.join(".git/maintdb/writing");
    let lock = c.dir.join(".git/index.lock");
    std::fs::create_dir_all(journal.parent().unwrap()).unwrap();
    let intent = format!(
        "{}\n0\n{}\nmaintainers/packages/o/orphan.toml\n",
        dead_pid(),
        head.trim()
    );
    let take = || {
        run(maintdb(&c.dir)
            .env_remove("MAINTDB_USER")
            .args(["take", "orphan", "--as", "bob"]))
    };
    // A lock older than the intent is someone else's: kept, and the command says so.
    std::fs::write(&lock, "").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&journal, &intent).unwrap();
    let (code, _, err) = take();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("index.lock"), "{err}");
    assert!(lock.exists());
    // Killed after its intent, holding the lock it took then: the lock is the dead run's.
    std::fs::remove_file(&lock).unwrap();
    std::fs::write(&journal, &intent).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&lock, "").unwrap();
    let (code, out, err) = take();
    assert_eq!(code, 0, "{out}{err}");
    assert!(!journal.exists() && !lock.exists());
    check_clean(&c.dir);
}

#[test]
fn a_render_that_brings_the_older_generation_up_to_date() {
    // Two commits far apart: every other render goes back to the first, so that each one
    // brings the older generation across many changed pages.
    let s = Server::new("hook");
    let c = s.clone("alice");
    let first = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    for (i, pkg) in ["perl-Foo", "zlib", "orphan"].iter().enumerate() {
        let path = c.dir.join(format!(
            "maintainers/packages/{}/{pkg}.toml",
            &pkg[..1].to_lowercase()
        ));
        if path.exists() {
            std::fs::write(&path, "maintainers = [\"carol\"]\n").unwrap();
            git_ok(&c.dir, &["commit", "-qam", &format!("change {i}")]);
        }
    }
    let second = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    assert_ne!(first, second);
    let tmp = tempfile::tempdir().unwrap();
    let full = |rev: &str, name: &str| {
        let dir = tmp.path().join(name);
        let (code, _, err) = run(maintdb(&c.dir)
            .args(["render", "--full", "--rev", rev.trim(), "--out"])
            .arg(&dir));
        assert_eq!(code, 0, "{err}");
        tree(&dir)
    };
    let (one, two) = (full(&first, "one"), full(&second, "two"));
    assert_ne!(one, two);
    let site = tmp.path().join("site");
    let revs = [first.trim().to_owned(), second.trim().to_owned()];
    kill_runs(
        TIMES,
        Duration::from_millis(300),
        |i| {
            let mut cmd = maintdb(&c.dir);
            cmd.args(["render", "--rev", &revs[i as usize % 2], "--out"])
                .arg(&site);
            cmd
        },
        |i| {
            // The published tree is one whole render, whichever.
            if site.exists() {
                let now = tree(&site);
                assert!(now == one || now == two, "run {i}: a partial generation");
            }
        },
    );
    for (rev, want) in [(&revs[0], &one), (&revs[1], &two), (&revs[0], &one)] {
        let (code, _, err) = run(maintdb(&c.dir)
            .args(["render", "--rev", rev, "--out"])
            .arg(&site));
        assert_eq!(code, 0, "render after kills: {err}");
        assert_eq!(tree(&site), *want);
    }
}
