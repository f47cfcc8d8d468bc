use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::model::paths::VENDORS_DIR;
use soc2::model::{
    BridgeLetter, Covers, Date, Period, ReportType, SocReport, VENDOR_FIELDS, Vendor,
};
use soc2::readiness::vendors::current_until;
use soc2::store::{PendingWrite, edit, records};

use super::super::args::{parse_choice, parse_covers, parse_date};
use super::super::{Context, Exit, print};

/// Record a vendor's review and, for a subservice organisation, the SOC report reviewed.
///
/// Sets `last_reviewed`; with --period, records the SOC report (its type, period and
/// the day it was received) as reviewed by you today; without, marks the report on
/// record as reviewed. One commit.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The vendor that was reviewed
    pub id: String,

    /// The SOC report's period, FROM..TO (a Type 1 report: its date)
    #[arg(long, value_parser = parse_covers, value_name = "FROM..TO")]
    pub period: Option<Covers>,

    /// The SOC report's type: type1 or type2 (default type2)
    #[arg(long = "report-type", value_parser = parse_choice::<ReportType>)]
    pub report_type: Option<ReportType>,

    /// The day the SOC report was received (default: the review's day)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub received: Option<Date>,

    /// The last day the vendor's bridge letter vouches for, when there is one
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub bridge_through: Option<Date>,

    /// The day of the review (default: today)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub date: Option<Date>,

    /// What the review concluded, for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: ReviewArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, VENDORS_DIR, &args.id, "vendor")?;
    let record = records::read::<Vendor>(&root, &path, "vendor")?;
    let mut change = Change::new("vendor-review", &args.id);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let reviewer = identity.author.email.clone();
    let date = args.date.unwrap_or(context.today);
    if date > context.today {
        bail!(Hinted::new(
            format!("the review date {date} is after today ({})", context.today),
            "record a review once it has happened",
        ));
    }
    let mut vendor = (*record.value).clone();
    let report = match (args.period, vendor.soc_report.take()) {
        (Some(period), _) => {
            let received = args.received.unwrap_or(date);
            if received < period.to {
                bail!(Hinted::new(
                    format!(
                        "the report was received ({received}) before its period ended ({})",
                        period.to
                    ),
                    "pass --received with the day the report arrived",
                ));
            }
            if received > date {
                bail!(Hinted::new(
                    format!("the report was received ({received}) after the review ({date})"),
                    "a report is reviewed once it has arrived",
                ));
            }
            Some(SocReport {
                kind: args.report_type.unwrap_or(ReportType::Type2),
                period: Period {
                    start: period.from,
                    end: period.to,
                },
                received_on: received,
                reviewed_by: Some(reviewer.clone()),
                reviewed_on: Some(date),
                bridge_letter: None,
            })
        }
        (None, Some(mut report)) => {
            if args.report_type.is_some() || args.received.is_some() {
                bail!(Hinted::new(
                    "--report-type and --received describe a new report, which needs --period",
                    "pass --period FROM..TO with them, or drop them to review the report on record",
                ));
            }
            report.reviewed_by = Some(reviewer.clone());
            report.reviewed_on = Some(date);
            Some(report)
        }
        (None, None) if vendor.is_subservice() => bail!(Hinted::new(
            format!(
                "{} is a subservice organisation with no SOC report on record",
                args.id
            ),
            "record the report you reviewed: --period FROM..TO --received YYYY-MM-DD",
        )),
        (None, None) => None,
    };
    let report = match (report, args.bridge_through) {
        (Some(mut report), Some(through)) => {
            if through <= report.period.end {
                bail!(Hinted::new(
                    format!(
                        "the bridge letter runs to {through}, not past the report's period ({})",
                        report.period.end
                    ),
                    "a bridge letter covers the days after the report's period",
                ));
            }
            report.bridge_letter = Some(BridgeLetter {
                through,
                received_on: Some(date),
            });
            Some(report)
        }
        (None, Some(_)) => bail!(Hinted::new(
            "a bridge letter extends a SOC report, and there is none",
            "record the report with --period FROM..TO",
        )),
        (report, None) => report,
    };
    vendor.soc_report = report;
    vendor.last_reviewed = Some(date);
    let text = edit::rewrite(&record.text, &vendor, VENDOR_FIELDS)
        .map_err(|reason| edit::refused(&path, &reason))?;
    change.details.push(match &vendor.soc_report {
        Some(report) => format!(
            "Reviewed on {date}: its {} SOC report for {}..{}, current until {}",
            report.kind.as_str(),
            report.period.start,
            report.period.end,
            current_until(report)
        ),
        None => format!(
            "Reviewed on {date}; next review due {}",
            vendor.review_every().after(date)
        ),
    });
    if let Some(message) = args.message {
        change.details.push(message);
    }
    change.writes = vec![PendingWrite::replace(&path, text)];
    let commit = change::apply_as(&repo, &change, &identity)?;
    let mut out = format!(
        "Recorded the review of {} on {date} in commit {}\n",
        args.id,
        &commit[..12]
    );
    if let Some(report) = &vendor.soc_report
        && current_until(report) < context.today
    {
        out.push_str(&format!(
            "warning: its SOC report ended on {}, more than 12 months ago: obtain a newer one or a bridge letter\n",
            report.period.end
        ));
    }
    print(&out)?;
    Ok(Exit::Success)
}
