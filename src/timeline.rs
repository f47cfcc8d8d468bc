//! Readiness over time: the series of `status --as-of` for a run of days, replayed from
//! history. A point is exactly what `status --as-of` says for its day (the store as it
//! stood at the end of the day, judged as of that day); days before history starts are
//! judged on its first commit, and say so.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::git::Repo;
use crate::model::{Date, History, Period};
use crate::readiness::{self, Assessment, CategoryScore, Score};
use crate::store::{self, ParseCache, Source};

/// How far apart the points are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Day,
    Week,
    Month,
}

impl Every {
    pub fn as_str(self) -> &'static str {
        match self {
            Every::Day => "day",
            Every::Week => "week",
            Every::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<Every> {
        [Every::Day, Every::Week, Every::Month]
            .into_iter()
            .find(|e| e.as_str() == text)
    }
}

/// The days of the series: `from`, then every day, week or month, and `to` itself.
pub fn days(from: Date, to: Date, every: Every) -> Vec<Date> {
    let mut out = Vec::new();
    let mut n = 0u32;
    loop {
        let day = match every {
            Every::Day => from.add_days(i64::from(n)),
            Every::Week => from.add_days(7 * i64::from(n)),
            Every::Month => from.add_months(n),
        };
        if day >= to || out.len() > 10_000 {
            break;
        }
        out.push(day);
        n += 1;
    }
    if from <= to {
        out.push(to);
    }
    out
}

/// The default span: the observation period's start (or the first commit) to `today`.
pub fn default_span(
    period: Option<Period>,
    history_starts: Option<Date>,
    today: Date,
) -> (Date, Date) {
    let from = period
        .map(|p| p.start)
        .or(history_starts)
        .unwrap_or(today)
        .min(today);
    (from, today)
}

/// One point: readiness on `day`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub day: Date,
    /// The commit the store was read from.
    pub commit: String,
    /// The day is before history starts: judged on the first commit's store.
    pub before_history: bool,
    pub overall: Score,
    pub categories: Vec<CategoryScore>,
}

impl Point {
    pub fn of(assessment: &Assessment, commit: String, before_history: bool) -> Point {
        Point {
            day: assessment.today,
            commit,
            before_history,
            overall: assessment.overall,
            categories: assessment.categories.clone(),
        }
    }
}

/// The series, as `soc2 timeline` prints it and the report draws it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub organisation: String,
    pub every: Every,
    pub from: Date,
    pub to: Date,
    /// The day git history starts.
    pub history_starts: Option<Date>,
    pub points: Vec<Point>,
}

/// A day left out of a series: the store as it stood then does not load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub day: Date,
    pub commit: String,
    pub errors: usize,
}

/// The points of `days`, replayed from `history` (read from `repo`): each day's store
/// is read from the last commit on or before it, and judged as of that day, exactly as
/// `status --as-of` does. Records unchanged between commits are parsed once. Days
/// whose store does not load are left out and returned apart, as `status --as-of`
/// refuses them.
pub fn replay(repo: &Repo, history: &History, days: &[Date]) -> Result<(Vec<Point>, Vec<Skipped>)> {
    let cache = ParseCache::default();
    let mut points = Vec::new();
    let mut skipped = Vec::new();
    // Days on one commit share its store: it is loaded once.
    let mut current: Option<(usize, store::Loaded)> = None;
    for &day in days {
        let (index, before) = match history.commit_at(day) {
            Some(i) => (i, false),
            None => (0, true),
        };
        let Some(commit) = history.commits.get(index).map(|c| c.id.clone()) else {
            continue;
        };
        if current.as_ref().is_none_or(|(i, _)| *i != index) {
            let source: Box<dyn Source> = Box::new(repo.tree_source(&commit)?);
            current = Some((index, store::load_cached(&*source, Some(&cache))?));
        }
        let (_, loaded) = current.as_ref().expect("set above");
        let errors = loaded.errors().count();
        if errors > 0 {
            skipped.push(Skipped {
                day,
                commit,
                errors,
            });
            continue;
        }
        let past = history.cut(index);
        let assessment = readiness::assess(&loaded.store, day, &past);
        points.push(Point::of(&assessment, commit, before));
    }
    Ok((points, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn a_series_runs_from_the_first_day_to_the_last() {
        let weeks = days(day("2026-07-01"), day("2026-07-20"), Every::Week);
        assert_eq!(
            weeks,
            [
                day("2026-07-01"),
                day("2026-07-08"),
                day("2026-07-15"),
                day("2026-07-20")
            ]
        );
        let months = days(day("2026-01-31"), day("2026-04-01"), Every::Month);
        assert_eq!(
            months,
            [
                day("2026-01-31"),
                day("2026-02-28"),
                day("2026-03-31"),
                day("2026-04-01")
            ]
        );
        assert_eq!(
            days(day("2026-07-01"), day("2026-07-01"), Every::Day),
            [day("2026-07-01")]
        );
        assert!(days(day("2026-07-02"), day("2026-07-01"), Every::Day).is_empty());
    }

    #[test]
    fn the_default_span_is_the_period_to_today() {
        let period = Period {
            start: day("2026-04-01"),
            end: day("2026-09-30"),
        };
        assert_eq!(
            default_span(Some(period), None, day("2026-11-23")),
            (day("2026-04-01"), day("2026-11-23"))
        );
        assert_eq!(
            default_span(None, Some(day("2026-10-01")), day("2026-11-23")),
            (day("2026-10-01"), day("2026-11-23"))
        );
    }
}
