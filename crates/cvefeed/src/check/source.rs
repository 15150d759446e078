//! Reading a feed for `check`: from a published store, an `index.json`
//! file or a URL (with an ETag cache, so a repeated check costs a 304), and
//! turning its items into [`super::FeedEntry`] values.
//!
//! Parsing ([`parse_feed`]) is the model's
//! ([`cvefeed_model::check::feed`]); fetching ([`load`]) is this I/O edge.
//! The conditional-GET rules are [`http::cache`]'s and a URL is shown as
//! [`http::redact_url`] shows it; this module owns only the feed cache's
//! files (a body and its record per URL). Nothing here writes to a store.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fsread::{self, CappedError};
use crate::http::cache::{Answer, Entry, NoCachedCopy, Received, Validators};
use crate::http::{self, Redirects};
use crate::store;
use crate::verify;
pub use cvefeed_model::check::feed::{FeedParseError, parse_feed};
use cvefeed_model::signature::PublicKey;

/// Why a feed cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The HTTP client for feed downloads cannot be built.
    #[error("cannot set up the HTTP client for feed downloads")]
    HttpClient(#[source] reqwest::Error),
    /// The feed URL could not be fetched.
    #[error(
        "cannot fetch the feed {url} (check the URL and the network, or pass --feed with a local copy)"
    )]
    FeedFetch {
        /// The URL, redacted ([`http::redact_url`]).
        url: String,
        /// The cause (without the URL, named above).
        source: reqwest::Error,
    },
    /// The feed server answered 304 to a request that allowed none.
    #[error(
        "the feed {url} answered 304 Not Modified to a request without If-None-Match; \
         the server is misbehaving: pass --feed with a local copy"
    )]
    FeedNotModified {
        /// The URL, redacted ([`http::redact_url`]).
        url: String,
    },
    /// A feed is larger than the size limit.
    #[error(
        "the feed {location} is larger than {limit} bytes (--max-feed-size); \
         it was not read: raise the limit if the feed really is that large"
    )]
    FeedTooLarge {
        /// Where it came from.
        location: String,
        /// The limit.
        limit: u64,
    },
    /// `--offline` was given and no cached copy exists.
    #[error(
        "--offline: there is no cached copy of the feed {url} in the cache directory; \
         run once with network access, or pass --feed with a local copy"
    )]
    NoCachedCopy {
        /// The URL, redacted ([`http::redact_url`]).
        url: String,
    },
    /// The feed URL answered with an error status.
    #[error("the feed {url} answered HTTP {status}; check the URL")]
    FeedStatus {
        /// The URL, redacted ([`http::redact_url`]).
        url: String,
        /// The status code.
        status: u16,
    },
    /// `--feed` looks like a URL but is not one.
    #[error("{location} is not a valid feed URL")]
    FeedUrl {
        /// What was given, without what looks like credentials.
        location: String,
        /// The parse error.
        source: url::ParseError,
    },
    /// A feed file could not be read.
    #[error("cannot read the feed {location}")]
    FeedRead {
        /// The file.
        location: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A published store could not be opened or read (its error names it).
    #[error("cannot read the feed")]
    FeedStore(#[source] store::StoreError),
    /// A store holds no `index.json`.
    #[error(
        "{location} holds no index.json: pass a published feed directory, an index.json file or a feed URL"
    )]
    FeedMissing {
        /// The store.
        location: String,
    },
    /// `--verify-key`: the feed is not what its signed manifest names.
    #[error("refusing to use the feed")]
    Untrusted(#[source] verify::Untrusted),
    /// The bytes are not a JSON Feed, or an item names no CVE id.
    #[error(transparent)]
    Parse(#[from] FeedParseError),
}

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
    /// Classify `--feed`: `http(s)://` is a URL (one ending in `/` is a
    /// directory: its `index.json`); a path (or `file://` path)
    /// to an existing file, or to a not existing `*.json`, is a feed file;
    /// anything else is a store location.
    pub fn parse(location: &str) -> Result<FeedLocation, FeedError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let url_err = |source| FeedError::FeedUrl {
                location: http::redact_input(location),
                source,
            };
            let url = url::Url::parse(location).map_err(url_err)?;
            // A directory URL (`https://host/path/`) names its index.json.
            let url = if url.path().ends_with('/') {
                url.join("index.json").map_err(url_err)?
            } else {
                url
            };
            return Ok(FeedLocation::Url(url));
        }
        let path = Path::new(location.strip_prefix("file://").unwrap_or(location));
        if path.is_file() || (!path.is_dir() && path.extension().is_some_and(|e| e == "json")) {
            return Ok(FeedLocation::File(path.to_path_buf()));
        }
        Ok(FeedLocation::Store(location.to_string()))
    }

    /// The location in words; a URL [redacted](http::redact_url).
    pub fn describe(&self) -> String {
        match self {
            FeedLocation::Url(u) => http::redact_url(u),
            FeedLocation::File(p) => p.display().to_string(),
            FeedLocation::Store(s) => s.clone(),
        }
    }
}

/// How a feed was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Read from a file or a store.
    Local,
    /// Downloaded in full.
    Downloaded,
    /// The server answered 304; the cached copy was used.
    NotModified,
    /// The cached copy was used without asking the server (`--offline`,
    /// or the server could not be reached).
    Cached,
}

/// The bytes of a feed and how they were obtained.
#[derive(Debug)]
pub struct Loaded {
    /// The JSON bytes.
    pub bytes: Vec<u8>,
    /// How they were obtained.
    pub freshness: Freshness,
    /// Problems that did not stop the load (an unwritable cache, a cached
    /// copy used instead of the network).
    pub warnings: Vec<String>,
    /// A downloaded copy waiting to become the cache, once the caller
    /// knows it is a feed ([`Loaded::keep_in_cache`]).
    pending: Option<PendingCache>,
}

impl Loaded {
    fn local(bytes: Vec<u8>) -> Loaded {
        Loaded {
            bytes,
            freshness: Freshness::Local,
            warnings: Vec::new(),
            pending: None,
        }
    }

    /// Make a downloaded copy the cache (call once its bytes parsed as a
    /// feed, so that a broken download never replaces a good copy). A
    /// failure is a warning: the next check downloads the feed again.
    pub fn keep_in_cache(&mut self) {
        if let Some(pending) = self.pending.take()
            && let Err(e) = pending.commit()
        {
            self.warnings.push(format!(
                "cannot write the feed cache: {e}; the next check downloads the feed again"
            ));
        }
    }
}

/// Settings for fetching a URL feed.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Where fetched feeds and their ETags are kept; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Timeout of the request.
    pub timeout: Duration,
    /// The largest feed read, in bytes, from any source.
    pub max_size: u64,
    /// Use the cached copy only; never ask the network.
    pub offline: bool,
}

/// The default of [`FetchOptions::max_size`]: 64 MiB. The real feed of 81
/// CVEs is about 0.3 MB; 10,000 synthetic CVEs are about 40 MB.
pub const DEFAULT_MAX_FEED_SIZE: u64 = 64 * 1024 * 1024;

/// The largest [`CacheMeta`] file read: a URL, an ETag and a time are a
/// few hundred bytes (a few kilobytes with a long token in the URL); a
/// larger file is not one this program wrote, and is no cache.
const MAX_CACHE_META: u64 = 64 * 1024;

/// What is kept beside a cached body.
#[derive(Debug, Serialize, Deserialize)]
struct CacheMeta {
    url: String,
    etag: Option<String>,
    fetched_at: chrono::DateTime<chrono::Utc>,
}

impl Entry for CacheMeta {
    fn validators(&self) -> Validators<'_> {
        Validators {
            etag: self.etag.as_deref(),
            last_modified: None,
        }
    }
}

/// The two files of one cached URL: the body as downloaded, and its
/// [`CacheMeta`].
#[derive(Debug, Clone)]
struct CachePaths {
    body: PathBuf,
    meta: PathBuf,
}

impl CachePaths {
    fn of(dir: &Path, url: &url::Url) -> CachePaths {
        let digest = hex::encode(Sha256::digest(url.as_str().as_bytes()));
        let stem = format!("feed-{}", &digest[..32]);
        CachePaths {
            body: dir.join(format!("{stem}.body")),
            meta: dir.join(format!("{stem}.meta.json")),
        }
    }

    fn read_meta(&self, url: &url::Url) -> Option<CacheMeta> {
        let bytes = fsread::read_capped(&self.meta, MAX_CACHE_META).ok()?;
        serde_json::from_slice::<CacheMeta>(&bytes)
            .ok()
            .filter(|m| m.url == url.as_str() && self.body.is_file())
    }
}

/// A download streamed into a temporary file in the cache directory.
#[derive(Debug)]
struct PendingCache {
    file: tempfile::NamedTempFile,
    paths: CachePaths,
    meta: CacheMeta,
}

impl PendingCache {
    fn commit(self) -> std::io::Result<()> {
        use std::io::Write;
        self.file.as_file().sync_all()?;
        self.file.persist(&self.paths.body).map_err(|e| e.error)?;
        let dir = self.paths.meta.parent().unwrap_or(Path::new("."));
        let mut meta = tempfile::NamedTempFile::new_in(dir)?;
        meta.write_all(&serde_json::to_vec(&self.meta).map_err(std::io::Error::other)?)?;
        meta.persist(&self.paths.meta).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Read a feed file (or the cached copy) named `location` in messages,
/// within `limit` bytes ([`fsread::read_capped`]).
fn read_file(path: &Path, limit: u64, location: &str) -> Result<Vec<u8>, FeedError> {
    fsread::read_capped(path, limit).map_err(|e| match e {
        CappedError::Io(source) => FeedError::FeedRead {
            location: location.to_string(),
            source,
        },
        CappedError::TooLarge { limit } => FeedError::FeedTooLarge {
            location: location.to_string(),
            limit,
        },
    })
}

/// Read the feed at `location`, never more than [`FetchOptions::max_size`]
/// bytes of it.
pub async fn load(location: &FeedLocation, options: &FetchOptions) -> Result<Loaded, FeedError> {
    let too_large = || FeedError::FeedTooLarge {
        location: location.describe(),
        limit: options.max_size,
    };
    match location {
        FeedLocation::File(path) => {
            read_file(path, options.max_size, &path.display().to_string()).map(Loaded::local)
        }
        FeedLocation::Store(loc) => {
            let store = store::open(loc).map_err(FeedError::FeedStore)?;
            match store.get_limited("index.json", options.max_size).await {
                Err(store::StoreError::TooLarge { .. }) => Err(too_large()),
                Err(e) => Err(FeedError::FeedStore(e)),
                Ok(Some(fetched)) => Ok(Loaded::local(fetched.bytes)),
                Ok(None) => Err(FeedError::FeedMissing {
                    location: store.location(),
                }),
            }
        }
        FeedLocation::Url(url) => fetch_url(url, options).await,
    }
}

/// The cached copy of `url`, with a warning that says why and how old.
fn from_cache(
    url: &url::Url,
    paths: &CachePaths,
    meta: &CacheMeta,
    why: &str,
    options: &FetchOptions,
) -> Result<Loaded, FeedError> {
    let bytes = read_file(
        &paths.body,
        options.max_size,
        &paths.body.display().to_string(),
    )?;
    let age = (chrono::Utc::now() - meta.fetched_at)
        .to_std()
        .unwrap_or_default();
    let age = humantime::format_duration(Duration::from_secs(age.as_secs() / 60 * 60));
    Ok(Loaded {
        bytes,
        freshness: Freshness::Cached,
        warnings: vec![format!(
            "{why}: using the cached copy of {}, fetched {} ({} old)",
            http::redact_url(url),
            meta.fetched_at.format("%Y-%m-%d %H:%M UTC"),
            if age.to_string() == "0s" {
                "less than a minute".to_string()
            } else {
                age.to_string()
            }
        )],
        pending: None,
    })
}

async fn fetch_url(url: &url::Url, options: &FetchOptions) -> Result<Loaded, FeedError> {
    let paths = options.cache_dir.as_deref().map(|d| CachePaths::of(d, url));
    let cached = paths
        .as_ref()
        .and_then(|p| p.read_meta(url).map(|m| (p.clone(), m)));
    if options.offline {
        return match &cached {
            Some((paths, meta)) => from_cache(url, paths, meta, "--offline", options),
            None => Err(FeedError::NoCachedCopy {
                url: http::redact_url(url),
            }),
        };
    }
    match download(url, options, paths, cached.as_ref().map(|(_, m)| m)).await {
        Ok(loaded) => Ok(loaded),
        // The network failed (not the server's answer or the size limit):
        // a cached copy is better than no check.
        Err(e @ (FeedError::FeedFetch { .. } | FeedError::FeedStatus { status: 500.., .. })) => {
            match &cached {
                Some((paths, meta)) => {
                    let mut loaded =
                        from_cache(url, paths, meta, "the feed could not be fetched", options)?;
                    loaded.warnings[0] =
                        format!("{} ({})", loaded.warnings[0], crate::error::Chain(&e));
                    Ok(loaded)
                }
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

async fn download(
    url: &url::Url,
    options: &FetchOptions,
    paths: Option<CachePaths>,
    cached: Option<&CacheMeta>,
) -> Result<Loaded, FeedError> {
    let shown = http::redact_url(url);
    let fetch_err = |source: reqwest::Error| FeedError::FeedFetch {
        url: shown.clone(),
        source: source.without_url(),
    };
    let too_large = || FeedError::FeedTooLarge {
        location: shown.clone(),
        limit: options.max_size,
    };
    let client = http::builder(options.timeout, Redirects::Follow)
        .build()
        .map_err(FeedError::HttpClient)?;
    let validators = cached.map(Entry::validators).unwrap_or_default();
    let response = validators
        .apply(client.get(url.clone()))
        .send()
        .await
        .map_err(fetch_err)?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        let kept = Answer::NotModified
            .settle(cached.zip(paths))
            .map_err(|NoCachedCopy| FeedError::FeedNotModified { url: shown.clone() })?;
        let (_, paths) = kept.entry;
        let bytes = read_file(
            &paths.body,
            options.max_size,
            &paths.body.display().to_string(),
        )?;
        return Ok(Loaded {
            bytes,
            freshness: Freshness::NotModified,
            warnings: Vec::new(),
            pending: None,
        });
    }
    if !status.is_success() {
        return Err(FeedError::FeedStatus {
            url: shown.clone(),
            status: status.as_u16(),
        });
    }
    let etag = Received::of(response.headers()).etag;
    let mut warnings = Vec::new();
    // The body goes to a temporary file in the cache directory as it
    // arrives, and into memory up to the size limit.
    let mut file = match &paths {
        Some(p) => {
            let dir = p.body.parent().unwrap_or(Path::new("."));
            match std::fs::create_dir_all(dir).and_then(|()| tempfile::NamedTempFile::new_in(dir)) {
                Ok(f) => Some(f),
                Err(e) => {
                    warnings.push(format!(
                        "cannot write the feed cache in {}: {e}; the next check downloads the feed again",
                        dir.display()
                    ));
                    None
                }
            }
        }
        None => None,
    };
    let bytes = http::read_bounded_with(response, options.max_size, |chunk| {
        if let Some(f) = &mut file
            && let Err(e) = std::io::Write::write_all(f, chunk)
        {
            warnings.push(format!(
                "cannot write the feed cache: {e}; the next check downloads the feed again"
            ));
            file = None;
        }
    })
    .await
    .map_err(|e| match e {
        http::BodyError::TooLarge { .. } => too_large(),
        http::BodyError::Read(source) => fetch_err(source),
    })?;
    let pending = match (file, paths) {
        (Some(file), Some(paths)) => Some(PendingCache {
            file,
            paths,
            meta: CacheMeta {
                url: url.to_string(),
                etag,
                fetched_at: chrono::Utc::now(),
            },
        }),
        _ => None,
    };
    Ok(Loaded {
        bytes,
        freshness: Freshness::Downloaded,
        warnings,
        pending,
    })
}

/// With `--verify-key`: check that `bytes`, the feed read from `location`,
/// are what the signed `manifest.json` of its publication names (the
/// directory of a URL or file, or the store).
pub async fn authenticate(
    location: &FeedLocation,
    bytes: &[u8],
    key: &PublicKey,
    options: &FetchOptions,
) -> Result<(), FeedError> {
    let (publication, name) = match location {
        FeedLocation::Url(url) => {
            let name = url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or_default()
                .to_string();
            let dir = url.join("./").unwrap_or_else(|_| url.clone());
            (dir.to_string(), name)
        }
        FeedLocation::File(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (dir.display().to_string(), name)
        }
        FeedLocation::Store(loc) => (loc.clone(), "index.json".to_string()),
    };
    let publication = store::open_for_reading(
        &publication,
        &store::OpenOptions::default(),
        options.timeout,
    )
    .map_err(|e| FeedError::Untrusted(verify::VerifyError::from(e).into()))?;
    verify::authenticate(&*publication, &name, bytes, key)
        .await
        .map_err(FeedError::Untrusted)
}
