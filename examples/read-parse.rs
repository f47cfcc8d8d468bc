//! The benchmark floor: read every file of a store and YAML-parse every `.yaml` file,
//! in one thread, with serde_yaml into untyped values. `soc2 status` and `soc2 check`
//! do all of this and more, so this is the speed to beat.
//!
//! cargo run --release --example read-parse -- DIR

use std::path::Path;

fn walk(dir: &Path, files: &mut usize, parsed: &mut usize) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if entry.file_name() != ".git" {
                walk(&path, files, parsed)?;
            }
            continue;
        }
        let bytes = std::fs::read(&path)?;
        *files += 1;
        if path.extension().is_some_and(|e| e == "yaml") {
            let value: serde_yaml::Value =
                serde_yaml::from_slice(&bytes).map_err(std::io::Error::other)?;
            std::hint::black_box(value);
            *parsed += 1;
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).expect("usage: read-parse DIR");
    let (mut files, mut parsed) = (0, 0);
    walk(Path::new(&dir), &mut files, &mut parsed)?;
    println!("read {files} files, parsed {parsed} YAML files");
    Ok(())
}
