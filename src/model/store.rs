//! The loaded store as plain data: every record with its path and text. `store` fills
//! it; `validate` and `readiness` read it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::paths::file_stem;
use super::{
    AuditFinding, Control, ControlTest, Evidence, Policy, PopulationFile, Program, Request, Risk,
    SystemDescription, Vendor,
};

/// What sits at a path of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Other,
}

/// One parsed file with where it came from and its text, for locating findings. The
/// text and the value are shared: copies of a record (a timeline holds one store per
/// point, and parsed records are kept between points) cost reference counts, not the
/// file or its fields. `Arc::make_mut` changes a value in place when it is not shared.
#[derive(Clone, Debug)]
pub struct Record<T> {
    pub path: String,
    pub text: Text,
    pub value: std::sync::Arc<T>,
}

/// A record file's text: held, or read when first asked for from where the parse
/// cache keeps it. Only findings read a record's text, so a store loaded from the
/// cache holds none of its texts until one points into them.
#[derive(Clone)]
pub struct Text(std::sync::Arc<TextCell>);

struct TextCell {
    text: std::sync::OnceLock<Box<str>>,
    kept: Option<Kept>,
    /// The git blob id of the content, when known.
    id: Option<[u8; 20]>,
}

/// Where a kept text lies.
struct Kept {
    place: std::sync::Arc<dyn KeptText>,
    at: u64,
    length: u32,
}

/// Where texts are kept outside memory.
pub trait KeptText: Send + Sync {
    /// Appends the `length` bytes at `at` to `out` as text; false (and `out` as it was)
    /// when they cannot be read or are not text.
    fn text_into(&self, at: u64, length: u32, out: &mut String) -> bool;
}

thread_local! {
    /// The buffer `Text::with` lends kept texts in, reused: a large store's 70,000
    /// findings each read a text once and keep only a position and a line of it.
    static LENT: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

impl Text {
    /// The text of `length` bytes at `at` in `place`, the content of git blob `id`,
    /// read when first asked for. The place must hold text: one that can no longer be
    /// read gives an empty text (it then locates nothing).
    pub fn kept(place: std::sync::Arc<dyn KeptText>, at: u64, length: u32, id: [u8; 20]) -> Text {
        Text(std::sync::Arc::new(TextCell {
            text: std::sync::OnceLock::new(),
            kept: Some(Kept { place, at, length }),
            id: Some(id),
        }))
    }

    /// Says this text is the content of git blob `id` (what was made of it can then be
    /// kept under that id).
    pub fn know_id(&mut self, id: [u8; 20]) {
        match std::sync::Arc::get_mut(&mut self.0) {
            Some(cell) => cell.id = Some(id),
            None => {
                *self = Text(std::sync::Arc::new(TextCell {
                    text: std::sync::OnceLock::from(Box::from(self.as_str())),
                    kept: None,
                    id: Some(id),
                }))
            }
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.text.get_or_init(|| match &self.0.kept {
            Some(kept) => {
                let mut text = String::with_capacity(kept.length as usize);
                kept.place.text_into(kept.at, kept.length, &mut text);
                text.into()
            }
            None => Box::from(""),
        })
    }

    /// What `use_` makes of the text, which is read again from where it is kept rather
    /// than kept in memory when it is not held already (a text that can no longer be
    /// read is empty, as with `as_str`).
    pub fn with<R>(&self, use_: impl FnOnce(&str) -> R) -> R {
        if let Some(text) = self.0.text.get() {
            return use_(text);
        }
        let Some(kept) = &self.0.kept else {
            return use_("");
        };
        // Taken from the thread while lent, so a `use_` lending texts itself is safe.
        let mut lent = LENT.take();
        lent.clear();
        kept.place.text_into(kept.at, kept.length, &mut lent);
        let out = use_(&lent);
        LENT.set(lent);
        out
    }

    /// The git blob id of the content, when known (what was made of it can be kept
    /// under it too), without reading it.
    pub fn id(&self) -> Option<[u8; 20]> {
        self.0.id
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::from(Box::<str>::from(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::from(text.into_boxed_str())
    }
}

impl From<Box<str>> for Text {
    fn from(text: Box<str>) -> Text {
        Text(std::sync::Arc::new(TextCell {
            text: std::sync::OnceLock::from(text),
            kept: None,
            id: None,
        }))
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<T: Clone> Record<T> {
    /// The value to change: copied first when another record shares it.
    pub fn value_mut(&mut self) -> &mut T {
        std::sync::Arc::make_mut(&mut self.value)
    }
}

impl<T> Record<T> {
    /// The file name without its extension.
    pub fn stem(&self) -> &str {
        file_stem(&self.path)
    }
}

/// Everything in the store, as loaded. Records that failed to parse are absent (their
/// findings say why); the rest is sorted by ID or path.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub program: Option<Record<Program>>,
    pub controls: Vec<Record<Control>>,
    pub policies: Vec<Record<Policy>>,
    /// Policy documents by policy ID.
    pub documents: BTreeMap<String, Vec<u8>>,
    pub evidence: Vec<Record<Evidence>>,
    pub risks: Vec<Record<Risk>>,
    /// The auditor's request list.
    pub requests: Vec<Record<Request>>,
    /// Internal tests (`tests/<CONTROL>/*.yaml`), sorted by path.
    pub tests: Vec<Record<ControlTest>>,
    /// Findings (`findings/<F-ID>.yaml`), sorted by ID.
    pub audit_findings: Vec<Record<AuditFinding>>,
    /// Population files (`populations/<CONTROL>/*.csv`), sorted by path.
    pub populations: Vec<PopulationFile>,
    pub vendors: Vec<Record<Vendor>>,
    /// `system/description.yaml`, when there is one.
    pub system: Option<Record<SystemDescription>>,
    /// `system/description.md`'s text, when there is one.
    pub system_text: Option<String>,
    /// Every file under `evidence/` that is not a record (attachments, and strays),
    /// with its kind as listed, so integrity checking need not look again.
    pub evidence_files: BTreeMap<String, EntryKind>,
    /// Record files that failed to load (their findings say why). Their IDs still
    /// count as known, so that one broken file does not cascade into more findings.
    pub unreadable: BTreeSet<String>,
}

impl Store {
    /// The program, or an empty one when `soc2.yaml` did not load.
    pub fn program(&self) -> &Program {
        static EMPTY: std::sync::OnceLock<Program> = std::sync::OnceLock::new();
        match &self.program {
            Some(record) => &record.value,
            None => EMPTY.get_or_init(Program::default),
        }
    }

    pub fn control(&self, id: &str) -> Option<&Record<Control>> {
        self.controls.iter().find(|c| c.value.id == id)
    }

    /// Every control by ID: for looking up many (one per evidence record).
    pub fn controls_by_id(&self) -> std::collections::HashMap<&str, &Record<Control>> {
        self.controls
            .iter()
            .map(|c| (c.value.id.as_str(), c))
            .collect()
    }

    pub fn policy(&self, id: &str) -> Option<&Record<Policy>> {
        self.policies.iter().find(|p| p.value.id == id)
    }

    pub fn risk(&self, id: &str) -> Option<&Record<Risk>> {
        self.risks.iter().find(|r| r.value.id == id)
    }

    pub fn request(&self, id: &str) -> Option<&Record<Request>> {
        self.requests.iter().find(|r| r.value.id == id)
    }

    /// A test by its ID (`CONTROL/STEM`).
    pub fn test(&self, id: &str) -> Option<&Record<ControlTest>> {
        self.tests
            .iter()
            .find(|t| super::paths::test_id(&t.path) == id)
    }

    pub fn audit_finding(&self, id: &str) -> Option<&Record<AuditFinding>> {
        self.audit_findings.iter().find(|f| f.value.id == id)
    }

    pub fn vendor(&self, id: &str) -> Option<&Record<Vendor>> {
        self.vendors.iter().find(|v| v.value.id == id)
    }

    /// The evidence records of each control, by control ID, in the store's order.
    pub fn evidence_by_control(&self) -> HashMap<&str, Vec<&Record<Evidence>>> {
        let mut by_control: HashMap<&str, Vec<&Record<Evidence>>> = HashMap::new();
        // Records come by path, a control's folder after another: one lookup a run.
        for run in self
            .evidence
            .chunk_by(|a, b| a.value.control == b.value.control)
        {
            by_control
                .entry(run[0].value.control.as_str())
                .or_default()
                .extend(run);
        }
        by_control
    }

    /// IDs of the records in `dir`, those that failed to load included.
    pub fn known_ids<'a>(
        &'a self,
        dir: &str,
        loaded: impl Iterator<Item = &'a str>,
    ) -> BTreeSet<&'a str> {
        let prefix = format!("{dir}/");
        let unreadable = self
            .unreadable
            .iter()
            .filter(move |p| p.starts_with(&prefix) && !p[prefix.len()..].contains('/'))
            .map(|p| file_stem(p));
        loaded.chain(unreadable).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A place that counts how often a text is read from it.
    struct Counting {
        text: &'static str,
        reads: AtomicUsize,
    }

    impl KeptText for Counting {
        fn text_into(&self, at: u64, length: u32, out: &mut String) -> bool {
            self.reads.fetch_add(1, Ordering::Relaxed);
            let range = at as usize..at as usize + length as usize;
            match self.text.get(range) {
                Some(text) => {
                    out.push_str(text);
                    true
                }
                None => false,
            }
        }
    }

    fn kept(text: &'static str) -> (Arc<Counting>, Text) {
        let place = Arc::new(Counting {
            text,
            reads: AtomicUsize::new(0),
        });
        let length = text.len() as u32;
        (place.clone(), Text::kept(place, 0, length, [7; 20]))
    }

    /// `with` lends a kept text and lets it go: read again each time, until something
    /// asks to hold it (`as_str`); then it is never read again.
    #[test]
    fn a_kept_text_is_lent_without_being_held() {
        let (place, text) = kept("id: AC-01\n");
        assert_eq!(text.with(str::to_string), "id: AC-01\n");
        assert_eq!(text.with(str::len), 10);
        assert_eq!(place.reads.load(Ordering::Relaxed), 2);
        assert_eq!(text.as_str(), "id: AC-01\n");
        assert_eq!(text.with(str::len), 10);
        assert_eq!(&*text.clone(), "id: AC-01\n");
        assert_eq!(place.reads.load(Ordering::Relaxed), 3);
        // Lending inside a lend is safe (each takes its own buffer).
        let (_, other) = kept("id: AC-02\n");
        let (_, third) = kept("id: AC-03\n");
        assert_eq!(
            other.with(|a| third.with(|b| format!("{a}{b}"))),
            "id: AC-02\nid: AC-03\n"
        );
    }

    /// A text that can no longer be read is empty, lent or held.
    #[test]
    fn a_text_that_cannot_be_read_is_empty() {
        let place = Arc::new(Counting {
            text: "short",
            reads: AtomicUsize::new(0),
        });
        let text = Text::kept(place, 0, 100, [7; 20]);
        assert_eq!(text.with(str::len), 0);
        assert_eq!(text.as_str(), "");
    }

    /// A text's blob id: a kept text's from where it is kept; a held one's when told,
    /// shared or not.
    #[test]
    fn a_text_knows_its_blob_id_when_told() {
        assert_eq!(kept("x").1.id(), Some([7; 20]));
        let mut held = Text::from("id: AC-01\n");
        assert_eq!(held.id(), None);
        held.know_id([1; 20]);
        assert_eq!(held.id(), Some([1; 20]));
        let shared = held.clone();
        held.know_id([2; 20]);
        assert_eq!((held.id(), shared.id()), (Some([2; 20]), Some([1; 20])));
        assert_eq!((&*held, &*shared), ("id: AC-01\n", "id: AC-01\n"));
    }
}
