//! Everything the command line prints goes through here: results to stdout, warnings
//! and errors to stderr in the diagnostics style, and the report of a panic.

use std::io::Write;

use anyhow::{Context as _, Result};
use soc2::report::{self, Style};

/// Prints to stdout; a closed pipe (`soc2 status | head`) ends output quietly.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    written(
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush()),
    )
}

/// Prints `value` as `report::json` writes it, without holding the text: a large
/// store's `check --format json` is tens of megabytes.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    written(
        serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush()),
    )
}

fn written(result: std::io::Result<()>) -> Result<()> {
    match result {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}

/// Prints text meant for stderr (diagnostics a command shows before it stops).
pub fn print_err(text: &str) {
    eprint!("{text}");
}

/// A warning that does not stop the command, as `warning: ...` on stderr.
pub fn warn(message: &str) {
    eprint!("{}", report::error::warning(message, Style::for_stderr()));
}

/// The error of a command that could not run.
pub fn error(err: &anyhow::Error) {
    eprint!(
        "{}",
        report::error::render(err, report::Style::for_stderr())
    );
}

/// A panic is a bug: say so plainly, with the version and where to report it, and exit
/// with 2 (could not run) instead of the runtime's 101.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        eprint!(
            "{}",
            report::error::internal(env!("CARGO_PKG_VERSION"), &message, &location)
        );
        std::process::exit(2);
    }));
}

/// Debug builds only: `SOC2_DEBUG_PANIC=1` panics on purpose, so tests can check what
/// a user sees when soc2 has a bug.
pub fn debug_panic_trigger() {
    #[cfg(debug_assertions)]
    if std::env::var_os("SOC2_DEBUG_PANIC").is_some_and(|v| v == "1") {
        panic!("SOC2_DEBUG_PANIC is set");
    }
}
