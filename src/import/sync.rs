//! An import is a sync: the records are brought in line with the inputs. New packages are
//! added, packages whose maintainers differ are edited in place (so comments and layout that
//! people wrote survive), packages the inputs no longer hold are reported and kept unless
//! pruning was asked for, and a record that already matches is not touched at all.

use crate::commit::Change;
use crate::model::Db;
use crate::names::PackageName;
use crate::record::Editor;

use super::Plan;

/// What an import does to the records.
#[derive(Debug, Default)]
pub struct Diff {
    pub added: Vec<PackageName>,
    /// Each changed package with its maintainers before and after (`packages.txt` style).
    pub changed: Vec<(PackageName, String, String)>,
    /// Packages absent from every input, removed because pruning was asked for.
    pub removed: Vec<PackageName>,
    /// Packages absent from every input, kept.
    pub absent: Vec<PackageName>,
    pub unchanged: usize,
    pub new_people: usize,
    pub new_groups: usize,
    /// The files to write, in path order of their kind (people, groups, packages).
    pub changes: Vec<Change>,
}

impl Diff {
    /// Counts for the summary line and the commit message.
    pub fn counts(&self) -> String {
        let mut s = format!(
            "{} added, {} changed, {} removed, {} unchanged",
            self.added.len(),
            self.changed.len(),
            self.removed.len(),
            self.unchanged
        );
        if self.new_people + self.new_groups > 0 {
            s.push_str(&format!(
                "; {} new people, {} new groups",
                self.new_people, self.new_groups
            ));
        }
        s
    }

    /// One line per change, for `--dry-run`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.added.iter().map(|p| format!("add     {p}")));
        out.extend(
            self.changed
                .iter()
                .map(|(p, old, new)| format!("change  {p}: {old} -> {new}")),
        );
        out.extend(self.removed.iter().map(|p| format!("remove  {p}")));
        out.extend(
            self.absent
                .iter()
                .map(|p| format!("keep    {p} (absent from the inputs; --prune removes it)")),
        );
        out
    }
}

/// Compares `plan` with the records in `db`. `read` gives the current text of a record, for
/// editing in place.
pub fn diff<E>(
    plan: &Plan,
    db: &Db,
    prune: bool,
    read: impl Fn(&str) -> Result<Option<Vec<u8>>, E>,
) -> Result<Diff, E> {
    let mut d = Diff {
        new_people: plan.people.len(),
        new_groups: plan.groups.len(),
        ..Diff::default()
    };
    d.changes = plan.new_records();
    for (name, wanted) in &plan.packages {
        let path = name.record_path();
        let Some(current) = db.packages.get(name.as_str()) else {
            d.added.push(name.clone());
            d.changes.push(Change {
                path,
                content: Some(crate::record::package_toml(wanted).into_bytes()),
            });
            continue;
        };
        if *current.maintainers == **wanted {
            d.unchanged += 1;
            continue;
        }
        let values: Vec<String> = wanted.iter().map(ToString::to_string).collect();
        let text = read(&path)?
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| Editor::parse(&t).ok());
        let content = match text {
            Some(mut editor) => editor.replace_list("maintainers", &values).finish(),
            None => crate::record::package_toml(wanted),
        };
        d.changed.push((
            name.clone(),
            Db::maintainer_field(&current.maintainers),
            Db::maintainer_field(wanted),
        ));
        d.changes.push(Change {
            path,
            content: Some(content.into_bytes()),
        });
    }
    for name in db.packages.keys() {
        if plan.packages.contains_key(name) {
            continue;
        }
        if prune {
            d.changes.push(Change {
                path: name.record_path(),
                content: None,
            });
            d.removed.push(name.clone());
        } else {
            d.absent.push(name.clone());
        }
    }
    Ok(d)
}
