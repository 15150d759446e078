//! GitHub's rate limits and what a listing cost: how long a 403 or 429
//! asks to wait (`Retry-After`, or `X-RateLimit-Remaining: 0` with
//! `X-RateLimit-Reset`), and the counts of a run ([`FetchStats`]).
//!
//! This module owns reading those headers; how long the client may wait in
//! all is the retry rules' ([`crate::retry`]) and the client's budget. It
//! sends no request and never sleeps.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::retry;

/// What a fetch cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FetchStats {
    /// HTTP requests sent, retries included.
    pub requests: u32,
    /// Of those, answered `304 Not Modified` (free of rate limit).
    pub not_modified: u32,
    /// Responses by status code.
    pub by_status: BTreeMap<u16, u32>,
    /// `X-RateLimit-Remaining` of the last response.
    pub rate_limit_remaining: Option<u64>,
    /// Bytes of page bodies received (bounded by
    /// [`super::ClientConfig::max_total_bytes`] over a run).
    #[serde(skip)]
    pub bytes: u64,
    /// Time spent waiting for rate limits (bounded by
    /// [`super::ClientConfig::max_rate_limit_wait`] over a run).
    #[serde(skip)]
    pub rate_limit_waited: Duration,
}

impl FetchStats {
    pub(super) fn count(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.requests += 1;
        *self.by_status.entry(status.as_u16()).or_default() += 1;
        if status == StatusCode::NOT_MODIFIED {
            self.not_modified += 1;
        }
        if let Some(n) = header_u64(headers, "x-ratelimit-remaining") {
            self.rate_limit_remaining = Some(n);
        }
    }
}

/// How long a 403/429 asks us to wait, if it is a rate limit.
pub(super) fn rate_limit_wait(
    status: StatusCode,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    // A wait shorter than a second is waited for a second ([`retry::MIN_WAIT`]).
    if let Some(wait) = retry::retry_after(headers) {
        return Some(wait);
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = header_u64(headers, "x-ratelimit-reset")?;
        // Saturating: the header is the server's to choose.
        let left = i64::try_from(reset)
            .unwrap_or(i64::MAX)
            .saturating_sub(now.timestamp());
        return Some(Duration::from_secs(
            left.max(0).unsigned_abs().saturating_add(1),
        ));
    }
    // A 429 with no hint still means "slow down"; GitHub documents a minute.
    (status == StatusCode::TOO_MANY_REQUESTS).then_some(retry::UNSTATED_WAIT)
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    use reqwest::header::{self, HeaderValue};

    #[test]
    fn rate_limit_detection() {
        let now = DateTime::from_timestamp(1_000, 0).unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(rate_limit_wait(StatusCode::FORBIDDEN, &h, now), None);
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1010"));
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &h, now),
            Some(Duration::from_secs(11))
        );
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(
            rate_limit_wait(StatusCode::TOO_MANY_REQUESTS, &h, now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            rate_limit_wait(StatusCode::INTERNAL_SERVER_ERROR, &h, now),
            None
        );
        // A reset past any date is a long wait, not an overflow.
        h.remove(header::RETRY_AFTER);
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &h, now),
            Some(Duration::from_secs(i64::MAX as u64 - 1_000 + 1))
        );
    }
}
