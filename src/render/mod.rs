//! `maintdb render`: every path of docs/outputs.md for one commit, as a pure function of it.
//! Nothing here reads the clock or the machine: the same commit gives the same bytes.

pub mod html;
pub mod process;
pub mod publish;
pub mod rss;
pub mod text;
pub mod tracker;
pub mod view;

use std::path::Path;

use askama::Template;
use rayon::prelude::*;

use crate::history::CommitEvents;
use crate::model::Db;
use html::{EventRow, Page};
use view::View;

/// The newest this many events are shown on `changelog.html`.
pub const CHANGELOG_EVENTS: usize = 500;

/// Failures while writing the output tree.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write {path}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot render {what}")]
    Template {
        what: String,
        #[source]
        source: askama::Error,
    },
    #[error(transparent)]
    Publish(#[from] publish::PublishError),
}

/// What one render is of.
pub struct Input<'a> {
    pub db: &'a Db,
    pub history: &'a [CommitEvents],
    /// The rendered commit's id.
    pub commit: &'a str,
    /// Each track's changes of state, from the same history.
    pub timelines: &'a std::collections::BTreeMap<u64, Vec<crate::track::timeline::Change>>,
    /// The process documentation of the commit (`docs/process/*.md`).
    pub process: &'a [process::Doc],
}

struct Out<'a> {
    dir: &'a Path,
    progress: &'a indicatif::ProgressBar,
}

impl Out<'_> {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), RenderError> {
        let path = self.dir.join(rel);
        std::fs::write(&path, bytes).map_err(|source| RenderError::Io { path, source })?;
        self.progress.inc(1);
        Ok(())
    }

    fn page(&self, rel: &str, t: &impl Template) -> Result<(), RenderError> {
        let s = t.render().map_err(|source| RenderError::Template {
            what: rel.to_owned(),
            source,
        })?;
        self.write(rel, s.as_bytes())
    }
}

fn events(history: &[CommitEvents]) -> Vec<EventRow> {
    history
        .iter()
        .flat_map(|c| {
            let date = gix::date::Time {
                seconds: c.time,
                offset: c.offset,
            }
            .format_or_unix(gix::date::time::format::ISO8601);
            c.events.iter().map(move |e| EventRow {
                date: date.clone(),
                sentence: e.sentence(),
                author: c.author.clone(),
                short: c.short().to_owned(),
            })
        })
        .take(CHANGELOG_EVENTS)
        .collect()
}

/// How many files a render writes, for the progress bar.
pub fn file_count(view: &View, tracks: &[tracker::TrackView]) -> u64 {
    let fixed = 14 + view.shards().len();
    (fixed
        + 2 * (view.packages.len() + view.people.len() + view.groups.len())
        + tracker::file_count(tracks)) as u64
}

/// Writes every output file into `dir`, which must exist and be empty.
pub fn render_into(
    dir: &Path,
    input: &Input<'_>,
    progress: &indicatif::ProgressBar,
) -> Result<(), RenderError> {
    let view = View::new(input.db);
    let tracks = tracker::views(input.db, input.timelines);
    progress.set_length(file_count(&view, &tracks));
    let mut tracks_of: std::collections::HashMap<&str, Vec<&tracker::TrackView>> =
        std::collections::HashMap::new();
    for t in &tracks {
        tracks_of.entry(t.package.as_str()).or_default().push(t);
    }
    let out = Out { dir, progress };
    for sub in ["packages", "people", "groups", "tracker"] {
        let p = dir.join(sub);
        std::fs::create_dir_all(&p).map_err(|source| RenderError::Io { path: p, source })?;
    }
    let page = |title: String, root: &'static str| Page {
        title,
        distribution: &view.distribution,
        root,
        commit: input.commit,
    };

    out.write("style.css", include_bytes!("../../templates/style.css"))?;
    out.write("packages.txt", text::packages(&view).as_bytes())?;
    out.write("maintdb.txt", text::maintdb_txt(&view).as_bytes())?;
    out.write("unmaintained.txt", text::unmaintained(&view).as_bytes())?;
    out.write("people.txt", text::people(&view).as_bytes())?;
    out.write(
        "changes.txt",
        text::changes(&view, input.history).as_bytes(),
    )?;
    let mut json =
        serde_json::to_vec(&serde_json::json!({ "commit": input.commit, "view": &view }))
            .expect("the view serializes");
    json.push(b'\n');
    out.write("packages.json", &json)?;

    let shards: Vec<String> = view.shards().into_iter().collect();
    let all: Vec<&view::PackageRow> = view.packages.iter().collect();
    out.page(
        "packages.html",
        &html::PackagesPage {
            page: page("Packages".into(), ""),
            shards: shards.clone(),
            rows: all,
        },
    )?;
    for s in &shards {
        let rows = view
            .packages
            .iter()
            .filter(|r| view::shard(&r.name) == *s)
            .collect();
        out.page(
            &format!("packages_{s}.html"),
            &html::PackagesPage {
                page: page(format!("Packages: {s}"), ""),
                shards: shards.clone(),
                rows,
            },
        )?;
    }
    view.packages.par_iter().try_for_each(|row| {
        out.write(
            &format!("packages/{}.txt", row.name),
            format!("{}\n", text::package_line(row)).as_bytes(),
        )?;
        out.page(
            &format!("packages/{}.html", row.name),
            &html::PackagePage {
                page: page(row.name.clone(), "../"),
                row,
                bug: view.bug_link(&row.name),
                tracks: tracks_of
                    .get(row.name.as_str())
                    .cloned()
                    .unwrap_or_default(),
            },
        )
    })?;

    out.page(
        "people.html",
        &html::PeoplePage {
            page: page("People".into(), ""),
            people: view.people.values().collect(),
        },
    )?;
    view.people.par_iter().try_for_each(|(login, p)| {
        out.write(
            &format!("people/{login}.txt"),
            text::person(login, &p.direct).as_bytes(),
        )?;
        out.page(
            &format!("people/{login}.html"),
            &html::PersonPage {
                page: page(login.clone(), "../"),
                person: p,
            },
        )
    })?;
    let nobody = view::PersonView {
        login: crate::names::NOBODY.to_owned(),
        name: "Unmaintained packages".to_owned(),
        direct: view.unmaintained.clone(),
        ..Default::default()
    };
    out.write("people/nobody.txt", text::nobody(&view).as_bytes())?;
    out.page(
        "people/nobody.html",
        &html::PersonPage {
            page: page("nobody".into(), "../"),
            person: &nobody,
        },
    )?;

    out.page(
        "groups.html",
        &html::GroupsPage {
            page: page("Groups".into(), ""),
            groups: view.groups.values().collect(),
        },
    )?;
    for (name, g) in &view.groups {
        out.write(
            &format!("groups/{name}.txt"),
            text::group(name, &g.packages).as_bytes(),
        )?;
        out.page(
            &format!("groups/{name}.html"),
            &html::GroupPage {
                page: page(format!("%{name}"), "../"),
                group: g,
            },
        )?;
    }

    out.page(
        "changelog.html",
        &html::ChangelogPage {
            page: page("Changes".into(), ""),
            events: events(input.history),
        },
    )?;
    let link = input.db.config.base_url.clone().unwrap_or_default();
    let feed = rss::write(
        &format!("{} maintainers: changes", view.distribution),
        &link,
        input.history,
    )
    .map_err(|source| RenderError::Io {
        path: dir.join("changelog.rss"),
        source,
    })?;
    out.write("changelog.rss", &feed)?;

    tracker::write(&out, &page, &tracks, input.commit)?;
    process::write(&out, &page, input.process)?;
    progress.finish_and_clear();
    Ok(())
}
