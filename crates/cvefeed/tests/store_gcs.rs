//! The GCS store, two ways.
//!
//! Against fake-gcs-server on loopback (started by
//! scripts/services.d/gcs.sh, `CVEFEED_TEST_GCS_URL`): the same checks as
//! the S3 tests against moto. The emulator answers the XML API's
//! `PUT /bucket/object`, which object_store uses, only as a signed-URL
//! upload, and answers it with the object's JSON resource instead of the
//! XML API's `ETag` and `x-goog-generation` headers. So the tests reach it
//! through a small loopback relay that adds the signed-URL query parameter
//! to a `PUT` and copies `etag` and `generation` from the answer into
//! those headers; everything else passes unchanged. The
//! emulator ignores `x-goog-if-generation-match` (a test shows it), so on
//! it the lease does not exclude and several racing refreshers may
//! publish; what is published stays consistent.
//!
//! Against wiremock, the request shapes that real GCS checks and the
//! emulator does not: the manifest's first write carries
//! `x-goog-if-generation-match: 0`, a later one the generation read, with
//! the content type and cache policy; a 412 is a lost race.

#[path = "store_support/conformance.rs"]
mod conformance;
#[path = "store_support/fixtures.rs"]
mod fixtures;
#[path = "store_support/server.rs"]
mod server;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use conformance::{Emulator, Listing, Preconditions};
use cvefeed::store::{OpenOptions, PutMode, Store, StoreError, open_with};
use cvefeed_model::manifest::MANIFEST;
use object_store::gcp::GoogleCloudStorageBuilder;
use wiremock::matchers::{body_bytes, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const URL_VAR: &str = "CVEFEED_TEST_GCS_URL";

/// Forward one request to the emulator at `upstream`, marking a `PUT` of an
/// object as the signed-URL upload the emulator expects.
async fn relay(
    State((client, upstream)): State<(reqwest::Client, String)>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let mut url = format!("{upstream}{}", parts.uri.path());
    let query = parts.uri.query().map(str::to_string);
    let signed =
        (parts.method == axum::http::Method::PUT).then_some("X-Goog-Algorithm=GOOG4-RSA-SHA256");
    let query: Vec<&str> = query.as_deref().into_iter().chain(signed).collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let body = axum::body::to_bytes(body, 64 << 20).await.unwrap();
    let mut headers = parts.headers.clone();
    headers.remove(axum::http::header::HOST);
    let res = client
        .request(parts.method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    let mut out = Response::builder().status(res.status());
    for (k, v) in res.headers() {
        out = out.header(k, v);
    }
    let put = signed.is_some() && res.status().is_success();
    let bytes = res.bytes().await.unwrap();
    if put {
        let resource: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        out = out
            .header(
                "etag",
                format!("\"{}\"", resource["etag"].as_str().unwrap()),
            )
            .header(
                "x-goog-generation",
                resource["generation"].as_str().unwrap(),
            );
    }
    out.body(Body::from(bytes)).unwrap()
}

/// fake-gcs-server behind the relay, with a fresh bucket.
async fn fake_gcs() -> Emulator {
    let upstream = server::server_var(URL_VAR, "gcs.sh");
    let client = reqwest::Client::new();
    let bucket = conformance::unique("cvefeed").to_lowercase();
    server::send_ok(
        client
            .post(format!("{upstream}/storage/v1/b"))
            .json(&serde_json::json!({ "name": bucket })),
        &format!("creating {bucket}"),
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(relay)
        .with_state((client, upstream.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let options: Vec<(String, String)> = [
        ("google_base_url", relay_url.as_str()),
        ("google_bearer_token", "test-token"),
        ("allow_http", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut raw = GoogleCloudStorageBuilder::new().with_bucket_name(&bucket);
    for (k, v) in &options {
        raw = raw.with_config(k.parse().unwrap(), v);
    }
    Emulator {
        root: format!("gs://{bucket}"),
        options,
        raw: Arc::new(raw.build().unwrap()),
        keeps_cache_control: false,
        listing: Listing::GcsJson {
            url: upstream,
            bucket,
        },
    }
}

#[test]
fn ci_provides_fake_gcs_server() {
    server::require_in_ci(URL_VAR, "gcs.sh");
}

#[tokio::test]
#[ignore = "needs the fake-gcs-server test server"]
async fn publish_reads_back_every_object_with_its_type() {
    conformance::publish_reads_back_every_object(&fake_gcs().await).await;
}

#[tokio::test]
#[ignore = "needs the fake-gcs-server test server"]
async fn an_unchanged_run_writes_only_status() {
    conformance::unchanged_run_writes_only_status(&fake_gcs().await).await;
}

/// The emulator writes whatever generation the request names: a `Create`
/// over an existing object and an `Update` on a stale generation both
/// succeed. Real GCS refuses both with 412 (the wiremock tests below check
/// that the store sends the preconditions and reads a 412 as a lost race).
#[tokio::test]
#[ignore = "needs the fake-gcs-server test server"]
async fn the_emulator_does_not_honour_generation_preconditions() {
    assert_eq!(
        conformance::preconditions(&fake_gcs().await).await,
        Preconditions {
            create_refused: false,
            update_on_current: true,
            stale_update_refused: false,
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the fake-gcs-server test server"]
async fn eight_refreshers_at_once_leave_a_consistent_publication() {
    // Without preconditions the lease does not exclude: one or more
    // refreshers publish each round, the same bytes, and the result is
    // consistent.
    let published = conformance::eight_refreshers_stay_consistent(&fake_gcs().await).await;
    assert!(
        published.iter().all(|n| (1..=8).contains(n)),
        "{published:?}"
    );
}

/// The request path of an object: the XML API as object_store calls it,
/// bucket and object name percent-encoded (every non-alphanumeric byte).
fn object_path(name: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    format!("/{}/{}", enc("feed-bucket"), enc(&format!("cve/{name}")))
}

fn gcs_store(server: &MockServer) -> Box<dyn Store> {
    let options = OpenOptions {
        config: vec![
            ("google_base_url".into(), server.uri()),
            ("google_bearer_token".into(), "test-token".into()),
            ("allow_http".into(), "true".into()),
        ],
        ..OpenOptions::default()
    };
    open_with("gs://feed-bucket/cve", &options).unwrap()
}

fn stored(generation: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("etag", "\"e1\"")
        .insert_header("x-goog-generation", generation)
        .insert_header("last-modified", "Wed, 01 Jan 2031 00:00:00 GMT")
}

/// Write `{}` as `name` through a store on `server`, which expects the
/// request `put` exactly once and stores it.
async fn put_once(
    server: &MockServer,
    put: MockBuilder,
    name: &str,
    content_type: &str,
    mode: PutMode,
) {
    put.respond_with(stored("1")).expect(1).mount(server).await;
    gcs_store(server)
        .put(name, b"{}".to_vec(), content_type, mode)
        .await
        .unwrap();
}

#[tokio::test]
async fn first_manifest_write_requires_absence() {
    let server = MockServer::start().await;
    let put = Mock::given(method("PUT"))
        .and(path(object_path(MANIFEST)))
        .and(header("x-goog-if-generation-match", "0"))
        .and(header("content-type", "application/json"))
        .and(header("cache-control", "no-cache"))
        .and(body_bytes(b"{}".to_vec()));
    put_once(&server, put, MANIFEST, "application/json", PutMode::Create).await;
}

#[tokio::test]
async fn manifest_update_sends_the_generation_read_and_412_is_a_conflict() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(object_path(MANIFEST)))
        .respond_with(stored("1700000000000001").set_body_bytes(b"{\"old\":1}".to_vec()))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(object_path(MANIFEST)))
        .and(header("x-goog-if-generation-match", "1700000000000001"))
        .respond_with(ResponseTemplate::new(412))
        .expect(1)
        .mount(&server)
        .await;
    let store = gcs_store(&server);
    let read = store.get(MANIFEST).await.unwrap().unwrap();
    assert_eq!(read.bytes, b"{\"old\":1}");
    let lost = store
        .put(
            MANIFEST,
            b"{\"new\":1}".to_vec(),
            "application/json",
            PutMode::Update(read.version),
        )
        .await;
    assert!(
        matches!(&lost, Err(StoreError::Conflict { name, .. }) if name == MANIFEST),
        "{lost:?}"
    );
}

#[tokio::test]
async fn content_objects_carry_their_type_and_public_cache_policy() {
    let server = MockServer::start().await;
    let put = Mock::given(method("PUT")).and(path(object_path("index.json")));
    put_once(
        &server,
        put,
        "index.json",
        "application/feed+json",
        PutMode::Overwrite,
    )
    .await;
    let requests = server.received_requests().await.unwrap();
    let h = |name: &str| {
        requests[0]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(h("content-type").as_deref(), Some("application/feed+json"));
    assert_eq!(h("cache-control").as_deref(), Some("public, max-age=300"));
    assert!(
        requests
            .iter()
            .all(|r| !r.headers.contains_key("x-goog-if-generation-match")),
        "an overwrite must be unconditional"
    );
}
