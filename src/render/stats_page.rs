//! `stats.html`: each chart of the trends with the numbers behind it.

use super::charts;
use super::html::{Page, StatsPage};
use super::stats::{Stats, Tracking};

/// The trends page of `st`, with the tracking figures when there are tracks.
pub(super) fn page<'a>(
    page: Page<'a>,
    st: &'a Stats,
    tracking: Option<&'a Tracking>,
) -> StatsPage<'a> {
    // Both series by day, each carried forward to the days only the other changed.
    let mut days: Vec<(&str, i64, i64)> = Vec::new();
    let (mut p, mut u) = (
        st.packages.iter().peekable(),
        st.unmaintained.iter().peekable(),
    );
    let (mut pv, mut uv) = (0, 0);
    loop {
        let d = match (p.peek(), u.peek()) {
            (Some(a), Some(b)) => a.0.as_str().min(b.0.as_str()),
            (Some(a), None) => a.0.as_str(),
            (None, Some(b)) => b.0.as_str(),
            (None, None) => break,
        };
        if let Some(x) = p.next_if(|x| x.0 == d) {
            pv = x.1;
        }
        if let Some(x) = u.next_if(|x| x.0 == d) {
            uv = x.1;
        }
        days.push((d, pv, uv));
    }
    let takers: Vec<(String, u64)> = st
        .top_takers
        .iter()
        .map(|t| (t.login.clone(), t.taken))
        .collect();
    let releases = tracking.map(|t| t.per_release.clone()).unwrap_or_default();
    StatsPage {
        page,
        packages_now: pv,
        unmaintained_now: uv,
        last_day: days.last().map_or("", |d| d.0),
        over_time: charts::over_time(
            "Packages and unmaintained packages over time",
            "packages",
            &[
                ("packages", &st.packages),
                ("unmaintained", &st.unmaintained),
            ],
        ),
        days,
        monthly: &st.monthly,
        monthly_svg: charts::monthly(
            "Packages taken, dropped, added and removed per month",
            &st.monthly,
        ),
        recent_days: super::stats::RECENT_DAYS,
        takers: &st.top_takers,
        takers_svg: charts::ranking(
            "The people who took the most packages lately",
            "packages taken",
            &takers,
        ),
        tracking,
        releases_svg: charts::ranking(
            "Tracked bugs fixed per point release",
            "fixes (suites)",
            &releases,
        ),
    }
}
