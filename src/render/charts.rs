//! The charts of `stats.html` and the person pages, drawn with plotters' SVG backend into
//! inline SVG: a `<title>`, axis labels, and a `viewBox` with the width left to the page, so
//! they stay sharp at any width. No JavaScript.

use plotters::coord::ranged1d::AsRangedCoord;
use plotters::prelude::*;

use super::stats::{Month, Series, day};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 320;
const FONT: &str = "sans-serif";
const PACKAGES: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const UNMAINTAINED: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const TAKEN: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const DROPPED: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const REMOVED: RGBColor = RGBColor(0x7f, 0x7f, 0x7f);

/// Days since 1970-01-01 of `YYYY-MM-DD`; `None` for anything that is not such a date.
fn days(date: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    Some(i64::from(d.since(epoch).ok()?.get_days()))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// plotters' document made scalable (`width="100%"`, no height: the `viewBox` keeps the
/// ratio) and titled.
fn finish(svg: String, title: &str) -> String {
    let Some(end) = svg.find('>') else {
        return svg;
    };
    let open = &svg[..end];
    let view_box = open
        .find("viewBox=\"")
        .and_then(|i| open[i + 9..].split('"').next())
        .unwrap_or("");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"{view_box}\"><title>{}</title>{}",
        escape(title),
        &svg[end + 1..]
    )
}

/// Draws into an SVG string; a drawing error leaves the chart out (a note says so).
fn draw(
    title: &str,
    size: (u32, u32),
    f: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), DrawError>,
) -> String {
    let mut svg = String::new();
    let ok = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        f(root).is_ok()
    };
    if ok {
        finish(svg, title)
    } else {
        format!(
            "<p class=\"muted\">{} could not be drawn.</p>",
            escape(title)
        )
    }
}

/// What drawing into an SVG string can fail with.
type DrawError = plotters::drawing::DrawingAreaErrorKind<std::io::Error>;

/// The top of an axis: a tenth above the highest value.
fn headroom<T>(top: T) -> T
where
    T: Copy + From<u8> + std::ops::Add<Output = T> + std::ops::Div<Output = T>,
{
    top + top / T::from(10) + T::from(1)
}

/// A chart on the SVG backend, in the coordinates `X` and `Y` describe.
type Chart<'a, 'b, X, Y> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// The white canvas and the chart area every chart shares, `y_area` wide for the y labels.
fn frame<'a, 'b, X: AsRangedCoord, Y: AsRangedCoord>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    y_area: u32,
    x: X,
    y: Y,
) -> Result<Chart<'a, 'b, X, Y>, DrawError> {
    root.fill(&WHITE)?;
    ChartBuilder::on(root)
        .margin(12)
        .margin_right(40)
        .x_label_area_size(36)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)
}

/// The legend, in the upper left corner.
fn legend<'a, 'b: 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>,
) -> Result<(), DrawError> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 12))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
}

/// A count as steps: each value holds until the next day with a change, and the last one
/// until `end` (the last day of the chart), so every series runs to the end of the period.
fn steps(pts: &[(i64, i64)], end: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(pts.len() * 2 + 1);
    for (j, p) in pts.iter().enumerate() {
        if j > 0 {
            out.push((p.0, pts[j - 1].1));
        }
        out.push(*p);
    }
    if let Some(&(x, y)) = pts.last()
        && x < end
    {
        out.push((end, y));
    }
    out
}

/// Lines over days: each series with its label and colour; "" without a point.
pub fn over_time(title: &str, y_desc: &str, series: &[(&str, &Series)]) -> String {
    let colours = [PACKAGES, UNMAINTAINED];
    let points: Vec<Vec<(i64, i64)>> = series
        .iter()
        .map(|(_, s)| s.iter().filter_map(|(d, v)| Some((days(d)?, *v))).collect())
        .collect();
    if points.iter().all(Vec::is_empty) {
        return String::new();
    }
    let all = points.iter().flatten();
    let (x0, last) = all.clone().fold((i64::MAX, i64::MIN), |(a, b), (x, _)| {
        (a.min(*x), b.max(*x))
    });
    let y1 = all.map(|(_, y)| *y).max().unwrap_or(0).max(1);
    let (x0, x1) = if x0 >= last {
        (x0 - 1, x0 + 1)
    } else {
        (x0, last)
    };
    draw(title, (WIDTH, HEIGHT), |root| {
        let mut chart = frame(&root, 60, x0..x1, 0..headroom(y1))?;
        chart
            .configure_mesh()
            .x_desc("date (UTC)")
            .y_desc(y_desc)
            .x_labels(6)
            .x_label_formatter(&|d| day(d * 86_400))
            .label_style((FONT, 12))
            .draw()?;
        for (i, ((label, _), pts)) in series.iter().zip(&points).enumerate() {
            let colour = colours[i % colours.len()];
            chart
                .draw_series(LineSeries::new(steps(pts, last), colour.stroke_width(2)))?
                .label(*label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour));
            if pts.len() == 1 {
                chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, colour.filled())))?;
            }
        }
        legend(&mut chart)?;
        root.present()
    })
}

/// One kind of bar: its label, colour and value in a month.
type Bar = (&'static str, RGBColor, fn(&Month) -> u64);

/// Bars per month: taken, dropped, added and removed side by side; "" without a month.
pub fn monthly(title: &str, months: &[Month]) -> String {
    if months.is_empty() {
        return String::new();
    }
    let kinds: [Bar; 4] = [
        ("taken", TAKEN, |m| m.taken),
        ("dropped", DROPPED, |m| m.dropped),
        ("added", PACKAGES, |m| m.added),
        ("removed", REMOVED, |m| m.removed),
    ];
    let top = months
        .iter()
        .flat_map(|m| kinds.iter().map(move |(_, _, f)| f(m)))
        .max()
        .unwrap_or(0)
        .max(1);
    let n = months.len() as i32;
    draw(title, (WIDTH, HEIGHT), |root| {
        let mut chart = frame(&root, 60, 0..n * 5, 0..headroom(top))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("month")
            .y_desc("packages")
            .x_labels(months.len().min(12))
            .x_label_formatter(&|x| {
                months
                    .get((*x / 5) as usize)
                    .map_or_else(String::new, |m| m.month.clone())
            })
            .label_style((FONT, 12))
            .draw()?;
        for (k, (label, colour, f)) in kinds.iter().enumerate() {
            let colour = *colour;
            chart
                .draw_series(months.iter().enumerate().map(|(i, m)| {
                    let x = i as i32 * 5 + k as i32;
                    Rectangle::new([(x, 0), (x + 1, f(m))], colour.filled())
                }))?
                .label(*label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        legend(&mut chart)?;
        root.present()
    })
}

/// Horizontal bars, one per named row, longest first as given; "" without a row.
pub fn ranking(title: &str, x_desc: &str, rows: &[(String, u64)]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let top = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let n = rows.len() as i32;
    let height = 60 + 28 * n as u32;
    // Row i from the top is segment n-1-i, its name centred on it.
    let name = |y: i32| rows.get((n - 1 - y) as usize).map(|(name, _)| name.clone());
    draw(title, (WIDTH, height), |root| {
        let mut chart = frame(&root, 140, 0..headroom(top), (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_desc)
            .y_labels(rows.len())
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(y) => name(*y).unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()?;
        chart.draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
            let y = n - 1 - i as i32;
            let mut bar = Rectangle::new(
                [
                    (0, SegmentValue::Exact(y)),
                    (*v, SegmentValue::Exact(y + 1)),
                ],
                PACKAGES.mix(0.8).filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        root.present()
    })
}

/// A person's package count over time, small and without axes: one polyline, written here
/// rather than by plotters, because it is on every person's page and plotters' version of it
/// is four times the bytes and most of the time those pages take.
pub fn sparkline(title: &str, series: &Series) -> String {
    const W: i64 = 240;
    const H: i64 = 40;
    let pts: Vec<(i64, i64)> = series
        .iter()
        .filter_map(|(d, v)| Some((days(d)?, *v)))
        .collect();
    let (x0, x1) = match (pts.first(), pts.last()) {
        (Some(a), Some(b)) if a.0 < b.0 => (a.0, b.0),
        (Some(a), _) => (a.0 - 1, a.0 + 1),
        _ => return String::new(),
    };
    let y1 = pts.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let x = |d: i64| 2 + (d - x0) * (W - 4) / (x1 - x0);
    let y = |v: i64| H - 2 - v * (H - 4) / y1;
    // The steps, the last count held up to the end.
    let points: String = steps(&pts, x1)
        .iter()
        .map(|(d, v)| format!("{},{}", x(*d), y(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"0 0 {W} {H}\"><title>{}</title><polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{points}\"/></svg>",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2026-11-22"), Some(20_779));
        assert_eq!(day(days("2000-02-29").unwrap() * 86_400), "2000-02-29");
        for bad in ["2026-13-01", "2026-02-30", "x-y-z", "2026-1", ""] {
            assert_eq!(days(bad), None, "{bad}");
        }
    }

    /// The points of the polyline drawn in `colour`.
    fn line(svg: &str, colour: RGBColor) -> Vec<(f64, f64)> {
        let stroke = format!(
            "stroke=\"#{:02X}{:02X}{:02X}\"",
            colour.0, colour.1, colour.2
        );
        let at = svg
            .match_indices("<polyline")
            .map(|(i, _)| &svg[i..i + svg[i..].find("/>").unwrap()])
            .find(|p| p.contains(&stroke))
            .unwrap_or_else(|| panic!("no {stroke} polyline in {svg}"));
        let points = at
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        points
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn both_lines_run_to_the_last_day() {
        // The packages last changed on 2026-01-03, the unmaintained count on 2026-01-20.
        let packages: Series = vec![("2026-01-01".into(), 3), ("2026-01-03".into(), 5)];
        let unmaintained: Series = vec![("2026-01-01".into(), 1), ("2026-01-20".into(), 2)];
        let svg = over_time(
            "t",
            "packages",
            &[("packages", &packages), ("unmaintained", &unmaintained)],
        );
        let p = line(&svg, PACKAGES);
        let u = line(&svg, UNMAINTAINED);
        assert_eq!(p.last().unwrap().0, u.last().unwrap().0, "{p:?} {u:?}");
        assert!(
            p.len() > 2 && p[p.len() - 1].1 == p[p.len() - 2].1,
            "flat to the end: {p:?}"
        );
    }

    #[test]
    fn charts_scale_and_are_titled() {
        let s: Series = vec![("2026-01-01".into(), 3), ("2026-02-01".into(), 5)];
        let svg = over_time("Packages <over> time", "packages", &[("packages", &s)]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"0 0 800 320\"><title>Packages &lt;over&gt; time</title>"), "{svg}");
        assert!(
            svg.contains("date (UTC)") && svg.contains("2026-01-"),
            "{svg}"
        );
        let one: Series = vec![("2026-01-01".into(), 3)];
        assert!(over_time("t", "n", &[("packages", &one)]).contains("<circle"));
        assert!(sparkline("t", &one).starts_with("<svg"));
        assert_eq!(sparkline("t", &Vec::new()), "");
        assert_eq!(over_time("t", "n", &[("packages", &Vec::new())]), "");
        assert_eq!(monthly("t", &[]), "");
        assert_eq!(
            steps(&[(1, 3), (4, 5)], 9),
            [(1, 3), (4, 3), (4, 5), (9, 5)]
        );
        assert_eq!(ranking("t", "n", &[]), "");
        assert!(ranking("t", "n", &[("alice".into(), 1)]).contains("alice"));
    }
}
