//! Change detection, the shrink guard and crash safety, driven from saved
//! issue files so each run's input is exact.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use cvefeed::publish::{self, Outcome, RefreshConfig, RefreshError, Source, Summary};
use cvefeed::store::LocalStore;

use crate::faulty::{Fault, FaultyStore};
use crate::support::*;

fn two_issues(second_body: &str) -> Value {
    json!([
        issue(
            201,
            "CVE-2031-2001: Stays the same",
            "Unchanged body.",
            "2031-01-01T00:00:00Z"
        ),
        issue(
            202,
            "CVE-2031-2002: Gets edited",
            second_body,
            "2031-02-01T00:00:00Z"
        ),
    ])
}

fn file_config(path: PathBuf) -> RefreshConfig {
    config(Source::File(path))
}

/// A work directory for the issues files, and the directory published
/// into with its store.
fn dirs() -> (TempDir, TempDir, LocalStore) {
    let (work, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = LocalStore::new(out.path());
    (work, out, store)
}

/// `two_issues("First version.")`, written in `work`, published to `store`
/// on 2031-03-01: the issues file and what the run did.
async fn publish_first_version(work: &Path, store: &LocalStore) -> (PathBuf, Summary) {
    let v1 = write_issues(work, "v1.json", &two_issues("First version."));
    let summary = refresh_ok(store, &file_config(v1.clone()), "2031-03-01T00:00:00Z").await;
    (v1, summary)
}

/// The published feed's `updated_at`, then the `date_modified` of
/// CVE-2031-2001 and of CVE-2031-2002.
fn dates(out: &Path) -> [Value; 3] {
    let feed = read_json(out, "index.json");
    let modified = |id: &str| {
        let items = feed["items"].as_array().unwrap();
        items.iter().find(|i| i["id"] == id).unwrap()["date_modified"].clone()
    };
    [
        feed["_kubernetes_io"]["updated_at"].clone(),
        modified("CVE-2031-2001"),
        modified("CVE-2031-2002"),
    ]
}

#[tokio::test]
async fn date_modified_moves_for_the_changed_item_only() {
    let (work, out, store) = dirs();
    let v1 = write_issues(work.path(), "v1.json", &two_issues("First version."));
    let v2 = write_issues(
        work.path(),
        "v2.json",
        &two_issues("Second version, with the fix."),
    );

    refresh_ok(&store, &file_config(v1), "2031-03-01T00:00:00Z").await;
    assert_eq!(
        dates(out.path()),
        [
            "2031-03-01T00:00:00Z",
            "2031-01-01T00:00:00Z",
            "2031-02-01T00:00:00Z"
        ],
        "first sighting = date_published"
    );

    let summary = refresh_ok(&store, &file_config(v2.clone()), "2031-03-05T00:00:00Z").await;
    assert_eq!(summary.outcome, Outcome::Published);
    assert_eq!(
        summary
            .changes
            .changed
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        ["CVE-2031-2002"]
    );
    assert_eq!(
        dates(out.path()),
        [
            "2031-03-05T00:00:00Z",
            "2031-01-01T00:00:00Z",
            "2031-03-05T00:00:00Z"
        ]
    );

    let before = std::fs::read(out.path().join("index.json")).unwrap();
    let summary = refresh_ok(&store, &file_config(v2), "2031-03-09T00:00:00Z").await;
    assert_eq!(summary.outcome, Outcome::Unchanged);
    assert_eq!(
        std::fs::read(out.path().join("index.json")).unwrap(),
        before
    );
}

#[tokio::test]
async fn an_edit_rewrites_its_record_and_the_whole_feed_documents_only() {
    let (work, _out, store) = dirs();
    let (_, first) = publish_first_version(work.path(), &store).await;
    let v2 = write_issues(work.path(), "v2.json", &two_issues("Edited."));
    assert!(
        first
            .written
            .contains(&"osv/CVE-2031-2001.json".to_string())
    );

    let summary = refresh_ok(&store, &file_config(v2), "2031-03-05T00:00:00Z").await;
    assert_eq!(
        summary.written,
        [
            publish::JOURNAL,
            "osv/CVE-2031-2002.json",
            "osv/all.zip",
            "audit.json",
            "index.json",
            "feed.xml",
            "atom.xml",
            "index.html",
            "changes.json",
            "changes.xml",
            "manifest.json",
        ]
    );
}

#[tokio::test]
async fn a_build_that_renders_differently_rewrites_every_object_but_no_date() {
    let (work, out, store) = dirs();
    let (v1, _) = publish_first_version(work.path(), &store).await;
    let index = std::fs::read(out.path().join("index.json")).unwrap();

    // The manifest says another build rendered the objects.
    let mut manifest = read_json(out.path(), "manifest.json");
    manifest["render_key"] = json!("an older build");
    std::fs::write(
        out.path().join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();

    let summary = refresh_ok(&store, &file_config(v1.clone()), "2031-03-05T00:00:00Z").await;
    assert_eq!(summary.outcome, Outcome::Published);
    assert!(summary.changes.is_empty(), "{:?}", summary.changes);
    for name in [
        "osv/CVE-2031-2001.json",
        "osv/CVE-2031-2002.json",
        "osv/all.zip",
        "index.json",
        "feed.xml",
        "atom.xml",
        "index.html",
    ] {
        assert!(
            summary.written.contains(&name.to_string()),
            "{name} not rewritten"
        );
    }
    // Same content: same bytes, and the dates did not move.
    assert_eq!(std::fs::read(out.path().join("index.json")).unwrap(), index);
    assert_eq!(
        read_json(out.path(), "manifest.json")["updated_at"],
        "2031-03-01T00:00:00Z"
    );
    assert_ne!(
        read_json(out.path(), "manifest.json")["render_key"],
        "an older build"
    );

    let quiet = refresh_ok(&store, &file_config(v1), "2031-03-09T00:00:00Z").await;
    assert_eq!(quiet.outcome, Outcome::Unchanged);
}

/// `index.json` as the upstream job shapes it: each item's status also as
/// the item-level key `status`, which kubernetes.io's templates read.
fn upstream_shape(index_json: &[u8]) -> Value {
    let mut feed: Value = serde_json::from_slice(index_json).unwrap();
    for item in feed["items"].as_array_mut().unwrap() {
        let status = item["_kubernetes_io"]["status"].clone();
        assert!(status.is_string(), "{item}");
        item.as_object_mut()
            .unwrap()
            .insert("status".into(), status);
    }
    feed
}

#[tokio::test]
async fn turning_on_the_upstream_names_writes_them_from_the_published_feed() {
    let (work, out, store) = dirs();
    let (v1, _) = publish_first_version(work.path(), &store).await;

    let mut compat = file_config(v1);
    compat.compat_k8s_bucket = true;
    let summary = refresh_ok(&store, &compat, "2031-03-05T00:00:00Z").await;
    assert_eq!(
        summary.written,
        [
            publish::JOURNAL,
            publish::COMPAT_FEED,
            publish::COMPAT_HASH,
            "manifest.json"
        ]
    );
    let feed = std::fs::read(out.path().join("index.json")).unwrap();
    let upstream = std::fs::read(out.path().join(publish::COMPAT_FEED)).unwrap();
    assert_eq!(
        upstream_shape(&feed),
        serde_json::from_slice::<Value>(&upstream).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join(publish::COMPAT_HASH)).unwrap(),
        format!("{}\n", hex::encode(Sha256::digest(&upstream)))
    );
    let quiet = refresh_ok(&store, &compat, "2031-03-09T00:00:00Z").await;
    assert_eq!(quiet.outcome, Outcome::Unchanged);
}

#[tokio::test]
async fn precompress_writes_siblings_listed_as_encodings_and_turning_it_off_removes_them() {
    use cvefeed_model::manifest::{Coding, Manifest};
    use std::io::Read;

    let (work, out, store) = dirs();
    let (v1, _) = publish_first_version(work.path(), &store).await;
    let manifest = |dir: &Path| -> Manifest {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
    };
    let before = manifest(out.path());
    assert!(before.objects.values().all(|e| e.encodings.is_empty()));

    // Turning it on writes only the siblings (and the manifest that lists them).
    let mut on = file_config(v1.clone());
    on.precompress = true;
    let summary = refresh_ok(&store, &on, "2031-03-05T00:00:00Z").await;
    assert_eq!(summary.outcome, Outcome::Published);
    let after = manifest(out.path());
    assert_eq!(after.updated_at, before.updated_at, "no content changed");
    let mut expected_siblings = Vec::new();
    for (name, entry) in &after.objects {
        assert_eq!(entry.sha256, before.objects[name].sha256, "{name}");
        if name.ends_with(".zip") {
            assert!(entry.encodings.is_empty(), "{name}");
            continue;
        }
        assert_eq!(entry.encodings.len(), 2, "{name}");
        let identity = std::fs::read(out.path().join(name)).unwrap();
        for coding in Coding::ALL {
            let sibling = &entry.encodings[&coding];
            assert_eq!(sibling.name, coding.sibling(name));
            let bytes = std::fs::read(out.path().join(&sibling.name)).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&bytes)), sibling.sha256);
            assert_eq!(bytes.len() as u64, sibling.size);
            let mut decoded = Vec::new();
            match coding {
                Coding::Gzip => flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_end(&mut decoded)
                    .unwrap(),
                Coding::Brotli => brotli::Decompressor::new(&bytes[..], 4096)
                    .read_to_end(&mut decoded)
                    .unwrap(),
            };
            assert_eq!(decoded, identity, "{}", sibling.name);
            expected_siblings.push(sibling.name.clone());
        }
    }
    let mut written: Vec<String> = summary.written.clone();
    written.sort();
    expected_siblings.extend([publish::JOURNAL.into(), "manifest.json".into()]);
    expected_siblings.sort();
    // Every object whose encodings changed is rewritten with its siblings.
    for name in &expected_siblings {
        assert!(written.contains(name), "{name} not written: {written:?}");
    }
    assert!(out.path().join("index.json.gz").is_file());
    assert!(!out.path().join("osv/all.zip.gz").exists());

    // Unchanged next time.
    let quiet = refresh_ok(&store, &on, "2031-03-06T00:00:00Z").await;
    assert_eq!(quiet.outcome, Outcome::Unchanged);

    // Off again: the siblings are deleted and the manifest lists none.
    let off = refresh_ok(&store, &file_config(v1), "2031-03-07T00:00:00Z").await;
    assert_eq!(off.outcome, Outcome::Published);
    assert!(
        manifest(out.path())
            .objects
            .values()
            .all(|e| e.encodings.is_empty())
    );
    for name in expected_siblings
        .iter()
        .filter(|n| n.ends_with(".gz") || n.ends_with(".br"))
    {
        assert!(!out.path().join(name).exists(), "{name} left behind");
    }
}

/// `two_issues("Body.")`, written in `work`, published to `out` on
/// 2031-03-01, then `fewer` refused on 2031-03-02 with the feed left as it
/// was: the path of `fewer` and the error.
async fn shrink_refused(work: &Path, out: &Path, fewer: &Value) -> (PathBuf, RefreshError) {
    let store = LocalStore::new(out);
    let both = write_issues(work, "both.json", &two_issues("Body."));
    let fewer = write_issues(work, "fewer.json", fewer);
    refresh_ok(&store, &file_config(both), "2031-03-01T00:00:00Z").await;
    let before = snapshot(out);

    let err = refresh_err(&store, &file_config(fewer.clone()), "2031-03-02T00:00:00Z").await;

    assert_eq!(snapshot(out).get("index.json"), before.get("index.json"));
    (fewer, err)
}

#[tokio::test]
async fn the_shrink_guard_refuses_to_drop_items() {
    let (work, out, store) = dirs();
    let first_only = json!([two_issues("Body.")[0].clone()]);
    let (one, err) = shrink_refused(work.path(), out.path(), &first_only).await;
    assert!(matches!(err, RefreshError::Shrink { .. }));
    let message = err.to_string();
    assert!(
        message.contains("CVE-2031-2002") && message.contains("--allow-shrink"),
        "{message}"
    );

    let mut tolerant = file_config(one);
    tolerant.shrink_tolerance = 1;
    let summary = refresh_ok(&store, &tolerant, "2031-03-03T00:00:00Z").await;
    assert_eq!(summary.changes.removed.len(), 1);
    assert_eq!(feed_ids(out.path()), ["CVE-2031-2001"]);
}

#[tokio::test]
async fn allow_shrink_publishes_an_emptier_feed() {
    let (work, out, store) = dirs();
    let (none, _) = shrink_refused(work.path(), out.path(), &json!([])).await;
    let mut allowed = file_config(none);
    allowed.allow_shrink = true;
    refresh_ok(&store, &allowed, "2031-03-02T00:00:00Z").await;
    assert!(feed_ids(out.path()).is_empty());
}

#[tokio::test]
async fn a_failure_at_any_write_leaves_the_published_files_byte_identical() {
    let work = tempfile::tempdir().unwrap();
    let v1 = write_issues(work.path(), "v1.json", &two_issues("First version."));
    let v2 = write_issues(work.path(), "v2.json", &two_issues("Second version."));
    let publish_v1 = async |dir: &Path| {
        let store = LocalStore::new(dir);
        refresh_ok(&store, &file_config(v1.clone()), "2031-03-01T00:00:00Z").await
    };
    let objects = {
        let probe = tempfile::tempdir().unwrap();
        publish_v1(probe.path()).await;
        read_json(probe.path(), "manifest.json")["objects"]
            .as_object()
            .unwrap()
            .len()
    };

    // Fail each write position in turn (a full disk): what a reader sees
    // must stay exactly the old publication, with no file added, until the
    // whole new one is switched in.
    // Writes: the journal, the due objects, the manifest, then status.json.
    let mut successes = 0;
    for fail_at in 1..=objects + 3 {
        let scratch = tempfile::tempdir().unwrap();
        publish_v1(scratch.path()).await;
        let old = snapshot(scratch.path());
        let store = FaultyStore::new(scratch.path());
        store.arm(Fault::FullDiskAt(fail_at));
        let result =
            publish::refresh(&store, &file_config(v2.clone()), at("2031-03-02T00:00:00Z")).await;
        let now = snapshot(scratch.path());
        let published = |m: &Snapshot| {
            m.iter()
                .filter(|(n, _)| !n.starts_with('.') && *n != "status.json")
                .map(|(n, b)| (n.clone(), b.clone()))
                .collect::<Vec<_>>()
        };
        match &result {
            Err(e) => {
                assert!(e.to_string().contains("disk is full"), "{e}");
                let changed: Vec<&String> = now
                    .keys()
                    .chain(old.keys())
                    .filter(|n| !n.starts_with('.') && *n != "status.json")
                    .filter(|n| now.get(*n) != old.get(*n))
                    .collect();
                assert!(
                    published(&now) == published(&old),
                    "{changed:?} changed on a failed publish (fail_at {fail_at}): {e}"
                );
            }
            // Only the write of status.json comes after the switch: a run
            // that fails there (or past the last write) has published, and
            // says so.
            Ok(summary) => {
                assert_eq!(summary.outcome, Outcome::Published);
                assert!(fail_at > objects, "fail_at {fail_at} went unnoticed");
                successes += 1;
            }
        }
        for name in now.keys() {
            assert!(!name.contains(".tmp-"), "temporary file {name} left behind");
        }
        let leftovers: Vec<String> = std::fs::read_dir(scratch.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("..tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?} (fail_at {fail_at})");
        // The next healthy run publishes v2, and the manifest matches the files.
        refresh_ok(
            &LocalStore::new(scratch.path()),
            &file_config(v2.clone()),
            "2031-03-03T00:00:00Z",
        )
        .await;
        let manifest_after = read_json(scratch.path(), "manifest.json");
        for (name, entry) in manifest_after["objects"].as_object().unwrap() {
            let bytes = std::fs::read(scratch.path().join(name)).unwrap();
            assert_eq!(
                entry["sha256"],
                hex::encode(Sha256::digest(&bytes)),
                "{name} (fail_at {fail_at})"
            );
        }
        assert!(!scratch.path().join(publish::JOURNAL).exists());
    }
    assert!(successes <= 3, "{successes} runs did not fail");
}
