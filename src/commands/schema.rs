use anyhow::Result;
use clap::Args;
use soc2::report;
use soc2::schema::Kind;

use super::{Context, Exit, print};

/// Print the JSON Schema of a store file, for editors and other tools.
///
/// Files written by `soc2 init` start with a `# yaml-language-server: $schema=...` line
/// pointing at the store's copy under schema/, so editors with a YAML language server
/// validate and complete them. Without KIND, lists the kinds.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// program (soc2.yaml), control, policy, evidence, risk, test, finding, vendor or system
    /// (system/description.yaml)
    #[arg(value_parser = parse_kind)]
    pub kind: Option<Kind>,
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    Kind::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        soc2::suggest::unknown("kind", text, names)
    })
}

pub fn run(_context: &Context, args: SchemaArgs) -> Result<Exit> {
    let text = match args.kind {
        Some(kind) => kind.generate(),
        None => report::schema::render_kinds(),
    };
    print(&text)?;
    Ok(Exit::Success)
}
