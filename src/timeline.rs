//! Readiness over time: the series of `status --as-of` for a run of days, replayed from
//! history. A point is exactly what `status --as-of` says for its day (the store as it
//! stood at the end of the day, judged as of that day); days before history starts are
//! judged on its first commit, and say so.

use std::sync::Arc;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::git::{Repo, TreeCache};
use crate::model::{Date, History, Period};
use crate::readiness::{self, Assessment, CategoryScore, Score};
use crate::store::ParseCache;

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

/// A day the series leaves out: the store as it stood then does not load, and
/// `status --as-of` refuses it the same way.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub day: Date,
    pub commit: String,
    pub errors: usize,
}

/// The points of `days` (in order), each exactly what `status --as-of` says that day:
/// the store at `history`'s last commit on or before the day (its first for a day
/// before history starts), with the evidence that does not count set aside, judged as
/// of the day on the history up to that commit. `history` is read from `repo`.
///
/// Points are judged one after another (each on every core), so that one store is held
/// at a time, and share what their stores have in common (`shared`): a folder, a
/// parsed record or a file's hash that did not change between two points is read once.
pub fn replay(
    repo: &Repo,
    history: &History,
    days: &[Date],
    shared: &Shared,
) -> Result<(Vec<Point>, Vec<Skipped>)> {
    let Shared { parsed, trees } = shared;
    let mut points = Vec::new();
    let mut skipped = Vec::new();
    for &day in days {
        let (index, before) = match history.commit_at(day) {
            Some(index) => (index, false),
            None => (0, true),
        };
        let commit = history.commits[index].id.clone();
        let source = repo.tree_source_sharing(&commit, trees)?;
        let (loaded, _) = audit::load_judged(&source, None, Some(parsed))?;
        let errors = loaded.errors().count();
        if errors > 0 {
            skipped.push(Skipped {
                day,
                commit,
                errors,
            });
        } else {
            let past = history.cut(index);
            let assessment = readiness::assess(&loaded.store, day, &past);
            points.push(Point::of(&assessment, commit, before));
        }
        trees.next_generation();
        parsed.next_generation();
    }
    Ok((points, skipped))
}

/// What reading many revisions of one store shares (`replay`, and a command that
/// judges a store of its own before): folders, parsed records and files' hashes that
/// did not change between two of them are read once.
#[derive(Default)]
pub struct Shared {
    pub parsed: ParseCache,
    pub trees: Arc<TreeCache>,
}

impl Shared {
    /// Sharing also what earlier runs kept in `dir` (see `ParseCache::kept_in`).
    pub fn kept_in(dir: &std::path::Path) -> Shared {
        Shared {
            parsed: ParseCache::kept_in(dir),
            trees: Arc::default(),
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
