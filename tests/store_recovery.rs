//! What a publish that is cut short, or that loses the manifest race,
//! leaves behind, and how the next attempt repairs it (local store; the
//! logic is the pipeline's, the same for every store).

#[path = "store_support/fixtures.rs"]
mod fixtures;

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use cvefeed::manifest::{MANIFEST, Manifest};
use cvefeed::publish::{self, JOURNAL, Outcome};
use cvefeed::store::{Fetched, LocalStore, PutMode, Store, StoreError, StoreLock};
use sha2::{Digest, Sha256};

/// How the wrapper interferes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// Fail the write of the manifest (a crash between two writes).
    FailManifest,
    /// Let "another writer" commit the same manifest first, then lose.
    LoseManifestRace,
}

#[derive(Debug)]
struct Faulty {
    inner: LocalStore,
    fault: Mutex<Fault>,
}

#[async_trait]
impl Store for Faulty {
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
        let fault = std::mem::replace(&mut *self.fault.lock().unwrap(), Fault::None);
        match fault {
            Fault::FailManifest if name == MANIFEST => {
                return Err(StoreError::Io {
                    op: "writing",
                    name: name.into(),
                    location: self.location(),
                    source: std::io::Error::other("injected crash"),
                });
            }
            Fault::LoseManifestRace if name == MANIFEST => {
                self.inner
                    .put(name, bytes, content_type, PutMode::Overwrite)
                    .await?;
                return Err(StoreError::Conflict {
                    name: name.into(),
                    location: self.location(),
                });
            }
            Fault::None => {}
            other => *self.fault.lock().unwrap() = other,
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

async fn assert_consistent(store: &dyn Store) -> Manifest {
    let manifest: Manifest =
        serde_json::from_slice(&store.get(MANIFEST).await.unwrap().unwrap().bytes).unwrap();
    for (name, entry) in &manifest.objects {
        let got = store.get(name).await.unwrap().unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&got.bytes)),
            entry.sha256,
            "{name} does not match the manifest"
        );
    }
    manifest
}

#[tokio::test]
async fn a_crash_before_the_commit_is_repaired_even_if_the_content_reverts() {
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let store = Faulty {
        inner: LocalStore::new(dir.path().join("out")),
        fault: Mutex::new(Fault::None),
    };
    fixtures::write_issues(&issues, 2);
    let config = fixtures::config(&issues);
    publish::refresh(&store, &config, Utc::now()).await.unwrap();

    // A third item is written to index.json, then the run dies before the
    // manifest: the published manifest no longer matches index.json.
    fixtures::write_issues(&issues, 3);
    *store.fault.lock().unwrap() = Fault::FailManifest;
    let failed = publish::refresh(&store, &config, Utc::now()).await;
    assert!(failed.is_err());
    assert!(
        store.get(JOURNAL).await.unwrap().is_some(),
        "the journal marks the cut"
    );

    // The item is withdrawn again: the content equals the manifest, yet the
    // next run must rewrite what the cut-short run left.
    fixtures::write_issues(&issues, 2);
    let repaired = publish::refresh(&store, &config, Utc::now()).await.unwrap();
    assert_eq!(repaired.outcome, Outcome::Published);
    assert!(repaired.written.contains(&"index.json".to_string()));
    let manifest = assert_consistent(&store).await;
    assert_eq!(manifest.items.len(), 2);
    assert!(store.get(JOURNAL).await.unwrap().is_none());

    // And then it is quiet again.
    let quiet = publish::refresh(&store, &config, Utc::now()).await.unwrap();
    assert_eq!(quiet.outcome, Outcome::Unchanged);
}

#[tokio::test]
async fn the_loser_of_the_manifest_race_finds_its_work_done() {
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let store = Faulty {
        inner: LocalStore::new(dir.path().join("out")),
        fault: Mutex::new(Fault::None),
    };
    fixtures::write_issues(&issues, 2);
    let config = fixtures::config(&issues);
    publish::refresh(&store, &config, Utc::now()).await.unwrap();

    fixtures::write_issues(&issues, 3);
    *store.fault.lock().unwrap() = Fault::LoseManifestRace;
    let summary = publish::refresh(&store, &config, Utc::now()).await.unwrap();
    assert_eq!(
        summary.outcome,
        Outcome::Unchanged,
        "the winner published the same content"
    );
    let manifest = assert_consistent(&store).await;
    assert_eq!(manifest.items.len(), 3);
    assert!(store.get(JOURNAL).await.unwrap().is_none());
}
