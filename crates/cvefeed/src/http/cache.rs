//! The one conditional-GET cache: answers kept with their validators
//! (`ETag`, `Last-Modified`), sent back as `If-None-Match` /
//! `If-Modified-Since`, so that an unchanged resource costs a `304 Not
//! Modified` (free of GitHub's rate limit, no body).
//!
//! This module owns the exchange's rules, once for every cache: which
//! validators a `200` leaves ([`Received::of`], each cut to
//! [`MAX_VALIDATOR_CHARS`]), which conditional headers an entry asks with
//! ([`Validators`], none for an entry without a validator), and what an
//! answer leaves in the cache ([`Answer::settle`]: the new entry on `200`,
//! the kept one on `304`, an error on a `304` for an entry not kept). The
//! entries themselves are the callers' ([`Entry`]): the GitHub page cache
//! ([`crate::github::PageCache`]) keeps parsed issues, the CVE record
//! cache ([`crate::cverecords`]) keeps record JSON, each in its own
//! on-disk format, which [`ConditionalCache`] serializes as a plain map so
//! that the files written before it still load. Keys are request URLs or
//! ids: callers keep secrets out of them ([`mod@super::redact`]). It sends no
//! request and reads no store.

use std::collections::BTreeMap;

use reqwest::header::{self, HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};

/// The longest validator kept, in characters; a longer one is cut (and no
/// longer matches, so the resource is sent again in full).
pub const MAX_VALIDATOR_CHARS: usize = 256;

/// The validators an entry is asked for again with. Empty ones are not
/// sent: an entry without a validator is asked for unconditionally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validators<'a> {
    /// The `ETag` the answer came with, sent as `If-None-Match`.
    pub etag: Option<&'a str>,
    /// The `Last-Modified` the answer came with, sent as
    /// `If-Modified-Since`.
    pub last_modified: Option<&'a str>,
}

impl<'a> Validators<'a> {
    /// The conditional headers to send, in this order: `If-None-Match`,
    /// then `If-Modified-Since`; none for an absent or empty validator.
    pub fn headers(&self) -> Vec<(HeaderName, &'a str)> {
        [
            (header::IF_NONE_MATCH, self.etag),
            (header::IF_MODIFIED_SINCE, self.last_modified),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.filter(|v| !v.is_empty())?)))
        .collect()
    }

    /// `request` with [the conditional headers](Validators::headers).
    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.headers()
            .into_iter()
            .fold(request, |request, (name, value)| {
                request.header(name, value)
            })
    }
}

/// The validators a `200` answer came with, to keep with its entry: each
/// header that is text, cut to [`MAX_VALIDATOR_CHARS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
}

impl Received {
    /// The validators in `headers`.
    pub fn of(headers: &HeaderMap) -> Received {
        let text = |name: HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(MAX_VALIDATOR_CHARS).collect::<String>())
        };
        Received {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        }
    }
}

/// One kept answer: whatever a cache stores of it (a body, a parsed value),
/// and the validators it came with.
pub trait Entry {
    /// The validators to ask again with; [`Validators::default`] (no
    /// conditional header) for an entry that cannot answer a `304`, such
    /// as a kept "not found".
    fn validators(&self) -> Validators<'_>;
}

/// What the server answered, as far as the cache is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<V> {
    /// `200`: the new entry, built from the body and [`Received::of`] its
    /// headers.
    Modified(V),
    /// `304 Not Modified`: the kept entry stands.
    NotModified,
}

/// The entry an answer leaves, and whether it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled<V> {
    /// The entry to use and keep.
    pub entry: V,
    /// `true` for a `200`, `false` for a `304`.
    pub fresh: bool,
}

/// A `304 Not Modified` for an entry the cache does not hold (it was asked
/// unconditionally, or the server is confused): there is nothing to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("answered 304 Not Modified, but the cache has no copy")]
pub struct NoCachedCopy;

impl<V> Answer<V> {
    /// The entry to use after this answer, given the one `kept` (the entry
    /// the request was made conditional on).
    pub fn settle(self, kept: Option<V>) -> Result<Settled<V>, NoCachedCopy> {
        match self {
            Answer::Modified(entry) => Ok(Settled { entry, fresh: true }),
            Answer::NotModified => kept
                .map(|entry| Settled {
                    entry,
                    fresh: false,
                })
                .ok_or(NoCachedCopy),
        }
    }
}

/// Entries by key (a request URL, an id), in key order. Serialized as the
/// map alone (`{"key": entry, …}`), so the caller's wrapper decides the
/// file's outer shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
#[serde(bound(
    serialize = "K: Ord + Serialize, V: Serialize",
    deserialize = "K: Ord + Deserialize<'de>, V: Deserialize<'de>"
))]
pub struct ConditionalCache<K, V> {
    entries: BTreeMap<K, V>,
}

impl<K, V> Default for ConditionalCache<K, V> {
    fn default() -> Self {
        ConditionalCache {
            entries: BTreeMap::new(),
        }
    }
}

impl<K: Ord, V: Entry> ConditionalCache<K, V> {
    /// The entry of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key)
    }

    /// The conditional headers to ask for `key` with: none when the cache
    /// holds no entry for it, or one without validators.
    pub fn validators(&self, key: &K) -> Validators<'_> {
        self.get(key).map(Entry::validators).unwrap_or_default()
    }

    /// Keep `entry` for `key`, replacing any other.
    pub fn insert(&mut self, key: K, entry: V) {
        self.entries.insert(key, entry);
    }

    /// Take the entry of `key` out (to answer a `304` with it, without a
    /// copy).
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<K: Ord, V> Extend<(K, V)> for ConditionalCache<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        self.entries.extend(entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use reqwest::header::HeaderValue;

    /// A kept body with its validators, as a cache would hold it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        etag: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_modified: Option<String>,
        text: String,
    }

    impl Body {
        fn of(received: Received, text: &str) -> Body {
            Body {
                etag: received.etag,
                last_modified: received.last_modified,
                text: text.into(),
            }
        }
    }

    impl Entry for Body {
        fn validators(&self) -> Validators<'_> {
            Validators {
                etag: self.etag.as_deref(),
                last_modified: self.last_modified.as_deref(),
            }
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    HeaderName::from_static(k),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    const URL: &str = "https://feeds.example/index.json";

    #[test]
    fn a_200_is_stored_with_its_validators_and_asked_again_with_them() {
        let mut cache = ConditionalCache::<String, Body>::default();
        let received = Received::of(&headers(&[
            ("etag", "W/\"v1\""),
            ("last-modified", "Tue, 01 Jul 2031 00:00:00 GMT"),
            ("content-type", "application/json"),
        ]));
        let entry = Body::of(received, "one");
        let settled = Answer::Modified(entry.clone()).settle(None).unwrap();
        assert_eq!(
            settled,
            Settled {
                entry: entry.clone(),
                fresh: true
            }
        );
        cache.insert(URL.into(), settled.entry);
        assert_eq!(cache.len(), 1);
        assert_eq!(
            cache.validators(&URL.into()).headers(),
            [
                (header::IF_NONE_MATCH, "W/\"v1\""),
                (header::IF_MODIFIED_SINCE, "Tue, 01 Jul 2031 00:00:00 GMT"),
            ]
        );
        // A 200 replaces what was kept, even with a copy at hand.
        let newer = Body::of(Received::default(), "two");
        let settled = Answer::Modified(newer.clone()).settle(Some(entry));
        assert_eq!(
            settled,
            Ok(Settled {
                entry: newer,
                fresh: true
            })
        );
    }

    #[test]
    fn a_304_reuses_the_kept_entry() {
        let mut cache = ConditionalCache::<String, Body>::default();
        let entry = Body::of(Received::of(&headers(&[("etag", "\"v1\"")])), "one");
        cache.insert(URL.into(), entry.clone());
        let kept = cache.remove(&URL.into());
        assert!(cache.is_empty());
        assert_eq!(
            Answer::NotModified.settle(kept),
            Ok(Settled {
                entry: entry.clone(),
                fresh: false
            })
        );
        // Nothing kept: the 304 cannot be used.
        assert_eq!(Answer::<Body>::NotModified.settle(None), Err(NoCachedCopy));
        assert_eq!(
            NoCachedCopy.to_string(),
            "answered 304 Not Modified, but the cache has no copy"
        );
    }

    #[test]
    fn no_validator_means_no_conditional_header() {
        let cache = ConditionalCache::<String, Body>::default();
        assert_eq!(cache.validators(&URL.into()), Validators::default());
        assert_eq!(cache.validators(&URL.into()).headers(), []);
        let received = Received::of(&headers(&[("content-type", "text/plain")]));
        assert_eq!(received, Received::default());
        let entry = Body::of(received, "one");
        assert_eq!(entry.validators().headers(), []);
        let empty = Validators {
            etag: Some(""),
            last_modified: None,
        };
        assert_eq!(empty.headers(), []);
        let only_date = Validators {
            etag: None,
            last_modified: Some("Tue, 01 Jul 2031 00:00:00 GMT"),
        };
        assert_eq!(
            only_date.headers(),
            [(header::IF_MODIFIED_SINCE, "Tue, 01 Jul 2031 00:00:00 GMT")]
        );
    }

    #[test]
    fn a_long_validator_is_cut() {
        let long = "x".repeat(300);
        let received = Received::of(&headers(&[("etag", &long)]));
        assert_eq!(received.etag, Some("x".repeat(MAX_VALIDATOR_CHARS)));
    }

    #[test]
    fn the_cache_is_written_as_a_plain_map_and_reads_back() {
        let old = r#"{"https://a.example/1":{"etag":"\"e1\"","text":"one"},"https://a.example/2":{"text":"two"}}"#;
        let cache: ConditionalCache<String, Body> = serde_json::from_str(old).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.validators(&"https://a.example/1".into()).etag,
            Some("\"e1\"")
        );
        assert_eq!(serde_json::to_string(&cache).unwrap(), old);
    }
}
