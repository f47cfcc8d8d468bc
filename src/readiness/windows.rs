//! Type II observation windows: a control's frequency cuts the observation period into
//! windows. By default they are counted from the period's start (an annual control in
//! a twelve-month period has one window, whatever month it starts); `audit.windows:
//! calendar` follows calendar weeks, months, quarters, half-years and years instead. A
//! last (or, for calendar windows, first) window shorter than half its length is merged
//! into its neighbour, so a period never asks for a sliver of a window.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::{Date, Frequency, Period, WindowAlignment};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub label: String,
    pub start: Date,
    pub end: Date,
}

/// The unit a frequency is sampled in. Continuous controls are sampled monthly and
/// per-event controls quarterly: the tool does not know the population of events, so
/// it asks for at least one sample a quarter.
pub fn sampling_unit(frequency: Frequency) -> Frequency {
    match frequency {
        Frequency::Continuous => Frequency::Monthly,
        Frequency::PerEvent => Frequency::Quarterly,
        other => other,
    }
}

/// The windows of `period` for a control of `frequency`, in order.
pub fn windows(period: Period, frequency: Frequency, alignment: WindowAlignment) -> Vec<Window> {
    // A period longer than three years is an error the store reports; judging stays
    // bounded whatever a file says.
    let period = Period {
        start: period.start,
        end: period.end.min(period.start.add_months(36)),
    };
    let unit = sampling_unit(frequency);
    let mut spans: Vec<(Date, Date)> = Vec::new();
    let mut cursor = period.start;
    let mut n = 0;
    while cursor <= period.end {
        let end = match alignment {
            WindowAlignment::Anchored => anchored_end(period.start, n, unit),
            WindowAlignment::Calendar => Date(calendar_end(cursor.0, unit)),
        };
        let end = end.min(period.end);
        spans.push((cursor, end));
        n += 1;
        match end.checked_add_days(1) {
            Some(next) => cursor = next,
            None => break,
        }
    }
    merge_short_ends(&mut spans, unit, alignment);
    let total = spans.len();
    spans
        .into_iter()
        .enumerate()
        .map(|(i, (start, end))| Window {
            label: label(start, end, unit, alignment, i + 1, total),
            start,
            end,
        })
        .collect()
}

/// The last day of the `n`th (0-based) window counted from `start`.
fn anchored_end(start: Date, n: u32, unit: Frequency) -> Date {
    let months = |count: u32| start.add_months(count.saturating_mul(n + 1)).add_days(-1);
    match unit {
        Frequency::Daily => start.add_days(i64::from(n)),
        Frequency::Weekly => start.add_days(7 * i64::from(n) + 6),
        Frequency::Monthly => months(1),
        Frequency::Quarterly => months(3),
        Frequency::Semiannual => months(6),
        _ => months(12),
    }
}

/// The length of a full window, in days, near `day`.
fn full_length(day: Date, unit: Frequency) -> i64 {
    match unit {
        Frequency::Daily => 1,
        Frequency::Weekly => 7,
        Frequency::Monthly => day.days_until(day.add_months(1)),
        Frequency::Quarterly => day.days_until(day.add_months(3)),
        Frequency::Semiannual => day.days_until(day.add_months(6)),
        _ => day.days_until(day.add_months(12)),
    }
}

/// Merges a last window shorter than half a window into the one before it (and, for
/// calendar windows, a short first window into the one after it).
fn merge_short_ends(spans: &mut Vec<(Date, Date)>, unit: Frequency, alignment: WindowAlignment) {
    let short = |(start, end): (Date, Date)| {
        let days = start.days_until(end) + 1;
        days * 2 < full_length(start, unit)
    };
    if spans.len() >= 2 && short(spans[spans.len() - 1]) {
        let last = spans.pop().expect("two spans");
        spans.last_mut().expect("one span left").1 = last.1;
    }
    if alignment == WindowAlignment::Calendar && spans.len() >= 2 && short(spans[0]) {
        let first = spans.remove(0);
        spans[0].0 = first.0;
    }
}

/// The last day of the calendar unit holding `day`.
fn calendar_end(day: NaiveDate, unit: Frequency) -> NaiveDate {
    let last_of_month = |year: i32, month: u32| {
        let (y, m) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    };
    match unit {
        Frequency::Daily => day,
        Frequency::Weekly => {
            let to_sunday = 6 - i64::from(day.weekday().num_days_from_monday());
            Date(day).add_days(to_sunday).0
        }
        Frequency::Monthly => last_of_month(day.year(), day.month()),
        Frequency::Quarterly => last_of_month(day.year(), day.month().div_ceil(3) * 3),
        Frequency::Semiannual => last_of_month(day.year(), if day.month() <= 6 { 6 } else { 12 }),
        _ => last_of_month(day.year(), 12),
    }
}

/// A calendar label (`2026-Q3`) when the window is exactly one calendar unit, else the
/// window's place in the period (`quarter 2/4`). Days are their date.
fn label(
    start: Date,
    end: Date,
    unit: Frequency,
    alignment: WindowAlignment,
    n: usize,
    total: usize,
) -> String {
    let day = start.0;
    let calendar = match unit {
        Frequency::Daily => return start.to_string(),
        Frequency::Weekly => {
            let week = day.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        // The date less its day (`2026-07`), as `%Y-%m` writes it.
        Frequency::Monthly => {
            let mut text = start.to_string();
            text.truncate(text.len() - 3);
            text
        }
        Frequency::Quarterly => format!("{}-Q{}", day.year(), day.month().div_ceil(3)),
        Frequency::Semiannual => {
            format!("{}-H{}", day.year(), if day.month() <= 6 { 1 } else { 2 })
        }
        _ => day.year().to_string(),
    };
    let starts_unit = match unit {
        Frequency::Weekly => day.weekday().num_days_from_monday() == 0,
        Frequency::Monthly => day.day() == 1,
        Frequency::Quarterly => day.day() == 1 && (day.month() - 1).is_multiple_of(3),
        Frequency::Semiannual => day.day() == 1 && (day.month() == 1 || day.month() == 7),
        _ => day.day() == 1 && day.month() == 1,
    };
    let whole = starts_unit && Date(calendar_end(day, unit)) == end;
    if whole || alignment == WindowAlignment::Calendar {
        return calendar;
    }
    let name = match unit {
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
        Frequency::Quarterly => "quarter",
        Frequency::Semiannual => "half",
        _ => "year",
    };
    format!("{name} {n}/{total}")
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

    const ANCHORED: WindowAlignment = WindowAlignment::Anchored;
    const CALENDAR: WindowAlignment = WindowAlignment::Calendar;

    #[test]
    fn an_annual_control_in_a_twelve_month_period_has_one_window() {
        let w = windows(
            period((2025, 10, 1), (2026, 9, 30)),
            Frequency::Annual,
            ANCHORED,
        );
        assert_eq!(spans(&w), ["year 1/1 2025-10-01..2026-09-30"]);
    }

    #[test]
    fn a_six_month_period_has_two_quarterly_windows() {
        let w = windows(
            period((2026, 2, 1), (2026, 7, 31)),
            Frequency::Quarterly,
            ANCHORED,
        );
        assert_eq!(
            spans(&w),
            [
                "quarter 1/2 2026-02-01..2026-04-30",
                "quarter 2/2 2026-05-01..2026-07-31"
            ]
        );
    }

    #[test]
    fn calendar_aligned_windows_keep_calendar_labels() {
        let w = windows(
            period((2026, 7, 1), (2026, 12, 31)),
            Frequency::Quarterly,
            ANCHORED,
        );
        assert_eq!(
            spans(&w),
            [
                "2026-Q3 2026-07-01..2026-09-30",
                "2026-Q4 2026-10-01..2026-12-31"
            ]
        );
    }

    #[test]
    fn a_short_last_window_merges_into_the_one_before() {
        // Four months and ten days: the ten days join the fourth month.
        let w = windows(
            period((2026, 1, 1), (2026, 5, 10)),
            Frequency::Monthly,
            ANCHORED,
        );
        assert_eq!(w.len(), 4);
        assert_eq!(w[3].start, Date::from_ymd(2026, 4, 1));
        assert_eq!(w[3].end, Date::from_ymd(2026, 5, 10));
        // Twenty days are more than half a month: they stay a window.
        let w = windows(
            period((2026, 1, 1), (2026, 5, 20)),
            Frequency::Monthly,
            ANCHORED,
        );
        assert_eq!(w.len(), 5);
    }

    #[test]
    fn anchored_months_count_from_the_start_day() {
        let w = windows(
            period((2026, 1, 31), (2026, 4, 29)),
            Frequency::Monthly,
            ANCHORED,
        );
        assert_eq!(
            spans(&w),
            [
                "month 1/3 2026-01-31..2026-02-27",
                "month 2/3 2026-02-28..2026-03-30",
                "month 3/3 2026-03-31..2026-04-29"
            ]
        );
    }

    #[test]
    fn calendar_windows_clip_and_merge_slivers() {
        // Seventeen days of July stay a window; fourteen of October join September.
        let w = windows(
            period((2026, 7, 15), (2026, 10, 14)),
            Frequency::Monthly,
            CALENDAR,
        );
        assert_eq!(
            spans(&w),
            [
                "2026-07 2026-07-15..2026-07-31",
                "2026-08 2026-08-01..2026-08-31",
                "2026-09 2026-09-01..2026-10-14",
            ]
        );
        // A February-July period asks for two calendar quarters, not three.
        let w = windows(
            period((2026, 2, 1), (2026, 7, 31)),
            Frequency::Quarterly,
            CALENDAR,
        );
        assert_eq!(
            spans(&w),
            [
                "2026-Q1 2026-02-01..2026-03-31",
                "2026-Q2 2026-04-01..2026-07-31"
            ]
        );
    }

    #[test]
    fn leap_years_have_a_29th_of_february() {
        let w = windows(
            period((2028, 2, 1), (2028, 3, 31)),
            Frequency::Monthly,
            ANCHORED,
        );
        assert_eq!(w[0].end, Date::from_ymd(2028, 2, 29));
        let days = windows(
            period((2028, 2, 27), (2028, 3, 1)),
            Frequency::Daily,
            ANCHORED,
        );
        assert_eq!(days.len(), 4);
        assert_eq!(days[2].label, "2028-02-29");
    }

    #[test]
    fn anchored_weeks_run_seven_days_from_the_start() {
        // 2026-07-01 is a Wednesday.
        let w = windows(
            period((2026, 7, 1), (2026, 7, 21)),
            Frequency::Weekly,
            ANCHORED,
        );
        assert_eq!(
            spans(&w),
            [
                "week 1/3 2026-07-01..2026-07-07",
                "week 2/3 2026-07-08..2026-07-14",
                "week 3/3 2026-07-15..2026-07-21"
            ]
        );
    }

    #[test]
    fn calendar_weeks_are_iso_weeks_from_monday() {
        let w = windows(
            period((2026, 7, 1), (2026, 7, 19)),
            Frequency::Weekly,
            CALENDAR,
        );
        assert_eq!(
            spans(&w),
            [
                "2026-W27 2026-07-01..2026-07-05",
                "2026-W28 2026-07-06..2026-07-12",
                "2026-W29 2026-07-13..2026-07-19"
            ]
        );
        let w = windows(
            period((2026, 12, 28), (2027, 1, 10)),
            Frequency::Weekly,
            CALENDAR,
        );
        assert_eq!(w[0].label, "2026-W53");
        assert_eq!(w[1].label, "2027-W01");
    }

    #[test]
    fn continuous_is_monthly_and_per_event_quarterly() {
        let p = period((2026, 1, 1), (2026, 6, 30));
        assert_eq!(windows(p, Frequency::Continuous, ANCHORED).len(), 6);
        assert_eq!(windows(p, Frequency::PerEvent, ANCHORED).len(), 2);
    }

    #[test]
    fn an_absurd_period_is_cut_to_three_years() {
        let w = windows(
            period((1, 1, 1), (9999, 12, 31)),
            Frequency::Daily,
            ANCHORED,
        );
        assert!(w.len() <= 3 * 366, "{}", w.len());
    }

    #[test]
    fn a_one_day_period_has_one_window() {
        let w = windows(
            period((2026, 5, 5), (2026, 5, 5)),
            Frequency::Annual,
            ANCHORED,
        );
        assert_eq!(spans(&w), ["year 1/1 2026-05-05..2026-05-05"]);
    }
}
