//! Shared helpers for the integration tests: GitHub issue objects in the
//! shape the REST API returns, issues files, mock endpoints, a refresh
//! configuration pointing at a local directory, refreshes that must succeed
//! or fail, and snapshots of what a reader of the directory sees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockGuard, MockServer, Respond, ResponseTemplate};

use cvefeed::github::{self, ClientConfig, Token};
use cvefeed::publish::{self, RefreshConfig, RefreshError, Source, Summary};
use cvefeed::store::{LocalStore, Store};
use cvefeed_model::render::SiteConfig;

pub const LABEL: &str = "official-cve-feed";
pub const REPO: &str = "kubernetes/kubernetes";
/// The path of [`REPO`]'s issues on the (mock) GitHub API.
pub const ISSUES: &str = "/repos/kubernetes/kubernetes/issues";

/// A GitHub issue object as the REST API sends it.
pub fn issue(number: u64, title: &str, body: &str, created: &str) -> Value {
    json!({
        "url": format!("https://api.github.com/repos/{REPO}/issues/{number}"),
        "repository_url": format!("https://api.github.com/repos/{REPO}"),
        "html_url": format!("https://github.com/{REPO}/issues/{number}"),
        "id": 1_000_000 + number,
        "number": number,
        "title": title,
        "user": {"login": "fixture-bot", "id": 1},
        "labels": [{"id": 1, "name": LABEL, "color": "ededed"}],
        "state": "closed",
        "state_reason": "completed",
        "locked": false,
        "comments": 0,
        "created_at": created,
        "updated_at": created,
        "closed_at": created,
        "body": body,
    })
}

/// The same issue, open.
pub fn open(mut issue: Value) -> Value {
    issue["state"] = json!("open");
    issue["state_reason"] = Value::Null;
    issue["closed_at"] = Value::Null;
    issue
}

/// The same issue, without the feed label.
pub fn unlabelled(mut issue: Value) -> Value {
    issue["labels"] = json!([{"id": 2, "name": "kind/bug"}]);
    issue
}

/// The same object, as a pull request.
pub fn pull_request(mut issue: Value) -> Value {
    issue["pull_request"] = json!({"url": "https://api.github.com/repos/x/y/pulls/1"});
    issue
}

/// `issues` written as the JSON file `name` in `dir`: its path.
pub fn write_issues(dir: &Path, name: &str, issues: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(issues).unwrap()).unwrap();
    path
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

/// A client for a mock GitHub with fast retries.
pub fn client(api: &str, token: Option<&str>) -> github::Client {
    let mut config = ClientConfig::new(
        api.parse().expect("mock URL"),
        token.and_then(|t| Token::new(t.into())),
    );
    config.timeout = Duration::from_secs(5);
    config.backoff = Duration::from_millis(10);
    config.max_rate_limit_wait = Duration::from_secs(3);
    github::Client::new(config).expect("client")
}

/// The configuration of a refresh from the mock GitHub at `api`.
pub fn github_config(api: &str, token: Option<&str>) -> RefreshConfig {
    config(Source::Github(client(api, token)))
}

pub fn config(source: Source) -> RefreshConfig {
    RefreshConfig {
        source,
        repos: vec![REPO.parse().unwrap()],
        label: LABEL.into(),
        site: SiteConfig::default(),
        allow_shrink: false,
        shrink_tolerance: 0,
        lock_wait: Duration::from_secs(5),
        compat_k8s_bucket: false,
        precompress: false,
        hooks: cvefeed::hooks::Hooks::default(),
        records: cvefeed::cverecords::RecordSource::Off,
        record_max_lag: Duration::from_secs(30 * 86_400),
        trust: Default::default(),
    }
}

/// A refresh of `store` with `config` at `when` that must succeed.
pub async fn refresh_ok(store: &dyn Store, config: &RefreshConfig, when: &str) -> Summary {
    publish::refresh(store, config, at(when)).await.unwrap()
}

/// A refresh of `store` with `config` at `when` that must fail: its error.
pub async fn refresh_err(store: &dyn Store, config: &RefreshConfig, when: &str) -> RefreshError {
    publish::refresh(store, config, at(when)).await.unwrap_err()
}

/// Answers every GET of `endpoint` on `server` with `response`.
pub async fn answer(server: &MockServer, endpoint: &str, response: impl Respond + 'static) {
    Mock::given(method("GET"))
        .and(path(endpoint))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Answers the first `times` GETs of `endpoint` on `server` with
/// `response`, before any other mock is asked.
pub async fn answer_first(
    server: &MockServer,
    endpoint: &str,
    times: u64,
    response: ResponseTemplate,
) {
    Mock::given(method("GET"))
        .and(path(endpoint))
        .respond_with(response)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
}

/// Answers every GET of `endpoint` on `server` with `response` until the
/// guard is dropped.
pub async fn answer_while(
    server: &MockServer,
    endpoint: &str,
    response: ResponseTemplate,
) -> MockGuard {
    Mock::given(method("GET"))
        .and(path(endpoint))
        .respond_with(response)
        .mount_as_scoped(server)
        .await
}

/// A rate-limit answer: `status`, `Retry-After: secs` and GitHub's error
/// body with `message`.
pub fn retry_after(status: u16, secs: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("retry-after", secs)
        .set_body_json(json!({ "message": message }))
}

/// Publish `page` (a page of issues) from `server` with `cfg` into a new
/// directory, then refresh again while `server` answers with `failure`;
/// the second run must fail and leave every published file as it was.
/// Returns the error and the text of the `status.json` it wrote.
pub async fn second_run_fails(
    server: &MockServer,
    cfg: &RefreshConfig,
    page: Value,
    failure: impl Respond + 'static,
) -> (RefreshError, String) {
    let page = ResponseTemplate::new(200).set_body_json(page);
    let good = answer_while(server, ISSUES, page).await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    refresh_ok(&store, cfg, "2031-03-01T00:00:00Z").await;
    drop(good);
    let before = snapshot(dir.path());
    answer(server, ISSUES, failure).await;

    let err = refresh_err(&store, cfg, "2031-03-02T00:00:00Z").await;

    let changed = changed_files(&before, dir.path(), &[]);
    assert!(
        changed.is_empty(),
        "{changed:?} changed after a failed refresh"
    );
    let status = std::fs::read_to_string(dir.path().join("status.json")).unwrap();
    (err, status)
}

/// Every file a reader of `dir` sees (relative name → bytes), through the
/// symlinks into the current generation; the lock file, the generations
/// themselves and `..data` (names starting with `..`) excluded.
pub fn snapshot(dir: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if d == dir && entry.file_name().to_string_lossy().starts_with("..") {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if name != ".cvefeed.lock" {
                    out.insert(name, std::fs::read(&path).unwrap());
                }
            }
        }
    }
    out
}

/// What [`snapshot`] returns.
pub type Snapshot = BTreeMap<String, Vec<u8>>;

/// The files of `before` that `dir` no longer holds byte for byte, other
/// than `status.json` (which every run rewrites) and those whose name
/// starts with one of `except`.
pub fn changed_files(before: &Snapshot, dir: &Path, except: &[&str]) -> Vec<String> {
    let after = snapshot(dir);
    before
        .iter()
        .filter(|(name, _)| *name != "status.json" && !except.iter().any(|p| name.starts_with(p)))
        .filter(|(name, bytes)| after.get(*name) != Some(*bytes))
        .map(|(name, _)| name.clone())
        .collect()
}

pub fn read_json(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

/// The ids of a published JSON Feed, in order.
pub fn feed_ids(dir: &Path) -> Vec<String> {
    read_json(dir, "index.json")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}
