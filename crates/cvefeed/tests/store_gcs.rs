//! The request shapes of the GCS store, against wiremock (no local GCS
//! emulator honours preconditions): the manifest's first write carries
//! `x-goog-if-generation-match: 0`, a later one the generation read, with
//! the content type and cache policy; a 412 is a lost race.

use cvefeed::store::{OpenOptions, PutMode, Store, StoreError, open_with};
use cvefeed_model::manifest::MANIFEST;
use wiremock::matchers::{body_bytes, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

#[tokio::test]
async fn first_manifest_write_requires_absence() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(object_path(MANIFEST)))
        .and(header("x-goog-if-generation-match", "0"))
        .and(header("content-type", "application/json"))
        .and(header("cache-control", "no-cache"))
        .and(body_bytes(b"{}".to_vec()))
        .respond_with(stored("1"))
        .expect(1)
        .mount(&server)
        .await;
    gcs_store(&server)
        .put(
            MANIFEST,
            b"{}".to_vec(),
            "application/json",
            PutMode::Create,
        )
        .await
        .unwrap();
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
    Mock::given(method("PUT"))
        .and(path(object_path("index.json")))
        .respond_with(stored("2"))
        .expect(1)
        .mount(&server)
        .await;
    gcs_store(&server)
        .put(
            "index.json",
            b"{}".to_vec(),
            "application/feed+json",
            PutMode::Overwrite,
        )
        .await
        .unwrap();
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
