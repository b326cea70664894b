//! Pushes whose history is shaped to hide what they do: merges that roll the branch back, a
//! fast-forward through commits another ref holds, octopus merges, and histories whose dates
//! are all equal or run backwards. Each goes through a real `git push` into a bare repository
//! with the hook; what a push may do is judged on what it does to the data.

use crate::support::{Clone, Server, git, git_ok};

/// Asserts a refused push with the refs unchanged and every `needle` on a `remote:` line.
fn refused(s: &Server, c: &Clone, pusher: &str, commit: &str, needles: &[&str]) {
    let before = s.refs();
    let (ok, err) = c.push_as(Some(pusher), &[&format!("{commit}:refs/heads/main")]);
    assert!(!ok, "push should be refused:\n{err}");
    assert_eq!(s.refs(), before, "refs unchanged");
    for n in needles {
        assert!(
            err.lines()
                .any(|l| l.starts_with("remote:") && l.contains(n)),
            "`{n}` on a remote: line in:\n{err}"
        );
    }
}

fn accepted(s: &Server, c: &Clone, pusher: &str, commit: &str) {
    let before = s.refs();
    let (ok, err) = c.push_as(Some(pusher), &[&format!("{commit}:refs/heads/main")]);
    assert!(ok, "push by {pusher} should be accepted:\n{err}");
    assert_ne!(s.refs(), before);
}

fn rev(c: &Clone, what: &str) -> String {
    git_ok(&c.dir, &["rev-parse", what]).trim().to_owned()
}

/// A commit with the tree of `tree_of` and `parents`, made with plumbing as an attacker would.
fn commit_tree(c: &Clone, tree_of: &str, parents: &[&str], msg: &str) -> String {
    let tree = rev(c, &format!("{tree_of}^{{tree}}"));
    let mut args = vec!["commit-tree", tree.as_str()];
    for p in parents {
        args.extend(["-p", p]);
    }
    args.extend(["-m", msg]);
    git_ok(&c.dir, &args).trim().to_owned()
}

const POLICY: &str =
    "branches = [\"main\"]\nbuildsystem = [\"buildsystem\"]\ntrackers = [\"dave\"]\n";

/// The fixture, then: bob made an admin (`OLD`), bob demoted again, carol takes orphan. Returns
/// the server, a clone of it, and `OLD`.
fn demoted_bob() -> (Server, Clone, String) {
    let s = Server::new("hook");
    let a = s.clone("alice");
    a.write(
        "policy.toml",
        &format!("admins = [\"alice\", \"bob\"]\n{POLICY}"),
    )
    .commit("bob becomes an admin");
    let old = rev(&a, "HEAD");
    a.write("policy.toml", &format!("admins = [\"alice\"]\n{POLICY}"))
        .commit("bob is no longer an admin");
    assert!(a.push("alice").0);
    let c = s.clone("carol");
    c.write("packages/o/orphan.toml", "maintainers = [\"carol\"]\n")
        .commit("carol takes orphan");
    assert!(c.push("carol").0);
    let b = s.clone("bob");
    (s, b, old)
}

#[test]
fn a_merge_that_rolls_the_branch_back() {
    let (s, b, old) = demoted_bob();
    let tip = rev(&b, "origin/main");
    let m = commit_tree(&b, &old, &[&old, &tip], "Merge branch 'main'");
    refused(
        &s,
        &b,
        "bob",
        &m,
        &[
            "merge-not-admin",
            "admin-only",
            "maintainers/policy.toml",
            "not-a-maintainer",
            "the update as a whole",
        ],
    );
}

#[test]
fn a_merge_through_a_side_branch_an_admin_tagged() {
    let s = Server::new("hook");
    let a = s.clone("alice");
    let main = rev(&a, "HEAD");
    // An admin's experiment, kept under a tag and never on main.
    a.write(
        "policy.toml",
        &format!("admins = [\"alice\", \"bob\"]\n{POLICY}"),
    )
    .commit("try: bob as an admin");
    git_ok(&a.dir, &["tag", "staging"]);
    assert!(a.push_as(Some("alice"), &["refs/tags/staging"]).0);
    let b = s.clone("bob");
    git_ok(&b.dir, &["fetch", "-q", "--tags"]);
    let side = rev(&b, "staging^{commit}");
    // First parent the side branch, second the old tip: no new commit changes anything.
    let m = commit_tree(
        &b,
        "staging",
        &[&side, &main],
        "Merge branch 'main' into staging",
    );
    refused(&s, &b, "bob", &m, &["merge-not-admin", "admin-only"]);
    // The same without a merge: a take on top of the tagged commit fast-forwards main through
    // a commit bob could not have pushed.
    git_ok(&b.dir, &["checkout", "-q", "staging"]);
    b.write("packages/o/orphan.toml", "maintainers = [\"bob\"]\n")
        .commit("bob takes orphan");
    let head = rev(&b, "HEAD");
    refused(
        &s,
        &b,
        "bob",
        &head,
        &[
            "admin-only",
            "maintainers/policy.toml",
            "the update as a whole",
        ],
    );
}

#[test]
fn an_octopus_merge() {
    let (s, b, old) = demoted_bob();
    let tip = rev(&b, "origin/main");
    let first = rev(&b, "origin/main~3");
    let m = commit_tree(&b, &old, &[&first, &old, &tip], "octopus");
    refused(&s, &b, "bob", &m, &["merge-not-admin", "admin-only"]);
}

#[test]
fn a_merge_that_re_adds_a_removed_package() {
    let s = Server::new("hook");
    let a = s.clone("alice");
    let before = rev(&a, "HEAD");
    a.remove("packages/p/perl-Bar.toml")
        .commit("remove perl-Bar");
    assert!(a.push("alice").0);
    let b = s.clone("bob");
    let tip = rev(&b, "origin/main");
    let m = commit_tree(&b, &before, &[&before, &tip], "Merge");
    refused(&s, &b, "bob", &m, &["merge-not-admin", "new-package"]);
}

#[test]
fn an_admin_may_still_push_a_merge() {
    let s = Server::new("hook");
    let a = s.clone("alice");
    let base = rev(&a, "HEAD");
    a.write("packages/o/orphan.toml", "maintainers = [\"alice\"]\n")
        .commit("alice takes orphan");
    let one = rev(&a, "HEAD");
    git_ok(&a.dir, &["reset", "-q", "--hard", &base]);
    a.write("packages/o/orphan2.toml", "maintainers = [\"alice\"]\n")
        .commit("alice takes orphan2");
    git_ok(&a.dir, &["merge", "-q", "--no-ff", "-m", "merge", &one]);
    let head = rev(&a, "HEAD");
    accepted(&s, &a, "alice", &head);
}

/// Runs git in `c` with both dates set to `date` and the clone's configured author.
fn dated(c: &Clone, date: &str, args: &[&str]) -> String {
    let out = git(&c.dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_AUTHOR_NAME")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Admin commits on the server (each changes what only admins may), dated by `date(i)`, with a
/// merge whose second line starts at the root commit; then, if asked, git's commit-graph.
fn skewed_history(date: &dyn Fn(usize) -> String, commit_graph: bool) -> (Server, Clone) {
    let s = Server::new("hook");
    let a = s.clone("alice");
    let root = rev(&a, "HEAD");
    let mut n = 0;
    let step = |file: &str, text: String, n: &mut usize| {
        *n += 1;
        a.write(file, &text);
        dated(
            &a,
            &date(*n),
            &["commit", "-q", "-a", "-m", &format!("admin edit {n}")],
        );
    };
    for _ in 0..6 {
        step(
            "people/carol.toml",
            format!("name = \"Carol {n}\"\nemail = \"carol@example.org\"\n"),
            &mut n,
        );
    }
    let main = rev(&a, "HEAD");
    git_ok(&a.dir, &["checkout", "-q", "-b", "side", &root]);
    for _ in 0..4 {
        step(
            "groups/perl.toml",
            format!("description = \"Perl {n}\"\nmembers = [\"bob\", \"carol\"]\n"),
            &mut n,
        );
    }
    git_ok(&a.dir, &["checkout", "-q", "-B", "main", &main]);
    n += 1;
    dated(
        &a,
        &date(n),
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
    );
    for _ in 0..6 {
        step(
            "people/carol.toml",
            format!("name = \"Carol {n}\"\nemail = \"carol@example.org\"\n"),
            &mut n,
        );
    }
    assert!(a.push("alice").0);
    if commit_graph {
        git_ok(&s.bare, &["commit-graph", "write", "--reachable"]);
    }
    let b = s.clone("bob");
    (s, b)
}

/// On a history of admin commits, bob's take is judged alone (the history is not his), and his
/// admin-only change is judged however old its date.
fn only_new_commits_are_judged(date: &dyn Fn(usize) -> String, bobs: &str, commit_graph: bool) {
    let (s, b) = skewed_history(date, commit_graph);
    b.write("packages/o/orphan.toml", "maintainers = [\"bob\"]\n");
    dated(&b, bobs, &["commit", "-q", "-a", "-m", "bob takes orphan"]);
    let head = rev(&b, "HEAD");
    accepted(&s, &b, "bob", &head);
    b.write(
        "people/carol.toml",
        "name = \"Not Carol\"\nemail = \"carol@example.org\"\n",
    );
    dated(
        &b,
        "100000000 +0000",
        &["commit", "-q", "-a", "-m", "bob renames carol"],
    );
    b.write("packages/o/orphan2.toml", "maintainers = [\"bob\"]\n");
    dated(&b, bobs, &["commit", "-q", "-a", "-m", "bob takes orphan2"]);
    let head = rev(&b, "HEAD");
    refused(
        &s,
        &b,
        "bob",
        &head,
        &["not-your-file", "maintainers/people/carol.toml"],
    );
}

#[test]
fn histories_with_one_timestamp() {
    let same = |_: usize| "1700000000 +0000".to_owned();
    only_new_commits_are_judged(&same, "1700000000 +0000", false);
    only_new_commits_are_judged(&same, "1700000000 +0000", true);
}

#[test]
fn histories_whose_dates_run_backwards() {
    let back = |i: usize| format!("{} +0000", 1_700_000_000 - 86_400 * i);
    only_new_commits_are_judged(&back, "1000000000 +0000", false);
    only_new_commits_are_judged(&back, "1000000000 +0000", true);
    // Forwards from a date older than the base, so the newest existing commit is the oldest.
    let fwd = |i: usize| format!("{} +0000", 1_000_000_000 + 86_400 * i);
    only_new_commits_are_judged(&fwd, "900000000 +0000", false);
}
