//! The validated database: every record of one tree, with names checked and cross-file facts
//! known. Spans and file ids are kept so later rules can still point into the files.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use crate::diag::FileId;
use crate::names::{GroupName, Login, Maintainer, NameRules, PackageName};
use crate::record::{BtsInfo, RawConfig, RawPolicy, RawSuites, SuiteProgress};

/// One source package. Many packages share one maintainer list (and one blob): the lists are
/// shared, not copied per package.
#[derive(Debug, Clone)]
pub struct Package {
    pub maintainers: Arc<[Maintainer]>,
    /// Span of each maintainer in the file, parallel to `maintainers`.
    pub spans: Arc<[Range<usize>]>,
    pub file: FileId,
}

/// One person.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub aliases: Vec<String>,
    pub inactive: bool,
    /// Span of each address in the file, parallel to [`Person::addresses`].
    pub address_spans: Vec<Range<usize>>,
    pub file: FileId,
}

impl Person {
    /// The registered address and every alias.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.email.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// One group (team).
#[derive(Debug, Clone)]
pub struct Group {
    pub description: String,
    pub email: Option<String>,
    pub aliases: Vec<String>,
    pub members: Vec<Login>,
    pub spans: Vec<Range<usize>>,
    /// Span of each address in the file, parallel to [`Group::addresses`].
    pub address_spans: Vec<Range<usize>>,
    pub file: FileId,
}

impl Group {
    /// The list's address, if any, and every alias.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.email.iter().chain(&self.aliases).map(String::as_str)
    }
}

/// One tracked bug.
#[derive(Debug, Clone)]
pub struct Track {
    pub bug: u64,
    /// `Some("12.5")` once archived after that point release.
    pub archive: Option<String>,
    pub package: String,
    pub package_span: Range<usize>,
    pub suites: Vec<String>,
    pub suite_spans: Vec<Range<usize>>,
    pub cves: Vec<String>,
    pub bts: Option<BtsInfo>,
    pub progress: Vec<(String, SuiteProgress)>,
    pub file: FileId,
}

/// Every record of one tree.
#[derive(Debug, Default)]
pub struct Db {
    pub config: RawConfig,
    pub rules: NameRules,
    pub policy: RawPolicy,
    pub suites: RawSuites,
    pub people: BTreeMap<Login, Person>,
    pub groups: BTreeMap<GroupName, Group>,
    pub packages: BTreeMap<PackageName, Package>,
    pub tracks: Vec<Track>,
    /// Bugs dismissed as candidates, by number.
    pub dismissed: BTreeMap<u64, crate::record::RawDismissed>,
}

impl Db {
    /// The `packages.txt` right-hand side: `alice,%perl`, or `nobody`.
    pub fn maintainer_field(maintainers: &[Maintainer]) -> String {
        if maintainers.is_empty() {
            return crate::names::NOBODY.to_owned();
        }
        let parts: Vec<String> = maintainers.iter().map(ToString::to_string).collect();
        parts.join(",")
    }

    /// The `packages.txt` line of one package.
    pub fn package_line(name: &PackageName, pkg: &Package) -> String {
        format!("{name}:{}", Db::maintainer_field(&pkg.maintainers))
    }
}
