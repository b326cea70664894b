//! Hostile pushes, each through a real `git push` into a bare repository with the hook: trees
//! and commits that git's porcelain would not make, built with its plumbing, and refs no one
//! should push to. Each is refused with the refs unchanged (or, where it is harmless, taken),
//! and none makes the hook fail.

use std::io::Write;
use std::process::Stdio;

use crate::support::{Clone, Server, git, git_input, git_ok, tree_entries, tree_entry};

/// Pushes `args` as `pusher`; success, and git's stderr.
fn push(c: &Clone, pusher: &str, args: &[&str]) -> (bool, String) {
    c.push_as(Some(pusher), args)
}

fn refused(s: &Server, c: &Clone, pusher: &str, args: &[&str], needle: &str) {
    let before = s.refs();
    let (ok, err) = push(c, pusher, args);
    assert!(!ok, "refused:\n{err}");
    assert_eq!(s.refs(), before, "refs unchanged");
    assert!(
        err.lines()
            .any(|l| l.starts_with("remote:") && l.contains(needle)),
        "`{needle}` on a remote: line in:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Writes an object of `kind` from raw bytes, as git's porcelain never would.
fn raw_object(c: &Clone, kind: &str, bytes: &[u8]) -> String {
    git_input(
        &c.dir,
        &["hash-object", "-w", "--literally", "-t", kind, "--stdin"],
        bytes,
    )
}

/// Replaces the entry `name` of HEAD's root tree (or adds it), commits, and moves `main`.
fn commit_root_with(c: &Clone, name: &str, mode: &str, id: &str, msg: &str) {
    let mut entries: Vec<_> = entries_of(c, "HEAD")
        .into_iter()
        .filter(|(_, n, _)| n != name.as_bytes())
        .collect();
    entries.push((mode.to_owned(), name.as_bytes().to_vec(), id.to_owned()));
    let tree = write_tree(c, entries);
    let commit = git_ok(&c.dir, &["commit-tree", &tree, "-p", "HEAD", "-m", msg]);
    git_ok(&c.dir, &["update-ref", "refs/heads/main", commit.trim()]);
    git_ok(&c.dir, &["reset", "-q", "--soft", "main"]);
}

/// The raw entries of a tree of HEAD, with modes as trees store them (`40000`, not `040000`).
fn entries_of(c: &Clone, tree: &str) -> Vec<(String, Vec<u8>, String)> {
    tree_entries(&c.dir, tree)
}

/// Writes a tree of `entries`, sorted as git sorts them (a directory as if it ended in `/`).
fn write_tree(c: &Clone, mut entries: Vec<(String, Vec<u8>, String)>) -> String {
    let key = |(m, n, _): &(String, Vec<u8>, String)| {
        let mut k = n.clone();
        if m == "40000" {
            k.push(b'/');
        }
        k
    };
    entries.sort_by_key(key);
    let mut bytes = Vec::new();
    for (m, n, oid) in &entries {
        bytes.extend(tree_entry(m, n, oid));
    }
    raw_object(c, "tree", &bytes)
}

/// HEAD's `maintainers` tree with one more raw entry in `packages/`, as a new tree id.
fn maintainers_with_package_entry(c: &Clone, name: &[u8], mode: &str, id: &str) -> String {
    let mut packages = entries_of(c, "HEAD:maintainers/packages");
    packages.push((mode.to_owned(), name.to_vec(), id.to_owned()));
    let packages = write_tree(c, packages);
    let top = entries_of(c, "HEAD:maintainers")
        .into_iter()
        .map(|(m, n, oid)| {
            let oid = if n == b"packages" {
                packages.clone()
            } else {
                oid
            };
            (m, n, oid)
        })
        .collect();
    write_tree(c, top)
}

#[test]
fn maintainers_as_a_symlink() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let target = raw_object(&c, "blob", b"/etc");
    commit_root_with(&c, "maintainers", "120000", &target, "maintainers -> /etc");
    refused(&s, &c, "alice", &["main"], "maintainers");
}

#[test]
fn a_gitmodules_file() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    std::fs::write(
        c.dir.join(".gitmodules"),
        "[submodule \"x\"]\n\tpath = maintainers/x\n\turl = ../evil\n",
    )
    .unwrap();
    c.add_all().commit("submodule config");
    refused(&s, &c, "carol", &["main"], "admin-only");
    // An admin may.
    let a = s.clone("alice");
    std::fs::write(
        a.dir.join("README"),
        "the maintainers of the distribution\n",
    )
    .unwrap();
    a.add_all().commit("a README");
    let (ok, err) = push(&a, "alice", &["main"]);
    assert!(ok, "{err}");
}

#[test]
fn dot_dot_and_dot_git_entries() {
    for name in [&b".."[..], b".git", b".GIT"] {
        let s = Server::new("hook");
        let c = s.clone("alice");
        let blob = raw_object(&c, "blob", b"maintainers = []\n");
        let top = maintainers_with_package_entry(&c, name, "100644", &blob);
        commit_root_with(&c, "maintainers", "40000", &top, "odd entry");
        let before = s.refs();
        let (ok, err) = push(&c, "alice", &["main"]);
        // Git's own checks on the receiving side may refuse it first; either way it is not
        // taken and the hook does not fail.
        assert!(!ok, "{}: refused:\n{err}", String::from_utf8_lossy(name));
        assert_eq!(s.refs(), before);
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_fifty_megabyte_blob() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let big = vec![b'#'; 50 * 1024 * 1024];
    std::fs::create_dir_all(c.dir.join("maintainers/packages/h")).unwrap();
    std::fs::write(c.dir.join("maintainers/packages/h/huge.toml"), &big).unwrap();
    c.add_all().commit("huge");
    let start = std::time::Instant::now();
    refused(&s, &c, "alice", &["main"], "file-too-large");
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn hostile_identities_and_authors() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    c.write("packages/o/orphan.toml", "maintainers = [\"carol\"]\n")
        .commit("take");
    // A pusher identity holding shell metacharacters is just an unknown login.
    refused(
        &s,
        &c,
        "$(touch /tmp/pwned);`id`|x",
        &["main"],
        "unknown-identity",
    );
    assert!(!std::path::Path::new("/tmp/pwned").exists());
    // An author line with invalid UTF-8 in the name, and one with a newline in it. Each on a
    // fresh server, on top of its first commit.
    for author in [
        &b"car\xffol <carol@example.org>"[..],
        b"carol\nBcc: x <carol@example.org>",
    ] {
        let s = Server::new("hook");
        let c = s.clone("carol");
        c.write("packages/o/orphan.toml", "maintainers = [\"carol\"]\n")
            .commit("take");
        let tree = git_ok(&c.dir, &["rev-parse", "HEAD^{tree}"]);
        let parent = git_ok(&c.dir, &["rev-parse", "HEAD~1"]);
        let mut bytes =
            format!("tree {}\nparent {}\nauthor ", tree.trim(), parent.trim()).into_bytes();
        bytes.extend_from_slice(author);
        bytes.extend_from_slice(
            b" 1700000000 +0000\ncommitter carol <carol@example.org> 1700000000 +0000\n\nodd author\n",
        );
        let commit = raw_object(&c, "commit", &bytes);
        let before = s.refs();
        let (ok, err) = push(&c, "carol", &[&format!("{commit}:refs/heads/main")]);
        assert!(!err.contains("panicked"), "{err}");
        if author.contains(&b'\n') {
            // Not a signature git can read: refused, naming the commit.
            assert!(!ok, "{err}");
            assert_eq!(s.refs(), before);
            assert!(err.contains(&commit) && err.contains("signature"), "{err}");
        } else {
            // Only the address counts, and it is carol's: her change is taken.
            assert!(ok, "{err}");
        }
    }
}

#[test]
fn refs_no_one_pushes_to() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    c.write("packages/o/orphan.toml", "maintainers = [\"alice\"]\n")
        .commit("take");
    for r in [
        "refs/notes/commits",
        "refs/for/main",
        "refs/pull/1/head",
        "refs/meta/config",
    ] {
        refused(&s, &c, "alice", &[&format!("HEAD:{r}")], "ref-not-allowed");
    }
    // A tag on a blob, and a non-admin deleting a tag.
    let blob = raw_object(&c, "blob", b"not a commit\n");
    git_ok(&c.dir, &["tag", "blobtag", &blob]);
    refused(&s, &c, "carol", &["refs/tags/blobtag"], "tag-not-admin");
    git_ok(&c.dir, &["tag", "v1"]);
    let (ok, err) = push(&c, "alice", &["refs/tags/v1"]);
    assert!(ok, "{err}");
    refused(&s, &c, "carol", &[":refs/tags/v1"], "tag-not-admin");
}

#[test]
fn a_merge_whose_second_parent_is_invalid() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let base = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    c.write("packages/o/orphan.toml", "maintainers = [\"ghost\"]\n")
        .commit("invalid on a side branch");
    let side = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    git_ok(&c.dir, &["reset", "-q", "--hard", base.trim()]);
    c.write("packages/o/orphan.toml", "maintainers = [\"alice\"]\n")
        .commit("valid on main");
    let tree = git_ok(&c.dir, &["rev-parse", "HEAD^{tree}"]);
    let merge = git_ok(
        &c.dir,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            "HEAD",
            "-p",
            side.trim(),
            "-m",
            "merge",
        ],
    );
    refused(
        &s,
        &c,
        "alice",
        &[&format!("{}:refs/heads/main", merge.trim())],
        "unknown-maintainer",
    );
}

#[test]
fn a_five_thousand_commit_push() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    // 5,000 commits, each handing one package to the next person, by fast-import.
    let people = ["alice", "bob", "carol", "dave"];
    let mut script = String::new();
    let tip = git_ok(&c.dir, &["rev-parse", "HEAD"]);
    script.push_str(&format!("reset refs/heads/main\nfrom {}\n", tip.trim()));
    for i in 0..5000 {
        let who = people[i % people.len()];
        let text = format!("maintainers = [\"{who}\"]\n");
        script.push_str(&format!(
            "commit refs/heads/main\nauthor alice <alice@example.org> {} +0000\ncommitter alice <alice@example.org> {} +0000\ndata 4\nstep\nM 100644 inline maintainers/packages/o/orphan.toml\ndata {}\n{text}\n",
            1_700_000_000 + i,
            1_700_000_000 + i,
            text.len()
        ));
    }
    let mut child = git(&c.dir)
        .args(["fast-import", "--quiet", "--force"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    git_ok(&c.dir, &["reset", "-q", "--hard", "main"]);
    let start = std::time::Instant::now();
    let (ok, err) = push(&c, "alice", &["main"]);
    let took = start.elapsed();
    assert!(ok, "{err}");
    eprintln!("a 5,000-commit push took {took:?}");
    assert!(took < std::time::Duration::from_secs(120), "{took:?}");
}

#[test]
fn one_directory_with_200000_entries() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    let blob = raw_object(&c, "blob", b"maintainers = []\n");
    let files = (0..200_000)
        .map(|i| {
            (
                "100644".to_owned(),
                format!("x{i:06}.toml").into_bytes(),
                blob.clone(),
            )
        })
        .collect();
    let x = write_tree(&c, files);
    let maintainers = maintainers_with_package_entry(&c, b"x", "40000", &x);
    commit_root_with(&c, "maintainers", "40000", &maintainers, "200,000 packages");
    let start = std::time::Instant::now();
    let (ok, err) = push(&c, "alice", &["main"]);
    let took = start.elapsed();
    eprintln!("a push of one directory with 200,000 entries took {took:?}");
    assert!(ok, "valid records, by an admin: taken\n{err}");
    assert!(took < std::time::Duration::from_secs(120), "{took:?}");
}

#[test]
fn claiming_another_persons_address() {
    let s = Server::new("hook");
    let c = s.clone("carol");
    // Case differs, as an attacker would try: addresses are one whatever their case.
    c.write(
        "people/carol.toml",
        "name = \"Carol\"\nemail = \"carol@example.org\"\naliases = [\"Alice@EXAMPLE.org\"]\n",
    )
    .commit("carol adds an alias");
    refused(&s, &c, "carol", &["main"], "duplicate-address");
    // A group's list address is taken too, by a person or by another group.
    let c = s.clone("carol");
    c.write(
        "people/carol.toml",
        "name = \"Carol\"\nemail = \"carol@example.org\"\naliases = [\"bob@other.example\"]\n",
    )
    .commit("carol takes bob's alias");
    refused(&s, &c, "carol", &["main"], "person bob holds it here");
}

#[test]
fn record_strings_that_break_authors_and_mail() {
    let s = Server::new("hook");
    for (name, email, code) in [
        ("Carol <x@evil.example>", "carol@example.org", "bad-text"),
        (
            "Carol\\nBcc: x@evil.example",
            "carol@example.org",
            "bad-text",
        ),
        ("Carol\\u0000", "carol@example.org", "bad-text"),
        ("Carol", "carol\\u0007@example.org", "bad-email"),
        ("Carol", "carol@exa mple.org", "bad-email"),
    ] {
        let c = s.clone("carol");
        c.write(
            "people/carol.toml",
            &format!("name = \"{name}\"\nemail = \"carol@example.org\"\naliases = [\"{email}\"]\n"),
        )
        .commit("carol edits her record");
        refused(&s, &c, "carol", &["main"], code);
    }
}
