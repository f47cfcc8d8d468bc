//! The error report for a command that could not run: the message, what caused it,
//! and a hint when there is one.

use super::Style;
use crate::Hinted;

pub fn render(err: &anyhow::Error, style: Style) -> String {
    let mut from_git = false;
    let mut plain = |text: String| match text.find("; class=") {
        // libgit2 ends its messages with `; class=Merge (22); code=NotFound (-3)`.
        Some(at) => {
            from_git = true;
            text[..at].to_string()
        }
        None => text,
    };
    let mut out = format!("{} {}\n", style.red("error:"), plain(err.to_string()));
    for cause in err.chain().skip(1) {
        out.push_str(&format!("  caused by: {}\n", plain(cause.to_string())));
    }
    match err.chain().find_map(|e| e.downcast_ref::<Hinted>()) {
        Some(hinted) => out.push_str(&format!("{} {}\n", style.cyan("hint:"), hinted.hint)),
        None if from_git => out.push_str(&format!(
            "{} this is git's own error: `git status` in the repository may say more, and soc2 changed nothing unless it said so\n",
            style.cyan("hint:")
        )),
        None => {}
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
    fn git_errors_read_plainly_with_a_hint() {
        let err = Err::<(), _>(anyhow::anyhow!(
            "no merge base found; class=Merge (22); code=NotFound (-3)"
        ))
        .context("finding the base")
        .unwrap_err();
        let text = render(&err, Style::plain());
        assert!(text.starts_with("error: finding the base\n  caused by: no merge base found\nhint: this is git's own error"), "{text}");
    }

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
