//! The record formats of docs/records.md as parsed from TOML: raw values with their spans, before
//! names are checked against the rules and before any cross-file fact is known.

mod edit;
mod emit;
mod track;

pub use edit::Editor;

pub use emit::{
    group as group_toml, package as package_toml, person as person_toml, quote as toml_string,
};

use serde::Deserialize;
use toml::Spanned;

pub use track::{
    BtsInfo, Intent, RawDismissed, RawTrack, SuiteProgress, TRACK_STATES, TRACK_SUITES, TRACKS_DIR,
    is_point_release, next_point_release, point_release_key, spanless,
};

/// `packages/<c>/<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPackage {
    pub maintainers: Vec<Spanned<String>>,
}

/// `people/<login>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    pub name: Spanned<String>,
    pub email: Spanned<String>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    #[serde(default)]
    pub inactive: bool,
}

/// `groups/<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub email: Option<Spanned<String>>,
    /// Other addresses of the same list (import, author matching).
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    pub members: Vec<Spanned<String>>,
}

/// `config.toml`: distribution-wide settings. Every field is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Distribution name shown on pages.
    #[serde(default)]
    pub distribution: Option<String>,
    /// Where the rendered lists are published.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Bug tracker link for a package; `{package}` is replaced by the name.
    #[serde(default)]
    pub bug_url: Option<Spanned<String>>,
    /// The Debian BTS SOAP endpoint, for tracking.
    #[serde(default)]
    pub bts_url: Option<String>,
    /// A Debian mirror holding `dists/`, for tracking.
    #[serde(default)]
    pub mirror_url: Option<String>,
    /// The archive's master, serving `new.822`, for tracking.
    #[serde(default)]
    pub ftp_master_url: Option<String>,
    /// The security tracker's JSON (a URL or a file), for `track candidates`.
    #[serde(default)]
    pub security_tracker_url: Option<String>,
    #[serde(default)]
    pub names: RawNameRules,
    /// Identity used for the build system's commits.
    #[serde(default)]
    pub buildsystem: Option<RawIdentity>,
    /// How the tracker mails the BTS and maintainers.
    #[serde(default)]
    pub mail: Option<RawMail>,
    /// How people who are not registered yet are added.
    #[serde(default)]
    pub people: Option<RawPeople>,
}

/// `[people]` of `config.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeople {
    /// When set, registering a package for a login with no `people/` record adds the record
    /// (`name` = the login, `email` = `LOGIN@email_domain`) in the same commit.
    pub email_domain: Spanned<String>,
}

impl RawPeople {
    /// The address a login registered this way gets.
    pub fn address(&self, login: &str) -> String {
        format!("{login}@{}", self.email_domain.get_ref())
    }
}

/// `[mail]` of `config.toml`. SMTP credentials never live here: they come from the
/// environment (`MAINTDB_SMTP_USER`, `MAINTDB_SMTP_PASSWORD`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    /// `Name <address>` the tracker's mails come from.
    pub from: String,
    /// Notifications go to `<bug>@bts_domain`.
    #[serde(default = "default_bts_domain")]
    pub bts_domain: String,
    /// Where `unarchive` requests go.
    #[serde(default = "default_control")]
    pub control: String,
    /// At most this many mails to the BTS in any rolling hour.
    #[serde(default = "default_max_per_hour")]
    pub max_per_hour: u32,
    /// `smtp://host:port` or `smtps://host:port`.
    #[serde(default = "default_smtp")]
    pub smtp: String,
    /// A prod within this many days of the last mail needs `--force`.
    #[serde(default = "default_prod_interval")]
    pub prod_interval_days: u32,
    /// Copy the package's maintainers on each mail. Unset: off for Debian's BTS, which
    /// forwards `BUG@bugs.debian.org` to the maintainer itself (a Cc sends a second copy), on
    /// for any other tracker.
    #[serde(default)]
    pub cc_maintainers: Option<bool>,
}

impl RawMail {
    /// Whether the mails copy the maintainers (see [`RawMail::cc_maintainers`]).
    pub fn copies_maintainers(&self) -> bool {
        self.cc_maintainers
            .unwrap_or(self.bts_domain != default_bts_domain())
    }
}

fn default_bts_domain() -> String {
    "bugs.debian.org".into()
}
fn default_control() -> String {
    "control@bugs.debian.org".into()
}
fn default_max_per_hour() -> u32 {
    10
}
fn default_smtp() -> String {
    "smtp://localhost:25".into()
}
fn default_prod_interval() -> u32 {
    14
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNameRules {
    pub package: Option<Spanned<String>>,
    pub package_max_len: Option<usize>,
    pub login: Option<Spanned<String>>,
    pub group: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    pub name: String,
    pub email: String,
}

fn default_branches() -> Vec<String> {
    vec!["main".to_owned()]
}

/// `policy.toml`: who holds which role, and which branches accept pushes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    #[serde(default)]
    pub admins: Vec<String>,
    #[serde(default)]
    pub buildsystem: Vec<String>,
    #[serde(default)]
    pub trackers: Vec<String>,
    #[serde(default = "default_branches")]
    pub branches: Vec<String>,
}

impl Default for RawPolicy {
    fn default() -> Self {
        RawPolicy {
            admins: Vec::new(),
            buildsystem: Vec::new(),
            trackers: Vec::new(),
            branches: default_branches(),
        }
    }
}

/// One suite of `suites.toml`, e.g. `[stable] codename = "bookworm"  version = "12.5"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSuite {
    pub codename: String,
    pub version: String,
}

/// `suites.toml`: suite name to its codename and current point release.
pub type RawSuites = std::collections::BTreeMap<String, RawSuite>;

/// Whether a link may reach a page: `http`, `https` and `mailto` URLs, and relative links.
/// Anything else (`javascript:`, `data:`, `vbscript:`) would run or smuggle content on a click.
/// Browsers ignore tabs and line breaks inside a URL and leading blanks and controls before it,
/// so the scheme is read the way they read it.
pub fn safe_link(url: &str) -> bool {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = cleaned.find([':', '/', '?', '#']).unwrap_or(cleaned.len());
    if !cleaned[end..].starts_with(':') {
        return true;
    }
    let scheme = cleaned[..end].to_ascii_lowercase();
    ["http", "https", "mailto"].contains(&scheme.as_str())
}

#[cfg(test)]
mod link_tests {
    use super::safe_link;

    #[test]
    fn only_web_and_mail_schemes_and_relative_links() {
        for ok in [
            "https://bugs.example.org/{package}",
            "HTTP://x",
            "mailto:a@b",
            "relative/page.html",
            "/abs",
            "#frag",
            "?q=a:b",
        ] {
            assert!(safe_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " \u{1}javascript:x",
            "java\tscript:x",
            "jav\nascript:x",
            "data:text/html,x",
            "vbscript:x",
        ] {
            assert!(!safe_link(bad), "{bad:?}");
        }
    }
}
