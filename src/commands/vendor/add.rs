use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::model::paths::{CONTROLS_DIR, VENDORS_DIR};
use soc2::model::{Criticality, Csoc, Cuec, Interval, Method, Vendor};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, records};

use super::super::args::{parse_choice, parse_criterion, parse_interval};
use super::super::{Context, Exit, print};

/// Add a vendor (vendors/<ID>.yaml) and commit it.
///
/// A vendor that performs part of the company's controls is a subservice organisation:
/// give its `--method` (carve-out: its own SOC report covers its controls; inclusive:
/// our audit tests them), the criteria its controls carry (`--csoc`) and what it expects
/// of us (`--cuec`). A criterion a carve-out organisation carries is met while its SOC
/// report is current and reviewed (`soc2 vendor review`) and the monitoring control is
/// ready.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new vendor's ID, like CLOUD or PAYROLL
    pub id: String,

    /// The vendor's name
    #[arg(long)]
    pub name: String,

    /// low, medium, high or critical
    #[arg(long, value_parser = parse_choice::<Criticality>)]
    pub criticality: Criticality,

    /// The person accountable for the vendor and its reviews
    #[arg(long)]
    pub owner: Option<String>,

    /// The vendor's services the company uses, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub services: Vec<String>,

    /// The data shared with the vendor, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub data: Vec<String>,

    /// How often it is reviewed, like 1y or 6m (default 365d)
    #[arg(long, value_parser = parse_interval, value_name = "INTERVAL")]
    pub review_every: Option<Interval>,

    /// For a subservice organisation: carve-out or inclusive
    #[arg(long, value_parser = parse_choice::<Method>)]
    pub method: Option<Method>,

    /// A criterion its controls carry and what it does, as CRITERION:TEXT (repeatable)
    #[arg(long, value_name = "CRITERION:TEXT", value_parser = parse_csoc)]
    pub csoc: Vec<Csoc>,

    /// A control it expects of the company and ours that carries it out, as CONTROL:TEXT (repeatable)
    #[arg(long, value_name = "CONTROL:TEXT", value_parser = parse_cuec)]
    pub cuec: Vec<Cuec>,

    /// The control that reviews its SOC report (default VM-02)
    #[arg(long, value_name = "CONTROL")]
    pub monitoring_control: Option<String>,

    /// What the vendor does for the company
    #[arg(long)]
    pub description: Option<String>,
}

fn split_pair(text: &str, what: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((id, description)) if !id.trim().is_empty() && !description.trim().is_empty() => {
            Ok((id.trim().to_string(), description.trim().to_string()))
        }
        _ => Err(format!(
            "expected {what}:TEXT, like `{}`",
            match what {
                "CRITERION" => "CC6.4:Physical access to the data centres is restricted",
                _ => "AC-01:MFA on the provider's console",
            }
        )),
    }
}

fn parse_csoc(text: &str) -> Result<Csoc, String> {
    let (criterion, description) = split_pair(text, "CRITERION")?;
    Ok(Csoc {
        criterion: parse_criterion(&criterion)?,
        description,
    })
}

fn parse_cuec(text: &str) -> Result<Cuec, String> {
    let (control, description) = split_pair(text, "CONTROL")?;
    Ok(Cuec {
        description,
        control,
    })
}

pub fn run(context: &Context, args: AddArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::new_id(&root, VENDORS_DIR, &args.id, "vendor")?;
    for cuec in &args.cuec {
        records::existing(&root, CONTROLS_DIR, &cuec.control, "control")?;
    }
    if let Some(control) = &args.monitoring_control {
        records::existing(&root, CONTROLS_DIR, control, "control")?;
    }
    if args.method.is_none() && !(args.csoc.is_empty() && args.monitoring_control.is_none()) {
        bail!(Hinted::new(
            "--csoc and --monitoring-control describe a subservice organisation, which needs --method",
            "pass --method carve-out (its own SOC report covers its controls) or --method inclusive (our audit tests them)",
        ));
    }
    let vendor = Vendor {
        id: args.id.clone(),
        name: args.name,
        description: args.description,
        owner: args.owner,
        services: args.services,
        data: args.data,
        criticality: args.criticality,
        review_every: args.review_every,
        last_reviewed: None,
        method: args.method,
        csoc: args.csoc,
        monitoring_control: args.monitoring_control,
        soc_report: None,
        cuec: args.cuec,
        notes: None,
    };
    let mut change = Change::new("vendor-add", &vendor.id);
    change.details.push(match vendor.method {
        Some(method) => format!(
            "Add {} ({}), a {} subservice organisation{}",
            vendor.id,
            vendor.name,
            method.as_str(),
            if vendor.csoc.is_empty() {
                String::new()
            } else {
                let criteria: Vec<&str> =
                    vendor.csoc.iter().map(|c| c.criterion.as_str()).collect();
                format!(" carrying {}", criteria.join(", "))
            }
        ),
        None => format!(
            "Add vendor {} ({}), {} criticality",
            vendor.id,
            vendor.name,
            vendor.criticality.as_str()
        ),
    });
    change.writes.push(PendingWrite::create(
        &path,
        records::new_file(&root, Kind::Vendor, &path, &vendor),
    ));
    let commit = change::apply(&repo, &change)?;
    let mut out = format!("Added {} ({path}) in commit {}\n", vendor.id, &commit[..12]);
    if vendor.method == Some(Method::Inclusive) && vendor.csoc.is_empty() {
        out.push_str(&format!(
            "warning: {} uses the inclusive method but lists no controls: inclusive method means its controls are tested in our audit; list them under `csoc`\n",
            vendor.id
        ));
    }
    if vendor.is_carve_out() {
        out.push_str(&format!(
            "The criteria it carries are met once its SOC report is recorded and reviewed: `soc2 vendor review {} --period FROM..TO --received DATE`\n",
            vendor.id
        ));
    }
    print(&out)?;
    Ok(Exit::Success)
}
