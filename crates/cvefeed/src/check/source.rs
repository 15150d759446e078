//! Reading a feed for `check`: from a published store, an `index.json`
//! file or a URL (with an ETag cache, so a repeated check costs a 304), and
//! turning its items into [`FeedEntry`] values.
//!
//! The feed is read with the model's [`cvefeed_model::wire`] types, the
//! same ones the feed is written with. The structured `_kubernetes_io`
//! data is used when present; otherwise the body parser
//! ([`vuln::extract`]) is run on `content_text`. Parsing ([`parse_feed`])
//! is pure; fetching ([`load`]) is the I/O edge. Nothing here writes to a
//! store.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::version::parse_range_version;
use super::{CheckError, FeedEntry, Origin, RangeData, SeverityInfo};
use crate::http::{self, Redirects};
use crate::store;
use cvefeed_model::advisory::CveId;
use cvefeed_model::advisory::vuln::{self, Affected, VersionRange};
use cvefeed_model::wire::{AffectedRange, Document, Item};

/// The feed `check` reads when no `--feed` is given.
pub const DEFAULT_FEED: &str =
    "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json";

/// Where a feed comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedLocation {
    /// An `index.json` served over HTTP(S).
    Url(url::Url),
    /// A JSON Feed file.
    File(PathBuf),
    /// A published store (directory, `file://`, later buckets): its `index.json`.
    Store(String),
}

impl FeedLocation {
    /// Classify `--feed`: `http(s)://` is a URL; a path (or `file://` path)
    /// to an existing file, or to a not existing `*.json`, is a feed file;
    /// anything else is a store location.
    pub fn parse(location: &str) -> Result<FeedLocation, CheckError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return url::Url::parse(location)
                .map(FeedLocation::Url)
                .map_err(|source| CheckError::FeedUrl {
                    location: location.to_string(),
                    source,
                });
        }
        let path = Path::new(location.strip_prefix("file://").unwrap_or(location));
        if path.is_file() || (!path.is_dir() && path.extension().is_some_and(|e| e == "json")) {
            return Ok(FeedLocation::File(path.to_path_buf()));
        }
        Ok(FeedLocation::Store(location.to_string()))
    }

    /// The location in words.
    pub fn describe(&self) -> String {
        match self {
            FeedLocation::Url(u) => u.to_string(),
            FeedLocation::File(p) => p.display().to_string(),
            FeedLocation::Store(s) => s.clone(),
        }
    }
}

/// How a URL feed was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Read from a file or a store.
    Local,
    /// Downloaded in full.
    Downloaded,
    /// The server answered 304; the cached copy was used.
    NotModified,
}

/// The bytes of a feed and how they were obtained.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The JSON bytes.
    pub bytes: Vec<u8>,
    /// How they were obtained.
    pub freshness: Freshness,
    /// Problems that did not stop the load (e.g. an unwritable cache).
    pub warnings: Vec<String>,
}

/// Settings for fetching a URL feed.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Where fetched feeds and their ETags are kept; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Timeout of the request.
    pub timeout: Duration,
}

/// A cached download of one URL.
#[derive(Debug, Serialize, Deserialize)]
struct CacheEntry {
    url: String,
    etag: String,
    body: String,
}

fn cache_path(dir: &Path, url: &url::Url) -> PathBuf {
    let digest = hex::encode(Sha256::digest(url.as_str().as_bytes()));
    dir.join(format!("feed-{}.json", &digest[..32]))
}

fn read_cache(path: &Path, url: &url::Url) -> Option<CacheEntry> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice::<CacheEntry>(&bytes)
        .ok()
        .filter(|e| e.url == url.as_str())
}

fn write_cache(path: &Path, entry: &CacheEntry) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Read the feed at `location`.
pub async fn load(location: &FeedLocation, options: &FetchOptions) -> Result<Loaded, CheckError> {
    match location {
        FeedLocation::File(path) => std::fs::read(path)
            .map(|bytes| Loaded {
                bytes,
                freshness: Freshness::Local,
                warnings: Vec::new(),
            })
            .map_err(|source| CheckError::FeedRead {
                location: path.display().to_string(),
                source,
            }),
        FeedLocation::Store(loc) => {
            let store = store::open(loc).map_err(CheckError::FeedStore)?;
            match store
                .get("index.json")
                .await
                .map_err(CheckError::FeedStore)?
            {
                Some(fetched) => Ok(Loaded {
                    bytes: fetched.bytes,
                    freshness: Freshness::Local,
                    warnings: Vec::new(),
                }),
                None => Err(CheckError::FeedMissing {
                    location: store.location(),
                }),
            }
        }
        FeedLocation::Url(url) => fetch_url(url, options).await,
    }
}

async fn fetch_url(url: &url::Url, options: &FetchOptions) -> Result<Loaded, CheckError> {
    let fetch_err = |source: reqwest::Error| CheckError::FeedFetch {
        url: url.to_string(),
        source: source.without_url(),
    };
    let client = http::builder(options.timeout, Redirects::Follow)
        .build()
        .map_err(CheckError::HttpClient)?;
    let path = options.cache_dir.as_deref().map(|d| cache_path(d, url));
    let cached = path.as_deref().and_then(|p| read_cache(p, url));
    let mut request = client.get(url.clone());
    if let Some(entry) = &cached {
        request = request.header(IF_NONE_MATCH, &entry.etag);
    }
    let response = request.send().await.map_err(fetch_err)?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return match cached {
            Some(entry) => Ok(Loaded {
                bytes: entry.body.into_bytes(),
                freshness: Freshness::NotModified,
                warnings: Vec::new(),
            }),
            None => Err(CheckError::FeedNotModified {
                url: url.to_string(),
            }),
        };
    }
    if !status.is_success() {
        return Err(CheckError::FeedStatus {
            url: url.to_string(),
            status: status.as_u16(),
        });
    }
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = response.bytes().await.map_err(fetch_err)?.to_vec();
    let mut warnings = Vec::new();
    if let (Some(path), Some(etag)) = (path, etag) {
        match String::from_utf8(bytes.clone()) {
            Ok(body) => {
                let entry = CacheEntry {
                    url: url.to_string(),
                    etag,
                    body,
                };
                if let Err(e) = write_cache(&path, &entry) {
                    warnings.push(format!(
                        "cannot write the feed cache {}: {e}; the next check downloads the feed again",
                        path.display()
                    ));
                }
            }
            Err(_) => warnings.push("the feed is not UTF-8; it was not cached".into()),
        }
    }
    Ok(Loaded {
        bytes,
        freshness: Freshness::Downloaded,
        warnings,
    })
}

/// Group flat feed ranges into [`Affected`] entries, in order of first
/// appearance; an invalid version makes the whole CVE unassessable.
fn group_ranges(wire: &[AffectedRange]) -> Result<Vec<Affected>, String> {
    let mut out: Vec<Affected> = Vec::new();
    for w in wire {
        let parse = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(parse_range_version)
                .transpose()
                .map_err(|e| {
                    format!(
                        "the feed's {field} version of {} is invalid: {e}",
                        w.component
                    )
                })
        };
        let range = VersionRange::from_bounds(
            parse("introduced", &w.introduced)?,
            parse("fixed", &w.fixed)?,
            parse("last_affected", &w.last_affected)?,
        )
        .map_err(|e| format!("the feed's range of {} is invalid: {e}", w.component))?;
        let package = w.package.as_deref();
        match out
            .iter_mut()
            .find(|a| a.component == w.component && a.package.as_deref() == package)
        {
            Some(a) => a.ranges.push(range),
            None => out.push(Affected {
                component: w.component.to_string(),
                package: package.map(str::to_string),
                ranges: vec![range],
                fixed: Vec::new(),
            }),
        }
    }
    Ok(out)
}

/// Turn the bytes of a JSON Feed into entries, one per CVE id. Items are
/// kept in feed order; an item naming several ids (as the upstream script
/// wrote them) gives one entry per id; a repeated id keeps its first entry.
/// A feed with an item whose id is not a CVE id is refused, naming the item,
/// rather than checked in part: a check that skipped an item could pass a
/// cluster that item concerns.
pub fn parse_feed(bytes: &[u8], location: &str) -> Result<Vec<FeedEntry>, CheckError> {
    let feed: Document = serde_json::from_slice(bytes).map_err(|source| CheckError::FeedParse {
        location: location.to_string(),
        source,
    })?;
    let mut seen = BTreeSet::new();
    let mut entries = Vec::new();
    for (n, item) in feed.items.into_iter().enumerate() {
        let ids = item.cve_ids().map_err(|source| CheckError::FeedItemId {
            location: location.to_string(),
            item: n + 1,
            source,
        })?;
        let fresh: Vec<CveId> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        let Some(first) = fresh.first() else {
            continue;
        };
        let read = entry(first, item);
        entries.extend(fresh.into_iter().map(|id| FeedEntry { id, ..read.clone() }));
    }
    Ok(entries)
}

fn entry(id: &CveId, item: Item) -> FeedEntry {
    let ext = item.extension.unwrap_or_default();
    let body = item.content_text.unwrap_or_default();
    let structured = ext.affected.as_deref().map(group_ranges);
    let usable = matches!(&structured, Some(Ok(a)) if !a.is_empty());
    // The body parser runs only for what the feed does not give.
    let parsed = (!usable || ext.severity.is_none()).then(|| vuln::extract(&body));
    let from_body = parsed.as_ref().filter(|p| !p.affected.is_empty());
    let ranges = match (structured, from_body) {
        (Some(Ok(affected)), _) if usable => RangeData::Known {
            affected,
            origin: Origin::Feed,
        },
        (_, Some(p)) => RangeData::Known {
            affected: p.affected.clone(),
            origin: Origin::Description,
        },
        (Some(Err(reason)), None) => RangeData::Unknown { reason },
        (structured, None) => {
            let feed_part = if structured.is_some() {
                "the feed lists no affected versions"
            } else {
                "the feed carries no structured data (no _kubernetes_io.affected)"
            };
            let body_part = if body.trim().is_empty() {
                "the description is empty"
            } else {
                "none could be read from the description"
            };
            RangeData::Unknown {
                reason: format!("{feed_part}, and {body_part}"),
            }
        }
    };
    let severity = match ext.severity {
        Some(rating) => Some(SeverityInfo {
            rating,
            score: ext.cvss_score,
            vector: ext.cvss_vector.map(Cow::into_owned),
        }),
        None => parsed.and_then(|p| p.severity).map(|s| SeverityInfo {
            rating: s.rating,
            score: Some(s.score),
            vector: Some(s.vector),
        }),
    };
    FeedEntry {
        url: item
            .url
            .map(Cow::into_owned)
            .or(item.external_url)
            .unwrap_or_else(|| id.cve_org_url()),
        id: id.clone(),
        summary: item.summary.unwrap_or_default().trim().to_string(),
        status: ext.status,
        severity,
        ranges,
    }
}
