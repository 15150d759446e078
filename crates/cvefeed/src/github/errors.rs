//! Why listing the issues failed ([`GithubError`]), and the upstream text
//! those errors quote, made safe to show: GitHub's message read from a
//! bounded error body, secrets replaced by `***`, control characters by
//! spaces, cut to [`MAX_UPSTREAM_TEXT`] characters, with a hint of what to
//! do.
//!
//! This module owns the wording of every GitHub error; which answer leads
//! to which error is the client's. Messages name the request and never the
//! token.

use reqwest::StatusCode;
use serde::Deserialize;

use crate::http::{self, BodyError};

/// Upstream text (an error message GitHub sent) made safe to log, store
/// in `status.json` and send in the alert: every secret the client sends
/// replaced by `***`, control characters by spaces, and at most
/// [`MAX_UPSTREAM_TEXT`] characters.
pub(super) fn sanitize_upstream(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "***");
    }
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_UPSTREAM_TEXT + 1)
        .collect();
    if out.chars().count() > MAX_UPSTREAM_TEXT {
        out = out.chars().take(MAX_UPSTREAM_TEXT).collect();
        out.push('…');
    }
    out
}

/// Characters of an upstream error message kept in errors, `status.json`
/// and the alert (control characters and secrets taken out).
pub const MAX_UPSTREAM_TEXT: usize = 200;
/// Bytes of an error body read at most (its message is cut further).
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// What to do when GitHub cannot be reached at all (no route, no DNS).
fn offline_hint(e: &reqwest::Error) -> &'static str {
    if e.is_connect() {
        "; no network? use --from-file FILE to publish offline"
    } else {
        ""
    }
}

/// Why listing the issues failed. Messages name the request and never the
/// token; causes are kept as the error's source.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// The HTTP client cannot be built.
    #[error("cannot set up the HTTP client for {api_url}")]
    Client {
        /// The configured API base.
        api_url: String,
        /// Why.
        source: reqwest::Error,
    },
    /// The token cannot be sent at all.
    #[error(
        "GITHUB_TOKEN holds characters that cannot go in an HTTP header; set it to the token \
         alone (no quotes, spaces or line breaks), or unset it to read without a token"
    )]
    InvalidToken,
    /// Connection, TLS or timeout failure, after all retries.
    #[error("GET {url} failed after {attempts} attempt(s){}", offline_hint(source))]
    Transport {
        /// The request.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last error (without the URL, named above).
        source: reqwest::Error,
    },
    /// GitHub rejected the token.
    #[error(
        "GET {url} answered HTTP 401 ({message}): GITHUB_TOKEN was rejected; check that it is \
         valid and not expired, or unset it to read without a token"
    )]
    TokenRejected {
        /// The request.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// An error status, after retries where retrying makes sense.
    #[error("GET {url} answered HTTP {status} after {attempts} attempt(s): {message}")]
    Status {
        /// The request.
        url: String,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// GitHub's message, and a hint.
        message: String,
    },
    /// Rate limited for longer, or more often, than allowed.
    #[error(
        "GET {url} is rate limited (GitHub asks to wait {wait_secs} s more), past the allowed \
         waits (--max-rate-limit-wait {max_secs} s, --max-rate-limit-retries {max_retries}); \
         set GITHUB_TOKEN for a higher limit, or run again after the reset"
    )]
    RateLimited {
        /// The request.
        url: String,
        /// Seconds until GitHub would answer.
        wait_secs: u64,
        /// The configured bound on the total wait.
        max_secs: u64,
        /// The configured bound on the number of waits.
        max_retries: u32,
    },
    /// A body is larger than allowed.
    #[error(
        "GET {url}: {what} is larger than {limit} bytes ({flag}); refusing it (a real page of \
         100 issues is under 2 MB)"
    )]
    TooLarge {
        /// The request.
        url: String,
        /// `the page` or `the listing, all pages together`.
        what: &'static str,
        /// The bound, in bytes.
        limit: u64,
        /// The flag that sets it.
        flag: &'static str,
    },
    /// The `next` link points to a page already fetched.
    #[error(
        "GET {url}: Link rel=\"next\" points to {next}, a page already fetched; refusing to loop"
    )]
    RepeatedLink {
        /// The request.
        url: String,
        /// The repeated link.
        next: String,
    },
    /// A redirect leaves the API host.
    #[error(
        "GET {url} answered HTTP {status}, a redirect to {target}, outside {base}; refusing to \
         follow (check --github-api-url)"
    )]
    ForeignRedirect {
        /// The request.
        url: String,
        /// The 3xx status.
        status: u16,
        /// Scheme and host of the redirect target (nothing more: it may
        /// carry anything).
        target: String,
        /// The configured API base.
        base: String,
    },
    /// The body is not an array of issues.
    #[error("GET {url} returned a body that is not a JSON array of issues ({reason})")]
    Decode {
        /// The request.
        url: String,
        /// The parse error, sanitised: it may quote the body.
        reason: String,
    },
    /// A 304 for a page this run has no cached copy of.
    #[error("GET {url} answered 304 Not Modified, but the page cache has no copy of it")]
    MissingCache {
        /// The request.
        url: String,
    },
    /// The `next` link leaves the API host.
    #[error("GET {url}: Link rel=\"next\" points to {next}, outside {base}; refusing to follow")]
    ForeignLink {
        /// The request.
        url: String,
        /// The offending link.
        next: String,
        /// The configured API base.
        base: String,
    },
    /// Pagination does not end.
    #[error("GET {url}: more than {max} pages; refusing to follow Link rel=\"next\" further")]
    TooManyPages {
        /// The last request.
        url: String,
        /// The page limit.
        max: usize,
    },
}

/// GitHub's message in an error body (one over [`MAX_ERROR_BODY`] bytes
/// is not read), not yet sanitised.
pub(super) async fn error_message(response: reqwest::Response) -> String {
    #[derive(Deserialize)]
    struct GithubMessage {
        message: String,
    }
    let bytes = match http::read_bounded(response, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(e @ BodyError::TooLarge { .. }) => return format!("{e}; not read"),
        Err(BodyError::Read(_)) => return "the body could not be read".into(),
    };
    match serde_json::from_slice::<GithubMessage>(&bytes) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(super) fn hint(status: StatusCode, message: String) -> String {
    let advice = match status {
        StatusCode::UNAUTHORIZED => "; this API needs a token: set GITHUB_TOKEN",
        StatusCode::NOT_FOUND => "; check --repo and --github-api-url",
        StatusCode::FORBIDDEN => "; the token may lack read access to issues",
        _ => "",
    };
    format!("{message}{advice}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_text_is_cut_and_cleaned() {
        let echoed = format!(
            "Bad credentials\r\nAuthorization: Bearer ghp_S3cret {}",
            "x".repeat(500)
        );
        let clean = sanitize_upstream(&echoed, &["ghp_S3cret"]);
        assert!(!clean.contains("ghp_S3cret"), "{clean}");
        assert!(!clean.chars().any(char::is_control), "{clean}");
        assert_eq!(clean.chars().count(), MAX_UPSTREAM_TEXT + 1);
        assert!(clean.starts_with("Bad credentials  Authorization: Bearer *** x"));
        assert!(clean.ends_with('…'));
        assert_eq!(sanitize_upstream("short", &[""]), "short");
    }
}
