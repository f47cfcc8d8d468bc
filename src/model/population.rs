use serde::{Deserialize, Serialize};

use super::Date;

/// `populations/<CONTROL>/<PERIOD-OR-WINDOW>.csv`: the events a per-event control acts
/// on (every production change, hire or termination), one row each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationFile {
    pub path: String,
    /// The control, from the folder's name.
    pub control: String,
    pub rows: Vec<PopulationRow>,
}

/// One event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationRow {
    pub id: String,
    pub date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The row's line in its file.
    pub line: usize,
}
