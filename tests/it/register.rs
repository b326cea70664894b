//! `[people] email_domain`: a new packager's first upload registers the package and the
//! packager in one commit (the admin API and `compat root new`); nothing else may add a
//! person's record that way.

use crate::serve::Served;
use crate::support::{Server, git_ok, maintdb, run};

const CONFIG: &str = "distribution = \"Test\"\n\n[people]\nemail_domain = \"example.org\"\n\n\
                      [buildsystem]\nname = \"Build System\"\nemail = \"buildsystem@example.org\"\n";

fn server() -> Server {
    Server::with("hook", &[("config.toml".into(), CONFIG.into())])
}

fn show(bare: &std::path::Path, path: &str) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(bare)
        .args(["show", &format!("main:maintainers/{path}")])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

fn changed_files(bare: &std::path::Path) -> Vec<String> {
    git_ok(bare, &["show", "--name-only", "--format=", "main"])
        .lines()
        .map(ToOwned::to_owned)
        .collect()
}

#[test]
fn an_admin_api_registration_adds_the_unknown_packager_in_the_same_commit() {
    let s = server();
    let tmp = tempfile::tempdir().unwrap();
    let pw = crate::serve_admin::htpasswd(tmp.path());
    let served = Served::start_with(&s.bare, &["--htpasswd", pw.to_str().unwrap()]);
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/admin/setnewpackage", served.base))
        .basic_auth("buildsystem", Some("bs-secret"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("package=first-upload&maintainer=newbie")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    assert_eq!(
        changed_files(&s.bare),
        [
            "maintainers/packages/f/first-upload.toml",
            "maintainers/people/newbie.toml"
        ]
    );
    assert_eq!(
        show(&s.bare, "people/newbie.toml").unwrap(),
        "name = \"newbie\"\nemail = \"newbie@example.org\"\n"
    );
    let subject = git_ok(&s.bare, &["log", "-1", "--format=%s", "main"]);
    assert_eq!(
        subject.trim(),
        "new package first-upload for newbie; newbie is registered"
    );
    let (code, out, err) = run(maintdb(&s.bare).args(["check", "--rev", "main"]));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn compat_root_new_registers_the_packager_too() {
    let s = server();
    let (code, out, err) = run(maintdb(&s.bare).args(["compat", "root", "new", "pkg2", "newbie"]));
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert!(show(&s.bare, "people/newbie.toml").is_some());
    // A known login is not registered again.
    let (code, _, _) = run(maintdb(&s.bare).args(["compat", "root", "new", "pkg3", "bob"]));
    assert_eq!(code, 0);
    assert_eq!(changed_files(&s.bare), ["maintainers/packages/p/pkg3.toml"]);
}

#[test]
fn without_the_setting_an_unknown_packager_is_still_refused() {
    let s = Server::new("hook");
    let before = git_ok(&s.bare, &["rev-parse", "main"]);
    let (code, _, err) = run(maintdb(&s.bare).args(["compat", "root", "new", "pkg2", "newbie"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("newbie"), "{err}");
    assert_eq!(git_ok(&s.bare, &["rev-parse", "main"]), before);
}

/// The build system may add only the record a registration writes; people may add none.
#[test]
fn a_pushed_person_record_is_judged_on_its_content() {
    let s = server();
    let push = |pusher: &str, rel: &str, content: &str| {
        let c = s.clone(pusher);
        c.write(rel, content)
            .write("packages/x/x-new.toml", "maintainers = [\"mallory\"]\n")
            .add_all()
            .commit("register");
        c.push(pusher)
    };
    let exact = "name = \"mallory\"\nemail = \"mallory@example.org\"\n";
    // Not what a registration writes: another domain, an alias, another name.
    for bad in [
        "name = \"mallory\"\nemail = \"mallory@evil.example\"\n",
        "name = \"mallory\"\nemail = \"mallory@example.org\"\naliases = [\"root@example.org\"]\n",
        "name = \"Mallory\"\nemail = \"mallory@example.org\"\n",
        "name = \"mallory\"\nemail = \"mallory@example.org\"\ninactive = true\n",
    ] {
        let (ok, err) = push("buildsystem", "people/mallory.toml", bad);
        assert!(!ok, "{bad}");
        assert!(err.contains("admin-only"), "{err}");
    }
    // A person cannot register anyone, even in the exact form.
    let (ok, err) = push("bob", "people/mallory.toml", exact);
    assert!(!ok && err.contains("admin-only"), "{err}");
    // The build system can, in the exact form.
    let (ok, err) = push("buildsystem", "people/mallory.toml", exact);
    assert!(ok, "{err}");
}

#[test]
fn without_the_setting_the_build_system_cannot_add_people() {
    let s = Server::new("hook");
    let c = s.clone("buildsystem");
    c.write(
        "people/mallory.toml",
        "name = \"mallory\"\nemail = \"mallory@example.org\"\n",
    )
    .add_all()
    .commit("register");
    let (ok, err) = c.push("buildsystem");
    assert!(!ok && err.contains("admin-only"), "{err}");
}
