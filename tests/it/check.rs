//! The validator on data-driven fixtures, from the working tree and from git objects alike.

use std::collections::BTreeSet;
use std::path::Path;

use maintdb::diag::{Code, Format, Report, write_report};
use maintdb::source::{GitSource, Source, WorktreeSource, open_repo};

use crate::support::{self, git_ok};

fn check(source: &Source) -> Report {
    maintdb::validate::check(source)
        .expect("the source can be read")
        .1
}

fn short(report: &Report) -> String {
    let mut out = Vec::new();
    write_report(report, Format::Short, false, &mut out).expect("writes to memory");
    String::from_utf8(out).expect("utf-8")
}

/// Checks `dir` from the working tree and from a commit of it; both must agree.
fn check_both(dir: &Path) -> Report {
    let wt = check(&Source::Worktree(WorktreeSource::new(dir)));
    let repo = support::repo_from(dir);
    let git = check(&Source::Git(Box::new(
        GitSource::at_rev(open_repo(repo.path()).expect("opens"), "HEAD").expect("HEAD resolves"),
    )));
    assert_eq!(
        short(&wt),
        short(&git),
        "worktree and git disagree for {}",
        dir.display()
    );
    wt
}

fn cases(kind: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(support::fixtures().join(kind))
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

#[test]
fn valid_fixtures_have_no_diagnostics() {
    for dir in cases("valid") {
        let r = check_both(&dir);
        assert!(
            r.diagnostics.is_empty(),
            "{}:\n{}",
            dir.display(),
            short(&r)
        );
    }
}

/// Codes that need a file mode or size a fixture directory cannot hold; tested below.
const BUILT_IN_TESTS: &[Code] = &[
    Code::Symlink,
    Code::ExecutableFile,
    Code::Submodule,
    Code::FileTooLarge,
];

#[test]
fn each_invalid_fixture_gives_exactly_its_code() {
    let mut covered = BTreeSet::new();
    for dir in cases("invalid") {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let code_name = name.split("--").next().unwrap();
        let code =
            Code::from_name(code_name).unwrap_or_else(|| panic!("{name}: no code {code_name}"));
        let r = check_both(&dir);
        let codes: BTreeSet<Code> = r.codes().into_iter().collect();
        assert_eq!(codes, BTreeSet::from([code]), "{name}:\n{}", short(&r));
        covered.insert(code);
    }
    covered.extend(BUILT_IN_TESTS);
    let missing: Vec<_> = Code::ALL.iter().filter(|c| !covered.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "codes without a failing fixture: {missing:?}"
    );
}

#[test]
fn diagnostics_point_at_line_and_column() {
    let r = check_both(&support::fixtures().join("invalid/unknown-maintainer--ghost"));
    let out = short(&r);
    assert!(
        out.starts_with("maintainers/packages/b/baz.toml:1:16: error[unknown-maintainer]: maintainer `ghost` of baz"),
        "{out}"
    );
    assert!(
        out.contains("help: add maintainers/people/ghost.toml"),
        "{out}"
    );
}

#[test]
fn one_broken_file_does_not_hide_others() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(
        &support::fixtures().join("valid/base/maintainers"),
        &tmp.path().join("maintainers"),
    );
    let m = tmp.path().join("maintainers");
    std::fs::write(m.join("people/alice.toml"), "name = [\n").unwrap();
    std::fs::write(m.join("packages/b/baz.toml"), "maintainers = [\"ghost\"]\n").unwrap();
    std::fs::write(m.join("groups/x.toml"), "members = []\n").unwrap();
    let r = check_both(tmp.path());
    let codes: BTreeSet<Code> = r.codes().into_iter().collect();
    assert_eq!(
        codes,
        BTreeSet::from([Code::TomlSyntax, Code::UnknownMaintainer, Code::EmptyGroup]),
        "{}",
        short(&r)
    );
    // alice's file is broken but exists: packages naming alice are not reported too.
    assert!(!short(&r).contains("`alice`"));
}

/// Writes `data` as a blob into `repo` and returns its id.
fn hash_object(repo: &Path, data: &[u8]) -> String {
    hash_raw(repo, "blob", data)
}

/// Writes `data` as an object of `kind` into `repo`, unchecked, and returns its id.
fn hash_raw(repo: &Path, kind: &str, data: &[u8]) -> String {
    support::git_input(
        repo,
        &["hash-object", "-w", "--literally", "-t", kind, "--stdin"],
        data,
    )
}

#[test]
fn git_modes_are_errors() {
    for (mode, code) in [
        ("100755", Code::ExecutableFile),
        ("120000", Code::Symlink),
        ("160000", Code::Submodule),
    ] {
        let repo = support::repo_from(&support::fixtures().join("valid/base"));
        let object = match mode {
            "160000" => git_ok(repo.path(), &["rev-parse", "HEAD"])
                .trim()
                .to_owned(),
            _ => hash_object(repo.path(), b"maintainers = []\n"),
        };
        let entry = format!("{mode},{object},maintainers/packages/b/baz.toml");
        git_ok(
            repo.path(),
            &["update-index", "--add", "--cacheinfo", &entry],
        );
        git_ok(repo.path(), &["commit", "-q", "-m", "mode"]);
        let src = Source::Git(Box::new(
            GitSource::at_rev(open_repo(repo.path()).unwrap(), "HEAD").unwrap(),
        ));
        let codes: BTreeSet<Code> = check(&src).codes().into_iter().collect();
        assert_eq!(codes, BTreeSet::from([code]), "mode {mode}");
    }
}

#[test]
fn worktree_symlink_and_executable_match_git() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(
        &support::fixtures().join("valid/base/maintainers"),
        &tmp.path().join("maintainers"),
    );
    let m = tmp.path().join("maintainers");
    std::os::unix::fs::symlink("bar.toml", m.join("packages/b/baz.toml")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        m.join("people/bob.toml"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let r = check_both(tmp.path());
    let codes: BTreeSet<Code> = r.codes().into_iter().collect();
    assert_eq!(codes, BTreeSet::from([Code::Symlink, Code::ExecutableFile]));
}

#[test]
fn file_too_large() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(
        &support::fixtures().join("valid/base/maintainers"),
        &tmp.path().join("maintainers"),
    );
    let big = format!("maintainers = []\n{}", "# padding\n".repeat(7000));
    std::fs::write(tmp.path().join("maintainers/packages/b/baz.toml"), big).unwrap();
    let r = check_both(tmp.path());
    assert_eq!(r.codes(), vec![Code::FileTooLarge]);
}

#[test]
fn one_blob_at_many_paths_reports_each_path() {
    // Git stores these bytes once; each path must still get its own diagnostics, the same
    // from git (where the blob is parsed once) as from the working tree.
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(
        &support::fixtures().join("valid/base/maintainers"),
        &tmp.path().join("maintainers"),
    );
    let m = tmp.path().join("maintainers/packages");
    let write = |rel: &str, text: &str| {
        let p = m.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let good = "maintainers = [\"alice\"]\n";
    let bad = "maintainers = [\"alice\", \"ghost\", \"alice\"]\n";
    // The first path holding a blob is the one parsed: here it has a problem of its own.
    for rel in [
        "a/aa-exec.toml",
        "a/a~tilde.toml",
        "t/twin-a.toml",
        "t/twin-b.toml",
        "u/u~tilde.toml",
        "x/wrong-shard.toml",
    ] {
        write(rel, good);
    }
    for rel in ["t/twin-c.toml", "t/twin-d.toml", "v/v~tilde.toml"] {
        write(rel, bad);
    }
    write("t/twin-e.toml", "maintainers = [\n");
    write("t/twin-f.toml", "maintainers = [\n");
    use std::os::unix::fs::PermissionsExt;
    for exec in ["a/aa-exec.toml", "t/twin-b.toml"] {
        std::fs::set_permissions(m.join(exec), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let r = check_both(tmp.path());
    let text = short(&r);
    for (path, code) in [
        ("t/twin-b.toml", "executable-file"),
        ("u/u~tilde.toml", "bad-package-name"),
        ("v/v~tilde.toml", "bad-package-name"),
        ("x/wrong-shard.toml", "path-mismatch"),
        ("t/twin-c.toml", "unknown-maintainer"),
        ("t/twin-d.toml", "unknown-maintainer"),
        ("t/twin-c.toml", "duplicate-maintainer"),
        ("t/twin-d.toml", "duplicate-maintainer"),
        ("t/twin-e.toml", "toml-syntax"),
        ("t/twin-f.toml", "toml-syntax"),
    ] {
        assert!(
            text.lines().any(|l| l.contains(path) && l.contains(code)),
            "{path}: {code} in\n{text}"
        );
    }
    assert!(!text.contains("twin-a.toml"), "{text}");
}

/// The paths `source` lists.
fn listed(source: &Source) -> Vec<String> {
    source
        .entries()
        .expect("the source can be read")
        .into_iter()
        .map(|e| e.path)
        .collect()
}

#[test]
fn both_sources_list_paths_in_order_whatever_the_layout() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("maintainers");
    support::copy_tree(&support::fixtures().join("valid/base/maintainers"), &m);
    // Files beside directories of nearly the same name, before and after them, at the levels
    // walked in parallel and deeper; and two names whose order changes when the one that is
    // not UTF-8 is shown with a replacement character (0xf5 sorts after 0xf0; U+FFFD before).
    let text = "maintainers = [\"alice\"]\n";
    for rel in [
        "zz.toml",
        "packages/b.toml",
        "packages/b-c/x.toml",
        "packages/b/q/a.toml",
        "packages/b/q/r.toml",
        "packages/b/q/r/s/t.toml",
        "packages/b/q/r-s.toml",
        "packages/b/q/z.toml",
        "packages/c/caf\u{10000}.toml",
    ] {
        let p = m.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let odd = std::ffi::OsStr::from_bytes(b"caf\xf5.toml");
    std::fs::write(m.join("packages/c").join(odd), text).unwrap();

    let wt = listed(&Source::Worktree(WorktreeSource::new(tmp.path())));
    assert!(wt.is_sorted(), "{wt:#?}");
    assert!(wt.contains(&"maintainers/packages/c/caf\u{fffd}.toml".to_owned()));
    let repo = support::repo_from(tmp.path());
    let git = listed(&git_head(repo.path()));
    assert_eq!(wt, git);
    // The clone's working tree, its index vouching for every file, lists the same.
    assert_eq!(
        listed(&Source::Worktree(WorktreeSource::new(repo.path()))),
        git
    );
    check_both(tmp.path());
}

#[test]
fn a_tree_out_of_order_is_listed_in_order() {
    // Git's porcelain never writes one, but a tree is only bytes: its entries reversed.
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    let dir = repo.path();
    let raw = |tree: &str| {
        let mut entries: Vec<Vec<u8>> = support::tree_entries(dir, tree)
            .iter()
            .map(|(mode, name, id)| support::tree_entry(mode, name, id))
            .collect();
        entries.reverse();
        hash_raw(dir, "tree", &entries.concat())
    };
    let packages = raw("HEAD:maintainers/packages");
    let top = git_ok(dir, &["ls-tree", "HEAD:maintainers"]).replace(
        git_ok(dir, &["rev-parse", "HEAD:maintainers/packages"]).trim(),
        &packages,
    );
    let top = mktree(dir, &top);
    let root = mktree(dir, &format!("040000 tree {top}\tmaintainers\n"));
    let id = gix::ObjectId::from_hex(root.as_bytes()).unwrap();
    let odd = Source::Git(Box::new(GitSource::at_tree(
        open_repo(dir).unwrap(),
        id,
        "reversed".into(),
    )));
    let head = git_head(dir);
    assert!(
        git_ok(dir, &["ls-tree", "HEAD:maintainers/packages"])
            .lines()
            .count()
            > 1,
        "a tree with more than one entry"
    );
    assert_eq!(listed(&odd), listed(&head));
    assert_eq!(short(&check(&odd)), short(&check(&head)));
}

/// `git mktree` of `listing` (as `git ls-tree` prints it); the new tree's id.
fn mktree(dir: &Path, listing: &str) -> String {
    support::git_input(dir, &["mktree", "--missing"], listing.as_bytes())
}

/// `maintdb check` in a clone: its output on the working tree.
fn check_worktree(dir: &Path) -> String {
    short(&check(&Source::Worktree(WorktreeSource::new(dir))))
}

#[test]
fn a_clone_trusts_its_index_only_for_files_unchanged_on_disk() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    let dir = repo.path();
    let perl = dir.join("maintainers/packages/p/perl-Foo.toml");
    // Racy git: a same-size edit within the same second the index was written.
    git_ok(dir, &["add", "-A"]);
    std::fs::write(&perl, "maintainers = [\"ghost\", \"%perl\"]\n").unwrap();
    let out = check_worktree(dir);
    assert!(out.contains("unknown-maintainer"), "racy edit seen: {out}");
    // Staged and settled, then changed again at the same size a second later: the stat
    // data no longer matches, and the file is read from disk.
    std::fs::write(&perl, "maintainers = [\"alice\", \"%perl\"]\n").unwrap();
    git_ok(dir, &["add", "-A"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    git_ok(dir, &["update-index", "-q", "--refresh"]);
    assert_eq!(check_worktree(dir), short(&check(&git_head(dir))));
    std::fs::write(&perl, "maintainers = [\"ghost\", \"%perl\"]\n").unwrap();
    let out = check_worktree(dir);
    assert!(out.contains("unknown-maintainer"), "edit seen: {out}");
    // A new file the index does not know, and a removed one.
    std::fs::write(&perl, "maintainers = [\"alice\", \"%perl\"]\n").unwrap();
    std::fs::write(
        dir.join("maintainers/packages/b/baz.toml"),
        "maintainers = [\"nobody\"]\n",
    )
    .unwrap();
    std::fs::remove_file(dir.join("maintainers/packages/b/bar.toml")).unwrap();
    let out = check_worktree(dir);
    assert!(
        out.contains("baz.toml") && !out.contains("bar.toml"),
        "{out}"
    );
}

#[test]
fn a_conflicted_file_is_read_from_disk_not_from_a_stage_of_the_index() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    let dir = repo.path();
    let rel = "maintainers/packages/p/perl-Foo.toml";
    let perl = dir.join(rel);
    git_ok(dir, &["checkout", "-q", "-b", "other"]);
    std::fs::write(&perl, "maintainers = [\"%perl\"]\n").unwrap();
    git_ok(dir, &["commit", "-q", "-a", "-m", "other"]);
    git_ok(dir, &["checkout", "-q", "main"]);
    std::fs::write(&perl, "maintainers = [\"alice\"]\n").unwrap();
    git_ok(dir, &["commit", "-q", "-a", "-m", "main"]);
    let merge = support::git(dir)
        .args(["merge", "-q", "other"])
        .output()
        .unwrap();
    assert!(!merge.status.success(), "the merge conflicts");
    let stages = git_ok(dir, &["ls-files", "-u", "--", rel]);
    assert_eq!(stages.lines().count(), 3, "{stages}");
    // Every other file is still vouched for by the index; this one's stages are not its text.
    let out = check_worktree(dir);
    assert!(
        out.contains("perl-Foo.toml") && out.contains("toml-syntax"),
        "the conflict markers on disk are what is checked: {out}"
    );
}

fn git_head(dir: &Path) -> Source {
    Source::Git(Box::new(
        GitSource::at_rev(open_repo(dir).unwrap(), "HEAD").unwrap(),
    ))
}
