//! What a publish that is cut short, or that loses the manifest race,
//! leaves behind, and how the next attempt recovers (local store: a cut
//! publication never becomes visible; the journal logic is the pipeline's,
//! the same for every store). A failed signed commit on a directory
//! writes no signature outside the generations.

#[path = "store_support/conformance.rs"]
mod conformance;
#[path = "store_support/faulty.rs"]
mod faulty;
#[path = "store_support/fixtures.rs"]
mod fixtures;

use std::path::PathBuf;

use chrono::Utc;
use conformance::assert_consistent;
use cvefeed::publish::{self, JOURNAL, Outcome, RefreshConfig, RefreshError, Summary, Trust};
use cvefeed::store::Store;
use cvefeed_model::signature::SIGNATURE;

use faulty::{Fault, FaultyStore};

/// A [`FaultyStore`] on `out/` of a work directory, with a first
/// publication of two fixture issues (`issues.json`, through `config`).
struct Published {
    dir: tempfile::TempDir,
    issues: PathBuf,
    out: PathBuf,
    store: FaultyStore,
    config: RefreshConfig,
}

impl Published {
    async fn new() -> Published {
        let dir = tempfile::tempdir().unwrap();
        let issues = dir.path().join("issues.json");
        let out = dir.path().join("out");
        let store = FaultyStore::new(&out);
        fixtures::write_issues(&issues, 2);
        let config = fixtures::config(&issues);
        publish::refresh(&store, &config, Utc::now()).await.unwrap();
        Published {
            dir,
            issues,
            out,
            store,
            config,
        }
    }

    /// A third issue is filed, and the refresh runs with `fault` armed.
    async fn third_item_with(&self, fault: Fault) -> Result<Summary, RefreshError> {
        fixtures::write_issues(&self.issues, 3);
        self.store.arm(fault);
        publish::refresh(&self.store, &self.config, Utc::now()).await
    }

    /// The next run, with no fault: it verifies what the journal names,
    /// writes nothing, removes the journal, and `items` are published.
    async fn next_run_repairs(&self, items: usize) {
        self.store.arm(Fault::None);
        let next = publish::refresh(&self.store, &self.config, Utc::now())
            .await
            .unwrap();
        assert_eq!(next.outcome, Outcome::Unchanged);
        assert_eq!(assert_consistent(&self.store).await.items.len(), items);
        assert!(self.store.get(JOURNAL).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_crash_before_the_commit_leaves_the_publication_untouched() {
    let t = Published::new().await;
    let index = std::fs::read(t.out.join("index.json")).unwrap();

    // A third item is staged, then the run dies before the manifest: the
    // published files are still the old publication, every one of them.
    assert!(t.third_item_with(Fault::FailManifest).await.is_err());
    assert!(
        t.store.get(JOURNAL).await.unwrap().is_some(),
        "the journal marks the cut"
    );
    assert_eq!(std::fs::read(t.out.join("index.json")).unwrap(), index);
    assert_eq!(assert_consistent(&t.store).await.items.len(), 2);

    // The item is withdrawn again: the content equals the manifest, the
    // journal's objects are verified, found intact, and nothing is written.
    fixtures::write_issues(&t.issues, 2);
    t.next_run_repairs(2).await;
}

/// Object `name` of `store`, as JSON.
async fn json(store: &FaultyStore, name: &str) -> serde_json::Value {
    let bytes = store.get(name).await.unwrap().unwrap().bytes;
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_journal_of_a_cut_publish_marks_the_committed_change_log() {
    let t = Published::new().await;
    let manifest = json(&t.store, "manifest.json").await;
    let committed = json(&t.store, "changes.json").await;

    assert!(t.third_item_with(Fault::FailManifest).await.is_err());
    // The journal records the committed log's event count and the sha256
    // the manifest names for it: recovery cuts a replaced log there.
    let journal = json(&t.store, JOURNAL).await;
    assert_eq!(
        journal["committed_log"],
        serde_json::json!({
            "events": committed["events"].as_array().unwrap().len(),
            "sha256": manifest["objects"]["changes.json"]["sha256"],
        })
    );
    assert!(journal["names"].as_array().unwrap().len() > 1);
    fixtures::write_issues(&t.issues, 2);
    t.next_run_repairs(2).await;
}

#[tokio::test]
async fn the_loser_of_the_manifest_race_finds_its_work_done() {
    let t = Published::new().await;

    let summary = t.third_item_with(Fault::LoseManifestRace).await.unwrap();
    assert_eq!(
        summary.outcome,
        Outcome::Unchanged,
        "the winner published the same content"
    );
    let manifest = assert_consistent(&t.store).await;
    assert_eq!(manifest.items.len(), 3);
    assert!(t.store.get(JOURNAL).await.unwrap().is_none());
}

#[tokio::test]
async fn a_failed_signed_commit_on_a_directory_leaves_no_signature_behind() {
    let t = Published::new().await;
    let (store, unsigned) = (&t.store, &t.config);
    assert!(store.commits_atomically());
    let pair = cvefeed::keys::keygen(&t.dir.path().join("keys")).unwrap();
    let signed = RefreshConfig {
        trust: Trust {
            signer: Some(cvefeed::keys::read_signing_key(&pair.private).unwrap()),
            ..Trust::default()
        },
        ..fixtures::config(&t.issues)
    };
    let signature = t.out.join(SIGNATURE);

    // The first signed publication fails at its commit: the directory
    // still shows the unsigned one, and no signature beside it (one
    // written outside the generations would outlive the next switch).
    fixtures::write_issues(&t.issues, 3);
    store.arm(Fault::FailManifest);
    assert!(publish::refresh(store, &signed, Utc::now()).await.is_err());
    assert_eq!(assert_consistent(store).await.items.len(), 2);
    assert!(
        std::fs::symlink_metadata(&signature).is_err(),
        "{SIGNATURE} was written outside the generation"
    );

    // An unsigned publication after it shows no signature either.
    publish::refresh(store, unsigned, Utc::now()).await.unwrap();
    assert_eq!(assert_consistent(store).await.items.len(), 3);
    assert!(std::fs::symlink_metadata(&signature).is_err());
}

#[tokio::test]
async fn a_journal_that_cannot_be_removed_after_the_commit_fails_nothing() {
    let t = Published::new().await;

    // The manifest is committed, then the journal's removal fails: the new
    // publication is public, so the run reports it published, not failed.
    let summary = t.third_item_with(Fault::FailDeletes).await.unwrap();
    assert_eq!(summary.outcome, Outcome::Published);
    assert_eq!(assert_consistent(&t.store).await.items.len(), 3);
    assert!(
        t.store.get(JOURNAL).await.unwrap().is_some(),
        "the journal is left for the next run"
    );

    t.next_run_repairs(3).await;
}
