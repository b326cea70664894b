//! Re-import is a sync: records follow the inputs, untouched records keep their bytes, absent
//! packages are kept unless pruned, and the same inputs twice make one commit.

use std::path::Path;

use crate::support::{Server, git_ok, maintdb, run};

const V1: &str = "\
Package: a
Version: 1.0-1
Maintainer: A <a@example.org>

Package: b
Version: 1.0-1
Maintainer: B <b@example.org>

Package: c
Version: 1.0-1
Maintainer: C <c@example.org>
";

const V2: &str = "\
Package: a
Version: 1.0-2
Maintainer: A <a@example.org>

Package: b
Version: 1.0-2
Maintainer: B <b@example.org>
Uploaders: D <d@example.org>

Package: e
Version: 0.1-1
Maintainer: A <a@example.org>
";

fn import(repo: &Path, file: &str, extra: &[&str]) -> (i32, String, String) {
    run(maintdb(repo)
        .env("MAINTDB_USER", "importer")
        .args(["import", "debian-sources", file])
        .args(extra))
}

fn commits(repo: &Path) -> usize {
    git_ok(repo, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

fn read(repo: &Path, rel: &str) -> String {
    std::fs::read_to_string(repo.join("maintainers").join(rel)).unwrap()
}

#[test]
fn reimport_follows_the_inputs_and_keeps_what_people_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git_ok(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("v1"), V1).unwrap();
    std::fs::write(repo.join("v2"), V2).unwrap();
    let (code, out, err) = import(repo, "v1", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("import: 3 added, 0 changed, 0 removed, 0 unchanged; 3 new people"),
        "{out}"
    );

    // People annotate records by hand; a sync must not wipe that.
    let a = "# upstream is very responsive\nmaintainers = [\"a\"] # since 2019\n";
    let b = "# b's record\nmaintainers = [\n  \"b\", # the lead\n]\n";
    std::fs::write(repo.join("maintainers/packages/a/a.toml"), a).unwrap();
    std::fs::write(repo.join("maintainers/packages/b/b.toml"), b).unwrap();
    git_ok(repo, &["commit", "-q", "-am", "notes"]);
    let before = commits(repo);

    // A dry run tells everything and commits nothing.
    let (code, out, err) = import(repo, "v2", &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "add     e\n\
         change  b: b -> b,d\n\
         keep    c (absent from the inputs; --prune removes it)\n\
         import: 1 added, 1 changed, 0 removed, 1 unchanged; 1 new people, 0 new groups; \
         dry run, nothing committed\n"
    );
    assert_eq!(commits(repo), before);
    assert!(!repo.join("maintainers/packages/e/e.toml").exists());
    assert_eq!(git_ok(repo, &["status", "--porcelain", "maintainers"]), "");

    let (code, out, err) = import(repo, "v2", &[]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "kept 1 package absent from the inputs (--prune removes them): c"
    );
    assert!(
        lines[1].starts_with(
            "import: 1 added, 1 changed, 0 removed, 1 unchanged; 1 new people, 0 new groups; committed "
        ),
        "{out}"
    );
    assert_eq!(commits(repo), before + 1);
    assert_eq!(
        read(repo, "packages/a/a.toml"),
        a,
        "an unchanged record keeps its bytes"
    );
    assert_eq!(
        read(repo, "packages/b/b.toml"),
        "# b's record\nmaintainers = [\n  \"b\", # the lead\n  \"d\",\n]\n",
        "a changed record keeps its comments"
    );
    assert_eq!(read(repo, "packages/e/e.toml"), "maintainers = [\"a\"]\n");
    assert!(repo.join("maintainers/packages/c/c.toml").exists(), "kept");
    assert!(repo.join("maintainers/people/d.toml").exists());
    let (code, out, _) = run(maintdb(repo).args(["check"]));
    assert_eq!(code, 0, "{out}");

    // --prune removes what no input holds.
    let (code, out, err) = import(repo, "v2", &["--prune"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("import: 0 added, 0 changed, 1 removed, 3 unchanged; committed "),
        "{out}"
    );
    assert!(!repo.join("maintainers/packages/c/c.toml").exists());
    assert_eq!(
        git_ok(repo, &["status", "--porcelain"]).lines().count(),
        2,
        "only v1 and v2"
    );

    // The same inputs again: nothing to do, no commit.
    let n = commits(repo);
    let (code, out, _) = import(repo, "v2", &["--prune"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "import: 0 added, 0 changed, 0 removed, 3 unchanged; nothing to commit\n"
    );
    assert_eq!(commits(repo), n);
}

#[test]
fn prune_that_would_break_a_track_commits_nothing() {
    // valid/base tracks bug 1 on a package; pruning it would leave the track dangling.
    let repo = crate::support::repo_from(&crate::support::fixtures().join("valid/base"));
    let track = std::fs::read_to_string(repo.path().join("maintainers/tracks/1.toml")).unwrap();
    let head = git_ok(repo.path(), &["rev-parse", "HEAD"]);
    std::fs::write(
        repo.path().join("S"),
        "Package: other\nVersion: 1\nMaintainer: Alice Liddell <alice@example.org>\n",
    )
    .unwrap();
    let (code, _, err) = import(repo.path(), "S", &["--prune"]);
    assert_eq!(code, 1, "{err}");
    assert!(track.contains("package = \"bar\""), "{track}");
    assert!(
        err.contains("maintainers/tracks/1.toml:1:11: unknown-package: bug 1 tracks package `bar`"),
        "{err}"
    );
    assert!(err.contains("nothing was committed"), "{err}");
    assert_eq!(git_ok(repo.path(), &["rev-parse", "HEAD"]), head);
}

#[test]
fn import_push_lands_on_the_server() {
    let s = Server::new("hook");
    let c = s.clone("alice");
    std::fs::write(
        c.dir.join("S"),
        "Package: orphan\nVersion: 2\nMaintainer: Carol <carol@example.org>\n",
    )
    .unwrap();
    let mut cmd = maintdb(&c.dir);
    cmd.env("MAINTDB_PUSHER", "alice")
        .env("MAINTDB_USER", "alice")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.org")
        .args(["import", "debian-sources", "S", "--push"]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("pushed\n"), "{out}");
    assert!(out.contains("1 changed"), "{out}");
    let served = git_ok(
        &s.bare,
        &["show", "main:maintainers/packages/o/orphan.toml"],
    );
    assert_eq!(served, "maintainers = [\"carol\"]\n");
}
