//! `--from-file`: the offline source, and every title shape the parser
//! must handle, checked on the published feed and status.

use std::path::{Path, PathBuf};

use serde_json::json;

use cvefeed::publish::{self, RefreshError, Source, Summary};
use cvefeed::store::LocalStore;

use crate::support::*;

/// A refresh of `out` from the issues file `path` on 2031-02-01.
async fn refresh_from(path: PathBuf, out: &Path) -> Result<Summary, RefreshError> {
    publish::refresh(
        &LocalStore::new(out),
        &config(Source::File(path)),
        at("2031-02-01T00:00:00Z"),
    )
    .await
}

#[tokio::test]
async fn every_tricky_title_shape_becomes_the_right_items() {
    let out = tempfile::tempdir().unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/issues/tricky-titles.json");

    let summary = refresh_from(path, out.path()).await.unwrap();

    let feed = read_json(out.path(), "index.json");
    let got: Vec<(String, String, u64)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["summary"].as_str().unwrap().to_string(),
                i["_kubernetes_io"]["issue_number"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64)> = [
        ("CVE-2031-3016", "still open, empty body", 15),
        ("CVE-2031-3014", "no space after the comma", 14),
        ("CVE-2031-3015", "no space after the comma", 14),
        ("CVE-2031-3013", "lower-case prefix", 13),
        ("CVE-2031-30012", "placeholder", 12),
        ("CVE-2031-3011", "Another old title", 10),
        ("CVE-2031-3010", "Old title without an id", 9),
        ("CVE-2031-3009", "Trailing space", 8),
        ("CVE-2031-3008", "`tool --cache=<dir>` -- backticks", 7),
        (
            "CVE-2031-3007",
            "Incomplete fix for CVE-2030-0001 and CVE-2030-0002",
            6,
        ),
        ("CVE-2031-3006", "v1.2.3, v1.1.4: several colons", 5),
        (
            "CVE-2031-3005",
            "ingress controller - hyphen inside the summary",
            4,
        ),
        ("CVE-2031-3003", "Two ids, one issue", 3),
        ("CVE-2031-3004", "Two ids, one issue", 3),
        ("CVE-2031-3002", "Hyphen instead of a colon", 2),
        ("CVE-2031-3001", "Plain colon", 1),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
    .collect();
    assert_eq!(got, expected);

    let open_item = &feed["items"][0];
    assert_eq!(open_item["content_text"], "", "content_text is never null");
    assert_eq!(open_item["_kubernetes_io"]["status"], "open");
    assert_eq!(
        feed["items"][1]["_kubernetes_io"]["related"],
        json!(["CVE-2031-3015"])
    );
    assert_eq!(feed["items"][15]["_kubernetes_io"]["status"], "fixed");
    assert_eq!(
        feed["items"][15]["external_url"],
        "https://www.cve.org/cverecord?id=CVE-2031-3001"
    );

    assert_eq!(summary.unparsed.len(), 1);
    let status = read_json(out.path(), "status.json");
    assert_eq!(status["unparsed_issues"], 1);
    assert_eq!(status["unparsed"][0]["number"], 11);
    assert_eq!(status["unparsed"][0]["title"], "PLACEHOLDER ISSUE");
    assert_eq!(status["item_count"], 16);
}

#[tokio::test]
async fn status_follows_state_and_reason() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut not_planned = issue(1, "CVE-2031-4001: won't fix", "b", "2031-01-01T00:00:00Z");
    not_planned["state_reason"] = json!("not_planned");
    let mut reopened = open(issue(
        2,
        "CVE-2031-4002: reopened",
        "b",
        "2031-01-02T00:00:00Z",
    ));
    reopened["state_reason"] = json!("reopened");
    let mut duplicate = issue(
        3,
        "CVE-2031-4003: closed as duplicate",
        "b",
        "2031-01-03T00:00:00Z",
    );
    duplicate["state_reason"] = json!("duplicate");
    let open_one = open(issue(4, "CVE-2031-4004: open", "b", "2031-01-04T00:00:00Z"));
    let issues = json!([not_planned, reopened, duplicate, open_one]);
    let path = write_issues(work.path(), "issues.json", &issues);

    refresh_from(path, out.path()).await.unwrap();

    let feed = read_json(out.path(), "index.json");
    let statuses: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["_kubernetes_io"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["open", "fixed", "unknown", "unfixed"]);
}

#[tokio::test]
async fn a_broken_issues_file_is_named_in_the_error() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = work.path().join("broken.json");
    std::fs::write(&path, b"{\"not\": \"an array\"}").unwrap();

    let err = refresh_from(path.clone(), out.path()).await.unwrap_err();

    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()) && message.contains("not a JSON array"),
        "{message}"
    );
    assert!(!out.path().join("index.json").exists());
    assert!(!out.path().join("manifest.json").exists());
}

#[tokio::test]
async fn a_corrupt_manifest_stops_the_refresh() {
    let work = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let issues = json!([issue(1, "CVE-2031-5001: x", "b", "2031-01-01T00:00:00Z")]);
    let path = write_issues(work.path(), "issues.json", &issues);
    std::fs::write(out.path().join("manifest.json"), b"{ truncated").unwrap();

    let err = refresh_from(path, out.path()).await.unwrap_err();

    assert!(err.to_string().contains("manifest.json"), "{err}");
    assert!(!out.path().join("index.json").exists());
}
