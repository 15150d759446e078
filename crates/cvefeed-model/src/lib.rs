//! The model of the Kubernetes CVE feed: what an official CVE is, how it is
//! read from an announcement, and every format it is published in.
//!
//! Everything here is a function of values. This crate depends on no async
//! runtime, HTTP client, server or object store, so the promise that
//! parsing and rendering never touch the network, a disk or the clock is
//! kept by the compiler: the caller passes `now` and gets bytes back.
//!
//! ```text
//! Issue ──► advisory ──► feed ──► render ──► Artifact (bytes + content type)
//!                         ▲
//!                manifest (the previous publication)
//! ```
//!
//! - [`advisory`]: one CVE and how it is read from an announcing issue.
//! - [`cve5`]: the CNA's CVE records: reading, merging, the audit.
//! - [`feed`]: ordering and change detection against the previous manifest.
//! - [`render`]: every published format.
//! - [`manifest`]: the bookkeeping documents (`manifest.json`, `status.json`).
//! - [`plan`]: what a refresh writes, carries over and removes, decided from
//!   the previous publication.
//! - [`releases`]: when each Kubernetes minor line was supported.
//! - [`wire`]: the JSON shapes shared by the writer and readers of the feed.
//! - [`changes`]: the change log, event by event, and its retention.
//! - [`check`]: the rules of `cvefeed check`: the verdict of an installed
//!   version against the feed's entries, the remediation and the exit rule.
//! - [`signature`]: signing and verifying the manifest's bytes (cosign's
//!   `sign-blob` format).
//! - [`verdict`]: what a source says of one version: affected, not
//!   affected, or unknown and why.

pub mod advisory;
pub mod changes;
pub mod check;
pub mod cve5;
pub mod feed;
pub mod manifest;
pub mod plan;
pub mod releases;
pub mod render;
pub mod signature;
pub mod verdict;
pub mod wire;

#[cfg(test)]
mod testing;

/// How many characters of outside text (an issue, a CVE record, a feed
/// read back) an error or a warning quotes.
pub(crate) const QUOTED_CHARS: usize = 64;

/// The first [`QUOTED_CHARS`] characters of `text`: outside text quoted in
/// an error or a warning, never copied whole.
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(QUOTED_CHARS).collect()
}
