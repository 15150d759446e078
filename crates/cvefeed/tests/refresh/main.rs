//! End-to-end tests of `cvefeed refresh`: a mock GitHub (wiremock) or a
//! saved issues file on one side, a real directory on the other.

mod changelog;
mod changes;
mod cli;
#[path = "../store_support/faulty.rs"]
mod faulty;
mod github;
mod hostile;
mod offline;
mod records;
mod support;
