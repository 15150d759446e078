//! Change detection, the shrink guard and crash safety, driven from saved
//! issue files so each run's input is exact.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use cvefeed::publish::{self, Outcome, RefreshConfig, RefreshError, Source, Summary};
use cvefeed::store::LocalStore;

use crate::faulty::{Fault, FaultyStore};
use crate::support::*;

fn write_issues(dir: &Path, name: &str, issues: Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&issues).unwrap()).unwrap();
    path
}

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

/// `two_issues("First version.")` published to `out` on 2031-03-01: the
/// store, the issues file and what the run did.
async fn publish_first_version(work: &Path, out: &Path) -> (LocalStore, PathBuf, Summary) {
    let store = LocalStore::new(out);
    let v1 = write_issues(work, "v1.json", two_issues("First version."));
    let summary = publish::refresh(&store, &file_config(v1.clone()), at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();
    (store, v1, summary)
}

fn item<'a>(feed: &'a Value, id: &str) -> &'a Value {
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn date_modified_moves_for_the_changed_item_only() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = LocalStore::new(out.path());
    let v1 = write_issues(work.path(), "v1.json", two_issues("First version."));
    let v2 = write_issues(
        work.path(),
        "v2.json",
        two_issues("Second version, with the fix."),
    );

    publish::refresh(&store, &file_config(v1), at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();
    let first = read_json(out.path(), "index.json");
    assert_eq!(
        first["_kubernetes_io"]["updated_at"],
        "2031-03-01T00:00:00Z"
    );
    assert_eq!(
        item(&first, "CVE-2031-2002")["date_modified"],
        "2031-02-01T00:00:00Z",
        "first sighting = date_published"
    );

    let summary = publish::refresh(&store, &file_config(v2.clone()), at("2031-03-05T00:00:00Z"))
        .await
        .unwrap();
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
    let second = read_json(out.path(), "index.json");
    assert_eq!(
        second["_kubernetes_io"]["updated_at"],
        "2031-03-05T00:00:00Z"
    );
    assert_eq!(
        item(&second, "CVE-2031-2002")["date_modified"],
        "2031-03-05T00:00:00Z"
    );
    assert_eq!(
        item(&second, "CVE-2031-2001")["date_modified"],
        "2031-01-01T00:00:00Z"
    );

    let before = std::fs::read(out.path().join("index.json")).unwrap();
    let summary = publish::refresh(&store, &file_config(v2), at("2031-03-09T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(summary.outcome, Outcome::Unchanged);
    assert_eq!(
        std::fs::read(out.path().join("index.json")).unwrap(),
        before
    );
}

#[tokio::test]
async fn an_edit_rewrites_its_record_and_the_whole_feed_documents_only() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, _, first) = publish_first_version(work.path(), out.path()).await;
    let v2 = write_issues(work.path(), "v2.json", two_issues("Edited."));
    assert!(
        first
            .written
            .contains(&"osv/CVE-2031-2001.json".to_string())
    );

    let summary = publish::refresh(&store, &file_config(v2), at("2031-03-05T00:00:00Z"))
        .await
        .unwrap();
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
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, v1, _) = publish_first_version(work.path(), out.path()).await;
    let index = std::fs::read(out.path().join("index.json")).unwrap();

    // The manifest says another build rendered the objects.
    let mut manifest = read_json(out.path(), "manifest.json");
    manifest["render_key"] = json!("an older build");
    std::fs::write(
        out.path().join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();

    let summary = publish::refresh(&store, &file_config(v1.clone()), at("2031-03-05T00:00:00Z"))
        .await
        .unwrap();
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

    let quiet = publish::refresh(&store, &file_config(v1), at("2031-03-09T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(quiet.outcome, Outcome::Unchanged);
}

#[tokio::test]
async fn turning_on_the_upstream_names_writes_them_from_the_published_feed() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, v1, _) = publish_first_version(work.path(), out.path()).await;

    let mut compat = file_config(v1);
    compat.compat_k8s_bucket = true;
    let summary = publish::refresh(&store, &compat, at("2031-03-05T00:00:00Z"))
        .await
        .unwrap();
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
    assert_eq!(
        std::fs::read(out.path().join(publish::COMPAT_FEED)).unwrap(),
        feed
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join(publish::COMPAT_HASH)).unwrap(),
        format!("{}\n", hex::encode(Sha256::digest(&feed)))
    );
    let quiet = publish::refresh(&store, &compat, at("2031-03-09T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(quiet.outcome, Outcome::Unchanged);
}

#[tokio::test]
async fn precompress_writes_siblings_listed_as_encodings_and_turning_it_off_removes_them() {
    use cvefeed_model::manifest::{Coding, Manifest};
    use std::io::Read;

    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, v1, _) = publish_first_version(work.path(), out.path()).await;
    let manifest = |dir: &Path| -> Manifest {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
    };
    let before = manifest(out.path());
    assert!(before.objects.values().all(|e| e.encodings.is_empty()));

    // Turning it on writes only the siblings (and the manifest that lists them).
    let mut on = file_config(v1.clone());
    on.precompress = true;
    let summary = publish::refresh(&store, &on, at("2031-03-05T00:00:00Z"))
        .await
        .unwrap();
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
    let quiet = publish::refresh(&store, &on, at("2031-03-06T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(quiet.outcome, Outcome::Unchanged);

    // Off again: the siblings are deleted and the manifest lists none.
    let off = publish::refresh(&store, &file_config(v1), at("2031-03-07T00:00:00Z"))
        .await
        .unwrap();
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

#[tokio::test]
async fn the_shrink_guard_refuses_to_drop_items() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = LocalStore::new(out.path());
    let both = write_issues(work.path(), "both.json", two_issues("Body."));
    let one = write_issues(
        work.path(),
        "one.json",
        json!([two_issues("Body.")[0].clone()]),
    );
    publish::refresh(&store, &file_config(both), at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();
    let before = snapshot(out.path());

    let err = publish::refresh(
        &store,
        &file_config(one.clone()),
        at("2031-03-02T00:00:00Z"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RefreshError::Shrink { .. }));
    let message = err.to_string();
    assert!(
        message.contains("CVE-2031-2002") && message.contains("--allow-shrink"),
        "{message}"
    );
    assert_eq!(
        snapshot(out.path()).get("index.json"),
        before.get("index.json")
    );

    let mut tolerant = file_config(one.clone());
    tolerant.shrink_tolerance = 1;
    let summary = publish::refresh(&store, &tolerant, at("2031-03-03T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(summary.changes.removed.len(), 1);
    assert_eq!(feed_ids(out.path()), ["CVE-2031-2001"]);
}

#[tokio::test]
async fn allow_shrink_publishes_an_emptier_feed() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = LocalStore::new(out.path());
    let both = write_issues(work.path(), "both.json", two_issues("Body."));
    let none = write_issues(work.path(), "none.json", json!([]));
    publish::refresh(&store, &file_config(both), at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();

    assert!(
        publish::refresh(
            &store,
            &file_config(none.clone()),
            at("2031-03-02T00:00:00Z")
        )
        .await
        .is_err()
    );
    let mut allowed = file_config(none);
    allowed.allow_shrink = true;
    publish::refresh(&store, &allowed, at("2031-03-02T00:00:00Z"))
        .await
        .unwrap();
    assert!(feed_ids(out.path()).is_empty());
}

#[tokio::test]
async fn a_failure_at_any_write_leaves_the_published_files_byte_identical() {
    let work = tempfile::tempdir().unwrap();
    let v1 = write_issues(work.path(), "v1.json", two_issues("First version."));
    let v2 = write_issues(work.path(), "v2.json", two_issues("Second version."));
    let objects = {
        let probe = tempfile::tempdir().unwrap();
        publish::refresh(
            &LocalStore::new(probe.path()),
            &file_config(v1.clone()),
            at("2031-03-01T00:00:00Z"),
        )
        .await
        .unwrap();
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
        publish::refresh(
            &LocalStore::new(scratch.path()),
            &file_config(v1.clone()),
            at("2031-03-01T00:00:00Z"),
        )
        .await
        .unwrap();
        let old = snapshot(scratch.path());
        let store = FaultyStore::new(scratch.path());
        store.arm(Fault::FullDiskAt(fail_at));
        let result =
            publish::refresh(&store, &file_config(v2.clone()), at("2031-03-02T00:00:00Z")).await;
        let now = snapshot(scratch.path());
        let published = |m: &std::collections::BTreeMap<String, Vec<u8>>| {
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
        publish::refresh(
            &LocalStore::new(scratch.path()),
            &file_config(v2.clone()),
            at("2031-03-03T00:00:00Z"),
        )
        .await
        .unwrap();
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
