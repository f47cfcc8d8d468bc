//! The report's charts as inline SVG, drawn with plotters' SVG backend: readiness per
//! category (bars) and readiness over time (a line). No fonts are loaded: text sizes
//! are estimated, and the SVG names a generic font family.

use plotters::prelude::*;

use super::TimelineData;
use crate::readiness::{CategoryScore, Score};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 300;
const BAR: RGBColor = RGBColor(37, 99, 235);
const LINE: RGBColor = RGBColor(22, 163, 74);
const GATE: RGBColor = RGBColor(220, 38, 38);

/// Readiness overall and per category, as bars from 0 to 100%.
pub(super) fn readiness_bars(
    overall: &Score,
    categories: &[CategoryScore],
    gate: Option<u32>,
) -> String {
    let mut bars: Vec<(String, f64)> = vec![("overall".to_string(), overall.readiness)];
    bars.extend(
        categories
            .iter()
            .map(|c| (c.category.as_str().to_string(), c.score.readiness)),
    );
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = bars.len() as u32;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            // A segmented range of 0..m has m + 1 segments.
            .build_cartesian_2d((0..n - 1).into_segmented(), 0.0f64..100.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .y_desc("readiness (%)")
            .x_labels(bars.len())
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => bars
                    .get(*i as usize)
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 13))
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
            let i = i as u32;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), *value),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 14, 14);
            bar
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
            Text::new(
                format!("{value:.1}%"),
                (SegmentValue::CenterOf(i as u32), (value + 6.0).min(97.0)),
                ("sans-serif", 13).into_font().color(&BLACK),
            )
        }))?;
        if let Some(gate) = gate {
            let gate = f64::from(gate.min(100));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(SegmentValue::Exact(0), gate), (SegmentValue::Last, gate)],
                GATE.stroke_width(1),
            )))?;
        }
        root.present()?;
        Ok(())
    })();
    finish(svg, drawn.is_ok(), "Readiness overall and per category")
}

/// Readiness over time: the overall line, a dot per point (hollow before git history
/// starts), the points evenly spaced and labelled with their days.
pub(super) fn timeline_line(timeline: &TimelineData) -> String {
    let points = &timeline.points;
    let n = points.len().max(1) as u32;
    // At most about nine labels fit under the chart.
    let every = points.len().div_ceil(9).max(1);
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0.0f64..100.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(points.len())
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) if (*i as usize).is_multiple_of(every) => points
                    .get(*i as usize)
                    .map(|p| p.day.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_desc("readiness (%)")
            .label_style(("sans-serif", 12))
            .draw()?;
        chart.draw_series(LineSeries::new(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (SegmentValue::CenterOf(i as u32), p.overall.readiness)),
            LINE.stroke_width(2),
        ))?;
        chart.draw_series(points.iter().enumerate().map(|(i, p)| {
            Circle::new(
                (SegmentValue::CenterOf(i as u32), p.overall.readiness),
                3,
                if p.before_history {
                    LINE.stroke_width(1)
                } else {
                    LINE.filled()
                },
            )
        }))?;
        root.present()?;
        Ok(())
    })();
    finish(svg, drawn.is_ok(), "Readiness over time")
}

/// The SVG for inline use: no namespace attribute (HTML needs none, and the report
/// names no address), scaled to its container, labelled for screen readers. A chart
/// that could not be drawn says so instead.
fn finish(svg: String, drawn: bool, label: &str) -> String {
    if !drawn {
        return format!(
            "<p class=\"note\">The chart \u{201c}{label}\u{201d} could not be drawn; the table below holds its numbers.</p>"
        );
    }
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"chart\" "),
            1,
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Category;

    #[test]
    fn charts_are_inline_svg_and_the_same_each_time() {
        let score = Score {
            met: 5,
            partial: 3,
            uncovered: 0,
            excluded: 0,
            total: 8,
            readiness: 62.5,
        };
        let categories = vec![CategoryScore {
            category: Category::Security,
            score,
        }];
        let svg = readiness_bars(&score, &categories, Some(80));
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(svg.contains("62.5%"), "{svg}");
        assert!(svg.contains(">\nsecurity\n</text>"), "{svg}");
        assert!(!svg.contains("http"), "{svg}");
        assert_eq!(svg, readiness_bars(&score, &categories, Some(80)));
    }
}
