//! The CNA's CVE records: fetched from a mock CVE Services API (wiremock)
//! or read from a directory, cached in the store, merged and audited.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    answer, answer_first, answer_while, changed_files, config, issue, read_json, refresh_ok,
    snapshot, write_issues,
};
use cvefeed::cverecords::{self, ApiConfig, RecordSource};
use cvefeed::publish::{Outcome, RefreshConfig, Source, Summary};
use cvefeed::store::LocalStore;

const ID: &str = "CVE-2031-3001";

/// An announcement that gives a range and its fix, nothing else.
const BODY: &str = "#### Affected Versions\n\n- kubelet v1.40.0 - v1.40.3\n\n#### Fixed Versions\n\n- kubelet v1.40.4\n";

/// A record for [`ID`], written for these tests: its bound is one patch
/// lower than the issue's, it has a CVSS vector the issue lacks, and a CWE.
fn record(state: &str) -> Value {
    json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": ID, "state": state, "dateUpdated": "2031-02-10T00:00:00.000Z",
                        "datePublished": "2031-02-01T00:00:00.000Z"},
        "containers": {"cna": {
            "title": "Invented kubelet flaw",
            "affected": [{"vendor": "Kubernetes", "product": "Kubernetes", "defaultStatus": "unaffected",
                "versions": [{"status": "affected", "version": "v1.40.0", "lessThan": "v1.40.3",
                              "versionType": "kubelet v1.40"}]}],
            "metrics": [{"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}}],
            "problemTypes": [{"descriptions": [{"cweId": "CWE-200", "description": "CWE-200 Exposure"}]}]
        }}
    })
}

/// The path of [`ID`]'s record on the mock CVE Services API.
fn record_path() -> String {
    format!("/api/cve/{ID}")
}

/// The issues file, in `dir`, that announces [`ID`].
fn issues_file(dir: &Path) -> PathBuf {
    let issues = json!([issue(
        301,
        &format!("{ID}: Invented kubelet flaw"),
        BODY,
        "2031-02-01T00:00:00Z"
    )]);
    write_issues(dir, "issues.json", &issues)
}

fn api_config(server: &MockServer, max_age: Duration) -> RefreshConfig {
    let mut api = ApiConfig::new(format!("{}/api", server.uri()).parse().unwrap());
    api.timeout = Duration::from_millis(500);
    api.retries = 1;
    api.backoff = Duration::from_millis(10);
    api.max_age = max_age;
    RefreshConfig {
        records: RecordSource::Api(cverecords::Client::new(api).unwrap()),
        ..config(Source::File(PathBuf::new()))
    }
}

/// A mock CVE Services API, a work directory with the issues file, and a
/// store and a refresh configuration that read records from that API.
struct Setup {
    server: MockServer,
    _work: tempfile::TempDir,
    out: PathBuf,
    store: LocalStore,
    config: RefreshConfig,
}

async fn setup(max_age: Duration) -> Setup {
    let server = MockServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let mut config = api_config(&server, max_age);
    config.source = Source::File(issues_file(work.path()));
    Setup {
        store: LocalStore::new(&out),
        server,
        _work: work,
        out,
        config,
    }
}

impl Setup {
    /// Publish once on 2031-03-01 while the API serves the published record.
    async fn publish_with_the_record(&self) {
        let published = ResponseTemplate::new(200).set_body_json(record("PUBLISHED"));
        let ok = answer_while(&self.server, &record_path(), published).await;
        self.refresh("2031-03-01T00:00:00Z").await;
        drop(ok);
    }

    /// A refresh at `when` that must succeed.
    async fn refresh(&self, when: &str) -> Summary {
        refresh_ok(&self.store, &self.config, when).await
    }

    /// A refresh of `store` with this configuration at `when` that must
    /// succeed in less than `limit`.
    async fn refresh_within(&self, store: &LocalStore, when: &str, limit: Duration) -> Summary {
        let started = std::time::Instant::now();
        let summary = refresh_ok(store, &self.config, when).await;
        let elapsed = started.elapsed();
        assert!(elapsed < limit, "{elapsed:?}");
        summary
    }
}

fn item(out: &Path) -> Value {
    read_json(out, "index.json")["items"][0].clone()
}

#[tokio::test]
async fn a_record_is_fetched_once_then_served_from_the_cache_then_revalidated() {
    let s = setup(Duration::from_secs(3600)).await;
    let out = &s.out;

    Mock::given(method("GET"))
        .and(path(record_path()))
        .and(header("if-none-match", "\"r1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path(record_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"r1\"")
                .set_body_json(record("PUBLISHED")),
        )
        .up_to_n_times(1)
        .mount(&s.server)
        .await;

    let first = s.refresh("2031-03-01T00:00:00Z").await;
    assert_eq!(first.outcome, Outcome::Published);
    assert_eq!(
        (first.cve_records.requests, first.cve_records.not_modified),
        (1, 0)
    );
    assert!(first.written.iter().any(|w| w == cverecords::CACHE));
    // The record filled what the issue lacks, and is named as the source.
    let ext = &item(out)["_kubernetes_io"];
    assert_eq!(
        ext["cvss_vector"],
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
    );
    assert_eq!(ext["cwe"], json!(["CWE-200"]));
    assert_eq!(
        ext["sources"],
        json!({"severity": "cve_record", "affected": "markdown", "fixed_versions": "markdown",
               "components": "markdown", "cwe": "cve_record"})
    );
    // The issue's ranges stand; the disagreement is an audit finding.
    assert_eq!(ext["fixed_versions"], json!(["1.40.4"]));
    let audit = read_json(out, "audit.json");
    assert_eq!(audit["counts"]["affected"], 1);
    assert_eq!(
        audit["findings"][0],
        json!({"id": ID, "field": "affected", "issue_says": "affected",
               "record_says": "not affected", "probe": "kubelet 1.40.3"})
    );
    assert!(read_json(out, "manifest.json")["objects"]["audit.json"].is_object());
    let osv = read_json(out, &format!("osv/{ID}.json"));
    assert_eq!(osv["database_specific"]["cwe"], json!(["CWE-200"]));
    assert_eq!(
        osv["database_specific"]["cve_record"],
        json!({"date_published": "2031-02-01T00:00:00Z", "date_updated": "2031-02-10T00:00:00Z"})
    );

    // Within the cache age: no request at all, nothing changes.
    let before = snapshot(out);
    let second = s.refresh("2031-03-01T00:30:00Z").await;
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert_eq!(second.cve_records.requests, 0);
    let changed = changed_files(&before, out, &[]);
    assert!(changed.is_empty(), "{changed:?} changed");
    let cached = item(out);

    // Past it: a conditional request, answered 304 from the cache.
    let third = s.refresh("2031-03-01T02:00:00Z").await;
    assert_eq!(third.outcome, Outcome::Unchanged);
    assert_eq!(
        (third.cve_records.requests, third.cve_records.not_modified),
        (1, 1)
    );
    assert!(third.cve_records.failures.is_empty());
    assert_eq!(item(out), cached);
}

#[tokio::test]
async fn a_500_or_a_timeout_keeps_the_earlier_data_and_is_counted() {
    let s = setup(Duration::ZERO).await;
    s.publish_with_the_record().await;
    let published = snapshot(&s.out);

    for (when, failure) in [
        ("2031-03-02T00:00:00Z", ResponseTemplate::new(500)),
        (
            "2031-03-03T00:00:00Z",
            ResponseTemplate::new(200)
                .set_body_json(record("PUBLISHED"))
                .set_delay(Duration::from_secs(2)),
        ),
    ] {
        let _failing = answer_while(&s.server, &record_path(), failure).await;
        let summary = s.refresh(when).await;
        assert_eq!(summary.outcome, Outcome::Unchanged, "{when}");
        // One attempt and one retry.
        assert_eq!(summary.cve_records.requests, 2, "{when}");
        assert_eq!(
            summary.cve_records.failures,
            [ID.parse().unwrap()],
            "{when}"
        );
        let changed = changed_files(&published, &s.out, &[".cache/"]);
        assert!(changed.is_empty(), "{changed:?} changed at {when}");
        let status = read_json(&s.out, "status.json");
        assert_eq!(status["cve_record_failures"], 1);
        assert_eq!(status["cve_record_failed"], json!([ID]));
        // The affected probe and the fixed versions.
        assert_eq!(status["audit_findings"], 2);
    }
}

#[tokio::test]
async fn a_hanging_api_delays_a_refresh_by_the_deadline_at_most() {
    let mut s = setup(Duration::ZERO).await;
    s.publish_with_the_record().await;
    let published = snapshot(&s.out);
    let mut api = ApiConfig::new(format!("{}/api", s.server.uri()).parse().unwrap());
    api.timeout = Duration::from_secs(60);
    api.deadline = Duration::from_secs(1);
    api.max_age = Duration::ZERO;
    s.config.records = RecordSource::Api(cverecords::Client::new(api).unwrap());
    let hanging = ResponseTemplate::new(200)
        .set_body_json(record("PUBLISHED"))
        .set_delay(Duration::from_secs(30));
    answer(&s.server, &record_path(), hanging).await;
    let limit = Duration::from_secs(15);

    // With the record cached: the cached record stands.
    let summary = s
        .refresh_within(&s.store, "2031-03-02T00:00:00Z", limit)
        .await;
    assert_eq!(summary.outcome, Outcome::Unchanged);
    assert_eq!(summary.cve_records.requests, 1);
    assert_eq!(summary.cve_records.failures, [ID.parse().unwrap()]);
    let changed = changed_files(&published, &s.out, &[".cache/"]);
    assert!(changed.is_empty(), "{changed:?} changed");
    assert_eq!(
        read_json(&s.out, "status.json")["cve_record_failed"],
        json!([ID])
    );

    // Without a cache: published without the record.
    let fresh = tempfile::tempdir().unwrap();
    let summary = s
        .refresh_within(
            &LocalStore::new(fresh.path()),
            "2031-03-02T00:00:00Z",
            limit,
        )
        .await;
    assert_eq!(summary.outcome, Outcome::Published);
    assert_eq!(summary.cve_records.failures, [ID.parse().unwrap()]);
    assert_eq!(item(fresh.path())["_kubernetes_io"]["cwe"], json!([]));
}

#[tokio::test]
async fn a_huge_retry_after_is_one_failure_not_a_panic() {
    let s = setup(Duration::ZERO).await;
    let limited = |secs: &str| ResponseTemplate::new(429).insert_header("retry-after", secs);
    answer_first(&s.server, &record_path(), 1, limited("1")).await;
    answer(&s.server, &record_path(), limited("18446744073709551615")).await;
    let summary = s
        .refresh_within(&s.store, "2031-03-01T00:00:00Z", Duration::from_secs(30))
        .await;
    assert_eq!(summary.outcome, Outcome::Published);
    assert_eq!(summary.cve_records.requests, 2);
    assert_eq!(summary.cve_records.failures, [ID.parse().unwrap()]);
}

#[tokio::test]
async fn a_rejected_record_marks_the_item_rejected_and_the_osv_record_withdrawn() {
    let s = setup(Duration::ZERO).await;
    s.publish_with_the_record().await;

    let mut rejected = record("REJECTED");
    rejected["containers"]["cna"] =
        json!({"rejectedReasons": [{"lang": "en", "value": "Duplicate."}]});
    let rejected = ResponseTemplate::new(200).set_body_json(rejected);
    answer(&s.server, &record_path(), rejected).await;
    let summary = s.refresh("2031-03-02T00:00:00Z").await;
    // Still in the feed, changed, not removed (the shrink guard is quiet).
    assert_eq!(summary.outcome, Outcome::Published);
    assert_eq!(summary.items, 1);
    assert_eq!(summary.changes.changed, [ID.parse().unwrap()]);
    assert!(summary.changes.removed.is_empty());
    assert_eq!(item(&s.out)["_kubernetes_io"]["status"], "rejected");
    let osv = read_json(&s.out, &format!("osv/{ID}.json"));
    assert_eq!(osv["withdrawn"], "2031-02-10T00:00:00Z");
    assert_eq!(osv["database_specific"]["status"], "rejected");
    let rss = std::fs::read_to_string(s.out.join("feed.xml")).unwrap();
    assert!(rss.contains("#status\">rejected</category>"), "{rss}");
    let page = std::fs::read_to_string(s.out.join("index.html")).unwrap();
    assert!(page.contains(r#"<tr data-status="rejected" class="cve-status-rejected">"#));
    let audit = read_json(&s.out, "audit.json");
    assert_eq!(
        audit["findings"],
        json!([{"id": ID, "field": "record", "issue_says": "an official CVE", "record_says": "REJECTED"}])
    );
}

#[tokio::test]
async fn records_are_read_from_a_cvelist_or_a_flat_directory() {
    let work = tempfile::tempdir().unwrap();
    let issues = issues_file(work.path());
    for (layout, file) in [
        ("cvelist", format!("cves/2031/3xxx/{ID}.json")),
        ("flat", format!("{ID}.json")),
    ] {
        let dir = work.path().join(layout);
        let path = dir.join(&file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec(&record("PUBLISHED")).unwrap()).unwrap();
        let out = work.path().join(format!("out-{layout}"));
        let config = RefreshConfig {
            records: RecordSource::Dir(dir),
            ..config(Source::File(issues.clone()))
        };
        refresh_ok(&LocalStore::new(&out), &config, "2031-03-01T00:00:00Z").await;
        assert_eq!(
            item(&out)["_kubernetes_io"]["cwe"],
            json!(["CWE-200"]),
            "{layout}"
        );
    }
    // No file: a finding that the record is missing.
    let out = work.path().join("out-none");
    let config = RefreshConfig {
        records: RecordSource::Dir(work.path().join("empty")),
        ..config(Source::File(issues))
    };
    refresh_ok(&LocalStore::new(&out), &config, "2031-03-01T00:00:00Z").await;
    assert_eq!(
        read_json(&out, "audit.json")["findings"],
        json!([{"id": ID, "field": "record", "issue_says": "an official CVE", "record_says": "no CVE record"}])
    );
}
