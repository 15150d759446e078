//! Notifications after a refresh: build hooks (POSTed after a publish that
//! changed something, e.g. a Netlify build hook that rebuilds the website)
//! and the failure alert (a Slack-compatible JSON POST when a refresh
//! fails).
//!
//! Hook URLs carry secrets: they live in [`SecretUrl`], a hook URL over the
//! shared [`http::SecretUrl`], whose `Display` and `Debug` show only
//! `scheme://host[:port]/…`, and transport errors are stripped of their URL
//! before they are reported. This module owns delivery (which
//! answers are retried, following [`crate::retry`]); it never decides
//! whether a refresh published.

use std::fmt;
use std::ops::ControlFlow;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Chain;
use crate::http::{self, Redirects};
use crate::retry::{self, Attempt, Retrier};

/// A hook URL: http or https with a host, a secret as a whole (its path
/// and query are the credential), shown as `scheme://host[:port]/…`
/// ([`http::SecretUrl::hiding_path`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(http::SecretUrl);

impl SecretUrl {
    /// Wrap a parsed URL; only http and https are accepted.
    pub fn new(url: url::Url) -> Result<SecretUrl, HookError> {
        match url.scheme() {
            "http" | "https" if url.host_str().is_some() => {
                Ok(SecretUrl(http::SecretUrl::hiding_path(url)))
            }
            _ => Err(HookError::NotHttp),
        }
    }

    /// The full URL, for sending only.
    fn expose(&self) -> &str {
        self.0.expose().as_str()
    }
}

impl FromStr for SecretUrl {
    type Err = HookError;

    /// Parse; the error never repeats the input.
    fn from_str(s: &str) -> Result<SecretUrl, HookError> {
        let url = url::Url::parse(s.trim()).map_err(HookError::BadUrl)?;
        SecretUrl::new(url)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Why a hook could not be used. No message repeats the URL: it is a
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// The URL does not parse.
    #[error("invalid hook URL")]
    BadUrl(#[source] url::ParseError),
    /// The URL is not one a hook can be POSTed to.
    #[error("invalid hook URL: a hook URL must be http:// or https:// with a host")]
    NotHttp,
    /// The hook URL file cannot be read, or is larger than
    /// [`MAX_URL_FILE`].
    #[error("cannot read hook URLs from {path}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        source: crate::fsread::CappedError,
    },
    /// The HTTP client cannot be built.
    #[error("cannot set up the HTTP client for hooks")]
    Client(#[source] reqwest::Error),
}

/// Why one delivery attempt failed.
#[derive(Debug, thiserror::Error)]
enum DeliveryError {
    /// The receiver answered with an error status.
    #[error("answered {0}")]
    Status(reqwest::StatusCode),
    /// The request did not complete (the error holds no URL).
    #[error("the request failed")]
    Transport(#[source] reqwest::Error),
}

/// The largest hook URL file read: a few lines of URLs.
pub const MAX_URL_FILE: u64 = 64 * 1024;

/// Read hook URLs from a file of at most [`MAX_URL_FILE`] bytes: one per
/// line; blank lines and `#` comments are skipped.
pub fn read_url_file(path: &std::path::Path) -> Result<Vec<SecretUrl>, HookError> {
    let text =
        crate::fsread::read_capped_text(path, MAX_URL_FILE).map_err(|source| HookError::File {
            path: path.display().to_string(),
            source,
        })?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(SecretUrl::from_str)
        .collect()
}

/// Retries of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub retries: u32,
    /// First delay; doubles each retry.
    pub backoff: Duration,
    /// Timeout of one attempt.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Where the failure alert goes.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The webhook (secret).
    pub url: SecretUrl,
    /// Link to the job, included in the alert.
    pub job_url: String,
}

/// Every notification target of a refresh.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// Build hooks, POSTed after a publish that changed something.
    pub build: Vec<SecretUrl>,
    /// Failure alert.
    pub alert: Option<Alert>,
    /// Retry policy of every delivery.
    pub retry: RetryPolicy,
}

/// What a build hook receives (also shown to a Netlify build as
/// `INCOMING_HOOK_BODY`).
#[derive(Debug, Clone, Serialize)]
pub struct PublishEvent {
    /// Always `published`.
    pub event: &'static str,
    /// The store written.
    pub location: String,
    /// When the content last changed.
    pub updated_at: DateTime<Utc>,
    /// Items in the feed.
    pub items: usize,
}

/// What the alert webhook receives.
#[derive(Debug, Clone, Serialize)]
pub struct FailureAlert {
    /// One line for Slack-compatible receivers.
    pub text: String,
    /// The store.
    pub location: String,
    /// The error.
    pub error: String,
    /// When the run failed.
    pub failed_at: DateTime<Utc>,
    /// Last successful refresh, from `status.json`.
    pub last_success: Option<DateTime<Utc>>,
    /// Link to the job.
    pub job_url: String,
}

impl FailureAlert {
    /// Build the alert body.
    pub fn new(
        location: String,
        error: String,
        failed_at: DateTime<Utc>,
        last_success: Option<DateTime<Utc>>,
        job_url: String,
    ) -> FailureAlert {
        let since = match last_success {
            Some(t) => format!("last success {}", t.to_rfc3339()),
            None => "no successful refresh recorded".into(),
        };
        FailureAlert {
            text: format!(
                "cvefeed refresh of {location} failed: {error} ({since}; job: {job_url})"
            ),
            location,
            error,
            failed_at,
            last_success,
            job_url,
        }
    }
}

/// The outcome of one delivery, safe to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The hook, redacted.
    pub hook: String,
    /// Attempts made.
    pub attempts: u32,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl Delivery {
    /// Whether it was delivered.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

impl Hooks {
    fn client(&self) -> Result<reqwest::Client, HookError> {
        // A redirect target may receive the secret as well; hooks answer directly.
        http::builder(self.retry.timeout, Redirects::Never)
            .build()
            .map_err(|e| HookError::Client(e.without_url()))
    }

    /// POST `event` to every build hook, each with retries.
    pub async fn fire_build_hooks(&self, event: &PublishEvent) -> Vec<Delivery> {
        if self.build.is_empty() {
            return Vec::new();
        }
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => {
                return self
                    .build
                    .iter()
                    .map(|u| Delivery {
                        hook: u.to_string(),
                        attempts: 0,
                        error: Some(Chain(&e).to_string()),
                    })
                    .collect();
            }
        };
        let body = serde_json::to_vec(event).expect("events serialize");
        let mut out = Vec::new();
        for url in &self.build {
            let d = post(&client, url, &body, self.retry).await;
            match &d.error {
                None => tracing::info!(hook = %url, attempts = d.attempts, "build hook triggered"),
                Some(e) => {
                    tracing::error!(hook = %url, attempts = d.attempts, error = %e, "build hook failed")
                }
            }
            out.push(d);
        }
        out
    }

    /// POST the failure alert, if one is configured.
    pub async fn send_alert(&self, alert: &FailureAlert) -> Option<Delivery> {
        let target = self.alert.as_ref()?;
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => {
                return Some(Delivery {
                    hook: target.url.to_string(),
                    attempts: 0,
                    error: Some(Chain(&e).to_string()),
                });
            }
        };
        let body = serde_json::to_vec(alert).expect("alerts serialize");
        let d = post(&client, &target.url, &body, self.retry).await;
        match &d.error {
            None => tracing::info!(hook = %target.url, "failure alert sent"),
            Some(e) => {
                tracing::error!(hook = %target.url, error = %e, "failure alert could not be sent")
            }
        }
        Some(d)
    }
}

/// POST with retries ([`retry`]): transport errors, 429 and 5xx are
/// transient; hooks never ask to wait.
async fn post(
    client: &reqwest::Client,
    url: &SecretUrl,
    body: &[u8],
    policy: RetryPolicy,
) -> Delivery {
    let policy = retry::Policy {
        retries: policy.retries,
        backoff: policy.backoff,
        max_wait: Duration::ZERO,
        max_waits: 0,
    };
    let mut retrier = Retrier::new(policy, url);
    let (result, attempts) = loop {
        let n = retrier.next_attempt();
        let attempt = deliver(client, url, body).await;
        if let ControlFlow::Break(result) = retrier.settle(attempt).await {
            break (result, n);
        }
    };
    Delivery {
        hook: url.to_string(),
        attempts,
        error: result.err().map(|e| Chain(&e).to_string()),
    }
}

/// One POST.
async fn deliver(
    client: &reqwest::Client,
    url: &SecretUrl,
    body: &[u8],
) -> Attempt<(), DeliveryError> {
    let sent = client
        .post(url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Attempt::Done(()),
        Ok(r) => {
            let s = r.status();
            let e = DeliveryError::Status(s);
            if s.is_server_error() || s == reqwest::StatusCode::TOO_MANY_REQUESTS {
                Attempt::Transient(e)
            } else {
                Attempt::Fail(e)
            }
        }
        Err(e) => Attempt::Transient(DeliveryError::Transport(e.without_url())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_url_is_redacted() {
        let u: SecretUrl = "https://api.netlify.com/build_hooks/s3cr3t?x=1"
            .parse()
            .unwrap();
        assert_eq!(u.to_string(), "https://api.netlify.com/…");
        assert_eq!(format!("{u:?}"), "SecretUrl(https://api.netlify.com/…)");
        let u: SecretUrl = "http://127.0.0.1:8080/hook/s3cr3t".parse().unwrap();
        assert_eq!(u.to_string(), "http://127.0.0.1:8080/…");
    }

    #[test]
    fn bad_urls_are_refused_without_echo() {
        let e = "ftp://host/s3cr3t"
            .parse::<SecretUrl>()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
        let e = "not a url s3cr3t"
            .parse::<SecretUrl>()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
    }

    #[test]
    fn url_file_skips_comments_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hooks");
        std::fs::write(
            &path,
            "# build hooks\n\nhttps://a.example/x\n  https://b.example/y  \n",
        )
        .unwrap();
        let urls = read_url_file(&path).unwrap();
        assert_eq!(
            urls.iter().map(|u| u.expose()).collect::<Vec<_>>(),
            ["https://a.example/x", "https://b.example/y"]
        );
        let line = "https://a.example/s3cr3t\n";
        std::fs::write(&path, line.repeat(MAX_URL_FILE as usize / line.len() + 1)).unwrap();
        assert_eq!(
            Chain(&read_url_file(&path).unwrap_err()).to_string(),
            format!(
                "cannot read hook URLs from {}: larger than {MAX_URL_FILE} bytes",
                path.display()
            )
        );
    }

    #[test]
    fn alert_text_names_error_last_success_and_job() {
        let t = DateTime::parse_from_rfc3339("2031-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        let a = FailureAlert::new(
            "gs://b/p".into(),
            "GitHub answered 500".into(),
            t,
            Some(t),
            "https://job.example/run".into(),
        );
        assert_eq!(
            a.text,
            "cvefeed refresh of gs://b/p failed: GitHub answered 500 \
             (last success 2031-01-02T03:04:05+00:00; job: https://job.example/run)"
        );
    }
}
