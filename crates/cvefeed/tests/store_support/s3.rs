//! The loopback S3-compatible server the store tests use (started by
//! scripts/services.d/s3.sh): fresh buckets on it and stores on them, and
//! the test that CI provides it, run by every test crate that uses it.

use cvefeed::store::{self, OpenOptions};

/// The variable scripts/services.d/s3.sh sets to the server's URL.
const ENDPOINT_VAR: &str = "CVEFEED_TEST_S3_ENDPOINT";

/// In CI the server must be configured: fail, do not skip.
#[test]
fn ci_provides_the_s3_test_server() {
    crate::server::require_in_ci(ENDPOINT_VAR, "s3.sh");
}

/// A fresh bucket on the S3-compatible test server.
pub struct Bucket {
    /// The server's URL (see [`crate::server::server_var`]).
    pub endpoint: String,
    /// The bucket's name.
    pub name: String,
}

impl Bucket {
    /// A fresh bucket named after `name`, with versioning on (each write
    /// gets its own version id), created with unsigned requests, as the test
    /// server allows.
    pub async fn new(name: &str) -> Bucket {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let endpoint = crate::server::server_var(ENDPOINT_VAR, "s3.sh");
        let name = format!(
            "{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let client = reqwest::Client::new();
        crate::server::send_ok(client.put(format!("{endpoint}/{name}")), "creating bucket").await;
        crate::server::send_ok(
            client
                .put(format!("{endpoint}/{name}?versioning"))
                .header("content-type", "application/xml")
                .body(r#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#),
            "enabling versioning",
        )
        .await;
        Bucket { endpoint, name }
    }

    /// `s3://bucket/prefix`, or `s3://bucket` for an empty prefix.
    pub fn location(&self, prefix: &str) -> String {
        if prefix.is_empty() {
            format!("s3://{}", self.name)
        } else {
            format!("s3://{}/{prefix}", self.name)
        }
    }

    /// `--out-option`s for the test server.
    pub fn options(&self) -> Vec<(String, String)> {
        [
            ("aws_endpoint", self.endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "test"),
            ("aws_secret_access_key", "test"),
            ("aws_region", "us-east-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// A store on `prefix` in the bucket (see [`Bucket::location`]).
    pub fn open(&self, prefix: &str) -> Box<dyn store::Store> {
        store::open_with(
            &self.location(prefix),
            &OpenOptions {
                config: self.options(),
                ..OpenOptions::default()
            },
        )
        .unwrap()
    }
}
