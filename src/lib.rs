//! soc2: a git-native SOC 2 readiness tracker.
//!
//! `model` holds the file formats, `store` reads and writes them, `validate` and
//! `readiness` are pure functions of the loaded store, `report` renders results, `git`
//! is the only module that talks to git, and `commands` ties them to the CLI.

pub mod audit;
pub mod catalog;
pub mod change;
pub mod diff;
pub mod findings;
pub mod gate;
pub mod git;
pub mod history;
pub mod links;
mod locate;
pub mod model;
pub mod readiness;
pub mod report;
pub mod rules;
pub mod schema;
pub mod starter;
pub mod store;
pub mod suggest;
pub mod trail;
pub mod validate;

use std::fmt;

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
