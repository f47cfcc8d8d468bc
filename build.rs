//! Embeds the starter library (the top-level `controls/` and `policies/`) into the
//! binary, so `soc2 init` writes exactly what this checkout holds and the two cannot
//! drift.

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
}
