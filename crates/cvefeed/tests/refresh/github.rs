//! The GitHub edge against a mock GitHub: pagination, ETags, retries, rate
//! limits and broken bodies, with the all-or-nothing rule checked on disk.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use cvefeed::github::GithubError;
use cvefeed::publish::{Outcome, RefreshError, Summary};
use cvefeed::store::LocalStore;

use crate::support::*;

fn page_one() -> Value {
    json!([
        issue(
            101,
            "CVE-2031-1001: First page issue",
            "Body one.",
            "2031-01-02T03:04:05Z"
        ),
        pull_request(issue(
            102,
            "CVE-2031-1999: a pull request with a CVE title",
            "PR",
            "2031-01-03T00:00:00Z"
        )),
        unlabelled(issue(
            103,
            "CVE-2031-1998: not labelled",
            "x",
            "2031-01-04T00:00:00Z"
        )),
    ])
}

fn page_two() -> Value {
    json!([issue(
        104,
        "CVE-2031-1002, CVE-2031-1003: Second page, two ids",
        "Body two.",
        "2031-02-01T00:00:00Z"
    )])
}

/// Mounts on `server` a page (`page` makes a mock of its requests) that
/// answers `response` with the ETag `etag`, and 304 to a request that
/// sends `etag` back in `If-None-Match`.
async fn page_with_etag(
    server: &MockServer,
    page: impl Fn() -> MockBuilder,
    etag: &str,
    response: ResponseTemplate,
) {
    page()
        .and(header("if-none-match", etag))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", etag))
        .with_priority(1)
        .mount(server)
        .await;
    page()
        .respond_with(response.insert_header("etag", etag))
        .mount(server)
        .await;
}

/// A mock GitHub with two pages linked with `Link: rel="next"`, each with
/// an ETag that answers 304 to `If-None-Match`.
async fn two_page_github() -> MockServer {
    let server = MockServer::start().await;
    let next = format!(
        "{}/repositories/1/issues?labels=official-cve-feed&state=all&per_page=100&page=2",
        server.uri()
    );
    let first = || {
        Mock::given(method("GET"))
            .and(path(ISSUES))
            .and(query_param("labels", LABEL))
            .and(query_param("state", "all"))
            .and(query_param("per_page", "100"))
    };
    let linked = ResponseTemplate::new(200)
        .insert_header("x-ratelimit-remaining", "4999")
        .insert_header(
            "link",
            format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
        )
        .set_body_json(page_one());
    page_with_etag(&server, first, "\"p1\"", linked).await;
    let second = || {
        Mock::given(method("GET"))
            .and(path("/repositories/1/issues"))
            .and(query_param("page", "2"))
    };
    let last = ResponseTemplate::new(200).set_body_json(page_two());
    page_with_etag(&server, second, "\"p2\"", last).await;
    server
}

#[tokio::test]
async fn follows_pages_drops_pull_requests_and_sends_the_right_headers() {
    let server = two_page_github().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = github_config(&server.uri(), Some("ghp_fixture_token"));

    let summary = refresh_ok(&LocalStore::new(dir.path()), &cfg, "2031-03-01T00:00:00Z").await;

    assert_eq!(summary.outcome, Outcome::Published);
    assert_eq!(summary.requests, 2);
    assert_eq!(summary.rate_limit_remaining, Some(4999));
    assert_eq!(
        feed_ids(dir.path()),
        ["CVE-2031-1002", "CVE-2031-1003", "CVE-2031-1001"]
    );
    let requests = server.received_requests().await.unwrap();
    for r in &requests {
        let h = |name: &str| r.headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(h("accept").as_deref(), Some("application/vnd.github+json"));
        assert_eq!(h("x-github-api-version").as_deref(), Some("2022-11-28"));
        assert!(h("user-agent").unwrap().starts_with("cvefeed/"));
        assert_eq!(
            h("authorization").as_deref(),
            Some("Bearer ghp_fixture_token")
        );
    }
}

#[tokio::test]
async fn an_unchanged_refresh_pays_only_304s_and_writes_only_status() {
    let server = two_page_github().await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let cfg = github_config(&server.uri(), None);
    refresh_ok(&store, &cfg, "2031-03-01T00:00:00Z").await;
    let before = snapshot(dir.path());
    let mtime = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .modified()
            .unwrap()
    };
    let index_mtime = mtime("index.json");

    let summary = refresh_ok(&store, &cfg, "2031-03-01T01:00:00Z").await;

    assert_eq!(summary.outcome, Outcome::Unchanged);
    assert_eq!((summary.requests, summary.not_modified), (2, 2));
    assert!(summary.written.is_empty(), "{:?}", summary.written);
    assert!(
        summary.line().starts_with("unchanged: 3 items"),
        "{}",
        summary.line()
    );
    let changed = changed_files(&before, dir.path(), &[]);
    assert!(changed.is_empty(), "{changed:?} changed");
    let after = snapshot(dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert_eq!(mtime("index.json"), index_mtime, "index.json was rewritten");
    let status = read_json(dir.path(), "status.json");
    assert_eq!(status["last_check"], "2031-03-01T01:00:00Z");
    assert_eq!(status["last_outcome"], "unchanged");
    let last = server.received_requests().await.unwrap();
    assert!(
        last[2..]
            .iter()
            .all(|r| r.headers.contains_key("if-none-match"))
    );
}

/// A first refresh into a new directory while GitHub answers the first
/// `times` requests with `failure`, then `page_two()`: the summary, the
/// directory, and how long the refresh took.
async fn refresh_after_failures(
    failure: ResponseTemplate,
    times: u64,
) -> (Summary, TempDir, Duration) {
    let server = MockServer::start().await;
    answer_first(&server, ISSUES, times, failure).await;
    let page = ResponseTemplate::new(200).set_body_json(page_two());
    answer(&server, ISSUES, page).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = github_config(&server.uri(), None);

    let started = Instant::now();
    let summary = refresh_ok(&LocalStore::new(dir.path()), &cfg, "2031-03-01T00:00:00Z").await;
    (summary, dir, started.elapsed())
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let bad_gateway = ResponseTemplate::new(502).set_body_string("bad gateway");

    let (summary, dir, _) = refresh_after_failures(bad_gateway, 2).await;

    assert_eq!(summary.requests, 3);
    assert_eq!(summary.github_statuses.get(&502), Some(&2));
    assert_eq!(feed_ids(dir.path()), ["CVE-2031-1002", "CVE-2031-1003"]);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_when_short() {
    let limited = retry_after(403, "1", "You have exceeded a secondary rate limit.");

    let (summary, _, elapsed) = refresh_after_failures(limited, 1).await;

    assert!(
        elapsed >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(summary.github_statuses.get(&403), Some(&1));
    assert_eq!(summary.items, 2);
}

/// Publish once, then break GitHub with `failure`; the refresh must fail,
/// name the request, and leave every published file byte-identical.
async fn fails_without_publishing(
    failure: ResponseTemplate,
    expect_in_message: &[&str],
) -> RefreshError {
    let server = MockServer::start().await;
    let cfg = github_config(&server.uri(), Some("ghp_do_not_leak"));

    let (err, status) = second_run_fails(&server, &cfg, page_two(), failure).await;

    let message = err.to_string();
    assert!(matches!(err, RefreshError::Github(_)), "{message}");
    assert!(
        message.contains(&format!("{}{ISSUES}", server.uri())),
        "{message}"
    );
    for part in expect_in_message {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    assert!(!message.contains("ghp_do_not_leak"));
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["last_outcome"], "failed");
    assert_eq!(status["last_success"], "2031-03-01T00:00:00Z");
    assert_eq!(status["item_count"], 2);
    assert!(status["last_error"].as_str().unwrap().contains(ISSUES));
    err
}

#[tokio::test]
async fn truncated_json_is_an_error_not_an_empty_feed() {
    let truncated = ResponseTemplate::new(200).set_body_raw(
        r#"[{"number": 104, "title": "CVE-2031-1002"#,
        "application/json",
    );
    fails_without_publishing(truncated, &["not a JSON array of issues"]).await;
}

#[tokio::test]
async fn persistent_server_errors_fail_after_retries() {
    fails_without_publishing(ResponseTemplate::new(500), &["HTTP 500", "4 attempt(s)"]).await;
}

#[tokio::test]
async fn a_long_rate_limit_fails_with_a_clear_error() {
    let reset = (chrono::Utc::now().timestamp() + 3600).to_string();
    let limited = ResponseTemplate::new(403)
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", reset.as_str())
        .set_body_json(json!({"message": "API rate limit exceeded"}));
    fails_without_publishing(limited, &["rate limited", "GITHUB_TOKEN"]).await;
}

#[tokio::test]
async fn a_rejected_token_is_named_but_never_shown() {
    let rejected = ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"}));
    let err = fails_without_publishing(
        rejected,
        &["HTTP 401", "Bad credentials", "GITHUB_TOKEN was rejected"],
    )
    .await;
    assert!(
        matches!(err, RefreshError::Github(GithubError::TokenRejected { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_link_to_another_host_is_not_followed() {
    let server = MockServer::start().await;
    let foreign_link = ResponseTemplate::new(200)
        .insert_header(
            "link",
            "<https://attacker.invalid/steal?page=2>; rel=\"next\"",
        )
        .set_body_json(page_two());
    answer(&server, ISSUES, foreign_link).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = github_config(&server.uri(), Some("ghp_secret"));

    let err = refresh_err(&LocalStore::new(dir.path()), &cfg, "2031-03-01T00:00:00Z").await;

    assert!(err.to_string().contains("refusing to follow"), "{err}");
    assert!(!dir.path().join("index.json").exists());
    let hosts: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r: &Request| r.url.host_str().unwrap().to_string())
        .collect();
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    assert!(!hosts[0].contains("attacker"));
}
