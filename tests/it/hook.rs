//! The pre-receive hook, through real `git push` into a bare repository with the hook
//! installed. Every refusal is checked on the `remote:` lines and on the unchanged refs.

use std::path::Path;

use crate::support::{self, Clone, Server, git, git_ok, maintdb, run};

fn accepted(server: &Server, clone: &Clone, pusher: &str) {
    let before = server.refs();
    let (ok, err) = clone.push(pusher);
    assert!(ok, "push by {pusher} should be accepted:\n{err}");
    assert_ne!(server.refs(), before);
}

/// Asserts a refused push, the refs unchanged, and every `needle` on a `remote:` line.
fn refused(
    server: &Server,
    clone: &Clone,
    pusher: Option<&str>,
    args: &[&str],
    needles: &[&str],
) -> String {
    let before = server.refs();
    let (ok, err) = clone.push_as(pusher, args);
    assert!(!ok, "push should be refused:\n{err}");
    assert_eq!(server.refs(), before, "refs changed after a refused push");
    let remote: Vec<&str> = err.lines().filter(|l| l.starts_with("remote:")).collect();
    for n in needles {
        assert!(
            remote.iter().any(|l| l.contains(n)),
            "no remote: line with `{n}` in:\n{err}"
        );
    }
    err
}

const PKG: &str = "packages/o/orphan.toml";

#[test]
fn accepted_pushes() {
    let s = Server::new("hook");
    // The build system registers a new package.
    let c = s.clone("buildsystem");
    c.write("packages/n/newpkg.toml", "maintainers = [\"carol\"]\n")
        .add_all()
        .commit("new package newpkg");
    accepted(&s, &c, "buildsystem");
    // A person takes an orphan.
    let c = s.clone("carol");
    c.write(PKG, "maintainers = [\"carol\"]\n")
        .commit("carol takes orphan");
    accepted(&s, &c, "carol");
    // A person drops themselves.
    let c = s.clone("bob");
    c.write("packages/p/perl-Foo.toml", "maintainers = []\n")
        .commit("bob drops perl-Foo");
    accepted(&s, &c, "bob");
    // A maintainer adds a co-maintainer (carol maintains orphan now).
    let c = s.clone("carol");
    c.write(PKG, "maintainers = [\"carol\", \"bob\"]\n")
        .commit("carol adds bob");
    accepted(&s, &c, "carol");
    // A group member takes an orphan for the group.
    let c = s.clone("bob");
    c.write("packages/o/orphan2.toml", "maintainers = [\"%perl\"]\n")
        .commit("perl takes orphan2");
    accepted(&s, &c, "bob");
    // A tracker edits a track.
    let c = s.clone("dave");
    c.write(
        "tracks/1.toml",
        "package = \"orphan\"\nsuites = [\"stable\"]\n\n[stable]\nstate = \"notified\"\nnotified = 2026-11-02T10:00:00Z\nnotify_msgid = \"<m@x>\"\n",
    )
    .commit("dave: 1 notified");
    accepted(&s, &c, "dave");
    // A person edits their own record; another leaves a group (bob may push as his alias too).
    let c = s.clone("carol");
    c.write(
        "people/carol.toml",
        "name = \"Carol C.\"\nemail = \"carol@example.org\"\n",
    )
    .commit("carol renames");
    c.write(
        "groups/perl.toml",
        "description = \"Perl team\"\nmembers = [\"bob\"]\n",
    )
    .commit("carol leaves perl");
    accepted(&s, &c, "carol");
    // An admin changes anything: policy, another's file, removes a package.
    let c = s.clone("alice");
    c.write(
        "policy.toml",
        "admins = [\"alice\", \"bob\"]\nbuildsystem = [\"buildsystem\"]\ntrackers = [\"dave\"]\n",
    )
    .write(
        "people/bob.toml",
        "name = \"Robert\"\nemail = \"bob@example.org\"\n",
    )
    .remove("packages/o/orphan2.toml")
    .commit("admin changes");
    accepted(&s, &c, "alice");
}

#[test]
fn several_commits_in_one_push() {
    let s = Server::new("hook");
    let c = s.clone("bob");
    c.write(PKG, "maintainers = [\"bob\"]\n")
        .commit("bob takes orphan");
    c.write("packages/o/orphan2.toml", "maintainers = [\"bob\"]\n")
        .commit("bob takes orphan2");
    c.write(
        "packages/p/perl-Foo.toml",
        "maintainers = [\"bob\", \"carol\"]\n",
    )
    .commit("bob adds carol");
    accepted(&s, &c, "bob");
    let (_, out, _) =
        run(maintdb(&c.dir).args(["--repo", s.bare.to_str().unwrap(), "get", "orphan2"]));
    assert_eq!(out, "orphan2:bob\n");
}

#[test]
fn identity_is_required() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    c.write(PKG, "maintainers = [\"carol\"]\n").commit("take");
    refused(&s, &c, None, &["main"], &["no-identity", "MAINTDB_PUSHER"]);
    refused(
        &s,
        &c,
        Some("mallory"),
        &["main"],
        &["unknown-identity", "`mallory`"],
    );
}

#[test]
fn other_peoples_packages() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    c.write("packages/p/perl-Foo.toml", "maintainers = [\"carol\"]\n")
        .commit("carol grabs perl-Foo");
    refused(
        &s,
        &c,
        Some("carol"),
        &["main"],
        &[
            "not-a-maintainer",
            "bob maintains perl-Foo",
            "help: ask bob or an admin",
            "maintainers/packages/p/perl-Foo.toml",
        ],
    );
    let c = s.clone("carol");
    c.write(PKG, "maintainers = [\"dave\"]\n")
        .commit("carol sets dave");
    refused(
        &s,
        &c,
        Some("carol"),
        &["main"],
        &["cannot-set-others", "dave"],
    );
}

#[test]
fn build_system_only_creates() {
    let s = Server::new("hook");
    let c = s.clone("buildsystem");
    c.write(PKG, "maintainers = [\"carol\"]\n")
        .commit("buildsystem edits");
    refused(
        &s,
        &c,
        Some("buildsystem"),
        &["main"],
        &["buildsystem-existing"],
    );
    // And a person may not register a new package.
    let c = s.clone("carol");
    c.write("packages/n/new.toml", "maintainers = [\"carol\"]\n")
        .add_all()
        .commit("carol adds");
    refused(&s, &c, Some("carol"), &["main"], &["new-package"]);
}

#[test]
fn files_of_others_policy_and_removal() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    c.write(
        "people/bob.toml",
        "name = \"Bobby\"\nemail = \"bob@example.org\"\n",
    )
    .commit("carol edits bob");
    refused(
        &s,
        &c,
        Some("carol"),
        &["main"],
        &["not-your-file", "people/bob.toml"],
    );
    let c = s.clone("carol");
    c.write("policy.toml", "admins = [\"carol\"]\n")
        .commit("carol promotes herself");
    refused(
        &s,
        &c,
        Some("carol"),
        &["main"],
        &["admin-only", "policy.toml"],
    );
    let c = s.clone("bob");
    c.remove("packages/p/perl-Foo.toml")
        .commit("bob removes perl-Foo");
    refused(
        &s,
        &c,
        Some("bob"),
        &["main"],
        &["admin-only", "removing package perl-Foo"],
    );
    let c = s.clone("bob");
    c.write(
        "groups/perl.toml",
        "description = \"Perl team\"\nmembers = [\"bob\", \"carol\", \"dave\"]\n",
    )
    .commit("bob adds dave to perl");
    refused(
        &s,
        &c,
        Some("bob"),
        &["main"],
        &["admin-only", "group perl"],
    );
    let c = s.clone("carol");
    c.write(
        "tracks/1.toml",
        "package = \"orphan\"\nsuites = [\"stable\"]\n",
    )
    .commit("carol edits track");
    refused(&s, &c, Some("carol"), &["main"], &["tracker-only"]);
    // A dismissed candidate is the tracker's too.
    let c = s.clone("carol");
    c.write(
        "tracks/dismissed/2.toml",
        "package = \"orphan\"\nreason = \"not affected\"\n",
    )
    .add_all()
    .commit("carol dismisses a candidate");
    refused(&s, &c, Some("carol"), &["main"], &["tracker-only"]);
}

#[test]
fn bad_intermediate_commit() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    c.write(PKG, "maintainers = [\"ghost\"]\n").commit("broken");
    c.write(PKG, "maintainers = [\"carol\"]\n").commit("fixed");
    let err = refused(
        &s,
        &c,
        Some("carol"),
        &["main"],
        &[
            "unknown-maintainer",
            "maintainers/packages/o/orphan.toml:1:16",
        ],
    );
    // The bad commit is named, not the good tip.
    let bad = git_ok(&c.dir, &["rev-parse", "--short=10", "HEAD~1"]);
    assert!(err.contains(bad.trim()), "{err}");
}

#[test]
fn author_must_be_the_pusher() {
    let s = Server::new("hook");
    let c = s.clone("bob");
    c.write(PKG, "maintainers = [\"carol\"]\n")
        .commit("take as bob's author");
    refused(
        &s,
        &c,
        Some("carol"),
        &["main"],
        &["author-mismatch", "bob@example.org", "carol@example.org"],
    );
    // An alias counts; admins are exempt.
    let c = s.clone("bob");
    git_ok(&c.dir, &["config", "user.email", "bob@other.example"]);
    c.write(PKG, "maintainers = [\"bob\"]\n")
        .commit("bob via alias");
    accepted(&s, &c, "bob");
    let c = s.clone("carol");
    c.write(
        "packages/p/perl-Bar.toml",
        "maintainers = [\"%perl\", \"dave\"]\n",
    )
    .commit("for the admin");
    accepted(&s, &c, "alice");
}

#[test]
fn refs_rules() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    refused(&s, &c, Some("alice"), &[":main"], &["delete-branch"]);
    c.write(PKG, "maintainers = [\"alice\"]\n").commit("a");
    git_ok(&c.dir, &["reset", "-q", "--hard", "HEAD~1"]);
    c.write(PKG, "maintainers = [\"bob\"]\n").commit("b");
    accepted(&s, &c, "alice");
    git_ok(&c.dir, &["reset", "-q", "--hard", "HEAD~1"]);
    c.write("packages/o/orphan2.toml", "maintainers = [\"alice\"]\n")
        .commit("rewritten");
    refused(&s, &c, Some("alice"), &["+main"], &["non-fast-forward"]);
    refused(
        &s,
        &c,
        Some("alice"),
        &["HEAD:refs/heads/topic"],
        &["branch-not-allowed", "topic"],
    );
    let c = s.clone("carol");
    git_ok(&c.dir, &["tag", "-a", "-m", "v1", "v1"]);
    refused(&s, &c, Some("carol"), &["v1"], &["tag-not-admin", "v1"]);
    let (ok, err) = c.push_as(Some("alice"), &["v1"]);
    assert!(ok, "admins may push tags: {err}");
}

#[test]
fn every_validator_code_is_refused() {
    let s = Server::new("valid/base");
    for dir in std::fs::read_dir(support::fixtures().join("invalid")).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = name.split("--").next().unwrap().to_owned();
        let c = s.clone("alice");
        std::fs::remove_dir_all(c.dir.join("maintainers")).unwrap();
        support::copy_tree(&dir.join("maintainers"), &c.dir.join("maintainers"));
        c.add_all();
        git_ok(&c.dir, &["commit", "-q", "-m", &name]);
        if code == "inactive-maintainer" {
            // A warning does not refuse a push.
            accepted(&s, &c, "alice");
            continue;
        }
        refused(&s, &c, Some("alice"), &["main"], &[&format!("{code}: ")]);
    }
}

fn push_mode(s: &Server, mode: &str, code: &str) {
    let c = s.clone("alice");
    let object = match mode {
        "160000" => git_ok(&c.dir, &["rev-parse", "HEAD"]).trim().to_owned(),
        _ => {
            std::fs::write(c.dir.join("x"), "maintainers = []\n").unwrap();
            git_ok(&c.dir, &["hash-object", "-w", "x"])
                .trim()
                .to_owned()
        }
    };
    let entry = format!("{mode},{object},maintainers/packages/z/zz.toml");
    git_ok(&c.dir, &["update-index", "--add", "--cacheinfo", &entry]);
    git_ok(&c.dir, &["commit", "-q", "-m", mode]);
    refused(s, &c, Some("alice"), &["main"], &[&format!("{code}: ")]);
}

#[test]
fn symlinks_submodules_and_executables() {
    let s = Server::new("hook");
    push_mode(&s, "120000", "symlink");
    push_mode(&s, "160000", "submodule");
    push_mode(&s, "100755", "executable-file");
}

#[test]
fn refusal_output_is_capped() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    for i in 0..120 {
        c.write(
            &format!("packages/g/ghost{i}.toml"),
            "maintainers = [\"ghost\"]\n",
        );
    }
    c.add_all().commit("many bad files");
    let err = refused(
        &s,
        &c,
        Some("alice"),
        &["main"],
        &[
            "push refused: 120 problems",
            "and 70 more problems not shown",
        ],
    );
    assert_eq!(err.matches("unknown-maintainer: ").count(), 50);
}

#[test]
fn install_is_idempotent_and_matches_the_shipped_hook() {
    let s = Server::new("hook");
    let hook = s.bare.join("hooks/pre-receive");
    let first = std::fs::read_to_string(&hook).unwrap();
    let (code, _, _) =
        run(maintdb(Path::new("/")).args(["hook", "install", s.bare.to_str().unwrap()]));
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), first);
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive"))
            .unwrap();
    let bin = std::fs::canonicalize(support::bin()).unwrap();
    assert_eq!(
        first,
        shipped.replace(
            "${MAINTDB:-maintdb}",
            &format!("${{MAINTDB:-'{}'}}", bin.display())
        )
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&hook).unwrap().permissions().mode() & 0o111,
        0o111
    );
}

#[test]
fn pre_commit_hook_checks_what_is_staged() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    let (code, _, err) =
        run(maintdb(&c.dir).args(["hook", "install", "--client", c.dir.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    c.write(PKG, "maintainers = [\"ghost\"]\n");
    git_ok(&c.dir, &["add", "-A"]);
    let out = git(&c.dir)
        .args(["commit", "-q", "-m", "bad"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("unknown-maintainer"), "{said}");
    c.write(PKG, "maintainers = [\"carol\"]\n");
    git_ok(&c.dir, &["add", "-A"]);
    git_ok(&c.dir, &["commit", "-q", "-m", "good"]);
}

#[test]
fn new_objects_are_read_from_the_quarantine() {
    // The pushed blob exists only in git's quarantine while the hook runs: if the hook could
    // not read it, the push would fail with a tool error instead of this refusal.
    let s = Server::new("hook");
    let c = s.clone("carol");
    c.write(PKG, "maintainers = [\"carol\", \"carol\"]\n")
        .commit("dup");
    refused(&s, &c, Some("carol"), &["main"], &["duplicate-maintainer"]);
    let quarantine = std::fs::read_dir(s.bare.join("objects"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("tmp_objdir"));
    assert!(!quarantine, "the quarantine is cleaned up");
}
