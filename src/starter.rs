//! The starter library `soc2 init` writes: this project's own `controls/` and
//! `policies/`, embedded at build time, with every claim reset: controls `planned`,
//! owners `TODO`, no approvals, no reviews, no exceptions.

use anyhow::{Context, Result};

use crate::model::{Control, ControlStatus, OWNER_PLACEHOLDER, Policy};
use crate::schema::Kind;
use crate::store::{PendingWrite, render};

include!(concat!(env!("OUT_DIR"), "/starter.rs"));

/// A control as the starter library hands it out.
pub fn reset_control(mut control: Control) -> Control {
    control.status = ControlStatus::Planned;
    control.owner = Some(OWNER_PLACEHOLDER.to_string());
    control.reason = None;
    control.approval = None;
    control.exceptions.clear();
    control.notes = None;
    control
}

pub fn reset_policy(mut policy: Policy) -> Policy {
    policy.owner = Some(OWNER_PLACEHOLDER.to_string());
    policy.version = 1;
    policy.last_reviewed = None;
    policy.approval = None;
    policy.notes = None;
    policy
}

/// The controls, policies and policy documents of a new store, each record headed by
/// the line that points editors at its schema.
pub fn files() -> Result<Vec<PendingWrite>> {
    let mut out = Vec::with_capacity(FILES.len());
    for (path, content) in FILES {
        let context = || format!("reading the embedded starter file {path}");
        let bytes = if path.starts_with("controls/") {
            let control: Control = crate::store::from_yaml(content)
                .map_err(anyhow::Error::msg)
                .with_context(context)?;
            let control = reset_control(control);
            let rendered = keep_collect_comments(&render::to_yaml(&control), content);
            format!("{}{rendered}", Kind::Control.header(path))
        } else if path.ends_with(".yaml") {
            let policy: Policy = crate::store::from_yaml(content)
                .map_err(anyhow::Error::msg)
                .with_context(context)?;
            let policy = reset_policy(policy);
            format!("{}{}", Kind::Policy.header(path), render::to_yaml(&policy))
        } else {
            content.to_string()
        };
        out.push(PendingWrite::create(*path, bytes));
    }
    Ok(out)
}

/// The starter library's cloud provider: a carve-out subservice organisation carrying
/// the data centres' part of CC6.4 and A1.2, monitored by VM-02.
pub const CLOUD_VENDOR: &str = include_str!("starter/cloud.yaml");

/// The vendor, system description and its record a new store starts with, each record
/// headed by the line that points editors at its schema.
pub fn program_files(organisation: &str) -> Result<Vec<PendingWrite>> {
    use crate::model::paths::{SYSTEM_DOCUMENT, SYSTEM_FILE};
    let vendor: crate::model::Vendor = crate::store::from_yaml(CLOUD_VENDOR)
        .map_err(anyhow::Error::msg)
        .context("reading the embedded starter vendor")?;
    let vendor_path = "vendors/CLOUD.yaml";
    let description = crate::model::SystemDescription {
        title: Some(format!("System description: {organisation}")),
        owner: Some(OWNER_PLACEHOLDER.to_string()),
        version: 1,
        review_every: Some(crate::model::SystemDescription::DEFAULT_REVIEW_EVERY),
        last_reviewed: None,
        approval: None,
        notes: None,
    };
    Ok(vec![
        PendingWrite::create(
            vendor_path,
            format!(
                "{}{}",
                Kind::Vendor.header(vendor_path),
                render::to_yaml(&vendor)
            ),
        ),
        PendingWrite::create(
            SYSTEM_FILE,
            format!(
                "{}{}",
                Kind::System.header(SYSTEM_FILE),
                render::to_yaml(&description)
            ),
        ),
        PendingWrite::create(SYSTEM_DOCUMENT, crate::system::template(organisation)),
    ])
}

/// The `collect:` block of a top-level YAML text, as written: from its line to the next
/// top-level key.
fn collect_block(text: &str) -> Option<&str> {
    let start = text.find("\ncollect:\n").map(|i| i + 1)?;
    let rest = &text[start + "collect:\n".len()..];
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            rest[i..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != '#' && c != '-')
        })
        .unwrap_or(rest.len());
    Some(&text[start..start + "collect:\n".len() + end])
}

/// The rendered control with the library's `collect:` block as written: its comments
/// say which values (an organisation, a repository) to set. Collectors are not reset,
/// so the block says what the rendering does.
fn keep_collect_comments(rendered: &str, original: &str) -> String {
    match (collect_block(rendered), collect_block(original)) {
        (Some(new), Some(old)) => rendered.replacen(new, old, 1),
        _ => rendered.to_string(),
    }
}

/// How many controls and policies the library holds.
pub fn counts() -> (usize, usize) {
    let count = |dir: &str| {
        FILES
            .iter()
            .filter(|(p, _)| p.starts_with(dir) && p.ends_with(".yaml"))
            .count()
    };
    (count("controls/"), count("policies/"))
}
