//! `cvefeed serve` over real HTTP: the published objects with their content
//! types, conditional GET, compression, CORS, HEAD, 503 before the first
//! publish, path traversal, hot swap with torn-set refusal, readiness.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{
    Server, issue, publish_from_file, raw_get, sha256, write_empty_feed, write_index_and_rss,
    write_status, write_store,
};
use chrono::{TimeDelta, Utc};
use cvefeed_model::manifest::Manifest;
use reqwest::StatusCode;

const LABEL: &str = "official-cve-feed";

/// A store published by the real pipeline: the temporary directory (kept
/// alive by the caller) and the published folder in it.
fn published_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let issues = serde_json::json!([
        issue(
            101,
            "CVE-2031-1001",
            "Widget controller leaks tokens",
            &[LABEL]
        ),
        issue(
            102,
            "CVE-2031-1002",
            "Gadget proxy bypasses authorization",
            &[LABEL]
        ),
        issue(103, "CVE-2031-1003", "Not labelled", &["bug"]),
    ]);
    publish_from_file(&out, &issues, &[]);
    (dir, out)
}

fn start(name: &str, out: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--out", out.to_str().unwrap(), "--refresh-interval", "0"];
    args.extend_from_slice(extra);
    Server::start(name, &args)
}

/// [`start`], then wait until `/readyz` answers 200.
async fn start_ready(name: &str, out: &Path, extra: &[&str]) -> Server {
    let server = start(name, out, extra);
    server
        .wait_for("/readyz", Duration::from_secs(10), |s, _| s == 200)
        .await;
    server
}

/// A GET of `/index.json` with these request headers.
async fn get_index(
    client: &reqwest::Client,
    server: &Server,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = client.get(server.url("/index.json"));
    for &(name, value) in headers {
        req = req.header(name, value);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn serves_every_manifest_object_with_its_type_and_etag() {
    let (_dir, out) = published_store();
    let server = start_ready("objects", &out, &[]).await;
    let client = reqwest::Client::new();
    let manifest_bytes = client
        .get(server.url("/manifest.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        manifest_bytes,
        std::fs::read(out.join("manifest.json")).unwrap()
    );
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).unwrap();
    assert!(manifest.objects.contains_key("index.json"));
    for (name, entry) in &manifest.objects {
        let res = client
            .get(server.url(&format!("/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        let h = res.headers().clone();
        assert_eq!(h["content-type"], entry.content_type.as_str(), "{name}");
        assert_eq!(
            h["etag"],
            format!("\"{}\"", entry.sha256).as_str(),
            "{name}"
        );
        assert!(h.contains_key("last-modified"), "{name}");
        assert_eq!(h["cache-control"], "public, max-age=60");
        assert!(h.get("content-encoding").is_none());
        let body = res.bytes().await.unwrap();
        assert_eq!(sha256(&body), entry.sha256, "{name}");
    }
    // `/` is the page.
    let root = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(root.status(), StatusCode::OK);
    assert_eq!(
        root.headers()["etag"],
        format!("\"{}\"", manifest.objects["index.html"].sha256).as_str()
    );
    // status.json is served, never cached for long.
    let status = client.get(server.url("/status.json")).send().await.unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    assert_eq!(status.headers()["cache-control"], "public, no-cache");
    assert_eq!(
        status.bytes().await.unwrap(),
        std::fs::read(out.join("status.json")).unwrap()
    );
}

#[tokio::test]
async fn conditional_get_compression_cors_and_head() {
    let (_dir, out) = published_store();
    let server = start_ready("conditional", &out, &[]).await;
    let client = reqwest::Client::new();
    let identity = std::fs::read(out.join("index.json")).unwrap();
    let sha = sha256(&identity);

    let first = get_index(&client, &server, &[]).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let last_modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(etag, format!("\"{sha}\""));
    assert_eq!(first.headers()["access-control-allow-origin"], "*");
    assert_eq!(first.headers()["vary"], "Accept-Encoding");

    // If-None-Match.
    let res = get_index(&client, &server, &[("if-none-match", &etag)]).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.bytes().await.unwrap().is_empty());
    let res = get_index(&client, &server, &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(res.status(), StatusCode::OK);

    // If-Modified-Since: same date → 304; a day earlier → 200.
    let res = get_index(&client, &server, &[("if-modified-since", &last_modified)]).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let earlier = httpdate::fmt_http_date(
        httpdate::parse_http_date(&last_modified).unwrap() - Duration::from_secs(86400),
    );
    let res = get_index(&client, &server, &[("if-modified-since", &earlier)]).await;
    assert_eq!(res.status(), StatusCode::OK);

    // gzip and brotli decode back to the exact bytes, with their own ETags.
    let gz = get_index(&client, &server, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_etag = gz.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(gz_etag, format!("\"{sha}-gz\""));
    let body = gz.bytes().await.unwrap();
    assert!(body.len() < identity.len());
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, identity);
    let res = get_index(
        &client,
        &server,
        &[("accept-encoding", "gzip"), ("if-none-match", &gz_etag)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    let br = get_index(
        &client,
        &server,
        &[("accept-encoding", "gzip, deflate, br")],
    )
    .await;
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["etag"], format!("\"{sha}-br\"").as_str());
    let body = br.bytes().await.unwrap();
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&body[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, identity);

    // HEAD: same headers, no body.
    let head = client.head(server.url("/index.json")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["etag"], etag.as_str());
    assert_eq!(
        head.headers()["content-length"],
        identity.len().to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());

    // CORS on JSON and OSV routes, not on the page; preflight answered.
    let page = client.get(server.url("/")).send().await.unwrap();
    assert!(page.headers().get("access-control-allow-origin").is_none());
    let pre = client
        .request(reqwest::Method::OPTIONS, server.url("/index.json"))
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), StatusCode::NO_CONTENT);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");

    // Writes are not allowed.
    let post = client.post(server.url("/index.json")).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn answers_503_before_the_first_publish() {
    let dir = tempfile::tempdir().unwrap();
    let server = start("empty", dir.path(), &[]);
    let client = reqwest::Client::new();
    for path in [
        "/",
        "/index.json",
        "/feed.xml",
        "/osv/CVE-2031-1001.json",
        "/status.json",
        "/audit.json",
        "/changes.json",
    ] {
        let res = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(res.headers()["retry-after"], "10");
        let body = res.text().await.unwrap();
        assert!(body.contains("no feed has been published"), "{body}");
    }
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.text().await.unwrap().contains("no feed loaded"));
}

#[tokio::test]
async fn serves_only_published_names() {
    let (dir, out) = published_store();
    // In the store, not in the manifest: must never be served.
    std::fs::create_dir_all(out.join(".cache")).unwrap();
    std::fs::write(
        out.join(".cache/github-pages.json"),
        b"{\"secret-cache\":1}",
    )
    .unwrap();
    std::fs::write(dir.path().join("outside.json"), b"{\"outside\":1}").unwrap();
    let server = start_ready("traversal", &out, &[]).await;
    for path in [
        "/.cache/github-pages.json",
        "/../outside.json",
        "/%2e%2e/outside.json",
        "/osv/%2e%2e/manifest.json",
        "/osv/../manifest.json",
        "/osv/..%2fmanifest.json",
        "/osv/",
        "/osv",
        "//manifest.json",
        "/index.json/",
        "/.cvefeed.lock",
        "/public/index.json",
    ] {
        let (status, _, body) = raw_get(server.addr, path);
        assert_eq!(status, 404, "{path}: {}", String::from_utf8_lossy(&body));
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("secret-cache") && !body.contains("outside"),
            "{path}"
        );
    }
    // The same request line with a clean path is served.
    let (status, _, _) = raw_get(server.addr, "/manifest.json");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn swaps_in_new_sets_and_refuses_torn_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let t0 = Utc::now() - TimeDelta::hours(1);
    let v1 = br#"{"version":"one"}"#;
    write_index_and_rss(out, v1, b"<rss>one</rss>", t0, Some(Utc::now()));
    let server = start("swap", out, &["--reload-interval", "100ms"]);
    let (_, body) = server
        .wait_for("/index.json", Duration::from_secs(10), |s, _| s == 200)
        .await;
    assert_eq!(body.as_bytes(), v1);

    // Torn: the manifest names bytes for feed.xml that are not in the store.
    let v2 = br#"{"version":"two"}"#;
    let mut manifest =
        write_index_and_rss(out, v2, b"<rss>two</rss>", Utc::now(), Some(Utc::now()));
    std::fs::write(out.join("feed.xml"), b"<rss>half-written</rss>").unwrap();
    let failed = "cvefeed_feed_reloads_total{outcome=\"failed\"}";
    let start = std::time::Instant::now();
    while server.metric(failed).await < 1.0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "torn set never detected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Still the complete old set, both objects.
    let client = reqwest::Client::new();
    let idx = client.get(server.url("/index.json")).send().await.unwrap();
    assert_eq!(idx.bytes().await.unwrap().as_ref(), v1);
    let rss = client.get(server.url("/feed.xml")).send().await.unwrap();
    assert_eq!(rss.bytes().await.unwrap().as_ref(), b"<rss>one</rss>");

    // Completed: the new set is swapped in whole.
    std::fs::write(out.join("feed.xml"), b"<rss>two</rss>").unwrap();
    let (_, body) = server
        .wait_for("/index.json", Duration::from_secs(10), |_, b| {
            b.contains("two")
        })
        .await;
    assert_eq!(body.as_bytes(), v2);
    let rss = client.get(server.url("/feed.xml")).send().await.unwrap();
    assert_eq!(rss.bytes().await.unwrap().as_ref(), b"<rss>two</rss>");

    // An object dropped from the manifest is no longer served.
    manifest.objects.remove("feed.xml");
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    server
        .wait_for("/feed.xml", Duration::from_secs(10), |s, _| s == 404)
        .await;
}

#[tokio::test]
async fn a_stale_feed_is_ready_and_only_strict_readiness_follows_the_last_success() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    write_empty_feed(out, Some(Utc::now() - TimeDelta::hours(2)));
    let server = start(
        "ready",
        out,
        &["--max-staleness", "1h", "--reload-interval", "100ms"],
    );
    // Readiness means "can serve a published feed": two hours stale, it is.
    let (_, body) = server
        .wait_for("/readyz", Duration::from_secs(10), |s, _| s == 200)
        .await;
    assert!(
        body.starts_with("ready: 0 items, last successful refresh at "),
        "{body}"
    );
    assert!(body.contains("s ago)"), "{body}");
    // The strict form keeps the old rule.
    let (status, strict) = server.get("/readyz?strict").await;
    assert_eq!(status, 503, "{strict}");
    assert!(strict.contains("older than --max-staleness 1h"), "{strict}");
    let (status, _) = server.get("/readyz?strict=1").await;
    assert_eq!(status, 503);
    // The feed itself is served while stale.
    let (status, _, _) = raw_get(server.addr, "/index.json");
    assert_eq!(status, 200);
    // A fresh success (another writer's) makes it strictly ready.
    write_status(out, Some(Utc::now()));
    server
        .wait_for("/readyz?strict", Duration::from_secs(10), |s, _| s == 200)
        .await;
}

#[tokio::test]
async fn readiness_waits_for_a_feed_and_strict_readiness_for_a_success() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let server = start("unready", out, &["--reload-interval", "100ms"]);
    let (status, body) = server.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.starts_with("not ready: no feed loaded from "),
        "{body}"
    );
    // A publication without any recorded success: ready, not strictly.
    write_empty_feed(out, None);
    let (_, body) = server
        .wait_for("/readyz", Duration::from_secs(10), |s, _| s == 200)
        .await;
    assert_eq!(body, "ready: 0 items, no successful refresh is recorded\n");
    let (status, body) = server.get("/readyz?strict").await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        "not ready (strict): no successful refresh is recorded\n"
    );
}

#[tokio::test]
async fn metrics_use_route_templates() {
    let (_dir, out) = published_store();
    let server = start_ready("metrics", &out, &[]).await;
    let client = reqwest::Client::new();
    for path in [
        "/osv/CVE-2031-1001.json",
        "/osv/CVE-2031-1002.json",
        "/audit.json",
        "/nope/1",
        "/nope/2",
    ] {
        client.get(server.url(path)).send().await.unwrap();
    }
    let (status, body) = server.get("/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("cvefeed_http_requests_total{route=\"/osv/{id}.json\",status=\"200\"} 2"),
        "{body}"
    );
    assert!(
        body.contains("cvefeed_http_requests_total{route=\"unmatched\",status=\"404\"} 2"),
        "{body}"
    );
    assert!(
        body.contains("cvefeed_http_requests_total{route=\"/audit.json\",status=\"200\"} 1"),
        "{body}"
    );
    assert!(!body.contains("CVE-2031-1001") && !body.contains("/nope"));
    assert!(body.contains("cvefeed_feed_items 2"), "{body}");
}

/// Wait until the server's log holds `needle` (or give up after 10 s).
async fn log_contains(server: &Server, needle: &str) -> bool {
    for _ in 0..200 {
        if std::fs::read_to_string(&server.log).is_ok_and(|l| l.contains(needle)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_default_base_url_is_warned_about_unless_the_feed_was_published_under_it() {
    const WARNING: &str = "--base-url is the kubernetes.io default";
    // Nothing published yet, default --base-url: warned, naming the store.
    let empty = tempfile::tempdir().unwrap();
    let server = start("base-url-empty", empty.path(), &[]);
    assert!(log_contains(&server, WARNING).await);
    assert!(log_contains(&server, "nothing is published in").await);
    drop(server);

    // Published elsewhere: warned, naming where.
    let dir = tempfile::tempdir().unwrap();
    let feed = br#"{"version":"https://jsonfeed.org/version/1.1","feed_url":"https://mirror.example/cve/index.json","items":[]}"#;
    write_store(
        dir.path(),
        &[("index.json", feed, "application/feed+json")],
        Utc::now(),
        Some(Utc::now()),
    );
    let server = start("base-url-elsewhere", dir.path(), &[]);
    assert!(
        log_contains(
            &server,
            "was published for https://mirror.example/cve/index.json"
        )
        .await
    );
    drop(server);

    // Published under the default (the official deployment): no warning.
    let official = br#"{"feed_url":"https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json","items":[]}"#;
    write_store(
        dir.path(),
        &[("index.json", official, "application/feed+json")],
        Utc::now(),
        Some(Utc::now()),
    );
    let server = start_ready("base-url-official", dir.path(), &[]).await;
    // Another --base-url: no warning either.
    let other = start(
        "base-url-given",
        empty.path(),
        &["--base-url", "http://127.0.0.1:8080/"],
    );
    other
        .wait_for("/healthz", Duration::from_secs(10), |s, _| s == 200)
        .await;
    for s in [&server, &other] {
        let log = std::fs::read_to_string(&s.log).unwrap();
        assert!(log.contains("listening"), "{log}");
        assert!(!log.contains(WARNING), "{log}");
    }
}

#[tokio::test]
async fn precompressed_siblings_are_served_as_published() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let issues = serde_json::json!([issue(7001, "CVE-2031-7001", "precompressed", &[LABEL])]);
    publish_from_file(&out, &issues, &["--precompress"]);
    let server = start_ready("precompressed", &out, &["--reload-interval", "100ms"]).await;
    for (coding, suffix) in [("gzip", "gz"), ("br", "br")] {
        let (status, head, body) = crate::support::raw(
            server.addr,
            &format!(
                "GET /index.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {coding}\r\nConnection: close\r\n\r\n"
            ),
        );
        assert_eq!(status, 200);
        assert!(
            head.contains(&format!("content-encoding: {coding}")),
            "{head}"
        );
        // The published sibling itself, not a compression of serve's own
        // (serve's brotli is quality 9, the sibling's bytes are compared).
        assert_eq!(
            body,
            std::fs::read(out.join(format!("index.html.{suffix}"))).unwrap(),
            "{coding}"
        );
    }
    // A sibling that does not match a new manifest makes the set torn (an
    // unchanged entry is not read again, so the manifest names new bytes).
    std::fs::write(out.join("index.html.gz"), b"not gzip").unwrap();
    std::fs::write(out.join("manifest.json"), {
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        m["updated_at"] = serde_json::json!("2031-12-31T00:00:00Z");
        m["objects"]["index.html"]["encodings"]["gzip"]["sha256"] =
            serde_json::json!(sha256(b"new gzip"));
        serde_json::to_vec(&m).unwrap()
    })
    .unwrap();
    assert!(log_contains(&server, "its sibling index.html.gz has sha256").await);
}
