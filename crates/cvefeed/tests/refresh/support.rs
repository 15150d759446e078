//! Shared helpers for the integration tests: GitHub issue objects in the
//! shape the REST API returns, and a refresh configuration pointing at a
//! local directory.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use cvefeed::github::{self, ClientConfig, Token};
use cvefeed::publish::{RefreshConfig, Source};
use cvefeed_model::render::SiteConfig;

pub const LABEL: &str = "official-cve-feed";
pub const REPO: &str = "kubernetes/kubernetes";

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

/// Every file a reader of `dir` sees (relative name → bytes), through the
/// symlinks into the current generation; the lock file, the generations
/// themselves and `..data` (names starting with `..`) excluded.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
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
