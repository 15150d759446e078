//! What a publish that is cut short, or that loses the manifest race,
//! leaves behind, and how the next attempt repairs it (local store; the
//! logic is the pipeline's, the same for every store).

#[path = "store_support/faulty.rs"]
mod faulty;
#[path = "store_support/fixtures.rs"]
mod fixtures;

use chrono::Utc;
use cvefeed::publish::{self, JOURNAL, Outcome};
use cvefeed::store::Store;
use cvefeed_model::manifest::{MANIFEST, Manifest};
use sha2::{Digest, Sha256};

use faulty::{Fault, FaultyStore};

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
    let store = FaultyStore::new(&dir.path().join("out"));
    fixtures::write_issues(&issues, 2);
    let config = fixtures::config(&issues);
    publish::refresh(&store, &config, Utc::now()).await.unwrap();

    // A third item is written to index.json, then the run dies before the
    // manifest: the published manifest no longer matches index.json.
    fixtures::write_issues(&issues, 3);
    store.arm(Fault::FailManifest);
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
    let store = FaultyStore::new(&dir.path().join("out"));
    fixtures::write_issues(&issues, 2);
    let config = fixtures::config(&issues);
    publish::refresh(&store, &config, Utc::now()).await.unwrap();

    fixtures::write_issues(&issues, 3);
    store.arm(Fault::LoseManifestRace);
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
