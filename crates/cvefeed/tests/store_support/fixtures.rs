//! Fixture issues of our own (GitHub's shape) and a refresh configuration
//! reading them: shared by the store and hook tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cvefeed::hooks::Hooks;
use cvefeed::publish::{RefreshConfig, Source};
use cvefeed_model::render::SiteConfig;
use serde_json::{Value, json};

/// One labelled GitHub issue object of our own, in GitHub's shape.
pub fn issue(n: u64) -> Value {
    json!({
        "number": 90000 + n,
        "title": format!("CVE-2031-{:04}: fixture flaw number {n} in a component", 1000 + n),
        "body": format!("Fixture advisory {n}. Upgrade to a fixed release.\n"),
        "html_url": format!("https://github.com/kubernetes/kubernetes/issues/{}", 90000 + n),
        "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
        "state": "closed",
        "state_reason": "completed",
        "created_at": format!("2031-01-{:02}T10:00:00Z", 1 + n % 28),
        "labels": [{"name": "official-cve-feed"}],
    })
}

/// Write `count` fixture issues (numbered from 1) to `path`.
pub fn write_issues(path: &Path, count: u64) {
    let issues: Vec<Value> = (1..=count).map(issue).collect();
    std::fs::write(path, serde_json::to_vec_pretty(&issues).unwrap()).unwrap();
}

/// A refresh of the issues in `issues_file`, no network.
pub fn config(issues_file: &Path) -> RefreshConfig {
    RefreshConfig {
        source: Source::File(PathBuf::from(issues_file)),
        repos: vec!["kubernetes/kubernetes".parse().unwrap()],
        label: "official-cve-feed".into(),
        site: SiteConfig::default(),
        allow_shrink: false,
        shrink_tolerance: 0,
        lock_wait: Duration::from_secs(60),
        compat_k8s_bucket: false,
        precompress: false,
        hooks: Hooks::default(),
        records: cvefeed::cverecords::RecordSource::Off,
        record_max_lag: Duration::from_secs(30 * 86_400),
    }
}
