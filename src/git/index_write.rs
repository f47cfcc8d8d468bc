//! Staging a command's paths by editing git's index file directly. libgit2 checks the
//! whole index's SHA-1 (with collision detection) when it reads it and again when it
//! writes it, and builds a hash table of every entry: with 300,000 files tracked that
//! was most of `evidence add`'s time. Here every other entry is copied as it is, the
//! command's entries are put in their places, and the checksum is taken once, as git
//! does. Only the common kind of index is edited (version 2 or 3, not split, no
//! mandatory extension, no conflict or special flag on a path being staged, no file
//! where a staged path needs a folder or the other way round); for any other the
//! caller stages through libgit2.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::index_stat::{self, ASSUME_VALID, Reader, STAGE_MASK};
use crate::model::paths::stays_inside;
use crate::store::Mapped;

/// A path's new entry: its stat data, in the index's order (ctime s, ns, mtime s, ns,
/// dev, ino, mode, uid, gid, size), and its blob id.
pub(super) struct NewEntry {
    pub(super) words: [u32; 10],
    pub(super) id: [u8; 20],
}

/// Rewrites the index file `file` with `updates` staged: each path's entry replaced by
/// (or added as) the one given, or removed where none is. `written` is when the index
/// was last written (seconds since the epoch): entries whose file changed in that
/// second or later are "racily clean", and are marked for git to read their content
/// again (their size set to 0), as git does when it writes an index. The new index is
/// written beside `file` and renamed over it. `Ok(false)`, having written nothing, for
/// an index this does not edit.
pub(super) fn stage(
    file: &Path,
    written: i64,
    updates: &[(&str, Option<NewEntry>)],
) -> Result<bool> {
    let bytes = match Mapped::open(file) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("reading {}", file.display())),
    };
    let Some(new) = edited(bytes.bytes(), written, updates) else {
        return Ok(false);
    };
    drop(bytes);
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    let temp = std::path::PathBuf::from(name);
    let wrote = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut out| out.write_all(&new))
        .and_then(|()| std::fs::rename(&temp, file));
    if let Err(err) = wrote {
        let _ = std::fs::remove_file(&temp);
        return Err(err).with_context(|| format!("writing {}", file.display()));
    }
    Ok(true)
}

/// The index `bytes` with `updates` staged (see `stage`), or `None` for an index this
/// does not edit.
fn edited(bytes: &[u8], written: i64, updates: &[(&str, Option<NewEntry>)]) -> Option<Vec<u8>> {
    if !matches!(
        bytes.get(..8),
        Some([b'D', b'I', b'R', b'C', 0, 0, 0, 2 | 3])
    ) {
        return None;
    }
    let mut updates: Vec<&(&str, Option<NewEntry>)> = updates.iter().collect();
    updates.sort_by(|a, b| a.0.cmp(b.0));
    // Each path once, and each one the store's own rule lets a record name (no empty,
    // `.`, `..` or `.git` part): anything else goes to libgit2 and its error.
    if updates.windows(2).any(|w| w[0].0 == w[1].0)
        || !updates
            .iter()
            .all(|(p, _)| stays_inside(p) && !p.contains('\0'))
    {
        return None;
    }
    let added: std::collections::HashSet<&[u8]> = (updates.iter())
        .filter(|(_, new)| new.is_some())
        .map(|(path, _)| path.as_bytes())
        .collect();
    // The folders the added paths need.
    let folders: std::collections::HashSet<&[u8]> = (added.iter())
        .flat_map(|path| memchr::memchr_iter(b'/', path).map(|at| &path[..at]))
        .collect();
    if added.iter().any(|path| folders.contains(path)) {
        return None;
    }

    let mut out = Vec::with_capacity(bytes.len() + 128 * updates.len());
    out.extend_from_slice(bytes.get(..12)?);
    let mut count = 0u32;
    let mut next = 0;
    let mut editable = true;
    let entries_end = index_stat::walk(bytes, |entry| {
        if !editable {
            return;
        }
        let path = entry.path;
        let in_a_folder_staged_as_a_file =
            memchr::memchr_iter(b'/', path).any(|at| added.contains(&path[..at]));
        if folders.contains(path) || in_a_folder_staged_as_a_file {
            editable = false;
            return;
        }
        let mut replaced = false;
        while let Some((staged, new)) = updates.get(next).copied()
            && staged.as_bytes() <= path
        {
            if staged.as_bytes() == path {
                // A conflict, or an entry git keeps apart ("assume unchanged", "skip
                // worktree", "intent to add"): libgit2 knows what staging does to those.
                if entry.flags & (STAGE_MASK | ASSUME_VALID) != 0 || entry.extended != 0 {
                    editable = false;
                    return;
                }
                replaced = true;
            }
            if let Some(new) = new {
                push_entry(&mut out, staged, new);
                count += 1;
            }
            next += 1;
        }
        // A second entry of a path just staged is a conflict's other stage.
        let staged_before = next
            .checked_sub(1)
            .is_some_and(|last| updates[last].0.as_bytes() == path);
        if replaced {
            return;
        }
        if staged_before {
            editable = false;
            return;
        }
        let start = out.len();
        out.extend_from_slice(&bytes[entry.span.clone()]);
        let [_, _, mtime, _, _, _, mode, _, _, size] = entry.words;
        let file_or_link = matches!(mode & 0o170000, 0o100000 | 0o120000);
        if file_or_link && size != 0 && i64::from(mtime) >= written {
            out[start + 36..start + 40].fill(0);
        }
        count += 1;
    })?;
    if !editable {
        return None;
    }
    for (staged, new) in &updates[next..] {
        if let Some(new) = new {
            push_entry(&mut out, staged, new);
            count += 1;
        }
    }
    out[8..12].copy_from_slice(&count.to_be_bytes());

    let (extensions, end) = index_stat::extensions(bytes, entries_end)?;
    // Past the last extension, exactly the checksum.
    if end.checked_add(20)? != bytes.len() {
        return None;
    }
    for (signature, data) in extensions {
        // An extension named in lower case must be understood to read the index
        // (a split or sparse index); those in upper case are optional.
        if !signature[0].is_ascii_uppercase() {
            return None;
        }
        let kept = match &signature {
            b"TREE" => invalidated_tree(data, &updates),
            // Resolved conflicts' earlier stages, and libgit2's conflict names: about
            // other paths than those staged here (a conflicted path is not edited).
            b"REUC" | b"NAME" => Some(data.to_vec()),
            // The untracked cache, the file system monitor's state and the tables of
            // where entries start describe the entries and folders as they were, and
            // are only ever a help: left out, as libgit2 leaves them out.
            _ => None,
        };
        if let Some(kept) = kept {
            out.extend_from_slice(&signature);
            out.extend_from_slice(&u32::try_from(kept.len()).ok()?.to_be_bytes());
            out.extend_from_slice(&kept);
        }
    }
    let checksum = sha1_smol::Sha1::from(&out).digest().bytes();
    out.extend_from_slice(&checksum);
    Some(out)
}

/// Appends the entry of `path` in the index's format: no flags but its name's length,
/// padded with NULs to a multiple of eight bytes.
fn push_entry(out: &mut Vec<u8>, path: &str, new: &NewEntry) {
    let start = out.len();
    for word in new.words {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(&new.id);
    let length = path.len().min(0xfff) as u16;
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(path.as_bytes());
    let padding = 8 - (out.len() - start) % 8;
    out.resize(out.len() + padding, 0);
}

/// The cache-tree extension `data` with each folder on the way to a staged path marked
/// as changed (an entry count of -1 and no tree id), as git marks them when it stages
/// a file; `None` when it does not read as one (it is then left out, which is only
/// slower for git's next commit).
fn invalidated_tree(data: &[u8], updates: &[&(&str, Option<NewEntry>)]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut at = Reader { bytes: data, at: 0 };
    // The folder each open node is, and how many of its subtrees are still to come.
    let mut open: Vec<(Vec<u8>, u64)> = Vec::new();
    loop {
        let folder = match open.last_mut() {
            None if at.at > 0 => break,
            None => Vec::new(),
            Some((_, 0)) => {
                open.pop();
                continue;
            }
            Some((folder, left)) => {
                *left -= 1;
                folder.clone()
            }
        };
        let name = at.until(0)?;
        let entries = at.until(b' ')?;
        let subtrees: u64 = std::str::from_utf8(at.until(b'\n')?).ok()?.parse().ok()?;
        let valid = std::str::from_utf8(entries).ok()?.parse::<i64>().ok()? >= 0;
        let id = if valid { Some(at.take(20)?) } else { None };
        let mut path = folder;
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let changed = path.is_empty()
            || updates.iter().any(|(staged, _)| {
                let staged = staged.as_bytes();
                staged.len() > path.len() && staged.starts_with(&path) && staged[path.len()] == b'/'
            });
        out.extend_from_slice(name);
        out.push(0);
        match id {
            Some(id) if !changed => {
                out.extend_from_slice(entries);
                out.extend_from_slice(format!(" {subtrees}\n").as_bytes());
                out.extend_from_slice(id);
            }
            _ => out.extend_from_slice(format!("-1 {subtrees}\n").as_bytes()),
        }
        open.push((path, subtrees));
    }
    (at.at == data.len()).then_some(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::git::Repo;
    use crate::git::testing::git;

    /// A committed repository (so git's index carries its cache tree) whose files are
    /// dated 2020, long before the index was written (none of its entries is racy),
    /// with one change staged by hand and one left unstaged.
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let files = [
            (".gitattributes", "*.csv text\n"),
            ("a.yaml", "a: 1\n"),
            ("dir/b.yaml", "b: 2\n"),
            ("dir/sub/c.yaml", "c: 3\n"),
            ("other/d.yaml", "d: 4\n"),
            ("z.md", "z\n"),
        ];
        for (name, text) in files {
            write_old(dir.path(), name, text);
        }
        git(dir.path(), &["add", "-A"]);
        git(dir.path(), &["commit", "-q", "-m", "start"]);
        // Another size: git compares times to the second where built without
        // nanoseconds, and these files all carry the same time.
        write_old(dir.path(), "other/d.yaml", "d: 55\n");
        git(dir.path(), &["add", "other/d.yaml"]);
        write_old(dir.path(), "z.md", "z, unstaged\n");
        dir
    }

    fn write_old(root: &Path, name: &str, text: &str) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let then = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800);
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(then).unwrap();
    }

    /// What staging `paths` writes to the index's scratch file, in place or through
    /// libgit2 (`None`: in place declined).
    fn staged(dir: &Path, paths: &[&str], in_place: bool) -> Option<Vec<u8>> {
        let repo = Repo::discover(dir).unwrap().unwrap();
        let workdir = repo.workdir().unwrap().to_path_buf();
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        let lock = repo.lock_index().unwrap();
        let lfs = repo.lfs_rules().unwrap();
        if in_place {
            repo.stage_in_place(&workdir, &paths, &lfs, &lock)
                .unwrap()?;
        } else {
            repo.stage_through_libgit2(&workdir, &paths, &lfs, &lock)
                .unwrap();
        }
        // Put in place, read, and put back as it was when the lock is dropped.
        lock.install().unwrap();
        Some(std::fs::read(dir.join(".git/index")).unwrap())
    }

    #[test]
    fn staging_in_place_writes_the_index_libgit2_writes() {
        let dir = repository();
        write_old(dir.path(), "dir/new.csv", "x,y\r\n1,2\r\n");
        write_old(dir.path(), "dir/b.yaml", "b: 22\n");
        std::fs::remove_file(dir.path().join("a.yaml")).unwrap();
        let paths = ["dir/new.csv", "dir/b.yaml", "a.yaml"];
        let through_libgit2 = staged(dir.path(), &paths, false).unwrap();
        let in_place = staged(dir.path(), &paths, true).expect("an index of the usual kind");
        assert_eq!(in_place, through_libgit2);
    }

    #[test]
    fn git_reads_the_index_staged_in_place_as_staged() {
        let dir = repository();
        write_old(dir.path(), "dir/sub/new.csv", "x,y\r\n");
        write_old(dir.path(), "dir/b.yaml", "b: 22\n");
        let index = staged(dir.path(), &["dir/sub/new.csv", "dir/b.yaml"], true).unwrap();
        std::fs::write(dir.path().join(".git/index"), index).unwrap();
        let staged = git(dir.path(), &["diff", "--cached", "--name-status"]);
        assert_eq!(
            staged,
            "M\tdir/b.yaml\nA\tdir/sub/new.csv\nM\tother/d.yaml\n"
        );
        let unstaged = git(dir.path(), &["diff", "--name-status"]);
        assert_eq!(unstaged, "M\tz.md\n");
        // The line endings went through git's filters as `git add` sends them.
        let blob = git(dir.path(), &["cat-file", "-p", ":dir/sub/new.csv"]);
        assert_eq!(blob, "x,y\n");
        // The cache tree no longer vouches for the folders that changed: the tree git
        // writes from the index holds the new files.
        let tree = git(dir.path(), &["write-tree"]);
        let listed = git(dir.path(), &["ls-tree", "-r", tree.trim()]);
        let b = git(dir.path(), &["rev-parse", ":dir/b.yaml"]);
        assert!(
            listed.contains(&format!("{}\tdir/b.yaml", b.trim())),
            "{listed}"
        );
        assert!(listed.contains("\tdir/sub/new.csv"), "{listed}");
        git(dir.path(), &["fsck", "--no-progress"]);
    }

    #[test]
    fn entries_changed_in_the_index_s_second_are_left_for_git_to_read_again() {
        let dir = repository();
        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        let new = NewEntry {
            words: [0, 0, 0, 0, 0, 0, 0o100644, 0, 0, 3],
            id: [7; 20],
        };
        // Written in 2020's second: every entry is as new as the index.
        let edited = edited(&bytes, 1_577_836_800, &[("n.yaml", Some(new))]).unwrap();
        let mut sizes = Vec::new();
        index_stat::walk(&edited, |e| sizes.push((e.path.to_vec(), e.words[9]))).unwrap();
        for (path, size) in &sizes {
            let expected = if path == b"n.yaml" { 3 } else { 0 };
            assert_eq!(*size, expected, "{}", String::from_utf8_lossy(path));
        }
        // git reads the files again and finds them unchanged.
        std::fs::write(dir.path().join(".git/index"), &edited).unwrap();
        git(dir.path(), &["rm", "-q", "--cached", "n.yaml"]);
        assert_eq!(git(dir.path(), &["diff", "--name-only"]), "z.md\n");
    }

    #[test]
    fn an_index_of_another_kind_is_left_to_libgit2() {
        let new = || NewEntry {
            words: [0, 0, 0, 0, 0, 0, 0o100644, 0, 0, 1],
            id: [1; 20],
        };
        let declined = |setup: &[&[&str]], path: &str| {
            let dir = repository();
            for args in setup {
                git(dir.path(), args);
            }
            let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
            edited(&bytes, 0, &[(path, Some(new()))]).is_none()
        };
        assert!(declined(
            &[&["update-index", "--index-version", "4"]],
            "n.yaml"
        ));
        assert!(declined(&[&["update-index", "--split-index"]], "n.yaml"));
        assert!(declined(
            &[&["update-index", "--assume-unchanged", "a.yaml"]],
            "a.yaml"
        ));
        assert!(declined(
            &[&["update-index", "--skip-worktree", "a.yaml"]],
            "a.yaml"
        ));
        // A file where a folder is needed, and a folder where a file is.
        assert!(declined(&[], "a.yaml/n.yaml"));
        assert!(declined(&[], "dir/sub"));
        assert!(!declined(&[], "dir/sub.yaml"));
        for odd in [
            "a//b.yaml",
            "/a.yaml",
            "dir/",
            "./a.yaml",
            "../a.yaml",
            ".git/x",
            "d/.GIT/x",
        ] {
            assert!(declined(&[], odd), "{odd}");
        }

        // What the caller then stages through libgit2: an index of version 4, a
        // symbolic link, `core.fileMode` off.
        let dir = repository();
        git(dir.path(), &["update-index", "--index-version", "4"]);
        assert_eq!(staged(dir.path(), &["a.yaml"], true), None);
        let dir = repository();
        std::os::unix::fs::symlink("a.yaml", dir.path().join("link.yaml")).unwrap();
        assert_eq!(staged(dir.path(), &["link.yaml"], true), None);
        let dir = repository();
        git(dir.path(), &["config", "core.fileMode", "false"]);
        assert_eq!(staged(dir.path(), &["a.yaml"], true), None);
        assert!(staged(dir.path(), &["a.yaml"], false).is_some());

        // A path in conflict: the index holds its stages 1 to 3.
        let dir = repository();
        let id = git(dir.path(), &["rev-parse", ":a.yaml"]);
        let mut stages = String::new();
        for stage in 1..=3 {
            stages.push_str(&format!("100644 {} {stage}\tn.yaml\n", id.trim()));
        }
        let mut child = std::process::Command::new("git")
            .args(["update-index", "--index-info"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stages.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        assert!(edited(&bytes, 0, &[("n.yaml", Some(new()))]).is_none());
        assert!(edited(&bytes, 0, &[("n.yaml", None)]).is_none());
        assert!(edited(&bytes, 0, &[("m.yaml", Some(new()))]).is_some());
    }

    #[test]
    fn a_damaged_index_is_declined_never_a_panic() {
        let dir = repository();
        let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
        let new = || NewEntry {
            words: [0; 10],
            id: [1; 20],
        };
        let paths = |index: &[u8]| {
            let mut paths = Vec::new();
            index_stat::walk(index, |e| paths.push(e.path.to_vec())).unwrap();
            paths
        };
        let mut expected = paths(&bytes);
        expected.push(b"n.yaml".to_vec());
        expected.sort();
        for cut in 0..bytes.len() {
            // Cut short: declined, or (cut where an extension ends, which only the
            // checksum git does not read would tell) every entry kept.
            if let Some(index) = edited(&bytes[..cut], 0, &[("n.yaml", Some(new()))]) {
                assert_eq!(paths(&index), expected, "cut at {cut}");
            }
        }
        let mut flipped = bytes.clone();
        for at in (0..flipped.len()).step_by(7) {
            flipped[at] ^= 0x5a;
            let _ = edited(&flipped, 0, &[("n.yaml", Some(new()))]);
        }
        // A cache tree that claims more folders than it holds is left out.
        let tree = b"\x001 99999999999\n";
        assert!(invalidated_tree(tree, &[&("a", None)]).is_none());
        let deep = b"\0-1 1\n".repeat(10_000);
        assert!(invalidated_tree(&deep, &[&("a", None)]).is_none());
    }
}
