//! The store: loading the YAML tree (from the working tree or a git revision) and
//! writing files back. The only module that reads or writes the store's files.

mod disk_cache;
pub mod edit;
mod generations;
pub mod input;
pub mod integrity;
mod load;
mod lock;
mod mapped;
pub mod package;
mod population;
pub mod records;
pub mod render;
mod source;
mod write;
mod yaml;

pub use disk_cache::{keep_file, keep_newest, kept_file};
pub use generations::Generations;
pub use load::{Loaded, ParseCache, load, load_cached};
pub use lock::IndexLock;
pub use mapped::Mapped;
pub use source::{DirEntry, KnownIds, MemoryTree, Source, WorkTree};
pub use write::{
    Existing, PendingWrite, ScratchFile, Staged, StagedFile, Written, append_outside, link_on_path,
    refuse_links, sweep_temp_files, write_atomic, write_dir, write_file,
};
pub use yaml::{from_yaml, parse, parse_all, parse_choice, parse_version, utf8};
