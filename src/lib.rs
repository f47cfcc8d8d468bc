#![warn(unreachable_pub)]
//! soc2: a git repository of YAML files as a SOC 2 program.
//!
//! This crate is the core: everything but the command line, which is a thin binary
//! on top (`src/commands/`). Its face, each returning plain serialisable data:
//!
//! - [`store::load`]: read and validate the store from the working tree
//!   ([`store::WorkTree`]) or a revision ([`git::Repo::tree_source`]);
//!   [`audit::load_audited`] adds evidence integrity and history findings.
//! - [`history::read`]: the store's past from git, as data;
//!   [`readiness::assess`]: readiness of the loaded store and its history on a day
//!   (pure);
//!   [`readiness::due::due`]: the work falling due.
//! - [`gate::judge`]: the CI verdict; [`diff::compare`]: what a change does to
//!   readiness; [`trail::read`]: the audit trail; [`links::find`]: one record and what
//!   links to it.
//! - [`program::assess`]: the 20 steps of the program, derived from the store
//!   ([`program::gather::view`] reads what its sign-offs cover).
//! - [`oscal::documents`]: the store and its readiness as OSCAL documents.
//! - [`report`]: the renderers (tables, Markdown, JSON) of those results.
//! - [`change`]: the one way to change the store, as one git commit.
//! - [`collect::plan`]: which collectors are due; [`process::run`]: running one;
//!   [`secrets::scan`]: credentials in evidence, found before they are committed.
//!
//! ```
//! use soc2::model::{Date, History};
//! use soc2::{readiness, store};
//!
//! // This crate's own checkout is a demonstration store. Without its git history,
//! // every day is judged on the store as it is (`history::read` gives the history).
//! let loaded = store::load(&store::WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
//! assert!(!loaded.has_errors());
//! let today = Date::from_ymd(2026, 11, 23);
//! let assessment = readiness::assess(&loaded.store, today, &History::default());
//! println!(
//!     "{}: {:.1}% of {} criteria met",
//!     assessment.organisation, assessment.overall.readiness, assessment.overall.total
//! );
//! ```

pub mod audit;
pub mod catalog;
pub mod change;
pub mod collect;
pub mod diff;
pub mod duties;
pub mod export;
pub mod findings;
pub mod gate;
pub mod git;
pub mod history;
pub mod internal_audit;
pub mod links;
mod locate;
pub mod model;
mod near;
pub mod oscal;
pub mod process;
pub mod program;
pub mod readiness;
pub mod report;
pub mod requests;
mod rules;
pub mod schema;
pub mod secrets;
pub mod starter;
pub mod store;
pub mod suggest;
pub mod system;
pub mod timeline;
pub mod trail;
mod validate;

use std::fmt;

/// Debug builds only: `SOC2_DEBUG_CRASH=<point>` stops the process dead at that point
/// of a change (`locked`, `temp-written`, `written`, `committed`), as `kill -9` would,
/// so that tests can check what an interrupted command leaves and how the next one
/// recovers.
pub(crate) fn crash_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("SOC2_DEBUG_CRASH").is_ok_and(|v| v == point) {
        std::process::abort();
    }
    let _ = point;
}

/// An error the user can fix, with a hint saying how. Printed as `error:` then `hint:`.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: String,
}

impl Hinted {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Hinted {
        Hinted {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}
