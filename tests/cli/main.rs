//! CLI tests: the real binary on temporary git repositories. One test binary, one
//! module per command.

mod common;
mod fixtures;

mod criteria;
mod load_errors;
mod status;
