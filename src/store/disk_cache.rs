//! What was made of a file's content, kept on disk by the content's git blob id
//! (`.git/soc2/parse-cache`): the parsed record with its text, the sha256 of an
//! attached file, what the secret scan found in it. A blob id names the content, so
//! an entry never goes stale; the file is tied to the build that wrote it (a new
//! build reads nothing of an older one's), bounded in size, replaced whole (never
//! written in place), and only a convenience: a file that cannot be read or is
//! damaged is ignored and rebuilt. It is read an entry at a time, when the entry is
//! asked for, rather than held in memory: on a large store it is as large as all the
//! parsed records, and a run needs them parsed, not their serialized copy beside them.
//!
//! Layout: the header line, then entries, each `id (20) · kind (1) · length (u32 LE) ·
//! payload`. A record's payload is `type (u16 LE length, bytes) · text (u32 LE length,
//! bytes) · value (JSON)`; a hash's is the sha256 (64 hex bytes), then for a Git LFS
//! pointer its oid (64) and size (u64 LE); a scan's is the hits as JSON. Records and
//! hashes come first; then an entry of kind `-` (no payload) opens the secret scans'
//! section, so that a run reads only the section it asks of.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{KeptText, LfsPointer, Sha256Hex, Text};
use crate::secrets::Hit;

/// The first line of the file: which build wrote it. Entries hold serialized model
/// values, so only the very build that wrote them may read them back.
fn header() -> String {
    format!(
        "soc2 parse cache 1 {} {}\n",
        env!("CARGO_PKG_VERSION"),
        env!("SOC2_SOURCE_ID")
    )
}

/// The file is kept under this size; the entries this run used come first.
const MAX_BYTES: usize = 256 << 20;

const RECORD: u8 = b'R';
const HASH: u8 = b'H';
const SCAN: u8 = b'S';
/// The entry that ends the records' and hashes' section and opens the scans'.
const SCANS_FOLLOW: u8 = b'-';
const FRAME: usize = 20 + 1 + 4;

type Key = ([u8; 20], u8);

pub(super) struct DiskCache {
    file: PathBuf,
    /// `MAX_BYTES`, or less in tests.
    max_bytes: usize,
    /// The file as opened (it is replaced by renaming, so this stays the file read;
    /// records' texts read from it later, see `Text`).
    opened: Option<Arc<Opened>>,
    /// Its size when opened.
    size: u64,
    /// Where its secret scans' section starts (past its header, in a file without one).
    scans_from: u64,
    /// Where each record's and file hash's frame is, and whether this run used it.
    entries: Table,
    /// The same for the secret scan's entries, found when first asked for: `status`
    /// never asks, and once `check` has scanned a store they are half the file's
    /// entries (the table of a large store's entries was 21 MB with them, 11 without).
    scans: OnceLock<Table>,
    /// Entries learned in this run, to be written; their bytes wait in `spool`.
    fresh: Mutex<Vec<Fresh>>,
    /// Made when this run learns its first entry (`None`: it could not be made, and
    /// nothing is learned, as the cache could not be written beside it either).
    spool: OnceLock<Option<Arc<Spool>>>,
}

/// An entry learned in this run: the path it was learned at (the file is written in
/// their order), and where its frame waits in the spool.
struct Fresh {
    at: Box<str>,
    key: Key,
    start: u64,
    length: u32,
}

/// A frame to write, from the spool or from the file as opened.
struct Out<'a> {
    key: Key,
    from: &'a Opened,
    start: u64,
    length: usize,
}

impl DiskCache {
    /// The cache kept in `dir` (created when first saved). A missing, unreadable,
    /// foreign or damaged file gives an empty cache.
    pub(super) fn open(dir: &Path) -> DiskCache {
        let file = dir.join("parse-cache");
        let opened = std::fs::File::open(&file).ok().and_then(|opened| {
            let size = opened.metadata().ok()?.len();
            let opened = Opened::new(opened);
            // One window reads the header and the entries after it: one read of the
            // first block.
            let mut window = Window::new(&opened);
            let start = has_header(&mut window)?;
            let (entries, scans_from) = frames(&mut window, start, size, |kind| kind != SCAN);
            Some((Arc::new(opened), size, entries, scans_from.unwrap_or(start)))
        });
        let (opened, size, entries, scans_from) = match opened {
            Some((opened, size, entries, scans_from)) => (Some(opened), size, entries, scans_from),
            None => (None, 0, Table::default(), 0),
        };
        DiskCache {
            file,
            max_bytes: MAX_BYTES,
            opened,
            size,
            scans_from,
            entries,
            scans: OnceLock::new(),
            fresh: Mutex::new(Vec::new()),
            spool: OnceLock::new(),
        }
    }

    /// The scan entries' table, found in the opened file's scans' section the first
    /// time it is needed.
    fn scans(&self) -> &Table {
        self.scans.get_or_init(|| {
            let found = self.opened.as_ref().map(|opened| {
                let mut window = Window::new(opened);
                frames(&mut window, self.scans_from, self.size, |kind| kind == SCAN).0
            });
            found.unwrap_or_default()
        })
    }

    pub(super) fn dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("."))
    }

    /// What `use_` makes of the payload of the entry `key`, given where it starts in
    /// the file. The payload is lent where it was read, not copied out (see `Opened::with`).
    fn payload<R>(&self, key: &Key, use_: impl FnOnce(u64, &[u8]) -> Option<R>) -> Option<R> {
        let table = match key.1 {
            SCAN => self.scans(),
            _ => &self.entries,
        };
        let slot = table.get(key)?;
        let start = slot.start + FRAME as u64;
        self.opened
            .as_ref()?
            .with(start, slot.length as usize, |bytes| use_(start, bytes))
    }

    /// The text and value of the record of type `T` parsed from blob `id`. The text
    /// stays in the file, read again if a finding points into it.
    pub(super) fn record<T: DeserializeOwned>(&self, id: [u8; 20]) -> Option<(Text, T)> {
        let (at, length, value) = self.payload(&(id, RECORD), |start, payload| {
            let mut payload = Reader(payload);
            let type_name = payload.take_u16()?;
            if type_name != std::any::type_name::<T>().as_bytes() {
                return None;
            }
            let text = payload.take_u32()?;
            std::str::from_utf8(text).ok()?;
            let value: T = serde_json::from_slice(payload.0).ok()?;
            // Past the type's name and length, and the text's length.
            let at = start + (2 + type_name.len() + 4) as u64;
            Some((at, text.len() as u32, value))
        })?;
        let opened: Arc<dyn KeptText> = self.opened.clone()?;
        Some((Text::kept(opened, at, length, id), value))
    }

    /// Keeps a record parsed from blob `id`: its type's name (after its length, two
    /// bytes), its text (after its length, four bytes) and its JSON. The text as kept,
    /// for the record to hold instead of its own copy; `None` when it was not kept.
    pub(super) fn put_record<T: Serialize>(
        &self,
        id: [u8; 20],
        at: &str,
        text: &str,
        value: &T,
    ) -> Option<Text> {
        let json = serde_json::to_vec(value).ok()?;
        let name = std::any::type_name::<T>().as_bytes();
        let mut opening = Vec::with_capacity(6 + name.len());
        opening.extend_from_slice(&u16::try_from(name.len()).ok()?.to_le_bytes());
        opening.extend_from_slice(name);
        let length = u32::try_from(text.len()).ok()?;
        opening.extend_from_slice(&length.to_le_bytes());
        let head = frame_head(
            id,
            RECORD,
            opening.len() + text.len() + json.len(),
            &opening,
        )?;
        let start = self.learn(at, &[&head, text.as_bytes(), &json])?;
        let spool: Arc<dyn KeptText> = self.spool()?.clone();
        Some(Text::kept(spool, start + head.len() as u64, length, id))
    }

    /// The sha256 of blob `id`, and the Git LFS pointer it is, if it is one.
    pub(super) fn hash(&self, id: [u8; 20]) -> Option<(Sha256Hex, Option<LfsPointer>)> {
        self.payload(&(id, HASH), |_, payload| {
            let mut payload = Reader(payload);
            let sha256 = Sha256Hex::parse(std::str::from_utf8(payload.take(64)?).ok()?).ok()?;
            if payload.0.is_empty() {
                return Some((sha256, None));
            }
            let oid = Sha256Hex::parse(std::str::from_utf8(payload.take(64)?).ok()?).ok()?;
            let size = u64::from_le_bytes(payload.take(8)?.try_into().ok()?);
            Some((sha256, Some(LfsPointer { oid, size })))
        })
    }

    pub(super) fn put_hash(
        &self,
        id: [u8; 20],
        at: &str,
        sha256: &Sha256Hex,
        pointer: Option<&LfsPointer>,
    ) {
        let mut payload = sha256.0.as_bytes().to_vec();
        if let Some(pointer) = pointer {
            payload.extend_from_slice(pointer.oid.0.as_bytes());
            payload.extend_from_slice(&pointer.size.to_le_bytes());
        }
        if let Some(frame) = frame_of(id, HASH, &payload) {
            self.learn(at, &[&frame]);
        }
    }

    /// What the secret scan found in blob `id`.
    pub(super) fn scan(&self, id: [u8; 20]) -> Option<Vec<Hit>> {
        self.payload(&(id, SCAN), |_, payload| {
            serde_json::from_slice(payload).ok()
        })
    }

    pub(super) fn put_scan(&self, id: [u8; 20], at: &str, hits: &[Hit]) {
        if let Ok(json) = serde_json::to_vec(hits)
            && let Some(frame) = frame_of(id, SCAN, &json)
        {
            self.learn(at, &[&frame]);
        }
    }

    /// The spool this run's entries wait in, made when first needed.
    fn spool(&self) -> Option<&Arc<Spool>> {
        let made = self
            .spool
            .get_or_init(|| Spool::new(self.dir()).ok().map(Arc::new));
        made.as_ref()
    }

    /// Keeps what was made of a blob, the frame that `parts` make, in the spool rather
    /// than in memory (on the run that fills the cache of a large store, the records'
    /// JSON alone was 50 MB). The file is written in the order of the paths they were
    /// found at, the order a run reads them in (see `Opened::with`). Where the frame
    /// starts in the spool; `None` when it could not be kept.
    fn learn(&self, at: &str, parts: &[&[u8]]) -> Option<u64> {
        let length = parts.iter().map(|part| part.len()).sum::<usize>();
        let length = u32::try_from(length).ok()?;
        let key = key_of(parts.first()?);
        let start = self.spool()?.append(parts)?;
        self.fresh.lock().ok()?.push(Fresh {
            at: at.into(),
            key,
            start,
            length,
        });
        Some(start)
    }

    /// Writes the file again when this run learned something: records and hashes, then
    /// the scans, each section with what it learned, then what it used, then the rest,
    /// while the file stays under its bound. Written to a temporary file and renamed
    /// over the old one, so a reader sees one or the other.
    pub(super) fn save(&self) -> std::io::Result<()> {
        let mut fresh = std::mem::take(&mut *self.fresh.lock().map_err(|_| poisoned())?);
        let Some(spool) = self
            .spool
            .get()
            .and_then(Option::as_ref)
            .filter(|_| !fresh.is_empty())
        else {
            return Ok(());
        };
        // What waits in memory goes to the spool's file, to be read from there.
        spool.flush()?;
        // Learned in parallel: put in order, so the same run writes the same bytes.
        fresh.sort_by(|a, b| (&a.at, a.key).cmp(&(&b.at, b.key)));
        let (fresh_scans, fresh): (Vec<_>, Vec<_>) =
            fresh.iter().partition(|entry| entry.key.1 == SCAN);
        let spooled = |entry: &Fresh| Out {
            key: entry.key,
            from: &spool.opened,
            start: entry.start,
            length: entry.length as usize,
        };
        let records_and_hashes = (fresh.into_iter().map(spooled)).chain(self.kept(&self.entries));
        let scans = (fresh_scans.into_iter().map(spooled)).chain(self.kept(self.scans()));
        let opens_scans = frame_of([0; 20], SCANS_FOLLOW, &[]).expect("an empty payload");
        replace(&self.file, |file| {
            let mut out = Written {
                out: std::io::BufWriter::new(file),
                size: 0,
                max_bytes: self.max_bytes,
                keys: std::collections::HashSet::new(),
            };
            out.bytes(header().as_bytes())?;
            let whole = out.frames(records_and_hashes)? && out.bytes(&opens_scans)?;
            if whole {
                out.frames(scans)?;
            }
            out.out.flush()
        })
    }

    /// The frames of `table`'s entries in the file as opened: those this run used, then
    /// the rest, each in the order they were read.
    fn kept<'a>(&'a self, table: &'a Table) -> impl Iterator<Item = Out<'a>> + 'a {
        let used = |wanted: bool| {
            (table.slots.iter().zip(&table.used))
                .filter(move |(_, used)| used.load(Ordering::Relaxed) == wanted)
                .map(|(slot, _)| slot)
        };
        let opened = self.opened.as_deref();
        (used(true).chain(used(false))).filter_map(move |slot| {
            Some(Out {
                key: slot.key,
                from: opened?,
                start: slot.start,
                length: FRAME + slot.length as usize,
            })
        })
    }
}

/// The cache file being written: how large it is so far, and the keys written.
struct Written<W> {
    out: W,
    size: usize,
    max_bytes: usize,
    keys: std::collections::HashSet<Key>,
}

impl<W: Write> Written<W> {
    /// Writes `bytes`; false (and nothing written) when they would take the file past
    /// its bound.
    fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<bool> {
        if self.size + bytes.len() > self.max_bytes {
            return Ok(false);
        }
        self.out.write_all(bytes)?;
        self.size += bytes.len();
        Ok(true)
    }

    /// Writes each frame whose key was not written yet, until one would take the file
    /// past its bound (then false). A frame its file no longer holds whole is left out.
    fn frames<'a>(&mut self, frames: impl Iterator<Item = Out<'a>>) -> std::io::Result<bool> {
        for frame in frames {
            if self.size + frame.length > self.max_bytes {
                return Ok(false);
            }
            if self.keys.contains(&frame.key) {
                continue;
            }
            let written = frame.from.with(frame.start, frame.length, |bytes| {
                Some(self.out.write_all(bytes))
            });
            if let Some(written) = written {
                written?;
                self.size += frame.length;
                self.keys.insert(frame.key);
            }
        }
        Ok(true)
    }
}

/// Where an entry's frame is: its key, its start in the file and its payload's length.
struct Slot {
    key: Key,
    start: u64,
    length: u32,
}

/// Where entries are in the file, and which of them this run used. The slots are kept
/// in the order read, which is the order a run asks for them (see `DiskCache::learn`),
/// and the hash table holds only their numbers: a table of the slots themselves was
/// 21 MB on a large store, and each lookup waited on memory twice, a tenth of `check`.
#[derive(Default)]
struct Table {
    index: hashbrown::HashTable<u32>,
    slots: Vec<Slot>,
    used: Vec<AtomicBool>,
}

impl Table {
    /// Keys are git object ids, digests already: their first eight bytes serve as a
    /// hash (hashing them again was a third of opening the file), mixed with the kind,
    /// as a blob may be kept as more than one.
    fn hash(key: &Key) -> u64 {
        let (id, kind) = key;
        let head = u64::from_le_bytes(id[..8].try_into().expect("eight bytes"));
        head ^ u64::from(*kind).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// Adds an entry unless its key is there already (the first of a key is kept).
    /// `false` when the table is full.
    fn insert(&mut self, slot: Slot) -> bool {
        let Ok(number) = u32::try_from(self.slots.len()) else {
            return false;
        };
        let slots = &self.slots;
        let hash = Table::hash(&slot.key);
        if self
            .index
            .find(hash, |&i| slots[i as usize].key == slot.key)
            .is_none()
        {
            self.index
                .insert_unique(hash, number, |&i| Table::hash(&slots[i as usize].key));
            self.slots.push(slot);
            self.used.push(AtomicBool::new(false));
        }
        true
    }

    /// The slot of `key`, marked used. A run asks for entries in about the order the
    /// file holds them (see `crate::near`).
    fn get(&self, key: &Key) -> Option<&Slot> {
        let i = crate::near::find(
            self,
            self.slots.len(),
            |i| self.slots[i].key == *key,
            || {
                let i = self
                    .index
                    .find(Table::hash(key), |&i| self.slots[i as usize].key == *key)?;
                Some(*i as usize)
            },
        )?;
        self.used[i].store(true, Ordering::Relaxed);
        self.slots.get(i)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.len()
    }
}

/// The cache file, opened for reading parts of it from any thread.
struct Opened {
    /// Tells this file's read-ahead from another's (see `Ahead`).
    number: u64,
    #[cfg(unix)]
    file: std::fs::File,
    #[cfg(not(unix))]
    file: Mutex<std::fs::File>,
}

impl KeptText for Opened {
    fn text_into(&self, at: u64, length: u32, out: &mut String) -> bool {
        self.with(at, length as usize, push_text(out)).is_some()
    }
}

/// Appends the bytes it is given to `out` when they are text.
fn push_text(out: &mut String) -> impl FnOnce(&[u8]) -> Option<()> + '_ {
    |bytes| {
        out.push_str(std::str::from_utf8(bytes).ok()?);
        Some(())
    }
}

/// Bytes read past what was asked for, when reads go forward through the file.
const AHEAD: usize = 64 << 10;

/// How many runs of forward reads a thread follows at once: a file rewritten after a
/// run learned something holds what it learned first, then the rest, each in path
/// order, and reading a folder's entries goes through both.
const STREAMS: usize = 4;

/// What a thread last read of the opened files, most recent first: for each run of
/// forward reads, the bytes read (ahead, or just what was asked for) and where the
/// last read ended.
#[derive(Default)]
struct Ahead {
    streams: Vec<Stream>,
}

struct Stream {
    /// Which opened file (a thread reads the spool and the cache's file in turns).
    file: u64,
    start: u64,
    /// Its first `filled` bytes are the file's; the rest, room kept from a longer read
    /// (growing it again would clear it again, 64 KiB a read).
    bytes: Vec<u8>,
    filled: usize,
    end: u64,
}

thread_local! {
    static READ_AHEAD: std::cell::RefCell<Ahead> = std::cell::RefCell::default();
}

impl Opened {
    fn new(file: std::fs::File) -> Opened {
        static OPENED: AtomicU64 = AtomicU64::new(1);
        Opened {
            number: OPENED.fetch_add(1, Ordering::Relaxed),
            #[cfg(unix)]
            file,
            #[cfg(not(unix))]
            file: Mutex::new(file),
        }
    }

    /// What `use_` makes of the `length` bytes at `start`, lent, not copied (300,000
    /// entries read on a large store); `None` when the file is shorter. A run reads the
    /// entries of a folder one after another, and the file is written in path order, so
    /// a read that starts shortly after one of the thread's last reads ended reads a
    /// block ahead and the next reads come from it: one system call for many entries.
    /// Reads that jump about read only what they ask for. `use_` must not read a cache
    /// file again (the thread's read-ahead is held while it runs).
    fn with<R>(
        &self,
        start: u64,
        length: usize,
        use_: impl FnOnce(&[u8]) -> Option<R>,
    ) -> Option<R> {
        let end = start.checked_add(length as u64)?;
        READ_AHEAD.with(|ahead| {
            let mut ahead = ahead.borrow_mut();
            let file = self.number;
            let holds =
                |s: &Stream| s.file == file && start >= s.start && end <= s.start + s.filled as u64;
            let follows =
                |s: &Stream| s.file == file && start >= s.end && start - s.end <= AHEAD as u64;
            let found = match ahead.streams.iter().position(holds) {
                Some(i) => i,
                None => {
                    let (i, size) = match ahead.streams.iter().position(follows) {
                        Some(i) => (i, length.max(AHEAD)),
                        // A new run, maybe: the least recent one makes way.
                        None if ahead.streams.len() < STREAMS => {
                            ahead.streams.push(Stream {
                                file,
                                start,
                                bytes: Vec::new(),
                                filled: 0,
                                end,
                            });
                            (ahead.streams.len() - 1, length)
                        }
                        None => (ahead.streams.len() - 1, length),
                    };
                    let stream = &mut ahead.streams[i];
                    if stream.bytes.len() < size {
                        stream.bytes.resize(size, 0);
                    }
                    stream.filled = self.read_at(start, &mut stream.bytes[..size]);
                    stream.file = file;
                    stream.start = start;
                    i
                }
            };
            // Most recent first.
            ahead.streams[..=found].rotate_right(1);
            let stream = &mut ahead.streams[0];
            stream.end = end;
            let from = usize::try_from(start - stream.start).ok()?;
            use_(stream.bytes[..stream.filled].get(from..from + length)?)
        })
    }

    /// Writes `bytes` at `at` (the spool's file is read and written through one handle).
    fn write_at(&self, at: u64, bytes: &[u8]) -> std::io::Result<()> {
        #[cfg(unix)]
        return std::os::unix::fs::FileExt::write_all_at(&self.file, bytes, at);
        #[cfg(not(unix))]
        {
            use std::io::Seek;
            let mut file = self.file.lock().map_err(|_| poisoned())?;
            file.seek(std::io::SeekFrom::Start(at))?;
            file.write_all(bytes)
        }
    }

    /// Fills `bytes` from `start` as far as the file goes; how many bytes were read.
    fn read_at(&self, start: u64, bytes: &mut [u8]) -> usize {
        let mut done = 0;
        while done < bytes.len() {
            #[cfg(unix)]
            let read = std::os::unix::fs::FileExt::read_at(
                &self.file,
                &mut bytes[done..],
                start + done as u64,
            );
            #[cfg(not(unix))]
            let read = {
                use std::io::Seek;
                match self.file.lock() {
                    Ok(mut file) => file
                        .seek(std::io::SeekFrom::Start(start + done as u64))
                        .and_then(|_| file.read(&mut bytes[done..])),
                    Err(_) => return done,
                }
            };
            match read {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        done
    }
}

/// Where the entries a run learns wait to be written, outside memory: a file of no
/// name beside the cache (gone when the run ends, however it ends), appended to in
/// blocks. Records learned in this run read their texts back from it.
struct Spool {
    opened: Opened,
    pending: Mutex<Pending>,
    /// How many of the spool's bytes are in its file; the rest are pending.
    flushed: AtomicU64,
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Writing failed: what is pending stays in memory, and nothing more is taken.
    failed: bool,
}

/// Bytes gathered before they are written to the spool's file.
const SPOOL_BLOCK: usize = 1 << 20;

impl Spool {
    fn new(dir: &Path) -> std::io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        Ok(Spool {
            opened: Opened::new(tempfile::tempfile_in(dir)?),
            pending: Mutex::default(),
            flushed: AtomicU64::new(0),
        })
    }

    /// Appends `parts`, one after another; where the first starts, or `None` when the
    /// spool takes nothing more.
    fn append(&self, parts: &[&[u8]]) -> Option<u64> {
        let mut pending = self.pending.lock().ok()?;
        if pending.failed {
            return None;
        }
        let start = self.flushed.load(Ordering::Relaxed) + pending.bytes.len() as u64;
        for part in parts {
            pending.bytes.extend_from_slice(part);
        }
        if pending.bytes.len() >= SPOOL_BLOCK {
            // Failing leaves the bytes pending, still read from memory.
            let _ = self.write_pending(&mut pending);
        }
        Some(start)
    }

    /// Writes what is pending to the spool's file.
    fn flush(&self) -> std::io::Result<()> {
        let mut pending = self.pending.lock().map_err(|_| poisoned())?;
        self.write_pending(&mut pending)
    }

    fn write_pending(&self, pending: &mut Pending) -> std::io::Result<()> {
        if pending.failed {
            return Err(std::io::Error::other(
                "the parse cache's spool could not be written",
            ));
        }
        let flushed = self.flushed.load(Ordering::Relaxed);
        if let Err(e) = self.opened.write_at(flushed, &pending.bytes) {
            pending.failed = true;
            return Err(e);
        }
        self.flushed
            .store(flushed + pending.bytes.len() as u64, Ordering::Release);
        pending.bytes.clear();
        Ok(())
    }

    /// What `use_` makes of the `length` bytes at `start`, from the file or, when they
    /// are still pending, from memory.
    fn with<R>(
        &self,
        start: u64,
        length: usize,
        use_: impl FnOnce(&[u8]) -> Option<R>,
    ) -> Option<R> {
        let end = start.checked_add(length as u64)?;
        if end > self.flushed.load(Ordering::Acquire) {
            let pending = self.pending.lock().ok()?;
            let flushed = self.flushed.load(Ordering::Relaxed);
            // An entry is written whole: it is pending or in the file.
            if start >= flushed {
                let from = usize::try_from(start - flushed).ok()?;
                return use_(pending.bytes.get(from..from.checked_add(length)?)?);
            }
        }
        self.opened.with(start, length, use_)
    }
}

impl KeptText for Spool {
    fn text_into(&self, at: u64, length: u32, out: &mut String) -> bool {
        self.with(at, length as usize, push_text(out)).is_some()
    }
}

/// Saved when dropped, so that no command that reads through a cache forgets to keep
/// what it learned; a cache that cannot be written costs only the next run's time.
impl Drop for DiskCache {
    fn drop(&mut self) {
        let _ = self.save();
    }
}

/// What this build kept in the file `name` of `dir` for `key`, when it is there.
pub fn kept_file(dir: &Path, name: &str, key: &str) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(dir.join(name)).ok()?;
    let prefix = format!("{}{key}\n", header());
    if !bytes.starts_with(prefix.as_bytes()) {
        return None;
    }
    bytes.drain(..prefix.len());
    Some(bytes)
}

/// Keeps `bytes` for `key` in the file `name` of `dir`, replacing what was there (a
/// new file renamed over the old one).
pub fn keep_file(dir: &Path, name: &str, key: &str, bytes: &[u8]) -> std::io::Result<()> {
    // The folder is soc2's own: anything else in its place is cleared.
    if std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
        std::fs::remove_file(dir)?;
    }
    replace(&dir.join(name), |file| {
        file.write_all(format!("{}{key}\n", header()).as_bytes())?;
        file.write_all(bytes)
    })
}

/// Writes `file` anew: what `write` writes goes to a temporary file beside it, renamed
/// over it once complete, so a reader sees the old file or the new one.
fn replace(
    file: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    write(temp.as_file_mut())?;
    temp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// Removes all but the `count` most recently written files of `dir`.
pub fn keep_newest(dir: &Path, count: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort();
    let extra = files.len().saturating_sub(count);
    for (_, path) in files.into_iter().take(extra) {
        let _ = std::fs::remove_file(path);
    }
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("the parse cache's lock was poisoned")
}

/// The id and kind an entry's frame (or the start of one) opens with.
fn key_of(frame: &[u8]) -> Key {
    (frame[..20].try_into().expect("a frame's id"), frame[20])
}

/// An entry as the file holds it (see the layout above); `None` for a payload longer
/// than its length field can say.
fn frame_of(id: [u8; 20], kind: u8, payload: &[u8]) -> Option<Vec<u8>> {
    frame_head(id, kind, payload.len(), payload)
}

/// The start of the frame of a `length`-byte payload that `opening` starts: the whole
/// frame when `opening` is the whole payload. `None` past what a frame can say.
fn frame_head(id: [u8; 20], kind: u8, length: usize, opening: &[u8]) -> Option<Vec<u8>> {
    let length = u32::try_from(length).ok()?;
    let mut frame = Vec::with_capacity(FRAME + opening.len());
    frame.extend_from_slice(&id);
    frame.push(kind);
    frame.extend_from_slice(&length.to_le_bytes());
    frame.extend_from_slice(opening);
    Some(frame)
}

/// Where the entries start, when the opened file begins with this build's header.
fn has_header(window: &mut Window) -> Option<u64> {
    let header = header();
    (window.get(0, header.len())? == header.as_bytes()).then_some(header.len() as u64)
}

/// The entries of the kinds `wanted` from `start` on, and, when the walk met the entry
/// that opens the scans' section (where it stops), where that section starts.
fn frames(
    window: &mut Window,
    mut start: u64,
    size: u64,
    wanted: impl Fn(u8) -> bool,
) -> (Table, Option<u64>) {
    let mut entries = Table::default();
    while let Some(head) = window.get(start, FRAME) {
        let length = u32::from_le_bytes(head[21..FRAME].try_into().expect("four bytes"));
        let end = start + (FRAME as u64) + u64::from(length);
        // Never written by soc2, whose file is bounded: a damaged length (reading
        // the entry would take that much memory).
        if length as usize > MAX_BYTES || end > size {
            break;
        }
        let key = key_of(head);
        if key.1 == SCANS_FOLLOW {
            return (entries, Some(end));
        }
        if wanted(key.1) && !entries.insert(Slot { key, start, length }) {
            break;
        }
        start = end;
    }
    (entries, None)
}

/// Part of the opened file, read a block at a time as `frames` goes through it.
struct Window<'a> {
    opened: &'a Opened,
    start: u64,
    bytes: Vec<u8>,
}

impl<'a> Window<'a> {
    fn new(opened: &'a Opened) -> Window<'a> {
        Window {
            opened,
            start: 0,
            bytes: Vec::new(),
        }
    }

    /// The `n` bytes at `at`, or `None` past the end of the file.
    fn get(&mut self, at: u64, n: usize) -> Option<&[u8]> {
        let inside = at >= self.start && at + n as u64 <= self.start + self.bytes.len() as u64;
        if !inside {
            self.bytes.resize((256 << 10).max(n), 0);
            let read = self.opened.read_at(at, &mut self.bytes);
            self.bytes.truncate(read);
            self.start = at;
        }
        let from = usize::try_from(at - self.start).ok()?;
        self.bytes.get(from..from.checked_add(n)?)
    }
}

/// Reads a payload front to back; `None` when it is shorter than it says.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn take_u16(&mut self) -> Option<&'a [u8]> {
        let n = u16::from_le_bytes(self.take(2)?.try_into().ok()?);
        self.take(n as usize)
    }

    fn take_u32(&mut self) -> Option<&'a [u8]> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
        self.take(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Control;

    const CONTROL: &str = "id: AC-01\ntitle: MFA\nowner: alice@example.com\ncriteria: [CC6.1]\nstatus: implemented\nfrequency: monthly\n";

    fn control() -> Control {
        crate::store::from_yaml(CONTROL).unwrap()
    }

    /// Learns `control()`, parsed from blob `id` at controls/AC-01.yaml.
    fn put_control(cache: &DiskCache, id: [u8; 20]) {
        cache.put_record(id, "controls/AC-01.yaml", CONTROL, &control());
    }

    fn id(n: u8) -> [u8; 20] {
        [n; 20]
    }

    fn sha(c: char) -> Sha256Hex {
        Sha256Hex(c.to_string().repeat(64))
    }

    #[test]
    fn what_one_run_learns_the_next_reads() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        assert!(cache.record::<Control>(id(1)).is_none());
        put_control(&cache, id(1));
        cache.put_hash(id(2), "evidence/a.pdf", &sha('a'), None);
        let pointer = LfsPointer {
            oid: sha('b'),
            size: 42,
        };
        cache.put_hash(id(3), "evidence/a.pdf", &sha('b'), Some(&pointer));
        drop(cache);

        let cache = DiskCache::open(dir.path());
        let (text, value) = cache.record::<Control>(id(1)).unwrap();
        assert_eq!((&*text, value), (CONTROL, control()));
        assert_eq!(cache.hash(id(2)), Some((sha('a'), None)));
        assert_eq!(cache.hash(id(3)), Some((sha('b'), Some(pointer))));
        // Kept by kind and type: a hash is no record, a control no policy.
        assert!(cache.record::<Control>(id(2)).is_none());
        assert!(cache.hash(id(1)).is_none());
        assert!(cache.record::<crate::model::Policy>(id(1)).is_none());
    }

    #[test]
    fn a_record_text_is_read_when_asked_for_from_the_file_that_was_opened() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        put_control(&cache, id(1));
        drop(cache);

        let cache = DiskCache::open(dir.path());
        let (text, _) = cache.record::<Control>(id(1)).unwrap();
        let (twice, _) = cache.record::<Control>(id(1)).unwrap();
        // The file is replaced (by this run's save), then the replacement damaged:
        // the texts come from the file as it was opened.
        cache.put_hash(id(2), "evidence/a.pdf", &sha('a'), None);
        cache.save().unwrap();
        std::fs::write(dir.path().join("parse-cache"), "junk").unwrap();
        assert_eq!(&*text, CONTROL);
        assert_eq!(&*twice, CONTROL);
        assert_eq!(&*text.clone(), CONTROL);
    }

    /// A record learned in this run gives back its text as kept in the spool, read
    /// from memory while it waits there and from the spool's file once written, before
    /// and after the cache is saved; texts of either kind and the file's read each other
    /// in turns on one thread.
    #[test]
    fn a_text_learned_in_this_run_is_read_back_from_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        put_control(&DiskCache::open(dir.path()), id(1));
        let cache = DiskCache::open(dir.path());
        let (old, _) = cache.record::<Control>(id(1)).unwrap();
        // Enough to go past a spool block, so that some are written and some wait.
        let texts: Vec<String> = (0..3000u32)
            .map(|n| format!("id: AC-{n:04}\n{}\n", "x".repeat(n as usize % 700)))
            .collect();
        let kept: Vec<Text> = (texts.iter().enumerate())
            .map(|(n, text)| {
                let at = format!("controls/AC-{n:04}.yaml");
                let kept = cache.put_record(wide_id(n as u32 + 10), &at, text, &control());
                kept.expect("kept in the spool")
            })
            .collect();
        let spool = cache.spool.get().unwrap().as_ref().unwrap();
        let flushed = spool.flushed.load(Ordering::Relaxed);
        assert!(flushed > 0 && !spool.pending.lock().unwrap().bytes.is_empty());
        let read_all = || {
            for (text, kept) in texts.iter().zip(&kept) {
                assert_eq!(kept.with(str::to_string), *text);
                assert_eq!(old.with(str::to_string), CONTROL);
            }
        };
        read_all();
        cache.save().unwrap();
        assert!(spool.pending.lock().unwrap().bytes.is_empty());
        read_all();
        drop(cache);
        read_all();
        let cache = DiskCache::open(dir.path());
        let (text, _) = cache.record::<Control>(wide_id(2999 + 10)).unwrap();
        assert_eq!(&*text, texts[2999]);
    }

    /// Where the spool cannot be made, the cache could not be written either: nothing
    /// is learned (and a record holds its own text).
    #[test]
    fn nothing_is_learned_where_the_spool_cannot_be_made() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("soc2");
        std::fs::write(&blocked, "a file where the cache's folder goes").unwrap();
        let cache = DiskCache::open(&blocked);
        let put = cache.put_record(id(1), "controls/AC-01.yaml", CONTROL, &control());
        assert!(put.is_none());
        cache.put_hash(id(2), "evidence/a.pdf", &sha('a'), None);
        assert!(cache.fresh.lock().unwrap().is_empty());
        cache.save().unwrap();
        assert!(blocked.is_file());
    }

    #[test]
    fn a_run_that_learns_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        cache.put_hash(id(2), "evidence/a.pdf", &sha('a'), None);
        drop(cache);
        let file = dir.path().join("parse-cache");
        let before = std::fs::read(&file).unwrap();
        std::fs::write(&file, [&before[..], b"x"].concat()).unwrap();
        let cache = DiskCache::open(dir.path());
        assert!(cache.hash(id(2)).is_some());
        drop(cache);
        // Left as it was, trailing byte and all.
        assert_eq!(std::fs::read(&file).unwrap(), [&before[..], b"x"].concat());
    }

    /// The kinds of the entries of the cache file in `dir`, in the order it holds them.
    fn kinds_in(dir: &Path) -> Vec<u8> {
        let bytes = std::fs::read(dir.join("parse-cache")).unwrap();
        let mut kinds = Vec::new();
        let mut at = header().len();
        while at < bytes.len() {
            kinds.push(bytes[at + 20]);
            let length = u32::from_le_bytes(bytes[at + 21..at + FRAME].try_into().unwrap());
            at += FRAME + length as usize;
        }
        kinds
    }

    /// Records and hashes come first, then the scans, in whatever order they were
    /// learned: a run that does not scan reads nothing of the scans' section, and the
    /// first scan looked up reads only that section.
    #[test]
    fn scans_are_kept_in_a_section_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        cache.put_scan(id(1), "evidence/a.log", &[]);
        cache.put_hash(id(1), "evidence/a.log", &sha('a'), None);
        cache.put_scan(id(2), "evidence/b.log", &[]);
        put_control(&cache, id(3));
        drop(cache);
        assert_eq!(
            kinds_in(dir.path()),
            [RECORD, HASH, SCANS_FOLLOW, SCAN, SCAN]
        );

        let cache = DiskCache::open(dir.path());
        assert_eq!(cache.entries.len(), 2);
        let file_size = std::fs::metadata(dir.path().join("parse-cache"))
            .unwrap()
            .len();
        assert_eq!(cache.scans_from, file_size - 2 * (FRAME as u64 + 2));
        assert_eq!(cache.scan(id(2)), Some(Vec::new()));
        assert_eq!(cache.scans().len(), 2);
        // What a later run learns goes first in its section; the rest is kept.
        cache.put_hash(id(4), "evidence/c.pdf", &sha('c'), None);
        drop(cache);
        assert_eq!(
            kinds_in(dir.path()),
            [HASH, RECORD, HASH, SCANS_FOLLOW, SCAN, SCAN]
        );
    }

    /// A run that never asks for a scan does not index the scan entries, yet keeps
    /// them when it saves what it learned; the next run that asks finds them.
    #[test]
    fn scan_entries_outlive_runs_that_never_ask_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        cache.put_scan(id(1), "evidence/a.log", &[]);
        cache.put_hash(id(2), "evidence/a.pdf", &sha('a'), None);
        drop(cache);

        let cache = DiskCache::open(dir.path());
        assert_eq!(cache.entries.len(), 1, "only the hash is indexed at open");
        assert!(cache.scans.get().is_none());
        assert!(cache.hash(id(2)).is_some());
        cache.put_hash(id(3), "evidence/b.pdf", &sha('b'), None);
        drop(cache);

        // Scans are found in the file as it was opened, even once another run has
        // replaced it (as saving does, by renaming).
        let cache = DiskCache::open(dir.path());
        let file = dir.path().join("parse-cache");
        let other = dir.path().join("other");
        std::fs::write(&other, b"replaced").unwrap();
        std::fs::rename(&other, &file).unwrap();
        assert!(DiskCache::open(dir.path()).scan(id(1)).is_none());
        assert_eq!(cache.scan(id(1)), Some(Vec::new()));
        assert!(cache.scan(id(2)).is_none());
        assert_eq!(cache.hash(id(3)), Some((sha('b'), None)));
    }

    #[test]
    fn a_damaged_or_foreign_file_gives_what_is_whole_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        cache.put_hash(id(1), "evidence/a.pdf", &sha('a'), None);
        cache.put_hash(id(2), "evidence/a.pdf", &sha('b'), None);
        drop(cache);
        let file = dir.path().join("parse-cache");
        let whole = std::fs::read(&file).unwrap();

        // Cut inside the second entry (the file ends with the entry that opens the
        // scans' section): the first is still there.
        std::fs::write(&file, &whole[..whole.len() - FRAME - 10]).unwrap();
        let cache = DiskCache::open(dir.path());
        assert!(cache.hash(id(1)).is_some());
        assert!(cache.hash(id(2)).is_none());
        drop(cache);

        // Written by another build: nothing is read.
        let other = [b"soc2 parse cache 1 0.0.0 0000\n", &whole[header().len()..]].concat();
        std::fs::write(&file, other).unwrap();
        assert!(DiskCache::open(dir.path()).hash(id(1)).is_none());

        // A payload that is not what its kind says: a miss, not a panic.
        let mut bad = whole.clone();
        let payload = header().len() + FRAME;
        bad[payload] = b'Z';
        std::fs::write(&file, bad).unwrap();
        assert!(DiskCache::open(dir.path()).hash(id(1)).is_none());

        // An entry longer than the file's bound (a sparse file: no disk is used) is
        // damage, not something to read into memory.
        let mut huge = header().into_bytes();
        huge.extend_from_slice(&id(1));
        huge.push(HASH);
        huge.extend_from_slice(&((MAX_BYTES + 1) as u32).to_le_bytes());
        std::fs::write(&file, &huge).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len((huge.len() + MAX_BYTES + 1) as u64)
            .unwrap();
        assert!(DiskCache::open(dir.path()).entries.len() == 0);

        for junk in [&b""[..], b"soc2", &[0xff; 100]] {
            std::fs::write(&file, junk).unwrap();
            assert!(DiskCache::open(dir.path()).hash(id(1)).is_none());
        }
    }

    #[test]
    fn the_file_stays_under_its_bound_keeping_what_was_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        for n in 0..10 {
            cache.put_hash(id(n), "evidence/a.pdf", &sha('a'), None);
        }
        drop(cache);
        let frame = FRAME + 64;
        let mut cache = DiskCache::open(dir.path());
        cache.max_bytes = header().len() + 4 * frame;
        assert!(cache.hash(id(7)).is_some());
        cache.put_hash(id(20), "evidence/a.pdf", &sha('c'), None);
        drop(cache);
        let cache = DiskCache::open(dir.path());
        let kept: Vec<u8> = (0..=20).filter(|n| cache.hash(id(*n)).is_some()).collect();
        // What was learned, then what was used, then the oldest of the rest.
        assert_eq!(kept, vec![0, 1, 7, 20]);
        assert_eq!(
            std::fs::metadata(dir.path().join("parse-cache"))
                .unwrap()
                .len() as usize,
            header().len() + 4 * frame
        );
    }

    fn wide_id(n: u32) -> [u8; 20] {
        let mut id = [0; 20];
        id[..4].copy_from_slice(&n.to_be_bytes());
        id
    }

    fn sha_of(n: u32) -> Sha256Hex {
        Sha256Hex(format!("{n:064x}"))
    }

    #[test]
    fn entries_come_back_whatever_the_order_they_are_asked_in() {
        // Far more entries than one read-ahead block holds.
        let count = 3 * AHEAD as u32 / (FRAME + 64) as u32;
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        for n in 0..count {
            cache.put_hash(wide_id(n), &format!("evidence/{n:06}"), &sha_of(n), None);
        }
        drop(cache);
        let cache = DiskCache::open(dir.path());
        let forward: Vec<u32> = (0..count).collect();
        let backward: Vec<u32> = (0..count).rev().collect();
        let skipping: Vec<u32> = (0..count).step_by(7).chain((0..count).step_by(3)).collect();
        // Several runs forward at once, as a rewritten file gives.
        let half = count / 2;
        let interleaved: Vec<u32> = (0..half)
            .flat_map(|n| [n, half + n, count - 1 - n])
            .collect();
        for order in [forward, backward, skipping, interleaved] {
            for n in order {
                assert_eq!(cache.hash(wide_id(n)), Some((sha_of(n), None)), "entry {n}");
            }
        }
        // From two threads at once, each going forward from its own place.
        std::thread::scope(|scope| {
            for first in [0, count / 2] {
                let cache = &cache;
                scope.spawn(move || {
                    for n in first..count {
                        assert_eq!(cache.hash(wide_id(n)), Some((sha_of(n), None)));
                    }
                });
            }
        });
    }

    #[test]
    fn what_a_run_learns_is_written_in_the_order_of_its_paths() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path());
        cache.put_hash(id(1), "evidence/b.pdf", &sha('a'), None);
        cache.put_hash(id(2), "evidence/a.pdf", &sha('b'), None);
        drop(cache);
        let bytes = std::fs::read(dir.path().join("parse-cache")).unwrap();
        let first = header().len();
        assert_eq!(bytes[first..first + 20], id(2));
        assert_eq!(bytes[first + FRAME + 64..first + FRAME + 64 + 20], id(1));
    }

    #[test]
    fn two_open_caches_never_read_each_others_bytes() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for (dir, c) in [(&one, 'a'), (&two, 'b')] {
            let cache = DiskCache::open(dir.path());
            cache.put_hash(id(1), "evidence/a.pdf", &sha(c), None);
            cache.put_hash(id(2), "evidence/b.pdf", &sha(c), None);
            drop(cache);
        }
        let (one, two) = (DiskCache::open(one.path()), DiskCache::open(two.path()));
        for n in [1, 2, 1] {
            assert_eq!(one.hash(id(n)), Some((sha('a'), None)));
            assert_eq!(two.hash(id(n)), Some((sha('b'), None)));
        }
    }

    #[test]
    fn a_kept_file_is_read_back_for_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(kept_file(dir.path(), "history", "k1"), None);
        keep_file(dir.path(), "history", "k1", b"{}").unwrap();
        assert_eq!(kept_file(dir.path(), "history", "k1"), Some(b"{}".to_vec()));
        assert_eq!(kept_file(dir.path(), "history", "k2"), None);
    }

    #[test]
    fn only_the_newest_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for (n, age) in [(1, 30), (2, 10), (3, 20)] {
            let path = dir.path().join(format!("h{n}"));
            std::fs::write(&path, "x").unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        keep_newest(dir.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["h2", "h3"]);
    }
}
