//! Build hooks and the failure alert, against wiremock: one POST after a
//! change and none when unchanged, the secret URL never in the logs (the
//! binary's stderr at RUST_LOG=debug), `--strict-hooks`, and the alert on a
//! failed refresh.

#[path = "store_support/fixtures.rs"]
mod fixtures;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use chrono::Utc;
use cvefeed::error::Chain;
use cvefeed::hooks::{Alert, Hooks, RetryPolicy};
use cvefeed::publish;
use cvefeed::store::LocalStore;
use cvefeed_model::manifest::StatusDoc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "hook-s3cr3t-7f3a9c";

fn refresh(out: &Path, issues: &Path, extra: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_cvefeed"))
        .arg("refresh")
        .arg("--out")
        .arg(out)
        .arg("--from-file")
        .arg(issues)
        .args(["--hook-backoff", "10ms", "--hook-retries", "2"])
        .args(extra)
        .env("RUST_LOG", "debug")
        .env_remove("CVEFEED_BUILD_HOOK_URLS")
        .env_remove("CVEFEED_ALERT_WEBHOOK_URL")
        .output()
        .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hooks_cli-last-stderr.log"), &output.stderr).unwrap();
    output
}

/// A mock server that answers POSTs to `route` with `status` and expects
/// exactly `times` of them (checked by `verify`).
async fn mock_post(route: &str, status: u16, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status))
        .expect(times)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn one_post_after_a_change_none_when_unchanged_and_the_url_stays_secret() {
    let server = mock_post(&format!("/build_hooks/{SECRET}"), 200, 1).await;
    let hook = format!("{}/build_hooks/{SECRET}", server.uri());
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let out = dir.path().join("out");
    fixtures::write_issues(&issues, 2);

    let first = refresh(&out, &issues, &["--build-hook-url", &hook, "--json"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = refresh(&out, &issues, &["--build-hook-url", &hook, "--json"]);
    assert!(second.status.success());
    server.verify().await;

    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(summary["outcome"], "published");
    assert_eq!(summary["hooks"][0]["attempts"], 1);
    let unchanged: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(unchanged["outcome"], "unchanged");
    assert!(unchanged.get("hooks").is_none());

    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["event"], "published");
    assert_eq!(body["items"], 2);

    for o in [&first, &second] {
        let logs = String::from_utf8_lossy(&o.stderr);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(!logs.contains(SECRET), "secret in logs:\n{logs}");
        assert!(!stdout.contains(SECRET), "secret in output:\n{stdout}");
    }
    let logs = String::from_utf8_lossy(&first.stderr);
    assert!(logs.contains("build hook triggered"), "{logs}");
    assert!(
        logs.contains("http://127.0.0.1:"),
        "the redacted form is logged: {logs}"
    );
}

#[tokio::test]
async fn a_failing_hook_fails_the_run_only_with_strict_hooks_and_never_unpublishes() {
    // Two runs, one attempt and two retries each.
    let server = mock_post(&format!("/hook/{SECRET}"), 500, 6).await;
    let hooks_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        hooks_file.path(),
        format!("# the site's build hook\n{}/hook/{SECRET}\n", server.uri()),
    )
    .unwrap();
    let file_arg = hooks_file.path().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let out = dir.path().join("out");

    fixtures::write_issues(&issues, 1);
    let lenient = refresh(&out, &issues, &["--build-hook-urls-file", file_arg]);
    assert_eq!(lenient.status.code(), Some(0));

    fixtures::write_issues(&issues, 2);
    let strict = refresh(
        &out,
        &issues,
        &["--build-hook-urls-file", file_arg, "--strict-hooks"],
    );
    assert_eq!(strict.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(
        stderr.contains("the feed was published, but 1 build hook(s) failed"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
    // Published all the same.
    let manifest: cvefeed_model::manifest::Manifest =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.items.len(), 2);
    server.verify().await;
}

#[tokio::test]
async fn a_failed_refresh_sends_one_alert_with_text_and_last_success() {
    let server = mock_post(&format!("/alert/{SECRET}"), 200, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let issues = dir.path().join("issues.json");
    let store = LocalStore::new(dir.path().join("out"));
    let mut config = fixtures::config(&issues);
    config.hooks = Hooks {
        build: Vec::new(),
        alert: Some(Alert {
            url: format!("{}/alert/{SECRET}", server.uri()).parse().unwrap(),
            job_url: "https://prow.example/job/cve-feed".into(),
        }),
        retry: RetryPolicy {
            retries: 1,
            backoff: Duration::from_millis(10),
            timeout: Duration::from_secs(5),
        },
    };

    fixtures::write_issues(&issues, 1);
    publish::refresh(&store, &config, Utc::now()).await.unwrap();
    let status: StatusDoc =
        serde_json::from_slice(&std::fs::read(store.root().join("status.json")).unwrap()).unwrap();

    std::fs::write(&issues, b"{ not json").unwrap();
    let err = publish::refresh(&store, &config, Utc::now())
        .await
        .unwrap_err();
    server.verify().await;
    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("failed"), "{text}");
    assert!(text.contains("https://prow.example/job/cve-feed"), "{text}");
    // The whole error, causes included, as status.json records it.
    assert_eq!(body["error"], Chain(&err).to_string());
    assert!(body["error"].as_str().unwrap().contains("not a JSON array"));
    assert_eq!(body["job_url"], "https://prow.example/job/cve-feed");
    assert_eq!(
        body["last_success"],
        serde_json::to_value(status.last_success.unwrap()).unwrap()
    );
}
