//! The two bookkeeping documents published next to the feed:
//! `manifest.json` (the commit point: what is published, and the state the
//! next run compares against) and `status.json` (liveness, rewritten every
//! run). Pure types; reading and writing them is the pipeline's job.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::advisory::{CveId, UnparsedReason};

/// Name of the manifest object.
pub const MANIFEST: &str = "manifest.json";
/// Name of the status object.
pub const STATUS: &str = "status.json";

/// One published object, as the manifest lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    /// Hex sha256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Content type it was published with.
    pub content_type: String,
    /// Precompressed siblings of this object (`refresh --precompress`), by
    /// content coding. Absent when there are none, so manifests without it
    /// read as before, and readers that do not know it (they ignore
    /// unknown fields) see the same `objects` as before: the siblings are
    /// not objects of their own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub encodings: BTreeMap<Coding, EncodedEntry>,
}

/// A content coding of a precompressed sibling, named as `Content-Encoding`
/// names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Coding {
    /// gzip, in `NAME.gz`.
    #[serde(rename = "gzip")]
    Gzip,
    /// Brotli, in `NAME.br`.
    #[serde(rename = "br")]
    Brotli,
}

impl Coding {
    /// Every coding, in the order siblings are written.
    pub const ALL: [Coding; 2] = [Coding::Gzip, Coding::Brotli];

    /// The name of the sibling of `name` in this coding (`index.json.gz`),
    /// the names `gzip_static` and `brotli_static` look for.
    pub fn sibling(self, name: &str) -> String {
        match self {
            Coding::Gzip => format!("{name}.gz"),
            Coding::Brotli => format!("{name}.br"),
        }
    }
}

/// One precompressed sibling: its own name, hash and size (the content
/// type and every other property are its object's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedEntry {
    /// Object name of the sibling (`index.json.gz`).
    pub name: String,
    /// Hex sha256 of the compressed bytes.
    pub sha256: String,
    /// Size of the compressed bytes.
    pub size: u64,
}

/// What the previous run knew of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    /// Hex sha256 of the item's content (never of a time).
    pub content_hash: String,
    /// When that content was first published.
    pub date_modified: DateTime<Utc>,
}

/// `manifest.json`: written last, so a reader that follows it sees a
/// complete publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this document.
    pub manifest_version: u32,
    /// The tool that wrote it.
    pub generator: String,
    /// When the content last changed.
    pub updated_at: DateTime<Utc>,
    /// Hex sha256 over all item hashes and the feed settings.
    pub content_hash: String,
    /// The build and settings that rendered the objects
    /// ([`crate::render::SiteConfig::render_key`]). Objects whose inputs
    /// are unchanged are not rendered again unless this differs.
    #[serde(default)]
    pub render_key: String,
    /// Every published object, by name.
    pub objects: BTreeMap<String, ObjectEntry>,
    /// Per-item state for the next run's change detection.
    pub items: BTreeMap<CveId, ItemState>,
}

impl Manifest {
    /// Current format version.
    pub const VERSION: u32 = 1;
}

/// An issue that carried the label but gave no advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnparsedIssue {
    /// `owner/name`.
    pub repo: String,
    /// Issue number.
    pub number: u64,
    /// Title as written.
    pub title: String,
    /// Why nothing was published from it (`no_id` in documents written
    /// before reasons were recorded).
    #[serde(default)]
    pub reason: UnparsedReason,
}

/// How a refresh run ended, as `status.json` records it. A run that ends
/// with an error returns it rather than a summary, so only `status.json`
/// and metrics ever hold [`Outcome::Failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// New content was published.
    Published,
    /// Nothing changed; only `status.json` was written.
    Unchanged,
    /// Nothing was published because of an error.
    Failed,
}

impl Outcome {
    /// The name `status.json` uses: `published`, `unchanged` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Published => "published",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed => "failed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `status.json`: liveness of the refresh job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusDoc {
    /// Last time a refresh ran, whatever its outcome.
    pub last_check: DateTime<Utc>,
    /// Last time a refresh ended published or unchanged.
    pub last_success: Option<DateTime<Utc>>,
    /// Outcome of the last run.
    pub last_outcome: Outcome,
    /// Error of the last run, if it failed.
    pub last_error: Option<String>,
    /// Items in the published feed.
    pub item_count: usize,
    /// Labelled issues with no CVE id, in the last successful run.
    pub unparsed_issues: usize,
    /// Those issues.
    #[serde(default)]
    pub unparsed: Vec<UnparsedIssue>,
    /// CVEs whose CNA record could not be fetched or read in the last
    /// successful run (the cached record, or none, was used).
    #[serde(default)]
    pub cve_record_failures: usize,
    /// Those CVEs.
    #[serde(default)]
    pub cve_record_failed: Vec<CveId>,
    /// Audit findings in the published `audit.json`.
    #[serde(default)]
    pub audit_findings: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    const WITH_ENCODINGS: &str = r#"{"sha256":"aa","size":10,"content_type":"application/json",
        "encodings":{"gzip":{"name":"x.json.gz","sha256":"bb","size":5},
                     "br":{"name":"x.json.br","sha256":"cc","size":4}}}"#;

    #[test]
    fn encodings_are_optional_and_old_readers_ignore_them() {
        // A manifest entry written before the field existed.
        let old: ObjectEntry =
            serde_json::from_str(r#"{"sha256":"aa","size":10,"content_type":"application/json"}"#)
                .unwrap();
        assert!(old.encodings.is_empty());
        // ... is written back without it.
        assert_eq!(
            serde_json::to_string(&old).unwrap(),
            r#"{"sha256":"aa","size":10,"content_type":"application/json"}"#
        );
        let new: ObjectEntry = serde_json::from_str(WITH_ENCODINGS).unwrap();
        assert_eq!(new.encodings[&Coding::Gzip].name, "x.json.gz");
        assert_eq!(new.encodings[&Coding::Brotli].size, 4);
        // A reader with the entry as it was before (serde's default: unknown
        // fields ignored) reads the new entry.
        #[derive(Deserialize)]
        #[allow(dead_code, reason = "the fields are only read")]
        struct OldEntry {
            sha256: String,
            size: u64,
            content_type: String,
        }
        let read: OldEntry = serde_json::from_str(WITH_ENCODINGS).unwrap();
        assert_eq!(read.sha256, "aa");
        assert_eq!(Coding::Gzip.sibling("osv/all.zip"), "osv/all.zip.gz");
        assert_eq!(Coding::Brotli.sibling("index.html"), "index.html.br");
    }
}
