//! The server's incremental reload: a snapshot moved on by the tree diff must give the same
//! site, path for path and byte for byte, as the same commit read whole, for every kind of
//! change, and must give up (so the server reads whole) where it cannot follow.

use std::path::Path;

use maintdb::render::snapshot::Snapshot;

use crate::support::{copy_tree, git_ok};

fn read(repo: &gix::ThreadSafeRepository, commit: gix::ObjectId) -> Snapshot {
    let mut s = Snapshot::read(repo, commit, false)
        .unwrap()
        .unwrap_or_else(|r| panic!("{commit} is valid: {} errors", r.errors()));
    s.keep_shown();
    s
}

fn head(dir: &Path) -> gix::ObjectId {
    gix::ObjectId::from_hex(git_ok(dir, &["rev-parse", "HEAD"]).trim().as_bytes()).unwrap()
}

/// Every path of both sites, with their bytes.
fn assert_same(advanced: &Snapshot, whole: &Snapshot, step: &str) {
    let (a, w) = (advanced.site(), whole.site());
    let paths = w.paths();
    assert_eq!(a.paths(), paths, "{step}: the paths differ");
    for p in paths.iter() {
        assert!(
            a.get(p).unwrap() == w.get(p).unwrap(),
            "{step}: {p} differs"
        );
    }
}

#[test]
fn a_snapshot_moved_by_the_tree_diff_equals_a_whole_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git_ok(dir, &["init", "-q", "-b", "main"]);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("maintainers"),
        &dir.join("maintainers"),
    );
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "-m", "sample"]);
    let repo = gix::open(dir).unwrap().into_sync();
    let mut snap = read(&repo, head(dir));

    let write = |rel: &str, text: &str| {
        let p = dir.join("maintainers").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let remove = |rel: &str| std::fs::remove_file(dir.join("maintainers").join(rel)).unwrap();
    // (what, change, whether the tree diff can be followed)
    type Step<'a> = (&'a str, Box<dyn Fn() + 'a>, bool);
    let steps: Vec<Step> = vec![
        (
            "take",
            Box::new(|| write("packages/p/perl-byacc.toml", "maintainers = [\"gregoa\"]\n")),
            true,
        ),
        (
            "new package",
            Box::new(|| write("packages/z/zzz-new.toml", "maintainers = []\n")),
            true,
        ),
        (
            "a group takes it",
            Box::new(|| write("packages/z/zzz-new.toml", "maintainers = [\"%ace\"]\n")),
            true,
        ),
        (
            "new person and group",
            Box::new(|| {
                write(
                    "people/newcomer.toml",
                    "name = \"New Comer\"\nemail = \"n@example.org\"\n",
                );
                write(
                    "groups/newteam.toml",
                    "description = \"New team\"\nmembers = [\"newcomer\"]\n",
                );
                write(
                    "packages/z/zzz-new.toml",
                    "maintainers = [\"newcomer\", \"%newteam\"]\n",
                );
            }),
            true,
        ),
        (
            "a track",
            Box::new(|| {
                write(
                    "tracks/660650.toml",
                    "package = \"zzz-new\"\nsuites = [\"stable\"]\n",
                )
            }),
            true,
        ),
        (
            "the team goes, the package is dropped",
            Box::new(|| {
                remove("groups/newteam.toml");
                write("packages/z/zzz-new.toml", "maintainers = [\"newcomer\"]\n");
            }),
            true,
        ),
        (
            "the track goes",
            Box::new(|| remove("tracks/660650.toml")),
            true,
        ),
        (
            "a package is removed",
            Box::new(|| remove("packages/p/perl-byacc.toml")),
            true,
        ),
        (
            "suites change",
            Box::new(|| {
                write(
                    "suites.toml",
                    "[stable]\ncodename = \"bookworm\"\nversion = \"12.9\"\n\n[oldstable]\ncodename = \"bullseye\"\nversion = \"11.11\"\n",
                )
            }),
            true,
        ),
        (
            "config changes: read whole",
            Box::new(|| {
                let p = dir.join("maintainers/config.toml");
                let mut c = std::fs::read_to_string(&p).unwrap();
                c.push_str("\n# a comment\n");
                std::fs::write(p, c).unwrap();
            }),
            false,
        ),
    ];
    for (what, change, follows) in steps {
        change();
        git_ok(dir, &["add", "-A"]);
        git_ok(dir, &["commit", "-q", "--allow-empty", "-m", what]);
        let commit = head(dir);
        let whole = read(&repo, commit);
        let advanced = snap.advance(&repo, commit).unwrap();
        assert_eq!(advanced, follows, "{what}");
        if !advanced {
            snap = read(&repo, commit);
        }
        assert_same(&snap, &whole, what);
    }

    // An invalid commit cannot be followed (the whole read then reports it).
    write("packages/p/perl.toml", "maintainers = [\"ghost\"]\n");
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "-m", "ghost"]);
    assert!(!snap.advance(&repo, head(dir)).unwrap());
    // Nor a rewritten branch: the served commit is not in the new one's history.
    git_ok(dir, &["reset", "-q", "--hard", "HEAD~1"]);
    let mut served = read(&repo, head(dir));
    git_ok(dir, &["reset", "-q", "--hard", "HEAD~1"]);
    git_ok(dir, &["commit", "-q", "--allow-empty", "-m", "rewritten"]);
    assert!(!served.advance(&repo, head(dir)).unwrap());
}
