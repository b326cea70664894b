//! The track record of docs/records.md: one bug to get fixed in stable or oldstable.

use serde::Deserialize;
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
pub const TRACK_SUITES: &[&str] = &["stable", "oldstable"];

/// `tracks/<bug>.toml`, with one progress table per followed suite.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrack {
    pub package: Spanned<String>,
    pub suites: Vec<Spanned<String>>,
    #[serde(default)]
    pub bts: Option<BtsInfo>,
    #[serde(default)]
    pub stable: Option<SuiteProgress>,
    #[serde(default)]
    pub oldstable: Option<SuiteProgress>,
}

impl RawTrack {
    /// Progress tables present, with their suite name.
    pub fn progress(&self) -> impl Iterator<Item = (&'static str, &SuiteProgress)> {
        [("stable", &self.stable), ("oldstable", &self.oldstable)]
            .into_iter()
            .filter_map(|(n, p)| p.as_ref().map(|p| (n, p)))
    }
}

/// What sync learned from the BTS; written by sync, never by hand.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BtsInfo {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub done: bool,
    #[serde(default)]
    pub fixed_versions: Vec<String>,
    #[serde(default)]
    pub archived: bool,
}

/// Progress of one bug in one suite.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteProgress {
    pub state: Spanned<String>,
    #[serde(default)]
    pub notified: Option<Datetime>,
    #[serde(default)]
    pub prods: Vec<Datetime>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub released_in: Option<String>,
}
