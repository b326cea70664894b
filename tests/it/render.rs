//! Rendering: golden text formats from a scripted history, the changelog, RSS, determinism,
//! atomic publishing, escaping, and the post-receive hook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{self, Server, git, git_ok, linked, maintdb, run, tree};

/// Commits everything in `dir` at a fixed time, as `who`.
fn commit_at(dir: &Path, who: &str, when: &str, msg: &str) {
    git_ok(dir, &["add", "-A"]);
    support::succeed(
        git(dir)
            .env("GIT_AUTHOR_NAME", who)
            .env("GIT_AUTHOR_EMAIL", format!("{who}@example.org"))
            .env("GIT_AUTHOR_DATE", when)
            .env("GIT_COMMITTER_DATE", when)
            .args(["commit", "-q", "--allow-empty", "-m", msg]),
    );
}

fn write(dir: &Path, rel: &str, content: &str) {
    let p = dir.join("maintainers").join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// The scripted history behind the golden files.
pub fn scripted() -> tempfile::TempDir {
    let repo = support::repo_from(&support::fixtures().join("hook"));
    let d = repo.path();
    write(
        d,
        "packages/p/perl-Foo.toml",
        "maintainers = [\"bob\", \"carol\"]\n",
    );
    commit_at(
        d,
        "bob",
        "2026-11-10T10:00:00Z",
        "bob adds carol to perl-Foo",
    );
    write(d, "packages/o/orphan.toml", "maintainers = [\"dave\"]\n");
    commit_at(d, "dave", "2026-11-12T09:00:00Z", "dave takes orphan");
    std::fs::remove_file(d.join("maintainers/packages/o/orphan2.toml")).unwrap();
    write(d, "packages/z/zlib.toml", "maintainers = [\"%perl\"]\n");
    write(d, "packages/u/unloved.toml", "maintainers = []\n");
    commit_at(
        d,
        "alice",
        "2026-11-13T08:00:00Z",
        "remove orphan2, add zlib and unloved",
    );
    write(d, "packages/p/perl-Foo.toml", "maintainers = [\"carol\"]\n");
    commit_at(d, "bob", "2026-11-14T07:00:00Z", "bob drops perl-Foo");
    repo
}

fn render(repo: &Path, out: &Path, extra: &[&str]) -> String {
    let (code, stdout, err) = run(maintdb(repo)
        .args(["render", "--out", out.to_str().unwrap()])
        .args(extra));
    assert_eq!(code, 0, "{stdout}{err}");
    // Not a terminal: no progress bar, nothing on stderr, one line on stdout.
    assert_eq!(err, "", "nothing extra when the output is not a terminal");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    stdout
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/render")
}

#[test]
fn golden_text_formats() {
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    render(repo.path(), &site, &[]);
    let files = [
        "packages.txt",
        "maintdb.txt",
        "unmaintained.txt",
        "people.txt",
        "changes.txt",
        "people/bob.txt",
        "people/carol.txt",
        "people/nobody.txt",
        "groups/perl.txt",
        "packages/perl-Foo.txt",
        "packages/zlib.txt",
    ];
    for f in files {
        let got = std::fs::read_to_string(site.join(f)).unwrap();
        let want = std::fs::read_to_string(golden_dir().join(f))
            .unwrap_or_else(|_| panic!("no golden file for {f}"));
        assert_eq!(got, want, "{f} differs from tests/golden/render/{f}");
    }
    // Split pages hold the packages of their first character only.
    let p = std::fs::read_to_string(site.join("packages_p.html")).unwrap();
    assert!(
        p.contains(">perl-Foo</a>") && !p.contains(">zlib</a>"),
        "{p}"
    );
    assert!(
        std::fs::read_to_string(site.join("packages_z.html"))
            .unwrap()
            .contains(">zlib</a>")
    );
    // An unknown package has no file (the server answers with an empty body).
    assert!(!site.join("packages/no-such.txt").exists());
}

#[test]
fn changes_cover_48_hours() {
    let repo = support::repo_from(&support::fixtures().join("hook"));
    let d = repo.path();
    write(d, "packages/o/orphan.toml", "maintainers = [\"dave\"]\n");
    commit_at(d, "dave", "2026-11-10T00:00:00Z", "old: outside the window");
    write(d, "packages/p/perl-Bar.toml", "maintainers = [\"bob\"]\n");
    commit_at(
        d,
        "alice",
        "2026-11-11T00:00:01Z",
        "47h59m59s before the tip",
    );
    std::fs::remove_file(d.join("maintainers/packages/o/orphan2.toml")).unwrap();
    commit_at(d, "alice", "2026-11-13T00:00:00Z", "the tip");
    let out = tempfile::tempdir().unwrap();
    render(d, &out.path().join("site"), &[]);
    let changes = std::fs::read_to_string(out.path().join("site/changes.txt")).unwrap();
    assert_eq!(changes, "orphan2:-\nperl-Bar:bob\n");
}

fn log_json(repo: &Path) -> Vec<serde_json::Value> {
    let (code, out, err) = run(maintdb(repo).args(["log", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn changelog_event_kinds() {
    let repo = scripted();
    let d = repo.path();
    // A merge: a side branch hands perl-Bar over; main merges it.
    git_ok(d, &["checkout", "-q", "-b", "side"]);
    write(d, "packages/p/perl-Bar.toml", "maintainers = [\"dave\"]\n");
    commit_at(d, "alice", "2026-11-15T00:00:00Z", "hand perl-Bar to dave");
    git_ok(d, &["checkout", "-q", "main"]);
    let out = git(d)
        .env("GIT_COMMITTER_DATE", "2026-11-15T01:00:00Z")
        .env("GIT_AUTHOR_DATE", "2026-11-15T01:00:00Z")
        .args(["merge", "-q", "--no-ff", "-m", "merge side", "side"])
        .output()
        .unwrap();
    assert!(out.status.success());
    // One commit touching 100 packages.
    for i in 0..100 {
        write(d, &format!("packages/b/bulk{i}.toml"), "maintainers = []\n");
    }
    commit_at(d, "buildsystem", "2026-11-16T00:00:00Z", "100 new packages");
    let events = log_json(d);
    let sentences: Vec<&str> = events
        .iter()
        .map(|e| e["sentence"].as_str().unwrap())
        .collect();
    assert_eq!(
        sentences
            .iter()
            .filter(|s| s.starts_with("new package bulk"))
            .count(),
        100
    );
    for want in [
        "perl-Bar handed over from %perl to dave",
        "carol takes perl-Foo",
        "bob drops perl-Foo",
        "dave takes orphan",
        "orphan2 removed",
        "new package zlib for %perl",
    ] {
        assert!(
            sentences.contains(&want),
            "missing `{want}` in {sentences:?}"
        );
    }
    // The merge's event is dated and attributed to the merge commit.
    let merge = events
        .iter()
        .find(|e| e["sentence"] == "perl-Bar handed over from %perl to dave")
        .unwrap();
    assert_eq!(merge["author"], "Test Author");
    // Filters.
    let (_, out, _) = run(maintdb(d).args(["log", "--package", "perl-Foo"]));
    assert_eq!(
        out.lines().count(),
        3,
        "added by the fixture, then two changes: {out}"
    );
    let (_, out, _) = run(maintdb(d).args(["log", "--person", "dave"]));
    assert_eq!(out.lines().count(), 2, "{out}");
    let (_, out, _) = run(maintdb(d).args(["log", "--since", "2d"]));
    assert_eq!(
        out.lines().count(),
        102,
        "100 bulk, the merge, bob drops perl-Foo: {out}"
    );
    let (code, _, err) = run(maintdb(d).args(["log", "--since", "2x"]));
    assert_eq!(code, 2);
    assert!(err.contains("the unit is m, h, d or w"), "{err}");
}

#[test]
fn history_cache_changes_nothing() {
    let repo = scripted();
    let with = log_json(repo.path());
    let cache = repo.path().join(".git/maintdb/history.bin");
    assert!(cache.exists(), "the cache lives in the git dir");
    std::fs::write(&cache, "not a cache\n").unwrap();
    assert_eq!(log_json(repo.path()), with, "a damaged cache is ignored");
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(log_json(repo.path()), with);
    let good = std::fs::read(&cache).unwrap();
    // Cut short by a crash: rebuilt.
    std::fs::write(&cache, &good[..good.len() * 2 / 3]).unwrap();
    assert_eq!(log_json(repo.path()), with, "a truncated cache");
    assert_eq!(std::fs::read(&cache).unwrap().len(), good.len(), "rebuilt");
    // One byte flipped inside a value, where it still reads as a name (`bob` to `cob`):
    // never trusted.
    let at = good.windows(3).position(|w| w == b"bob").unwrap();
    let mut flipped = good.clone();
    flipped[at] ^= 0x01;
    std::fs::write(&cache, &flipped).unwrap();
    assert_eq!(log_json(repo.path()), with, "a flipped byte");
    assert_eq!(std::fs::read(&cache).unwrap().len(), good.len(), "rebuilt");
    // A rewritten branch: the cache keeps serving the commits both histories share, and the
    // log is that of the new history.
    git_ok(repo.path(), &["reset", "-q", "--hard", "HEAD~2"]);
    git_ok(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "rewritten"],
    );
    let warm = log_json(repo.path());
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(warm, log_json(repo.path()), "a rewritten branch");
}

#[test]
fn a_history_cache_whose_parents_loop_is_not_followed() {
    use maintdb::history::cache;
    let repo = scripted();
    let with = log_json(repo.path());
    let path = repo.path().join(".git/maintdb/history.bin");
    let tip = gix::ObjectId::from_hex(
        git_ok(repo.path(), &["rev-parse", "HEAD"])
            .trim()
            .as_bytes(),
    )
    .unwrap();
    let parent = gix::ObjectId::from_hex(
        git_ok(repo.path(), &["rev-parse", "HEAD~1"])
            .trim()
            .as_bytes(),
    )
    .unwrap();
    // Sound records (their checksums hold) that lie: the tip's parent names the tip as its
    // own parent, a loop; a walk that trusts them never ends.
    let mut loaded = cache::load(&path);
    let mut top = loaded.get(&tip).unwrap();
    let mut below = loaded.get(&parent).unwrap();
    top.parent = Some(parent.to_string());
    below.parent = Some(tip.to_string());
    cache::rewrite(&path, &[&below, &top]).unwrap();
    assert_eq!(log_json(repo.path()), with, "read from git instead");
    let mut rebuilt = cache::load(&path);
    assert!(!rebuilt.damaged);
    let parent_of = |c: Option<maintdb::history::CommitEvents>| c.unwrap().parent;
    assert_eq!(
        parent_of(rebuilt.get(&parent)),
        Some(
            git_ok(repo.path(), &["rev-parse", "HEAD~2"])
                .trim()
                .to_owned()
        ),
        "the cache is rewritten with the true parents"
    );
}

#[test]
fn history_read_through_the_commit_graph_is_the_same() {
    let repo = scripted();
    let cache = repo.path().join(".git/maintdb/history.bin");
    let without = log_json(repo.path());
    std::fs::remove_file(&cache).unwrap();
    // The walk takes parents and trees from git's commit-graph where it has the commit; a
    // commit made after the graph was written is read from its object.
    git_ok(repo.path(), &["commit-graph", "write", "--reachable"]);
    assert!(repo.path().join(".git/objects/info/commit-graph").exists());
    assert_eq!(log_json(repo.path()), without, "all commits in the graph");
    write(
        repo.path(),
        "packages/o/orphan.toml",
        "maintainers = [\"carol\"]\n",
    );
    commit_at(
        repo.path(),
        "carol",
        "2026-11-15T07:00:00Z",
        "carol takes orphan",
    );
    std::fs::remove_file(&cache).unwrap();
    let with_graph = log_json(repo.path());
    std::fs::remove_file(repo.path().join(".git/objects/info/commit-graph")).unwrap();
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(
        with_graph,
        log_json(repo.path()),
        "the tip is not in the graph"
    );
    assert_eq!(
        with_graph.len(),
        without.len() + 1,
        "orphan handed over to carol"
    );
}

/// The deepest delta chain of the repository's packs, from `git verify-pack -v`.
fn deepest_delta(repo: &Path) -> usize {
    let mut deepest = 0;
    for idx in std::fs::read_dir(repo.join(".git/objects/pack")).unwrap() {
        let idx = idx.unwrap().path();
        if idx.extension().is_some_and(|x| x == "idx") {
            let listing = git_ok(repo, &["verify-pack", "-v", idx.to_str().unwrap()]);
            for line in listing.lines() {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() == 7 {
                    deepest = deepest.max(f[5].parse().unwrap_or(0));
                }
            }
        }
    }
    deepest
}

#[test]
fn history_read_from_deep_delta_chains_is_the_same() {
    // Sixty versions of the same trees and blobs, large enough for git to store them as
    // deltas of each other: the history keeps each base it resolves and decodes the next
    // version from it, and must read exactly what gix reads one object at a time.
    let repo = scripted();
    let d = repo.path();
    let people = ["alice", "bob", "carol", "dave"];
    let padding = "# kept the same in every version, so that git stores deltas\n".repeat(4);
    for i in 0..60 {
        // Every round changes one of twelve files and perl-Foo: sixty distinct trees.
        let who = people[i % 4];
        write(
            d,
            &format!("packages/p/perl-Mod{}.toml", i % 12),
            &format!(
                "{padding}maintainers = [\"{}\"]\n# round {i}\n",
                people[(i / 12) % 4]
            ),
        );
        write(
            d,
            "packages/p/perl-Foo.toml",
            &format!("{padding}maintainers = [\"{who}\", \"%perl\"]\n# round {i}\n"),
        );
        commit_at(
            d,
            who,
            &format!("2026-11-20T{:02}:{:02}:00Z", i / 60, i % 60),
            "round",
        );
    }
    let cache = d.join(".git/maintdb/history.bin");
    let loose = log_json(d);
    assert!(loose.len() > 60, "{} events", loose.len());

    git_ok(
        d,
        &[
            "repack",
            "-q",
            "-a",
            "-d",
            "-f",
            "--depth=50",
            "--window=250",
        ],
    );
    assert!(
        deepest_delta(d) >= 20,
        "the repack made chains {}",
        deepest_delta(d)
    );
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(log_json(d), loose, "read from one pack of deep chains");

    // Commits made since: loose objects beside the pack, then a second pack.
    write(d, "packages/p/perl-Mod3.toml", "maintainers = [\"dave\"]\n");
    commit_at(d, "dave", "2026-11-21T00:00:00Z", "dave takes perl-Mod3");
    std::fs::remove_file(&cache).unwrap();
    let newer = log_json(d);
    assert_eq!(newer.len(), loose.len() + 1, "one more event");
    assert_eq!(&newer[1..], &loose[..]);
    git_ok(d, &["repack", "-q", "-d"]);
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(log_json(d), newer, "two packs");
}

#[test]
fn a_damaged_pack_is_named_and_nothing_is_cached() {
    let repo = scripted();
    let d = repo.path();
    for i in 0..20 {
        let who = ["alice", "bob"][i % 2];
        let pad = "# the same in every version\n".repeat(8);
        write(
            d,
            "packages/p/perl-Foo.toml",
            &format!("{pad}maintainers = [\"{who}\"]\n"),
        );
        commit_at(d, who, &format!("2026-11-20T00:{i:02}:00Z"), "round");
    }
    git_ok(d, &["repack", "-q", "-a", "-d", "-f", "--depth=50"]);
    // One byte in the middle of a tree the history must read, inside its compressed data.
    let tree = git_ok(d, &["rev-parse", "HEAD~5:maintainers/packages/p"]);
    let pack_dir = d.join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let listing = git_ok(d, &["verify-pack", "-v", idx.to_str().unwrap()]);
    let (size, offset) = listing
        .lines()
        .find(|l| l.starts_with(tree.trim()))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[3].parse::<u64>().unwrap(), f[4].parse::<u64>().unwrap())
        })
        .unwrap();
    let pack = idx.with_extension("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    let at = (offset + size / 2 + 1) as usize;
    bytes[at] ^= 0x5a;
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::write(&pack, &bytes).unwrap();

    let cache = d.join(".git/maintdb/history.bin");
    let _ = std::fs::remove_file(&cache);
    let (code, out, err) = run(maintdb(d).args(["log"]));
    assert_ne!(code, 0, "a damaged object is an error: {out}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("cannot read object"),
        "names the object: {err}"
    );
    assert!(!cache.exists(), "no history is cached from a damaged pack");
}

#[test]
fn rss_is_valid() {
    use quick_xml::events::Event;
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    render(repo.path(), &out.path().join("site"), &[]);
    let xml = std::fs::read_to_string(out.path().join("site/changelog.rss")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut path: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut version = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "rss" {
                    version = e
                        .try_get_attribute("version")
                        .unwrap()
                        .map(|a| a.unescape_value().unwrap().into_owned());
                }
                path.push(name);
                *seen.entry(path.join("/")).or_default() += 1;
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(version.as_deref(), Some("2.0"));
    for required in [
        "rss/channel/title",
        "rss/channel/link",
        "rss/channel/description",
    ] {
        assert_eq!(seen.get(required), Some(&1), "{required}");
    }
    let items = seen["rss/channel/item"];
    assert_eq!(
        items, 5,
        "one item per commit with events (the fixture's commit too)"
    );
    for per_item in ["title", "guid", "pubDate", "description"] {
        assert_eq!(
            seen[&format!("rss/channel/item/{per_item}")],
            items,
            "{per_item}"
        );
    }
    let tip = git_ok(repo.path(), &["rev-parse", "HEAD"]);
    assert!(xml.contains(&format!(
        "<guid isPermaLink=\"false\">{}</guid>",
        tip.trim()
    )));
    assert!(
        xml.contains("<pubDate>Sat, 14 Nov 2026 07:00:00 +0000</pubDate>"),
        "{xml}"
    );
}

#[test]
fn renders_are_deterministic() {
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    render(repo.path(), &out.path().join("a"), &[]);
    std::fs::remove_file(repo.path().join(".git/maintdb/history.bin")).unwrap();
    render(repo.path(), &out.path().join("b"), &["--no-cache"]);
    let (a, b) = (tree(&out.path().join("a")), tree(&out.path().join("b")));
    assert!(a.len() > 20);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(b[k] == *v, "{k} differs between two renders of one commit");
    }
}

/// The keys file of a generation.
fn keys_of(generation: &Path) -> PathBuf {
    generation.with_file_name(format!(
        "{}.keys",
        generation.file_name().unwrap().to_string_lossy()
    ))
}

/// The published generation's directory and its keys file.
fn published(site: &Path) -> (PathBuf, PathBuf) {
    let generation = std::fs::canonicalize(site).unwrap();
    let keys = keys_of(&generation);
    (generation, keys)
}

/// The generation beside the published one, which the next render brings up to date.
fn older(site: &Path) -> PathBuf {
    let (published, _) = published(site);
    let parent = published.parent().unwrap().to_owned();
    let mut gens: Vec<PathBuf> = std::fs::read_dir(&parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir() && *p != published)
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".site.gen-")
        })
        .collect();
    gens.sort();
    gens.pop().expect("an older generation")
}

fn inode(p: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap())
}

#[test]
fn a_render_keeps_unchanged_pages_and_never_trusts_damaged_keys() {
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let full = |n: &str| {
        let dir = out.path().join(n);
        render(repo.path(), &dir, &["--full"]);
        assert_eq!(linked(&dir), 0, "--full makes every page");
        tree(&dir)
    };
    let change = |file: &str, who: &str, hour: u32| {
        write(repo.path(), file, &format!("maintainers = [\"{who}\"]\n"));
        commit_at(
            repo.path(),
            who,
            &format!("2026-11-14T{hour:02}:00:00Z"),
            &format!("{who} takes {file}"),
        );
    };
    render(repo.path(), &site, &[]);
    assert_eq!(linked(&site), 0, "nothing to keep the first time");
    let (first, _) = published(&site);
    let untouched = inode(&first.join("packages/perl-Foo.html"));
    // One package changes: a fresh generation, its pages and its maintainers' made, the rest
    // hard-linked from the published one.
    change("packages/z/zlib.toml", "dave", 9);
    render(repo.path(), &site, &[]);
    assert_eq!(tree(&site), full("full1"));
    let (generation, _) = published(&site);
    for made in ["packages/zlib.html", "people/dave.html", "groups/perl.html"] {
        let meta = std::fs::metadata(generation.join(made)).unwrap();
        assert_eq!(
            std::os::unix::fs::MetadataExt::nlink(&meta),
            1,
            "{made} made anew"
        );
    }
    let kept = linked(&site);
    assert!(kept > 5, "only {kept} pages kept");
    // The next one brings the first generation up to date in place of a fresh one: what
    // changed since it is written (by rename), the rest stays as it is.
    let zlib_before = inode(&first.join("packages/zlib.html"));
    change("packages/u/unloved.toml", "carol", 10);
    render(repo.path(), &site, &[]);
    assert_eq!(tree(&site), full("full2"));
    let (reused, _) = published(&site);
    assert!(!first.exists(), "renamed: {}", first.display());
    assert_eq!(inode(&reused.join("packages/perl-Foo.html")), untouched);
    assert_ne!(
        inode(&reused.join("packages/zlib.html")),
        zlib_before,
        "changed since that generation: written again"
    );
    assert!(!reused.join("packages/unloved.html.part").exists());
    // Keys of the older generation with a flipped byte: not trusted, a fresh generation.
    let stale = older(&site);
    let stale_keys = keys_of(&stale);
    let mut bytes = std::fs::read(&stale_keys).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&stale_keys, &bytes).unwrap();
    let stale_dir = inode(&stale);
    change("packages/z/zlib.toml", "alice", 11);
    render(repo.path(), &site, &[]);
    assert_eq!(tree(&site), full("full3"));
    assert!(!stale.exists(), "the untrusted generation is pruned");
    let (fresh, _) = published(&site);
    assert_ne!(
        inode(&fresh),
        stale_dir,
        "a fresh generation, not the stale one"
    );
    // Cut short: the same.
    let stale = older(&site);
    let stale_keys = keys_of(&stale);
    let bytes = std::fs::read(&stale_keys).unwrap();
    std::fs::write(&stale_keys, &bytes[..bytes.len() - 20]).unwrap();
    let stale_dir = inode(&stale);
    change("packages/z/zlib.toml", "dave", 12);
    render(repo.path(), &site, &[]);
    assert!(!stale.exists(), "truncated keys: never reused");
    assert_ne!(inode(&published(&site).0), stale_dir);
    assert_eq!(tree(&site), full("full4"));
    // A page gone from the older generation is made, not missed.
    std::fs::remove_file(older(&site).join("packages/perl-Foo.html")).unwrap();
    change("packages/u/unloved.toml", "alice", 13);
    render(repo.path(), &site, &[]);
    assert_eq!(tree(&site), full("full5"));
}

/// The generation to reuse is chosen while the commit is read; a commit whose records are
/// invalid publishes nothing and leaves that generation, keys and all, for the next render.
#[test]
fn an_invalid_commit_leaves_the_generation_before_last_reusable() {
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    render(repo.path(), &site, &[]);
    render(repo.path(), &site, &[]);
    let spare = older(&site);
    let spare_keys = keys_of(&spare);
    let keys_before = std::fs::read(&spare_keys).unwrap();
    let (live, _) = published(&site);
    write(
        repo.path(),
        "packages/z/zlib.toml",
        "maintainers = [\"no-such-person\"]\n",
    );
    commit_at(repo.path(), "alice", "2026-11-14T09:00:00Z", "a typo");
    let (code, _, err) =
        run(maintdb(repo.path()).args(["render", "--out", site.to_str().unwrap()]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing was published"), "{err}");
    assert_eq!(published(&site).0, live, "the published tree stays");
    assert_eq!(
        std::fs::read(&spare_keys).unwrap(),
        keys_before,
        "its keys stay"
    );
    // The fix is rendered into the generation kept aside, not a fresh one.
    let spare_inode = inode(&spare);
    write(
        repo.path(),
        "packages/z/zlib.toml",
        "maintainers = [\"dave\"]\n",
    );
    commit_at(repo.path(), "alice", "2026-11-14T10:00:00Z", "the fix");
    render(repo.path(), &site, &[]);
    assert_eq!(inode(&published(&site).0), spare_inode, "reused");
    assert!(!spare.exists(), "renamed into the new generation");
}

#[test]
fn publishing_is_atomic() {
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    render(repo.path(), &site, &[]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (site, stop) = (site.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for f in [
                    "packages.txt",
                    "people/nobody.txt",
                    "packages/zlib.html",
                    "changelog.rss",
                ] {
                    std::fs::read(site.join(f))
                        .unwrap_or_else(|e| panic!("{f} missing during a render: {e}"));
                    reads += 1;
                }
            }
            reads
        })
    };
    for _ in 0..8 {
        render(repo.path(), &site, &[]);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().expect("the reader never saw a missing file") > 0);
    // The last two generations are kept, each with its keys; the published one is the newest.
    let mut gens: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site.gen-"))
        .collect();
    gens.sort();
    assert_eq!(gens.len(), 4, "{gens:?}");
    assert_eq!(gens[1], format!("{}.keys", gens[0]));
    assert_eq!(gens[3], format!("{}.keys", gens[2]));
}

#[test]
fn a_killed_render_leaves_the_published_tree() {
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    render(repo.path(), &site, &[]);
    let before = tree(&site);
    // What a render killed part-way leaves: a half-written generation, never published.
    let partial = out.path().join(".site.gen-999999999999999999999999-dead");
    std::fs::create_dir_all(partial.join("packages")).unwrap();
    std::fs::write(partial.join("packages.txt"), "half").unwrap();
    assert_eq!(tree(&site), before, "the published tree is untouched");
    render(repo.path(), &site, &[]);
    assert!(!partial.exists(), "the next render prunes it");
    assert_eq!(tree(&site), before);
    // A real directory in the way is never replaced.
    let plain = out.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let (code, _, err) =
        run(maintdb(repo.path()).args(["render", "--out", plain.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(err.contains("is not a maintdb publication"), "{err}");
}

#[test]
fn pages_escape_pushed_names_and_post_receive_publishes() {
    let s = Server::new("hook");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let (code, _, err) = run(maintdb(out.path()).args([
        "hook",
        "install",
        s.bare.to_str().unwrap(),
        "--publish",
        site.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    let c = s.clone("alice");
    // A person's name may not hold `<` or `>` (bad-text), but quotes and ampersands it may;
    // a group's description may hold anything printable.
    c.write(
        "people/evil.toml",
        "name = \"Evil\\\" onmouseover=\\\"alert(1) &amp;\"\nemail = \"evil@example.org\"\n",
    );
    c.write(
        "groups/evil.toml",
        "description = \"<script>alert(1)</script>\"\nmembers = [\"evil\"]\n",
    );
    c.write("packages/o/orphan.toml", "maintainers = [\"evil\"]\n");
    c.add_all().commit("evil arrives");
    let (ok, err) = c.push("alice");
    assert!(ok, "{err}");
    let page =
        std::fs::read_to_string(site.join("people/evil.html")).expect("post-receive published");
    assert!(
        page.contains("Evil&#34; onmouseover=&#34;alert(1) &#38;amp;"),
        "{page}"
    );
    assert!(!page.contains("\" onmouseover=\""), "{page}");
    let group = std::fs::read_to_string(site.join("groups/evil.html")).unwrap();
    assert!(
        group.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{group}"
    );
    assert!(!group.contains("<script>alert"), "{group}");
    let groups = std::fs::read_to_string(site.join("groups.html")).unwrap();
    assert!(!groups.contains("<script>alert"));
    assert_eq!(
        std::fs::read_to_string(site.join("packages/orphan.txt")).unwrap(),
        "orphan:evil\n"
    );
    // Per-package pages link to the bug tracker only when config.toml sets bug_url.
    assert!(
        !std::fs::read_to_string(site.join("packages/orphan.html"))
            .unwrap()
            .contains("Bugs")
    );
}

#[test]
fn bug_links_follow_config() {
    let repo = support::repo_from(&support::fixtures().join("valid/base"));
    let out = tempfile::tempdir().unwrap();
    render(repo.path(), &out.path().join("site"), &[]);
    let page = std::fs::read_to_string(out.path().join("site/packages/perl-Foo.html")).unwrap();
    assert!(
        page.contains("href=\"https://bugs.example.org/perl-Foo\""),
        "{page}"
    );
    let person = std::fs::read_to_string(out.path().join("site/people/bob.html")).unwrap();
    assert!(
        person.contains("<h2>Through groups (1)</h2>"),
        "bob maintains perl-Foo through %perl: {person}"
    );
    assert!(
        person.contains("<a href=\"../groups/perl.html\">%perl</a>: 1 package</li>"),
        "{person}"
    );
    let group = std::fs::read_to_string(out.path().join("site/groups/perl.html")).unwrap();
    assert!(
        group.contains("<a href=\"../packages/perl-Foo.html\">perl-Foo</a>"),
        "{group}"
    );
}

#[test]
fn process_documentation_pages() {
    let repo = crate::support::repo_from(&crate::support::fixtures().join("valid/base"));
    let docs = repo.path().join("docs/process");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("index.md"),
        "# How we work\n\nSee [the states](states.html).\n\n<script>alert(1)</script>\n",
    )
    .unwrap();
    std::fs::write(
        docs.join("states.md"),
        "# States\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    )
    .unwrap();
    crate::support::git_ok(repo.path(), &["add", "-A"]);
    crate::support::git_ok(repo.path(), &["commit", "-q", "-m", "docs"]);
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let (code, o, e) = crate::support::run(crate::support::maintdb(repo.path()).args([
        "render",
        "--out",
        site.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{o}{e}");
    let index = std::fs::read_to_string(site.join("process/index.html")).unwrap();
    assert_eq!(index.matches("<h1>").count(), 1, "{index}");
    assert!(index.contains("<h1>How we work</h1>"), "{index}");
    assert!(
        index.contains("<a href=\"states.html\">the states</a>"),
        "{index}"
    );
    assert!(!index.contains("<script>"), "raw HTML is text: {index}");
    let states = std::fs::read_to_string(site.join("process/states.html")).unwrap();
    assert!(states.contains("<table>"), "{states}");
    // Page by page: the repository's own index and states; the shipped cadence and fixing.
    assert!(!states.contains("A track and its states"), "{states}");
    let cadence = std::fs::read_to_string(site.join("process/cadence.html")).unwrap();
    assert!(
        cadence.contains("<h1>The point-release cadence</h1>"),
        "{cadence}"
    );
    assert!(site.join("process/fixing.html").exists());
}

/// The maintainers of each package file at `commit`, by path, read with git alone.
fn lists_at(repo: &Path, commit: &str) -> BTreeMap<String, Vec<String>> {
    git_ok(
        repo,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            commit,
            "maintainers/packages",
        ],
    )
    .lines()
    .map(|path| {
        let text = git_ok(repo, &["show", &format!("{commit}:{path}")]);
        let list = text
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(inner, _)| {
                inner
                    .split(',')
                    .map(|m| m.trim().trim_matches('"').to_owned())
                    .filter(|m| !m.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        (path.to_owned(), list)
    })
    .collect()
}

#[test]
fn stats_match_what_git_log_and_git_show_say() {
    let repo = scripted();
    let d = repo.path();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    render(d, &site, &[]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("stats.json")).unwrap()).unwrap();

    // The same numbers from git: each first-parent commit's tree, the last one of each day.
    let log = git_ok(
        d,
        &[
            "log",
            "--first-parent",
            "--reverse",
            "--date=format-local:%Y-%m-%d",
            "--format=%H %ad",
        ],
    );
    let mut packages: Vec<(String, i64)> = Vec::new();
    let mut unmaintained: Vec<(String, i64)> = Vec::new();
    let mut monthly: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    let mut before: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let push = |series: &mut Vec<(String, i64)>, day: &str, n: i64| match series.last_mut() {
        Some((d, v)) if d == day => *v = n,
        Some((_, v)) if *v == n => {}
        _ => series.push((day.to_owned(), n)),
    };
    for line in log.lines() {
        let (commit, day) = line.split_once(' ').unwrap();
        let now = lists_at(d, commit);
        let m = monthly.entry(day[..7].to_owned()).or_default();
        for (path, list) in &now {
            match before.get(path) {
                None => m[2] += 1,
                Some(old) if old != list => {
                    let gone = old.iter().filter(|x| !list.contains(x)).count();
                    let came = list.iter().filter(|x| !old.contains(x)).count();
                    m[0] += u64::from(came > 0);
                    m[1] += u64::from(gone > 0);
                }
                _ => {}
            }
        }
        m[3] += before.keys().filter(|p| !now.contains_key(*p)).count() as u64;
        push(&mut packages, day, now.len() as i64);
        push(
            &mut unmaintained,
            day,
            now.values().filter(|l| l.is_empty()).count() as i64,
        );
        before = now;
    }
    let series = |key: &str| -> Vec<(String, i64)> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(series("packages"), packages);
    assert_eq!(series("unmaintained"), unmaintained);
    let months: BTreeMap<String, [u64; 4]> = json["monthly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let n = |k: &str| m[k].as_u64().unwrap();
            (
                m["month"].as_str().unwrap().to_owned(),
                [n("taken"), n("dropped"), n("added"), n("removed")],
            )
        })
        .collect();
    assert_eq!(months, monthly);

    // Golden: the JSON and the first chart, from the fixed dates of the scripted history.
    let html = std::fs::read_to_string(site.join("stats.html")).unwrap();
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap() + 6];
    for (name, got) in [
        (
            "stats.json",
            std::fs::read_to_string(site.join("stats.json")).unwrap(),
        ),
        ("stats-packages.svg", format!("{svg}\n")),
    ] {
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(golden_dir().join(name), &got).unwrap();
        }
        let want = std::fs::read_to_string(golden_dir().join(name))
            .unwrap_or_else(|_| panic!("no golden file for {name} (UPDATE_GOLDEN=1 writes it)"));
        assert_eq!(got, want, "{name} differs from tests/golden/render/{name}");
    }
    // Each chart is titled, labelled, and has its numbers behind a <details>.
    assert_eq!(html.matches("<svg").count(), 3, "{html}");
    assert_eq!(
        html.matches("<title>").count(),
        4,
        "the page's and each chart's"
    );
    assert!(html.contains("date (UTC)") && html.contains("month"));
    assert_eq!(html.matches("<details>").count(), 3);
    assert!(
        html.contains("<tr><td>2026-11-13</td><td>5</td><td>1</td></tr>"),
        "{html}"
    );
    // The person and package pages: a sparkline, and who maintained it when.
    let bob = std::fs::read_to_string(site.join("people/bob.html")).unwrap();
    assert!(bob.contains("<figure class=\"sparkline\"><svg"), "{bob}");
    let foo = std::fs::read_to_string(site.join("packages/perl-Foo.html")).unwrap();
    assert!(
        foo.contains("<tr><td>bob, carol</td><td>2026-11-10</td><td>2026-11-14</td></tr>")
            && foo.contains("<tr><td>carol</td><td>2026-11-14</td><td>now</td></tr>"),
        "{foo}"
    );
}

#[test]
fn stats_of_a_young_repository() {
    // One commit: one point per chart.
    let one = support::repo_from(&support::fixtures().join("hook"));
    let out = tempfile::tempdir().unwrap();
    render(one.path(), &out.path().join("a"), &[]);
    let html = std::fs::read_to_string(out.path().join("a/stats.html")).unwrap();
    assert!(html.contains("<circle"), "a single day is drawn as a point");
    let json = std::fs::read_to_string(out.path().join("a/stats.json")).unwrap();
    assert!(
        json.starts_with("{\"packages\":[[\"2026-11-01\",4]],"),
        "{json}"
    );
    // No package yet: no chart, a note instead.
    let empty = tempfile::tempdir().unwrap();
    git_ok(empty.path(), &["init", "-q", "-b", "main"]);
    write(empty.path(), "config.toml", "distribution = \"Empty\"\n");
    commit_at(empty.path(), "alice", "2026-11-01T00:00:00Z", "start");
    render(empty.path(), &out.path().join("b"), &[]);
    let html = std::fs::read_to_string(out.path().join("b/stats.html")).unwrap();
    assert!(
        html.contains("Not enough history yet") && !html.contains("<svg"),
        "{html}"
    );
    let json = std::fs::read_to_string(out.path().join("b/stats.json")).unwrap();
    assert!(
        json.starts_with("{\"packages\":[],\"unmaintained\":[],\"monthly\":[]"),
        "{json}"
    );
}

#[test]
fn a_site_that_tracks_no_bugs_shows_no_tracker() {
    let repo = support::repo_from(&support::fixtures().join("hook"));
    let d = repo.path();
    let tmp = tempfile::tempdir().unwrap();
    // With suites.toml and a track: the tracker is there.
    let with = tmp.path().join("with");
    render(d, &with, &[]);
    let (with, _) = published(&with);
    assert!(with.join("tracker/index.html").exists());
    let index = std::fs::read_to_string(with.join("index.html")).unwrap();
    assert!(index.contains("tracker/index.html"), "{index}");
    // One track: a count that agrees with it; the front page names the distribution once.
    assert!(index.contains(">1 tracked bug</a>"), "{index}");
    let tracker = std::fs::read_to_string(with.join("tracker/index.html")).unwrap();
    assert!(tracker.contains("<p>1 active track. "), "{tracker}");
    let title = |html: &str| {
        html.split("<title>")
            .nth(1)
            .unwrap()
            .split("</title>")
            .next()
            .unwrap()
            .to_owned()
    };
    let dist = "Test";
    assert_eq!(title(&index), format!("{dist} maintainers"));
    let packages = std::fs::read_to_string(with.join("packages.html")).unwrap();
    assert_eq!(title(&packages), format!("Packages · {dist} maintainers"));
    // Mageia's kind of site: no suites.toml, no tracks.
    std::fs::remove_file(d.join("maintainers/suites.toml")).unwrap();
    std::fs::remove_dir_all(d.join("maintainers/tracks")).unwrap();
    support::git_ok(d, &["add", "-A"]);
    support::git_ok(d, &["commit", "-q", "-m", "no tracking here"]);
    let without = tmp.path().join("without");
    render(d, &without, &[]);
    let (without, _) = published(&without);
    assert!(!without.join("tracker").exists());
    assert!(!without.join("tracker.json").exists());
    assert!(!without.join("process").exists());
    for page in [
        "index.html",
        "packages.html",
        "people/bob.html",
        "stats.html",
    ] {
        let html = std::fs::read_to_string(without.join(page)).unwrap();
        assert!(!html.contains("tracker/"), "{page} links the tracker");
        assert!(!html.contains("tracked bug"), "{page} counts tracked bugs");
    }
}

#[test]
fn a_reader_of_the_reused_generation_keeps_reading_its_old_bytes() {
    use std::io::Read as _;
    let repo = scripted();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    render(repo.path(), &site, &[]);
    // A reader resolves the published tree and opens two pages it changes below.
    let mut open: Vec<(std::fs::File, Vec<u8>)> = ["packages.txt", "packages/zlib.html"]
        .iter()
        .map(|p| {
            let path = std::fs::canonicalize(site.join(p)).unwrap();
            (
                std::fs::File::open(&path).unwrap(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    for (who, hour) in [("dave", 9), ("carol", 10)] {
        write(
            repo.path(),
            "packages/z/zlib.toml",
            &format!("maintainers = [\"{who}\"]\n"),
        );
        commit_at(
            repo.path(),
            who,
            &format!("2026-11-14T{hour:02}:00:00Z"),
            "zlib changes hands",
        );
        render(repo.path(), &site, &[]);
    }
    // The second render brought the reader's generation up to date: the reader still reads
    // the bytes it opened, whole, while the published tree has the new ones.
    assert!(
        tree(&site)["packages.txt"]
            .windows(5)
            .any(|w| w == b"carol")
    );
    for (f, bytes) in &mut open {
        let mut now = Vec::new();
        f.read_to_end(&mut now).unwrap();
        assert_eq!(now, *bytes);
    }
}

/// A render keeps the keys of the packages nothing touched since the commit of the generation
/// it builds on, without keying them again; whatever can change a package's page without a
/// change of its file makes it keyed again. After each render the published tree is what a
/// full render of the same commit makes.
#[test]
fn packages_are_keyed_again_whenever_their_pages_may_have_changed() {
    let repo = scripted();
    let d = repo.path();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let mut n = 0;
    let mut step = |rev: &str, what: &str| {
        n += 1;
        render(d, &site, &["--rev", rev]);
        let full = out.path().join(format!("full{n}"));
        render(d, &full, &["--full", "--rev", rev]);
        let (published, whole) = (tree(&site), tree(&full));
        let differ: std::collections::BTreeSet<&String> = whole
            .keys()
            .chain(published.keys())
            .filter(|p| published.get(*p) != whole.get(*p))
            .collect();
        assert!(
            differ.is_empty(),
            "{what}: {differ:?} differ from a full render"
        );
    };
    step("HEAD", "the first render");
    write(
        d,
        "packages/z/zlib.toml",
        "maintainers = [\"dave\", \"%perl\"]\n",
    );
    commit_at(d, "dave", "2026-11-15T07:00:00Z", "dave joins zlib");
    step("HEAD", "dave joins zlib");
    // The same two the other way round: no event, but another line.
    write(
        d,
        "packages/z/zlib.toml",
        "maintainers = [\"%perl\", \"dave\"]\n",
    );
    commit_at(d, "dave", "2026-11-15T08:00:00Z", "%perl first");
    step("HEAD", "zlib's maintainers reordered");
    // Taken and given back: the file is what it was in the generation brought up to date,
    // the stints are not.
    write(d, "packages/u/unloved.toml", "maintainers = [\"carol\"]\n");
    commit_at(d, "carol", "2026-11-16T08:00:00Z", "carol takes unloved");
    step("HEAD", "carol takes unloved");
    write(d, "packages/u/unloved.toml", "maintainers = []\n");
    commit_at(d, "carol", "2026-11-17T08:00:00Z", "carol drops unloved");
    step("HEAD", "carol gives unloved back");
    // The distribution's name is on every page.
    let config = d.join("maintainers/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("\"Test\"", "\"Renamed\"")).unwrap();
    commit_at(
        d,
        "alice",
        "2026-11-18T08:00:00Z",
        "rename the distribution",
    );
    step("HEAD", "the distribution renamed");
    // A commit the generations' are not before: no package keeps its key.
    step("HEAD~3", "an older commit");
    step("HEAD", "the newest again");
    // Bug links and tracks are on a package's page too, set outside its file. Each comes
    // after an ordinary commit, so that the generation brought up to date differs from it
    // in that alone.
    let ordinary = |who: &str, when: &str| {
        write(
            d,
            "packages/o/orphan.toml",
            &format!("maintainers = [\"{who}\"]\n"),
        );
        commit_at(d, who, when, &format!("{who} takes orphan"));
    };
    ordinary("carol", "2026-11-18T09:00:00Z");
    step("HEAD", "carol takes orphan");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("bug_url = \"https://bugs.example.org/{{package}}\"\n{text}"),
    )
    .unwrap();
    commit_at(d, "alice", "2026-11-19T08:00:00Z", "link the bug tracker");
    step("HEAD", "bug links set");
    ordinary("dave", "2026-11-19T09:00:00Z");
    step("HEAD", "dave takes orphan");
    let track = d.join("maintainers/tracks/2.toml");
    let first = std::fs::read_to_string(d.join("maintainers/tracks/1.toml")).unwrap();
    std::fs::write(&track, first.replace("\"orphan\"", "\"perl-Foo\"")).unwrap();
    commit_at(
        d,
        "alice",
        "2026-11-20T08:00:00Z",
        "track a bug of perl-Foo",
    );
    step("HEAD", "perl-Foo tracked");
}
