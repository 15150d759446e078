//! The store checks every bucket emulator runs, the way the S3 tests run
//! them against moto: publish and read every object back with its content
//! type, an unchanged run that writes nothing but `status.json`, eight
//! refreshers racing on one prefix, and whether the server honours the
//! conditional writes (`PutMode::Create`, `PutMode::Update`) the manifest
//! and the lease rely on. The recovery tests share the check that a
//! publication is consistent.
#![allow(dead_code, reason = "each emulator's tests use their part of it")]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use cvefeed::publish::{self, JOURNAL, Outcome, RefreshConfig};
use cvefeed::store::{self, OpenOptions, PutMode, Store, StoreError};
use cvefeed_model::manifest::{MANIFEST, Manifest, STATUS};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};

use crate::fixtures;

/// One emulator: how to open a store on it, and a plain client on the
/// bucket to look at what was written.
pub struct Emulator {
    /// `az://container` or `gs://bucket`: a prefix is appended.
    pub root: String,
    /// `--out-option`s for the emulator.
    pub options: Vec<(String, String)>,
    /// A plain `object_store` client on the same bucket.
    pub raw: Arc<dyn ObjectStore>,
    /// Whether the emulator keeps `Cache-Control` (fake-gcs-server does not).
    pub keeps_cache_control: bool,
    /// How to list a prefix with each object's version.
    pub listing: Listing,
}

/// How an emulator lists objects with their versions.
pub enum Listing {
    /// The plain client's `list`, then `head` (ETag or version).
    ObjectStore,
    /// The GCS JSON API at this URL, for this bucket (fake-gcs-server has
    /// no XML listing): each item's `generation`.
    GcsJson {
        /// The emulator's URL.
        url: String,
        /// The bucket.
        bucket: String,
    },
}

impl Emulator {
    /// A store on `prefix` (made unique per test process).
    pub fn open(&self, prefix: &str) -> Box<dyn Store> {
        store::open_with(
            &self.location(prefix),
            &OpenOptions {
                config: self.options.clone(),
                ..OpenOptions::default()
            },
        )
        .unwrap()
    }

    /// `root/prefix`.
    pub fn location(&self, prefix: &str) -> String {
        format!("{}/{prefix}", self.root)
    }

    /// The version of every object under `prefix` (ETag for Azure,
    /// generation for GCS: both change with every write).
    pub async fn versions(&self, prefix: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match &self.listing {
            Listing::ObjectStore => {
                let metas: Vec<_> = self
                    .raw
                    .list(Some(&Path::from(prefix)))
                    .try_collect()
                    .await
                    .unwrap();
                for m in metas {
                    let head = self.raw.head(&m.location).await.unwrap();
                    let name = m.location.as_ref()[prefix.len() + 1..].to_string();
                    let version = head.version.or(head.e_tag).expect("a version or an ETag");
                    out.insert(name, version);
                }
            }
            Listing::GcsJson { url, bucket } => {
                let list: serde_json::Value = reqwest::Client::new()
                    .get(format!("{url}/storage/v1/b/{bucket}/o?prefix={prefix}/"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                for item in list["items"].as_array().into_iter().flatten() {
                    let name = item["name"].as_str().unwrap()[prefix.len() + 1..].to_string();
                    out.insert(name, item["generation"].as_str().unwrap().to_string());
                }
            }
        }
        out
    }
}

/// A prefix no other test (or earlier run) uses.
pub fn unique(name: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "{name}-{}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_millis(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// The manifest of `store`, after checking that every object it names is
/// there with its sha256.
pub async fn assert_consistent(store: &dyn Store) -> Manifest {
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

/// A first publication of three fixture issues to a fresh prefix named
/// after `name`, and the store and configuration that made it.
struct Published {
    prefix: String,
    _dir: tempfile::TempDir,
    config: RefreshConfig,
    store: Box<dyn Store>,
}

impl Published {
    async fn new(emu: &Emulator, name: &str) -> Published {
        let prefix = unique(name);
        let dir = tempfile::tempdir().unwrap();
        let issues = dir.path().join("issues.json");
        fixtures::write_issues(&issues, 3);
        let config = fixtures::config(&issues);
        let store = emu.open(&prefix);
        let first = publish::refresh(store.as_ref(), &config, Utc::now())
            .await
            .unwrap();
        assert_eq!(first.outcome, Outcome::Published);
        Published {
            prefix,
            _dir: dir,
            config,
            store,
        }
    }
}

/// Publish three items, then read every object named by the manifest back
/// through the plain client: its bytes match the manifest's sha256 and it
/// carries the content type it was written with.
pub async fn publish_reads_back_every_object(emu: &Emulator) {
    let prefix = Published::new(emu, "read").await.prefix;
    let manifest: Manifest = serde_json::from_slice(
        &emu.raw
            .get(&Path::from(format!("{prefix}/{MANIFEST}")))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.items.len(), 3);
    let mut names: Vec<&str> = manifest.objects.keys().map(String::as_str).collect();
    assert!(names.contains(&"index.json") && names.contains(&"osv/all.zip"));
    names.extend([MANIFEST, STATUS]);
    for name in names {
        let got = emu
            .raw
            .get(&Path::from(format!("{prefix}/{name}")))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let attrs = got.attributes.clone();
        let bytes = got.bytes().await.unwrap();
        let (want_type, want_cache) = match manifest.objects.get(name) {
            Some(entry) => {
                assert_eq!(hex::encode(Sha256::digest(&bytes)), entry.sha256, "{name}");
                (entry.content_type.as_str(), "public, max-age=300")
            }
            None => ("application/json", "no-cache"),
        };
        assert_eq!(
            attrs.get(&Attribute::ContentType).map(|v| v.as_ref()),
            Some(want_type),
            "{name}"
        );
        if emu.keeps_cache_control {
            assert_eq!(
                attrs.get(&Attribute::CacheControl).map(|v| v.as_ref()),
                Some(want_cache),
                "{name}"
            );
        }
    }
    assert!(!emu.versions(&prefix).await.contains_key(JOURNAL));
}

/// A second run on the same input writes `status.json` and nothing else.
pub async fn unchanged_run_writes_only_status(emu: &Emulator) {
    let Published {
        prefix,
        _dir,
        config,
        store,
    } = Published::new(emu, "unchanged").await;
    let before = emu.versions(&prefix).await;
    assert!(before.len() > 5, "{before:?}");

    let second = publish::refresh(store.as_ref(), &config, Utc::now())
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert!(second.written.is_empty(), "{:?}", second.written);
    let after = emu.versions(&prefix).await;
    let rewritten: Vec<&String> = after
        .iter()
        .filter(|(name, v)| before.get(*name) != Some(v))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(rewritten, [STATUS], "an unchanged run rewrote more");
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
}

/// Eight refreshers publish the same input at once, twice (5 then 6
/// items). Whatever the server does with conditional writes, the manifest
/// names exactly the objects present, each with its sha256, and no journal
/// is left. Returns how many refreshers published each round.
pub async fn eight_refreshers_stay_consistent(emu: &Emulator) -> Vec<usize> {
    let prefix = unique("race");
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let mut published_per_round = Vec::new();
    for count in [5, 6] {
        fixtures::write_issues(&issues, count);
        let now = Utc::now();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = emu.open(&prefix);
                let config = fixtures::config(&issues);
                tokio::spawn(async move { publish::refresh(store.as_ref(), &config, now).await })
            })
            .collect();
        let mut published = 0;
        for t in tasks {
            let summary = t.await.unwrap().expect("every refresher ends cleanly");
            if summary.outcome == Outcome::Published {
                published += 1;
            }
        }
        published_per_round.push(published);

        let store = emu.open(&prefix);
        let manifest = assert_consistent(store.as_ref()).await;
        assert_eq!(manifest.items.len(), count as usize);
        assert!(store.get(JOURNAL).await.unwrap().is_none());
    }
    published_per_round
}

/// What the server did with each conditional write.
#[derive(Debug, PartialEq, Eq)]
pub struct Preconditions {
    /// A `Create` over an existing object was refused.
    pub create_refused: bool,
    /// An `Update` on the version read succeeded.
    pub update_on_current: bool,
    /// An `Update` on a version that is no longer current was refused.
    pub stale_update_refused: bool,
}

impl Preconditions {
    /// Everything the manifest's compare-and-swap and the lease rely on.
    pub const HONOURED: Preconditions = Preconditions {
        create_refused: true,
        update_on_current: true,
        stale_update_refused: true,
    };
}

/// Try each conditional write on a fresh object.
pub async fn preconditions(emu: &Emulator) -> Preconditions {
    let store = emu.open(&unique("cas"));
    let put = |body: &'static [u8], mode: PutMode| {
        let store = &store;
        async move {
            store
                .put(MANIFEST, body.to_vec(), "application/json", mode)
                .await
        }
    };
    put(b"one", PutMode::Create).await.unwrap();
    let create_refused = matches!(
        put(b"two", PutMode::Create).await,
        Err(StoreError::Conflict { .. })
    );
    let read = store.get(MANIFEST).await.unwrap().unwrap();
    let update_on_current = put(b"three", PutMode::Update(read.version.clone()))
        .await
        .is_ok();
    let stale = put(b"four", PutMode::Update(read.version)).await;
    let stale_update_refused = matches!(stale, Err(StoreError::Conflict { .. }));
    Preconditions {
        create_refused,
        update_on_current,
        stale_update_refused,
    }
}
