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
