//! The loopback S3-compatible server the store tests use (started by
//! scripts/services.d/s3.sh): its location, fresh buckets, and stores on it.

use cvefeed::store::{self, OpenOptions};

/// The variable scripts/services.d/s3.sh sets to the server's URL.
const ENDPOINT_VAR: &str = "CVEFEED_TEST_S3_ENDPOINT";

/// The S3-compatible test server (see [`crate::server::server_var`]).
pub fn s3_endpoint() -> String {
    crate::server::server_var(ENDPOINT_VAR, "s3.sh")
}

/// In CI the server must be configured: fail, do not skip.
pub fn require_in_ci() {
    crate::server::require_in_ci(ENDPOINT_VAR, "s3.sh");
}

/// A fresh bucket with versioning on (each write gets its own version id),
/// created with an unsigned request, as the test server allows.
pub async fn new_bucket(endpoint: &str, name: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let bucket = format!(
        "{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let client = reqwest::Client::new();
    let r = client
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "creating bucket: {}", r.status());
    let r = client
        .put(format!("{endpoint}/{bucket}?versioning"))
        .header("content-type", "application/xml")
        .body(r#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "enabling versioning: {}",
        r.status()
    );
    bucket
}

/// `--out-option`s for the test server.
pub fn s3_options(endpoint: &str) -> Vec<(String, String)> {
    [
        ("aws_endpoint", endpoint),
        ("aws_allow_http", "true"),
        ("aws_access_key_id", "test"),
        ("aws_secret_access_key", "test"),
        ("aws_region", "us-east-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Open `s3://bucket/prefix` on the test server.
pub fn open_s3(endpoint: &str, location: &str) -> Box<dyn store::Store> {
    store::open_with(
        location,
        &OpenOptions {
            config: s3_options(endpoint),
            ..OpenOptions::default()
        },
    )
    .unwrap()
}
