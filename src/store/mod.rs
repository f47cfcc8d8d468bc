//! The store: loading the YAML tree (from the working tree or a git revision) and
//! writing files back. The only module that reads or writes the store's files.

pub mod edit;
pub mod input;
pub mod integrity;
mod load;
mod population;
pub mod records;
pub mod render;
mod source;
mod write;
mod yaml;

pub use load::{Loaded, ParseCache, load, load_cached};
pub use source::{DirEntry, Source, WorkTree};
pub use write::{Existing, PendingWrite, write_atomic, write_dir};
pub use yaml::{from_yaml, parse, parse_choice, parse_version, utf8};
