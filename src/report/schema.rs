//! `soc2 schema`: the kinds of store files and where their schemas live.

use crate::schema::Kind;

pub fn render_kinds() -> String {
    let mut out = String::from("Schemas of the store's files (`soc2 schema KIND` prints one):\n");
    for kind in Kind::ALL {
        out.push_str(&format!(
            "  {:<9} {:<40} {}\n",
            kind.name(),
            kind.files(),
            kind.path()
        ));
    }
    out
}
