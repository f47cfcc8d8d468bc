//! Credentials in evidence: each rule is data (an id, a pattern whose `s` group is
//! the secret, and for assignments an entropy threshold), matched over a file's bytes
//! as they are, in place. Pure: bytes in, hits out; nothing here reads a file or
//! prints, and no hit carries the secret itself, only where it is and a masked line.
//!
//! The patterns use the `regex` crate: one pass of a `RegexSet` over the whole file
//! tells which rules can match at all (most files: none), in time linear in the file's
//! size whatever it holds, which hand-written matching of nine patterns would not
//! give.

use std::sync::LazyLock;

use regex::bytes::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

/// One kind of credential.
pub struct Rule {
    /// The stable name: `--allow-secret`, `[REDACTED:<id>]` and findings use it.
    pub id: &'static str,
    pub title: &'static str,
    /// A byte pattern (ASCII only); the group named `s` is the secret.
    pattern: &'static str,
    /// For assignments: the least Shannon entropy, in bits per byte, a value needs to
    /// count as a secret rather than a word or a placeholder.
    min_entropy: Option<f64>,
}

/// Every rule, the most specific first: where two rules match the same text, the
/// first one names it.
pub const RULES: &[Rule] = &[
    Rule {
        id: "private-key",
        title: "a private key block",
        pattern: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?P<s>)",
        min_entropy: None,
    },
    Rule {
        id: "aws-access-key-id",
        title: "an AWS access key id",
        pattern: r"\b(?P<s>(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16})\b",
        min_entropy: None,
    },
    Rule {
        id: "aws-secret-access-key",
        title: "an AWS secret access key",
        pattern: r#"(?i)(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?[ \t]*[:=][ \t]*["']?(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        min_entropy: Some(3.0),
    },
    Rule {
        id: "github-token",
        title: "a GitHub token",
        pattern: r"\b(?P<s>(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        min_entropy: None,
    },
    Rule {
        id: "gitlab-token",
        title: "a GitLab token",
        pattern: r"\b(?P<s>gl(?:pat|ptt|dt|rt|cbt|soat)-[A-Za-z0-9_-]{20,})",
        min_entropy: None,
    },
    Rule {
        id: "slack-token",
        title: "a Slack token or webhook",
        pattern: r"(?P<s>\bxox[abposr]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9]+)",
        min_entropy: None,
    },
    Rule {
        id: "jwt",
        title: "a JSON Web Token",
        pattern: r"\b(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
        min_entropy: None,
    },
    Rule {
        id: "url-password",
        title: "a URL with a password",
        pattern: r#"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s/?#@:'"<>]+:(?P<s>[^\s/?#@'"<>]+)@[^\s/?#'"<>]+"#,
        min_entropy: None,
    },
    Rule {
        id: "password-assignment",
        title: "a password, secret or token assigned a high-entropy value",
        pattern: r#"(?i)[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key)[A-Za-z0-9_]*["']?[ \t]*[:=][ \t]*["']?(?P<s>[^\s"'`,;&<>]{8,})"#,
        min_entropy: Some(3.5),
    },
];

/// Looks a rule up by its id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The rules' ids, for messages: `aws-access-key-id, ...`.
pub fn rule_ids() -> String {
    RULES.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
}

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    // ASCII only: every credential format is, and it keeps matching byte-wise.
    let patterns: Vec<String> = RULES
        .iter()
        .map(|r| format!("(?-u){}", r.pattern))
        .collect();
    Compiled {
        set: RegexSet::new(&patterns).expect("the secret rules compile"),
        each: patterns
            .iter()
            .map(|p| Regex::new(p).expect("each secret rule compiles"))
            .collect(),
    }
});

/// One credential found: where it is, never what it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub rule: String,
    /// 1-based line and column (in characters) of the secret's first byte.
    pub line: usize,
    pub column: usize,
    /// The secret's byte range in the scanned bytes (a private key: the whole block).
    pub start: usize,
    pub end: usize,
    /// The line, shortened around the hit, with every secret on it masked.
    pub excerpt: String,
}

/// Whether `bytes` look like text: binary files (a NUL in the first 8 KB, as git
/// decides) are not scanned.
pub fn is_text(bytes: &[u8]) -> bool {
    !bytes[..bytes.len().min(8192)].contains(&0)
}

/// Every credential in `bytes`, in order. Binary content yields none.
pub fn scan(bytes: &[u8]) -> Vec<Hit> {
    if !is_text(bytes) {
        return Vec::new();
    }
    scan_text(bytes)
}

/// `scan` of everything `reader` gives, read a piece of whole lines at a time, so a
/// file of any size is scanned in a bounded amount of memory. (A private key block
/// that straddles two pieces is found in neither; pieces are 8 MB.)
pub fn scan_reader(reader: impl std::io::Read) -> std::io::Result<Vec<Hit>> {
    let mut hits = Vec::new();
    pieces(reader, |piece| {
        if !piece.text {
            return Ok(false);
        }
        hits.extend(piece.place(scan_text(piece.bytes)));
        Ok(true)
    })?;
    Ok(hits)
}

/// A piece of whole lines of a stream, and where it starts.
struct Piece<'a> {
    bytes: &'a [u8],
    /// Whether the stream is text (`is_text` of its start).
    text: bool,
    lines_before: usize,
    bytes_before: usize,
}

impl Piece<'_> {
    /// Hits found in the piece, placed in the whole stream.
    fn place(&self, hits: Vec<Hit>) -> impl Iterator<Item = Hit> {
        let (lines, bytes) = (self.lines_before, self.bytes_before);
        hits.into_iter().map(move |mut hit| {
            hit.line += lines;
            hit.start += bytes;
            hit.end += bytes;
            hit
        })
    }
}

/// Reads `reader` to its end (or until `each` says stop) in pieces of whole lines of
/// at most 8 MB (a longer line is cut), handing each to `each`.
fn pieces(
    mut reader: impl std::io::Read,
    mut each: impl FnMut(&Piece) -> std::io::Result<bool>,
) -> std::io::Result<()> {
    const PIECE: usize = 8 << 20;
    let mut buffer: Vec<u8> = Vec::with_capacity(PIECE);
    let (mut lines_before, mut bytes_before) = (0usize, 0usize);
    let mut text = None;
    loop {
        let filled = buffer.len();
        buffer.resize(PIECE.max(filled + 1), 0);
        let read = loop {
            match reader.read(&mut buffer[filled..]) {
                Ok(n) => break n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        };
        buffer.truncate(filled + read);
        let text = *text.get_or_insert_with(|| is_text(&buffer));
        let done = read == 0;
        // Whole lines; keep the unfinished last one for the next piece.
        let cut = if done {
            buffer.len()
        } else {
            match buffer.iter().rposition(|b| *b == b'\n') {
                Some(newline) => newline + 1,
                None if buffer.len() >= PIECE => buffer.len(),
                None => continue,
            }
        };
        let piece = Piece {
            bytes: &buffer[..cut],
            text,
            lines_before,
            bytes_before,
        };
        if (cut > 0 || done) && !each(&piece)? {
            return Ok(());
        }
        if text {
            lines_before += buffer[..cut].iter().filter(|b| **b == b'\n').count();
        }
        bytes_before += cut;
        buffer.drain(..cut);
        if done {
            return Ok(());
        }
    }
}

fn scan_text(bytes: &[u8]) -> Vec<Hit> {
    let compiled = &*COMPILED;
    let matched = compiled.set.matches(bytes);
    if !matched.matched_any() {
        return Vec::new();
    }
    let mut spans: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, rule index)
    for index in matched.iter() {
        let rule = &RULES[index];
        for captures in compiled.each[index].captures_iter(bytes) {
            let Some(secret) = captures.name("s") else {
                continue;
            };
            let (start, end) = if rule.id == "private-key" {
                let whole = captures.get(0).expect("group 0 is the match");
                (whole.start(), key_block_end(bytes, whole.end()))
            } else {
                (secret.start(), secret.end())
            };
            let value = &bytes[start..end];
            if rule.id != "private-key" && !looks_secret(value, rule.min_entropy) {
                continue;
            }
            if spans.iter().any(|&(s, e, _)| start < e && s < end) {
                continue;
            }
            spans.push((start, end, index));
        }
    }
    spans.sort();
    let mut hits = Vec::with_capacity(spans.len());
    let mut line = 1;
    let mut line_start = 0;
    let mut at = 0;
    for &(start, end, index) in &spans {
        for (offset, byte) in bytes[at..start].iter().enumerate() {
            if *byte == b'\n' {
                line += 1;
                line_start = at + offset + 1;
            }
        }
        at = start;
        let column = String::from_utf8_lossy(&bytes[line_start..start])
            .chars()
            .count()
            + 1;
        hits.push(Hit {
            rule: RULES[index].id.to_string(),
            line,
            column,
            start,
            end,
            excerpt: excerpt(bytes, line_start, start, &spans),
        });
    }
    hits
}

/// The end of a private key block that starts before `from`: after its `-----END`
/// line, or the end of the input when it is cut short.
fn key_block_end(bytes: &[u8], from: usize) -> usize {
    let marker = b"-----END ";
    let Some(offset) = bytes[from..]
        .windows(marker.len())
        .position(|w| w == marker)
    else {
        return bytes.len();
    };
    let tail = from + offset + marker.len();
    match bytes[tail..].iter().position(|b| *b == b'\n') {
        Some(newline) => {
            let end = tail + newline;
            if end > 0 && bytes[end - 1] == b'\r' {
                end - 1
            } else {
                end
            }
        }
        None => bytes.len(),
    }
}

/// Placeholders (`$TOKEN`, `${{ secrets.X }}`, `<password>`, `****`, an earlier
/// redaction) are not secrets, and an assignment's value must be random enough.
fn looks_secret(value: &[u8], min_entropy: Option<f64>) -> bool {
    if value.is_empty()
        || matches!(value[0], b'$' | b'<' | b'{' | b'%' | b'[' | b'(')
        || value
            .iter()
            .all(|b| matches!(b, b'*' | b'x' | b'X' | b'.' | b'-'))
    {
        return false;
    }
    min_entropy.is_none_or(|min| entropy(value) >= min)
}

/// Shannon entropy in bits per byte.
pub fn entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for byte in value {
        counts[*byte as usize] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// The line holding `start`, every secret on it masked, cut to about 100 characters
/// around the hit.
fn excerpt(
    bytes: &[u8],
    line_start: usize,
    start: usize,
    spans: &[(usize, usize, usize)],
) -> String {
    let line_end = bytes[line_start..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| line_start + p);
    let mut masked = String::new();
    let mut cursor = line_start;
    let mut hit_at = 0;
    for &(s, e, _) in spans
        .iter()
        .filter(|(s, e, _)| *s < line_end && *e > line_start)
    {
        let s = s.max(line_start);
        masked.push_str(&String::from_utf8_lossy(&bytes[cursor..s]));
        if s == start {
            hit_at = masked.chars().count();
        }
        masked.push_str(&mask(&bytes[s..e.min(line_end)]));
        cursor = e.min(line_end);
    }
    masked.push_str(&String::from_utf8_lossy(&bytes[cursor..line_end]));
    let chars: Vec<char> = masked.trim_end_matches('\r').chars().collect();
    let from = hit_at.saturating_sub(40);
    let to = (from + 100).min(chars.len());
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.extend(
        chars[from..to]
            .iter()
            .map(|c| if c.is_control() { ' ' } else { *c }),
    );
    if to < chars.len() {
        out.push('…');
    }
    out
}

/// A secret as messages show it: at most its first four characters (fewer for a short
/// one), then stars.
fn mask(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let first_line = text.lines().next().unwrap_or_default();
    let keep = (first_line.chars().count() / 5).min(4);
    let shown: String = first_line.chars().take(keep).collect();
    format!("{shown}{}", "*".repeat(8))
}

/// `bytes` with each hit replaced by `[REDACTED:<rule>]`. `hits` come from `scan` of
/// the same bytes.
pub fn redact(bytes: &[u8], hits: &[Hit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut cursor = 0;
    for hit in hits {
        out.extend_from_slice(&bytes[cursor..hit.start]);
        out.extend_from_slice(format!("[REDACTED:{}]", hit.rule).as_bytes());
        cursor = hit.end;
    }
    out.extend_from_slice(&bytes[cursor..]);
    out
}

/// A file to be committed, screened: its bytes (redacted when asked), the rules that
/// were redacted or allowed, and the hits that refuse it.
#[derive(Debug)]
pub struct Screened {
    pub bytes: Vec<u8>,
    pub redacted: Vec<String>,
    pub allowed: Vec<String>,
    pub refused: Vec<Hit>,
}

/// Screens `bytes` before they are committed: hits of an `allow`ed rule stay as they
/// are; with `redact`, the others are replaced with `[REDACTED:<rule>]`; without, they
/// refuse the file.
pub fn screen(bytes: Vec<u8>, redact: bool, allow: &[String]) -> Screened {
    let mut screened = Screened {
        bytes: Vec::new(),
        redacted: Vec::new(),
        allowed: Vec::new(),
        refused: Vec::new(),
    };
    let redactions = screened.judge(scan(&bytes), redact, allow);
    screened.bytes = if redactions.is_empty() {
        bytes
    } else {
        self::redact(&bytes, &redactions)
    };
    screened
}

/// `screen` of everything `reader` gives, written to `out` as it is screened (redacted
/// when asked), a piece of whole lines at a time: a file of any size is screened in a
/// bounded amount of memory. The verdict is `screen`'s (as `scan_reader` finds), with
/// no `bytes`: they went to `out`.
pub fn screen_reader(
    reader: impl std::io::Read,
    mut out: impl std::io::Write,
    redact: bool,
    allow: &[String],
) -> std::io::Result<Screened> {
    let mut screened = Screened {
        bytes: Vec::new(),
        redacted: Vec::new(),
        allowed: Vec::new(),
        refused: Vec::new(),
    };
    pieces(reader, |piece| {
        if !piece.text {
            out.write_all(piece.bytes)?;
            return Ok(true);
        }
        let hits = scan_text(piece.bytes);
        let mut refused = std::mem::take(&mut screened.refused);
        let redactions = screened.judge(hits, redact, allow);
        if redactions.is_empty() {
            out.write_all(piece.bytes)?;
        } else {
            out.write_all(&self::redact(piece.bytes, &redactions))?;
        }
        refused.extend(piece.place(std::mem::take(&mut screened.refused)));
        screened.refused = refused;
        Ok(true)
    })?;
    out.flush()?;
    Ok(screened)
}

impl Screened {
    /// Sorts `hits` (from one scan) into allowed, redacted and refused; returns those to
    /// redact.
    fn judge(&mut self, hits: Vec<Hit>, redact: bool, allow: &[String]) -> Vec<Hit> {
        let (kept, found): (Vec<Hit>, Vec<Hit>) =
            hits.into_iter().partition(|h| allow.contains(&h.rule));
        for hit in kept {
            if !self.allowed.contains(&hit.rule) {
                self.allowed.push(hit.rule);
            }
        }
        if !redact {
            self.refused.extend(found);
            return Vec::new();
        }
        for hit in &found {
            if !self.redacted.contains(&hit.rule) {
                self.redacted.push(hit.rule.clone());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules a text trips.
    fn rules_of(text: &str) -> Vec<String> {
        scan(text.as_bytes()).into_iter().map(|h| h.rule).collect()
    }

    // Samples are assembled at run time so that this file holds no credential-shaped
    // string for other scanners to trip on.
    fn aws_key_id() -> String {
        format!("AKIA{}", "Q7XR2MZP4KD9WN3B")
    }
    fn aws_secret() -> String {
        format!("wJalrXUtnFEMI/K7MDENG/{}", "bPxRfiCYzq8Kd3LmNv")
    }

    #[test]
    fn a_large_file_scanned_in_pieces_finds_what_a_whole_scan_finds() {
        // Over one 8 MB piece, with a key on the last line and one near the start.
        let filler = "a line of an ordinary export, nothing secret in it at all\n";
        let mut text = format!("first\nid = {}\n", aws_key_id());
        while text.len() < 9 << 20 {
            text.push_str(filler);
        }
        text.push_str(&format!("key: {}\n", aws_key_id()));
        let whole = scan(text.as_bytes());
        let pieces = scan_reader(text.as_bytes()).unwrap();
        assert_eq!(whole.len(), 2);
        assert_eq!(pieces, whole);
        assert_eq!(pieces[1].line, text.lines().count());
        // Binary content is not scanned, whole or in pieces.
        let binary = [b"\0".as_slice(), text.as_bytes()].concat();
        assert!(scan_reader(binary.as_slice()).unwrap().is_empty());
    }

    #[test]
    fn each_rule_finds_its_secret_and_ignores_its_look_alike() {
        let jwt = format!(
            "{}.{}.{}",
            "eyJhbGciOiJIUzI1NiJ9",
            "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
            "dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        let cases: Vec<(&str, String, String)> = vec![
            (
                "private-key",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n".into(),
                "-----BEGIN PUBLIC KEY-----\nMIIBIj\n-----END PUBLIC KEY-----\n".into(),
            ),
            (
                "aws-access-key-id",
                format!("key id: {}", aws_key_id()),
                "key id: AKIA1234 (redacted in the console)".into(),
            ),
            (
                "aws-secret-access-key",
                format!("aws_secret_access_key = {}", aws_secret()),
                "aws_secret_access_key = (read from the environment)".into(),
            ),
            (
                "github-token",
                format!("Authorization: token ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
                "ghp_short is not a token; see https://github.com/settings/tokens".into(),
            ),
            (
                "gitlab-token",
                format!("PRIVATE-TOKEN: glpat-{}", "x9Yz8Wv7Ut6Sr5Qp4On3"),
                "glpat- tokens expire after a year".into(),
            ),
            (
                "slack-token",
                format!("SLACK=xoxb-{}", "1234567890-abcdefghij"),
                "the xoxb- prefix marks bot tokens".into(),
            ),
            (
                "jwt",
                format!("Bearer {jwt}"),
                "header only: eyJhbGciOiJIUzI1NiJ9".into(),
            ),
            (
                "url-password",
                format!("DATABASE_URL=postgres://app:{}@db.internal:5432/app", "S3cr3tPa55w0rd"),
                "https://alice@example.com/x and https://example.com:8443/y and postgres://app:${DB_PASSWORD}@db/app".into(),
            ),
            (
                "password-assignment",
                format!("db_password={}", "Zx8#qL2!vN9@wR4$"),
                "password=changeme-please token=aaaaaaaaaaaaaaaa token: ${{ secrets.GITHUB_TOKEN }}".into(),
            ),
        ];
        assert_eq!(cases.len(), RULES.len(), "a case for every rule");
        for (rule, positive, negative) in cases {
            assert_eq!(rules_of(&positive), [rule], "{rule} should find its secret");
            assert_eq!(
                rules_of(&negative),
                Vec::<String>::new(),
                "{rule}: {negative}"
            );
        }
    }

    #[test]
    fn hits_say_where_and_never_what() {
        let secret = aws_key_id();
        let text = format!("line one\n  id = {secret} # here\n");
        let hits = scan(text.as_bytes());
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!((hit.line, hit.column), (2, 8));
        assert!(!hit.excerpt.contains(&secret), "{}", hit.excerpt);
        assert!(
            hit.excerpt.starts_with("  id = AKIA****"),
            "{}",
            hit.excerpt
        );
        assert_eq!(&text.as_bytes()[hit.start..hit.end], secret.as_bytes());
    }

    #[test]
    fn the_most_specific_rule_names_a_secret() {
        let text = format!(
            "GITHUB_TOKEN=ghp_{}",
            "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
        );
        assert_eq!(rules_of(&text), ["github-token"]);
        let text = format!("aws_secret_access_key={}", aws_secret());
        assert_eq!(rules_of(&text), ["aws-secret-access-key"]);
    }

    #[test]
    fn redaction_replaces_each_secret_and_a_whole_key_block() {
        let text = format!(
            "id={}\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nafter\n",
            aws_key_id()
        );
        let hits = scan(text.as_bytes());
        let redacted = String::from_utf8(redact(text.as_bytes(), &hits)).unwrap();
        assert_eq!(
            redacted,
            "id=[REDACTED:aws-access-key-id]\n[REDACTED:private-key]\nafter\n"
        );
        assert!(
            scan(redacted.as_bytes()).is_empty(),
            "a redaction is not a secret"
        );
    }

    #[test]
    fn screening_refuses_redacts_or_allows() {
        let text = format!("id={} ok\n", aws_key_id()).into_bytes();
        let refused = screen(text.clone(), false, &[]);
        assert_eq!(refused.refused.len(), 1);
        assert_eq!(refused.bytes, text);
        let redacted = screen(text.clone(), true, &[]);
        assert_eq!(redacted.bytes, b"id=[REDACTED:aws-access-key-id] ok\n");
        assert_eq!(redacted.redacted, ["aws-access-key-id"]);
        let allowed = screen(text.clone(), false, &["aws-access-key-id".to_string()]);
        assert!(allowed.refused.is_empty());
        assert_eq!(allowed.bytes, text);
        assert_eq!(allowed.allowed, ["aws-access-key-id"]);
    }

    #[test]
    fn screening_in_pieces_writes_what_screening_whole_gives() {
        // Over one 8 MB piece, a secret in each piece, an allowed one between.
        let filler = "a line of an ordinary export, nothing secret in it at all\n";
        let mut text = format!("first\nid = {}\n", aws_key_id());
        text.push_str(&format!("aws_secret_access_key = {}\n", aws_secret()));
        while text.len() < 9 << 20 {
            text.push_str(filler);
        }
        text.push_str(&format!("key: {}\n", aws_key_id()));
        let allow = ["aws-secret-access-key".to_string()];
        for redact in [false, true] {
            let whole = screen(text.clone().into_bytes(), redact, &allow);
            let mut written = Vec::new();
            let streamed = screen_reader(text.as_bytes(), &mut written, redact, &allow).unwrap();
            assert_eq!(written, whole.bytes);
            assert_eq!(streamed.refused, whole.refused);
            assert_eq!(streamed.redacted, whole.redacted);
            assert_eq!(streamed.allowed, whole.allowed);
            assert!(streamed.bytes.is_empty());
        }
        let refused = screen_reader(text.as_bytes(), std::io::sink(), false, &[]).unwrap();
        assert_eq!(refused.refused.len(), 3);
        assert_eq!(refused.refused[2].line, text.lines().count());
        // Binary content is copied as it is.
        let binary = [b"\0".as_slice(), text.as_bytes()].concat();
        let mut written = Vec::new();
        let screened = screen_reader(binary.as_slice(), &mut written, true, &[]).unwrap();
        assert_eq!(written, binary);
        assert!(screened.refused.is_empty() && screened.redacted.is_empty());
    }

    #[test]
    fn binary_and_clean_files_have_no_hits() {
        let mut binary = aws_key_id().into_bytes();
        binary.insert(0, 0);
        assert!(scan(&binary).is_empty());
        assert!(scan(b"").is_empty());
        assert!(scan("plain text, ünïcode, no secrets\n".as_bytes()).is_empty());
    }

    #[test]
    fn large_files_scan_quickly() {
        // 20 MB of log lines with one key at the end: linear, well under a second even
        // unoptimised.
        let line = "2026-11-22T09:00:00Z GET /api/v1/items?page=2 200 12ms user=alice\n";
        let mut text = line.repeat(20 * 1024 * 1024 / line.len());
        text.push_str(&format!("leaked {}\n", aws_key_id()));
        let started = std::time::Instant::now();
        let hits = scan(text.as_bytes());
        assert_eq!(hits.len(), 1);
        assert!(hits[0].line > 300_000);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }
}
