//! Type II observation windows: a control's frequency splits the observation period
//! into calendar windows, clipped to the period.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::{Date, Frequency, Period};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub label: String,
    pub start: Date,
    pub end: Date,
}

/// The calendar unit a frequency is sampled in. Continuous controls are sampled
/// monthly, per-event controls quarterly: the tool cannot know the population of
/// events, so it asks for at least one sample per quarter.
fn unit(frequency: Frequency) -> Frequency {
    match frequency {
        Frequency::Continuous => Frequency::Monthly,
        Frequency::PerEvent => Frequency::Quarterly,
        other => other,
    }
}

/// The windows of `period` for a control of `frequency`, in order.
pub fn windows(period: Period, frequency: Frequency) -> Vec<Window> {
    let unit = unit(frequency);
    let mut out = Vec::new();
    let mut cursor = period.start;
    while cursor <= period.end {
        let end = unit_end(cursor.0, unit).min(period.end.0);
        out.push(Window {
            label: label(cursor.0, unit),
            start: cursor,
            end: Date(end),
        });
        cursor = Date(end).add_days(1);
    }
    out
}

/// The last day of the calendar unit holding `day`.
fn unit_end(day: NaiveDate, unit: Frequency) -> NaiveDate {
    let last_of_month = |year: i32, month: u32| {
        let (y, m) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month") - chrono::Duration::days(1)
    };
    match unit {
        Frequency::Daily => day,
        Frequency::Weekly => {
            day + chrono::Duration::days(6 - i64::from(day.weekday().num_days_from_monday()))
        }
        Frequency::Monthly => last_of_month(day.year(), day.month()),
        Frequency::Quarterly => last_of_month(day.year(), day.month().div_ceil(3) * 3),
        Frequency::Semiannual => last_of_month(day.year(), if day.month() <= 6 { 6 } else { 12 }),
        Frequency::Annual | Frequency::Continuous | Frequency::PerEvent => {
            last_of_month(day.year(), 12)
        }
    }
}

fn label(day: NaiveDate, unit: Frequency) -> String {
    match unit {
        Frequency::Daily => day.format("%Y-%m-%d").to_string(),
        Frequency::Weekly => {
            let week = day.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Frequency::Monthly => day.format("%Y-%m").to_string(),
        Frequency::Quarterly => format!("{}-Q{}", day.year(), day.month().div_ceil(3)),
        Frequency::Semiannual => {
            format!("{}-H{}", day.year(), if day.month() <= 6 { 1 } else { 2 })
        }
        Frequency::Annual | Frequency::Continuous | Frequency::PerEvent => day.year().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(start: (i32, u32, u32), end: (i32, u32, u32)) -> Period {
        Period {
            start: Date::from_ymd(start.0, start.1, start.2),
            end: Date::from_ymd(end.0, end.1, end.2),
        }
    }

    fn spans(windows: &[Window]) -> Vec<String> {
        windows
            .iter()
            .map(|w| format!("{} {}..{}", w.label, w.start, w.end))
            .collect()
    }

    #[test]
    fn quarters_of_a_half_year() {
        let w = windows(period((2026, 7, 1), (2026, 12, 31)), Frequency::Quarterly);
        assert_eq!(
            spans(&w),
            [
                "2026-Q3 2026-07-01..2026-09-30",
                "2026-Q4 2026-10-01..2026-12-31"
            ]
        );
    }

    #[test]
    fn a_period_starting_mid_month_clips_the_first_and_last_window() {
        let w = windows(period((2026, 7, 15), (2026, 10, 14)), Frequency::Monthly);
        assert_eq!(
            spans(&w),
            [
                "2026-07 2026-07-15..2026-07-31",
                "2026-08 2026-08-01..2026-08-31",
                "2026-09 2026-09-01..2026-09-30",
                "2026-10 2026-10-01..2026-10-14",
            ]
        );
    }

    #[test]
    fn leap_years_have_a_29th_of_february() {
        let w = windows(period((2028, 2, 1), (2028, 3, 31)), Frequency::Monthly);
        assert_eq!(w[0].end, Date::from_ymd(2028, 2, 29));
        let days = windows(period((2028, 2, 27), (2028, 3, 1)), Frequency::Daily);
        assert_eq!(days.len(), 4);
        assert_eq!(days[2].label, "2028-02-29");
    }

    #[test]
    fn weeks_are_iso_weeks_from_monday() {
        // 2026-07-01 is a Wednesday.
        let w = windows(period((2026, 7, 1), (2026, 7, 14)), Frequency::Weekly);
        assert_eq!(
            spans(&w),
            [
                "2026-W27 2026-07-01..2026-07-05",
                "2026-W28 2026-07-06..2026-07-12",
                "2026-W29 2026-07-13..2026-07-14"
            ]
        );
    }

    #[test]
    fn iso_weeks_cross_the_year() {
        let w = windows(period((2026, 12, 28), (2027, 1, 10)), Frequency::Weekly);
        assert_eq!(w[0].label, "2026-W53");
        assert_eq!(w[1].label, "2027-W01");
    }

    #[test]
    fn half_years_and_years_follow_the_calendar() {
        let p = period((2026, 4, 1), (2027, 3, 31));
        assert_eq!(
            spans(&windows(p, Frequency::Semiannual)),
            [
                "2026-H1 2026-04-01..2026-06-30",
                "2026-H2 2026-07-01..2026-12-31",
                "2027-H1 2027-01-01..2027-03-31"
            ]
        );
        assert_eq!(
            spans(&windows(p, Frequency::Annual)),
            ["2026 2026-04-01..2026-12-31", "2027 2027-01-01..2027-03-31"]
        );
    }

    #[test]
    fn continuous_is_monthly_and_per_event_quarterly() {
        let p = period((2026, 1, 1), (2026, 6, 30));
        assert_eq!(windows(p, Frequency::Continuous).len(), 6);
        assert_eq!(windows(p, Frequency::PerEvent).len(), 2);
    }

    #[test]
    fn a_one_day_period_has_one_window() {
        let w = windows(period((2026, 5, 5), (2026, 5, 5)), Frequency::Annual);
        assert_eq!(spans(&w), ["2026 2026-05-05..2026-05-05"]);
    }
}
