//! Reading feeds for `cvefeed check`: a published directory, an index.json
//! file, a URL with an ETag cache (wiremock), and feeds without structured
//! data (the body parser fallback).

use cvefeed::check::report::words::no_ranges;
use cvefeed::check::report::{Format, render};
use cvefeed::check::source::{
    FeedError, FeedLocation, FeedParseError, FetchOptions, Freshness, load, parse_feed,
};
use cvefeed::check::{
    CheckError, CheckOptions, FixNews, Origin, RangeData, Targets, UnknownReason, Verdict,
};
use cvefeed_model::advisory::Status;
use cvefeed_model::advisory::vuln::{self, Rating};
use cvefeed_model::check::{MissingPart, RangePart, TargetError, Unusable};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A feed as cvefeed publishes it, with structured data on one item.
fn structured_feed() -> serde_json::Value {
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "test feed",
        "items": [
            {
                "id": "CVE-2031-1001",
                "url": "https://github.com/kubernetes/kubernetes/issues/1",
                "external_url": "https://www.cve.org/cverecord?id=CVE-2031-1001",
                "summary": " Kubelet forgets to lock the door ",
                "content_text": "A made-up kubelet problem for tests.",
                "_kubernetes_io": {
                    "status": "fixed",
                    "severity": "HIGH",
                    "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
                    "cvss_score": 6.5,
                    "components": ["kubelet"],
                    "affected": [
                        {"component": "kubelet", "package": "k8s.io/kubelet", "introduced": "1.29.0", "fixed": "1.29.4"},
                        {"component": "kubelet", "package": "k8s.io/kubelet", "fixed": "1.28.9"}
                    ],
                    "fixed_versions": ["1.28.9", "1.29.4"]
                }
            },
            {
                "id": "CVE-2031-1002",
                "url": "https://github.com/kubernetes/kubernetes/issues/2",
                "summary": "Nothing structured here",
                "content_text": "",
                "_kubernetes_io": {"status": "open", "affected": [], "components": []}
            },
            {
                "id": "CVE-2031-1003",
                "url": "https://github.com/kubernetes/kubernetes/issues/3",
                "summary": "Bad range",
                "content_text": "",
                "_kubernetes_io": {"status": "fixed", "affected": [{"component": "kubelet", "fixed": "soon"}]}
            }
        ]
    })
}

fn options(cache: Option<&std::path::Path>) -> FetchOptions {
    FetchOptions {
        cache_dir: cache.map(|p| p.to_path_buf()),
        timeout: Duration::from_secs(10),
        max_size: 1024 * 1024,
        offline: false,
    }
}

/// A check of kubelet 1.29.1 on 1 June 2031 against `feeds`, fetched with
/// `fetch`.
fn check_options(feeds: Vec<String>, fetch: FetchOptions) -> CheckOptions {
    CheckOptions {
        feeds,
        targets: Targets {
            versions: vec!["kubelet=1.29.1".into()],
            cluster: None,
        },
        fetch,
        fail_on: None,
        fail_on_unknown: false,
        fail_on_end_of_life: false,
        ignore: Default::default(),
        today: chrono::NaiveDate::from_ymd_opt(2031, 6, 1).unwrap(),
        verify_key: None,
    }
}

#[test]
fn structured_data_is_read_from_the_feed() {
    let bytes = serde_json::to_vec(&structured_feed()).unwrap();
    let entries = parse_feed(&bytes, "test").unwrap();
    assert_eq!(entries.len(), 3);
    let e = &entries[0];
    assert_eq!(e.id.as_str(), "CVE-2031-1001");
    assert_eq!(e.summary, "Kubelet forgets to lock the door");
    assert_eq!(e.status, Some(Status::Fixed));
    let sev = e.severity.as_ref().unwrap();
    assert_eq!((sev.rating, sev.score), (Rating::High, Some(6.5)));
    match &e.ranges {
        RangeData::Known { affected, origin } => {
            assert_eq!(*origin, Origin::Feed);
            assert_eq!(affected.len(), 1, "ranges of one component are grouped");
            assert_eq!(affected[0].package.as_deref(), Some("k8s.io/kubelet"));
            assert_eq!(affected[0].ranges.len(), 2);
            assert_eq!(
                affected[0].ranges[1].fixed(),
                Some(&semver::Version::new(1, 28, 9))
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        entries[1].ranges,
        RangeData::Unknown {
            why: UnknownReason::NoAffectedVersions,
            reason: Unusable::Missing {
                structured: true,
                empty_description: true
            }
        }
    );
    match &entries[2].ranges {
        RangeData::Unknown { reason, why } => {
            assert_eq!(*why, UnknownReason::InvalidRanges);
            let words = no_ranges(reason);
            assert!(words.contains("\"soon\""), "{words}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_item_whose_id_is_not_a_cve_id_makes_the_feed_unreadable() {
    let mut feed = structured_feed();
    feed["items"][1]["id"] = json!("GHSA-abcd-efgh-ijkl");
    let err = parse_feed(&serde_json::to_vec_pretty(&feed).unwrap(), "hostile.json").unwrap_err();
    assert!(
        matches!(err, FeedParseError::ItemId { item: 2, .. }),
        "{err:?}"
    );
    assert_eq!(
        cvefeed::error::Chain(&err).to_string(),
        "hostile.json: item 2 does not name a CVE id; the feed cannot be checked: \"GHSA-abcd-efgh-ijkl\" is not a CVE id: expected CVE-YYYY-NNNN with a year from 1999 and at least four digits"
    );
}

#[test]
fn an_upstream_item_with_several_ids_gives_one_entry_per_id() {
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "CVE-2031-3001, CVE-2031-3002", "url": "https://example.test/1", "summary": "two ids",
             "content_text": BODY, "_kubernetes_io": {"google_group_url": "https://example.test/g", "issue_number": 1}},
            {"id": "CVE-2031-3002", "url": "https://example.test/2", "summary": "again", "content_text": ""}
        ]
    });
    let entries = parse_feed(&serde_json::to_vec(&feed).unwrap(), "upstream").unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2031-3001", "CVE-2031-3002"]);
    assert_eq!(entries[0].ranges, entries[1].ranges);
    assert_eq!(entries[1].summary, "two ids");
}

#[test]
fn unknown_statuses_read_as_absent_and_impossible_ranges_as_unknown() {
    let mut feed = structured_feed();
    feed["items"][0]["_kubernetes_io"]["status"] = json!("withdrawn");
    feed["items"][0]["_kubernetes_io"]["affected"] = json!([
        {"component": "kubelet", "introduced": "1.29.0", "fixed": "1.29.4", "last_affected": "1.29.3"}
    ]);
    feed["items"][0]["id"] = json!("cve-2031-1001");
    let entries = parse_feed(&serde_json::to_vec(&feed).unwrap(), "test").unwrap();
    assert_eq!(entries[0].id.as_str(), "CVE-2031-1001");
    assert_eq!(entries[0].status, None);
    assert_eq!(entries[1].status, Some(Status::Open));
    assert_eq!(
        entries[0].ranges,
        RangeData::Unknown {
            why: UnknownReason::InvalidRanges,
            reason: Unusable::Invalid {
                component: "kubelet".into(),
                part: RangePart::Range,
                error: "a version range gives both fixed 1.29.4 and last_affected 1.29.3; it may end at only one".into()
            }
        }
    );
    match &entries[0].ranges {
        RangeData::Unknown { reason, .. } => assert_eq!(
            no_ranges(reason),
            "the feed's range of kubelet is invalid: a version range gives both fixed 1.29.4 and last_affected 1.29.3; it may end at only one"
        ),
        other => panic!("{other:?}"),
    }
}

/// Made-up announcement text in the shape of real ones.
const BODY: &str = "CVSS Rating: [CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H](https://www.first.org/cvss/calculator/3.1)\r\n\r\n\
### Am I vulnerable?\r\n\r\n#### Affected Versions\r\n\r\n- kube-apiserver v1.30.0 - v1.30.2\r\n- kube-apiserver <= v1.29.6\r\n\r\n\
### How do I mitigate this vulnerability?\r\n\r\n#### Fixed Versions\r\n\r\n- kube-apiserver v1.30.3\r\n- kube-apiserver v1.29.7\r\n";

#[test]
fn a_feed_without_structured_data_falls_back_to_the_body_parser() {
    // The upstream shape: no status, no affected, no severity.
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "CVE-2031-2001", "url": "https://example.test/1", "summary": "x", "content_text": BODY,
             "_kubernetes_io": {"google_group_url": "https://example.test/g", "issue_number": 1}},
            {"id": "CVE-2031-2002", "url": "https://example.test/2", "summary": "y", "content_text": "Nothing to see.",
             "_kubernetes_io": {"issue_number": 2}}
        ]
    });
    let entries = parse_feed(&serde_json::to_vec(&feed).unwrap(), "upstream").unwrap();
    // What the body parser reads is what check uses: the ranges of the
    // announcement, and the rating of its vector (9.8).
    let parsed = vuln::extract(BODY);
    assert!(!parsed.affected.is_empty(), "{parsed:?}");
    assert_eq!(
        entries[0].ranges,
        RangeData::Known {
            affected: parsed.affected.clone(),
            origin: Origin::Description
        }
    );
    assert_eq!(
        entries[0].severity.as_ref().map(|s| (s.rating, s.score)),
        Some((Rating::Critical, Some(9.8)))
    );
    assert_eq!(
        entries[1].ranges,
        RangeData::Unknown {
            why: UnknownReason::NoAffectedVersions,
            reason: Unusable::Missing {
                structured: false,
                empty_description: false
            }
        }
    );
}

/// "No fix exists" is read from the announcement by the model's one rule,
/// whichever phrase it uses.
#[test]
fn an_announcement_that_says_no_fix_exists_is_read_by_the_models_rule() {
    let bodies = [
        ("This issue won't be fixed in kubectl.", FixNews::NoFix),
        ("The bug will not be fixed.", FixNews::NoFix),
        ("No fix is planned for this issue.", FixNews::NoFix),
        ("There is no patch for this issue.", FixNews::NoFix),
        (
            "Releases before 1.28 will not receive security updates.",
            FixNews::NoFix,
        ),
        ("**Fixed Versions:** None", FixNews::NoFix),
        ("Fixed Versions: None.", FixNews::NoFix),
        (
            "#### Fixed Versions\n\n- None. A longer term fix is proposed.\n",
            FixNews::NoFix,
        ),
        (
            "#### Fixed Versions\n\n- kubectl v1.30.3\n",
            FixNews::Ranges,
        ),
        ("It was fixed quickly.", FixNews::Ranges),
    ];
    let items: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(n, (body, _))| {
            json!({"id": format!("CVE-2031-{:04}", 2100 + n), "content_text": body,
                   "_kubernetes_io": {"status": "fixed"}})
        })
        .collect();
    let feed = json!({"version": "https://jsonfeed.org/version/1.1", "items": items});
    let entries = parse_feed(&serde_json::to_vec(&feed).unwrap(), "phrases").unwrap();
    for ((body, news), entry) in bodies.iter().zip(&entries) {
        assert_eq!(entry.fix_news, *news, "{body}");
        assert_eq!(
            vuln::markdown::states_no_fix(body),
            *news == FixNews::NoFix,
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_published_directory_and_a_file_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = serde_json::to_vec_pretty(&structured_feed()).unwrap();
    std::fs::write(dir.path().join("index.json"), &bytes).unwrap();
    for location in [
        dir.path().display().to_string(),
        format!("file://{}", dir.path().display()),
    ] {
        let loc = FeedLocation::parse(&location).unwrap();
        assert_eq!(loc, FeedLocation::Store(location.clone()));
        let loaded = load(&loc, &options(None)).await.unwrap();
        assert_eq!(loaded.bytes, bytes);
        assert_eq!(loaded.freshness, Freshness::Local);
    }
    let file = dir.path().join("index.json");
    let loc = FeedLocation::parse(&file.display().to_string()).unwrap();
    assert_eq!(loc, FeedLocation::File(file.clone()));
    assert_eq!(load(&loc, &options(None)).await.unwrap().bytes, bytes);

    // A directory without index.json, and a missing file, are errors.
    let empty = tempfile::tempdir().unwrap();
    let loc = FeedLocation::parse(&empty.path().display().to_string()).unwrap();
    assert!(matches!(
        load(&loc, &options(None)).await,
        Err(FeedError::FeedMissing { .. })
    ));
    let loc = FeedLocation::parse(&empty.path().join("nope.json").display().to_string()).unwrap();
    let err = load(&loc, &options(None)).await.unwrap_err();
    assert!(err.to_string().contains("nope.json"), "{err}");
    // Not JSON.
    let err = parse_feed(b"<html>", "somewhere").unwrap_err();
    assert!(
        err.to_string().starts_with("somewhere is not a JSON Feed"),
        "{err}"
    );
}

#[tokio::test]
async fn a_url_is_cached_with_its_etag_and_revalidated() {
    let server = MockServer::start().await;
    let body = serde_json::to_vec(&structured_feed()).unwrap();
    Mock::given(method("GET"))
        .and(path("/feed/index.json"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .named("conditional GET")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feed/index.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .set_body_raw(body.clone(), "application/feed+json"),
        )
        .expect(1)
        .named("first GET")
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let loc = FeedLocation::parse(&format!("{}/feed/index.json", server.uri())).unwrap();
    assert!(matches!(loc, FeedLocation::Url(_)));

    let first = load(&loc, &options(Some(cache.path()))).await.unwrap();
    assert_eq!(
        (first.freshness, &first.bytes),
        (Freshness::Downloaded, &body)
    );
    // Streamed to a temporary file; the cache holds it only once the
    // caller knows it is a feed, then as the body and its ETag.
    let body_files = || {
        std::fs::read_dir(cache.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".body")
            })
            .count()
    };
    assert_eq!(body_files(), 0);
    let mut first = first;
    first.keep_in_cache();
    let mut names: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with(".body") && names[1].ends_with(".meta.json"),
        "{names:?}"
    );

    let second = load(&loc, &options(Some(cache.path()))).await.unwrap();
    assert_eq!(
        (second.freshness, &second.bytes),
        (Freshness::NotModified, &body)
    );
    server.verify().await;

    // A record of the cache past 64 KiB is not one check wrote: it is read
    // no further, and there is no cached copy.
    let meta = cache.path().join(&names[1]);
    let mut record = std::fs::read(&meta).unwrap();
    record.resize(64 * 1024 + 1, b' ');
    std::fs::write(&meta, record).unwrap();
    let offline = FetchOptions {
        offline: true,
        ..options(Some(cache.path()))
    };
    assert!(matches!(
        load(&loc, &offline).await,
        Err(FeedError::NoCachedCopy { .. })
    ));
}

#[tokio::test]
async fn url_errors_say_what_failed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let loc = FeedLocation::parse(&format!("{}/index.json", server.uri())).unwrap();
    match load(&loc, &options(None)).await {
        Err(FeedError::FeedStatus { status: 404, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Nothing listens on port 9 of loopback.
    let loc = FeedLocation::parse("http://127.0.0.1:9/index.json").unwrap();
    let err = load(&loc, &options(None)).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot fetch the feed http://127.0.0.1:9/index.json"),
        "{err}"
    );
}

/// A feed URL's user name, password and query are sent, but never shown:
/// not in the report's `feed`, its warnings or any error.
#[tokio::test]
async fn feed_url_credentials_are_sent_but_never_shown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/feed/index.json"))
        .and(query_param("token", "s3cret"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            serde_json::to_vec(&structured_feed()).unwrap(),
            "application/json",
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feed/index.json"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let secret_url = |p: &str| {
        format!(
            "{}{p}?token=s3cret#s3cret",
            server.uri().replace("http://", "http://user:s3cret@")
        )
    };
    let shown = format!("{}/feed/index.json", server.uri());
    let loc = FeedLocation::parse(&secret_url("/feed/index.json")).unwrap();
    assert_eq!(loc.describe(), shown);

    let cache = tempfile::tempdir().unwrap();
    let mut options = check_options(
        vec![secret_url("/feed/index.json")],
        options(Some(cache.path())),
    );
    // Downloaded with the token; the report names the feed without it.
    let report = cvefeed::check::run(&options).await.unwrap();
    assert_eq!(report.feed, shown);
    let json = render(&report, Format::Json, false);
    assert!(!json.stdout.contains("s3cret"), "{}", json.stdout);
    // The server fails: the cached copy is used, with a warning.
    let report = cvefeed::check::run(&options).await.unwrap();
    assert_eq!(report.feed, format!("{shown} (cached copy)"));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains(&format!("using the cached copy of {shown},")),
        "{}",
        report.warnings[0]
    );
    let text = render(&report, Format::Text, false);
    let sarif = render(&report, Format::Sarif, false);
    for out in [&text.stdout, &sarif.stdout, &sarif.stderr.join("\n")] {
        assert!(!out.contains("s3cret"), "{out}");
    }

    // Errors: an answer with an error status, no cached copy offline, a
    // URL that does not parse.
    let mut errors = Vec::new();
    options.feeds = vec![secret_url("/other/index.json")];
    errors.push(cvefeed::check::run(&options).await.unwrap_err());
    options.fetch.offline = true;
    errors.push(cvefeed::check::run(&options).await.unwrap_err());
    errors.push(CheckError::from(
        FeedLocation::parse("https://user:s3cret@exa mple.test/x.json?token=s3cret").unwrap_err(),
    ));
    let texts: Vec<String> = errors
        .iter()
        .map(|e| cvefeed::error::Chain(e).to_string())
        .collect();
    for text in &texts {
        assert!(!text.contains("s3cret"), "{text}");
    }
    assert!(
        texts[0].starts_with(&format!(
            "the feed {}/other/index.json answered HTTP 404",
            server.uri()
        )),
        "{}",
        texts[0]
    );
    assert!(
        texts[2].starts_with("https://exa mple.test/x.json is not a valid feed URL"),
        "{}",
        texts[2]
    );
    server.verify().await;
}

#[tokio::test]
async fn the_workflow_merges_feeds_in_order_and_calls_for_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.json"),
        serde_json::to_vec(&structured_feed()).unwrap(),
    )
    .unwrap();
    // A second feed that repeats CVE-2031-1001 without its ranges: the
    // first feed's entry is kept.
    let mut second = structured_feed();
    second["items"][0]["_kubernetes_io"]["affected"] = json!([]);
    second["items"][1]["id"] = json!("CVE-2031-1009");
    let file = dir.path().join("second.json");
    std::fs::write(&file, serde_json::to_vec(&second).unwrap()).unwrap();
    let feeds = vec![dir.path().display().to_string(), file.display().to_string()];
    let mut options = check_options(feeds, options(None));

    let report = cvefeed::check::run(&options).await.unwrap();
    assert_eq!(report.cves, 4);
    let first = report
        .results
        .iter()
        .find(|r| r.id.as_str() == "CVE-2031-1001")
        .unwrap();
    assert_eq!(first.verdict, Verdict::Affected);
    assert_eq!(report.exit_status(), 1);
    let output = render(&report, Format::Text, false);
    assert!(output.stdout.contains("CVE-2031-1001"), "{}", output.stdout);
    assert!(output.stderr.is_empty());

    // Rated HIGH: below a critical threshold it passes.
    options.fail_on = Some(Rating::Critical);
    let report = cvefeed::check::run(&options).await.unwrap();
    assert_eq!(report.exit_status(), 0);

    options.targets.versions = vec!["kubelet=".into()];
    assert!(matches!(
        cvefeed::check::run(&options).await,
        Err(CheckError::Target(TargetError::Malformed {
            missing: MissingPart::Version,
            ..
        }))
    ));
}
