//! Embeds the starter library (the top-level `controls/` and `policies/`) into the
//! binary, so `soc2 init` writes exactly what this checkout holds and the two cannot
//! drift; and names the source the binary is built from (`SOC2_SOURCE_ID`), so that
//! the parse cache a build writes is read back by that build only.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut files = Vec::new();
    for dir in ["controls", "policies"] {
        println!("cargo:rerun-if-changed={dir}");
        let Ok(entries) = std::fs::read_dir(Path::new(&root).join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let wanted = name.ends_with(".yaml") || name.ends_with(".md");
            if wanted && entry.file_type().is_ok_and(|t| t.is_file()) {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    files.sort();
    let mut code = String::from(
        "/// The starter library: (path, content), sorted by path.\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let absolute = Path::new(&root).join(file);
        writeln!(
            code,
            "    ({file:?}, include_str!({:?})),",
            absolute.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("starter.rs");
    std::fs::write(out, code).expect("writing the starter library index");

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut sources = Vec::new();
    collect_files(&Path::new(&root).join("src"), &mut sources);
    sources.push(Path::new(&root).join("Cargo.lock"));
    sources.sort();
    // FNV-1a over the files' bytes: stable across builds and toolchains.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &sources {
        for byte in std::fs::read(file).unwrap_or_default() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=SOC2_SOURCE_ID={hash:016x}");
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect_files(&path, out),
            Ok(kind) if kind.is_file() => out.push(path),
            _ => {}
        }
    }
}
