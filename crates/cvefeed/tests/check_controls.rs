//! The controls of `cvefeed check` and its defences against hostile
//! input, end to end through the binary: typos in component names, the
//! ignore file, `--ignore-unfixed`, `--fail-on-unknown`, an explicit "no
//! fix", the offline cache, directory URLs, the feed size limit, long
//! cells, absurd versions and terminal escapes in a feed.

use std::path::Path;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod check_support;
use check_support::{Run, run, run_in};

fn item(id: &str, status: &str, affected: Value, body: &str) -> Value {
    json!({
        "id": id,
        "url": format!("https://example.test/{id}"),
        "summary": format!("made-up problem {id}"),
        "content_text": body,
        "_kubernetes_io": {"status": status, "severity": "MEDIUM", "cvss_score": 5.0, "affected": affected},
    })
}

fn feed(items: Value) -> Value {
    json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": items})
}

/// A feed file in `dir`, returned as its path.
fn write_feed(dir: &Path, doc: &Value) -> String {
    let path = dir.join("index.json");
    std::fs::write(&path, serde_json::to_vec(doc).unwrap()).unwrap();
    path.display().to_string()
}

/// Run a check of 1.30.0 against the feed file `feed` with the ignore
/// file `ignore` and the flags `extra`.
async fn run_with_ignore(feed: &str, ignore: &Path, extra: &[&str]) -> Run {
    let args = [
        "--feed",
        feed,
        "--version",
        "1.30.0",
        "--ignore-file",
        ignore.to_str().unwrap(),
    ];
    run(&[&args[..], extra].concat()).await
}

/// The result of the CVE `id` in a JSON report.
fn result<'a>(doc: &'a Value, id: &str) -> &'a Value {
    let results = doc["results"].as_array().unwrap();
    let found = results.iter().find(|r| r["id"] == id);
    found.unwrap_or_else(|| panic!("no result for {id} in {results:?}"))
}

fn kubectl_open_ended(id: &str, status: &str, body: &str) -> Value {
    item(
        id,
        status,
        json!([{"component": "kubectl", "package": "k8s.io/kubectl", "introduced": "1.8.0"}]),
        body,
    )
}

fn sample() -> Value {
    feed(json!([
        item(
            "CVE-2031-5001",
            "fixed",
            json!([{"component": "kubelet", "package": "k8s.io/kubelet", "introduced": "1.30.0", "fixed": "1.30.3"}]),
            ""
        ),
        kubectl_open_ended(
            "CVE-2031-5002",
            "fixed",
            "In kubectl v1.8.0+, files are written world-writable."
        ),
        kubectl_open_ended(
            "CVE-2031-5003",
            "fixed",
            "#### Affected Versions\n\n- kubectl >= 1.8.0\n\n#### Fixed Versions\n\n- None. A longer term fix is proposed.\n"
        ),
        item(
            "CVE-2031-5004",
            "fixed",
            json!([{"component": "ingress-nginx", "package": "k8s.io/ingress-nginx", "fixed": "1.11.5"}]),
            ""
        ),
    ]))
}

#[tokio::test]
async fn misspelled_components_are_errors_that_suggest_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_feed(dir.path(), &sample());
    for (arg, suggestion) in [
        ("kubelett=1.30.0", "kubelet"),
        ("ingres-nginx=1.11.4", "ingress-nginx"),
    ] {
        let r = run(&["--feed", &f, "--version", arg]).await;
        assert_eq!(r.code, 2, "{arg}: {}", r.stdout);
        assert!(
            r.stderr.starts_with(&format!(
                "error: unknown component `{}`; did you mean `{suggestion}`?; known components: kube-apiserver, kubelet,",
                arg.split('=').next().unwrap()
            )),
            "{}",
            r.stderr
        );
    }
    // k8s is a name of Kubernetes as a whole, not a typo.
    let r = run(&["--feed", &f, "--version", "k8s=1.30.0"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The ignore file is held to the same table.
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "- id: CVE-2031-5001\n  component: kubelett\n  reason: accepted\n",
    )
    .unwrap();
    run_with_ignore(&f, &ignore, &[])
        .await
        .assert_refused("entry 1: unknown component `kubelett`; did you mean `kubelet`?");
}

#[tokio::test]
async fn honest_verdicts_and_fail_on_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_feed(dir.path(), &sample());
    let r = run(&["--feed", &f, "--version", "1.30.0", "--format", "json"]).await;
    let doc: Value = r.affected_json();
    // Closed as fixed, "v1.8.0+" and no fixed version: unknown.
    let open_ended = result(&doc, "CVE-2031-5002");
    assert_eq!(open_ended["verdict"], "unknown");
    assert_eq!(open_ended["unknown_reason"], "fixed_version_not_stated");
    // "Fixed Versions: None": affected, and no fix exists.
    let no_fix = result(&doc, "CVE-2031-5003");
    assert_eq!(
        (&no_fix["verdict"], &no_fix["fix"], &no_fix["fixed_in"]),
        (&json!("affected"), &json!("no_fix"), &Value::Null)
    );
    assert_eq!(
        result(&doc, "CVE-2031-5004")["unknown_reason"],
        "component_not_found"
    );
    assert_eq!(
        doc["remediation"],
        json!([
            {"target": "kubernetes", "component": "kubectl", "installed": "1.30.0", "upgrade_to": null,
             "fixes": [], "unfixed": ["CVE-2031-5003"], "fix_not_stated": []},
            {"target": "kubernetes", "component": "kubelet", "installed": "1.30.0", "upgrade_to": "1.30.3",
             "fixes": ["CVE-2031-5001"], "unfixed": [], "fix_not_stated": []},
        ])
    );
    // Only kubectl: the no-fix CVE fails the check, the unknown one too
    // with --fail-on-unknown once the no-fix one is ignored.
    let kubectl = ["--feed", f.as_str(), "--version", "kubectl=1.30.0"];
    assert_eq!(run(&kubectl).await.code, 1);
    let unfixed = [&kubectl[..], &["--ignore-unfixed"]].concat();
    let r = run(&unfixed).await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    r.assert_stdout_contains("no fix exists (--ignore-unfixed)");
    let r = run(&[&unfixed[..], &["--fail-on-unknown"]].concat()).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    // A CVE of a component that is not there does not count as unknown.
    let r = run(&[
        "--feed",
        &f,
        "--version",
        "kubelet=1.30.3",
        "--fail-on-unknown",
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    // A minor line is not a version.
    let r = run(&["--feed", &f, "--version", "1.30"]).await;
    r.assert_refused("give the full version that runs, such as 1.30.4");
}

#[tokio::test]
async fn the_ignore_file_marks_results_and_warns_about_stale_entries() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_feed(dir.path(), &sample());
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "\
- id: CVE-2031-5001
  component: kubelet
  reason: kubelet runs with the fix backported by our vendor
- id: cve-2031-5003
  reason: nobody runs kubectl with --cache-dir here
  expires: 2020-01-01
- id: CVE-2031-9999
  reason: a CVE the feed does not hold
",
    )
    .unwrap();
    let r = run_with_ignore(&f, &ignore, &[]).await;
    // CVE-2031-5003 is not ignored any more (expired): still affected.
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let text = r.stdout.replace("\n    ", " ").replace("\n  ", " ");
    for said in [
        "Ignored: CVE-2031-5001 affected (kubelet 1.30.0): kubelet runs with the fix backported by our vendor (ignore file)",
        "warning: the ignore entry for CVE-2031-5003 expired on 2020-01-01 and no longer applies",
        "warning: the ignore entry for CVE-2031-9999 matches no CVE of the feed",
        "1 affected, 0 not affected, 2 unknown, 1 ignored",
    ] {
        assert!(text.contains(said), "{said:?} is not in:\n{}", r.stdout);
    }
    // JSON keeps the result, with the reason.
    let r = run_with_ignore(&f, &ignore, &["--format", "json"]).await;
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let kubelet = result(&doc, "CVE-2031-5001");
    assert_eq!(kubelet["verdict"], "affected");
    assert_eq!(
        kubelet["ignored"],
        "kubelet runs with the fix backported by our vendor (ignore file)"
    );
    // An id that is not a CVE id is an error.
    std::fs::write(&ignore, "- id: GHSA-1234\n  reason: x\n").unwrap();
    run_with_ignore(&f, &ignore, &[])
        .await
        .assert_refused("entry 1: \"GHSA-1234\" is not a CVE id");
    // A file past the limit (1 MiB) is refused, not cut; one at it is read.
    let mut text = "# padding\n".repeat(1024 * 1024 / 10);
    text.push_str(&"#".repeat(1024 * 1024 - text.len()));
    std::fs::write(&ignore, &text).unwrap();
    assert_eq!(run_with_ignore(&f, &ignore, &[]).await.code, 1);
    text.push('#');
    std::fs::write(&ignore, &text).unwrap();
    run_with_ignore(&f, &ignore, &[])
        .await
        .assert_refused(&format!(
            "the ignore file {} is larger than 1048576 bytes",
            ignore.display()
        ));
}

/// A mock that answers GET `route` with `body`, of `content_type`, and the
/// ETag `etag`.
fn serves(route: &str, etag: &str, body: Vec<u8>, content_type: &str) -> Mock {
    Mock::given(method("GET")).and(path(route)).respond_with(
        ResponseTemplate::new(200)
            .insert_header("etag", etag)
            .set_body_raw(body, content_type),
    )
}

#[tokio::test]
async fn directory_urls_offline_runs_and_the_cache_as_fallback() {
    let server = MockServer::start().await;
    let body = serde_json::to_vec(&sample()).unwrap();
    serves("/feed/index.json", "\"v1\"", body, "application/feed+json")
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{}/feed/", server.uri());
    let check = |extra: &'static [&'static str]| {
        let url = url.clone();
        let cache = cache.path().to_path_buf();
        async move {
            let args = [
                &["--feed", url.as_str(), "--version", "kubelet=1.30.0"][..],
                extra,
            ]
            .concat();
            run_in(&cache, &args).await
        }
    };
    let r = check(&[]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with(&format!("feed: {url}index.json (4 CVEs)")),
        "{}",
        r.stdout
    );
    // The server now fails: the cached copy is used, with its age.
    let r = check(&[]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    r.assert_stdout_contains("warning: the feed could not be fetched: using the cached copy of");
    r.assert_stdout_contains("less than a minute old");
    // --offline never asks.
    let before = server.received_requests().await.unwrap().len();
    let r = check(&["--offline"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    r.assert_stdout_contains("warning: --offline: using the cached copy");
    assert_eq!(server.received_requests().await.unwrap().len(), before);
    // --offline without a cached copy is an error.
    let empty = tempfile::tempdir().unwrap();
    let r = run_in(
        empty.path(),
        &["--feed", &url, "--version", "1.30.0", "--offline"],
    )
    .await;
    r.assert_refused("--offline: there is no cached copy");
}

/// The arguments of a check of 1.30.0 against `feed` with `--max-feed-size
/// MIB`.
fn max_feed_size<'a>(feed: &'a str, mib: &'a str) -> [&'a str; 6] {
    [
        "--feed",
        feed,
        "--version",
        "1.30.0",
        "--max-feed-size",
        mib,
    ]
}

/// issue 16, item 6: a feed larger than the limit is refused, whether it
/// says so (Content-Length) or not (chunked), and nothing is cached.
#[tokio::test]
async fn feeds_larger_than_the_limit_are_refused_and_not_cached() {
    let server = MockServer::start().await;
    let padding = "a".repeat(3 * 1024 * 1024);
    let big =
        serde_json::to_vec(&json!({"version": "x", "items": [], "padding": padding})).unwrap();
    serves(
        "/big/index.json",
        "\"big\"",
        big.clone(),
        "application/json",
    )
    .mount(&server)
    .await;
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{}/big/index.json", server.uri());
    run_in(cache.path(), &max_feed_size(&url, "2"))
        .await
        .assert_refused(&format!(
            "the feed {url} is larger than 2097152 bytes (--max-feed-size)"
        ));
    let cached: Vec<_> = std::fs::read_dir(cache.path())
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(cached.is_empty(), "{cached:?}");
    // A file is held to the same limit.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    std::fs::write(&file, &big).unwrap();
    run(&max_feed_size(file.to_str().unwrap(), "2"))
        .await
        .assert_refused("is larger than 2097152 bytes");
    // Under the limit it is read.
    let r = run_in(cache.path(), &max_feed_size(&url, "4")).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// issue 16, item 7: a 70,000-character cell made the table formatter
/// panic (exit 101); an absurd version is refused with exit 2.
#[tokio::test]
async fn long_cells_are_cut_and_absurd_versions_refused() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(70_000);
    let mut doc = sample();
    doc["items"][0]["url"] = json!(format!("https://example.test/{long}"));
    doc["items"][0]["summary"] = json!(long);
    doc["items"][0]["_kubernetes_io"]["affected"][0]["component"] = json!(format!("kubelet{long}"));
    doc["items"][0]["_kubernetes_io"]["affected"].as_array_mut().unwrap().push(
        json!({"component": "kubelet", "package": "k8s.io/kubelet", "introduced": "1.30.0", "fixed": format!("1.30.3+{long}")}),
    );
    let f = write_feed(dir.path(), &doc);
    for all in [false, true] {
        let mut args = vec!["--feed", f.as_str(), "--version", "1.30.0"];
        if all {
            args.push("--all");
        }
        let r = run(&args).await;
        assert_eq!(r.code, 1, "{}", r.stderr);
        let widest = r.stdout.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= 100, "a line of {widest} columns");
    }
    let r = run(&[
        "--feed",
        &f,
        "--version",
        &format!("1.28.3+{}", "a".repeat(70_000)),
    ])
    .await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 400, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("70007 characters long; a version has at most 64"),
        "{}",
        r.stderr
    );
}

/// issue 16, item 10: feed text reached the terminal raw; ids that are not
/// CVE ids are refused, and control characters are escaped.
#[tokio::test]
async fn terminal_escapes_from_a_feed_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = sample();
    doc["items"][3]["_kubernetes_io"]["affected"][0]["component"] =
        json!("\u{1b}[31mingress\u{1b}[0m\u{202e}");
    doc["items"][0]["_kubernetes_io"]["affected"][0]["fixed"] = json!("1.30.3");
    let f = write_feed(dir.path(), &doc);
    for format in ["text", "json", "sarif"] {
        let r = run(&[
            "--feed",
            &f,
            "--version",
            "1.30.0",
            "--all",
            "--format",
            format,
        ])
        .await;
        assert_eq!(r.code, 1, "{}", r.stderr);
        for out in [&r.stdout, &r.stderr] {
            assert!(!out.contains('\u{1b}'), "{format}: {out}");
        }
        if format == "text" {
            assert!(!r.stdout.contains('\u{202e}'), "{}", r.stdout);
            assert!(
                r.stdout.contains("\\u{1b}[31mingress\\u{1b}[0m\\u{202e}"),
                "{}",
                r.stdout
            );
        }
    }
    doc["items"][1]["id"] = json!("\u{1b}[2JCVE-2031-5002");
    let f = write_feed(dir.path(), &doc);
    let r = run(&["--feed", &f, "--version", "1.30.0"]).await;
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
    assert!(
        r.stderr.contains("item 2 does not name a CVE id"),
        "{}",
        r.stderr
    );
}
