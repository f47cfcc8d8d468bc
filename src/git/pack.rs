//! Objects read straight from a repository's pack files, keeping the trees rebuilt on
//! the way. A version of a large folder is packed as a delta against another version,
//! often ten or twenty deep. libgit2 keeps no delta base over 1 MB, so each read of a
//! 5 MB tree inflated its chain's base and applied every delta again: `soc2 log` on a
//! control with 50,000 records read 60 versions of its folder that way. Here every
//! tree rebuilt is kept, up to a budget, as git's own delta base cache does, so
//! reading the versions in history order costs about one delta each. Commits and
//! files are read here too (libgit2 would copy each into its cache), but not kept.
//!
//! Only what this reads with certainty is served: an object not in a pack it knows
//! (a loose object, an alternate's, an index of another version), or one whose bytes
//! do not hold together, is `None`, and the caller asks libgit2.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use git2::Oid;

use crate::store::Mapped;

/// git's object types, as a pack entry's header gives them.
const COMMIT: u8 = 1;
const TREE: u8 = 2;
const BLOB: u8 = 3;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// How much of what was rebuilt is kept (git keeps 96 MB; the versions read next are
/// the few just rebuilt), in bytes and in objects: a walk of many small versions
/// (30,000 of a 5 KB folder) would otherwise hold them all, and on a machine that
/// hands freed memory back, fresh memory costs more than a delta applied again.
const LIMITS: Limits = Limits {
    bytes: 32 << 20,
    objects: 4096,
};
/// Bounds on what a damaged or hostile pack can ask for.
const MAX_DEPTH: usize = 10_000;
const MAX_SIZE: u64 = 1 << 30;

/// The packs of one repository, and the objects rebuilt from them.
pub(super) struct Packs {
    packs: Vec<Pack>,
    /// By pack and offset.
    kept: HashMap<(usize, u64), Kept>,
    kept_bytes: usize,
    limits: Limits,
    clock: u64,
    /// One inflater, reset for each entry: a new one clears its 32 KB window.
    inflater: flate2::Decompress,
}

struct Pack {
    index: Mapped,
    data: Mapped,
}

#[derive(Clone, Copy)]
struct Limits {
    bytes: usize,
    objects: usize,
}

/// An object rebuilt: its type and bytes, and when it was last used.
struct Kept {
    kind: u8,
    bytes: Rc<[u8]>,
    used: u64,
}

/// A pack entry's header: its type, the size of what it inflates to, where its
/// compressed data starts, and for a delta, where its base is.
struct Header {
    kind: u8,
    size: u64,
    data: usize,
    base: Option<u64>,
}

impl Packs {
    /// The packs in `objects` (a repository's object folder) whose index is git's
    /// version 2; none when the folder cannot be read.
    pub(super) fn open(objects: &Path) -> Packs {
        // Packs are mapped, not read: where `Mapped` would read a whole pack into
        // memory, libgit2 reads everything.
        let folder = objects.join("pack");
        let listed = if cfg!(unix) {
            std::fs::read_dir(folder)
        } else {
            Err(std::io::ErrorKind::Unsupported.into())
        };
        let mut indexes: Vec<_> = listed
            .map(|dir| {
                dir.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "idx"))
                    .collect()
            })
            .unwrap_or_default();
        indexes.sort();
        let packs = indexes
            .into_iter()
            .filter_map(|index| {
                let pack = Pack {
                    index: Mapped::open(&index).ok()?,
                    data: Mapped::open(&index.with_extension("pack")).ok()?,
                };
                pack.holds_together().then_some(pack)
            })
            .collect();
        Packs {
            packs,
            kept: HashMap::new(),
            kept_bytes: 0,
            limits: LIMITS,
            clock: 0,
            inflater: flate2::Decompress::new(true),
        }
    }

    /// The bytes of object `id` of type `kind` (a commit, tree or blob): from the packs
    /// when they hold it, otherwise as libgit2 reads it from `odb` (which refuses an
    /// object of another type).
    pub(super) fn read(
        &mut self,
        odb: &git2::Odb,
        id: Oid,
        kind: git2::ObjectType,
    ) -> Result<Rc<[u8]>, git2::Error> {
        let wanted = match kind {
            git2::ObjectType::Commit => Some(COMMIT),
            git2::ObjectType::Tree => Some(TREE),
            git2::ObjectType::Blob => Some(BLOB),
            _ => None,
        };
        let packed =
            wanted.and_then(|wanted| self.object(id).filter(|(found, _)| *found == wanted));
        match packed {
            Some((_, bytes)) => Ok(bytes),
            None => {
                let object = odb.read(id)?;
                if object.kind() != kind {
                    return Err(git2::Error::from_str(&format!("{id} is not a {kind}")));
                }
                Ok(Rc::from(object.data()))
            }
        }
    }

    /// The type and bytes of object `id`, if a pack holds it and they can be rebuilt.
    fn object(&mut self, id: Oid) -> Option<(u8, Rc<[u8]>)> {
        let (pack, offset) = self
            .packs
            .iter()
            .enumerate()
            .find_map(|(i, p)| Some((i, p.offset_of(id.as_bytes())?)))?;
        self.rebuild(pack, offset)
    }

    /// The object at `offset` of pack `pack`: the deltas down to a base (or to an
    /// object kept), then applied back up, each result kept.
    fn rebuild(&mut self, pack: usize, offset: u64) -> Option<(u8, Rc<[u8]>)> {
        self.clock += 1;
        let mut deltas: Vec<(u64, Header)> = Vec::new();
        let mut at = offset;
        let (kind, mut bytes) = loop {
            if let Some(kept) = self.kept.get_mut(&(pack, at)) {
                kept.used = self.clock;
                break (kept.kind, kept.bytes.clone());
            }
            if deltas.len() > MAX_DEPTH {
                return None;
            }
            let header = self.packs[pack].header(at)?;
            match header.kind {
                OFS_DELTA | REF_DELTA => {
                    at = header.base?;
                    deltas.push((at, header));
                }
                1..=4 => {
                    let bytes: Rc<[u8]> = self.packs[pack]
                        .inflate(&header, &mut self.inflater)?
                        .into();
                    self.keep(pack, at, header.kind, &bytes);
                    break (header.kind, bytes);
                }
                _ => return None,
            }
        };
        // `deltas` holds each delta with the offset of its base; the object each
        // builds sits at the previous entry's base (the first: `offset`).
        while let Some((_, delta)) = deltas.pop() {
            let built_at = deltas.last().map_or(offset, |(base, _)| *base);
            let instructions = self.packs[pack].inflate(&delta, &mut self.inflater)?;
            bytes = apply(&bytes, &instructions)?.into();
            self.keep(pack, built_at, kind, &bytes);
        }
        Some((kind, bytes))
    }

    /// Keeps a tree rebuilt: a folder's versions are deltas of each other, read in
    /// turn, where a commit is read once.
    fn keep(&mut self, pack: usize, offset: u64, kind: u8, bytes: &Rc<[u8]>) {
        let Limits {
            bytes: budget,
            objects,
        } = self.limits;
        if kind != TREE || bytes.len() > budget / 4 {
            return;
        }
        let kept = Kept {
            kind,
            bytes: bytes.clone(),
            used: self.clock,
        };
        if let Some(old) = self.kept.insert((pack, offset), kept) {
            self.kept_bytes -= old.bytes.len();
        }
        self.kept_bytes += bytes.len();
        if self.kept_bytes > budget || self.kept.len() > objects {
            // Down to three quarters, the least recently used first.
            let mut ages: Vec<_> = self
                .kept
                .iter()
                .map(|(key, kept)| (kept.used, *key, kept.bytes.len()))
                .collect();
            ages.sort_unstable();
            for (_, key, size) in ages {
                if self.kept_bytes <= budget / 4 * 3 && self.kept.len() <= objects / 4 * 3 {
                    break;
                }
                self.kept.remove(&key);
                self.kept_bytes -= size;
            }
        }
    }
}

impl Pack {
    /// Whether the index is git's version 2 and long enough for the objects it counts,
    /// and the pack starts as a pack does.
    fn holds_together(&self) -> bool {
        let index = self.index.bytes();
        let data = self.data.bytes();
        index.get(..8) == Some(&[0xff, b't', b'O', b'c', 0, 0, 0, 2])
            && self
                .count()
                .is_some_and(|n| index.len() >= 8 + 1024 + n * 28 + 40)
            && data.get(..4) == Some(b"PACK")
    }

    fn count(&self) -> Option<usize> {
        Some(u32_at(self.index.bytes(), 8 + 255 * 4)? as usize)
    }

    /// Where object `id` is in the pack, if the index holds it.
    fn offset_of(&self, id: &[u8]) -> Option<u64> {
        let index = self.index.bytes();
        let first = *id.first()? as usize;
        let end = u32_at(index, 8 + first * 4)? as usize;
        let start = match first {
            0 => 0,
            _ => u32_at(index, 8 + (first - 1) * 4)? as usize,
        };
        let count = self.count()?;
        let ids = 8 + 1024;
        let (mut lo, mut hi) = (start, end.min(count));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match index.get(ids + mid * 20..ids + mid * 20 + 20)?.cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let offsets = ids + count * 24;
                    let small = u32_at(index, offsets + mid * 4)?;
                    if small & 0x8000_0000 == 0 {
                        return Some(u64::from(small));
                    }
                    let large = offsets + count * 4 + (small & 0x7fff_ffff) as usize * 8;
                    let bytes = index.get(large..large + 8)?;
                    return Some(u64::from_be_bytes(bytes.try_into().ok()?));
                }
            }
        }
        None
    }

    /// The header of the entry at `offset`.
    fn header(&self, offset: u64) -> Option<Header> {
        let data = self.data.bytes();
        let mut at = usize::try_from(offset).ok()?;
        let mut next = || {
            let byte = *data.get(at)?;
            at += 1;
            Some(byte)
        };
        let mut byte = next()?;
        let kind = (byte >> 4) & 7;
        let mut size = u64::from(byte & 15);
        let mut shift = 4;
        while byte & 0x80 != 0 {
            byte = next()?;
            if shift > 57 {
                return None;
            }
            size |= u64::from(byte & 0x7f) << shift;
            shift += 7;
        }
        if size > MAX_SIZE {
            return None;
        }
        let base = match kind {
            OFS_DELTA => {
                byte = next()?;
                let mut back = u64::from(byte & 0x7f);
                while byte & 0x80 != 0 {
                    byte = next()?;
                    back = back.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
                }
                // A base lies before its delta.
                Some(
                    offset
                        .checked_sub(back)
                        .filter(|b| *b < offset && back > 0)?,
                )
            }
            REF_DELTA => {
                let id = data.get(at..at + 20)?;
                at += 20;
                Some(self.offset_of(id)?)
            }
            _ => None,
        };
        Some(Header {
            kind,
            size,
            data: at,
            base,
        })
    }

    /// The entry's data, inflated: exactly the size its header gives, or `None`.
    fn inflate(&self, header: &Header, inflater: &mut flate2::Decompress) -> Option<Vec<u8>> {
        let input = self.data.bytes().get(header.data..)?;
        let size = usize::try_from(header.size).ok()?;
        // A byte of room past the size: a stream that says more is seen to.
        let mut out = Vec::with_capacity(size + 1);
        inflater.reset(true);
        loop {
            let before = (inflater.total_in(), out.len());
            let read = usize::try_from(inflater.total_in()).ok()?;
            let status = inflater
                .decompress_vec(
                    input.get(read..)?,
                    &mut out,
                    flate2::FlushDecompress::Finish,
                )
                .ok()?;
            let moved = (inflater.total_in(), out.len()) != before;
            match status {
                flate2::Status::StreamEnd => break,
                // More than the header said, or a stream cut short.
                _ if out.len() > size || !moved => return None,
                _ => {}
            }
        }
        (out.len() == size).then_some(out)
    }
}

/// `base` with git's delta `instructions` applied: the base's size and the result's,
/// then copies from the base and inserted bytes.
fn apply(base: &[u8], instructions: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    let mut varint = || {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = *instructions.get(at)?;
            at += 1;
            if shift > 57 {
                return None;
            }
            value |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
    };
    let (from, to) = (varint()?, varint()?);
    if from != base.len() as u64 || to > MAX_SIZE {
        return None;
    }
    let to = usize::try_from(to).ok()?;
    let mut out = Vec::with_capacity(to);
    while let Some(&op) = instructions.get(at) {
        at += 1;
        if op & 0x80 != 0 {
            // A copy: up to four bytes of offset and three of size, as bits 0-6 say.
            let mut field = |bits: std::ops::Range<u32>| {
                let mut value = 0usize;
                for (i, bit) in bits.enumerate() {
                    if op & (1 << bit) != 0 {
                        value |= usize::from(*instructions.get(at)?) << (8 * i);
                        at += 1;
                    }
                }
                Some(value)
            };
            let offset = field(0..4)?;
            let size = match field(4..7)? {
                0 => 0x10000,
                size => size,
            };
            out.extend_from_slice(base.get(offset..offset.checked_add(size)?)?);
        } else if op != 0 {
            let insert = instructions.get(at..at + usize::from(op))?;
            at += usize::from(op);
            out.extend_from_slice(insert);
        } else {
            return None;
        }
        if out.len() > to {
            return None;
        }
    }
    (out.len() == to).then_some(out)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;

    /// A repository whose folder `big` has 40 versions of 1,000 files, each version
    /// changing 25 of them, packed as git packs a busy store: each version a delta of
    /// the next, chains many deep.
    fn packed() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let big = dir.path().join("big");
        std::fs::create_dir(&big).unwrap();
        for version in 0..40 {
            let changed = if version == 0 {
                0..1000
            } else {
                version * 25..version * 25 + 25
            };
            for n in changed {
                let name = format!("record-{n:04}.yaml");
                std::fs::write(big.join(name), format!("version: {version}\nn: {n}\n")).unwrap();
            }
            git(dir.path(), &["add", "--all"]);
            git(
                dir.path(),
                &["commit", "-q", "-m", &format!("version {version}")],
            );
        }
        git(
            dir.path(),
            &["repack", "-a", "-d", "-f", "-q", "--depth=50"],
        );
        dir
    }

    /// Every object of the repository (trees, blobs, commits), as libgit2 reads it.
    fn every_object(repo: &git2::Repository) -> Vec<(Oid, git2::ObjectType, Vec<u8>)> {
        let odb = repo.odb().unwrap();
        let mut all = Vec::new();
        odb.foreach(|id| {
            all.push(*id);
            true
        })
        .unwrap();
        all.iter()
            .map(|id| {
                let object = odb.read(*id).unwrap();
                (*id, object.kind(), object.data().to_vec())
            })
            .collect()
    }

    fn kind_of(kind: git2::ObjectType) -> u8 {
        match kind {
            git2::ObjectType::Commit => 1,
            git2::ObjectType::Tree => 2,
            git2::ObjectType::Blob => 3,
            _ => 4,
        }
    }

    fn pack_file(repo: &git2::Repository, extension: &str) -> std::path::PathBuf {
        let dir = repo.path().join("objects/pack");
        dir.read_dir()
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == extension))
            .unwrap()
    }

    #[test]
    fn every_packed_object_reads_as_libgit2_reads_it() {
        let dir = packed();
        let repo = git2::Repository::open(dir.path()).unwrap();
        // The packing this test is about: versions of the folder as deltas of deltas.
        let index = pack_file(&repo, "idx");
        let listing = git(dir.path(), &["verify-pack", "-v", index.to_str().unwrap()]);
        let deepest = listing
            .lines()
            .filter(|l| l.contains(" tree "))
            .filter_map(|l| l.split_whitespace().nth(5)?.parse::<usize>().ok())
            .max();
        assert!(deepest >= Some(10), "{listing}");

        let objects = every_object(&repo);
        // Oldest to newest and back: what is kept serves both ways. Then again keeping
        // a few objects, and a few bytes: what is let go is rebuilt the same.
        let tight = [
            LIMITS,
            Limits {
                bytes: LIMITS.bytes,
                objects: 4,
            },
            Limits {
                bytes: 64 << 10,
                objects: LIMITS.objects,
            },
        ];
        for limits in tight {
            let mut packs = Packs::open(&repo.path().join("objects"));
            packs.limits = limits;
            for (id, kind, bytes) in objects.iter().chain(objects.iter().rev()) {
                let (read_kind, read) = packs.object(*id).expect("in the pack");
                assert_eq!((read_kind, &*read), (kind_of(*kind), &bytes[..]), "{id}");
                assert!(packs.kept_bytes <= limits.bytes && packs.kept.len() <= limits.objects);
            }
            assert!(!packs.kept.is_empty());
        }
        // As a commit, a tree or a blob: the object of that type, or an error.
        let mut packs = Packs::open(&repo.path().join("objects"));
        let odb = repo.odb().unwrap();
        for (id, kind, bytes) in &objects {
            for asked in [
                git2::ObjectType::Commit,
                git2::ObjectType::Tree,
                git2::ObjectType::Blob,
            ] {
                let read = packs.read(&odb, *id, asked).ok();
                let wanted = (asked == *kind).then_some(&bytes[..]);
                assert_eq!(read.as_deref(), wanted, "{id}");
            }
        }
        let unknown = Oid::from_bytes(&[7; 20]).unwrap();
        assert!(packs.read(&odb, unknown, git2::ObjectType::Tree).is_err());
    }

    #[test]
    fn a_damaged_pack_serves_nothing_wrong_and_never_panics() {
        let dir = packed();
        let repo = git2::Repository::open(dir.path()).unwrap();
        let objects = every_object(&repo);
        let pack = pack_file(&repo, "pack");
        let original = std::fs::read(&pack).unwrap();
        // Every 97th byte after the pack's header flipped; the pack cut in half.
        let mut flipped = original.clone();
        for byte in flipped.iter_mut().skip(12).step_by(97) {
            *byte ^= 0x5a;
        }
        for damaged in [flipped, original[..original.len() / 2].to_vec()] {
            std::fs::write(&pack, &damaged).unwrap();
            let mut packs = Packs::open(&repo.path().join("objects"));
            let mut refused = 0;
            for (id, kind, bytes) in &objects {
                match packs.object(*id) {
                    Some((read_kind, read)) => {
                        assert_eq!((read_kind, &*read), (kind_of(*kind), &bytes[..]), "{id}")
                    }
                    None => refused += 1,
                }
            }
            assert!(refused > 0);
        }
        // An index that is not git's version 2 is not read.
        std::fs::write(pack.with_extension("idx"), b"not an index").unwrap();
        assert!(Packs::open(&repo.path().join("objects")).packs.is_empty());
    }

    #[test]
    fn a_delta_is_applied_exactly_or_refused() {
        let base = b"0123456789";
        // Sizes 10 -> 7; copy 4 bytes from offset 2; insert "abc".
        let delta = [10, 7, 0x80 | 0x01 | 0x10, 2, 4, 3, b'a', b'b', b'c'];
        assert_eq!(apply(base, &delta).unwrap(), b"2345abc");
        // A wrong base size, a copy past the base, a result of another size, op 0.
        assert!(apply(b"012", &delta).is_none());
        assert!(apply(base, &[10, 4, 0x80 | 0x01 | 0x10, 8, 4]).is_none());
        assert!(apply(base, &[10, 5, 0x80 | 0x01 | 0x10, 2, 4]).is_none());
        assert!(apply(base, &[10, 1, 0]).is_none());
        // Cut short anywhere: never a panic.
        for end in 0..delta.len() {
            assert!(apply(base, &delta[..end]).is_none());
        }
    }
}
