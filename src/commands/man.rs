use anyhow::{Result, bail};
use clap::{Args, CommandFactory};
use soc2::Hinted;

use super::{Cli, Exit, print};

/// Print soc2's manual page (roff), or a command's.
///
/// For example: `soc2 man > soc2.1` and `soc2 man evidence add > soc2-evidence-add.1`,
/// then `man ./soc2.1`, or install them under a `man1` folder of your MANPATH.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command (and subcommand) whose page to print, like `evidence add`; none for
    /// soc2's own page
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(args: ManArgs) -> Result<Exit> {
    let mut command = Cli::command();
    command.build();
    let mut name = "soc2".to_string();
    for word in &args.command {
        let Some(sub) = command.find_subcommand(word).cloned() else {
            bail!(Hinted::new(
                format!("`{name} {word}` is not a command"),
                format!("`{name} --help` lists its commands"),
            ));
        };
        name = format!("{name} {word}");
        command = sub;
    }
    let page = command
        .name(name.replace(' ', "-"))
        .version(env!("CARGO_PKG_VERSION"));
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    print(&String::from_utf8_lossy(&roff))?;
    Ok(Exit::Success)
}
