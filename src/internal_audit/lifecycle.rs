//! A finding's life: `open → remediated → retested → closed`. Each step returns the
//! finding as it is to be written, or refuses with what to do first.

use anyhow::{Result, bail};

use crate::Hinted;
use crate::duties::same_person;
use crate::model::{AuditFinding, Conclusion, ControlTest, Date, FindingStatus};

/// The next free finding ID after `taken`: F-001, F-002, ...
pub fn next_id<'a>(taken: impl Iterator<Item = &'a str>) -> String {
    let last = taken
        .filter_map(|id| id.strip_prefix("F-"))
        .filter_map(|n| n.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("F-{:03}", last + 1)
}

/// Records the remediation: what was done, on `today`. A finding needs its root cause
/// by then.
pub fn remediate(
    finding: &AuditFinding,
    today: Date,
    remediation: &str,
    root_cause: Option<&str>,
) -> Result<AuditFinding> {
    match finding.status {
        FindingStatus::Open | FindingStatus::Remediated => {}
        status => bail!(Hinted::new(
            format!(
                "{} is {}: its remediation is done",
                finding.id,
                status.as_str()
            ),
            "a new deficiency is a new finding: `soc2 finding add`",
        )),
    }
    if remediation.trim().is_empty() {
        bail!(Hinted::new(
            "say what was done",
            "`soc2 finding remediate F-001 -m \"Branch protection now requires an approval\"`",
        ));
    }
    let root_cause = root_cause
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .or_else(|| finding.root_cause.clone());
    if root_cause.is_none() {
        bail!(Hinted::new(
            format!("{} has no root cause", finding.id),
            "say why it happened: `--root-cause \"...\"` (auditors ask whether the fix addresses it)",
        ));
    }
    let mut updated = finding.clone();
    updated.root_cause = root_cause;
    updated.status = FindingStatus::Remediated;
    updated.remediated_on = Some(today);
    updated.remediation = Some(remediation.trim().to_string());
    Ok(updated)
}

/// Records a passing retest: a concluded test of the finding's control drawn after the
/// remediation, over days that reach past it.
pub fn retest(finding: &AuditFinding, test_id: &str, test: &ControlTest) -> Result<AuditFinding> {
    let remediated_on = match (finding.status, finding.remediated_on) {
        (FindingStatus::Remediated, Some(day)) => day,
        (FindingStatus::Open, _) => bail!(Hinted::new(
            format!(
                "{} is open: nothing has been remediated to retest",
                finding.id
            ),
            format!(
                "record the remediation first: `soc2 finding remediate {} -m \"...\"`",
                finding.id
            ),
        )),
        (status, _) => bail!(Hinted::new(
            format!("{} is {}: it needs no retest", finding.id, status.as_str()),
            format!("`soc2 show {}` shows its tests", finding.control),
        )),
    };
    if test.control != finding.control {
        bail!(Hinted::new(
            format!(
                "{test_id} tests {}, and {} is a finding on {}",
                test.control, finding.id, finding.control
            ),
            format!(
                "retest {} itself: `soc2 test {}`",
                finding.control, finding.control
            ),
        ));
    }
    if test.drawn_on <= remediated_on || test.span.to <= remediated_on {
        bail!(Hinted::new(
            format!(
                "{test_id} was drawn on {} over {}..{}; a retest is drawn after the remediation of {remediated_on} and covers days after it",
                test.drawn_on, test.span.from, test.span.to
            ),
            format!(
                "draw a new test after the fix has operated: `soc2 test {} --period {}..TO`",
                finding.control,
                remediated_on.add_days(1)
            ),
        ));
    }
    match test.conclusion {
        None => bail!(Hinted::new(
            format!("{test_id} is not concluded yet"),
            format!("record its items, then `soc2 test conclude {test_id}`"),
        )),
        Some(Conclusion::Deficient) => bail!(Hinted::new(
            format!(
                "{test_id} found exceptions: the remediation of {} did not hold",
                finding.id
            ),
            format!(
                "fix it again and record it (`soc2 finding remediate {}`), then retest with a new test",
                finding.id
            ),
        )),
        Some(Conclusion::Effective) => {}
    }
    let mut updated = finding.clone();
    updated.status = FindingStatus::Retested;
    updated.retest = Some(test_id.to_string());
    Ok(updated)
}

/// Closes the finding. One found by testing needs a passing retest first; the person
/// who closes it is not its owner.
pub fn close(finding: &AuditFinding, by: &str, today: Date) -> Result<AuditFinding> {
    match finding.status {
        FindingStatus::Closed => bail!(Hinted::new(
            format!(
                "{} was closed on {}",
                finding.id,
                finding.closed_on.map_or("-".to_string(), |d| d.to_string())
            ),
            "nothing to do",
        )),
        FindingStatus::Open => bail!(Hinted::new(
            format!("{} is open: it has not been remediated", finding.id),
            format!(
                "record the remediation first: `soc2 finding remediate {} -m \"...\"`",
                finding.id
            ),
        )),
        FindingStatus::Remediated if finding.source.needs_retest() => bail!(Hinted::new(
            format!(
                "{} was found by testing ({}), so it closes only after a passing retest",
                finding.id,
                finding.source.as_str()
            ),
            format!(
                "test {} again after the remediation (`soc2 test {}`), then `soc2 finding retest {} --test TEST`",
                finding.control, finding.control, finding.id
            ),
        )),
        FindingStatus::Remediated | FindingStatus::Retested => {}
    }
    if same_person(&finding.owner, by) {
        bail!(Hinted::new(
            format!("you ({by}) own {}, so you cannot close it", finding.id),
            "segregation of duties: someone other than the owner reviews the remediation and closes it",
        ));
    }
    let mut updated = finding.clone();
    updated.status = FindingStatus::Closed;
    updated.closed_on = Some(today);
    updated.closed_by = Some(by.to_string());
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FindingSource;

    fn finding(source: FindingSource) -> AuditFinding {
        crate::store::from_yaml(&format!(
            "id: F-001\ncontrol: CM-03\ntitle: Deployed before approval\nsource: {}\nseverity: significant-deficiency\nowner: bob@example.com\nfound_on: 2026-10-01\ndue: 2026-12-31\nstatus: open\n",
            source.as_str()
        ))
        .unwrap()
    }

    fn test(drawn: Date, conclusion: Option<Conclusion>) -> ControlTest {
        let mut test: ControlTest = crate::store::from_yaml(
            "control: CM-03\ntester: dana@example.com\ndrawn_on: 2026-01-01\nspan: {from: 2026-10-01, to: 2026-11-30}\npopulation: {source: evidence, size: 0, digest: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855}\nseed: s\n",
        )
        .unwrap();
        test.drawn_on = drawn;
        test.conclusion = conclusion;
        test
    }

    const DAY: fn(u32, u32) -> Date = |m, d| Date::from_ymd(2026, m, d);

    #[test]
    fn ids_count_up() {
        assert_eq!(next_id([].into_iter()), "F-001");
        assert_eq!(next_id(["F-001", "F-009", "X-1"].into_iter()), "F-010");
    }

    #[test]
    fn a_tested_finding_closes_only_after_a_passing_retest() {
        let open = finding(FindingSource::InternalTest);
        assert!(
            close(&open, "erin@example.com", DAY(11, 1))
                .unwrap_err()
                .to_string()
                .contains("not been remediated")
        );
        assert!(retest(&open, "T", &test(DAY(11, 2), Some(Conclusion::Effective))).is_err());
        assert!(
            remediate(&open, DAY(10, 15), "fixed", None)
                .unwrap_err()
                .to_string()
                .contains("no root cause")
        );
        let fixed = remediate(
            &open,
            DAY(10, 15),
            "Branch protection",
            Some("No protection"),
        )
        .unwrap();
        assert_eq!(fixed.status, FindingStatus::Remediated);
        let err = close(&fixed, "erin@example.com", DAY(11, 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "F-001 was found by testing (internal-test), so it closes only after a passing retest"
        );
        // A test drawn on the remediation day is not a retest.
        assert!(
            retest(&fixed, "T", &test(DAY(10, 15), Some(Conclusion::Effective)))
                .unwrap_err()
                .to_string()
                .contains("drawn after the remediation")
        );
        assert!(
            retest(&fixed, "T", &test(DAY(11, 2), None))
                .unwrap_err()
                .to_string()
                .contains("not concluded")
        );
        assert!(
            retest(&fixed, "T", &test(DAY(11, 2), Some(Conclusion::Deficient)))
                .unwrap_err()
                .to_string()
                .contains("did not hold")
        );
        let retested = retest(
            &fixed,
            "CM-03/2026-11-02-retest",
            &test(DAY(11, 2), Some(Conclusion::Effective)),
        )
        .unwrap();
        assert_eq!(retested.status, FindingStatus::Retested);
        assert!(
            close(&retested, "bob@example.com", DAY(11, 3))
                .unwrap_err()
                .to_string()
                .contains("own F-001")
        );
        let closed = close(&retested, "erin@example.com", DAY(11, 3)).unwrap();
        assert_eq!(
            (closed.status, closed.closed_on),
            (FindingStatus::Closed, Some(DAY(11, 3)))
        );
        assert!(close(&closed, "erin@example.com", DAY(11, 4)).is_err());
        assert!(remediate(&closed, DAY(11, 4), "again", None).is_err());
    }

    #[test]
    fn a_self_identified_finding_closes_once_remediated() {
        let open = finding(FindingSource::SelfIdentified);
        let fixed = remediate(&open, DAY(10, 15), "Fixed", Some("Cause")).unwrap();
        let closed = close(&fixed, "erin@example.com", DAY(10, 20)).unwrap();
        assert_eq!(closed.status, FindingStatus::Closed);
    }

    #[test]
    fn overdue_and_deficient() {
        let open = finding(FindingSource::Auditor);
        assert!(open.makes_deficient());
        assert!(!open.is_overdue(DAY(12, 31)));
        assert!(open.is_overdue(Date::from_ymd(2027, 1, 1)));
        let fixed = remediate(&open, DAY(10, 15), "Fixed", Some("Cause")).unwrap();
        assert!(
            fixed.makes_deficient(),
            "deficient until a retest shows the fix works"
        );
        let mut minor = open.clone();
        minor.severity = crate::model::Severity::Deficiency;
        assert!(!minor.makes_deficient());
    }
}
