//! The validated database: every record of one tree, with names checked and cross-file facts
//! known. Spans and file ids are kept so later rules can still point into the files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
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

/// Every package of a tree, by name: one vector sorted by name, searched by halves. A check
/// sorts the packages in the vector it loaded them into; a map of nodes would copy all of
/// them once more, into fresh memory the kernel zeroes first (a tenth of a check of 100,000
/// packages).
#[derive(Debug, Default, Clone)]
pub struct Packages {
    sorted: Vec<(PackageName, Package)>,
}

impl Packages {
    /// The packages of `pairs`, in any order, sorted where they are. Names are unique in a
    /// tree (a name has one path); of two with one name, one is kept.
    pub fn new(mut pairs: Vec<(PackageName, Package)>) -> Packages {
        // In place: the order of paths is nearly the order of names, and a stable sort would
        // take a scratch vector as big as the packages.
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, earlier| later.0 == earlier.0);
        Packages { sorted: pairs }
    }

    /// The packages by name, taken out.
    pub fn into_vec(self) -> Vec<(PackageName, Package)> {
        self.sorted
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.sorted.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&Package> {
        self.find(name).ok().map(|i| &self.sorted[i].1)
    }

    pub fn get_key_value(&self, name: &str) -> Option<(&PackageName, &Package)> {
        self.find(name).ok().map(|i| {
            let (n, p) = &self.sorted[i];
            (n, p)
        })
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Adds or replaces one package; the one it replaces, if any. A change of many packages
    /// goes through [`Packages::update`] instead: each insertion moves the names after it.
    pub fn insert(&mut self, name: PackageName, package: Package) -> Option<Package> {
        match self.find(name.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.sorted[i].1, package)),
            Err(i) => {
                self.sorted.insert(i, (name, package));
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Package> {
        self.find(name).ok().map(|i| self.sorted.remove(i).1)
    }

    /// Removes the packages `gone` names, then adds or replaces those of `new`: one pass over
    /// the packages, however many change.
    pub fn update(
        &mut self,
        gone: &std::collections::HashSet<String>,
        new: Vec<(PackageName, Package)>,
    ) {
        let mut old = std::mem::take(&mut self.sorted);
        if !gone.is_empty() {
            old.retain(|(n, _)| !gone.contains(n.as_str()));
        }
        let new = Packages::new(new).sorted;
        if new.is_empty() {
            self.sorted = old;
            return;
        }
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let mut new = new.into_iter().peekable();
        for (name, package) in old {
            while let Some(n) = new.next_if(|(n, _)| *n < name) {
                merged.push(n);
            }
            match new.next_if(|(n, _)| *n == name) {
                Some(replaced) => merged.push(replaced),
                None => merged.push((name, package)),
            }
        }
        merged.extend(new);
        self.sorted = merged;
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Every package, by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&PackageName, &Package)> + Clone {
        self.sorted.iter().map(|(n, p)| (n, p))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &PackageName> + Clone {
        self.sorted.iter().map(|(n, _)| n)
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Package> + Clone {
        self.sorted.iter().map(|(_, p)| p)
    }

    /// Every package, by name, as a slice the threads of a check share out.
    pub fn as_slice(&self) -> &[(PackageName, Package)] {
        &self.sorted
    }
}

impl<'a> IntoIterator for &'a Packages {
    type Item = (&'a PackageName, &'a Package);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (PackageName, Package)>,
        fn(&'a (PackageName, Package)) -> (&'a PackageName, &'a Package),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.sorted.iter().map(|(n, p)| (n, p))
    }
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
    pub packages: Packages,
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
        // Written into one string: the view makes a hundred thousand of them.
        let mut field = String::with_capacity(maintainers.len() * 12);
        for (i, m) in maintainers.iter().enumerate() {
            if i > 0 {
                field.push(',');
            }
            write!(field, "{m}").expect("writing to a String");
        }
        field
    }

    /// The `packages.txt` line of one package.
    pub fn package_line(name: &PackageName, pkg: &Package) -> String {
        format!("{name}:{}", Db::maintainer_field(&pkg.maintainers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn package(file: u32) -> Package {
        Package {
            maintainers: Vec::new().into(),
            spans: Vec::new().into(),
            file: FileId(file),
        }
    }

    fn name(n: &str) -> PackageName {
        PackageName::parse(n, &NameRules::default()).unwrap()
    }

    /// The packages as a map of nodes holds them: what every use of [`Packages`] relies on.
    fn as_map(p: &Packages) -> Vec<(String, u32)> {
        p.iter().map(|(n, p)| (n.to_string(), p.file.0)).collect()
    }

    proptest! {
        /// Made from pairs in any order, then changed by single insertions and removals and
        /// by batches, the packages stay what a `BTreeMap` given the same changes holds, and
        /// every name is found by its search.
        #[test]
        fn the_packages_are_what_a_map_would_hold(
            first in proptest::collection::vec(("[a-e][a-c+-]{0,2}", 0u32..100), 0..30),
            ops in proptest::collection::vec(
                (0u8..3, "[a-e][a-c+-]{0,2}", 0u32..100,
                 proptest::collection::vec("[a-e][a-c+-]{0,2}", 0..5),
                 proptest::collection::vec(("[a-e][a-c+-]{0,2}", 0u32..100), 0..5)),
                0..20),
        ) {
            // Unique names, as in a tree.
            let unique: BTreeMap<String, u32> = first.iter().cloned().collect();
            let mut pairs: Vec<_> = unique.iter().map(|(n, f)| (name(n), package(*f))).collect();
            pairs.reverse();
            let mut p = Packages::new(pairs);
            let mut map = unique;
            for (op, n, f, gone, new) in ops {
                match op {
                    0 => {
                        let old = p.insert(name(&n), package(f)).map(|p| p.file.0);
                        prop_assert_eq!(old, map.insert(n, f));
                    }
                    1 => {
                        let old = p.remove(&n).map(|p| p.file.0);
                        prop_assert_eq!(old, map.remove(&n));
                    }
                    _ => {
                        let gone: std::collections::HashSet<String> = gone.into_iter().collect();
                        let new: BTreeMap<String, u32> = new.into_iter().collect();
                        map.retain(|n, _| !gone.contains(n));
                        map.extend(new.clone());
                        let mut new: Vec<_> =
                            new.iter().map(|(n, f)| (name(n), package(*f))).collect();
                        new.reverse();
                        p.update(&gone, new);
                    }
                }
                let want: Vec<(String, u32)> = map.iter().map(|(n, f)| (n.clone(), *f)).collect();
                prop_assert_eq!(as_map(&p), want);
                prop_assert_eq!(p.len(), map.len());
                for (n, f) in &map {
                    prop_assert_eq!(p.get(n).map(|p| p.file.0), Some(*f));
                    prop_assert!(p.contains_key(n));
                }
                prop_assert!(p.get("zzz").is_none());
            }
        }
    }
}
