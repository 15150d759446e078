//! The GitHub edge against a mock GitHub: pagination, ETags, retries, rate
//! limits and broken bodies, with the all-or-nothing rule checked on disk.

use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use cvefeed::github::GithubError;
use cvefeed::publish::{self, Outcome, RefreshError, Source};
use cvefeed::store::LocalStore;

use crate::support::*;

const ISSUES: &str = "/repos/kubernetes/kubernetes/issues";

fn page_one() -> serde_json::Value {
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

fn page_two() -> serde_json::Value {
    json!([issue(
        104,
        "CVE-2031-1002, CVE-2031-1003: Second page, two ids",
        "Body two.",
        "2031-02-01T00:00:00Z"
    )])
}

/// Two pages linked with `Link: rel="next"`, each with an ETag that
/// answers 304 to `If-None-Match`.
async fn two_page_github(server: &MockServer) {
    let next = format!(
        "{}/repositories/1/issues?labels=official-cve-feed&state=all&per_page=100&page=2",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .and(header("if-none-match", "\"p1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"p1\""))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .and(query_param("labels", LABEL))
        .and(query_param("state", "all"))
        .and(query_param("per_page", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"p1\"")
                .insert_header("x-ratelimit-remaining", "4999")
                .insert_header(
                    "link",
                    format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
                )
                .set_body_json(page_one()),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues"))
        .and(query_param("page", "2"))
        .and(header("if-none-match", "\"p2\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"p2\""))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"p2\"")
                .set_body_json(page_two()),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn follows_pages_drops_pull_requests_and_sends_the_right_headers() {
    let server = MockServer::start().await;
    two_page_github(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let cfg = config(Source::Github(client(
        &server.uri(),
        Some("ghp_fixture_token"),
    )));

    let summary = publish::refresh(&store, &cfg, at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();

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
    let server = MockServer::start().await;
    two_page_github(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let cfg = config(Source::Github(client(&server.uri(), None)));
    publish::refresh(&store, &cfg, at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();
    let before = snapshot(dir.path());
    let mtime = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .modified()
            .unwrap()
    };
    let index_mtime = mtime("index.json");

    let summary = publish::refresh(&store, &cfg, at("2031-03-01T01:00:00Z"))
        .await
        .unwrap();

    assert_eq!(summary.outcome, Outcome::Unchanged);
    assert_eq!((summary.requests, summary.not_modified), (2, 2));
    assert!(summary.written.is_empty(), "{:?}", summary.written);
    assert!(
        summary.line().starts_with("unchanged: 3 items"),
        "{}",
        summary.line()
    );
    let after = snapshot(dir.path());
    for (name, bytes) in &before {
        if name != "status.json" {
            assert_eq!(after.get(name), Some(bytes), "{name} changed");
        }
    }
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

#[tokio::test]
async fn a_server_error_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_two()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Source::Github(client(&server.uri(), None)));

    let summary = publish::refresh(
        &LocalStore::new(dir.path()),
        &cfg,
        at("2031-03-01T00:00:00Z"),
    )
    .await
    .unwrap();

    assert_eq!(summary.requests, 3);
    assert_eq!(summary.github_statuses.get(&502), Some(&2));
    assert_eq!(feed_ids(dir.path()), ["CVE-2031-1002", "CVE-2031-1003"]);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_when_short() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_two()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Source::Github(client(&server.uri(), None)));

    let started = std::time::Instant::now();
    let summary = publish::refresh(
        &LocalStore::new(dir.path()),
        &cfg,
        at("2031-03-01T00:00:00Z"),
    )
    .await
    .unwrap();

    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(summary.github_statuses.get(&403), Some(&1));
    assert_eq!(summary.items, 2);
}

/// Publish once, then break GitHub in `failure`; the refresh must fail,
/// name the request, and leave every published file byte-identical.
async fn fails_without_publishing(
    failure: ResponseTemplate,
    expect_in_message: &[&str],
) -> RefreshError {
    let server = MockServer::start().await;
    let good = Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_two()))
        .mount_as_scoped(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let cfg = config(Source::Github(client(
        &server.uri(),
        Some("ghp_do_not_leak"),
    )));
    publish::refresh(&store, &cfg, at("2031-03-01T00:00:00Z"))
        .await
        .unwrap();
    drop(good);
    let before = snapshot(dir.path());
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(failure)
        .mount(&server)
        .await;

    let err = publish::refresh(&store, &cfg, at("2031-03-02T00:00:00Z"))
        .await
        .unwrap_err();

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
    let after = snapshot(dir.path());
    for (name, bytes) in &before {
        if name != "status.json" {
            assert_eq!(
                after.get(name),
                Some(bytes),
                "{name} changed after a failed refresh"
            );
        }
    }
    let status = read_json(dir.path(), "status.json");
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
    Mock::given(method("GET"))
        .and(path(ISSUES))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    "<https://attacker.invalid/steal?page=2>; rel=\"next\"",
                )
                .set_body_json(page_two()),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Source::Github(client(&server.uri(), Some("ghp_secret"))));

    let err = publish::refresh(
        &LocalStore::new(dir.path()),
        &cfg,
        at("2031-03-01T00:00:00Z"),
    )
    .await
    .unwrap_err();

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
