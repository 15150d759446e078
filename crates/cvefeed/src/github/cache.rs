//! The page cache of the issue listing: each listing page fetched, by
//! request URL, with its ETag, so that the next run asks with
//! `If-None-Match` and an unchanged page costs a 304, free of the rate
//! limit. Stored beside the feed as `{"pages": {"URL": {…}}}`.
//!
//! This module owns the entry ([`CachedPage`]) and that on-disk format, a
//! [`ConditionalCache`] of the shared conditional-GET rules
//! ([`crate::http::cache`]). Its keys are request URLs, which never hold a
//! user name or password (the client takes them out of the API base). It
//! sends no request and never reads or writes the store (the refresh
//! pipeline does).

use serde::{Deserialize, Serialize};

use super::Issue;
use crate::http::cache::{ConditionalCache, Entry, Validators};

/// One cached page: its ETag, the issues it held and its `next` link.
/// The ETag is written even when empty (GitHub sent none), as before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedPage {
    /// The ETag GitHub sent with the page.
    pub etag: String,
    /// The page's issues (pull requests are dropped before caching).
    pub issues: Vec<Issue>,
    /// The `Link: rel="next"` URL, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// ETag cache of listing pages, keyed by request URL. Stored next to the
/// feed so that the next run can send `If-None-Match`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageCache {
    /// Pages by URL.
    pub pages: ConditionalCache<String, CachedPage>,
}

impl Entry for CachedPage {
    /// The page's ETag; an empty one (GitHub sent none) asks unconditionally.
    fn validators(&self) -> Validators<'_> {
        Validators {
            etag: Some(&self.etag),
            last_modified: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use reqwest::header;

    /// A page cache as the versions before the shared cache type wrote it.
    const OLD_FILE: &str = concat!(
        r#"{"pages":{"https://api.github.com/repos/o/r/issues?labels=l&state=all&per_page=100":"#,
        r#"{"etag":"W/\"p1\"","issues":[{"number":7,"title":"CVE-2031-1001: x","body":null,"#,
        r#""html_url":"https://github.com/o/r/issues/7","state":"open","state_reason":null,"#,
        r#""created_at":"2031-01-01T00:00:00Z","labels":[{"name":"l"}]}],"#,
        r#""next":"https://api.github.com/repositories/1/issues?page=2"},"#,
        r#""https://api.github.com/repositories/1/issues?page=2":{"etag":"","issues":[]}}}"#
    );

    #[test]
    fn a_page_cache_written_before_loads_and_is_written_back_byte_for_byte() {
        let cache: PageCache = serde_json::from_str(OLD_FILE).unwrap();
        assert_eq!(cache.pages.len(), 2);
        let first = "https://api.github.com/repos/o/r/issues?labels=l&state=all&per_page=100";
        let page = cache.pages.get(&first.to_string()).unwrap();
        assert_eq!(page.issues[0].number, 7);
        assert_eq!(
            page.next.as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        assert_eq!(
            cache.pages.validators(&first.to_string()).headers(),
            [(header::IF_NONE_MATCH, "W/\"p1\"")]
        );
        // A page GitHub sent without an ETag is asked for unconditionally.
        let second = "https://api.github.com/repositories/1/issues?page=2".to_string();
        assert_eq!(cache.pages.validators(&second).headers(), []);
        assert_eq!(serde_json::to_string(&cache).unwrap(), OLD_FILE);
    }
}
