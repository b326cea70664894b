//! The command line: exit codes, output formats, read commands, a bare repository.

use crate::support::{self, maintdb, run};

fn fixture(name: &str) -> std::path::PathBuf {
    support::fixtures().join(name)
}

#[test]
fn check_exit_codes() {
    let (code, out, _) = run(maintdb(&fixture("valid/base")).arg("check"));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings in 9 files"), "{out}");
    let (code, _, _) = run(maintdb(&fixture("invalid/unknown-maintainer--ghost")).arg("check"));
    assert_eq!(code, 1);
    // A warning alone is not a failure.
    let (code, out, _) = run(maintdb(&fixture("invalid/inactive-maintainer--dave")).arg("check"));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[inactive-maintainer]"));
    // Usage and tool failures are 2.
    let (code, _, _) = run(maintdb(&fixture("valid/base")).args(["check", "--format", "xml"]));
    assert_eq!(code, 2);
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(maintdb(empty.path()).arg("check"));
    assert_eq!(code, 2);
    assert!(err.contains("no `maintainers/` directory"), "{err}");
}

#[test]
fn json_format() {
    let (code, out, _) =
        run(maintdb(&fixture("invalid/unknown-maintainer--ghost"))
            .args(["check", "--format", "json"]));
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "unknown-maintainer");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "maintainers/packages/b/baz.toml");
    assert_eq!(d["line"], 1);
    assert_eq!(d["column"], 16);
    assert!(d["help"].as_str().unwrap().contains("people/ghost.toml"));
    assert_eq!(doc["summary"]["errors"], 1);
    assert_eq!(doc["summary"]["warnings"], 0);
    assert_eq!(doc["summary"]["files"], 10);
}

#[test]
fn github_and_rich_formats() {
    let dir = fixture("invalid/unknown-maintainer--ghost");
    let (_, out, _) = run(maintdb(&dir).args(["check", "--format", "github"]));
    assert!(
        out.starts_with(
            "::error file=maintainers/packages/b/baz.toml,line=1,col=16,title=unknown-maintainer::"
        ),
        "{out}"
    );
    let (_, out, _) = run(maintdb(&dir).args(["check", "--format", "rich"]));
    assert!(out.contains("error[unknown-maintainer]"), "{out}");
    assert!(out.contains("maintainers = [\"ghost\"]"), "{out}");
}

#[test]
fn get_and_who() {
    let dir = fixture("valid/base");
    let (code, out, _) = run(maintdb(&dir).args(["get", "perl-Foo"]));
    assert_eq!((code, out.as_str()), (0, "perl-Foo:alice,%perl\n"));
    let (code, out, _) = run(maintdb(&dir).args(["get", "unknown-pkg"]));
    assert_eq!((code, out.as_str()), (1, ""));
    let (code, out, _) = run(maintdb(&dir).arg("get"));
    assert_eq!(
        (code, out.as_str()),
        (0, "bar:nobody\nperl-Foo:alice,%perl\n")
    );
    let (_, out, _) = run(maintdb(&dir).args(["who", "alice"]));
    assert_eq!(out, "perl-Foo:alice\n");
    let (_, out, _) = run(maintdb(&dir).args(["who", "nobody"]));
    assert_eq!(out, "bar:nobody\n");
    let (_, out, _) = run(maintdb(&dir).args(["who", "%perl"]));
    assert_eq!(out, "perl-Foo:%perl\n");
    let (code, out, _) = run(maintdb(&dir).args(["who", "zed"]));
    assert_eq!((code, out.as_str()), (1, ""));
}

#[test]
fn get_uses_the_configured_name_rules() {
    let dir = fixture("valid/custom-name-rules");
    let (code, out, _) = run(maintdb(&dir).args(["get", "baz"]));
    assert_eq!((code, out.as_str()), (0, "baz:Carol\n"));
}

#[test]
fn bare_repository_with_rev() {
    let repo = support::repo_from(&fixture("invalid/unknown-maintainer--ghost"));
    let bare = tempfile::tempdir().unwrap();
    support::git_ok(
        repo.path(),
        &[
            "clone",
            "-q",
            "--bare",
            ".",
            bare.path().join("b.git").to_str().unwrap(),
        ],
    );
    let b = bare.path().join("b.git");
    let (code, out, _) =
        run(maintdb(bare.path()).args(["--repo", b.to_str().unwrap(), "check", "--rev", "main"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[unknown-maintainer]"));
    let (code, out, _) =
        run(maintdb(bare.path()).args(["--repo", b.to_str().unwrap(), "get", "baz"]));
    assert_eq!((code, out.as_str()), (0, "baz:ghost\n"));
    let (code, _, err) =
        run(maintdb(bare.path()).args(["--repo", b.to_str().unwrap(), "check", "--rev", "nope"]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot resolve revision `nope`"), "{err}");
}

#[test]
fn explain_knows_every_code_a_command_can_print() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"),
    )
    .unwrap();
    for c in maintdb::diag::UserCode::all() {
        let (code, out, err) = run(maintdb(&fixture("valid/base")).args(["explain", c.as_str()]));
        assert_eq!(code, 0, "{c}: {err}");
        assert!(out.starts_with(&format!("{c} (")), "{out}");
        assert!(
            docs.contains(&format!("| `{c}` |")),
            "{c} is not in docs/diagnostics.md"
        );
    }
    for c in [
        "not-a-maintainer",
        "not-maintained",
        "bad-request",
        "conflict",
        "merge-not-admin",
    ] {
        let (code, _, _) = run(maintdb(&fixture("valid/base")).args(["explain", c]));
        assert_eq!(code, 0, "{c}");
    }
}

#[test]
fn explain_and_docs_agree() {
    let (code, out, _) = run(maintdb(&fixture("valid/base")).args(["explain", "empty-group"]));
    assert_eq!(code, 0);
    assert!(out.contains("cause: A group has no members."));
    let (_, all, _) = run(maintdb(&fixture("valid/base")).arg("explain"));
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"),
    )
    .unwrap();
    assert_eq!(
        all, docs,
        "docs/diagnostics.md is stale: regenerate with `maintdb explain > docs/diagnostics.md`"
    );
}

#[test]
fn shipped_sample_is_clean() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = run(maintdb(root).args([
        "--repo",
        root.to_str().unwrap(),
        "check",
        "--format",
        "short",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("0 errors, 0 warnings"), "{out}");
}

#[test]
fn ci_check_script_picks_the_format() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/check.sh");
    let dir = fixture("invalid/unknown-maintainer--ghost");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg(&script)
        .current_dir(&dir)
        .env("MAINTDB", support::bin())
        .env_remove("GITHUB_ACTIONS");
    let (code, out, _) = run(&mut cmd);
    assert_eq!(code, 1);
    assert!(
        out.contains("baz.toml:1:16: error[unknown-maintainer]"),
        "{out}"
    );
    cmd.env("GITHUB_ACTIONS", "true");
    let (code, out, _) = run(&mut cmd);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("::error file=maintainers/packages/b/baz.toml"),
        "{out}"
    );
}

#[test]
fn completions_and_man_pages_come_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    for (shell, mark) in [
        ("bash", "_maintdb()"),
        ("zsh", "#compdef maintdb"),
        ("fish", "complete -c maintdb"),
    ] {
        let (code, out, err) = run(maintdb(tmp.path()).args(["completions", shell]));
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains(mark),
            "{shell}: {}",
            &out[..200.min(out.len())]
        );
        assert!(
            out.contains("max-inactive"),
            "{shell} knows person sync's options"
        );
    }
    let (code, _, err) = run(maintdb(tmp.path()).args(["completions", "tcsh"]));
    assert_eq!(code, 2, "{err}");
    let man = tmp.path().join("man");
    let (code, out, err) = run(maintdb(tmp.path()).arg("manpages").arg(&man));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("man pages in"), "{out}");
    let page = std::fs::read_to_string(man.join("maintdb-person-sync.1")).unwrap();
    let title = format!(
        ".TH maintdb-person-sync 1  \"maintdb {}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(page.contains(&title), "{page}");
    assert!(man.join("maintdb-track-release.1").exists());
    assert!(
        !man.join("maintdb-manpages.1").exists(),
        "the hidden command has no page"
    );
}
