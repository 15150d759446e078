//! The emulators and servers that scripts/services.d starts for the store
//! tests: where they are, the rule that a test needing one fails rather
//! than passing untested, and requests that set them up.

/// The value of `var`, set by `scripts/services.d/{script}`. The tests that
/// need the server are ignored by default; one that runs without it fails,
/// never passes untested.
pub fn server_var(var: &str, script: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "{var} is not set: start the server (bash scripts/test.sh does, through \
             scripts/services.d/{script}) or leave the ignored tests out"
        ),
    }
}

/// In CI (`CI` set, and not to `false` or `0`) the server must be
/// configured: fail, do not skip.
pub fn require_in_ci(var: &str, script: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "false" | "0"));
    if ci {
        server_var(var, script);
    }
}

/// Send a request that sets a test server up (creates a bucket, ...); an
/// answer other than a success fails the test, saying `what` failed.
#[allow(dead_code, reason = "not every test crate sets its server up by HTTP")]
pub async fn send_ok(request: reqwest::RequestBuilder, what: &str) {
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{what}: {}",
        response.status()
    );
}
