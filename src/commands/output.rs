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
    print_json_by(|out| serde_json::to_writer_pretty(out, value).map_err(std::io::Error::from))
}

/// `print_json` of `head` with `items` as its last field, which `head` holds empty:
/// the items are written on both cores, a batch at a time (`check --format json` on a
/// large store writes 70,000 findings, which took as long as judging them). The bytes
/// are `print_json`'s, the same as if `head` held the items.
pub fn print_json_ending_in<H, T>(head: &H, items: &[T]) -> Result<()>
where
    H: serde::Serialize + ?Sized,
    T: serde::Serialize + Sync,
{
    print_json_by(|out| write_json_ending_in(out, head, items))
}

/// JSON that `write` writes to stdout through a buffer, then its final newline.
fn print_json_by(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    written(
        write(&mut out)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush()),
    )
}

/// Items written in a batch: 8,192 findings are about 3 MB of JSON.
const BATCH: usize = 8192;

fn write_json_ending_in<H, T>(out: &mut impl Write, head: &H, items: &[T]) -> std::io::Result<()>
where
    H: serde::Serialize + ?Sized,
    T: serde::Serialize + Sync,
{
    use rayon::prelude::*;
    use serde_json::ser::{Formatter, PrettyFormatter};

    let head = serde_json::to_vec_pretty(head)?;
    if items.is_empty() {
        return out.write_all(&head);
    }
    // The empty list ends the pretty text as `[]`, its object's `}` on the next line.
    let Some(before) = head.strip_suffix(b"[]\n}") else {
        return Err(std::io::Error::other(
            "the JSON's last field must be the empty list its items go in",
        ));
    };
    let line = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&before[..0], |n| &before[n + 1..]);
    let indent = &line[..line.iter().take_while(|&&b| b == b' ').count()];
    // Each item one level deeper than the field (serde_json indents by two spaces): a
    // formatter told of the levels around the items writes them as it would there.
    let mut deeper = PrettyFormatter::new();
    for _ in 0..=indent.len() / 2 {
        deeper.begin_array(&mut std::io::sink())?;
    }
    out.write_all(before)?;
    out.write_all(b"[")?;
    // Each item follows a comma, a newline and its indent; the first, no comma.
    let mut first = true;
    for batch in items.chunks(BATCH) {
        let parts = batch
            .par_chunks(BATCH / 16)
            .map(|part| {
                let mut text = Vec::new();
                for item in part {
                    text.push(b',');
                    deeper.clone().begin_array_value(&mut text, true)?;
                    item.serialize(&mut serde_json::Serializer::with_formatter(
                        &mut text,
                        deeper.clone(),
                    ))?;
                }
                Ok(text)
            })
            .collect::<std::io::Result<Vec<Vec<u8>>>>()?;
        for part in parts {
            out.write_all(if first { &part[1..] } else { &part })?;
            first = false;
        }
    }
    out.write_all(b"\n")?;
    out.write_all(indent)?;
    out.write_all(b"]\n}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Head<'a> {
        version: u32,
        nested: Vec<u32>,
        items: &'a [Item],
    }

    #[derive(Clone, serde::Serialize)]
    struct Item {
        message: String,
        position: Option<(u32, u32)>,
        tags: Vec<String>,
    }

    #[test]
    fn items_written_on_both_cores_are_the_bytes_serde_json_writes() {
        let item = |n: usize| Item {
            message: format!("item {n}: a \"quote\", a newline\nand a tab\t, \u{e9}t\u{e9}"),
            position: n.is_multiple_of(3).then_some((n as u32, 1)),
            tags: (0..n % 4).map(|t| format!("t{t}")).collect(),
        };
        for count in [0, 1, 2, BATCH / 16 + 1, BATCH + 3] {
            let items: Vec<Item> = (0..count).map(item).collect();
            let whole = Head {
                version: 1,
                nested: vec![1, 2],
                items: &items,
            };
            let head = Head {
                items: &[],
                ..whole
            };
            let mut written = Vec::new();
            write_json_ending_in(&mut written, &head, &items).unwrap();
            let expected = serde_json::to_vec_pretty(&Head {
                items: &items,
                ..head
            })
            .unwrap();
            assert!(written == expected, "{count} items differ");
        }
    }

    #[test]
    fn items_with_no_empty_list_last_to_go_in_are_an_error_not_dropped() {
        let items = [1, 2];
        let head = serde_json::json!({ "items": [], "version": 1 });
        let mut written = Vec::new();
        let err = write_json_ending_in(&mut written, &head, &items).unwrap_err();
        assert!(err.to_string().contains("last field"), "{err}");
        assert!(written.is_empty());
    }
}
