//! The rendered lists as data: who maintains what, directly and through groups, computed once
//! from the records so that every output format reads the same answers.

use std::collections::BTreeMap;
use std::hash::BuildHasher as _;

use rayon::prelude::*;

use crate::model::Db;
use crate::names::{Maintainer, NOBODY};

/// One package row.
#[derive(Debug, Clone, serde::Serialize, Hash)]
pub struct PackageRow {
    pub name: String,
    /// `alice,%perl` or `nobody`, as in packages.txt.
    pub field: String,
    pub maintainers: Vec<String>,
}

/// A person's packages: direct ones by name, and those of their groups by group (the group's
/// page lists them; repeating every team's packages on every member's page would multiply
/// the output by the team sizes).
#[derive(Debug, Clone, Default, serde::Serialize, Hash)]
pub struct PersonView {
    pub login: String,
    pub name: String,
    pub direct: Vec<String>,
    /// (group, how many packages it maintains), for the groups with packages.
    pub groups: Vec<(String, usize)>,
}

impl PersonView {
    /// How many packages the person maintains through groups.
    pub fn through_groups(&self) -> usize {
        self.groups.iter().map(|(_, n)| n).sum()
    }
}

/// A group's members and packages.
#[derive(Debug, Clone, serde::Serialize, Hash)]
pub struct GroupView {
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
    pub packages: Vec<String>,
}

/// Everything the renderers show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct View {
    pub distribution: String,
    pub bug_url: Option<String>,
    pub packages: Vec<PackageRow>,
    /// Every person with at least one package, directly or through a group.
    pub people: BTreeMap<String, PersonView>,
    pub groups: BTreeMap<String, GroupView>,
    pub unmaintained: Vec<String>,
    /// Each shard's rows (positions in `packages`), by shard: what `packages_<c>.html` lists.
    #[serde(skip)]
    pub by_shard: BTreeMap<String, Vec<u32>>,
    /// Positions in `packages`, by name: a page of a package finds its row without a search
    /// through a hundred thousand names.
    #[serde(skip)]
    index: hashbrown::HashTable<u32>,
    #[serde(skip)]
    hasher: hashbrown::DefaultHashBuilder,
}

impl View {
    pub fn new(db: &Db) -> View {
        // The rows are made in parallel: a hundred thousand of them, each a few strings.
        let packages: Vec<PackageRow> = db
            .packages
            .as_slice()
            .par_iter()
            .map(|(name, pkg)| PackageRow {
                name: name.as_str().to_owned(),
                field: Db::maintainer_field(&pkg.maintainers),
                maintainers: pkg.maintainers.iter().map(ToString::to_string).collect(),
            })
            .collect();
        // Gathered by hash, sorted once at the end: a login is looked up for every package.
        let mut people: hashbrown::HashMap<&str, PersonView> = hashbrown::HashMap::new();
        let mut groups: BTreeMap<String, GroupView> = db
            .groups
            .iter()
            .map(|(n, g)| {
                (
                    n.to_string(),
                    GroupView {
                        name: n.to_string(),
                        description: g.description.clone(),
                        members: g.members.iter().map(ToString::to_string).collect(),
                        packages: Vec::new(),
                    },
                )
            })
            .collect();
        let mut unmaintained = Vec::new();
        for (pkg, row) in db.packages.values().zip(&packages) {
            let n = &row.name;
            if pkg.maintainers.is_empty() {
                unmaintained.push(n.clone());
            }
            for m in pkg.maintainers.iter() {
                match m {
                    Maintainer::Person(l) => {
                        person(&mut people, db, l.as_str()).direct.push(n.clone())
                    }
                    Maintainer::Group(g) => {
                        if let Some(gv) = groups.get_mut(g.as_str()) {
                            gv.packages.push(n.clone());
                        }
                    }
                }
            }
        }
        for (name, g) in &db.groups {
            let Some(gv) = groups
                .get(name.as_str())
                .filter(|gv| !gv.packages.is_empty())
            else {
                continue;
            };
            for m in &g.members {
                person(&mut people, db, m.as_str())
                    .groups
                    .push((gv.name.clone(), gv.packages.len()));
            }
        }
        let people: BTreeMap<String, PersonView> =
            people.into_values().map(|p| (p.login.clone(), p)).collect();
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut index = hashbrown::HashTable::with_capacity(packages.len());
        let mut by_shard: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        // The shard of the last name, made again only when the first character changes.
        let mut last: (Option<char>, String) = (None, String::new());
        for (i, r) in packages.iter().enumerate() {
            let i = i as u32;
            index.insert_unique(hasher.hash_one(r.name.as_str()), i, |&j| {
                hasher.hash_one(packages[j as usize].name.as_str())
            });
            let first = r.name.chars().next();
            if first != last.0 {
                last = (first, shard(&r.name));
            }
            match by_shard.get_mut(&last.1) {
                Some(rows) => rows.push(i),
                None => {
                    by_shard.insert(last.1.clone(), vec![i]);
                }
            }
        }
        View {
            hasher,
            index,
            by_shard,
            distribution: db
                .config
                .distribution
                .clone()
                .unwrap_or_else(|| "maintdb".to_owned()),
            bug_url: db.config.bug_url.as_ref().map(|u| u.get_ref().clone()),
            packages,
            people,
            groups,
            unmaintained,
        }
    }

    /// The first characters packages start with, for `packages_<c>.html`.
    pub fn shards(&self) -> Vec<String> {
        self.by_shard.keys().cloned().collect()
    }

    /// The row of package `name`.
    pub fn package(&self, name: &str) -> Option<&PackageRow> {
        let i = self.index.find(self.hasher.hash_one(name), |&i| {
            self.packages[i as usize].name == name
        })?;
        Some(&self.packages[*i as usize])
    }

    /// The rows of shard `s`, in name order.
    pub fn shard_rows(&self, s: &str) -> Vec<&PackageRow> {
        self.by_shard.get(s).map_or_else(Vec::new, |rows| {
            rows.iter().map(|&i| &self.packages[i as usize]).collect()
        })
    }

    /// The `maintdb.txt` login of a package: its first direct maintainer, or `nobody`.
    pub fn first_login(row: &PackageRow) -> &str {
        row.maintainers
            .iter()
            .find(|m| !m.starts_with('%'))
            .map_or(NOBODY, String::as_str)
    }

    /// The bug tracker link of a package, when config.toml sets `bug_url`.
    pub fn bug_link(&self, package: &str) -> Option<String> {
        self.bug_url
            .as_ref()
            .map(|u| u.replace("{package}", package))
            .filter(|u| crate::record::safe_link(u))
    }
}

/// The entry of `login`, created on first use.
fn person<'a, 'k>(
    people: &'a mut hashbrown::HashMap<&'k str, PersonView>,
    db: &Db,
    login: &'k str,
) -> &'a mut PersonView {
    people.entry(login).or_insert_with(|| PersonView {
        login: login.to_owned(),
        name: db
            .people
            .get(login)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        ..Default::default()
    })
}

/// The shard of a name: its first character, lowercased.
pub fn shard(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_lowercase().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_gather_their_rows_wherever_they_sort_and_rows_are_found_by_name() {
        let rules = crate::names::NameRules::default();
        let mut db = Db::default();
        // Capitals sort before small letters: shards `b` and `f` each come in two runs.
        for name in ["Foo", "bar", "foo2", "Bar3", "a"] {
            let name = crate::names::PackageName::parse(name, &rules).unwrap();
            db.packages.insert(
                name,
                crate::model::Package {
                    maintainers: Vec::new().into(),
                    spans: Vec::new().into(),
                    file: crate::diag::FileId(0),
                },
            );
        }
        let v = View::new(&db);
        let names =
            |s: &str| -> Vec<&str> { v.shard_rows(s).iter().map(|r| r.name.as_str()).collect() };
        assert_eq!(v.shards(), ["a", "b", "f"]);
        assert_eq!(names("f"), ["Foo", "foo2"]);
        assert_eq!(names("a"), ["a"]);
        assert_eq!(names("b"), ["Bar3", "bar"]);
        assert!(names("x").is_empty());
        for r in &v.packages {
            assert_eq!(v.package(&r.name).map(|p| &p.name), Some(&r.name));
            assert_eq!(
                shard(&r.name),
                v.shards()
                    .into_iter()
                    .find(|s| names(s).contains(&r.name.as_str()))
                    .unwrap()
            );
        }
        assert!(v.package("foo").is_none());
    }

    #[test]
    fn a_bug_link_of_another_scheme_is_left_out() {
        let mut db = Db::default();
        let link = |url: &str, db: &mut Db| {
            db.config.bug_url = Some(toml::Spanned::new(0..1, url.to_owned()));
            View::new(db).bug_link("zlib")
        };
        assert_eq!(
            link("https://bugs.example.org/{package}", &mut db).as_deref(),
            Some("https://bugs.example.org/zlib")
        );
        assert_eq!(link("javascript:alert(1)//{package}", &mut db), None);
        assert_eq!(link(" java\tscript:x/{package}", &mut db), None);
    }
}
