//! What a reload reads: an object the loaded set already holds with the
//! same sha256 is not read again, and the load at start is not repeated
//! by the reloader straight away.

use std::time::Duration;

use crate::support::{Server, write_empty_feed, write_index_and_rss};
use chrono::{TimeDelta, Utc};
use cvefeed::serve::state::{Current, Reload};
use cvefeed::store::LocalStore;

#[tokio::test]
async fn an_unchanged_object_is_taken_from_the_loaded_set_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let store = LocalStore::new(out);
    let t0 = Utc::now() - TimeDelta::hours(1);
    let rss = b"<rss>the same in both</rss>";
    write_index_and_rss(out, br#"{"version":"one"}"#, rss, t0, Some(t0));
    let current = Current::default();
    assert_eq!(current.reload(&store).await.unwrap(), Reload::Loaded);

    // A new manifest; feed.xml keeps its sha256. Gone from the store, it
    // would be a torn set if it were read: it is served from the old set.
    let t1 = Utc::now();
    write_index_and_rss(out, br#"{"version":"two"}"#, rss, t1, Some(t1));
    std::fs::remove_file(out.join("feed.xml")).unwrap();
    assert_eq!(current.reload(&store).await.unwrap(), Reload::Loaded);
    let set = current.get().unwrap();
    assert_eq!(
        set.get("index.json").unwrap().identity.bytes.as_ref(),
        br#"{"version":"two"}"#
    );
    let feed = set.get("feed.xml").unwrap();
    assert_eq!(feed.identity.bytes.as_ref(), rss);
    assert_eq!(feed.last_modified, t1, "dated by the new manifest");

    // A changed object is read, and verified.
    write_index_and_rss(
        out,
        br#"{"version":"two"}"#,
        b"<rss>changed</rss>",
        Utc::now(),
        None,
    );
    std::fs::write(out.join("feed.xml"), b"<rss>half-written</rss>").unwrap();
    let e = current.reload(&store).await.unwrap_err();
    assert!(e.to_string().starts_with("feed.xml in "), "{e}");
}

#[tokio::test]
async fn the_set_is_loaded_once_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    write_empty_feed(out, Some(Utc::now()));
    let server = Server::start(
        "loaded-once",
        &["--out", out.to_str().unwrap(), "--refresh-interval", "0"],
    );
    server
        .wait_for("/readyz", Duration::from_secs(10), |s, _| s == 200)
        .await;
    // The reloader's first pass waits for --reload-interval (30s).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reloads = |outcome: &str| format!("cvefeed_feed_reloads_total{{outcome=\"{outcome}\"}}");
    assert_eq!(server.metric(&reloads("loaded")).await, 1.0);
    assert_eq!(server.metric(&reloads("unchanged")).await, 0.0);
}
