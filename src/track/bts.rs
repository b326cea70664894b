//! The Debian BTS over SOAP: `get_status` in batches and `get_usertag`, with retries on server
//! errors and timeouts. Only the bugs asked for are kept: the BTS may answer for others.

use std::collections::BTreeMap;
use std::time::Duration;

use super::soap::{self, Arg, Element, SoapError};

/// The Debian BTS's SOAP endpoint.
pub const DEFAULT_URL: &str = "https://bugs.debian.org/cgi-bin/soap.cgi";

/// The release team's user, whose usertags `pu` and `opu` mark stable update requests.
pub const RELEASE_TEAM: &str = "release.debian.org@packages.debian.org";

/// At most this many bugs go into one `get_status`.
pub const BATCH: usize = 500;

const USER_AGENT: &str = concat!(
    "maintdb/",
    env!("CARGO_PKG_VERSION"),
    " (point-release tracker)"
);

/// What the BTS says of one bug.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BugStatus {
    pub bug: u64,
    pub package: String,
    /// The source packages; the BTS sends a comma list for a bug filed against several. The
    /// current debbugs sends none: then they are the `src:` entries of `package`.
    pub source: Vec<String>,
    /// The binary packages of `package` when the BTS named no source: their source is asked
    /// of the BTS (`binary_to_source`).
    pub binaries: Vec<String>,
    pub subject: String,
    pub severity: String,
    pub tags: Vec<String>,
    /// `Name <address>` of who closed it; empty while open.
    pub done: String,
    pub fixed_versions: Vec<String>,
    pub found_versions: Vec<String>,
    pub mergedwith: Vec<u64>,
    pub affects: Vec<String>,
    pub archived: bool,
    pub msgid: String,
}

impl BugStatus {
    fn from_element(bug: u64, v: &Element) -> BugStatus {
        let split = |s: &str, sep: char| -> Vec<String> {
            s.split(sep)
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(ToOwned::to_owned)
                .collect()
        };
        // Since 2018 debbugs sends no `source`: `package` says `src:openssl` for a report
        // filed with `Source: openssl`, or a binary package's name.
        let mut source = split(v.text_of("source"), ',');
        let mut binaries = Vec::new();
        if source.is_empty() {
            for p in split(v.text_of("package"), ',') {
                match p.strip_prefix("src:") {
                    Some(s) => source.push(s.to_owned()),
                    None => binaries.push(p),
                }
            }
        }
        BugStatus {
            bug,
            package: v.text_of("package").to_owned(),
            source,
            binaries,
            subject: v.text_of("subject").to_owned(),
            severity: v.text_of("severity").to_owned(),
            tags: split(v.text_of("tags"), ' '),
            done: v.text_of("done").to_owned(),
            fixed_versions: v.list_of("fixed_versions"),
            found_versions: v.list_of("found_versions"),
            mergedwith: v
                .list_of("mergedwith")
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect(),
            affects: split(v.text_of("affects"), ','),
            archived: matches!(v.text_of("archived"), "1" | "true"),
            msgid: v.text_of("msgid").to_owned(),
        }
    }
}

/// An item of a `get_status` answer without a bug number.
#[derive(Debug)]
pub struct NoKey;

/// Reads the statuses of the bugs in `asked` from a `get_status` answer's value into `out`.
/// The BTS may answer for bugs nobody asked about: those are ignored.
pub fn statuses(
    map: &Element,
    asked: &[u64],
    out: &mut BTreeMap<u64, BugStatus>,
) -> Result<(), NoKey> {
    for item in &map.children {
        let key = item
            .child("key")
            .and_then(|k| k.text.trim().parse::<u64>().ok())
            .ok_or(NoKey)?;
        if !asked.contains(&key) {
            continue;
        }
        if let Some(value) = item.child("value") {
            out.insert(key, BugStatus::from_element(key, value));
        }
    }
    Ok(())
}

/// Why the BTS could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum BtsError {
    #[error("the BTS at {url} cannot be reached after {attempts} attempts")]
    Unreachable {
        url: String,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    #[error("the BTS at {url} answered {status} after {attempts} attempts")]
    Status {
        url: String,
        status: reqwest::StatusCode,
        attempts: u32,
    },
    #[error("the BTS at {url}: {method}")]
    Answer {
        url: String,
        method: &'static str,
        #[source]
        source: SoapError,
    },
    #[error("the BTS at {url}: {method}: an entry has no bug number")]
    NoKey { url: String, method: &'static str },
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A client for one BTS endpoint.
pub struct Bts {
    url: String,
    client: reqwest::blocking::Client,
    attempts: u32,
    backoff: Duration,
}

impl Bts {
    pub fn new(url: &str, timeout: Duration) -> Result<Bts, BtsError> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(BtsError::Client)?;
        Ok(Bts {
            url: url.to_owned(),
            client,
            attempts: 4,
            backoff: Duration::from_millis(500),
        })
    }

    /// POSTs a call; retries on 5xx, timeouts and lost connections, with doubling waits.
    fn post(&self, method: &'static str, args: &[Arg]) -> Result<Element, BtsError> {
        let body = soap::call(method, args);
        let mut wait = self.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.attempts;
            let sent = self
                .client
                .post(&self.url)
                .header("Content-Type", "text/xml; charset=utf-8")
                .header("SOAPAction", "\"\"")
                .body(body.clone())
                .send()
                .and_then(|r| {
                    let status = r.status();
                    r.bytes().map(|b| (status, b))
                });
            match sent {
                Ok((status, bytes)) if status.is_success() => {
                    return soap::response_value(&bytes, method).map_err(|source| {
                        BtsError::Answer {
                            url: self.url.clone(),
                            method,
                            source,
                        }
                    });
                }
                Ok((status, _)) if !status.is_server_error() || last => {
                    return Err(BtsError::Status {
                        url: self.url.clone(),
                        status,
                        attempts: attempt,
                    });
                }
                Err(source) if last || source.is_builder() => {
                    return Err(BtsError::Unreachable {
                        url: self.url.clone(),
                        attempts: attempt,
                        source,
                    });
                }
                _ => {
                    std::thread::sleep(wait);
                    wait *= 2;
                }
            }
        }
    }

    /// The status of `bugs`, asked for in batches. A bug the BTS does not know is absent.
    pub fn get_status(&self, bugs: &[u64]) -> Result<BTreeMap<u64, BugStatus>, BtsError> {
        let mut out = BTreeMap::new();
        for batch in bugs.chunks(BATCH) {
            let map = self.post("get_status", &[Arg::Ints(batch)])?;
            statuses(&map, batch, &mut out).map_err(|NoKey| BtsError::NoKey {
                url: self.url.clone(),
                method: "get_status",
            })?;
        }
        Ok(out)
    }

    /// The source packages that build `binary`, as the BTS maps them (`binary_to_source`),
    /// without repeats; empty when it knows none.
    pub fn binary_to_source(&self, binary: &str) -> Result<Vec<String>, BtsError> {
        let answer = self.post("binary_to_source", &[Arg::Str(binary)])?;
        Ok(sources_of(&answer))
    }

    /// The bugs `user` tagged with each of `tags`.
    pub fn get_usertag(
        &self,
        user: &str,
        tags: &[&str],
    ) -> Result<BTreeMap<String, Vec<u64>>, BtsError> {
        let mut args = vec![Arg::Str(user)];
        args.extend(tags.iter().map(|t| Arg::Str(t)));
        let map = self.post("get_usertag", &args)?;
        Ok(map
            .children
            .iter()
            .map(|tag| {
                let bugs = tag
                    .children
                    .iter()
                    .filter_map(|i| i.text.trim().parse().ok())
                    .collect();
                (tag.name.clone(), bugs)
            })
            .collect())
    }
}

/// The sources of a `binary_to_source` answer: `[source, version]` pairs (or bare names).
fn sources_of(answer: &Element) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pair in &answer.children {
        let name = pair
            .children
            .first()
            .map_or(pair.text.trim(), |n| n.text.trim());
        if !name.is_empty() && !out.iter().any(|o| o == name) {
            out.push(name.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/debbugs-soap")
            .join(name);
        std::fs::read(p).unwrap()
    }

    fn statuses(name: &str) -> BTreeMap<u64, BugStatus> {
        let v = soap::response_value(&fixture(name), "get_status").unwrap();
        v.children
            .iter()
            .map(|i| {
                let k: u64 = i.child("key").unwrap().text.parse().unwrap();
                (k, BugStatus::from_element(k, i.child("value").unwrap()))
            })
            .collect()
    }

    /// The answers of the current debbugs (`tests/data/debbugs-soap-current/`).
    fn current(name: &str, method: &str) -> Element {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/debbugs-soap-current")
            .join(name);
        soap::response_value(&std::fs::read(p).unwrap(), method).unwrap()
    }

    #[test]
    fn the_current_debbugs_sends_no_source() {
        let v = current("get_status-four-bugs.response.xml", "get_status");
        let mut out = BTreeMap::new();
        super::statuses(&v, &[1100001, 1100002, 1100003, 1100004], &mut out).unwrap();
        // `Source: openssl` reports arrive as `src:openssl`: the source, without the prefix.
        assert_eq!(out[&1100002].source, ["openssl"]);
        assert!(out[&1100002].binaries.is_empty());
        // A report against a binary package names it only.
        assert!(out[&1100003].source.is_empty());
        assert_eq!(out[&1100003].binaries, ["libssl3"]);
        assert_eq!(out[&1100001].binaries, ["zlib"]);
        // Found versions bare (`1:1.2.13.dfsg-1`) and qualified (`openssl/3.0.14-1`).
        assert_eq!(out[&1100001].found_versions, ["1:1.2.13.dfsg-1"]);
        assert_eq!(out[&1100002].found_versions, ["openssl/3.0.14-1"]);
        assert!(out[&1100002].fixed_versions.is_empty());
        let v = current("get_status-pu-request-pending.response.xml", "get_status");
        let mut out = BTreeMap::new();
        let bug = v.children[0].child("key").unwrap().text.parse().unwrap();
        super::statuses(&v, &[bug], &mut out).unwrap();
        assert!(
            out[&bug].tags.iter().any(|t| t == "pending"),
            "{:?}",
            out[&bug]
        );
        let v = current("get_status-archived.response.xml", "get_status");
        let mut out = BTreeMap::new();
        let bug = v.children[0].child("key").unwrap().text.parse().unwrap();
        super::statuses(&v, &[bug], &mut out).unwrap();
        assert!(out[&bug].archived);
    }

    #[test]
    fn binary_to_source_answers() {
        let v = current("binary_to_source.response.xml", "binary_to_source");
        assert_eq!(sources_of(&v), ["openssl"]);
    }

    #[test]
    fn two_bugs_archived_and_open() {
        let s = statuses("get_status-290501+770490-two-bugs.response.xml");
        let done = &s[&290501];
        assert!(done.archived);
        assert_eq!(done.done, "Don Armstrong <don@debian.org>");
        assert_eq!(done.fixed_versions, ["debbugs/2.4.2~exp0"]);
        assert_eq!(done.msgid, "<20050114131450.GA6192@jas.helas.net>");
        let open = &s[&770490];
        assert_eq!(open.done, "");
        assert!(!open.archived);
        assert_eq!(
            open.fixed_versions,
            ["iceweasel/31.3.0esr-1"],
            "open, yet fixed"
        );
        assert_eq!(open.mergedwith, [770499], "a single merge is an xsd:int");
        assert_eq!(open.affects, ["conkeror"]);
        assert_eq!(open.tags, ["upstream", "security", "fixed-upstream"]);
    }

    #[test]
    fn every_recorded_quirk() {
        let s = statuses("get_status-486212-mergedwith-archived.response.xml");
        assert_eq!(s[&486212].mergedwith, [486743, 488122]);
        assert!(s[&486212].archived);
        let s = statuses("get_status-474955-done-without-version.response.xml");
        assert!(!s[&474955].done.is_empty());
        assert!(s[&474955].fixed_versions.is_empty());
        let s = statuses("get_status-657408-archived-multi-source.response.xml");
        assert!(s[&657408].source.len() > 1, "{:?}", s[&657408].source);
        assert_eq!(s[&657408].found_versions.len(), 2);
        assert!(statuses("get_status-empty.response.xml").is_empty());
        let v = soap::response_value(&fixture("get_usertag-filtered.response.xml"), "get_usertag")
            .unwrap();
        assert_eq!(v.children[0].name, "dist-packages");
        assert_eq!(v.children[0].children.len(), 87);
    }
}
