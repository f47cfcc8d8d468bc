use std::process::ExitCode;

fn main() -> ExitCode {
    soc2::commands::main()
}
