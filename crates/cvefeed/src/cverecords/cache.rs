//! The CVE record cache ([`CACHE`]): records fetched from the CVE Services
//! API, by CVE id, each with the validators it came with, kept in the store
//! between runs as `{"records": {"CVE-…": {…}}}`.
//!
//! This module owns the entry's fields and that on-disk format (a
//! [`ConditionalCache`] of the shared conditional-GET rules), and reading
//! it from the store, where an unreadable cache is an empty one. When an
//! entry is due, and fetching, belong to the parent module; it never writes
//! the store (the plan stores the cache the fetch returns).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Chain;
use crate::http::cache::{ConditionalCache, Entry, Validators};
use crate::store::Store;
use cvefeed_model::advisory::CveId;

/// Name of the record cache object (not part of the publication).
pub const CACHE: &str = ".cache/cve-records.json";

/// One cached record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedRecord {
    /// When it was last fetched or revalidated.
    pub fetched_at: DateTime<Utc>,
    /// The server's `ETag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The server's `Last-Modified`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The record's `cveMetadata.dateUpdated`, for people reading the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    /// The record's JSON; `None` when the API answered 404.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

impl Entry for CachedRecord {
    /// The validators of a kept record; none for a kept 404, which is
    /// asked for again unconditionally.
    fn validators(&self) -> Validators<'_> {
        if self.record.is_none() {
            return Validators::default();
        }
        Validators {
            etag: self.etag.as_deref(),
            last_modified: self.last_modified.as_deref(),
        }
    }
}

/// The record cache, by CVE id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordCache {
    /// Records by id.
    pub records: ConditionalCache<CveId, CachedRecord>,
}

/// The cache in `store`; an absent or unreadable one is empty (every record
/// is fetched again), with a warning for the unreadable one.
pub(super) async fn read_cache(store: &dyn Store) -> RecordCache {
    match store.get(CACHE).await {
        Ok(Some(f)) => serde_json::from_slice(&f.bytes)
            .inspect_err(|e| tracing::warn!(error = %e, "ignoring an unreadable CVE record cache"))
            .unwrap_or_default(),
        Ok(None) => RecordCache::default(),
        Err(e) => {
            tracing::warn!(error = %Chain(&e), "cannot read the CVE record cache; fetching every record");
            RecordCache::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use reqwest::header;

    /// A cache file as the versions before the shared cache type wrote it.
    const OLD_FILE: &str = concat!(
        r#"{"records":{"CVE-2031-1001":{"fetched_at":"2031-02-10T00:00:00Z","etag":"\"r1\"","#,
        r#""last_modified":"Mon, 10 Feb 2031 00:00:00 GMT","date_updated":"2031-02-09T00:00:00.000Z","#,
        r#""record":"{}"},"CVE-2031-1002":{"fetched_at":"2031-02-10T00:00:00Z","etag":"\"gone\""}}}"#
    );

    #[test]
    fn a_cache_file_written_before_loads_and_is_written_back_byte_for_byte() {
        let cache: RecordCache = serde_json::from_str(OLD_FILE).unwrap();
        assert_eq!(cache.records.len(), 2);
        let found: CveId = "CVE-2031-1001".parse().unwrap();
        assert_eq!(
            cache.records.get(&found).unwrap().date_updated.as_deref(),
            Some("2031-02-09T00:00:00.000Z")
        );
        assert_eq!(
            cache.records.validators(&found).headers(),
            [
                (header::IF_NONE_MATCH, "\"r1\""),
                (header::IF_MODIFIED_SINCE, "Mon, 10 Feb 2031 00:00:00 GMT"),
            ]
        );
        // A kept 404 is asked for again without a condition.
        let gone: CveId = "CVE-2031-1002".parse().unwrap();
        assert_eq!(cache.records.validators(&gone).headers(), []);
        assert_eq!(serde_json::to_string(&cache).unwrap(), OLD_FILE);
    }
}
