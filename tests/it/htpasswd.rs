//! The admin API's htpasswd file as Apache's own `htpasswd` (apache2-utils) writes it, in
//! every scheme it offers, read again when it changes; a line in no scheme stops the server
//! from starting.

use std::path::Path;
use std::process::Command;

use crate::serve::Served;
use crate::support::{Server, maintdb, run};

/// `htpasswd -b[flag] FILE USER PASSWORD` (with `-c` when the file is new).
fn htpasswd(file: &Path, flag: &str, user: &str, password: &str) {
    let mut args = vec![if file.exists() { "-b" } else { "-cb" }];
    if !flag.is_empty() {
        args.push(flag);
    }
    let out = Command::new("htpasswd")
        .args(&args)
        .arg(file)
        .args([user, password])
        .output()
        .expect("htpasswd (apache2-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn setnew(served: &Served, user: &str, password: &str, package: &str) -> u16 {
    reqwest::blocking::Client::new()
        .post(format!("{}/admin/setnewpackage", served.base))
        .basic_auth(user, Some(password))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("package={package}&maintainer=carol"))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn every_scheme_apaches_htpasswd_writes_and_the_file_read_again_when_it_changes() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("htpasswd");
    htpasswd(&file, "-B", "alice", "alice-secret");
    let served = Served::start_with(&s.bare, &["--htpasswd", file.to_str().unwrap()]);
    // The build system's account is added while the server runs: no restart.
    assert_eq!(setnew(&served, "buildsystem", "pw", "before"), 401);
    // "": htpasswd's default, $apr1$. -m: $apr1$ too. -B: bcrypt. -s: {SHA}. -d: crypt.
    // -2: $5$. -5: $6$.
    for (i, flag) in ["", "-m", "-B", "-s", "-d", "-2", "-5"].iter().enumerate() {
        let password = format!("pw{i}");
        htpasswd(&file, flag, "buildsystem", &password);
        let line = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            setnew(&served, "buildsystem", &password, &format!("pkg{i}")),
            200,
            "htpasswd {flag}: {line}"
        );
    }
    // The last password change took: an old password is refused.
    assert_eq!(setnew(&served, "buildsystem", "pw0", "late"), 401);
    assert_eq!(setnew(&served, "alice", "alice-secret", "alice-pkg"), 200);
}

#[test]
fn a_line_in_no_scheme_stops_the_server_naming_the_line_and_user() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("htpasswd");
    htpasswd(&file, "-B", "alice", "alice-secret");
    // `htpasswd -p` writes the password in clear; an editor can leave garbage.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("buildsystem:bs-secret\nnonsense\n");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = run(maintdb(&s.bare).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--htpasswd",
        file.to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(
        err.contains("line 2: buildsystem's password is not a hash htpasswd writes"),
        "{err}"
    );
    assert!(err.contains("line 3: not `user:hash`"), "{err}");
}

#[test]
fn a_broken_new_version_keeps_the_last_good_one() {
    let s = Server::new("hook");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("htpasswd");
    htpasswd(&file, "", "buildsystem", "bs-secret");
    let served = Served::start_with(&s.bare, &["--htpasswd", file.to_str().unwrap()]);
    assert_eq!(setnew(&served, "buildsystem", "bs-secret", "one"), 200);
    std::fs::write(&file, "buildsystem:in-clear\n").unwrap();
    assert_eq!(setnew(&served, "buildsystem", "bs-secret", "two"), 200);
    assert_eq!(setnew(&served, "buildsystem", "in-clear", "three"), 401);
}
