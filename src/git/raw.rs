//! Raw tree objects, read without libgit2's parsed trees: a tree is a list of
//! `<mode> <name>\0<20-byte id>` entries in git's order (names compared as bytes, a
//! folder as if its name ended in `/`). The one reader of tree bytes: the history walk,
//! the audit trail and the store read from a revision all go through it. Ids are 20
//! bytes, which `Repo::discover` guarantees by refusing SHA-256 repositories.

use std::cmp::Ordering;

use git2::Oid;

/// What a tree entry is, from its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RawKind {
    Tree,
    File,
    Symlink,
    /// A submodule's commit.
    Gitlink,
}

/// One entry of a raw tree, borrowed from the tree's bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct RawEntry<'a> {
    /// The mode, as the octal number git writes.
    pub(super) mode: u32,
    pub(super) name: &'a [u8],
    /// The object id's 20 bytes.
    pub(super) id: &'a [u8],
}

impl RawEntry<'_> {
    pub(super) fn kind(&self) -> RawKind {
        match self.mode & 0o170000 {
            0o040000 => RawKind::Tree,
            0o120000 => RawKind::Symlink,
            0o160000 => RawKind::Gitlink,
            _ => RawKind::File,
        }
    }

    pub(super) fn is_tree(&self) -> bool {
        self.kind() == RawKind::Tree
    }

    pub(super) fn oid(&self) -> Oid {
        Oid::from_bytes(self.id).expect("a raw entry's id is 20 bytes")
    }

    /// Whether two entries are the same object with the same mode: nothing below them
    /// differs.
    pub(super) fn same(&self, other: &RawEntry) -> bool {
        self.id == other.id && self.mode == other.mode
    }
}

/// The entries of a raw tree object, in the order they are stored (git's order). A
/// malformed tree ends at the first entry that cannot be read.
pub(super) fn entries(data: &[u8]) -> Entries<'_> {
    Entries { data, at: 0 }
}

pub(super) struct Entries<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = RawEntry<'a>;

    fn next(&mut self) -> Option<RawEntry<'a>> {
        let data = self.data;
        let rest = &data[self.at..];
        let entry = (|| {
            let space = rest.iter().position(|b| *b == b' ')?;
            let nul = space + rest[space..].iter().position(|b| *b == 0)?;
            let id = rest.get(nul + 1..nul + 21)?;
            let mut mode = 0u32;
            for digit in &rest[..space] {
                if !(b'0'..=b'7').contains(digit) || mode > 0o7777777 {
                    return None;
                }
                mode = mode * 8 + u32::from(digit - b'0');
            }
            Some((
                RawEntry {
                    mode,
                    name: &rest[space + 1..nul],
                    id,
                },
                nul + 21,
            ))
        })();
        match entry {
            Some((entry, length)) => {
                self.at += length;
                Some(entry)
            }
            None => {
                self.at = data.len();
                None
            }
        }
    }
}

/// git's tree order: names compare as bytes, a folder's as if it ended in `/`.
pub(super) fn order(a: &RawEntry, b: &RawEntry) -> Ordering {
    compare(a.name, a.is_tree(), b.name, b.is_tree())
}

/// git's tree order of two names, each a folder's or not.
pub(super) fn compare(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    // One name is a prefix of the other: the next byte decides, `/` for a folder.
    let next = |name: &[u8], tree: bool| match name.get(common) {
        Some(byte) => Some(*byte),
        None if tree => Some(b'/'),
        None => None,
    };
    next(a, a_tree).cmp(&next(b, b_tree))
}

/// The entry named `name` in a raw tree, reading only up to where it would be.
pub(super) fn find<'a>(data: &'a [u8], name: &[u8]) -> Option<RawEntry<'a>> {
    for entry in entries(data) {
        if entry.name == name {
            return Some(entry);
        }
        // Sorted order: once an entry sorts after `name/`, `name` is not here.
        if compare(entry.name, entry.is_tree(), name, true) == Ordering::Greater {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::Repository;

    #[test]
    fn folders_sort_as_if_they_ended_in_a_slash() {
        assert_eq!(compare(b"a.b", false, b"a", true), Ordering::Less);
        assert_eq!(compare(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(compare(b"a", false, b"a.b", false), Ordering::Less);
        assert_eq!(compare(b"a", false, b"a", true), Ordering::Less);
        assert_eq!(compare(b"a", true, b"a", true), Ordering::Equal);
        assert_eq!(compare(b"b", false, b"a", true), Ordering::Greater);
    }

    #[test]
    fn raw_trees_are_read_in_git_order() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut inner = repo.treebuilder(None).unwrap();
        inner.insert("f", blob, 0o100644).unwrap();
        let inner = inner.write().unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        // "a.b" sorts before the folder "a" (as "a/"), which sorts before "a0".
        for name in ["a.b", "a0", "b"] {
            builder.insert(name, blob, 0o100644).unwrap();
        }
        builder.insert("a", inner, 0o040000).unwrap();
        builder.insert("l", blob, 0o120000).unwrap();
        builder.insert("x", blob, 0o100755).unwrap();
        let tree = builder.write().unwrap();
        let data = repo.odb().unwrap().read(tree).unwrap().data().to_vec();

        let listed: Vec<(String, RawKind, Oid)> = entries(&data)
            .map(|e| {
                (
                    String::from_utf8_lossy(e.name).into_owned(),
                    e.kind(),
                    e.oid(),
                )
            })
            .collect();
        let expected = [
            ("a.b", RawKind::File, blob),
            ("a", RawKind::Tree, inner),
            ("a0", RawKind::File, blob),
            ("b", RawKind::File, blob),
            ("l", RawKind::Symlink, blob),
            ("x", RawKind::File, blob),
        ]
        .map(|(n, k, o)| (n.to_string(), k, o));
        assert_eq!(listed, expected);
        let all: Vec<RawEntry> = entries(&data).collect();
        assert!(
            all.windows(2)
                .all(|w| order(&w[0], &w[1]) == Ordering::Less)
        );

        let found = |name: &str| find(&data, name.as_bytes()).map(|e| (e.kind(), e.oid()));
        assert_eq!(found("a"), Some((RawKind::Tree, inner)));
        assert_eq!(found("a0"), Some((RawKind::File, blob)));
        assert_eq!(found("b"), Some((RawKind::File, blob)));
        assert_eq!(found("a.c"), None);
        assert_eq!(found("c"), None);
        assert_eq!(found(""), None);
        assert_eq!(find(&data, b"x").map(|e| e.mode), Some(0o100755));
    }

    #[test]
    fn a_malformed_tree_ends_where_it_cannot_be_read() {
        let mut data = b"100644 a\0".to_vec();
        data.extend([7u8; 20]);
        data.extend(b"100644 b\0short");
        let names: Vec<&[u8]> = entries(&data).map(|e| e.name).collect();
        assert_eq!(names, [b"a"]);
        assert_eq!(entries(b"10x644 a\0").count(), 0);
        assert_eq!(entries(b"").count(), 0);
    }
}
