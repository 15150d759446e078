//! Where the feed is published: a small trait over "named objects with
//! content types", so the pipeline never knows whether it writes a local
//! directory or a bucket.
//!
//! This module owns object naming rules, the compare-and-swap contract used
//! for `manifest.json`, and the publish lock. It knows nothing of feeds.

mod local;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

pub use local::LocalStore;

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

/// Held while a refresh runs; dropping it releases the lock.
pub struct StoreLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreLock")
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file system operation failed.
    #[error("{op} {name} in {location} failed: {source}{}", io_hint(source))]
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
    /// The object name is not allowed.
    #[error("{0:?} is not a valid object name")]
    BadName(String),
    /// The location cannot be opened.
    #[error("cannot use {location:?} as --out: {reason}")]
    Location {
        /// What was given.
        location: String,
        /// Why not.
        reason: String,
    },
}

fn io_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::StorageFull => " (the disk is full: free space and run again)",
        std::io::ErrorKind::PermissionDenied => " (check the permissions of --out)",
        std::io::ErrorKind::ReadOnlyFilesystem => " (the file system is read-only)",
        _ => "",
    }
}

/// Named objects with content types.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// A human description of the location, for messages.
    fn location(&self) -> String;

    /// Read an object; `None` when it does not exist.
    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError>;

    /// Write an object atomically: readers see the old or the new bytes.
    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError>;

    /// Remove an object; removing a missing one is not an error.
    async fn delete(&self, name: &str) -> Result<(), StoreError>;

    /// Take the publish lock, waiting at most `wait`. Stores whose writes
    /// are guarded by compare-and-swap alone return `None`.
    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError>;
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

/// Open `--out`: a directory path or `file:///path`.
pub fn open(location: &str) -> Result<Box<dyn Store>, StoreError> {
    if let Some(path) = location.strip_prefix("file://") {
        return Ok(Box::new(LocalStore::new(path)));
    }
    if let Some((scheme, _)) = location.split_once("://") {
        return Err(StoreError::Location {
            location: location.to_string(),
            reason: format!(
                "the {scheme}:// scheme is not supported; use a directory path or file:///path"
            ),
        });
    }
    Ok(Box::new(LocalStore::new(location)))
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
}
