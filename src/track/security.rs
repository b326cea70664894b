//! The security tracker's JSON (`tracker/data/json`): source → CVE → bug and per-release
//! status. It is about 60 MB, so it is read as a stream: one CVE at a time is deserialized,
//! judged and dropped, and only candidates are kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

/// One CVE of one source package, as far as a point release is concerned.
#[derive(Debug, Deserialize)]
struct Cve {
    #[serde(default)]
    debianbug: Option<u64>,
    #[serde(default)]
    releases: HashMap<String, Release>,
}

#[derive(Debug, Deserialize)]
struct Release {
    #[serde(default)]
    status: String,
    #[serde(default)]
    nodsa: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// A bug that a point release should fix, and is not tracked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub bug: u64,
    pub package: String,
    /// Suite names (`stable`, `oldstable`), in the order given.
    pub suites: Vec<String>,
    pub cves: BTreeSet<String>,
}

/// What makes a candidate: suites by name and codename, and the bugs already tracked.
pub struct Criteria<'a> {
    pub suites: &'a [(String, String)],
    pub tracked: &'a BTreeSet<u64>,
}

impl Criteria<'_> {
    /// The suites in which `cve` waits for a point release: open there, no DSA planned (a
    /// `nodsa` whose reason is empty or `postponed`; `ignored` means never fixed), and
    /// resolved in sid.
    fn suites_for(&self, cve: &Cve) -> Vec<String> {
        let resolved_in_sid = cve
            .releases
            .get("sid")
            .is_some_and(|r| r.status == "resolved");
        if !resolved_in_sid {
            return Vec::new();
        }
        self.suites
            .iter()
            .filter(|(_, codename)| {
                cve.releases.get(codename).is_some_and(|r| {
                    r.status == "open"
                        && r.nodsa.is_some()
                        && matches!(r.nodsa_reason.as_deref(), None | Some("" | "postponed"))
                })
            })
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// Reads the tracker's JSON and returns the candidates, by bug.
pub fn candidates(json: &[u8], criteria: &Criteria) -> Result<Vec<Candidate>, serde_json::Error> {
    let mut found: BTreeMap<u64, Candidate> = BTreeMap::new();
    let mut de = serde_json::Deserializer::from_slice(json);
    Top {
        criteria,
        found: &mut found,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(found.into_values().collect())
}

struct Top<'a, 'c> {
    criteria: &'a Criteria<'c>,
    found: &'a mut BTreeMap<u64, Candidate>,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of source packages")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(source) = map.next_key::<String>()? {
            map.next_value_seed(OneSource {
                source: &source,
                criteria: self.criteria,
                found: self.found,
            })?;
        }
        Ok(())
    }
}

struct OneSource<'a, 'c> {
    source: &'a str,
    criteria: &'a Criteria<'c>,
    found: &'a mut BTreeMap<u64, Candidate>,
}

impl<'de> DeserializeSeed<'de> for OneSource<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneSource<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of CVEs")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(id) = map.next_key::<String>()? {
            if !id.starts_with("CVE-") {
                // Temporary ids (TEMP-…) have no CVE to name.
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let cve: Cve = map.next_value()?;
            let Some(bug) = cve.debianbug.filter(|b| !self.criteria.tracked.contains(b)) else {
                continue;
            };
            let suites = self.criteria.suites_for(&cve);
            if suites.is_empty() {
                continue;
            }
            let c = self.found.entry(bug).or_insert_with(|| Candidate {
                bug,
                package: self.source.to_owned(),
                suites: Vec::new(),
                cves: BTreeSet::new(),
            });
            c.cves.insert(id);
            for s in suites {
                if !c.suites.contains(&s) {
                    c.suites.push(s);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
 "zlib": {
  "CVE-2026-0001": {"description": "x", "debianbug": 1060001, "scope": "local",
   "releases": {
    "bookworm": {"status": "open", "repositories": {"bookworm": "1:1.2.13.dfsg-1"}, "urgency": "low**", "nodsa": "Minor issue", "nodsa_reason": ""},
    "bullseye": {"status": "open", "repositories": {}, "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
    "sid": {"status": "resolved", "repositories": {}, "urgency": "low", "fixed_version": "1:1.3-1"}}},
  "CVE-2026-0002": {"debianbug": 1060001, "releases": {
    "bookworm": {"status": "open", "nodsa": "Minor issue"},
    "sid": {"status": "resolved", "fixed_version": "1:1.3-1"}}},
  "TEMP-0000001-ABCDEF": {"releases": {}}
 },
 "curl": {
  "CVE-2026-0003": {"debianbug": 1060003, "releases": {
    "bookworm": {"status": "open", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
    "sid": {"status": "resolved", "fixed_version": "8.0-1"}}},
  "CVE-2026-0004": {"releases": {
    "bookworm": {"status": "open", "nodsa": "Minor issue"},
    "sid": {"status": "resolved", "fixed_version": "8.0-1"}}},
  "CVE-2026-0005": {"debianbug": 1060005, "releases": {
    "bookworm": {"status": "open", "urgency": "medium"},
    "sid": {"status": "resolved", "fixed_version": "8.0-1"}}},
  "CVE-2026-0006": {"debianbug": 1060006, "releases": {
    "bookworm": {"status": "open", "nodsa": "Minor issue"},
    "sid": {"status": "open"}}},
  "CVE-2026-0007": {"debianbug": 1060007, "releases": {
    "bookworm": {"status": "resolved", "fixed_version": "0"},
    "sid": {"status": "resolved", "fixed_version": "0"}}},
  "CVE-2026-0008": {"debianbug": 1060008, "releases": {
    "bookworm": {"status": "open", "nodsa": "Minor issue"},
    "sid": {"status": "resolved", "fixed_version": "8.0-1"}}}
 }
}"#;

    fn run(tracked: &[u64]) -> Vec<Candidate> {
        let suites = vec![
            ("stable".to_owned(), "bookworm".to_owned()),
            ("oldstable".to_owned(), "bullseye".to_owned()),
        ];
        let tracked = tracked.iter().copied().collect();
        candidates(
            JSON.as_bytes(),
            &Criteria {
                suites: &suites,
                tracked: &tracked,
            },
        )
        .unwrap()
    }

    #[test]
    fn only_minor_issues_fixed_in_sid_with_a_bug() {
        let c = run(&[]);
        let bugs: Vec<u64> = c.iter().map(|c| c.bug).collect();
        // 0003 is ignored, 0004 has no bug, 0005 has a DSA coming, 0006 is open in sid,
        // 0007 never affected stable.
        assert_eq!(bugs, [1060001, 1060008]);
        assert_eq!(c[0].package, "zlib");
        assert_eq!(c[0].suites, ["stable", "oldstable"]);
        assert_eq!(
            c[0].cves.iter().collect::<Vec<_>>(),
            ["CVE-2026-0001", "CVE-2026-0002"]
        );
        assert_eq!(run(&[1060001]).len(), 1, "tracked bugs are not candidates");
    }

    #[test]
    fn not_json_is_an_error_with_a_position() {
        let suites = Vec::new();
        let tracked = BTreeSet::new();
        let crit = Criteria {
            suites: &suites,
            tracked: &tracked,
        };
        let e = candidates(b"<html>502</html>", &crit).unwrap_err();
        assert_eq!(e.line(), 1);
        assert!(candidates(b"{\"a\": {\"CVE-1\": {\"debianbug\": \"x\"}}}", &crit).is_err());
        assert!(candidates(b"{\"a\": {}} trailing", &crit).is_err());
    }
}
