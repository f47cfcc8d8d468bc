//! `soc2 vendors`: vendors and subservice organisations, their SOC reports and reviews.

use super::{Style, plural, table};
use crate::readiness::vendors::VendorResult;

pub fn render_table(vendors: &[VendorResult], style: Style) -> String {
    let mut t = table(&[
        "Vendor",
        "Name",
        "Criticality",
        "Method",
        "Carries",
        "SOC report",
        "Review due",
        "Owner",
    ]);
    for v in vendors {
        let report = match v.report_current_until {
            Some(until) => format!("{} (until {until})", v.report.as_str()),
            None => v.report.as_str().to_string(),
        };
        let carries = match &v.carve_out {
            Some(c) if !c.holds => format!("{} (does not hold)", v.criteria.join(", ")),
            _ => v.criteria.join(", "),
        };
        let due = v.review_due.map_or("-".to_string(), |d| {
            format!("{d}{}", if v.overdue { " (overdue)" } else { "" })
        });
        t.add_row(vec![
            v.id.clone(),
            v.name.clone(),
            v.criticality.as_str().to_string(),
            v.method.map_or("-", |m| m.as_str()).to_string(),
            carries,
            report,
            due,
            v.owner.clone().unwrap_or_else(|| "-".to_string()),
        ]);
    }
    let subservice = vendors.iter().filter(|v| v.method.is_some()).count();
    let failing: Vec<String> = vendors
        .iter()
        .filter_map(|v| v.carve_out.as_ref())
        .filter_map(|c| c.reason.clone())
        .collect();
    let mut out = format!(
        "{t}\n{}\n",
        style.dim(&format!(
            "{}, {subservice} subservice {}",
            plural(vendors.len(), "vendor"),
            if subservice == 1 {
                "organisation"
            } else {
                "organisations"
            }
        ))
    );
    for reason in failing {
        out.push_str(&format!("{}: {reason}\n", style.yellow("carve-out")));
    }
    out
}
