//! `soc2 timeline`: readiness over time as a table or CSV.

use super::{Style, align_right, table};
use crate::catalog::Category;
use crate::timeline::{Point, Timeline};

/// The categories any point has, in catalogue order.
fn categories(timeline: &Timeline) -> Vec<Category> {
    let mut seen: Vec<Category> = timeline
        .points
        .iter()
        .flat_map(|p| p.categories.iter().map(|c| c.category))
        .collect();
    seen.sort();
    seen.dedup();
    seen
}

fn category_percent(point: &Point, category: Category) -> String {
    point
        .categories
        .iter()
        .find(|c| c.category == category)
        .map_or("-".to_string(), |c| format!("{:.1}%", c.score.readiness))
}

pub fn render_table(timeline: &Timeline, style: Style) -> String {
    let categories = categories(timeline);
    let mut header = vec!["Day", "Readiness", "Met"];
    let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    header.extend(names.iter());
    header.push("Commit");
    let mut t = table(&header);
    for point in &timeline.points {
        let mut row = vec![
            format!(
                "{}{}",
                point.day,
                if point.before_history { " *" } else { "" }
            ),
            format!("{:.1}%", point.overall.readiness),
            format!("{}/{}", point.overall.met, point.overall.total),
        ];
        row.extend(categories.iter().map(|c| category_percent(point, *c)));
        row.push(point.commit.chars().take(12).collect());
        t.add_row(row);
    }
    align_right(&mut t, &(1..=2 + categories.len()).collect::<Vec<_>>());
    let mut out = format!(
        "{}\n{t}\n",
        style.bold(&format!(
            "{}: readiness every {} from {} to {}",
            timeline.organisation,
            timeline.every.as_str(),
            timeline.from,
            timeline.to
        ))
    );
    if timeline.points.iter().any(|p| p.before_history) {
        let starts = timeline
            .history_starts
            .map_or(String::new(), |d| format!(" on {d}"));
        out.push_str(&style.dim(&format!(
            "* before git history starts{starts}: judged on the store as its first commit holds it (W-NO-HISTORY)\n"
        )));
    }
    out
}

/// One row per point: day, commit, whether it predates history, overall readiness,
/// met and total criteria, then each category's readiness.
pub fn render_csv(timeline: &Timeline) -> String {
    let categories = categories(timeline);
    let mut out = String::from("day,commit,before_history,readiness,met,total");
    for c in &categories {
        out.push_str(&format!(",{}", c.as_str()));
    }
    out.push('\n');
    for point in &timeline.points {
        out.push_str(&format!(
            "{},{},{},{:.1},{},{}",
            point.day,
            point.commit,
            point.before_history,
            point.overall.readiness,
            point.overall.met,
            point.overall.total
        ));
        for c in &categories {
            let value = point
                .categories
                .iter()
                .find(|s| s.category == *c)
                .map_or(String::new(), |s| format!("{:.1}", s.score.readiness));
            out.push_str(&format!(",{value}"));
        }
        out.push('\n');
    }
    out
}
