//! Raw commit objects, read without libgit2: the history walks read every commit of
//! a long history, and libgit2 would parse each into an object it also caches. Only
//! a commit written plainly, as git writes it, is read here; anything git or libgit2
//! would have to trim or repair (a name ending in a dot, a NUL byte, a time zone
//! past +14 hours, no message line) gives `None`, and the caller asks libgit2, so
//! the two readings never differ.

use std::rc::Rc;

use anyhow::{Context, Result};
use git2::Oid;

use super::pack::Packs;

/// Commits read raw for a walk, from the packs where they are. The last one read is
/// kept: in a chain of first parents, a commit is read as its child's parent, then
/// as itself.
pub(super) struct RawCommits<'o, 'r> {
    odb: &'o git2::Odb<'r>,
    packs: Packs,
    last: Option<(Oid, Header, Rc<[u8]>)>,
    /// A shallow clone's boundary commits name parents it does not have; like git,
    /// a walk treats those commits as roots.
    pub(super) shallow: bool,
}

impl<'o, 'r> RawCommits<'o, 'r> {
    pub(super) fn new(odb: &'o git2::Odb<'r>, packs: Packs, shallow: bool) -> Self {
        RawCommits {
            odb,
            packs,
            last: None,
            shallow,
        }
    }

    /// The header and bytes of commit `oid`.
    pub(super) fn read(&mut self, oid: Oid) -> Result<(Header, Rc<[u8]>)> {
        if let Some((id, header, raw)) = &self.last
            && *id == oid
        {
            return Ok((*header, raw.clone()));
        }
        let (mut header, raw) = read(&mut self.packs, self.odb, oid)?;
        header.parent = header
            .parent
            .filter(|p| !self.shallow || self.odb.exists(*p));
        self.last = Some((oid, header, raw.clone()));
        Ok((header, raw))
    }
}

/// The header and bytes of commit `oid`, from the packs where they hold it.
pub(super) fn read(packs: &mut Packs, odb: &git2::Odb, oid: Oid) -> Result<(Header, Rc<[u8]>)> {
    let raw = packs
        .read(odb, oid, git2::ObjectType::Commit)
        .with_context(|| format!("reading commit {oid}"))?;
    let header = header(&raw).with_context(|| format!("reading commit {oid}"))?;
    Ok((header, raw))
}

/// `f` of commit `id`, read from its bytes `raw` when they are written plainly, or
/// else as libgit2 reads it: always in a shallow clone, where libgit2 gives a
/// boundary commit no parents.
pub(super) fn with<R>(
    repo: &git2::Repository,
    id: Oid,
    raw: &[u8],
    shallow: bool,
    f: impl FnOnce(&Commit) -> R,
) -> Result<R> {
    if !shallow && let Some(commit) = commit(raw) {
        return Ok(f(&commit));
    }
    let theirs = repo
        .find_commit(id)
        .with_context(|| format!("reading commit {id}"))?;
    let (author, committer) = (theirs.author(), theirs.committer());
    Ok(f(&Commit {
        parents: theirs.parent_count(),
        author: as_read(&author),
        committer: as_read(&committer),
        message: theirs.message_bytes(),
    }))
}

/// What a walk needs of a commit: its tree, its first parent, and whether it has more.
#[derive(Clone, Copy)]
pub(super) struct Header {
    pub(super) tree: Oid,
    pub(super) parent: Option<Oid>,
    pub(super) merge: bool,
}

/// The tree and parents of a raw commit (`tree <id>`, then `parent <id>` lines, at
/// its start).
pub(super) fn header(data: &[u8]) -> Option<Header> {
    let mut lines = data.split(|b| *b == b'\n');
    let tree = id(lines.next()?, b"tree ")?;
    let parent = lines.next().and_then(|line| id(line, b"parent "));
    let merge = parent.is_some() && lines.next().is_some_and(|l| l.starts_with(b"parent "));
    Some(Header {
        tree,
        parent,
        merge,
    })
}

fn id(line: &[u8], prefix: &[u8]) -> Option<Oid> {
    let hex = std::str::from_utf8(line.strip_prefix(prefix)?).ok()?;
    Oid::from_str(hex).ok()
}

fn as_read<'a>(signature: &'a git2::Signature<'_>) -> Signature<'a> {
    Signature {
        name: signature.name_bytes(),
        email: signature.email_bytes(),
        time: signature.when().seconds(),
        offset_minutes: signature.when().offset_minutes(),
    }
}

/// An identity and time as git writes them: `Name <email> 1700000000 +0100`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Signature<'a> {
    pub(super) name: &'a [u8],
    pub(super) email: &'a [u8],
    /// Seconds since the epoch, and the offset of the time zone in minutes.
    pub(super) time: i64,
    pub(super) offset_minutes: i32,
}

/// The parts of a commit the audit trail shows.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Commit<'a> {
    pub(super) parents: usize,
    pub(super) author: Signature<'a>,
    pub(super) committer: Signature<'a>,
    /// The message, without the blank lines that may open it (as libgit2 gives it).
    pub(super) message: &'a [u8],
}

/// A commit written plainly: a tree line, parent lines, the author and committer,
/// other headers, a blank line and the message.
pub(super) fn commit(data: &[u8]) -> Option<Commit<'_>> {
    // libgit2 keeps a message only up to a NUL byte.
    if data.contains(&0) {
        return None;
    }
    let end = data.windows(2).position(|w| w == b"\n\n")?;
    let mut lines = data[..end].split(|b| *b == b'\n').peekable();
    id(lines.next()?, b"tree ")?;
    let mut parents = 0;
    while let Some(line) = lines.next_if(|l| l.starts_with(b"parent ")) {
        id(line, b"parent ")?;
        parents += 1;
    }
    let author = signature(lines.next()?.strip_prefix(b"author ")?)?;
    let committer = signature(lines.next()?.strip_prefix(b"committer ")?)?;
    let mut message = &data[end + 2..];
    while let Some(rest) = message.strip_prefix(b"\n") {
        message = rest;
    }
    Some(Commit {
        parents,
        author,
        committer,
        message,
    })
}

fn signature(line: &[u8]) -> Option<Signature<'_>> {
    let open = line.iter().position(|b| *b == b'<')?;
    let close = line.iter().position(|b| *b == b'>')?;
    let after = &line[close + 1..];
    if close < open || line[open + 1..].contains(&b'<') || after.contains(&b'>') {
        return None;
    }
    let name = line[..open].strip_suffix(b" ")?;
    let email = &line[open + 1..close];
    let when = after.strip_prefix(b" ")?;
    let space = when.iter().position(|b| *b == b' ')?;
    let (time, zone) = (&when[..space], &when[space + 1..]);
    let digits = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_digit);
    if !plain(name) || !plain(email) || time.is_empty() || time.len() > 15 || !digits(time) {
        return None;
    }
    let (sign, hhmm) = zone.split_first()?;
    if hhmm.len() != 4 || !digits(hhmm) || !matches!(sign, b'+' | b'-') {
        return None;
    }
    let number = |bytes: &[u8]| std::str::from_utf8(bytes).ok()?.parse::<i32>().ok();
    let (hours, minutes) = (number(&hhmm[..2])?, number(&hhmm[2..])?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    let offset = hours * 60 + minutes;
    Some(Signature {
        name,
        email,
        time: std::str::from_utf8(time).ok()?.parse().ok()?,
        offset_minutes: if *sign == b'-' { -offset } else { offset },
    })
}

/// Text with nothing at either end that git would trim from a name or an email.
fn plain(text: &[u8]) -> bool {
    let crud = |b: &u8| *b <= b' ' || b".,:;<>\"\\'".contains(b);
    text.first().is_some_and(|b| !crud(b)) && text.last().is_some_and(|b| !crud(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;

    const TREE: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbe4904b\n";

    /// Writes `text` as a commit object, as it is, and reads it back with libgit2.
    fn written(dir: &std::path::Path, text: &str) -> Option<Oid> {
        std::fs::write(dir.join("commit"), text).unwrap();
        let out = std::process::Command::new("git")
            .args(["hash-object", "-t", "commit", "-w", "--literally", "commit"])
            .current_dir(dir)
            .output()
            .unwrap();
        let id = String::from_utf8(out.stdout).unwrap();
        out.status
            .success()
            .then(|| Oid::from_str(id.trim()).unwrap())
    }

    #[test]
    fn a_plain_commit_reads_as_libgit2_reads_it_and_anything_else_is_left_to_it() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let parent = format!("parent {}\n", "1".repeat(40));
        let sig = "Ada Lovelace <ada@example.com> 1764000000 +0100";
        let cases = [
            // Read here.
            format!("{TREE}author {sig}\ncommitter {sig}\n\nSubject\n\nBody\n"),
            format!("{TREE}{parent}{parent}author {sig}\ncommitter Bo <bo@x.io> 0 -0230\n\nm"),
            format!(
                "{TREE}author Zoë Ünal <z@x.io> 999999999999999 -0000\ncommitter {sig}\nencoding ISO-8859-1\ngpgsig -----BEGIN-----\n \n abc\n -----END-----\n\n\n\nLeading blank lines\n\nSoc2-Action: approve\n"
            ),
            format!("{TREE}author {sig}\ncommitter {sig}\n\n"),
            // Left to libgit2: it trims or repairs these, or they are not plain.
            format!("{TREE}author Ada L. <ada@example.com> 1 +0000\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author  Ada <ada@example.com> 1 +0000\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com > 1 +0000\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <a<b@example.com> 1 +0000\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com> 1 +1500\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com> 1 +0160\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com> 1 0100\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com> -1 +0100\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com> 1\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <ada@example.com>\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author <ada@example.com> 1 +0100\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author Ada <> 1 +0100\ncommitter {sig}\n\nm\n"),
            format!("{TREE}author {sig}\ncommitter {sig}\n\nm\0hidden\n"),
            format!("{TREE}author {sig}\ncommitter {sig}\n"),
            format!("{TREE}committer {sig}\nauthor {sig}\n\nm\n"),
            format!("tree nothex\nauthor {sig}\ncommitter {sig}\n\nm\n"),
        ];
        let repo = git2::Repository::open(dir.path()).unwrap();
        // What a reader shows of a commit, to compare.
        let shown = |c: &Commit| {
            let sig = |s: &Signature| (s.name.to_vec(), s.email.to_vec(), s.time, s.offset_minutes);
            (
                c.parents,
                sig(&c.author),
                sig(&c.committer),
                c.message.to_vec(),
            )
        };
        let mut left_to_libgit2 = 0;
        for (n, text) in cases.iter().enumerate() {
            assert_eq!(
                commit(text.as_bytes()).is_some(),
                n < 4,
                "case {n}: {text:?}"
            );
            // Whichever reads it, `with` shows what libgit2 shows.
            let Some(id) = written(dir.path(), text) else {
                continue;
            };
            let Ok(theirs) = repo.find_commit(id) else {
                continue;
            };
            left_to_libgit2 += usize::from(n >= 4);
            let (author, committer) = (theirs.author(), theirs.committer());
            let expected = shown(&Commit {
                parents: theirs.parent_count(),
                author: as_read(&author),
                committer: as_read(&committer),
                message: theirs.message_bytes(),
            });
            for shallow in [false, true] {
                let got = with(&repo, id, text.as_bytes(), shallow, shown).unwrap();
                assert_eq!(got, expected, "case {n}");
            }
        }
        assert!(left_to_libgit2 >= 5, "{left_to_libgit2}");
    }

    #[test]
    fn no_bytes_make_the_reader_panic() {
        let text = format!(
            "{TREE}author A <a@b.c> 1764000000 +0100\ncommitter A <a@b.c> 1764000000 +0100\n\nm\n"
        );
        for end in 0..text.len() {
            let _ = commit(&text.as_bytes()[..end]);
            let _ = header(&text.as_bytes()[..end]);
        }
        for line in [
            "",
            " ",
            ">",
            "<",
            "><",
            "a <b> ",
            "a <b> 1 +",
            "a <b> 1 +01",
            "<b> 1 +0100",
        ] {
            assert!(signature(line.as_bytes()).is_none(), "{line:?}");
        }
    }
}
