//! Where the feed is published: a small trait over "named objects with
//! content types", so the pipeline never knows whether it writes a local
//! directory or a bucket.
//!
//! A publication is written through a [`Publication`] ([`Store::begin`]):
//! its objects are staged with [`Publication::put`] and
//! [`Publication::remove`], and [`Publication::commit`] makes them public
//! with `manifest.json`, the commit point. How atomic that is depends on
//! the store: a directory switches all of it at once (a new generation
//! directory behind the `..data` symlink, see [`LocalStore`]); a bucket
//! writes each object as it comes, the manifest last and the removals
//! after it ([`DirectPublication`]). Anything else that must land with the
//! manifest (e.g. a signature of it) is put just before the commit.
//! Objects outside the publication (`status.json`, caches, the journal)
//! are written with [`Store::put`].
//!
//! This module owns object naming rules, the compare-and-swap contract used
//! for `manifest.json`, the publish lock (a lock file for a directory, a
//! lease object for a bucket) and the per-object cache policy. It knows
//! nothing of feeds.

mod http;
mod local;
mod object;
pub mod read;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;

pub use http::HttpStore;
pub use local::{DATA_LINK, DEFAULT_GRACE, LocalStore};
pub use object::{BucketStore, Cloud, LEASE_OBJECT};

use cvefeed_model::manifest::{MANIFEST, STATUS};
use cvefeed_model::signature::SIGNATURE;

/// An opaque version of a stored object, for compare-and-swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(pub String);

/// An object read back from the store.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its version, for a later [`PutMode::Update`].
    pub version: Version,
}

/// How a write treats an existing object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutMode {
    /// Replace whatever is there.
    Overwrite,
    /// Fail with [`StoreError::Conflict`] if the object exists.
    Create,
    /// Fail with [`StoreError::Conflict`] unless the object is at this version.
    Update(Version),
}

/// One kind of publish lock, as held.
#[async_trait]
pub trait Lease: Send + Sync {
    /// Extend the lock if it is due for renewal; fails with
    /// [`StoreError::LockLost`] if another writer took it over.
    async fn keep_alive(&mut self) -> Result<(), StoreError>;
    /// Give the lock up.
    async fn release(self: Box<Self>) -> Result<(), StoreError>;
}

/// Held while a refresh runs. Release it with [`StoreLock::release`];
/// a lock that is only dropped ends when its lease expires (bucket) or
/// when the file is closed (directory).
pub struct StoreLock(Box<dyn Lease>);

impl StoreLock {
    /// Wrap a held lease.
    pub fn new(lease: impl Lease + 'static) -> StoreLock {
        StoreLock(Box::new(lease))
    }

    /// Renew the lock if due; an error means it is no longer ours and
    /// nothing more may be written.
    pub async fn keep_alive(&mut self) -> Result<(), StoreError> {
        self.0.keep_alive().await
    }

    /// Give the lock up.
    pub async fn release(self) -> Result<(), StoreError> {
        self.0.release().await
    }
}

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreLock")
    }
}

/// The `Cache-Control` each object is published with (buckets only; a
/// directory's web server sets its own headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    /// For the feeds, the page and the OSV records.
    pub content: String,
    /// For `manifest.json`, its signature and `status.json`, which readers
    /// poll (the signature must never be cached apart from the manifest).
    pub bookkeeping: String,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            content: "public, max-age=300".into(),
            bookkeeping: "no-cache".into(),
        }
    }
}

impl CachePolicy {
    /// Internal objects (names starting with `.`: lease, journal, caches).
    pub const INTERNAL: &'static str = "no-store";

    /// The header value for object `name`.
    pub fn for_name(&self, name: &str) -> &str {
        if name == MANIFEST || name == STATUS || name == SIGNATURE {
            &self.bookkeeping
        } else if name.starts_with('.') {
            Self::INTERNAL
        } else {
            &self.content
        }
    }
}

/// How to open `--out`, beyond the location itself.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Builder settings for a bucket (`--out-option KEY=VALUE`), on top of
    /// the cloud's standard environment variables.
    pub config: Vec<(String, String)>,
    /// `Cache-Control` per object.
    pub cache: CachePolicy,
    /// How long a bucket lease lasts without renewal (a crashed refresher
    /// blocks others at most this long).
    pub lease_ttl: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            config: Vec::new(),
            cache: CachePolicy::default(),
            lease_ttl: Duration::from_secs(300),
        }
    }
}

/// Why a store operation failed. Messages name the operation, the object
/// and the store; the cause is the error's source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file system operation failed.
    #[error("{op} {name} in {location} failed{}", io_hint(source))]
    Io {
        /// What was being done (`reading`, `writing`).
        op: &'static str,
        /// The object.
        name: String,
        /// The store.
        location: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A conditional write lost: someone else wrote the object first.
    #[error("{name} in {location} was changed by another writer")]
    Conflict {
        /// The object.
        name: String,
        /// The store.
        location: String,
    },
    /// Another refresher holds the publish lock.
    #[error("{location} is locked by another refresher (waited {waited:?}); try again later")]
    Locked {
        /// The store.
        location: String,
        /// How long we waited.
        waited: Duration,
    },
    /// An S3 request needed credentials and none were configured: the
    /// client fell back to the instance metadata service, which did not
    /// answer. Its error is not repeated: it names only the metadata URL.
    #[error(
        "{op} {name} in {location} failed: no AWS credentials found (set AWS_ACCESS_KEY_ID/\
         AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE or AWS_CONTAINER_CREDENTIALS_*, or \
         use an instance role: the instance metadata service did not answer)"
    )]
    NoAwsCredentials {
        /// What was being done.
        op: &'static str,
        /// The object.
        name: String,
        /// The store.
        location: String,
    },
    /// A bucket operation failed.
    #[error("{op} {name} in {location} failed")]
    Bucket {
        /// What was being done.
        op: &'static str,
        /// The object.
        name: String,
        /// The store.
        location: String,
        /// The cause, as object_store reports it (boxed: it is large).
        source: Box<object_store::Error>,
    },
    /// The publish lock was taken over by another writer (our lease
    /// expired): stop writing.
    #[error(
        "the publish lease on {location} was taken over by another refresher; \
         this run stopped writing (raise --lock-ttl if runs are slow)"
    )]
    LockLost {
        /// The store.
        location: String,
    },
    /// An object is larger than the reader accepts
    /// ([`Store::get_limited`]); it was not read.
    #[error("{name} in {location} is larger than {limit} bytes; refusing to read it")]
    TooLarge {
        /// The object.
        name: String,
        /// The store.
        location: String,
        /// The limit.
        limit: u64,
    },
    /// A write to a store that is read only ([`HttpStore`]).
    #[error(
        "cannot {op} {name} in {location}: a publication read over HTTP(S) is read-only; write to \
         its directory or bucket instead"
    )]
    ReadOnly {
        /// What was asked (`write`, `remove`, ...).
        op: &'static str,
        /// The object.
        name: String,
        /// The store.
        location: String,
    },
    /// An HTTP(S) location is not a usable URL.
    #[error("the location is not a valid http(s) URL (not shown: it may hold a password or token)")]
    HttpLocation(#[source] url::ParseError),
    /// An object's URL cannot be built.
    #[error("cannot use {name:?}: it is not a valid http(s) URL")]
    ObjectUrl {
        /// The object name.
        name: String,
        /// The parse error.
        source: url::ParseError,
    },
    /// The HTTP client cannot be built.
    #[error("cannot set up the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// A request failed.
    #[error("fetching {url} failed")]
    Fetch {
        /// The URL (without credentials).
        url: String,
        /// The cause (without the URL).
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// The URL (without credentials).
        url: String,
        /// The status code.
        status: u16,
    },
    /// The object name is not allowed.
    #[error("{0:?} is not a valid object name")]
    BadName(String),
    /// The location cannot be used.
    #[error("cannot use {location:?} as --out: {reason}")]
    Location {
        /// What was given.
        location: String,
        /// Why not.
        reason: String,
    },
    /// The location is not a URL.
    #[error("cannot use {location:?} as --out: it is not a valid URL")]
    LocationUrl {
        /// What was given.
        location: String,
        /// The parse error.
        source: url::ParseError,
    },
    /// The bucket client refuses the settings.
    #[error(
        "cannot use {location:?} as --out: the bucket client refuses its settings \
         (check --out-option and the cloud's environment variables)"
    )]
    BucketConfig {
        /// What was given.
        location: String,
        /// The client's error (boxed: it is large).
        source: Box<object_store::Error>,
    },
}

/// What to do about a file system error, in parentheses, or nothing.
fn io_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::StorageFull => " (the disk is full: free space and run again)",
        std::io::ErrorKind::PermissionDenied => " (check the permissions of --out)",
        std::io::ErrorKind::ReadOnlyFilesystem => " (the file system is read-only)",
        _ => "",
    }
}

/// A publication being written: the objects staged through it become
/// public together, when [`Publication::commit`] writes the manifest.
/// Dropping it uncommitted discards what a store can discard (a
/// directory's staged generation); a bucket may already hold the objects
/// put, under names the published manifest does not point to yet.
#[async_trait]
pub trait Publication: Send + Sync {
    /// Stage an object of the publication (replacing the published one).
    async fn put(&self, name: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError>;

    /// Stage the removal of an object (a missing one is no error).
    async fn remove(&self, name: &str) -> Result<(), StoreError>;

    /// Make the publication public, with `manifest` as
    /// [`MANIFEST`], written last and
    /// durably, by compare-and-swap on `mode`
    /// ([`StoreError::Conflict`] when another writer moved it).
    async fn commit(self: Box<Self>, manifest: Vec<u8>, mode: PutMode) -> Result<(), StoreError>;
}

/// Named objects with content types.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// A human description of the location, for messages.
    fn location(&self) -> String;

    /// Read an object; `None` when it does not exist.
    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError>;

    /// Read an object of at most `limit` bytes; `None` when it does not
    /// exist. A larger one is [`StoreError::TooLarge`], found without
    /// reading more than `limit + 1` bytes of it: an object of any size
    /// costs at most that much memory.
    async fn get_limited(&self, name: &str, limit: u64) -> Result<Option<Fetched>, StoreError>;

    /// Write an object atomically: readers see the old or the new bytes.
    /// The write may not be durable until [`Store::sync`] returns.
    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError>;

    /// Remove an object; removing a missing one is not an error.
    async fn delete(&self, name: &str) -> Result<(), StoreError>;

    /// Start a publication. Call it under the publish lock: one
    /// publication at a time per store.
    async fn begin(&self) -> Result<Box<dyn Publication + '_>, StoreError>;

    /// Take the publish lock, waiting at most `wait`. Stores whose writes
    /// are guarded by compare-and-swap alone return `None`.
    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError>;

    /// Whether a failed [`Publication::commit`] leaves nothing of the
    /// publication visible (a directory discards its staged generation
    /// whole), so that nothing needs putting back after it. A bucket,
    /// whose objects are public as they are put, answers `false`.
    fn commits_atomically(&self) -> bool {
        false
    }

    /// Make every [`Store::put`] so far durable (the pipeline calls it
    /// after the journal; a publication is made durable by its commit).
    /// Object stores are durable per request and need nothing here.
    async fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A publication written straight to its store, object by object:
/// `put` writes at once, `commit` writes the manifest by compare-and-swap
/// and then the removals. For buckets, which cannot switch many objects at
/// once: while it is written, a reader can see new objects under the old
/// manifest (docs/publishing.md, "What a writer guarantees").
#[derive(Debug)]
pub struct DirectPublication<'a> {
    store: &'a dyn Store,
    removals: std::sync::Mutex<Vec<String>>,
}

impl<'a> DirectPublication<'a> {
    /// A publication written to `store` as it comes.
    pub fn new(store: &'a dyn Store) -> DirectPublication<'a> {
        DirectPublication {
            store,
            removals: std::sync::Mutex::default(),
        }
    }
}

#[async_trait]
impl Publication for DirectPublication<'_> {
    async fn put(&self, name: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        self.store
            .put(name, bytes, content_type, PutMode::Overwrite)
            .await
    }

    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        check_name(name)?;
        // Removed after the commit: the published manifest names it until then.
        self.removals
            .lock()
            .expect("lock poisoned")
            .push(name.to_string());
        Ok(())
    }

    async fn commit(self: Box<Self>, manifest: Vec<u8>, mode: PutMode) -> Result<(), StoreError> {
        // Everything the manifest names must be durable before it is.
        self.store.sync().await?;
        self.store
            .put(
                MANIFEST,
                manifest,
                cvefeed_model::render::content_type::JSON,
                mode,
            )
            .await?;
        self.store.sync().await?;
        let removals = std::mem::take(&mut *self.removals.lock().expect("lock poisoned"));
        for name in removals {
            self.store.delete(&name).await?;
        }
        Ok(())
    }
}

/// Check an object name: relative, `/`-separated, no empty, `.` or `..`
/// segments, no backslashes or control characters.
pub fn check_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && !name.chars().any(|c| c == '\\' || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName(name.to_string()))
    }
}

/// Open `--out` with default options: see [`open_with`].
pub fn open(location: &str) -> Result<Box<dyn Store>, StoreError> {
    open_with(location, &OpenOptions::default())
}

/// The directory `location` names when it is local (a path, or
/// `file:///path`); `None` for a bucket or any other scheme.
pub fn local_path(location: &str) -> Option<&Path> {
    match location.strip_prefix("file://") {
        Some(path) => Some(Path::new(path)),
        None => (!location.contains("://")).then(|| Path::new(location)),
    }
}

/// Whether `location` names a local directory (a path or `file://`), not
/// a bucket.
pub fn is_local(location: &str) -> bool {
    local_path(location).is_some()
}

/// Open `--out`: a directory path, `file:///path`, or a bucket
/// (`gs://`, `s3://`, `az://`) with credentials from the cloud's standard
/// environment variables and `options.config`.
pub fn open_with(location: &str, options: &OpenOptions) -> Result<Box<dyn Store>, StoreError> {
    if let Some(path) = local_path(location) {
        return Ok(Box::new(LocalStore::new(path)));
    }
    let scheme = location.split_once("://").map_or("", |(scheme, _)| scheme);
    let Some(cloud) = Cloud::from_scheme(scheme) else {
        return Err(StoreError::Location {
            location: location.to_string(),
            reason: format!(
                "the {scheme}:// scheme is not supported; use a directory path, file:///path, \
                 gs://bucket/prefix, s3://bucket/prefix or az://container/prefix"
            ),
        });
    };
    Ok(Box::new(BucketStore::open(cloud, location, options)?))
}

/// Open a publication for reading: an `http(s)://` base URL
/// ([`HttpStore`], read only, each request within `timeout`), or anything
/// [`open_with`] opens (a directory or a bucket).
pub fn open_for_reading(
    location: &str,
    options: &OpenOptions,
    timeout: Duration,
) -> Result<Box<dyn Store>, StoreError> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Ok(Box::new(HttpStore::open(location, timeout)?));
    }
    open_with(location, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names() {
        for good in ["index.json", "osv/CVE-2031-0001.json", ".cache/github.json"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "osv/../../x",
            "a//b",
            "a\\b",
            "a\0b",
            ".",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cache_policy_by_name() {
        let p = CachePolicy::default();
        assert_eq!(p.for_name("index.json"), "public, max-age=300");
        assert_eq!(p.for_name("osv/CVE-2031-0001.json"), "public, max-age=300");
        assert_eq!(p.for_name(MANIFEST), "no-cache");
        assert_eq!(p.for_name(SIGNATURE), "no-cache");
        assert_eq!(p.for_name(STATUS), "no-cache");
        assert_eq!(p.for_name(".cache/github-pages.json"), "no-store");
    }

    #[test]
    fn local_locations() {
        assert_eq!(local_path("./public"), Some(Path::new("./public")));
        assert_eq!(local_path("file:///srv/feed"), Some(Path::new("/srv/feed")));
        assert_eq!(local_path("s3://bucket/prefix"), None);
        assert_eq!(local_path("ftp://host/x"), None);
        assert!(is_local("public") && !is_local("gs://bucket"));
    }

    #[test]
    fn a_url_a_directory_and_a_bucket_open_through_one_call() {
        let open = |l: &str| {
            open_for_reading(l, &OpenOptions::default(), Duration::from_secs(1))
                .unwrap()
                .location()
        };
        assert_eq!(
            open("https://feeds.example/cve"),
            "https://feeds.example/cve/"
        );
        assert_eq!(open("/srv/feed"), LocalStore::new("/srv/feed").location());
    }

    #[test]
    fn unknown_scheme_is_refused() {
        let e = open("ftp://host/x").unwrap_err().to_string();
        assert!(e.contains("ftp:// scheme is not supported"), "{e}");
    }
}
