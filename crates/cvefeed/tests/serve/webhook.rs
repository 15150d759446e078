//! The GitHub webhook of `cvefeed serve`: signatures, replays, relevance,
//! body limit, and a delivery that refreshes the feed from a mock GitHub,
//! debounced so a burst gives one run.

use std::time::Duration;

use crate::support::{Server, issue, labeled_event, publish_from_file};
use cvefeed::serve::webhook::Secret;
use reqwest::StatusCode;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LABEL: &str = "official-cve-feed";
const SECRET: &str = "webhook-test-secret";
const ISSUES_PATH: &str = "/repos/kubernetes/kubernetes/issues";

struct Delivery {
    event: &'static str,
    id: String,
    body: Vec<u8>,
    signature: Option<String>,
}

impl Delivery {
    fn signed(event: &'static str, id: &str, body: Vec<u8>) -> Delivery {
        let signature = Some(Secret::new(SECRET).unwrap().sign(&body));
        Delivery {
            event,
            id: id.to_string(),
            body,
            signature,
        }
    }

    async fn send(&self, server: &Server) -> (StatusCode, String) {
        let mut req = reqwest::Client::new()
            .post(server.url("/hooks/github"))
            .header("x-github-event", self.event)
            .header("x-github-delivery", &self.id)
            .header("content-type", "application/json")
            .body(self.body.clone());
        if let Some(sig) = &self.signature {
            req = req.header("x-hub-signature-256", sig);
        }
        let res = req.send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }
}

async fn mock_issues(github: &MockServer, issues: serde_json::Value) {
    github.reset().await;
    Mock::given(method("GET"))
        .and(path(ISSUES_PATH))
        .and(query_param("labels", LABEL))
        .and(query_param("state", "all"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issues))
        .mount(github)
        .await;
}

async fn issue_requests(github: &MockServer) -> usize {
    github
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == ISSUES_PATH)
        .count()
}

#[tokio::test]
async fn signatures_are_required_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let server = Server::start_env(
        "hook-signature",
        &[
            "--out",
            out,
            "--refresh-interval",
            "0",
            "--from-file",
            "/nonexistent.json",
        ],
        &[("CVEFEED_WEBHOOK_SECRET", SECRET)],
    );
    let ping = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#.to_vec();

    let ok = Delivery::signed("ping", "d-1", ping.clone());
    assert_eq!(ok.send(&server).await, (StatusCode::OK, "pong\n".into()));

    let mut wrong = Delivery::signed("ping", "d-2", ping.clone());
    wrong.signature = Some(Secret::new("another").unwrap().sign(&ping));
    assert_eq!(wrong.send(&server).await.0, StatusCode::UNAUTHORIZED);

    let mut tampered = Delivery::signed("ping", "d-3", ping.clone());
    tampered.body = br#"{"zen":"changed"}"#.to_vec();
    assert_eq!(tampered.send(&server).await.0, StatusCode::UNAUTHORIZED);

    let mut missing = Delivery::signed("ping", "d-4", ping.clone());
    missing.signature = None;
    assert_eq!(missing.send(&server).await.0, StatusCode::UNAUTHORIZED);

    // A replayed delivery id is acknowledged and ignored.
    let (status, body) = ok.send(&server).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("already received"), "{body}");

    // Too large.
    let big = Delivery::signed("issues", "d-5", vec![b' '; 2 * 1024 * 1024]);
    assert_eq!(big.send(&server).await.0, StatusCode::PAYLOAD_TOO_LARGE);

    // Not for the watched label, not for a watched repo, not an issue payload.
    let other_label = Delivery::signed(
        "issues",
        "d-6",
        labeled_event(5, "bug", "kubernetes/kubernetes"),
    );
    let (status, body) = other_label.send(&server).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("ignored"), "{body}");
    let other_repo = Delivery::signed("issues", "d-7", labeled_event(5, LABEL, "someone/else"));
    assert!(other_repo.send(&server).await.1.starts_with("ignored"));
    let garbage = Delivery::signed("issues", "d-8", b"[1,2]".to_vec());
    assert_eq!(garbage.send(&server).await.0, StatusCode::BAD_REQUEST);

    for (outcome, n) in [
        ("ping", 1.0),
        ("bad_signature", 2.0),
        ("missing_signature", 1.0),
        ("duplicate", 1.0),
        ("too_large", 1.0),
        ("ignored", 2.0),
        ("bad_payload", 1.0),
        ("triggered", 0.0),
    ] {
        let series = format!("cvefeed_webhook_deliveries_total{{outcome=\"{outcome}\"}}");
        assert_eq!(server.metric(&series).await, n, "{series}");
    }
    // Nothing was refreshed by any of these.
    assert_eq!(
        server
            .metric("cvefeed_refresh_runs_total{outcome=\"failed\"}")
            .await,
        0.0
    );
}

#[tokio::test]
async fn without_a_secret_the_webhook_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        "hook-disabled",
        &[
            "--out",
            dir.path().to_str().unwrap(),
            "--refresh-interval",
            "0",
        ],
    );
    let res = reqwest::Client::new()
        .post(server.url("/hooks/github"))
        .header("x-github-event", "ping")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("disabled"));
}

#[tokio::test]
async fn a_labelled_issue_appears_after_one_debounced_refresh() {
    let github = MockServer::start().await;
    mock_issues(
        &github,
        serde_json::json!([issue(201, "CVE-2031-2001", "First advisory", &[LABEL])]),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    // First publication, by the real pipeline from a file.
    publish_from_file(
        &out,
        &serde_json::json!([issue(201, "CVE-2031-2001", "First advisory", &[LABEL])]),
        &[],
    );
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let server = Server::start(
        "hook-refresh",
        &[
            "--out",
            out.to_str().unwrap(),
            "--github-api-url",
            &github.uri(),
            "--refresh-interval",
            "0",
            "--webhook-secret-file",
            secret_file.to_str().unwrap(),
            "--webhook-debounce",
            "1500ms",
            "--webhook-max-delay",
            "10s",
        ],
    );
    let (_, body) = server
        .wait_for("/index.json", Duration::from_secs(10), |s, _| s == 200)
        .await;
    assert!(body.contains("CVE-2031-2001") && !body.contains("CVE-2031-2002"));
    assert_eq!(
        issue_requests(&github).await,
        0,
        "no refresh before a delivery"
    );

    // The issue gets labelled on GitHub, then 20 deliveries arrive at once.
    mock_issues(
        &github,
        serde_json::json!([
            issue(202, "CVE-2031-2002", "Second advisory", &[LABEL]),
            issue(201, "CVE-2031-2001", "First advisory", &[LABEL]),
        ]),
    )
    .await;
    for i in 0..20 {
        // Each real delivery differs (GitHub stamps the issue's updated_at):
        // the same bytes twice would be refused as a replay.
        let mut event: serde_json::Value =
            serde_json::from_slice(&labeled_event(202, LABEL, "kubernetes/kubernetes")).unwrap();
        event["issue"]["updated_at"] = format!("2031-03-04T05:06:{i:02}Z").into();
        let d = Delivery::signed(
            "issues",
            &format!("burst-{i}"),
            serde_json::to_vec(&event).unwrap(),
        );
        let (status, body) = d.send(&server).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (_, body) = server
        .wait_for("/index.json", Duration::from_secs(15), |_, b| {
            b.contains("CVE-2031-2002")
        })
        .await;
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"CVE-2031-2002") && ids.contains(&"CVE-2031-2001"),
        "{ids:?}"
    );

    // Well past the debounce window: still exactly one run and one GitHub request.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(issue_requests(&github).await, 1);
    assert_eq!(
        server
            .metric("cvefeed_refresh_runs_total{outcome=\"published\"}")
            .await,
        1.0
    );
    assert_eq!(
        server
            .metric("cvefeed_webhook_deliveries_total{outcome=\"triggered\"}")
            .await,
        20.0
    );
    assert_eq!(
        server
            .metric("cvefeed_github_requests_total{status=\"200\"}")
            .await,
        1.0
    );
    assert_eq!(server.metric("cvefeed_feed_items").await, 2.0);
}
