//! Hand-written SVG charts: per group, horizontal bars of each contender's
//! median by parameter and of our ratio to the best peer; for the targets,
//! each measurement as a share of its bound.

use std::fmt::Write as _;

use super::results::{Group, is_floor, is_ours};
use super::targets::Row;

/// Width of the longest bar; labels go left of the bars, values right.
const SPAN: f64 = 420.0;
const BAR: f64 = 14.0;
const GAP: f64 = 4.0;
const HEADER: f64 = 22.0;
/// Roughly the width of one character at the charts' font size.
const CHAR: f64 = 6.8;
const OURS: [&str; 3] = ["#1b9e77", "#0b6e4f", "#66c2a5"];
/// Peers' colours: neither green (ours, met) nor orange (missed).
const PEERS: [&str; 8] =
    ["#7570b3", "#e7298a", "#1f78b4", "#a6761d", "#e6ab02", "#666666", "#6a3d9a", "#b15928"];
const GOOD: &str = "#1b9e77";
const BAD: &str = "#d95f02";

/// The chart of one group: medians by parameter, then ours ÷ best peer.
pub(crate) fn group_chart(id: &str, group: &Group) -> String {
    let contenders = group.contenders();
    let params = group.params();
    let name = |c: &str| if is_floor(id, c) { format!("{c} (floor)") } else { c.to_owned() };
    let longest_param = params.iter().map(|p| p.0.len()).max().unwrap_or(0);
    let mut chart = Chart::new(
        contenders.iter().map(|c| name(c).len() + if is_ours(c) { 3 + longest_param } else { 0 }),
    );
    let values: Vec<f64> = group
        .rows
        .values()
        .flat_map(|m| m.values().map(|v| v.value))
        .filter(|v| v.is_finite())
        .collect();
    let scale = clipped_max(&values);
    let (ours, peers): (Vec<&str>, Vec<&str>) = contenders.iter().partition(|c| is_ours(c));
    let color = |c: &str| match ours.iter().position(|o| *o == c) {
        Some(i) => OURS[i % OURS.len()],
        None => PEERS[peers.iter().position(|p| *p == c).unwrap_or(0) % PEERS.len()],
    };
    for param in &params {
        chart.heading(&param_label(&param.0));
        for c in &contenders {
            let Some(v) = group.get(c, param) else { continue };
            let mut label = format!("{} {}", number(v.value), group.unit.short());
            if v.value > scale {
                label.push_str(" »");
            }
            if !v.fresh {
                label.push_str(" (earlier run)");
            }
            let faint = is_floor(id, c);
            chart.bar(&name(c), v.value.min(scale) / scale, color(c), faint, &label);
        }
        chart.y += GAP;
    }

    // Ours ÷ the best like-for-like peer (floors left out), at each parameter.
    let mut ratios = Vec::new();
    for param in &params {
        let Some((peer, peer_value)) = group.best_peer(param, |c| !is_floor(id, c)) else {
            continue;
        };
        for c in &ours {
            if let Some(v) = group.get(c, param) {
                ratios.push((*param, *c, peer, v.value / peer_value.value));
            }
        }
    }
    if !ratios.is_empty() {
        chart.y += 10.0;
        chart.heading("ours ÷ the best peer at each parameter (below 1× = better than every peer)");
        let rmax = ratios.iter().map(|r| r.3).fold(1.5_f64, f64::max).min(4.0);
        let mark = chart.mark();
        for (param, c, peer, ratio) in &ratios {
            let fill = if *ratio <= 1.0 { GOOD } else { BAD };
            let label = format!("{ratio:.2}× {peer}{}", if *ratio > rmax { " »" } else { "" });
            chart.bar(&format!("{c} @ {}", param.0), ratio.min(rmax) / rmax, fill, false, &label);
        }
        chart.line(mark, 1.0 / rmax, "1×");
    }
    chart.finish(&format!("{id}: {}, shorter is better", group.unit.label()))
}

/// Every target row as a share of its bound; the dashed line is the bound.
pub(crate) fn targets_chart(rows: &[Row]) -> String {
    let mut chart =
        Chart::new(rows.iter().map(|r| r.group.len() + r.param.0.len() + r.ours.len() + 2));
    let smax = rows.iter().map(Row::share_of_bound).fold(1.5_f64, f64::max).min(3.0);
    let mark = chart.mark();
    let mut last_target = "";
    for row in rows {
        if row.target.text != last_target {
            last_target = row.target.text;
            chart.heading(&format!("{} ({})", row.target.text.replace('`', ""), row.target.source));
        }
        let share = row.share_of_bound();
        let label = format!(
            "{} vs {} ({}){}{}",
            row.measure_text(),
            row.peer,
            row.bound_text(),
            if share > smax { " »" } else { "" },
            if row.fresh() { "" } else { ", earlier run" }
        );
        let name = format!("{} {} {}", row.group, row.param.0, row.ours);
        let fill = if row.met() { GOOD } else { BAD };
        chart.bar(&name, share.min(smax) / smax, fill, false, &label);
    }
    chart.line(mark, 1.0 / smax, "target");
    chart.finish(
        "DESIGN targets: each measurement as a share of its bound (dashed line); green is met",
    )
}

/// Horizontal bars under one another, names left, values right.
struct Chart {
    body: String,
    y: f64,
    /// Where the bars start.
    x0: f64,
    /// The longest value label, in characters.
    right: usize,
}

impl Chart {
    /// `lengths`: the lengths of the names that go left of the bars.
    fn new(lengths: impl Iterator<Item = usize>) -> Chart {
        let x0 = (24.0 + CHAR * lengths.max().unwrap_or(20) as f64).max(160.0);
        Chart { body: String::new(), y: 40.0, x0, right: 10 }
    }

    fn heading(&mut self, text: &str) {
        let _ = writeln!(
            self.body,
            "<text x=\"10\" y=\"{}\" font-weight=\"bold\">{}</text>",
            self.y + 14.0,
            escape(text)
        );
        self.y += HEADER;
    }

    /// A bar `share` (0..=1) of the full span long.
    fn bar(&mut self, name: &str, share: f64, fill: &str, faint: bool, label: &str) {
        let (x0, y) = (self.x0, self.y);
        let w = (share * SPAN).max(1.0);
        let text_y = y + BAR - 3.0;
        let opacity = if faint { " fill-opacity=\"0.4\"" } else { "" };
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{x0:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{BAR}\" fill=\"{fill}\"{opacity}/>\
             <text x=\"{:.1}\" y=\"{text_y}\">{}</text>",
            x0 - 8.0,
            escape(name),
            x0 + w + 6.0,
            escape(label)
        );
        self.right = self.right.max(label.chars().count());
        self.y += BAR + GAP;
    }

    /// Where a vertical line drawn later should start (and be drawn
    /// beneath the bars that follow).
    fn mark(&self) -> (usize, f64) {
        (self.body.len(), self.y)
    }

    /// A dashed vertical line at `share` of the span, from `mark` down to
    /// here, drawn beneath the bars.
    fn line(&mut self, (at, top): (usize, f64), share: f64, label: &str) {
        let x = self.x0 + share * SPAN;
        let bottom = self.y;
        let line = format!(
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#999\" \
             stroke-dasharray=\"4 3\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" \
             fill=\"#555\">{}</text>\n",
            bottom + 12.0,
            escape(label)
        );
        self.body.insert_str(at, &line);
        self.y += 16.0;
    }

    fn finish(self, title: &str) -> String {
        let width = self.x0 + SPAN + 20.0 + CHAR * self.right as f64;
        let width = width.max(CHAR * 1.2 * title.chars().count() as f64 + 20.0);
        let height = self.y + 10.0;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
             viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"10\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{}</text>\n{}</svg>\n",
            escape(title),
            self.body
        )
    }
}

/// The largest value, or four times the median when one value dwarfs the
/// rest (those bars are clipped and marked »).
fn clipped_max(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let Some(&max) = sorted.last() else { return 1.0 };
    let median = sorted[sorted.len() / 2];
    let scale = if max > 4.0 * median { 4.0 * median } else { max };
    if scale > 0.0 { scale } else { 1.0 }
}

/// `N = 10000` for numbers, the parameter itself otherwise.
fn param_label(param: &str) -> String {
    if param.parse::<u64>().is_ok() { format!("N = {param}") } else { param.to_owned() }
}

/// A median with as many digits as it deserves.
pub(crate) fn number(v: f64) -> String {
    if !v.is_finite() {
        "-".to_owned()
    } else if v.abs() < 10.0 {
        format!("{v:.2}")
    } else if v.abs() < 1_000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
