//! A schedule for the 20 steps, back-planned from the audit: the readiness work runs in
//! the six months before the observation period starts, the internal audit and its
//! remediation close the period, and the report follows it.

use crate::model::{AuditType, Date, STEPS};

/// When each step should be done, counted from the period's start (`start`) or end
/// (`end`), in days. A Type I audit's period is its one day: `end` is `start`.
enum From {
    Start(i64),
    End(i64),
}

fn offset(step: u8, audit: AuditType) -> From {
    use From::{End, Start};
    let week = 7;
    match (step, audit) {
        (1, _) => Start(-26 * week),
        (2, _) => Start(-25 * week),
        (3, _) => Start(-24 * week),
        (5, _) => Start(-22 * week),
        (6, _) => Start(-20 * week),
        (7, _) => Start(-18 * week),
        (4, _) => Start(-16 * week),
        (8, _) => Start(-14 * week),
        (17, _) => Start(-12 * week),
        (18, _) => Start(-10 * week),
        (9, _) => Start(-6 * week),
        (10, _) => Start(-4 * week),
        (11, _) => Start(-2 * week),
        // Type I: evidence fresh on the day, tests just before it.
        (12, AuditType::Type1) => Start(0),
        (13, AuditType::Type1) => Start(-3 * week),
        (14, AuditType::Type1) => Start(-2 * week),
        (15, AuditType::Type1) => Start(-week),
        // Type II: every window's evidence in by the grace after the period; the
        // internal audit of the period a month before it ends, remediated by its end.
        (12, AuditType::Type2) => End(30),
        (13, AuditType::Type2) => End(-30),
        (14, AuditType::Type2) => End(-16),
        (15, AuditType::Type2) => End(0),
        (16, _) => End(30),
        (19, _) => End(60),
        (20, _) => End(90),
        _ => Start(0),
    }
}

/// Each step's target, from the audit's type and its period (`end` is the period's
/// last day; a Type I audit passes its day twice).
pub fn schedule(audit: AuditType, start: Date, end: Date) -> Vec<(u8, Date)> {
    STEPS
        .iter()
        .map(|step| {
            let date = match offset(step.number, audit) {
                From::Start(days) => start.add_days(days),
                From::End(days) => end.add_days(days),
            };
            (step.number, date)
        })
        .collect()
}

/// The first day of the month at least six months after `today`: a first audit's
/// period start, when none is set, leaving the readiness work its six months.
pub fn default_start(today: Date) -> Date {
    use chrono::Datelike;
    let later = today.add_months(6);
    if later.0.day() == 1 {
        return later;
    }
    Date::from_ymd(later.0.year(), later.0.month(), 1).add_months(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn a_type2_schedule_runs_from_six_months_before_the_period_to_the_report() {
        let plan = schedule(AuditType::Type2, day("2027-07-01"), day("2027-12-31"));
        assert_eq!(plan.len(), 20);
        let at = |n: u8| plan.iter().find(|(s, _)| *s == n).unwrap().1;
        assert_eq!(at(1), day("2026-12-31"));
        assert_eq!(at(10), day("2027-06-03"));
        assert_eq!(at(13), day("2027-12-01"));
        assert_eq!(at(15), day("2027-12-31"));
        assert_eq!(at(20), day("2028-03-30"));
        // The readiness work (steps 1-11) ends before the period starts.
        assert!((1..=11).all(|n| at(n) < day("2027-07-01")));
    }

    #[test]
    fn a_type1_schedule_ends_around_its_day() {
        let start = day("2027-07-01");
        let plan = schedule(AuditType::Type1, start, start);
        let at = |n: u8| plan.iter().find(|(s, _)| *s == n).unwrap().1;
        assert_eq!(at(12), start);
        assert!(at(13) < start && at(14) < start && at(15) < start);
        assert!(at(20) > start);
    }

    #[test]
    fn the_default_start_is_the_first_of_a_month_six_months_on() {
        assert_eq!(default_start(day("2026-11-22")), day("2027-06-01"));
        assert_eq!(default_start(day("2026-12-01")), day("2027-06-01"));
        assert_eq!(default_start(day("2026-08-31")), day("2027-03-01"));
    }
}
