//! Import from a real Debian `Sources` index and from text lists, into real repositories.

use std::path::Path;

use crate::support::{self, git_ok, maintdb, run};

fn empty_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    git_ok(tmp.path(), &["init", "-q", "-b", "main"]);
    tmp
}

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn corpus() -> std::path::PathBuf {
    data("debian-bookworm-main.sources.xz")
}

fn get(repo: &Path, pkg: &str) -> String {
    let (_, out, _) = run(maintdb(repo).args(["get", pkg]));
    out
}

#[test]
fn full_debian_corpus() {
    let repo = empty_repo();
    let (code, out, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        corpus().to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        git_ok(repo.path(), &["rev-list", "--count", "HEAD"]).trim(),
        "1"
    );
    assert_eq!(
        git_ok(repo.path(), &["status", "--porcelain"]),
        "",
        "the clone is left clean"
    );
    let (code, out, _) = run(maintdb(repo.path()).args(["check", "--format", "short"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("0 errors, 0 warnings"), "{out}");
    let (code, out, _) = run(maintdb(repo.path()).args(["check", "--rev", "HEAD"]));
    assert_eq!(code, 0, "{out}");

    // Team first, then uploaders in order.
    assert_eq!(get(repo.path(), "0ad"), "0ad:%pkg-games,vcheng,rousseau\n");
    // The QA group means orphaned.
    assert_eq!(get(repo.path(), "2vcard"), "2vcard:nobody\n");
    // An individual with a non-Debian address gets a name slug.
    assert_eq!(get(repo.path(), "2ping"), "2ping:ryan-finnie\n");
    // A Maintainer field with two addresses.
    assert_eq!(
        get(repo.path(), "golang-github-mvo5-goconfigparser"),
        "golang-github-mvo5-goconfigparser:vorlon,michael-vogt\n"
    );
    // A quoted name with a comma.
    assert!(get(repo.path(), "hypre").contains("hazelsct"));
    let (_, list, _) = run(maintdb(repo.path()).arg("get"));
    assert_eq!(
        list.lines().count(),
        34289,
        "one line per distinct source package"
    );
    let person =
        std::fs::read_to_string(repo.path().join("maintainers/people/ryan-finnie.toml")).unwrap();
    assert_eq!(
        person,
        "name = \"Ryan Finnie\"\nemail = \"ryan@finnie.org\"\n"
    );

    // The same inputs again: a sync with nothing to do makes no commit, and says so.
    let (code, out, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        corpus().to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "import: 0 added, 0 changed, 0 removed, 34289 unchanged; nothing to commit\n"
    );
    assert_eq!(
        git_ok(repo.path(), &["rev-list", "--count", "HEAD"]).trim(),
        "1"
    );
    // The import's objects were packed, as git does after writing many.
    let loose = git_ok(repo.path(), &["count-objects"]);
    let count: usize = loose.split_whitespace().next().unwrap().parse().unwrap();
    assert!(count < 1000, "{loose}");
}

#[test]
fn higher_version_wins() {
    let repo = empty_repo();
    let src = repo.path().join("Sources");
    std::fs::write(
        &src,
        "Package: foo\nVersion: 1:0.9-1\nMaintainer: New <new@example.org>\n\n\
         Package: foo\nVersion: 1.0-10\nMaintainer: Old <old@example.org>\n",
    )
    .unwrap();
    let (code, _, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        "Sources",
    ]));
    assert_eq!(code, 0, "{err}");
    // The epoch makes 1:0.9-1 the higher version.
    assert_eq!(get(repo.path(), "foo"), "foo:new\n");
}

#[test]
fn malformed_input_commits_nothing() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    let head = git_ok(repo.path(), &["rev-parse", "HEAD"]);
    std::fs::write(
        repo.path().join("Sources"),
        "Package: ok\nVersion: 1\nMaintainer: A <a@example.org>\n\n\
         Package: broken\nVersion: 1\nMaintainer: no address here\n\n\
         this line is not a field\n",
    )
    .unwrap();
    let (code, _, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "debian-sources",
        "Sources",
    ]));
    assert_eq!(code, 1);
    assert!(
        err.contains("Sources:7: malformed-input: Maintainer of broken"),
        "{err}"
    );
    assert!(
        err.contains("Sources:9: malformed-input: expected `Field: value`"),
        "{err}"
    );
    assert!(err.contains("nothing was committed"), "{err}");
    assert_eq!(git_ok(repo.path(), &["rev-parse", "HEAD"]), head);
    assert!(!repo.path().join("maintainers/packages/o/ok.toml").exists());
}

#[test]
fn text_list_into_existing_data() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    std::fs::write(
        repo.path().join("list.txt"),
        "# Mageia's export\nfoo alice\nbaz:bob,%perl\nqux\tnobody\nnew-one carol\n",
    )
    .unwrap();
    let (code, _, err) = run(maintdb(repo.path())
        .env("MAINTDB_USER", "importer")
        .args(["import", "text", "list.txt"]));
    assert_eq!(code, 1, "carol is unknown without --email-domain");
    assert!(
        err.contains("list.txt:5: malformed-input: `carol` is not a known person"),
        "{err}"
    );
    let (code, out, err) = run(maintdb(repo.path()).env("MAINTDB_USER", "importer").args([
        "import",
        "text",
        "list.txt",
        "--email-domain",
        "example.org",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(get(repo.path(), "baz"), "baz:bob,%perl\n");
    assert_eq!(get(repo.path(), "qux"), "qux:nobody\n");
    assert_eq!(get(repo.path(), "new-one"), "new-one:carol\n");
    let carol = std::fs::read_to_string(repo.path().join("maintainers/people/carol.toml")).unwrap();
    assert!(carol.contains("carol@example.org"));
    assert_eq!(
        git_ok(repo.path(), &["rev-list", "--count", "HEAD"]).trim(),
        "2"
    );
    assert_eq!(
        git_ok(repo.path(), &["status", "--porcelain", "maintainers"]),
        ""
    );
    let msg = git_ok(repo.path(), &["log", "-1", "--format=%an <%ae>%n%s"]);
    assert_eq!(
        msg,
        "Test Committer <committer@example.org>\nimport: 4 added, 0 changed, 0 removed, 0 unchanged; 1 new people, 0 new groups\n"
    );
}

#[test]
fn import_refuses_to_overwrite_uncommitted_edits() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    std::fs::write(
        repo.path().join("maintainers/packages/b/bar.toml"),
        "maintainers = [\"bob\"]\n",
    )
    .unwrap();
    std::fs::write(repo.path().join("list.txt"), "bar alice\n").unwrap();
    let (code, _, err) = run(maintdb(repo.path())
        .env("MAINTDB_USER", "importer")
        .args(["import", "text", "list.txt"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("maintainers/packages/b/bar.toml has uncommitted changes"),
        "{err}"
    );
    let kept =
        std::fs::read_to_string(repo.path().join("maintainers/packages/b/bar.toml")).unwrap();
    assert_eq!(kept, "maintainers = [\"bob\"]\n");
}

#[test]
fn import_that_would_be_invalid_commits_nothing() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    // PERL-FOO collides with perl-Foo on case-insensitive file systems.
    std::fs::write(repo.path().join("list.txt"), "PERL-FOO alice\n").unwrap();
    let head = git_ok(repo.path(), &["rev-parse", "HEAD"]);
    let (code, _, err) = run(maintdb(repo.path())
        .env("MAINTDB_USER", "importer")
        .args(["import", "text", "list.txt"]));
    assert_eq!(code, 1);
    assert!(err.contains("case-collision"), "{err}");
    assert_eq!(git_ok(repo.path(), &["rev-parse", "HEAD"]), head);
}

/// An import, like every writing command, needs a maintdb identity: the machine's git identity
/// alone commits nothing.
#[test]
fn an_import_without_a_maintdb_identity_commits_nothing() {
    let repo = empty_repo();
    std::fs::write(repo.path().join("list.txt"), "foo alice\n").unwrap();
    let (code, _, err) = run(maintdb(repo.path()).env_remove("MAINTDB_USER").args([
        "import",
        "text",
        "list.txt",
        "--email-domain",
        "example.org",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no acting identity"), "{err}");
    assert!(git_ok(repo.path(), &["rev-list", "--all"]).is_empty());
    // Named, the importer's own record (from the list) authors the commit.
    let (code, out, err) = run(maintdb(repo.path()).args([
        "import",
        "text",
        "list.txt",
        "--email-domain",
        "example.org",
        "--as",
        "alice",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        git_ok(repo.path(), &["log", "-1", "--format=%an <%ae>"]).trim(),
        "alice <alice@example.org>"
    );
}
