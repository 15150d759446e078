//! The change log (`changes.json`, `changes.xml`): each kind of edit gives
//! exactly its events, an unchanged run adds none, a publication without a
//! log starts an empty one, and two refreshers never lose each other's
//! events.

use std::path::Path;

use serde_json::{Value, json};

use cvefeed::publish::{self, Outcome, RefreshConfig, Source};
use cvefeed::store::LocalStore;

use crate::faulty::{Fault, FaultyStore};
use crate::support::*;

fn first() -> Value {
    open(issue(
        301,
        "CVE-2031-3001: Starts open",
        "First body.",
        "2031-01-01T00:00:00Z",
    ))
}

fn second(body: &str) -> Value {
    issue(
        302,
        "CVE-2031-3002: Gets its body edited",
        body,
        "2031-01-02T00:00:00Z",
    )
}

fn third() -> Value {
    issue(
        303,
        "CVE-2031-3003: Added, then removed",
        "Third body.",
        "2031-01-03T00:00:00Z",
    )
}

fn events(out: &Path) -> Vec<Value> {
    read_json(out, "changes.json")["events"]
        .as_array()
        .unwrap()
        .clone()
}

/// Publish `issues` at `when`; the events that run appended.
async fn run(
    store: &LocalStore,
    work: &Path,
    out: &Path,
    issues: Value,
    when: &str,
    allow_shrink: bool,
) -> Vec<Value> {
    let before = if out.join("changes.json").exists() {
        events(out).len()
    } else {
        0
    };
    let mut config: RefreshConfig =
        config(Source::File(write_issues(work, "issues.json", &issues)));
    config.allow_shrink = allow_shrink;
    let summary = refresh_ok(store, &config, when).await;
    assert_eq!(summary.outcome, Outcome::Published);
    events(out)[before..].to_vec()
}

#[tokio::test]
async fn each_edit_gives_exactly_its_events_and_an_unchanged_run_none() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = LocalStore::new(out.path());
    let (w, o) = (work.path(), out.path());

    // The first publication is the baseline: no history is invented.
    let baseline = json!([first(), second("Second body.")]);
    let new = run(&store, w, o, baseline, "2031-03-01T00:00:00Z", false).await;
    assert_eq!(new, Vec::<Value>::new());

    let added = json!([first(), second("Second body."), third()]);
    let new = run(&store, w, o, added, "2031-03-02T00:00:00Z", false).await;
    assert_eq!(
        new,
        [
            json!({"at": "2031-03-02T00:00:00Z", "id": "CVE-2031-3003", "kind": "added", "fields": []})
        ]
    );

    let edited = json!([first(), second("Second body, edited."), third()]);
    let new = run(&store, w, o, edited.clone(), "2031-03-03T00:00:00Z", false).await;
    assert_eq!(
        new,
        [
            json!({"at": "2031-03-03T00:00:00Z", "id": "CVE-2031-3002", "kind": "changed", "fields": ["body"]})
        ]
    );

    let mut closed = edited;
    closed[0] = issue(
        301,
        "CVE-2031-3001: Starts open",
        "First body.",
        "2031-01-01T00:00:00Z",
    );
    let new = run(&store, w, o, closed.clone(), "2031-03-04T00:00:00Z", false).await;
    assert_eq!(
        new,
        [json!({
            "at": "2031-03-04T00:00:00Z",
            "id": "CVE-2031-3001",
            "kind": "status_changed",
            "fields": ["status"],
            "from": {"status": "open"},
            "to": {"status": "fixed"}
        })]
    );

    let removed = json!([closed[0], closed[1]]);
    let new = run(&store, w, o, removed.clone(), "2031-03-05T00:00:00Z", true).await;
    assert_eq!(
        new,
        [
            json!({"at": "2031-03-05T00:00:00Z", "id": "CVE-2031-3003", "kind": "removed", "fields": []})
        ]
    );

    // Two runs with no change add nothing and rewrite neither file.
    let log = std::fs::read(o.join("changes.json")).unwrap();
    let feed = std::fs::read(o.join("changes.xml")).unwrap();
    for when in ["2031-03-06T00:00:00Z", "2031-03-07T00:00:00Z"] {
        let config = config(Source::File(write_issues(w, "issues.json", &removed)));
        let summary = refresh_ok(&store, &config, when).await;
        assert_eq!(summary.outcome, Outcome::Unchanged);
    }
    assert_eq!(std::fs::read(o.join("changes.json")).unwrap(), log);
    assert_eq!(std::fs::read(o.join("changes.xml")).unwrap(), feed);

    // The Atom feed has the same events, newest first, titled.
    let xml = String::from_utf8(feed).unwrap();
    let titles: Vec<&str> = xml
        // Entry titles are HTML (issue text, escaped); the feed's own is text.
        .split("<title type=\"html\">")
        .skip(1)
        .map(|t| t.split("</title>").next().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "CVE-2031-3003: removed from the feed",
            "CVE-2031-3001: status changed from open to fixed",
            "CVE-2031-3002: description changed",
            "CVE-2031-3003: added to the feed",
        ]
    );
    // Both are listed in the manifest.
    let manifest = read_json(o, "manifest.json");
    assert!(manifest["objects"]["changes.json"]["sha256"].is_string());
    assert_eq!(
        manifest["objects"]["changes.xml"]["content_type"],
        "application/atom+xml"
    );
}

#[tokio::test]
async fn a_publication_without_a_log_starts_an_empty_one() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = LocalStore::new(out.path());
    let issues = json!([first(), second("Second body.")]);
    run(
        &store,
        work.path(),
        out.path(),
        issues.clone(),
        "2031-03-01T00:00:00Z",
        false,
    )
    .await;

    // As an older cvefeed left it: no log, another render key.
    let mut manifest = read_json(out.path(), "manifest.json");
    let objects = manifest["objects"].as_object_mut().unwrap();
    objects.remove("changes.json");
    objects.remove("changes.xml");
    manifest["render_key"] = json!("an older build");
    std::fs::write(
        out.path().join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    std::fs::remove_file(out.path().join("changes.json")).unwrap();
    std::fs::remove_file(out.path().join("changes.xml")).unwrap();

    let new = run(
        &store,
        work.path(),
        out.path(),
        issues,
        "2031-03-02T00:00:00Z",
        false,
    )
    .await;
    assert_eq!(new, Vec::<Value>::new());
    assert_eq!(
        read_json(out.path(), "changes.json"),
        json!({"version": 1, "events": []})
    );
}

#[tokio::test]
async fn two_refreshers_never_lose_each_others_events() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let baseline = json!([first(), second("Second body.")]);
    run(
        &LocalStore::new(out.path()),
        work.path(),
        out.path(),
        baseline,
        "2031-03-01T00:00:00Z",
        false,
    )
    .await;

    // Two refreshers of the same directory at once, one seeing an added
    // item, the other an edit: the one that commits second plans again on
    // what the first committed, so both events stay in the log.
    let adds = config(Source::File(write_issues(
        work.path(),
        "adds.json",
        &json!([first(), second("Second body."), third()]),
    )));
    let mut edits = config(Source::File(write_issues(
        work.path(),
        "edits.json",
        &json!([first(), second("Second body, edited.")]),
    )));
    edits.allow_shrink = true;
    let mut adds = adds;
    adds.allow_shrink = true;
    let (a, b) = (LocalStore::new(out.path()), LocalStore::new(out.path()));
    let (ra, rb) = tokio::join!(
        publish::refresh(&a, &adds, at("2031-03-02T00:00:00Z")),
        publish::refresh(&b, &edits, at("2031-03-02T00:00:00Z")),
    );
    ra.unwrap();
    rb.unwrap();

    let log = events(out.path());
    let has = |id: &str, kind: &str| {
        log.iter()
            .any(|e| e["id"] == id && e["kind"] == kind && e["at"] == "2031-03-02T00:00:00Z")
    };
    assert!(has("CVE-2031-3003", "added"), "{log:#?}");
    assert!(has("CVE-2031-3002", "changed"), "{log:#?}");
    // The second writer recorded its own change against the first's
    // publication: one more event, whichever went first.
    assert_eq!(log.len(), 3, "{log:#?}");
}

#[tokio::test]
async fn the_events_of_a_publish_cut_short_never_become_public() {
    // The cut-short run dated like the committed one (its clock behind)
    // and dated later: the repaired log has the one event either way.
    for cut_at in ["2031-03-01T00:00:00Z", "2031-03-02T00:00:00Z"] {
        let work = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let store = FaultyStore::new(out.path());
        let baseline = config(Source::File(write_issues(
            work.path(),
            "v1.json",
            &json!([first(), second("Second body.")]),
        )));
        refresh_ok(&store, &baseline, "2031-03-01T00:00:00Z").await;
        let added = config(Source::File(write_issues(
            work.path(),
            "v2.json",
            &json!([first(), second("Second body."), third()]),
        )));
        store.arm(Fault::FailManifest);
        let before = events(out.path());
        assert!(publish::refresh(&store, &added, at(cut_at)).await.is_err());
        // The cut-short run's log never reached the published directory:
        // its generation was discarded whole.
        assert_eq!(events(out.path()), before, "{cut_at}");

        refresh_ok(&store, &added, "2031-03-03T00:00:00Z").await;
        let log = events(out.path());
        assert_eq!(
            log,
            [
                json!({"at": "2031-03-03T00:00:00Z", "id": "CVE-2031-3003", "kind": "added", "fields": []})
            ],
            "{cut_at}"
        );
    }
}

/// A CVE record of our own for CVE-2031-3001 in `state`.
fn cve_record(state: &str) -> Value {
    let cna = if state == "REJECTED" {
        json!({"rejectedReasons": [{"lang": "en", "value": "Duplicate."}]})
    } else {
        json!({"title": "Starts open"})
    };
    json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": "CVE-2031-3001", "state": state,
                        "dateUpdated": "2031-02-10T00:00:00.000Z",
                        "datePublished": "2031-02-01T00:00:00.000Z"},
        "containers": {"cna": cna}
    })
}

#[tokio::test]
async fn a_rejected_cve_record_gives_a_rejected_event() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = LocalStore::new(out.path());
    let records = work.path().join("records");
    std::fs::create_dir(&records).unwrap();
    let record_file = records.join("CVE-2031-3001.json");
    let config = RefreshConfig {
        records: cvefeed::cverecords::RecordSource::Dir(records.clone()),
        ..config(Source::File(write_issues(
            work.path(),
            "issues.json",
            &json!([first()]),
        )))
    };
    std::fs::write(&record_file, cve_record("PUBLISHED").to_string()).unwrap();
    refresh_ok(&store, &config, "2031-03-01T00:00:00Z").await;
    assert_eq!(events(out.path()), Vec::<Value>::new());

    std::fs::write(&record_file, cve_record("REJECTED").to_string()).unwrap();
    refresh_ok(&store, &config, "2031-03-02T00:00:00Z").await;
    let log = events(out.path());
    assert_eq!(log.len(), 1, "{log:#?}");
    let event = &log[0];
    assert_eq!(event["kind"], "rejected");
    assert_eq!(event["id"], "CVE-2031-3001");
    assert_eq!(event["from"]["status"], "open");
    assert_eq!(event["to"]["status"], "rejected");
    assert_eq!(event["fields"][0], "status", "{event:#}");
    let xml = std::fs::read_to_string(out.path().join("changes.xml")).unwrap();
    assert!(
        xml.contains("<title type=\"html\">CVE-2031-3001: rejected</title>"),
        "{xml}"
    );
}
