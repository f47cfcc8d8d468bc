//! Asking for a missing required value, only when a person is at a terminal; scripts
//! get an error naming the flag instead.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};

use soc2::Hinted;

/// The value of a required flag: asked for on a terminal, an error otherwise.
pub fn required<T>(
    flag: &str,
    question: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        bail!(Hinted::new(
            format!("{flag} is required"),
            format!("pass {flag} VALUE")
        ));
    }
    ask(
        question,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
        parse,
    )
}

/// Asks until the answer parses; an empty answer or the end of input gives up.
pub fn ask<T>(
    question: &str,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T> {
    loop {
        write!(output, "{question}: ")?;
        output.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 || line.trim().is_empty() {
            bail!("no answer given for `{question}`");
        }
        match parse(line.trim()) {
            Ok(value) => return Ok(value),
            Err(problem) => writeln!(output, "  {problem}")?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::args::parse_choice;
    use soc2::model::Frequency;

    #[test]
    fn asks_again_until_the_answer_parses() {
        let mut input = std::io::Cursor::new("sometimes\nquartely\nquarterly\n");
        let mut output = Vec::new();
        let value = ask(
            "Frequency",
            &mut input,
            &mut output,
            parse_choice::<Frequency>,
        )
        .unwrap();
        assert_eq!(value, Frequency::Quarterly);
        let shown = String::from_utf8(output).unwrap();
        assert_eq!(shown.matches("Frequency: ").count(), 3);
        assert!(
            shown.contains("unknown value `quartely`, did you mean `quarterly`?"),
            "{shown}"
        );
    }

    #[test]
    fn an_empty_answer_gives_up() {
        let mut input = std::io::Cursor::new("\n");
        let err = ask("Title", &mut input, &mut Vec::new(), |t| Ok(t.to_string())).unwrap_err();
        assert!(err.to_string().contains("no answer"));
    }
}
