//! What git's index knows of the working tree's files without reading them: each
//! file's blob id, and the stat data the file had when git hashed it. While a file's
//! stat data is still that, its content is that blob (git's own rule for `git status`),
//! so what was made of the blob before (a parsed record, a hash) serves again. Also
//! the index's `.gitattributes` entries, all an attribute lookup needs of it.

use std::hash::BuildHasher;
use std::path::Path;

use anyhow::{Context, Result};

use super::Repo;
use crate::store::{KnownIds, Mapped};

/// The blob ids of the index, each trusted only while its file's stat data matches.
/// Held through a whole load (200,000 entries on a large store), so kept compact:
/// the paths one after another in one string, the entries in a vector, and a table of
/// positions hashed by path instead of a map owning a string per path.
pub struct IndexStat {
    /// Every entry's path, in the entries' order.
    paths: String,
    stats: Vec<Stat>,
    /// Positions in `stats`, found by their path's hash. A fast hash: the paths are
    /// the repository's own, not chosen against soc2.
    by_path: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::FixedState,
}

/// One file as the index recorded it.
struct Stat {
    /// Where its path ends in `paths` (it starts where the previous one ends).
    end: u32,
    /// Its stat data vouches for its content (see `parse`).
    trusted: bool,
    id: [u8; 20],
    mtime: (i32, u32),
    ctime: (i32, u32),
    size: u32,
    ino: u32,
    uid: u32,
    gid: u32,
}

// Index entry flags (git's index format): a conflict stage, "assume unchanged", and
// the extended "skip worktree" and "intent to add". An entry with any of them does
// not describe the file on disk.
pub(super) const STAGE_MASK: u16 = 0x3000;
pub(super) const ASSUME_VALID: u16 = 0x8000;
const SKIP_WORKTREE: u16 = 1 << 14;
const INTENT_TO_ADD: u16 = 1 << 13;
const REGULAR_FILE: u32 = 0o100000;
const TYPE_MASK: u32 = 0o170000;

impl Repo {
    /// The index's blob ids for the working tree, or `None` when there is no index or
    /// it is one soc2 does not read (a split index, an unknown version). Read from the
    /// file directly: only the entries are wanted, and libgit2 would also verify the
    /// file's checksum (git itself does not, on a normal read).
    pub fn index_stat(&self) -> Result<Option<IndexStat>> {
        let Some(bytes) = self.index_file()? else {
            return Ok(None);
        };
        Ok(parse(bytes.bytes(), self.index_written()))
    }

    /// When git's index was last written, in seconds since the epoch (`i64::MIN` when
    /// that cannot be told): an entry whose file changed in that second or later is
    /// "racily clean", vouched for by its stat data no longer.
    pub(super) fn index_written(&self) -> i64 {
        let path = self.repo.path().join("index");
        std::fs::metadata(&path).map_or(i64::MIN, |m| seconds(&m))
    }

    /// The index's `.gitattributes` entries that git reads when it adds a file
    /// (those missing from the working tree), as an index held in memory. `None` when
    /// there is no index or it is one soc2 does not read.
    pub(super) fn attribute_index(&self) -> Result<Option<git2::Index>> {
        let Some(bytes) = self.index_file()? else {
            return Ok(None);
        };
        let mut index = git2::Index::new().context("making an index in memory")?;
        // Versions 2 and 3 hold every path whole, so an index whose bytes never say
        // `.gitattributes` has no such entry; one that never says `link` is not split
        // (its entries are all here). Searching the bytes is a few milliseconds; walking
        // 300,000 entries was a sixteenth of `evidence add`.
        let bytes = bytes.bytes();
        if matches!(bytes.get(4..8), Some([0, 0, 0, 2 | 3]))
            && memchr::memmem::find(bytes, b".gitattributes").is_none()
            && memchr::memmem::find(bytes, b"link").is_none()
        {
            return Ok(Some(index));
        }
        let workdir = self.repo.workdir();
        let mut found = Vec::new();
        let read = walk(bytes, |entry| {
            let name = entry.path.rsplit(|&b| b == b'/').next().unwrap_or_default();
            let on_disk = || {
                let path = std::str::from_utf8(entry.path).ok();
                path.zip(workdir)
                    .is_some_and(|(path, root)| root.join(path).symlink_metadata().is_ok())
            };
            if entry.flags & STAGE_MASK == 0 && name == b".gitattributes" && !on_disk() {
                found.push(git2::IndexEntry {
                    ctime: git2::IndexTime::new(0, 0),
                    mtime: git2::IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: entry.mode(),
                    uid: 0,
                    gid: 0,
                    file_size: entry.size(),
                    id: git2::Oid::from_bytes(&entry.id).unwrap_or(git2::Oid::ZERO_SHA1),
                    flags: 0,
                    flags_extended: 0,
                    path: entry.path.to_vec(),
                });
            }
        });
        if read.is_none() {
            return Ok(None);
        }
        for entry in &found {
            index.add(entry).context("making an index in memory")?;
        }
        Ok(Some(index))
    }

    /// The bytes of the index file, or `None` when there is none.
    fn index_file(&self) -> Result<Option<Mapped>> {
        let path = self.repo.path().join("index");
        match Mapped::open(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// The entries of an index file's `bytes` (conflicts left out), trusting those that
/// describe a regular file on disk except what git itself would not trust by stat
/// data alone: an entry written in the same second as the index (`written`, git's
/// "racily clean" entries), or one marked "assume unchanged", "skip worktree" or
/// "intent to add". `None` for an index `walk` does not read.
fn parse(bytes: &[u8], written: i64) -> Option<IndexStat> {
    let count = bytes
        .get(8..12)
        .map_or(0, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
    let capacity = (count as usize).min(bytes.len() / 62);
    let mut index = IndexStat {
        paths: String::with_capacity(bytes.len() / 4),
        stats: Vec::with_capacity(capacity),
        by_path: hashbrown::HashTable::with_capacity(capacity),
        hasher: foldhash::fast::FixedState::default(),
    };
    let mut fits = true;
    walk(bytes, |entry| {
        if entry.flags & STAGE_MASK != 0 {
            return;
        }
        let Ok(text) = std::str::from_utf8(entry.path) else {
            return;
        };
        let [
            ctime_s,
            ctime_ns,
            mtime_s,
            mtime_ns,
            _dev,
            ino,
            mode,
            uid,
            gid,
            size,
        ] = entry.words;
        let unusual = entry.flags & ASSUME_VALID != 0
            || entry.extended & (SKIP_WORKTREE | INTENT_TO_ADD) != 0;
        index.paths.push_str(text);
        let (Ok(end), Ok(at)) = (
            u32::try_from(index.paths.len()),
            u32::try_from(index.stats.len()),
        ) else {
            fits = false;
            return;
        };
        let stat = Stat {
            end,
            trusted: !unusual && mode & TYPE_MASK == REGULAR_FILE && i64::from(mtime_s) < written,
            id: entry.id,
            mtime: (mtime_s as i32, mtime_ns),
            ctime: (ctime_s as i32, ctime_ns),
            size,
            ino,
            uid,
            gid,
        };
        index.stats.push(stat);
        let IndexStat {
            stats,
            paths,
            by_path,
            hasher,
        } = &mut index;
        by_path.insert_unique(hasher.hash_one(text), at, |&i| {
            hasher.hash_one(path_of(paths, stats, i as usize))
        });
    })?;
    // Past 4 GiB of paths (no index git writes): read every file instead.
    fits.then_some(index)
}

/// The path of `stats[i]` in `paths`.
fn path_of<'p>(paths: &'p str, stats: &[Stat], i: usize) -> &'p str {
    let start = i.checked_sub(1).map_or(0, |p| stats[p].end as usize);
    &paths[start..stats[i].end as usize]
}

/// One entry of an index file, as `walk` hands it over.
pub(super) struct Entry<'a> {
    /// ctime (s, ns), mtime (s, ns), dev, ino, mode, uid, gid, size.
    pub(super) words: [u32; 10],
    pub(super) id: [u8; 20],
    pub(super) flags: u16,
    /// The extended flags (version 3 and later), or 0.
    pub(super) extended: u16,
    pub(super) path: &'a [u8],
    /// Where the entry's bytes are in the file, padding included.
    pub(super) span: std::ops::Range<usize>,
}

impl Entry<'_> {
    fn mode(&self) -> u32 {
        self.words[6]
    }

    fn size(&self) -> u32 {
        self.words[9]
    }
}

/// Hands each entry of an index file's `bytes` to `each`, in order, and gives where
/// the extensions begin. `None` (after handing over what came before) for a file that
/// is not an index of version 2 to 4, is cut short, or is split (its entries are
/// partly in another file).
pub(super) fn walk(bytes: &[u8], mut each: impl FnMut(&Entry)) -> Option<usize> {
    let mut at = Reader { bytes, at: 0 };
    if at.take(4)? != b"DIRC" {
        return None;
    }
    let version = at.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = at.u32()? as usize;
    let mut path: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at.at;
        let mut words = [0u32; 10];
        for w in &mut words {
            *w = at.u32()?;
        }
        let id: [u8; 20] = at.take(20)?.try_into().ok()?;
        let flags = at.u16()?;
        let extended = if version >= 3 && flags & EXTENDED != 0 {
            at.u16()?
        } else {
            0
        };
        if version == 4 {
            let strip = at.varint()?;
            path.truncate(path.len().checked_sub(strip)?);
        } else {
            path.clear();
        }
        path.extend_from_slice(at.until(0)?);
        if version < 4 {
            // Entries are padded with NULs to a multiple of eight bytes.
            let length = at.at - start;
            at.take((8 - length % 8) % 8)?;
        }
        each(&Entry {
            words,
            id,
            flags,
            extended,
            path: &path,
            span: start..at.at,
        });
    }
    // A "link" extension says the index is split.
    let (found, _) = extensions(bytes, at.at)?;
    if found.iter().any(|(signature, _)| signature == b"link") {
        return None;
    }
    Some(at.at)
}

/// An index extension: its signature and its data.
pub(super) type Extension<'a> = ([u8; 4], &'a [u8]);

/// The extensions that follow an index file's entries (which end at `from`) up to the
/// 20-byte checksum, and where the last one ends; `None` when one runs past the end of
/// the file.
pub(super) fn extensions(bytes: &[u8], from: usize) -> Option<(Vec<Extension<'_>>, usize)> {
    let mut at = Reader { bytes, at: from };
    let mut found = Vec::new();
    while bytes.len().saturating_sub(at.at) > 20 {
        let signature: [u8; 4] = at.take(4)?.try_into().ok()?;
        let size = at.u32()? as usize;
        found.push((signature, at.take(size)?));
    }
    Some((found, at.at))
}

const EXTENDED: u16 = 0x4000;

/// Reads an index file front to back (big-endian numbers); `None` past its end.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let taken = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(taken)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    /// The bytes up to the next `end`, which is passed over.
    pub(super) fn until(&mut self, end: u8) -> Option<&'a [u8]> {
        let rest = self.bytes.get(self.at..)?;
        let length = memchr::memchr(end, rest)?;
        self.at += length + 1;
        Some(&rest[..length])
    }

    /// The variable-length number of index version 4 (git's "offset" encoding).
    fn varint(&mut self) -> Option<usize> {
        let mut byte = self.take(1)?[0];
        let mut value = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = self.take(1)?[0];
            value = value.checked_add(1)?.checked_mul(128)? | usize::from(byte & 0x7f);
        }
        Some(value)
    }
}

impl KnownIds for IndexStat {
    /// The blob id of the file at `path` (relative to the top of the working tree
    /// `root`), when the index holds it and the file's stat data is what the index
    /// recorded. Anything else (no entry, a changed file, a platform without this
    /// stat data) gives `None`: the caller reads the file.
    fn blob_id(&self, root: &Path, path: &str) -> Option<[u8; 20]> {
        let known = self.get(path).filter(|s| s.trusted)?;
        unchanged(known, root, path).then_some(known.id)
    }

    fn holds(&self, path: &str) -> bool {
        self.get(path).is_some()
    }
}

impl IndexStat {
    /// The entry of `path`. A load asks for paths in about the index's order (see
    /// `crate::near`).
    fn get(&self, path: &str) -> Option<&Stat> {
        let is = |i: usize| path_of(&self.paths, &self.stats, i) == path;
        let i = crate::near::find(self, self.stats.len(), is, || {
            let i = self
                .by_path
                .find(self.hasher.hash_one(path), |&i| is(i as usize))?;
            Some(*i as usize)
        })?;
        self.stats.get(i)
    }
}

/// Whether the file at `path` under `root` still has the stat data `known` recorded.
/// Files are asked for folder by folder, so each thread keeps the folder it asked
/// about last open and looks the name up in it: the kernel does not walk the whole
/// path again for each of a folder's files.
#[cfg(unix)]
fn unchanged(known: &Stat, root: &Path, path: &str) -> bool {
    use std::cell::RefCell;
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;

    struct Folder {
        root: std::path::PathBuf,
        dir: String,
        fd: OwnedFd,
    }
    thread_local! {
        static FOLDER: RefCell<Option<Folder>> = const { RefCell::new(None) };
    }
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let Ok(name) = CString::new(name) else {
        return false;
    };
    FOLDER.with_borrow_mut(|open| {
        if !open
            .as_ref()
            .is_some_and(|f| f.dir == dir && f.root == root)
        {
            *open = None;
            let Ok(full) = CString::new(root.join(dir).as_os_str().as_bytes()) else {
                return false;
            };
            #[cfg(target_os = "linux")]
            let flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC;
            #[cfg(not(target_os = "linux"))]
            let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
            // SAFETY: a C string; the descriptor returned is owned below.
            let fd = unsafe { libc::open(full.as_ptr(), flags) };
            if fd < 0 {
                return false;
            }
            *open = Some(Folder {
                root: root.to_path_buf(),
                dir: dir.to_string(),
                // SAFETY: `fd` was just opened and nothing else owns it.
                fd: unsafe { OwnedFd::from_raw_fd(fd) },
            });
        }
        let Some(folder) = open.as_ref() else {
            return false;
        };
        // SAFETY: `stat` is plain data that fstatat fills; both pointers are valid.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        let found = unsafe {
            libc::fstatat(
                folder.fd.as_raw_fd(),
                name.as_ptr(),
                &mut stat,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        // The index keeps 32 bits of each (git truncates them the same way).
        found == 0
            && stat.st_mode & libc::S_IFMT == libc::S_IFREG
            && known.mtime == (stat.st_mtime as i32, stat.st_mtime_nsec as u32)
            && known.ctime == (stat.st_ctime as i32, stat.st_ctime_nsec as u32)
            && known.size == stat.st_size as u32
            && known.ino == stat.st_ino as u32
            && known.uid == stat.st_uid
            && known.gid == stat.st_gid
    })
}

#[cfg(not(unix))]
fn unchanged(_known: &Stat, _root: &Path, _path: &str) -> bool {
    false
}

/// Seconds since the epoch of a file's last modification.
fn seconds(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(i64::MIN, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;

    /// A repository with three staged files; `setup` changes the index further.
    fn index_after(setup: &[&[&str]]) -> (tempfile::TempDir, Option<IndexStat>) {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        for (name, text) in [
            ("a.yaml", "a: 1\n"),
            ("dir/b.yaml", "b: 2\n"),
            ("c.md", "c\n"),
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        git(dir.path(), &["add", "a.yaml", "dir/b.yaml", "c.md"]);
        for args in setup {
            git(dir.path(), args);
        }
        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        // Every entry counts as written before the index, whatever this machine's clock.
        let stat = parse(&bytes, i64::MAX);
        (dir, stat)
    }

    fn ids(dir: &Path, stat: &IndexStat) -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = ["a.yaml", "dir/b.yaml", "c.md", "new.yaml"]
            .iter()
            .filter_map(|p| stat.blob_id(dir, p).map(|id| (p.to_string(), hex(&id))))
            .collect();
        ids.sort();
        ids
    }

    fn hex(id: &[u8]) -> String {
        id.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What `git ls-files -s` says of the paths, as (path, id).
    fn git_ids(dir: &Path, paths: &[&str]) -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = git(dir, &["ls-files", "-s"])
            .lines()
            .filter_map(|line| {
                let (meta, path) = line.split_once('\t')?;
                let id = meta.split(' ').nth(1)?;
                paths
                    .contains(&path)
                    .then(|| (path.to_string(), id.to_string()))
            })
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn every_version_of_the_index_gives_git_s_blob_ids() {
        for version in ["2", "3", "4"] {
            let (dir, stat) = index_after(&[&["update-index", "--index-version", version]]);
            let stat = stat.unwrap_or_else(|| panic!("version {version} is read"));
            assert_eq!(
                ids(dir.path(), &stat),
                git_ids(dir.path(), &["a.yaml", "dir/b.yaml", "c.md"]),
                "index version {version}"
            );
        }
    }

    /// Paths are found by their whole text, never by a neighbour's: the paths sit one
    /// after another in one string.
    #[test]
    fn each_path_is_found_whole_and_only_whole() {
        let (_dir, stat) = index_after(&[]);
        let stat = stat.unwrap();
        for held in ["a.yaml", "c.md", "dir/b.yaml"] {
            assert!(stat.holds(held), "{held}");
        }
        for not in [
            "",
            "a",
            "a.yam",
            "a.yamlc.md",
            "c.mddir/b.yaml",
            "dir",
            "dir/",
            "b.yaml",
        ] {
            assert!(!stat.holds(not), "{not:?}");
        }
    }

    #[test]
    fn entries_that_do_not_describe_the_file_on_disk_are_left_out() {
        let (dir, stat) = index_after(&[&["update-index", "--skip-worktree", "dir/b.yaml"]]);
        let stat = stat.unwrap();
        assert_eq!(
            ids(dir.path(), &stat),
            git_ids(dir.path(), &["a.yaml", "c.md"])
        );

        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        std::fs::write(dir.path().join("new.yaml"), "n: 1\n").unwrap();
        git(dir.path(), &["add", "--intent-to-add", "new.yaml"]);
        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        let stat = parse(&bytes, i64::MAX).unwrap();
        assert_eq!(ids(dir.path(), &stat), vec![]);
        assert!(stat.holds("new.yaml"));
        assert!(!stat.holds("other.yaml"));
    }

    #[test]
    fn a_changed_file_or_a_racy_entry_is_not_vouched_for() {
        let (dir, stat) = index_after(&[]);
        let stat = stat.unwrap();
        assert!(stat.blob_id(dir.path(), "a.yaml").is_some());
        // Same size, new content: the file's ctime and mtime move.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("a.yaml"), "a: 9\n").unwrap();
        assert_eq!(stat.blob_id(dir.path(), "a.yaml"), None);

        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        // An index written no later than its entries' second trusts none of them.
        let stat = parse(&bytes, 0).unwrap();
        assert!(stat.stats.iter().all(|s| !s.trusted));
        assert!(stat.holds("a.yaml"), "still in the index");
    }

    #[test]
    fn a_split_or_damaged_index_is_not_read() {
        let (_dir, stat) = index_after(&[&["update-index", "--split-index"]]);
        assert!(stat.is_none());
        let (dir, _) = index_after(&[]);
        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        for cut in [0, 3, 12, 40, 70, bytes.len() / 2] {
            // Cut short: nothing, or only what was whole; never a panic.
            let _ = parse(&bytes[..cut], i64::MAX);
        }
        assert!(parse(b"DIRC\0\0\0\x09\0\0\0\0", i64::MAX).is_none());
    }
}
