use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Exit, print};

/// Print a shell completion script for soc2.
///
/// For example: `soc2 completions bash > ~/.local/share/bash-completion/completions/soc2`,
/// `soc2 completions zsh > ~/.zfunc/_soc2` (with ~/.zfunc in $fpath), `soc2 completions
/// fish > ~/.config/fish/completions/soc2.fish`, or in PowerShell `soc2 completions
/// powershell | Out-String | Invoke-Expression` in your profile.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "soc2", &mut script);
    print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}
