//! The `soc2` command line: parse, dispatch, print, exit. The work is in the `soc2`
//! library; `commands` holds one file per command.

mod commands;

fn main() -> std::process::ExitCode {
    commands::main()
}
