//! CLI tests: the real binary on temporary git repositories. One test binary, one
//! module per command.

mod common;
mod fixtures;

mod approve;
mod check;
mod commits;
mod control;
mod criteria;
mod demo;
mod evidence;
mod generator;
mod history;
mod init;
mod internal;
mod judged;
mod lifecycle;
mod load_errors;
mod oscal;
mod policy;
mod program;
mod readiness;
mod schema;
mod starter;
mod status;
mod structure;
mod system;
mod vendors;
