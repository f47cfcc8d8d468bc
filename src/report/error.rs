//! The error report for a command that could not run: the message, what caused it,
//! and a hint when there is one.

use super::Style;
use crate::Hinted;

pub fn render(err: &anyhow::Error, style: Style) -> String {
    let mut out = format!("{} {err}\n", style.red("error:"));
    for cause in err.chain().skip(1) {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    if let Some(hinted) = err.chain().find_map(|e| e.downcast_ref::<Hinted>()) {
        out.push_str(&format!("{} {}\n", style.cyan("hint:"), hinted.hint));
    }
    out
}

/// A warning that does not stop a command.
pub fn warning(message: &str, style: Style) -> String {
    format!("{} {message}\n", style.yellow("warning:"))
}

/// What a user sees when soc2 panics: a bug, not their mistake.
pub fn internal(version: &str, message: &str, location: &str) -> String {
    format!(
        "error: internal error in soc2 {version}: {message}{location}\n\
         This is a bug in soc2, not a problem with your files. Please report it to the \
         soc2 maintainers with the command you ran and this message.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn chain_then_hint() {
        let err = Err::<(), _>(anyhow::anyhow!(Hinted::new(
            "no soc2.yaml",
            "run `soc2 init`"
        )))
        .context("loading the store")
        .unwrap_err();
        assert_eq!(
            render(&err, Style::plain()),
            "error: loading the store\n  caused by: no soc2.yaml\nhint: run `soc2 init`\n"
        );
    }
}
