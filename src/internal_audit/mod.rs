//! Internal audit: the population of a control's occurrences, seeded samples, control
//! tests and their conclusions, findings and their remediation, and the results of a
//! period. Pure functions of the loaded store (and its history, for who wrote what);
//! the commands read and write the files.

pub mod lifecycle;
pub mod population;
pub mod results;
pub mod sampling;
pub mod testing;

pub use population::{Population, PopulationItem, population, populations};
pub use results::{AuditResults, FindingSummary, TestSummary, audit_results};
