//! The track record (docs/records.md): one bug to get fixed in stable or oldstable. The same
//! types are read by the validator (with spans) and written back by the tracker commands.

use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::value::Datetime;

/// The states a suite's progress can be in, in order.
pub const TRACK_STATES: &[&str] = &[
    "new",
    "fixed-unstable",
    "notified",
    "requested",
    "uploaded",
    "accepted",
    "released",
    "ignored",
];

/// The suites a track can follow: the two a point release serves.
/// Where track records live: active ones at `<bug>.toml`, archived ones under
/// `archive/<point release>/`.
pub const TRACKS_DIR: &str = "maintainers/tracks";

pub const TRACK_SUITES: &[&str] = &["stable", "oldstable"];

fn is_false(b: &bool) -> bool {
    !b
}

/// `tracks/<bug>.toml`, with one progress table per followed suite.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrack {
    pub package: Spanned<String>,
    pub suites: Vec<Spanned<String>>,
    /// The CVEs the bug is about, from the security tracker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cves: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bts: Option<BtsInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable: Option<SuiteProgress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldstable: Option<SuiteProgress>,
    /// When the BTS's control address was asked to unarchive the bug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unarchive_requested: Option<Datetime>,
    /// Mails about to be sent: each is recorded (and pushed) before it goes out, and removed
    /// once its fate is known. One still here when a run starts may or may not have gone out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<Intent>,
}

/// `tracks/dismissed/<bug>.toml`: a candidate looked at and not tracked, so that `track
/// candidates` does not offer it again.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDismissed {
    pub package: String,
    /// Why it is not tracked, for whoever looks again.
    pub reason: Spanned<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cves: Vec<String>,
}

/// A mail the tracker set out to send.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// `notify`, `prod` or `unarchive`.
    pub step: String,
    /// The suites it is about, one mail for all of them (none for `unarchive`, which is
    /// about the bug).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<String>,
    pub msgid: String,
    pub since: Datetime,
}

impl Intent {
    /// Whether the mail is about `suite`.
    pub fn about(&self, suite: &str) -> bool {
        self.suites.iter().any(|s| s == suite)
    }
}

impl RawTrack {
    /// Progress tables present, with their suite name.
    pub fn progress(&self) -> impl Iterator<Item = (&'static str, &SuiteProgress)> {
        [("stable", &self.stable), ("oldstable", &self.oldstable)]
            .into_iter()
            .filter_map(|(n, p)| p.as_ref().map(|p| (n, p)))
    }

    /// The progress table of `suite`, if it is one a track can follow.
    pub fn progress_mut(&mut self, suite: &str) -> Option<&mut Option<SuiteProgress>> {
        match suite {
            "stable" => Some(&mut self.stable),
            "oldstable" => Some(&mut self.oldstable),
            _ => None,
        }
    }
}

/// What the bug tracker says of the bug; written by `track sync`, never by hand.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BtsInfo {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Who closed it, `Name <address>`; empty while open.
    #[serde(default)]
    pub done: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found_versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mergedwith: Vec<u64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
    /// The report's Message-ID, for threading mail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub msgid: String,
}

/// Progress of one bug in one suite.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteProgress {
    pub state: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified: Option<Datetime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_msgid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prods: Vec<Datetime>,
    /// The release team's pu/opu request bug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pu_bug: Option<Spanned<i64>>,
    /// The fixed version for this suite, once uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Spanned<String>>,
    /// The point release that shipped it, `X.Y`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_in: Option<Spanned<String>>,
    /// Why, when the state is `ignored`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The newest version of the package in the suite or its proposed-updates, as the last
    /// sync saw it (written by `track sync`): the next stable update's number follows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<Spanned<String>>,
    /// When a sync first saw the release team's request tagged `moreinfo` (written by `track
    /// sync`, removed when the tag goes): the request waits for the maintainers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moreinfo_since: Option<Datetime>,
}

impl SuiteProgress {
    /// A fresh progress table in `state`.
    pub fn new(state: &str) -> SuiteProgress {
        SuiteProgress {
            state: spanless(state.to_owned()),
            notified: None,
            notify_msgid: None,
            prods: Vec::new(),
            pu_bug: None,
            version: None,
            released_in: None,
            reason: None,
            newest: None,
            moreinfo_since: None,
        }
    }

    pub fn state(&self) -> &str {
        self.state.get_ref()
    }

    pub fn set_state(&mut self, state: &str) {
        self.state = spanless(state.to_owned());
    }

    pub fn version(&self) -> Option<&str> {
        self.version.as_ref().map(|v| v.get_ref().as_str())
    }

    /// The suffix the next stable update of the package in a suite of release `major` carries:
    /// one past the newest the suite holds (`+deb12u8` → `+deb12u9`), else `+deb12u1`.
    pub fn next_update(&self, major: &str) -> String {
        let newest = self.newest.as_ref().map_or("", |v| v.get_ref().as_str());
        format!("+deb{major}u{}", stable_update_number(newest, major) + 1)
    }
}

/// N of the `+debMAJORuN` (or `~debMAJORuN`) a version carries; 0 for none.
pub fn stable_update_number(version: &str, major: &str) -> u32 {
    ["+deb", "~deb"]
        .iter()
        .filter_map(|p| {
            let rest =
                &version[version.find(&format!("{p}{major}u"))? + p.len() + major.len() + 1..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// A value made by the program rather than read from a file.
pub fn spanless<T>(value: T) -> Spanned<T> {
    Spanned::new(0..0, value)
}

/// Whether `s` is a point release number, `X.Y` (`12.9`, `11.11`).
pub fn is_point_release(s: &str) -> bool {
    s.split_once('.').is_some_and(|(a, b)| {
        [a, b]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// A point release as numbers, for comparing: `12.10` comes after `12.9`.
pub fn point_release_key(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('.')?;
    is_point_release(s).then_some(())?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The point release after `s`: `12.8` → `12.9`, `11.11` → `11.12`.
pub fn next_point_release(s: &str) -> Option<String> {
    let (major, minor) = s.split_once('.')?;
    let minor: u32 = minor.parse().ok()?;
    is_point_release(s).then(|| format!("{major}.{}", minor + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_stable_update_follows_the_newest() {
        let mut p = SuiteProgress::new("fixed-unstable");
        assert_eq!(p.next_update("12"), "+deb12u1", "nothing seen yet");
        for (newest, next) in [
            ("4.0.17-0+deb12u8", "+deb12u9"),
            ("1.2-1", "+deb12u1"),
            ("1.2-1~deb12u3", "+deb12u4"),
            ("1.2-1+deb11u5", "+deb12u1"), // another release's update
            ("1.2-1+deb12u10~bpo", "+deb12u11"),
        ] {
            p.newest = Some(spanless(newest.to_owned()));
            assert_eq!(p.next_update("12"), next, "{newest}");
        }
    }

    #[test]
    fn point_releases() {
        assert!(is_point_release("12.9") && is_point_release("11.11"));
        assert!(!is_point_release("12") && !is_point_release("stable-12.7"));
        assert!(!is_point_release("12.") && !is_point_release("a.b"));
        assert_eq!(next_point_release("12.8").as_deref(), Some("12.9"));
        assert_eq!(next_point_release("11.11").as_deref(), Some("11.12"));
    }

    #[test]
    fn written_and_read_back() {
        let mut t = RawTrack {
            package: spanless("zlib".into()),
            suites: vec![spanless("stable".into())],
            cves: vec!["CVE-2026-0001".into()],
            bts: Some(BtsInfo {
                subject: "zlib: CVE".into(),
                done: "Jane <jane@example.org>".into(),
                ..BtsInfo::default()
            }),
            stable: Some(SuiteProgress::new("requested")),
            oldstable: None,
            unarchive_requested: None,
            outbox: Vec::new(),
        };
        t.stable.as_mut().unwrap().pu_bug = Some(spanless(1070001));
        let text = toml::to_string(&t).unwrap();
        assert!(text.starts_with("package = \"zlib\"\n"), "{text}");
        let back: RawTrack = toml::from_str(&text).unwrap();
        assert_eq!(back.stable.unwrap().pu_bug.unwrap().into_inner(), 1070001);
        assert_eq!(back.bts, t.bts);
    }
}
