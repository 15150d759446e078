//! A local directory as a store: atomic writes (temp file, rename),
//! durability batched in one `syncfs` per commit point, and a lock file for
//! the publish lock, since a plain directory has no conditional writes of
//! its own.
//!
//! This module owns the mapping of object names to files under the root;
//! it never touches a path outside it and knows nothing of feeds.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{Fetched, Lease, PutMode, Store, StoreError, StoreLock, Version, check_name};

/// Name of the lock file inside the directory.
pub const LOCK_FILE: &str = ".cvefeed.lock";

/// A directory on the local file system.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, name: &str) -> Result<PathBuf, StoreError> {
        check_name(name)?;
        Ok(self.root.join(name))
    }

    fn io(&self, op: &'static str, name: &str, source: std::io::Error) -> StoreError {
        StoreError::Io {
            op,
            name: name.to_string(),
            location: self.location(),
            source,
        }
    }

    fn version_of(bytes: &[u8]) -> Version {
        Version(hex::encode(Sha256::digest(bytes)))
    }

    fn write_atomically(&self, name: &str, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        use std::os::unix::fs::OpenOptionsExt;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(|e| self.io("creating the directory of", name, e))?;
        // A name no other writer uses: this process, a counter, the object.
        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(
            ".tmp-{}-{}-{file_name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            // Published files are public: readable by a web server.
            .mode(0o644)
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes));
        // The rename is atomic: a reader or a killed process sees the old or
        // the new file, never a torn one. Durability across a power cut is
        // batched in `sync` (one syncfs instead of two fsyncs per object).
        let renamed = written.and_then(|()| fs::rename(&tmp, path));
        renamed.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            self.io("writing", name, e)
        })
    }
}

#[async_trait]
impl Store for LocalStore {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError> {
        let path = self.path(name)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(Fetched {
                version: Self::version_of(&bytes),
                bytes,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io("reading", name, e)),
        }
    }

    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        _content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError> {
        let path = self.path(name)?;
        // Conditions are checked under the publish lock the pipeline holds.
        let conflict = || StoreError::Conflict {
            name: name.to_string(),
            location: self.location(),
        };
        match &mode {
            PutMode::Overwrite => {}
            PutMode::Create => {
                if path.exists() {
                    return Err(conflict());
                }
            }
            PutMode::Update(expected) => {
                let current = self.get(name).await?.ok_or_else(conflict)?;
                if &current.version != expected {
                    return Err(conflict());
                }
            }
        }
        self.write_atomically(name, &path, &bytes)
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        let path = self.path(name)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("deleting", name, e)),
        }
    }

    async fn sync(&self) -> Result<(), StoreError> {
        let root =
            fs::File::open(&self.root).map_err(|e| self.io("opening", "the directory", e))?;
        rustix::fs::syncfs(&root).map_err(|e| self.io("syncing", "the directory", e.into()))
    }

    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError> {
        fs::create_dir_all(&self.root).map_err(|e| self.io("creating", "the directory", e))?;
        let path = self.root.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.io("opening", LOCK_FILE, e))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(StoreLock::new(FileLock(file)))),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(self.io("locking", LOCK_FILE, e)),
            }
            if start.elapsed() >= wait {
                return Err(StoreError::Locked {
                    location: self.location(),
                    waited: start.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The lock file, held open and locked; closing it releases the lock, and
/// the kernel releases it if the process dies, so it never needs renewal.
struct FileLock(fs::File);

#[async_trait]
impl Lease for FileLock {
    async fn keep_alive(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        drop(self.0);
        Ok(())
    }
}
