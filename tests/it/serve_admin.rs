//! The admin API of `maintdb serve` over real HTTP: the build system's POSTs, the same rules as
//! a push, every bad request refused with the repository unchanged, and 50 racing calls that
//! all land.

use std::path::Path;

pub use crate::serve::Served;
use crate::support::{Server, git_ok, maintdb, run};

/// An htpasswd file: the build system, an admin and a plain person.
pub fn htpasswd(dir: &Path) -> std::path::PathBuf {
    let mut text = String::new();
    for (user, pass) in [
        ("buildsystem", "bs-secret"),
        ("alice", "alice-secret"),
        ("carol", "carol-secret"),
    ] {
        let hash = bcrypt::hash(pass, 4).unwrap().replacen("$2b$", "$2y$", 1);
        text.push_str(&format!("{user}:{hash}\n"));
    }
    let p = dir.join("htpasswd");
    std::fs::write(&p, text).unwrap();
    p
}

/// The hook fixture served with the admin API, its callers in an htpasswd file; `extra`
/// arguments go to `serve`. The temporary directory holds the file.
pub fn admin_server(extra: &[&str]) -> (Server, tempfile::TempDir, Served) {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let pw = htpasswd(tmp.path());
    let mut args = vec!["--htpasswd", pw.to_str().unwrap()];
    args.extend_from_slice(extra);
    let served = Served::start_with(&s.bare, &args);
    (s, tmp, served)
}

/// How many commits `main` has.
fn commits(bare: &Path) -> usize {
    git_ok(bare, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

/// The build system's `setnewpackage` of `package` for carol: the status.
pub fn setnew(base: &str, package: &str) -> u16 {
    reqwest::blocking::Client::new()
        .post(format!("{base}/admin/setnewpackage"))
        .basic_auth("buildsystem", Some("bs-secret"))
        .header("Content-Type", FORM)
        .body(format!("package={package}&maintainer=carol"))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn post(
    served: &Served,
    op: &str,
    user: Option<(&str, &str)>,
    ctype: &str,
    body: impl Into<reqwest::blocking::Body>,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{}/admin/{op}", served.base))
        .header("Content-Type", ctype)
        .body(body);
    if let Some((u, p)) = user {
        req = req.basic_auth(u, Some(p));
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        headers,
    )
}

pub const FORM: &str = "application/x-www-form-urlencoded";

/// Basic-auth credentials, or none.
type User = Option<(&'static str, &'static str)>;

/// A call that must be refused: operation, user, content type, body, status, error code.
type Refused = (&'static str, User, &'static str, String, u16, &'static str);
const BS: User = Some(("buildsystem", "bs-secret"));
const ALICE: User = Some(("alice", "alice-secret"));
const CAROL: User = Some(("carol", "carol-secret"));

#[test]
fn the_build_system_and_admins_change_records() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let pw = htpasswd(tmp.path());
    let site = tmp.path().join("site");
    let served = Served::start_with(
        &s.bare,
        &[
            "--htpasswd",
            pw.to_str().unwrap(),
            "--publish",
            site.to_str().unwrap(),
        ],
    );
    let (status, body, _) = post(
        &served,
        "setnewpackage",
        BS,
        FORM,
        "package=newpkg&maintainer=carol",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], true);
    let commit = body["commit"].as_str().unwrap().to_owned();
    assert_eq!(git_ok(&s.bare, &["rev-parse", "main"]).trim(), commit);
    assert_eq!(
        git_ok(
            &s.bare,
            &["show", "main:maintainers/packages/n/newpkg.toml"]
        ),
        "maintainers = [\"carol\"]\n"
    );
    let author = git_ok(&s.bare, &["log", "-1", "--format=%an <%ae>"]);
    assert_eq!(author.trim(), "Build System <buildsystem@example.org>");
    // Again: no change.
    let (status, body, _) = post(
        &served,
        "setnewpackage",
        BS,
        FORM,
        "package=newpkg&maintainer=bob",
    );
    assert_eq!(
        (status, body["changed"].clone()),
        (200, serde_json::json!(false))
    );
    // An admin sets and removes, in JSON.
    let (status, body, _) = post(
        &served,
        "setpackage",
        ALICE,
        "application/json",
        r#"{"package": "newpkg", "maintainer": ["bob", "%perl"]}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        git_ok(
            &s.bare,
            &["show", "main:maintainers/packages/n/newpkg.toml"]
        ),
        "maintainers = [\"bob\", \"%perl\"]\n"
    );
    let (status, _, _) = post(
        &served,
        "setpackage",
        ALICE,
        FORM,
        "package=newpkg&maintainer=nobody",
    );
    assert_eq!(status, 200);
    let (status, _, _) = post(&served, "removepackage", ALICE, FORM, "package=newpkg");
    assert_eq!(status, 200);
    let (code, out, _) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}");
    // The served lists follow, and so does the published tree.
    let c = reqwest::blocking::Client::new();
    let start = std::time::Instant::now();
    loop {
        let r = c.get(format!("{}/newpkg", served.base)).send().unwrap();
        if r.status() == 404 {
            break;
        }
        assert!(start.elapsed().as_secs() < 20, "the removal is served");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let tip = git_ok(&s.bare, &["rev-parse", "main"]);
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(site.join("packages.json")).is_ok_and(|j| j.contains(tip.trim()))
    {
        assert!(
            start.elapsed().as_secs() < 20,
            "the last commit is published"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!site.join("packages/newpkg.txt").exists());
}

#[test]
fn every_bad_call_is_refused_and_nothing_changes() {
    let (s, _tmp, served) = admin_server(&[]);
    let refs = s.refs();
    let long = format!("package={}&maintainer=carol", "a".repeat(300));
    let big = format!("package=x&maintainer={}", "a".repeat(70 * 1024));
    let cases: Vec<Refused> = vec![
        (
            "setnewpackage",
            Some(("buildsystem", "wrong")),
            FORM,
            "package=x".into(),
            401,
            "unauthorized",
        ),
        (
            "setnewpackage",
            Some(("mallory", "x")),
            FORM,
            "package=x".into(),
            401,
            "unauthorized",
        ),
        (
            "setnewpackage",
            None,
            FORM,
            "package=x".into(),
            401,
            "unauthorized",
        ),
        (
            "setnewpackage",
            CAROL,
            FORM,
            "package=x&maintainer=carol".into(),
            403,
            "new-package",
        ),
        (
            "setpackage",
            BS,
            FORM,
            "package=orphan&maintainer=carol".into(),
            403,
            "buildsystem-existing",
        ),
        (
            "setnewpackage",
            BS,
            FORM,
            "package=../etc/passwd&maintainer=carol".into(),
            400,
            "bad-package-name",
        ),
        (
            "setnewpackage",
            BS,
            FORM,
            "package=a+b&maintainer=carol".into(),
            400,
            "bad-package-name",
        ),
        (
            "setnewpackage",
            BS,
            FORM,
            "package=&maintainer=carol".into(),
            400,
            "bad-package-name",
        ),
        ("setnewpackage", BS, FORM, long, 400, "bad-package-name"),
        (
            "setnewpackage",
            BS,
            FORM,
            "package=x&maintainer=ghost".into(),
            400,
            "unknown-maintainer",
        ),
        (
            "setnewpackage",
            BS,
            "application/json",
            "{\"package\": ".into(),
            400,
            "bad-request",
        ),
        (
            "setnewpackage",
            BS,
            "text/plain",
            "package=x".into(),
            415,
            "unsupported-media-type",
        ),
        (
            "nosuchcall",
            BS,
            FORM,
            "package=x".into(),
            404,
            "unknown-call",
        ),
    ];
    for (op, user, ctype, body, status, code) in cases {
        let (got, json, headers) = post(&served, op, user, ctype, body.clone());
        assert_eq!(got, status, "{op} {body:.60}: {json}");
        assert_eq!(json["error"]["code"], code, "{op} {body:.60}: {json}");
        if status == 401 {
            assert_eq!(headers["www-authenticate"], "Basic realm=\"maintdb\"");
        }
        assert_eq!(s.refs(), refs, "{op} {body:.60} changed the repository");
    }
    let (got, _, _) = post(&served, "setnewpackage", BS, FORM, big);
    assert_eq!(got, 413, "a body over 64 KiB");
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/admin/setnewpackage", served.base))
        .send()
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(s.refs(), refs);
    let (code, out, _) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}");
    // The server keeps serving.
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/orphan", served.base))
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "nobody\n");
}

#[test]
fn fifty_racing_calls_all_land() {
    let (s, _tmp, served) = admin_server(&[]);
    let before = commits(&s.bare);
    let base = served.base.clone();
    let threads: Vec<_> = (0..50)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || setnew(&base, &format!("race{i}")))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    let after = commits(&s.bare);
    assert_eq!(after, before + 50, "50 calls, 50 commits");
    let files = git_ok(
        &s.bare,
        &["ls-tree", "--name-only", "main", "maintainers/packages/r/"],
    );
    assert_eq!(files.lines().count(), 50, "{files}");
    let (code, out, _) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn identity_from_a_proxy_header_and_read_only_replicas() {
    let s = Server::new("hook");
    let served = Served::start_with(&s.bare, &["--trust-user-header", "X-Remote-User"]);
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/admin/setnewpackage", served.base))
        .header("X-Remote-User", "buildsystem")
        .header("Content-Type", FORM)
        .body("package=viaproxy&maintainer=carol")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, json, _) = post(&served, "setnewpackage", None, FORM, "package=noheader");
    assert_eq!(
        (status, json["error"]["code"].clone()),
        (401, serde_json::json!("unauthorized"))
    );
    // With no htpasswd file, the help does not send the caller to one.
    let help = json["error"]["help"].as_str().unwrap();
    assert!(
        !help.contains("htpasswd") && help.contains("proxy"),
        "{help}"
    );
    // Only on loopback: anyone reaching the port could send the header.
    let (code, _, err) = run(maintdb(&s.bare).args([
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--trust-user-header",
        "X-Remote-User",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("--trust-user-header needs a loopback --listen address"),
        "{err}"
    );
    drop(served);
    let replica = Served::start_with(&s.bare, &["--read-only"]);
    let refs = s.refs();
    let (status, json, _) = post(
        &replica,
        "setnewpackage",
        BS,
        FORM,
        "package=x&maintainer=carol",
    );
    assert_eq!(
        (status, json["error"]["code"].clone()),
        (403, serde_json::json!("read-only"))
    );
    assert_eq!(s.refs(), refs);
}

#[test]
fn calls_racing_outside_pushes_all_land() {
    let (s, _tmp, served) = admin_server(&[]);
    let before = commits(&s.bare);
    let base = served.base.clone();
    // The calls are spread over the time the pushes take. (Whether one is planned on a tip
    // that a push then replaces is up to timing; the next test makes that happen.)
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50 * i));
                setnew(&base, &format!("call{i}"))
            })
        })
        .collect();
    // Meanwhile an admin pushes, rebasing when the calls moved the branch first.
    s.outside_pushes(10);
    for t in calls {
        assert_eq!(t.join().unwrap(), 200);
    }
    let after = commits(&s.bare);
    assert_eq!(after, before + 30, "20 calls and 10 pushes, 30 commits");
    for (dir, n) in [("c", 20), ("o", 10)] {
        let files = git_ok(
            &s.bare,
            &[
                "ls-tree",
                "--name-only",
                "main",
                &format!("maintainers/packages/{dir}/"),
            ],
        );
        let ours = files
            .lines()
            .filter(|f| f.contains("/call") || f.contains("/outside"))
            .count();
        assert_eq!(ours, n, "{files}");
    }
    let (code, out, _) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}");
}

/// A call that finds the branch locked by another writer for a moment waits and lands; one
/// that finds a lock nobody lets go answers 500, commits nothing, and the server's log names
/// the lock.
#[test]
fn a_call_meeting_a_locked_branch_waits_and_a_stale_lock_is_named() {
    let (s, _tmp, served) = admin_server(&[]);
    let before = commits(&s.bare);
    let lock = s.bare.join("refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    let held = lock.clone();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        std::fs::remove_file(held).unwrap();
    });
    assert_eq!(setnew(&served.base, "waited"), 200);
    release.join().unwrap();
    assert_eq!(commits(&s.bare), before + 1);

    std::fs::write(&lock, "").unwrap();
    assert_eq!(setnew(&served.base, "stuck"), 500);
    assert_eq!(commits(&s.bare), before + 1, "nothing lands");
    let named = |l: &String| l.contains("refs/heads/main.lock exists") && l.contains("remove it");
    let start = std::time::Instant::now();
    while !served.log.lock().unwrap().iter().any(named) {
        let logged = served.log.lock().unwrap().clone();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{logged:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_call_whose_branch_moves_under_it_plans_again() {
    use maintdb::serve::admin;
    let s = Server::new("hook");
    let c = s.clone("alice");
    let w = admin::Writing {
        branch: maintdb::edit::branch::Branch {
            repo: s.bare.clone(),
            reference: "refs/heads/main".into(),
        },
        lock: std::sync::Mutex::new(()),
    };
    let planned = std::sync::atomic::AtomicUsize::new(0);
    let reply = admin::commit_as(&w, "buildsystem", |session| {
        if planned.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            // A real push lands between this plan and its commit.
            c.write("packages/o/outside.toml", "maintainers = [\"carol\"]\n")
                .add_all()
                .commit("outside");
            let (ok, err) = c.push("alice");
            assert!(ok, "{err}");
        }
        maintdb::edit::ops::new_package(session, "inside", &["carol".to_owned()])
    });
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(planned.into_inner(), 2, "planned again on the new tip");
    let log = git_ok(&s.bare, &["log", "--format=%s", "-2", "main"]);
    assert!(log.lines().nth(1).unwrap().contains("outside"), "{log}");
    let files = git_ok(&s.bare, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(files.contains("packages/o/outside.toml") && files.contains("packages/i/inside.toml"));
    let (code, out, _) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_body_that_trickles_is_cut_off_and_nothing_lands() {
    use std::io::{Read, Write};
    let (s, _tmp, served) = admin_server(&["--body-timeout", "1"]);
    let before = s.refs();
    let addr = served.base.trim_start_matches("http://").to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let body = "package=trickle&maintainer=carol";
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode("buildsystem:bs-secret");
    write!(
        conn,
        "POST /admin/setnewpackage HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: {FORM}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    // Two bytes, then nothing for longer than the body timeout.
    conn.write_all(&body.as_bytes()[..2]).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let start = std::time::Instant::now();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "cut off after the body timeout"
    );
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(s.refs(), before, "nothing committed");
    // The server goes on serving.
    let r = reqwest::blocking::get(format!("{}/perl", served.base)).unwrap();
    assert!(r.status().is_success() || r.status() == 404);
}

#[test]
fn failed_logins_are_limited_per_address() {
    // A proxy on this machine, named as trusted, so its X-Forwarded-For is believed.
    let (s, _tmp, served) = admin_server(&["--trusted-proxy", "127.0.0.1"]);
    let before = s.refs();
    let call = |pass: &str, from: Option<&str>| {
        let mut req = reqwest::blocking::Client::new()
            .post(format!("{}/admin/setnewpackage", served.base))
            .basic_auth("buildsystem", Some(pass))
            .header("Content-Type", FORM)
            .body("package=limited&maintainer=carol");
        if let Some(addr) = from {
            // The address a proxy on this machine says the request came from.
            req = req.header("X-Forwarded-For", addr);
        }
        req.send().unwrap()
    };
    for _ in 0..10 {
        assert_eq!(call("guess", None).status(), 401);
    }
    // The eleventh try is not even checked: the right password is refused too.
    let r = call("bs-secret", None);
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], "too-many-failures");
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/login", served.base))
        .basic_auth("buildsystem", Some("bs-secret"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 429, "signing in on the web counts the same");
    assert_eq!(s.refs(), before, "nothing committed");
    // Another address is not held back.
    assert_eq!(call("bs-secret", Some("192.0.2.50")).status(), 200);
    // Credentials never reach the log.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let log = served.log.lock().unwrap().join("\n");
    assert!(log.contains("POST /admin/setnewpackage 429"), "{log}");
    for secret in ["guess", "bs-secret", "YnVpbGRzeXN0ZW06"] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// Mageia's setup on one server: packagers through an LDAP proxy's header, the build system
/// with its htpasswd password.
#[test]
fn the_proxy_header_and_htpasswd_together() {
    let (s, _tmp, served) = admin_server(&[
        "--trust-user-header",
        "X-Remote-User",
        "--trusted-proxy",
        "127.0.0.1",
    ]);
    let c = reqwest::blocking::Client::new();
    // The header wins when present: carol (a person) may not register a package.
    let r = c
        .post(format!("{}/admin/setnewpackage", served.base))
        .header("X-Remote-User", "carol")
        .header("Content-Type", FORM)
        .body("package=byheader&maintainer=carol")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let json: serde_json::Value = r.json().unwrap();
    assert!(
        json["error"]["message"].as_str().unwrap().contains("carol"),
        "{json}"
    );
    // No header: basic auth, the build system.
    assert_eq!(setnew(&served.base, "bybasic"), 200);
    // Neither: 401, and the help names both ways.
    let (status, json, _) = post(&served, "setnewpackage", None, FORM, "package=nothing");
    assert_eq!(status, 401);
    let help = json["error"]["help"].as_str().unwrap();
    assert!(
        help.contains("proxy") && help.contains("htpasswd"),
        "{help}"
    );
    assert!(git_ok(&s.bare, &["ls-tree", "-r", "--name-only", "main"]).contains("bybasic"));
}
