//! A local store that fails on purpose, for the crash-safety tests: a write
//! that fails like a full disk, a crash just before the manifest, or a
//! manifest race lost to another writer. Writes are counted across
//! [`Store::put`] (the bookkeeping objects) and the publication's puts.
//! Shared by test crates that each use some of the faults.
#![allow(dead_code, reason = "each test crate arms only some of the faults")]

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cvefeed::store::{Fetched, LocalStore, Publication, PutMode, Store, StoreError, StoreLock};
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
    /// Every delete fails (the manifest and the other writes succeed).
    FailDeletes,
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

    /// Count a write of `name`; the error to fail it with, if it is the one.
    fn fail_write(&self, name: &str) -> Option<StoreError> {
        let n = self.puts.fetch_add(1, Ordering::SeqCst) + 1;
        match *self.fault.lock().unwrap() {
            Fault::FullDiskAt(at) if n == at => Some(StoreError::Io {
                op: "writing",
                name: name.into(),
                location: self.location(),
                source: std::io::Error::from(std::io::ErrorKind::StorageFull),
            }),
            _ => None,
        }
    }
}

/// The inner store's publication, with the faults of its store.
struct FaultyPublication<'a> {
    store: &'a FaultyStore,
    inner: Box<dyn Publication + 'a>,
}

#[async_trait]
impl Publication for FaultyPublication<'_> {
    async fn put(&self, name: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        if let Some(e) = self.store.fail_write(name) {
            return Err(e);
        }
        self.inner.put(name, bytes, content_type).await
    }
    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.inner.remove(name).await
    }
    async fn commit(self: Box<Self>, manifest: Vec<u8>, mode: PutMode) -> Result<(), StoreError> {
        if let Some(e) = self.store.fail_write(MANIFEST) {
            return Err(e);
        }
        let fault = *self.store.fault.lock().unwrap();
        match fault {
            Fault::FailManifest => {
                self.store.arm(Fault::None);
                Err(StoreError::Io {
                    op: "writing",
                    name: MANIFEST.into(),
                    location: self.store.location(),
                    source: std::io::Error::other("injected crash"),
                })
            }
            Fault::LoseManifestRace => {
                self.store.arm(Fault::None);
                let location = self.store.location();
                self.inner.commit(manifest, PutMode::Overwrite).await?;
                Err(StoreError::Conflict {
                    name: MANIFEST.into(),
                    location,
                })
            }
            _ => self.inner.commit(manifest, mode).await,
        }
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
    async fn get_limited(&self, name: &str, limit: u64) -> Result<Option<Fetched>, StoreError> {
        self.inner.get_limited(name, limit).await
    }
    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError> {
        if let Some(e) = self.fail_write(name) {
            return Err(e);
        }
        self.inner.put(name, bytes, content_type, mode).await
    }
    async fn begin(&self) -> Result<Box<dyn Publication + '_>, StoreError> {
        Ok(Box::new(FaultyPublication {
            store: self,
            inner: self.inner.begin().await?,
        }))
    }
    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        if *self.fault.lock().unwrap() == Fault::FailDeletes {
            return Err(StoreError::Io {
                op: "deleting",
                name: name.into(),
                location: self.location(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            });
        }
        self.inner.delete(name).await
    }
    fn commits_atomically(&self) -> bool {
        self.inner.commits_atomically()
    }
    async fn sync(&self) -> Result<(), StoreError> {
        self.inner.sync().await
    }
    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError> {
        self.inner.lock(wait).await
    }
}
