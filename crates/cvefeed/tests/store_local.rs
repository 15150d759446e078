//! The local directory's generations (issue 16): every published name is
//! a symlink into `..data`, a publication becomes visible with one rename,
//! unchanged files are hard links, old generations go after the grace
//! period, what killed runs left is removed, and a directory in the flat
//! layout of earlier versions is taken over. Bounded reads refuse a file
//! larger than their limit without reading it, and `verify` uses them.
//! File system calls leave the runtime's threads free.

#[path = "store_support/fixtures.rs"]
mod fixtures;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use cvefeed::publish;
use cvefeed::store::{DATA_LINK, LocalStore, PutMode, Store, StoreError};
use cvefeed::verify::{self, Problem, VerifyError, VerifyOptions};

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn generations(dir: &Path) -> Vec<String> {
    entries(dir)
        .into_iter()
        .filter(|n| n.starts_with("..") && n != DATA_LINK)
        .collect()
}

/// The generation `..data` points to.
fn current_generation(out: &Path) -> PathBuf {
    std::fs::read_link(out.join(DATA_LINK)).unwrap()
}

/// Whether `path` is a symlink (`false` when there is nothing there).
fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink())
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Write `bytes` to `path`, dated an hour ago: what a killed write left,
/// old enough not to belong to a write in progress.
fn write_stale(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

async fn publish_n(store: &LocalStore, issues: &Path, n: u64) {
    fixtures::write_issues(issues, n);
    publish::refresh(store, &fixtures::config(issues), Utc::now())
        .await
        .unwrap();
}

/// A work directory: `out/` to publish to, `issues.json` to publish from.
struct Work {
    dir: tempfile::TempDir,
    out: PathBuf,
    issues: PathBuf,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let issues = dir.path().join("issues.json");
        Work { dir, out, issues }
    }

    /// A work directory whose `out/` holds a publication of `n` fixture
    /// issues, and the store that wrote it.
    async fn published(n: u64) -> (Work, LocalStore) {
        let work = Work::new();
        let store = LocalStore::new(&work.out);
        publish_n(&store, &work.issues, n).await;
        (work, store)
    }
}

#[tokio::test]
async fn every_published_name_is_a_symlink_into_the_current_generation() {
    let (work, _) = Work::published(2).await;
    let out = &work.out;
    let data = current_generation(out);
    assert_eq!(generations(out), [data.to_string_lossy().into_owned()]);
    for name in [
        "index.json",
        "feed.xml",
        "atom.xml",
        "index.html",
        "osv",
        "manifest.json",
    ] {
        assert_eq!(
            std::fs::read_link(out.join(name)).unwrap(),
            Path::new(DATA_LINK).join(name),
            "{name}"
        );
    }
    // Bookkeeping stays plain files, outside the generations.
    for name in ["status.json", ".cache", ".cvefeed.lock"] {
        assert!(!is_symlink(&out.join(name)), "{name}");
    }
    assert!(
        !out.join(".cvefeed.journal.json").exists(),
        "the journal is removed after a publish"
    );
    // Readers see the files through the links, and a manifest that matches.
    let manifest = read_json(&out.join("manifest.json"));
    assert!(manifest["objects"]["osv/CVE-2031-1001.json"].is_object());
    assert!(out.join("osv/CVE-2031-1001.json").is_file());
}

#[tokio::test]
async fn unchanged_files_are_hard_links_and_old_generations_wait_for_the_grace_period() {
    let (work, store) = Work::published(2).await;
    let (out, issues) = (&work.out, &work.issues);
    let first = generations(out);
    let record = |g: &str| std::fs::metadata(out.join(g).join("osv/CVE-2031-1001.json")).unwrap();
    publish_n(&store, issues, 3).await;

    // The default grace period keeps the replaced generation for readers.
    let both = generations(out);
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[0], first[0]);
    // The unchanged record is one file in both; the changed feed is not.
    assert_eq!(record(&both[0]).ino(), record(&both[1]).ino());
    let index = |g: &str| std::fs::metadata(out.join(g).join("index.json")).unwrap();
    assert_ne!(index(&both[0]).ino(), index(&both[1]).ino());
    assert_eq!(current_generation(out), Path::new(&both[1]));
    // The old generation still holds the old feed, byte for byte.
    let old = read_json(&out.join(&both[0]).join("index.json"));
    assert_eq!(old["items"].as_array().unwrap().len(), 2);

    // Past the grace period, the next publication removes it.
    let quick = LocalStore::new(out).with_grace(Duration::ZERO);
    publish_n(&quick, issues, 4).await;
    let now = generations(out);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(current_generation(out), Path::new(&now[0]));
}

#[tokio::test]
async fn what_killed_runs_left_is_removed_by_the_next_publication() {
    let (work, store) = Work::published(2).await;
    let out = &work.out;
    // A run killed while staging, and temporary files of killed writes,
    // old enough not to belong to a write in progress.
    let staging = out.join("..tmp-4242-0-publication");
    std::fs::create_dir_all(staging.join("osv")).unwrap();
    std::fs::write(staging.join("osv/CVE-2031-9999.json"), b"{}").unwrap();
    let mut stray = Vec::new();
    for tmp in [
        out.join(".tmp-4242-1-status.json"),
        out.join(".cache/.tmp-4242-2-github-pages.json"),
    ] {
        std::fs::create_dir_all(tmp.parent().unwrap()).unwrap();
        write_stale(&tmp, b"half");
        stray.push(tmp);
    }
    let fresh = out.join(".tmp-4242-3-status.json");
    std::fs::write(&fresh, b"being written").unwrap();

    publish_n(&store, &work.issues, 3).await;

    assert!(!staging.exists());
    for tmp in stray {
        assert!(!tmp.exists(), "{} survived", tmp.display());
    }
    assert!(fresh.exists(), "a fresh temporary file may be in use");
    assert!(!out.join("osv/CVE-2031-9999.json").exists());
}

#[tokio::test]
async fn a_directory_in_the_flat_layout_is_taken_over() {
    let work = Work::new();
    let (out, issues) = (&work.out, &work.issues);
    // A publication as earlier versions wrote it: plain files, a plain
    // `osv/` with an orphaned temporary file in it.
    let flat = work.dir.path().join("flat");
    publish_n(&LocalStore::new(&flat), issues, 2).await;
    std::fs::create_dir_all(out.join("osv")).unwrap();
    for name in [
        "index.json",
        "feed.xml",
        "atom.xml",
        "index.html",
        "manifest.json",
        "status.json",
    ] {
        std::fs::copy(flat.join(name), out.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(flat.join("osv")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), out.join("osv").join(entry.file_name())).unwrap();
    }
    write_stale(&out.join("osv/.tmp-77-0-CVE-2031-1001.json"), b"half");

    publish_n(&LocalStore::new(out), issues, 3).await;

    assert!(is_symlink(&out.join("osv")));
    assert!(is_symlink(&out.join("index.json")));
    let feed = read_json(&out.join("index.json"));
    assert_eq!(feed["items"].as_array().unwrap().len(), 3);
    // The old records went into the generation; the orphan did not.
    let generation = current_generation(out);
    assert!(
        out.join(&generation)
            .join("osv/CVE-2031-1001.json")
            .is_file()
    );
    assert!(!out.join("osv/.tmp-77-0-CVE-2031-1001.json").exists());
    assert!(!entries(out).iter().any(|n| n.starts_with(".tmp-")));
}

#[tokio::test]
async fn a_publication_dropped_uncommitted_leaves_nothing() {
    let (work, store) = Work::published(1).await;
    let out = &work.out;
    let before = entries(out);
    let publication = store.begin().await.unwrap();
    publication
        .put("index.json", b"{}".to_vec(), "application/json")
        .await
        .unwrap();
    publication.remove("feed.xml").await.unwrap();
    drop(publication);
    assert_eq!(entries(out), before);
    assert_ne!(std::fs::read(out.join("index.json")).unwrap(), b"{}");
    assert!(out.join("feed.xml").exists());

    // A commit that lost the compare-and-swap publishes nothing either.
    let publication = store.begin().await.unwrap();
    publication
        .put("index.json", b"{}".to_vec(), "application/json")
        .await
        .unwrap();
    let err = publication
        .commit(b"{}".to_vec(), PutMode::Create)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("changed by another writer"),
        "{err}"
    );
    assert_eq!(entries(out), before);
    assert_ne!(std::fs::read(out.join("index.json")).unwrap(), b"{}");
}

/// Make `path` (through its symlinks) a sparse file of 1 TiB: no disk
/// used, but a read of it all would need 1 TiB of memory.
fn make_huge(path: &Path) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
}

#[tokio::test]
async fn a_bounded_read_refuses_a_larger_file_without_reading_it() {
    let work = tempfile::tempdir().unwrap();
    let store = LocalStore::new(work.path());
    store
        .put(
            "small.json",
            b"{}".to_vec(),
            "application/json",
            PutMode::Overwrite,
        )
        .await
        .unwrap();
    let small = store.get_limited("small.json", 2).await.unwrap().unwrap();
    assert_eq!(small.bytes, b"{}");
    assert_eq!(
        Some(small.version),
        store.get("small.json").await.unwrap().map(|f| f.version)
    );
    assert!(store.get_limited("absent.json", 2).await.unwrap().is_none());

    // Refused on its size: a 1 TiB file read whole could not be held.
    std::fs::create_dir(work.path().join("osv")).unwrap();
    std::fs::write(work.path().join("osv/huge.json"), b"").unwrap();
    make_huge(&work.path().join("osv/huge.json"));
    let e = store
        .get_limited("osv/huge.json", 1 << 20)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::TooLarge { name, limit, .. } if name == "osv/huge.json" && *limit == 1 << 20),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "osv/huge.json in {} is larger than 1048576 bytes; refusing to read it",
            work.path().display()
        )
    );

    // Read no further than the limit: a file whose size says nothing (an
    // endless device) is cut off there.
    std::os::unix::fs::symlink("/dev/zero", work.path().join("endless.json")).unwrap();
    let e = store.get_limited("endless.json", 4096).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::TooLarge { name, .. } if name == "endless.json"),
        "{e:?}"
    );
}

#[tokio::test]
async fn verify_reads_a_directory_within_its_limits() {
    let (work, _) = Work::published(2).await;
    let out = &work.out;
    let pair = cvefeed::keys::keygen(&work.dir.path().join("keys")).unwrap();
    let options = VerifyOptions {
        key: cvefeed::keys::read_public_key(&pair.public).unwrap(),
        allow_unsigned: true,
        attempts: 1,
        retry_delay: Duration::ZERO,
    };
    let location = LocalStore::new(out);
    let report = verify::verify(&location, &options).await.unwrap();
    assert!(report.intact(), "{:?}", report.lines());

    // An object larger than the manifest says is a failure of that object.
    make_huge(&out.join("index.json"));
    let report = verify::verify(&location, &options).await.unwrap();
    let expected = match &report.failures[..] {
        [(name, Problem::TooLarge { expected })] if name == "index.json" => *expected,
        other => panic!("{other:?}"),
    };
    assert!(expected < 1 << 40);

    // A manifest larger than any is refused, by name.
    make_huge(&out.join("manifest.json"));
    let e = verify::verify(&location, &options).await.unwrap_err();
    assert!(
        matches!(&e, VerifyError::TooLarge { name, .. } if name == "manifest.json"),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("manifest.json at ") && e.to_string().contains("larger than"),
        "{e}"
    );
}

/// A read that blocks (a FIFO nobody writes yet) must not hold up the
/// runtime: `serve` answers requests on the runtime its refreshes use.
#[test]
fn a_blocking_read_leaves_the_runtime_free() {
    let work = tempfile::tempdir().unwrap();
    let fifo = work.path().join("slow.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // The writer opens the FIFO when told, or after 3 s in any case (so a
    // blocked runtime is found out, not hung).
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let _ = wait.recv_timeout(Duration::from_secs(3));
        std::fs::write(&fifo, b"{}").unwrap();
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = LocalStore::new(work.path());
        let read = tokio::spawn(async move { store.get("slow.json").await });
        let start = std::time::Instant::now();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let other_work_ran_after = start.elapsed();
        let _ = go.send(());
        let got = read.await.unwrap().unwrap().unwrap();
        assert_eq!(got.bytes, b"{}");
        assert!(
            other_work_ran_after < Duration::from_secs(2),
            "the read blocked the runtime for {other_work_ran_after:?}"
        );
    });
    writer.join().unwrap();
}
