//! CLI tests: the real binary on temporary git repositories. One test binary, one
//! module per command.

mod common;
mod fixtures;

mod approve;
mod cache;
mod cases;
mod check;
mod collect;
mod commits;
mod control;
mod criteria;
mod demo;
mod evidence;
mod export;
mod generator;
mod history;
mod init;
mod internal;
mod internal_audit;
mod judged;
mod lifecycle;
mod links;
mod load_errors;
mod mutations;
mod oscal;
mod policy;
mod program;
mod quickstart;
mod readiness;
mod report;
mod requests;
mod safety;
mod schema;
mod secrets;
mod starter;
mod status;
mod structure;
mod system;
mod vendors;
