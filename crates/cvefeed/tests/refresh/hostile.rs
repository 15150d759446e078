//! A hostile GitHub (issue 16): endless and oversized pages, a `Link` loop,
//! `Retry-After: 0` forever, a redirect to another host, and error text
//! that echoes the credentials. Each must fail the run with a clear error,
//! in bounded time and memory, publish nothing and leak no secret.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use cvefeed::github::{self, ClientConfig, GithubError, Token};
use cvefeed::publish::{RefreshError, Source};
use cvefeed::store::LocalStore;

use crate::support::*;

fn one_issue_page() -> serde_json::Value {
    json!([issue(
        104,
        "CVE-2031-1002: Hostile GitHub fixture",
        "Body.",
        "2031-02-01T00:00:00Z"
    )])
}

/// A refresh into a new directory with a client made from `c`, which must
/// fail without publishing: its error.
async fn refused(c: ClientConfig) -> RefreshError {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Source::Github(github::Client::new(c).unwrap()));
    let err = refresh_err(&LocalStore::new(dir.path()), &cfg, "2031-03-01T00:00:00Z").await;
    assert!(!dir.path().join("index.json").exists());
    assert!(!dir.path().join("manifest.json").exists());
    err
}

/// A server on loopback that answers every connection with `head` and then
/// `body_chunk` over and over (chunked) until the client goes away.
async fn endless_server(head: &'static str, body_chunk: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                if conn.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = [
                    format!("{:x}\r\n", body_chunk.len()).as_bytes(),
                    body_chunk,
                    b"\r\n",
                ]
                .concat();
                // Bounded, so that a client that never stops cannot hang the test.
                for _ in 0..200_000 {
                    if conn.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_endless_page_fails_at_the_page_cap() {
    let api = endless_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        &[b' '; 64 * 1024],
    )
    .await;
    let mut config = ClientConfig::new(api.parse().unwrap(), None);
    config.max_page_bytes = 1 << 20;
    config.retries = 0;
    let started = Instant::now();

    let err = refused(config).await;

    assert!(
        matches!(
            err,
            RefreshError::Github(GithubError::TooLarge {
                limit: 1_048_576,
                ..
            })
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("larger than 1048576 bytes (--github-max-page-bytes)"),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn a_valid_page_over_the_cap_is_refused_and_nothing_is_published() {
    let server = MockServer::start().await;
    let mut c = ClientConfig::new(server.uri().parse().unwrap(), None);
    c.max_page_bytes = 64 * 1024;
    let cfg = config(Source::Github(github::Client::new(c).unwrap()));
    let big: Vec<_> = (0..200)
        .map(|n| {
            issue(
                1000 + n,
                &format!("CVE-2031-{}: padded", 2000 + n),
                &"x".repeat(1000),
                "2031-02-01T00:00:00Z",
            )
        })
        .collect();
    let too_big = ResponseTemplate::new(200).set_body_json(big);
    let (err, status) = second_run_fails(&server, &cfg, one_issue_page(), too_big).await;
    assert!(
        matches!(err, RefreshError::Github(GithubError::TooLarge { .. })),
        "{err:?}"
    );
    assert!(status.contains("--github-max-page-bytes"), "{status}");
}

#[tokio::test]
async fn the_total_of_all_pages_is_capped() {
    let server = MockServer::start().await;
    // Every page is small, but they keep coming (each with a new URL).
    let next = format!("{}/repositories/1/issues", server.uri());
    Mock::given(method("GET"))
        .respond_with(move |req: &wiremock::Request| {
            let page: u64 = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map_or(1, |(_, v)| v.parse().unwrap());
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!("<{next}?page={}>; rel=\"next\"", page + 1).as_str(),
                )
                .set_body_json(one_issue_page())
        })
        .mount(&server)
        .await;
    let mut c = ClientConfig::new(server.uri().parse().unwrap(), None);
    c.max_total_bytes = 20 * 1024;

    let err = refused(c).await;

    let message = err.to_string();
    assert!(
        message.contains("all pages together") && message.contains("--github-max-total-bytes"),
        "{message}"
    );
    let requests = server.received_requests().await.unwrap().len();
    let page = serde_json::to_vec(&one_issue_page()).unwrap().len();
    assert!(
        requests <= 20 * 1024 / page + 1,
        "{requests} pages of {page} bytes"
    );
}

#[tokio::test]
async fn a_link_back_to_a_fetched_page_fails_at_once() {
    let server = MockServer::start().await;
    let first = client(&server.uri(), None).first_page_url(&REPO.parse().unwrap(), LABEL);
    let cfg = github_config(&server.uri(), None);
    let to_itself = ResponseTemplate::new(200)
        .insert_header("link", format!("<{first}>; rel=\"next\"").as_str())
        .set_body_json(one_issue_page());
    let (err, _) = second_run_fails(&server, &cfg, one_issue_page(), to_itself).await;
    assert!(
        matches!(err, RefreshError::Github(GithubError::RepeatedLink { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("a page already fetched"), "{err}");
    // The good run's request, then the one that linked to itself.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_zero_is_waited_for_and_counted() {
    let server = MockServer::start().await;
    answer(&server, ISSUES, retry_after(429, "0", "slow down")).await;
    let mut c = ClientConfig::new(server.uri().parse().unwrap(), None);
    c.max_rate_limit_wait = Duration::from_secs(3600);
    c.max_rate_limit_retries = 3;
    let started = Instant::now();

    let err = refused(c).await;

    let elapsed = started.elapsed();
    assert!(
        matches!(err, RefreshError::Github(GithubError::RateLimited { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("--max-rate-limit-retries 3"),
        "{err}"
    );
    // One request, then three waits of at least a second, each followed by
    // a request: four in all.
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn a_huge_retry_after_after_a_short_one_fails_the_run_without_a_panic() {
    // In `serve`, a panic here would end the refresher task for good.
    let server = MockServer::start().await;
    answer_first(&server, ISSUES, 1, retry_after(429, "1", "slow down")).await;
    let huge = retry_after(429, "18446744073709551615", "slow down");
    answer(&server, ISSUES, huge).await;
    let mut c = ClientConfig::new(server.uri().parse().unwrap(), None);
    c.max_rate_limit_wait = Duration::from_secs(60);
    let started = Instant::now();

    let err = refused(c).await;

    assert!(
        matches!(err, RefreshError::Github(GithubError::RateLimited { .. })),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_and_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(one_issue_page()))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    let cfg = github_config(&server.uri(), Some("ghp_do_not_leak"));
    // Another port is another origin: the attacker's host.
    let target = format!("{}/steal{ISSUES}", elsewhere.uri());
    let redirect = ResponseTemplate::new(302).insert_header("location", target.as_str());
    let (err, status) = second_run_fails(&server, &cfg, one_issue_page(), redirect).await;
    assert!(
        matches!(
            err,
            RefreshError::Github(GithubError::ForeignRedirect { status: 302, .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("refusing to follow"), "{err}");
    assert!(!status.contains("/steal"), "{status}");
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the other host was asked"
    );
}

#[tokio::test]
async fn a_redirect_within_the_api_host_is_followed() {
    let server = MockServer::start().await;
    let moved = format!("{}/moved/issues", server.uri());
    let redirect = ResponseTemplate::new(301).insert_header("location", moved.as_str());
    answer(&server, ISSUES, redirect).await;
    let page = ResponseTemplate::new(200).set_body_json(one_issue_page());
    answer(&server, "/moved/issues", page).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = github_config(&server.uri(), None);
    let summary = refresh_ok(&LocalStore::new(dir.path()), &cfg, "2031-03-01T00:00:00Z").await;
    assert_eq!(summary.items, 1);
}

#[tokio::test]
async fn echoed_credentials_never_reach_status_json_and_are_cut_short() {
    let server = MockServer::start().await;
    // The API URL carries a user and password; a token is set as well.
    let api = server.uri().replace("http://", "http://robot:pa55word@");
    let mut c = ClientConfig::new(api.parse().unwrap(), Token::new("ghp_do_not_leak".into()));
    c.retries = 0;
    let cfg = config(Source::Github(github::Client::new(c).unwrap()));
    // A server that echoes every request header in its message.
    let echo = |req: &wiremock::Request| {
        let headers: String = req
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {}\r\n", v.to_str().unwrap_or("")))
            .collect();
        ResponseTemplate::new(400).set_body_json(json!({
            "message": format!("echo pa55word ghp_do_not_leak\r\n{headers}{}", "y".repeat(5000))
        }))
    };
    let (err, status) = second_run_fails(&server, &cfg, one_issue_page(), echo).await;
    let message = cvefeed::error::Chain(&err).to_string();
    let doc: serde_json::Value = serde_json::from_str(&status).unwrap();
    let last_error = doc["last_error"].as_str().unwrap();
    for text in [message.as_str(), status.as_str()] {
        assert!(!text.contains("pa55word"), "{text}");
        assert!(!text.contains("ghp_do_not_leak"), "{text}");
        assert!(!text.contains("robot"), "{text}");
        assert!(!text.contains("cm9ib3Q6cGE1NXdvcmQ"), "{text}");
        assert!(!text.contains('\r'), "{text:?}");
    }
    assert!(last_error.contains("HTTP 400"), "{last_error}");
    assert!(last_error.len() < 1000, "{} bytes", last_error.len());
    // The requests did carry the credentials, as basic authentication
    // (which wins over the token, as it did when the URL carried it).
    let requests = server.received_requests().await.unwrap();
    let auth = requests.last().unwrap().headers["authorization"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(auth.starts_with("Basic "), "{auth}");
}

#[tokio::test]
async fn an_issue_with_too_many_ids_is_reported_and_publishes_nothing() {
    let ids = |n: usize, sep: &str| {
        (0..n)
            .map(|i| format!("CVE-2031-{}", 10_000 + i))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let work = tempfile::tempdir().unwrap();
    let issues = json!([
        issue(
            1,
            "CVE-2031-0001: A real one",
            "Body.",
            "2031-01-01T00:00:00Z"
        ),
        issue(
            2,
            &format!("{}: ten thousand ids", ids(10_000, ", ")),
            "Body.",
            "2031-01-02T00:00:00Z"
        ),
        issue(
            3,
            "No id in this title",
            &ids(3_120, "\n").replace("CVE-2031", "CVE: CVE-2031"),
            "2031-01-03T00:00:00Z"
        ),
    ]);
    let file = write_issues(work.path(), "issues.json", &issues);
    let out = work.path().join("out");

    let summary = refresh_ok(
        &LocalStore::new(&out),
        &config(Source::File(file)),
        "2031-03-01T00:00:00Z",
    )
    .await;

    assert_eq!(summary.items, 1);
    assert_eq!(feed_ids(&out), ["CVE-2031-0001"]);
    assert!(std::fs::metadata(out.join("index.json")).unwrap().len() < 10_000);
    let status = read_json(&out, "status.json");
    assert_eq!(status["unparsed_issues"], 2);
    let unparsed = status["unparsed"].as_array().unwrap();
    assert_eq!(
        unparsed
            .iter()
            .map(|u| (u["number"].as_u64().unwrap(), u["reason"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [(2, "too_many_ids"), (3, "too_many_ids")]
    );
    assert!(unparsed[0]["title"].as_str().unwrap().chars().count() <= 256);
}
