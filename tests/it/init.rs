//! `maintdb init`: from an empty directory to a repository that `check`, a push, `serve` and
//! `render` accept, with no file written by hand.

use crate::support::{git_ok, maintdb, run};

#[test]
fn from_nothing_to_a_served_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bare = tmp.path().join("srv.git");
    let site = tmp.path().join("www");
    let (code, out, err) = run(maintdb(tmp.path()).args([
        "init",
        data.to_str().unwrap(),
        "--distribution",
        "Mageia",
        "--admin",
        "tv",
        "--email",
        "tv@mageia.org",
        "--name",
        "Thierry Vignaud",
        "--buildsystem",
        "root",
        "--suite",
        "stable=trixie:13.2",
        "--server",
        bare.to_str().unwrap(),
        "--publish",
        site.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    // One commit, by the admin.
    assert_eq!(
        git_ok(&data, &["log", "--format=%an <%ae>"]).trim(),
        "Thierry Vignaud <tv@mageia.org>"
    );
    let (code, out, err) = run(maintdb(&data).arg("check"));
    assert_eq!(code, 0, "{out}{err}");
    // The admin works in the new clone as themself, and pushes to the new server, whose hook
    // accepts the change and publishes the site. (The server learns the pusher from its
    // transport; a push to a local path carries none, so the test names it.)
    let (code, out, err) = run(maintdb(&data)
        .env_remove("MAINTDB_USER")
        .env("MAINTDB_PUSHER", "tv")
        .args([
            "person",
            "add",
            "boklm",
            "--name",
            "boklm",
            "--email",
            "boklm@mageia.org",
            "--push",
        ]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        git_ok(&bare, &["rev-parse", "main"]),
        git_ok(&data, &["rev-parse", "HEAD"])
    );
    assert!(site.join("people.html").exists(), "post-receive published");
    let (code, out, err) = run(maintdb(&bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}{err}");
    // render and serve work on it.
    let (code, out, err) =
        run(maintdb(&data).args(["render", "--out", tmp.path().join("out").to_str().unwrap()]));
    assert_eq!(code, 0, "{out}{err}");
    let served = crate::serve::Served::start_with(&bare, &[]);
    let r = reqwest::blocking::get(format!("{}/people.txt", served.base)).unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn init_refuses_a_non_empty_target_and_bad_options_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine\n").unwrap();
    let init = |dir: &std::path::Path, extra: &[&str]| {
        run(maintdb(tmp.path())
            .arg("init")
            .arg(dir)
            .args(["--distribution", "X"])
            .args(extra))
    };
    let (code, _, err) = init(&taken, &["--admin", "a", "--email", "a@example.org"]);
    assert_ne!(code, 0);
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 1, "untouched");
    // A login or address check refuses: nothing is left behind.
    let fresh = tmp.path().join("fresh");
    let (code, _, err) = init(&fresh, &["--admin", "Bad Login", "--email", "nope"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad-login") && err.contains("bad-email"),
        "{err}"
    );
    assert!(!fresh.exists());
    let (code, _, err) = init(
        &fresh,
        &[
            "--admin",
            "a",
            "--email",
            "a@example.org",
            "--suite",
            "stable",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("NAME=CODENAME:X.Y"), "{err}");
    assert!(!fresh.exists());
}
