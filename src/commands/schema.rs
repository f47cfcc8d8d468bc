use anyhow::Result;
use clap::Args;

use super::{Context, Exit, print};
use crate::schema::Kind;

/// Print the JSON Schema of a store file, for editors and other tools.
///
/// Files written by `soc2 init` start with a `# yaml-language-server: $schema=...` line
/// pointing at the store's copy under schema/, so editors with a YAML language server
/// validate and complete them. Without KIND, lists the kinds.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// program (soc2.yaml), control, policy, evidence or risk
    #[arg(value_enum)]
    pub kind: Option<Kind>,
}

pub fn run(_context: &Context, args: SchemaArgs) -> Result<Exit> {
    let text = match args.kind {
        Some(kind) => kind.generate(),
        None => {
            let mut out =
                String::from("Schemas of the store's files (`soc2 schema KIND` prints one):\n");
            for kind in Kind::ALL {
                out.push_str(&format!(
                    "  {:<9} {:<40} {}\n",
                    kind.name(),
                    kind.files(),
                    kind.path()
                ));
            }
            out
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}
