//! Publishing to a real S3-compatible server on loopback (moto, started by
//! scripts/services.d/s3.sh): content types and cache policy of every
//! object, unchanged runs that write only status.json, conditional writes,
//! the publish lease, and eight refreshers racing on one bucket.
//!
//! These tests are `#[ignore]`d: they need the server. `bash scripts/test.sh`
//! starts it and runs them (`--include-ignored`); run alone, a test without
//! `CVEFEED_TEST_S3_ENDPOINT` fails rather than passing untested. The one
//! test that is not ignored (`s3::ci_provides_the_s3_test_server`) fails
//! under `CI=true` when no server is set.

#[path = "store_support/conformance.rs"]
mod conformance;
#[path = "store_support/fixtures.rs"]
mod fixtures;
#[path = "store_support/s3.rs"]
mod s3;
#[path = "store_support/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use cvefeed::publish::{self, COMPAT_FEED, COMPAT_HASH, JOURNAL, Outcome, RefreshConfig};
use cvefeed::store::{LEASE_OBJECT, OpenOptions, PutMode, Store, StoreError};
use cvefeed_model::manifest::{MANIFEST, Manifest, STATUS};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};

/// A plain S3 client on the bucket, to look at what was written.
fn raw_client(bucket: &s3::Bucket) -> AmazonS3 {
    AmazonS3Builder::new()
        .with_endpoint(&bucket.endpoint)
        .with_allow_http(true)
        .with_bucket_name(&bucket.name)
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_region("us-east-1")
        .build()
        .unwrap()
}

/// Version id of every object under `prefix`, by name relative to it.
async fn versions(raw: &AmazonS3, prefix: &str) -> BTreeMap<String, String> {
    use futures::TryStreamExt;
    let metas: Vec<_> = raw
        .list(Some(&Path::from(prefix)))
        .try_collect()
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for m in metas {
        let head = raw.head(&m.location).await.unwrap();
        let name = m.location.as_ref()[prefix.len() + 1..].to_string();
        out.insert(name, head.version.expect("versioned bucket"));
    }
    out
}

/// The bytes of object `path` in the bucket, through the plain client.
async fn raw_bytes(raw: &AmazonS3, path: &str) -> Vec<u8> {
    let got = raw.get(&Path::from(path)).await.unwrap();
    got.bytes().await.unwrap().to_vec()
}

/// A first publication of three fixture issues (the upstream pair too) to
/// `prefix` in a fresh bucket, with what the next runs and checks need.
struct Published {
    _dir: tempfile::TempDir,
    issues: PathBuf,
    config: RefreshConfig,
    store: Box<dyn Store>,
    raw: AmazonS3,
}

impl Published {
    async fn new(bucket: &str, prefix: &str) -> Published {
        let bucket = s3::Bucket::new(bucket).await;
        let dir = tempfile::tempdir().unwrap();
        let issues = dir.path().join("issues.json");
        fixtures::write_issues(&issues, 3);
        let mut config = fixtures::config(&issues);
        config.compat_k8s_bucket = true;
        let store = bucket.open(prefix);
        let first = publish::refresh(store.as_ref(), &config, Utc::now())
            .await
            .unwrap();
        assert_eq!(first.outcome, Outcome::Published);
        Published {
            _dir: dir,
            issues,
            config,
            store,
            raw: raw_client(&bucket),
        }
    }
}

#[tokio::test]
#[ignore = "needs the S3 test server"]
async fn publish_reads_back_every_object_with_type_and_cache_control() {
    let Published { raw, .. } = Published::new("cvefeed-read", "feed/v1").await;
    let manifest_bytes = raw_bytes(&raw, "feed/v1/manifest.json").await;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).unwrap();
    assert!(manifest.objects.contains_key("index.json"));
    assert!(manifest.objects.contains_key(COMPAT_FEED));
    assert!(manifest.objects.contains_key(COMPAT_HASH));

    let mut names: Vec<&str> = manifest.objects.keys().map(String::as_str).collect();
    names.extend([MANIFEST, STATUS]);
    for name in names {
        let got = raw
            .get(&Path::from(format!("feed/v1/{name}")))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let attrs = got.attributes.clone();
        let bytes = got.bytes().await.unwrap();
        let (want_type, want_cache) = match name {
            MANIFEST | STATUS => ("application/json", "no-cache"),
            _ => (
                manifest.objects[name].content_type.as_str(),
                "public, max-age=300",
            ),
        };
        assert_eq!(
            attrs.get(&Attribute::ContentType).map(|v| v.as_ref()),
            Some(want_type),
            "{name}"
        );
        assert_eq!(
            attrs.get(&Attribute::CacheControl).map(|v| v.as_ref()),
            Some(want_cache),
            "{name}"
        );
        if let Some(entry) = manifest.objects.get(name) {
            assert_eq!(hex::encode(Sha256::digest(&bytes)), entry.sha256, "{name}");
        }
    }
    // The JSON Feed's own type, and the upstream pair.
    assert_eq!(
        manifest.objects["index.json"].content_type,
        "application/feed+json"
    );
    let feed = raw_bytes(&raw, "feed/v1/index.json").await;
    let compat = raw_bytes(&raw, &format!("feed/v1/{COMPAT_FEED}")).await;
    let hash = raw_bytes(&raw, &format!("feed/v1/{COMPAT_HASH}")).await;
    // The upstream object: index.json with the item-level status.
    let mut want: serde_json::Value = serde_json::from_slice(&feed).unwrap();
    for item in want["items"].as_array_mut().unwrap() {
        let status = item["_kubernetes_io"]["status"].clone();
        item.as_object_mut()
            .unwrap()
            .insert("status".into(), status);
    }
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&compat).unwrap(),
        want
    );
    assert_eq!(
        std::str::from_utf8(&hash).unwrap(),
        format!("{}\n", hex::encode(Sha256::digest(&compat)))
    );
    // No journal or held lease is left behind.
    let left = versions(&raw, "feed/v1").await;
    assert!(!left.contains_key(JOURNAL), "{left:?}");
    let lease = raw_bytes(&raw, &format!("feed/v1/{LEASE_OBJECT}")).await;
    let lease: serde_json::Value = serde_json::from_slice(&lease).unwrap();
    assert_eq!(lease["released"], true);
}

#[tokio::test]
#[ignore = "needs the S3 test server"]
async fn unchanged_run_writes_only_status_and_a_change_writes_only_what_changed() {
    let Published {
        _dir,
        issues,
        config,
        store,
        raw,
    } = Published::new("cvefeed-unchanged", "p").await;
    let before = versions(&raw, "p").await;

    let second = publish::refresh(store.as_ref(), &config, Utc::now())
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert!(second.written.is_empty(), "{:?}", second.written);
    let after = versions(&raw, "p").await;
    let rewritten: Vec<&String> = after
        .iter()
        .filter(|(name, v)| before.get(*name) != Some(v))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        rewritten,
        [STATUS],
        "an unchanged run rewrote more than status.json"
    );

    // One more issue: exactly the objects whose manifest entry changed are
    // rewritten, with the manifest, status.json and the lease (the journal
    // is written and deleted again).
    let read_manifest = || async {
        let bytes = store.get(MANIFEST).await.unwrap().unwrap().bytes;
        serde_json::from_slice::<Manifest>(&bytes).unwrap()
    };
    let old = read_manifest().await;
    fixtures::write_issues(&issues, 4);
    // A later second than the first run: `audit.json` carries the feed's
    // `updated_at` to the second, so within the same second it would be
    // rewritten with the same bytes (its entry unchanged).
    let later = Utc::now() + chrono::TimeDelta::seconds(2);
    let third = publish::refresh(store.as_ref(), &config, later)
        .await
        .unwrap();
    assert_eq!(third.outcome, Outcome::Published);
    let new = read_manifest().await;
    let later = versions(&raw, "p").await;
    let rewritten: BTreeSet<&str> = later
        .iter()
        .filter(|(name, v)| after.get(*name) != Some(v))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut expected: BTreeSet<&str> = new
        .objects
        .iter()
        .filter(|(name, e)| old.objects.get(*name) != Some(e))
        .map(|(name, _)| name.as_str())
        .collect();
    expected.extend([MANIFEST, STATUS, LEASE_OBJECT]);
    assert_eq!(rewritten, expected);
    for name in ["index.json", COMPAT_FEED, COMPAT_HASH] {
        assert!(rewritten.contains(name), "{name} should change");
    }
    // The record of an item that did not change is not rewritten.
    let unchanged_record = "osv/CVE-2031-1001.json";
    assert!(
        new.objects.contains_key(unchanged_record),
        "{:?}",
        new.objects.keys()
    );
    assert!(!rewritten.contains(unchanged_record));
    assert!(!later.contains_key(JOURNAL));
}

#[tokio::test]
#[ignore = "needs the S3 test server"]
async fn conditional_writes_are_honoured_by_the_server() {
    let store = s3::Bucket::new("cvefeed-cas").await.open("");
    let put = |body: &[u8], mode| store.put(MANIFEST, body.to_vec(), "application/json", mode);
    put(b"one", PutMode::Create).await.unwrap();
    let again = put(b"two", PutMode::Create).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    let v1 = store.get(MANIFEST).await.unwrap().unwrap().version;
    put(b"three", PutMode::Update(v1.clone())).await.unwrap();
    let stale = put(b"four", PutMode::Update(v1)).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert_eq!(store.get(MANIFEST).await.unwrap().unwrap().bytes, b"three");
    assert!(store.get("missing.json").await.unwrap().is_none());
}

#[tokio::test]
#[ignore = "needs the S3 test server"]
async fn the_lease_excludes_others_and_is_taken_over_when_expired() {
    let bucket = s3::Bucket::new("cvefeed-lease").await;
    let open = || {
        cvefeed::store::open_with(
            &bucket.location("x"),
            &OpenOptions {
                config: bucket.options(),
                lease_ttl: Duration::from_millis(1500),
                ..OpenOptions::default()
            },
        )
        .unwrap()
    };
    let (a, b) = (open(), open());
    let mut held = a.lock(Duration::ZERO).await.unwrap().unwrap();
    let refused = b.lock(Duration::from_millis(300)).await;
    assert!(
        matches!(refused, Err(StoreError::Locked { .. })),
        "{refused:?}"
    );

    // A lets it expire; B takes it over; A finds out at its next renewal.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let taken = b.lock(Duration::ZERO).await.unwrap().unwrap();
    let lost = held.keep_alive().await;
    assert!(matches!(lost, Err(StoreError::LockLost { .. })), "{lost:?}");
    // Releasing makes it free at once.
    taken.release().await.unwrap();
    let again = a.lock(Duration::ZERO).await.unwrap().unwrap();
    again.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the S3 test server"]
async fn eight_refreshers_at_once_publish_each_version_exactly_once() {
    let bucket = s3::Bucket::new("cvefeed-race").await;
    let moto = conformance::Emulator {
        root: bucket.location(""),
        options: bucket.options(),
        raw: std::sync::Arc::new(raw_client(&bucket)),
        keeps_cache_control: true,
        listing: conformance::Listing::ObjectStore,
    };
    let published = conformance::eight_refreshers_stay_consistent(&moto).await;
    assert_eq!(
        published,
        [1, 1],
        "exactly one refresher publishes each round"
    );
}
