//! The benchmark's lowest floor: open and read every file of a store, parse nothing.
//! The folders are listed first (one thread), then the files are read by `--threads`
//! threads, each into one reused buffer, as a C program would. No command that reads
//! the store can be faster than this on the same number of threads.
//!
//! cargo run --release --example read-files -- [--threads N] DIR

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            if entry.file_name() != ".git" {
                walk(&entry.path(), files)?;
            }
            continue;
        }
        files.push(entry.path());
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut threads = 1;
    let mut dir = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--threads takes a number");
            }
            _ => dir = Some(arg),
        }
    }
    let dir = dir.expect("usage: read-files [--threads N] DIR");
    let mut files = Vec::new();
    walk(Path::new(&dir), &mut files)?;
    let next = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| -> std::io::Result<()> {
                    let mut buffer = Vec::with_capacity(1 << 16);
                    let mut read = 0;
                    loop {
                        // Files are handed out in small batches, so both threads stay busy.
                        let start = next.fetch_add(64, Ordering::Relaxed);
                        if start >= files.len() {
                            break;
                        }
                        for path in &files[start..(start + 64).min(files.len())] {
                            buffer.clear();
                            std::fs::File::open(path)?.read_to_end(&mut buffer)?;
                            read += buffer.len();
                        }
                    }
                    bytes.fetch_add(read, Ordering::Relaxed);
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("a reader panicked"))
    })?;
    println!(
        "read {} files, {} bytes, on {threads} threads",
        files.len(),
        bytes.into_inner()
    );
    Ok(())
}
