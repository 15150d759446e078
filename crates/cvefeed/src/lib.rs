//! cvefeed: the official, auto-refreshing Kubernetes CVE feed (KEP-3203).
//!
//! Data flows one way:
//!
//! ```text
//! github ──► cvefeed_model (advisory ──► feed ──► render) ──► publish ──► store
//! ```
//!
//! The pure model (advisories, the feed, every format, the manifest) lives
//! in the [`cvefeed_model`] crate; this crate holds the I/O shells around it:
//!
//! - [`github`]: the REST edge (issues with the label, ETag cache, retries).
//! - [`cverecords`]: the CNA's CVE records (CVE Services API or a local
//!   directory, with a cache), the second source of every fact.
//! - [`publish`]: the refresh pipeline and its all-or-nothing rule.
//! - [`serve`]: the HTTP server, webhook and metrics around the pipeline.
//! - [`store`]: where objects are written (a directory, or a bucket).
//! - [`hooks`]: build hooks after a publish, the alert after a failure.
//! - [`check`]: `cvefeed check`, whether a version or a cluster is affected.
//! - [`verify`]: `cvefeed verify`, whether a publication is what its signer
//!   published; [`keys`]: key files and `cvefeed keygen`.
//!
//! Shared by the shells: [`http`] (how HTTP clients are built), [`retry`]
//! (the retry and backoff rules), [`error`] (how an error chain is
//! written) and [`fsread`] (reading a local file within a size limit).

pub mod check;
pub mod compress;
pub mod cverecords;
pub mod error;
pub mod fsread;
pub mod github;
pub mod hooks;
pub mod http;
pub mod keys;
pub mod publish;
pub mod retry;
pub mod serve;
pub mod store;
pub mod verify;
