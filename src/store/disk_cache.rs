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
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Entries learned in this run, to be written.
    fresh: Mutex<Vec<Fresh>>,
}

/// An entry learned in this run, and the path it was learned at (the file is written
/// in their order). A record's text is shared with the record, not copied: on the
/// run that fills the cache, copies doubled the memory the records' texts take.
struct Fresh {
    at: Box<str>,
    /// The frame, up to a record's text (for other entries, all of it).
    head: Box<[u8]>,
    /// A record's text, and the JSON that follows it.
    record: Option<Box<(Text, Vec<u8>)>>,
}

impl Fresh {
    fn key(&self) -> Key {
        key_of(&self.head)
    }

    fn len(&self) -> usize {
        self.head.len() + self.record.as_ref().map_or(0, |r| r.0.len() + r.1.len())
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.head)?;
        if let Some(record) = &self.record {
            out.write_all(record.0.as_bytes())?;
            out.write_all(&record.1)?;
        }
        Ok(())
    }
}

/// A frame to write: learned in this run, or read from the file.
enum Out<'a> {
    Fresh(&'a Fresh),
    Kept(Vec<u8>),
}

impl Out<'_> {
    fn key(&self) -> Key {
        match self {
            Out::Fresh(fresh) => fresh.key(),
            Out::Kept(frame) => key_of(frame),
        }
    }

    fn len(&self) -> usize {
        match self {
            Out::Fresh(fresh) => fresh.len(),
            Out::Kept(frame) => frame.len(),
        }
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        match self {
            Out::Fresh(fresh) => fresh.write(out),
            Out::Kept(frame) => out.write_all(frame),
        }
    }
}

impl DiskCache {
    /// The cache kept in `dir` (created when first saved). A missing, unreadable,
    /// foreign or damaged file gives an empty cache.
    pub(super) fn open(dir: &Path) -> DiskCache {
        let file = dir.join("parse-cache");
        let opened = std::fs::File::open(&file).ok().and_then(|opened| {
            let size = opened.metadata().ok()?.len();
            let opened = Opened::new(opened);
            let start = has_header(&opened)?;
            let (entries, scans_from) = frames(&opened, start, size, |kind| kind != SCAN);
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
        }
    }

    /// The scan entries' table, found in the opened file's scans' section the first
    /// time it is needed.
    fn scans(&self) -> &Table {
        self.scans.get_or_init(|| {
            let found = self
                .opened
                .as_ref()
                .map(|opened| frames(opened, self.scans_from, self.size, |kind| kind == SCAN).0);
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

    /// The whole frame of an entry, head and payload, as the file holds it.
    fn frame(&self, slot: &Slot) -> Option<Vec<u8>> {
        self.opened
            .as_ref()?
            .read(slot.start, FRAME + slot.length as usize)
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
    /// bytes), its text (after its length, four bytes) and its JSON.
    pub(super) fn put_record<T: Serialize>(&self, id: [u8; 20], at: &str, text: &Text, value: &T) {
        let Ok(json) = serde_json::to_vec(value) else {
            return;
        };
        let name = std::any::type_name::<T>().as_bytes();
        let (Ok(name_length), Ok(text_length)) =
            (u16::try_from(name.len()), u32::try_from(text.len()))
        else {
            return;
        };
        let mut opening = Vec::with_capacity(6 + name.len());
        opening.extend_from_slice(&name_length.to_le_bytes());
        opening.extend_from_slice(name);
        opening.extend_from_slice(&text_length.to_le_bytes());
        let length = opening.len() + text.len() + json.len();
        if let Some(head) = frame_head(id, RECORD, length, &opening) {
            self.learn(at, head, Some(Box::new((text.clone(), json))));
        }
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
            self.learn(at, frame, None);
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
            self.learn(at, frame, None);
        }
    }

    /// Keeps what was made of a blob: the file is written in the order of the paths
    /// they were found at, the order a run reads them in (see `Opened::read`).
    fn learn(&self, at: &str, head: Vec<u8>, record: Option<Box<(Text, Vec<u8>)>>) {
        let entry = Fresh {
            at: at.into(),
            head: head.into(),
            record,
        };
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.push(entry);
        }
    }

    /// Writes the file again when this run learned something: records and hashes, then
    /// the scans, each section with what it learned, then what it used, then the rest,
    /// while the file stays under its bound. Written to a temporary file and renamed
    /// over the old one, so a reader sees one or the other.
    pub(super) fn save(&self) -> std::io::Result<()> {
        let mut fresh = std::mem::take(&mut *self.fresh.lock().map_err(|_| poisoned())?);
        if fresh.is_empty() {
            return Ok(());
        }
        // Learned in parallel: put in order, so the same run writes the same bytes.
        fresh.sort_by(|a, b| (&a.at, a.key()).cmp(&(&b.at, b.key())));
        let (fresh_scans, fresh): (Vec<_>, Vec<_>) =
            fresh.iter().partition(|entry| entry.key().1 == SCAN);
        let opens_scans = frame_of([0; 20], SCANS_FOLLOW, &[]).expect("an empty payload");
        let frames = (fresh.into_iter().map(Out::Fresh))
            .chain(self.kept_frames(&self.entries).map(Out::Kept))
            .chain([Out::Kept(opens_scans)])
            .chain(fresh_scans.into_iter().map(Out::Fresh))
            .chain(self.kept_frames(self.scans()).map(Out::Kept));
        replace(&self.file, |file| {
            let mut out = std::io::BufWriter::new(file);
            out.write_all(header().as_bytes())?;
            let mut size = header().len();
            let mut written = std::collections::HashSet::new();
            for frame in frames {
                if size + frame.len() > self.max_bytes {
                    break;
                }
                if written.insert(frame.key()) {
                    frame.write(&mut out)?;
                    size += frame.len();
                }
            }
            out.flush()
        })
    }

    /// The frames of `table`'s entries: those this run used, then the rest, each in the
    /// order they were read.
    fn kept_frames<'a>(&'a self, table: &'a Table) -> impl Iterator<Item = Vec<u8>> + 'a {
        let used = |wanted: bool| {
            (table.slots.iter().zip(&table.used))
                .filter(move |(_, used)| used.load(Ordering::Relaxed) == wanted)
                .map(|(slot, _)| slot)
        };
        used(true)
            .chain(used(false))
            .filter_map(|slot| self.frame(slot))
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
        self.with(at, length as usize, |bytes| {
            out.push_str(std::str::from_utf8(bytes).ok()?);
            Some(())
        })
        .is_some()
    }
}

/// Bytes read past what was asked for, when reads go forward through the file.
const AHEAD: usize = 64 << 10;

/// How many runs of forward reads a thread follows at once: a file rewritten after a
/// run learned something holds what it learned first, then the rest, each in path
/// order, and reading a folder's entries goes through both.
const STREAMS: usize = 4;

/// What a thread last read of an opened file, most recent first: for each run of
/// forward reads, the bytes read (ahead, or just what was asked for) and where the
/// last read ended.
#[derive(Default)]
struct Ahead {
    file: u64,
    streams: Vec<Stream>,
}

struct Stream {
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
        static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Opened {
            number: OPENED.fetch_add(1, Ordering::Relaxed),
            #[cfg(unix)]
            file,
            #[cfg(not(unix))]
            file: Mutex::new(file),
        }
    }

    /// The `length` bytes at `start`; `None` when the file is shorter. A run reads the
    /// entries of a folder one after another, and the file is written in path order, so
    /// a read that starts shortly after one of the thread's last reads ended reads a
    /// block ahead and the next reads come from it: one system call for many entries.
    /// Reads that jump about read only what they ask for.
    fn read(&self, start: u64, length: usize) -> Option<Vec<u8>> {
        self.with(start, length, |bytes| Some(bytes.to_vec()))
    }

    /// What `use_` makes of the `length` bytes at `start`, lent from where `read` keeps
    /// them: 300,000 entries read on a large store need no copy each. `use_` must not
    /// read this cache again (the thread's read-ahead is held while it runs).
    fn with<R>(
        &self,
        start: u64,
        length: usize,
        use_: impl FnOnce(&[u8]) -> Option<R>,
    ) -> Option<R> {
        let end = start.checked_add(length as u64)?;
        READ_AHEAD.with(|ahead| {
            let mut ahead = ahead.borrow_mut();
            if ahead.file != self.number {
                *ahead = Ahead {
                    file: self.number,
                    streams: Vec::new(),
                };
            }
            let holds = |s: &Stream| start >= s.start && end <= s.start + s.filled as u64;
            let follows = |s: &Stream| start >= s.end && start - s.end <= AHEAD as u64;
            let found = match ahead.streams.iter().position(holds) {
                Some(i) => i,
                None => {
                    let (i, size) = match ahead.streams.iter().position(follows) {
                        Some(i) => (i, length.max(AHEAD)),
                        // A new run, maybe: the least recent one makes way.
                        None if ahead.streams.len() < STREAMS => {
                            ahead.streams.push(Stream {
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
fn has_header(opened: &Opened) -> Option<u64> {
    let header = header();
    let mut window = Window {
        opened,
        start: 0,
        bytes: Vec::new(),
    };
    (window.get(0, header.len())? == header.as_bytes()).then_some(header.len() as u64)
}

/// The entries of the kinds `wanted` from `start` on, and, when the walk met the entry
/// that opens the scans' section (where it stops), where that section starts.
fn frames(
    opened: &Opened,
    mut start: u64,
    size: u64,
    wanted: impl Fn(u8) -> bool,
) -> (Table, Option<u64>) {
    let mut entries = Table::default();
    let mut window = Window {
        opened,
        start: 0,
        bytes: Vec::new(),
    };
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

impl Window<'_> {
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
        cache.put_record(id, "controls/AC-01.yaml", &Text::from(CONTROL), &control());
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
