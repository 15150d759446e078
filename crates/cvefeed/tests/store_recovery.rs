//! What a publish that is cut short, or that loses the manifest race,
//! leaves behind, and how the next attempt recovers (local store: a cut
//! publication never becomes visible; the journal logic is the pipeline's,
//! the same for every store). A failed signed commit on a directory
//! writes no signature outside the generations.

#[path = "store_support/faulty.rs"]
mod faulty;
#[path = "store_support/fixtures.rs"]
mod fixtures;

use chrono::Utc;
use cvefeed::publish::{self, JOURNAL, Outcome, RefreshConfig, Trust};
use cvefeed::store::Store;
use cvefeed_model::manifest::{MANIFEST, Manifest};
use cvefeed_model::signature::SIGNATURE;
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
async fn a_crash_before_the_commit_leaves_the_publication_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let out = dir.path().join("out");
    let store = FaultyStore::new(&out);
    fixtures::write_issues(&issues, 2);
    let config = fixtures::config(&issues);
    publish::refresh(&store, &config, Utc::now()).await.unwrap();
    let index = std::fs::read(out.join("index.json")).unwrap();

    // A third item is staged, then the run dies before the manifest: the
    // published files are still the old publication, every one of them.
    fixtures::write_issues(&issues, 3);
    store.arm(Fault::FailManifest);
    let failed = publish::refresh(&store, &config, Utc::now()).await;
    assert!(failed.is_err());
    assert!(
        store.get(JOURNAL).await.unwrap().is_some(),
        "the journal marks the cut"
    );
    assert_eq!(std::fs::read(out.join("index.json")).unwrap(), index);
    assert_eq!(assert_consistent(&store).await.items.len(), 2);

    // The item is withdrawn again: the content equals the manifest, the
    // journal's objects are verified, found intact, and nothing is written.
    fixtures::write_issues(&issues, 2);
    let next = publish::refresh(&store, &config, Utc::now()).await.unwrap();
    assert_eq!(next.outcome, Outcome::Unchanged);
    assert_eq!(assert_consistent(&store).await.items.len(), 2);
    assert!(store.get(JOURNAL).await.unwrap().is_none());
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

#[tokio::test]
async fn a_failed_signed_commit_on_a_directory_leaves_no_signature_behind() {
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let out = dir.path().join("out");
    let store = FaultyStore::new(&out);
    assert!(store.commits_atomically());
    fixtures::write_issues(&issues, 2);
    let unsigned = fixtures::config(&issues);
    publish::refresh(&store, &unsigned, Utc::now())
        .await
        .unwrap();
    let pair = cvefeed::keys::keygen(&dir.path().join("keys")).unwrap();
    let signed = RefreshConfig {
        trust: Trust {
            signer: Some(cvefeed::keys::read_signing_key(&pair.private).unwrap()),
            ..Trust::default()
        },
        ..fixtures::config(&issues)
    };
    let signature = out.join(SIGNATURE);

    // The first signed publication fails at its commit: the directory
    // still shows the unsigned one, and no signature beside it (one
    // written outside the generations would outlive the next switch).
    fixtures::write_issues(&issues, 3);
    store.arm(Fault::FailManifest);
    assert!(publish::refresh(&store, &signed, Utc::now()).await.is_err());
    assert_eq!(assert_consistent(&store).await.items.len(), 2);
    assert!(
        std::fs::symlink_metadata(&signature).is_err(),
        "{SIGNATURE} was written outside the generation"
    );

    // An unsigned publication after it shows no signature either.
    publish::refresh(&store, &unsigned, Utc::now())
        .await
        .unwrap();
    assert_eq!(assert_consistent(&store).await.items.len(), 3);
    assert!(std::fs::symlink_metadata(&signature).is_err());
}
