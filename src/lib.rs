//! cvefeed: the official, auto-refreshing Kubernetes CVE feed (KEP-3203).
//!
//! Data flows one way:
//!
//! ```text
//! github ──► advisory ──► feed ──► render ──► publish ──► store
//! ```
//!
//! - [`github`]: the REST edge (issues with the label, ETag cache, retries).
//! - [`advisory`]: the pure model of one CVE and how it is read from an issue.
//! - [`feed`]: ordering and change detection against the previous manifest.
//! - [`render`]: every published format, as pure functions of the feed.
//! - [`manifest`]: the bookkeeping documents (`manifest.json`, `status.json`).
//! - [`publish`]: the refresh pipeline and its all-or-nothing rule.
//! - [`serve`]: the HTTP server, webhook and metrics around the pipeline.
//! - [`store`]: where objects are written (a directory, or a bucket).
//! - [`hooks`]: build hooks after a publish, the alert after a failure.
//! - [`check`]: `cvefeed check`, whether a version or a cluster is affected.

pub mod advisory;
pub mod check;
pub mod feed;
pub mod github;
pub mod hooks;
pub mod manifest;
pub mod publish;
pub mod render;
pub mod serve;
pub mod store;
