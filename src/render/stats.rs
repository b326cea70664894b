//! Trends drawn from the history: packages and unmaintained packages per day, takes, drops,
//! additions and removals per month, who took the most packages lately, each person's package
//! count over time and each package's maintainers over time. The first-parent history's
//! events are folded oldest first into a [`Tally`], so that a server folds each new commit
//! into what it holds. Days are UTC dates of the commits' author times.

use std::collections::BTreeMap;

// foldhash (randomly seeded, as std's SipHash is), several times faster on short names: the
// whole history is folded on every render.
use hashbrown::HashMap;

use std::sync::Arc;

use serde::Serialize;

use crate::history::{CommitEvents, Kind};

/// How far back "the people who took the most packages" looks, from the newest commit.
pub const RECENT_DAYS: i64 = 90;
/// How many of them are shown.
pub const TOP: usize = 10;

/// The UTC date of `seconds`, `YYYY-MM-DD`.
pub fn day(seconds: i64) -> String {
    let iso =
        gix::date::Time { seconds, offset: 0 }.format_or_unix(gix::date::time::format::ISO8601);
    iso.get(..10).unwrap_or(&iso).to_owned()
}

/// One month's changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Month {
    pub month: String,
    pub taken: u64,
    pub dropped: u64,
    pub added: u64,
    pub removed: u64,
}

/// Who maintained a package, from one day to another (`None`: still). The list and the days
/// are shared: with the tally's maintainers of the package, and with every stint of the same
/// day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stint {
    pub maintainers: Arc<[String]>,
    pub from: Arc<str>,
    pub to: Option<Arc<str>>,
}

/// A series of `(day, value)`, one point per day with a change: the value at the day's end.
pub type Series = Vec<(String, i64)>;

fn record(series: &mut Series, day: &str, value: i64) {
    match series.last_mut() {
        // A series starts with its first count above zero.
        None if value == 0 => {}
        Some((d, v)) if d == day => *v = value,
        Some((_, v)) if *v == value => {}
        _ => series.push((day.to_owned(), value)),
    }
}

/// The history folded so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// How many packages there are.
    live: i64,
    unmaintained: i64,
    counts: HashMap<String, i64>,
    packages_series: Series,
    unmaintained_series: Series,
    monthly: BTreeMap<String, Month>,
    /// (author time, login) of every take by a person.
    takes: Vec<(i64, String)>,
    /// Shared with the [`Stats`] handed out; a fold after that copies them once.
    people: Arc<HashMap<String, Series>>,
    packages: Arc<HashMap<Arc<str>, Trail>>,
    newest: Option<i64>,
}

/// One package as the history leaves it: who maintains it now (`None`: it is gone), and
/// who did from when to when. One entry, so that an event looks its package up once.
#[derive(Debug, Clone, Default)]
struct Trail {
    maintainers: Option<Arc<[String]>>,
    stints: Vec<Stint>,
}

/// The parts of a [`Tally`] that its [`Stats`] share, while a fold grows them.
struct Grown {
    people: HashMap<String, Series>,
    packages: HashMap<Arc<str>, Trail>,
}

/// Whether `m` names a person (not a `%group`).
fn person(m: &str) -> bool {
    !m.starts_with('%')
}

impl Tally {
    /// The tally of `history`, newest first as [`crate::history::read`] gives it.
    pub fn of(history: &[CommitEvents]) -> Tally {
        let mut t = Tally::default();
        t.fold(history);
        t
    }

    /// Folds in `commits`, newest first, all newer than what was folded before.
    pub fn fold(&mut self, commits: &[CommitEvents]) {
        let added = commits
            .iter()
            .flat_map(|c| &c.events)
            .filter(|e| matches!(e.kind, Kind::Added { .. }))
            .count();
        // Taken out of their `Arc`s for the fold (copied when a `Stats` handed out still
        // shares them), not checked for sharing at every event.
        let mut grown = Grown {
            people: Arc::unwrap_or_clone(std::mem::take(&mut self.people)),
            packages: Arc::unwrap_or_clone(std::mem::take(&mut self.packages)),
        };
        grown.packages.reserve(added);
        for c in commits.iter().rev() {
            self.fold_one(c, &mut grown);
        }
        self.people = Arc::new(grown.people);
        self.packages = Arc::new(grown.packages);
    }

    fn set(
        &mut self,
        people: &mut HashMap<String, Series>,
        trail: &mut Trail,
        new: Option<Arc<[String]>>,
        day: &Arc<str>,
    ) {
        let old = std::mem::replace(&mut trail.maintainers, new.clone());
        self.live += i64::from(new.is_some()) - i64::from(old.is_some());
        let empty = |m: &Option<Arc<[String]>>| m.as_ref().map(|m| m.is_empty());
        self.unmaintained += i64::from(empty(&new) == Some(true));
        self.unmaintained -= i64::from(empty(&old) == Some(true));
        let mut changed: Vec<&str> = Vec::new();
        for m in old.iter().flat_map(|m| m.iter()).filter(|m| person(m)) {
            if !new.iter().flat_map(|n| n.iter()).any(|n| n == m) {
                *self.counts.entry_ref(m.as_str()).or_default() -= 1;
                changed.push(m);
            }
        }
        for m in new.iter().flat_map(|n| n.iter()).filter(|m| person(m)) {
            if !old.iter().flat_map(|o| o.iter()).any(|o| o == m) {
                *self.counts.entry_ref(m.as_str()).or_default() += 1;
                changed.push(m);
            }
        }
        for m in changed {
            let n = self.counts.get(m).copied().unwrap_or_default();
            record(people.entry_ref(m).or_default(), day, n);
        }
        if let Some(open) = trail.stints.last_mut().filter(|s| s.to.is_none()) {
            open.to = Some(Arc::clone(day));
        }
        if let Some(maintainers) = new {
            trail.stints.push(Stint {
                maintainers,
                from: Arc::clone(day),
                to: None,
            });
        }
    }

    fn fold_one(&mut self, c: &CommitEvents, grown: &mut Grown) {
        let day: Arc<str> = day(c.time).into();
        let mut counts = Month::default();
        let Grown { people, packages } = grown;
        for e in &c.events {
            // The name is allocated once, for a package never seen before.
            let trail = packages.entry_ref(e.package.as_str()).or_default();
            let current = trail.maintainers.as_deref();
            let next = match &e.kind {
                Kind::Added { maintainers } => {
                    counts.added += 1;
                    Some(Arc::from(maintainers.as_slice()))
                }
                Kind::Removed => {
                    counts.removed += 1;
                    None
                }
                Kind::Takes { who } => {
                    counts.taken += 1;
                    let mut m = current.map_or_else(Vec::new, <[String]>::to_vec);
                    for w in who {
                        if !m.contains(w) {
                            m.push(w.clone());
                        }
                    }
                    self.takes.extend(
                        who.iter()
                            .filter(|w| person(w))
                            .map(|w| (c.time, w.clone())),
                    );
                    Some(m.into())
                }
                Kind::Drops { who } => {
                    counts.dropped += 1;
                    let mut m = current.map_or_else(Vec::new, <[String]>::to_vec);
                    m.retain(|x| !who.contains(x));
                    Some(m.into())
                }
                Kind::HandedOver { from, to } => {
                    counts.taken += 1;
                    counts.dropped += 1;
                    let mut m = current.map_or_else(Vec::new, <[String]>::to_vec);
                    m.retain(|x| !from.contains(x));
                    m.extend(to.iter().cloned());
                    self.takes
                        .extend(to.iter().filter(|w| person(w)).map(|w| (c.time, w.clone())));
                    Some(m.into())
                }
            };
            self.set(people, trail, next, &day);
        }
        if !c.events.is_empty() {
            let month = day.get(..7).unwrap_or(&*day);
            let m = self
                .monthly
                .entry(month.to_owned())
                .or_insert_with(|| Month {
                    month: month.to_owned(),
                    ..Month::default()
                });
            m.taken += counts.taken;
            m.dropped += counts.dropped;
            m.added += counts.added;
            m.removed += counts.removed;
        }
        record(&mut self.packages_series, &day, self.live);
        record(&mut self.unmaintained_series, &day, self.unmaintained);
        self.newest = Some(self.newest.map_or(c.time, |n| n.max(c.time)));
    }

    /// What the site shows of it.
    pub fn stats(&self) -> Stats {
        let since = self.newest.unwrap_or_default() - RECENT_DAYS * 86_400;
        let mut took: HashMap<&str, u64> = HashMap::new();
        for (_, who) in self.takes.iter().filter(|(t, _)| *t > since) {
            *took.entry(who).or_default() += 1;
        }
        let mut top: Vec<Taker> = took
            .into_iter()
            .map(|(login, taken)| Taker {
                login: login.to_owned(),
                taken,
            })
            .collect();
        top.sort_by(|a, b| b.taken.cmp(&a.taken).then_with(|| a.login.cmp(&b.login)));
        top.truncate(TOP);
        Stats {
            packages: self.packages_series.clone(),
            unmaintained: self.unmaintained_series.clone(),
            monthly: self.monthly.values().cloned().collect(),
            top_takers: top,
            people: Arc::clone(&self.people),
            trails: Arc::clone(&self.packages),
        }
    }
}

/// A person and how many packages they took lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Taker {
    pub login: String,
    pub taken: u64,
}

/// The numbers `stats.html` and `stats.json` show, and the person and package pages' trends.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub packages: Series,
    pub unmaintained: Series,
    pub monthly: Vec<Month>,
    pub top_takers: Vec<Taker>,
    pub people: Arc<HashMap<String, Series>>,
    /// Each package of the history, gone or not.
    trails: Arc<HashMap<Arc<str>, Trail>>,
}

impl Stats {
    /// Who maintained `package`, from when to when.
    pub fn stints(&self, package: &str) -> &[Stint] {
        self.trails.get(package).map_or(&[], |t| &t.stints)
    }

    /// `stats.json`: the series, the months, the recent takers and, when there are tracks, the
    /// tracking figures.
    pub fn json(&self, tracking: Option<&Tracking>) -> Vec<u8> {
        #[derive(Serialize)]
        struct Document<'a> {
            packages: &'a Series,
            unmaintained: &'a Series,
            monthly: &'a [Month],
            top_takers: &'a [Taker],
            recent_days: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            tracking: Option<&'a Tracking>,
        }
        let mut out = serde_json::to_vec(&Document {
            packages: &self.packages,
            unmaintained: &self.unmaintained,
            monthly: &self.monthly,
            top_takers: &self.top_takers,
            recent_days: RECENT_DAYS,
            tracking,
        })
        .expect("the stats serialize");
        out.push(b'\n');
        out
    }
}

/// Tracks fixed per point release, and the days each took from `fixed-unstable` to `released`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tracking {
    /// `(point release, suites of tracks released in it)`, in release order.
    pub per_release: Vec<(String, u64)>,
    /// The median of the days from `fixed-unstable` to `released`, over every suite of every
    /// track that went through both.
    pub median_days_to_release: Option<f64>,
}

/// The tracking figures from each track's suites' point releases and state changes.
pub fn tracking<'a>(
    released_in: impl Iterator<Item = &'a str>,
    timelines: &BTreeMap<u64, Vec<crate::history::tracks::Change>>,
) -> Tracking {
    let mut per: BTreeMap<Vec<u64>, (String, u64)> = BTreeMap::new();
    for r in released_in {
        // Numerically: 12.10 after 12.9.
        let key = r.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        per.entry(key).or_insert_with(|| (r.to_owned(), 0)).1 += 1;
    }
    let mut days: Vec<f64> = Vec::new();
    for changes in timelines.values() {
        let mut fixed: HashMap<&str, i64> = HashMap::new();
        for c in changes {
            if c.to == "fixed-unstable" {
                fixed.entry(c.suite.as_str()).or_insert(c.time);
            } else if c.to == "released"
                && let Some(t) = fixed.get(c.suite.as_str())
            {
                days.push((c.time - t) as f64 / 86_400.0);
            }
        }
    }
    days.sort_by(f64::total_cmp);
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2]),
        n => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    Tracking {
        per_release: per.into_values().collect(),
        median_days_to_release: median.map(|d| (d * 10.0).round() / 10.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Event;

    fn commit(time: i64, events: Vec<(&str, Kind)>) -> CommitEvents {
        CommitEvents {
            id: format!("{time:040}"),
            parent: None,
            author: "A".into(),
            email: "a@example.org".into(),
            time,
            offset: 3600,
            subject: "s".into(),
            events: events
                .into_iter()
                .map(|(p, kind)| Event {
                    package: p.into(),
                    kind,
                })
                .collect(),
        }
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn folding_in_parts_equals_folding_whole() {
        let d = 86_400;
        let history = vec![
            commit(3 * d, vec![("a", Kind::Removed)]),
            commit(
                2 * d + 5,
                vec![(
                    "b",
                    Kind::HandedOver {
                        from: v(&["ann"]),
                        to: v(&["bob"]),
                    },
                )],
            ),
            commit(2 * d, vec![("a", Kind::Takes { who: v(&["bob"]) })]),
            commit(
                d,
                vec![
                    (
                        "a",
                        Kind::Added {
                            maintainers: vec![],
                        },
                    ),
                    (
                        "b",
                        Kind::Added {
                            maintainers: v(&["ann", "%team"]),
                        },
                    ),
                ],
            ),
        ];
        let whole = Tally::of(&history).stats();
        let mut parts = Tally::of(&history[2..]);
        parts.fold(&history[..2]);
        let parts = parts.stats();
        assert_eq!(whole.packages, parts.packages);
        assert_eq!(
            whole.packages,
            [("1970-01-02".into(), 2), ("1970-01-04".into(), 1)]
        );
        assert_eq!(
            whole.unmaintained,
            [("1970-01-02".into(), 1), ("1970-01-03".into(), 0)]
        );
        assert_eq!(
            whole.people["bob"],
            [("1970-01-03".into(), 2), ("1970-01-04".into(), 1)]
        );
        assert_eq!(whole.monthly.len(), 1);
        let m = &whole.monthly[0];
        assert_eq!((m.taken, m.dropped, m.added, m.removed), (2, 1, 2, 1));
        assert_eq!(
            whole.top_takers[0],
            Taker {
                login: "bob".into(),
                taken: 2
            }
        );
        assert_eq!(
            whole.stints("b"),
            [
                Stint {
                    maintainers: v(&["ann", "%team"]).into(),
                    from: "1970-01-02".into(),
                    to: Some("1970-01-03".into())
                },
                Stint {
                    maintainers: v(&["%team", "bob"]).into(),
                    from: "1970-01-03".into(),
                    to: None
                },
            ]
        );
    }
}
