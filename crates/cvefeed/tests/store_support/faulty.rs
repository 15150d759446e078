//! A local store that fails on purpose, for the crash-safety tests: a write
//! that fails like a full disk, a crash just before the manifest, or a
//! manifest race lost to another writer. Shared by test crates that each
//! use some of the faults.
#![allow(dead_code, reason = "each test crate arms only some of the faults")]

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cvefeed::store::{Fetched, LocalStore, PutMode, Store, StoreError, StoreLock};
use cvefeed_model::manifest::MANIFEST;

/// How the store interferes with the writes after [`FaultyStore::arm`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Not at all.
    None,
    /// The n-th write (from 1) fails with a full disk; the others succeed.
    FullDiskAt(usize),
    /// The write of the manifest fails (a crash between two writes).
    FailManifest,
    /// "Another writer" commits the same manifest first; this write loses.
    LoseManifestRace,
}

/// A [`LocalStore`] with one armed [`Fault`].
#[derive(Debug)]
pub struct FaultyStore {
    inner: LocalStore,
    fault: Mutex<Fault>,
    puts: AtomicUsize,
}

impl FaultyStore {
    /// A store on `root` that does not interfere yet.
    pub fn new(root: &Path) -> FaultyStore {
        FaultyStore {
            inner: LocalStore::new(root),
            fault: Mutex::new(Fault::None),
            puts: AtomicUsize::new(0),
        }
    }

    /// Interfere from the next write on (counting writes from there).
    pub fn arm(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
        self.puts.store(0, Ordering::SeqCst);
    }
}

#[async_trait]
impl Store for FaultyStore {
    fn location(&self) -> String {
        self.inner.location()
    }
    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError> {
        self.inner.get(name).await
    }
    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError> {
        let n = self.puts.fetch_add(1, Ordering::SeqCst) + 1;
        let fault = *self.fault.lock().unwrap();
        match fault {
            Fault::FullDiskAt(at) if n == at => {
                return Err(StoreError::Io {
                    op: "writing",
                    name: name.into(),
                    location: self.location(),
                    source: std::io::Error::from(std::io::ErrorKind::StorageFull),
                });
            }
            Fault::FailManifest if name == MANIFEST => {
                self.arm(Fault::None);
                return Err(StoreError::Io {
                    op: "writing",
                    name: name.into(),
                    location: self.location(),
                    source: std::io::Error::other("injected crash"),
                });
            }
            Fault::LoseManifestRace if name == MANIFEST => {
                self.arm(Fault::None);
                self.inner
                    .put(name, bytes, content_type, PutMode::Overwrite)
                    .await?;
                return Err(StoreError::Conflict {
                    name: name.into(),
                    location: self.location(),
                });
            }
            _ => {}
        }
        self.inner.put(name, bytes, content_type, mode).await
    }
    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.inner.delete(name).await
    }
    async fn sync(&self) -> Result<(), StoreError> {
        self.inner.sync().await
    }
    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError> {
        self.inner.lock(wait).await
    }
}
