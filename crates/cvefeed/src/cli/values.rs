//! Value parsers shared by several commands' flags: URLs, sizes,
//! durations and timeouts, `--out-option` pairs. Parsing only: what a value
//! means is the command's.

use std::time::Duration;

/// An API base: an http(s) URL without query or fragment (a query
/// could only carry a secret, which belongs in GITHUB_TOKEN).
pub(super) fn parse_api_url(s: &str) -> Result<url::Url, String> {
    let url = parse_http_url(s)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the API base takes no query or fragment; put a token in GITHUB_TOKEN".into());
    }
    Ok(url)
}

/// The CVE Services API base: an http(s) URL without user name, password,
/// query or fragment. The API takes no authentication, and every log line
/// about a record shows its URL.
pub(super) fn parse_cve_api_url(s: &str) -> Result<url::Url, String> {
    let url = parse_http_url(s)?;
    if cvefeed::http::carries_secrets(&url) {
        return Err(
            "the CVE Services API takes no authentication: give it without a user name, \
             password, query or fragment"
                .into(),
        );
    }
    Ok(url)
}

/// An http(s) URL with a host.
fn parse_http_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected an http:// or https:// URL with a host".into());
    }
    Ok(url)
}

/// A size in bytes: a number, optionally followed by `KiB`, `MiB` or `GiB`.
pub(super) fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let shift = match unit.trim() {
        "" | "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        _ => return Err("expected a number of bytes, optionally with KiB, MiB or GiB".into()),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            "expected a positive number of bytes, optionally with KiB, MiB or GiB".into()
        })
}

/// One `--out-option`; the value may be a secret and is never shown.
#[derive(Clone)]
pub struct KeyValue {
    key: String,
    value: String,
}

impl std::fmt::Debug for KeyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}=…", self.key)
    }
}

/// `--out-option`s as the store's builder settings.
pub(super) fn bucket_config(options: &[KeyValue]) -> Vec<(String, String)> {
    options
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .collect()
}

pub(super) fn parse_key_value(s: &str) -> Result<KeyValue, String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok(KeyValue {
            key: k.trim().to_string(),
            value: v.to_string(),
        }),
        _ => Err("expected KEY=VALUE".into()),
    }
}

/// A duration such as `10m` or `1s`; a bare `0` means zero.
pub(super) fn parse_duration(s: &str) -> Result<Duration, humantime::DurationError> {
    if s.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(s)
}

/// A timeout or a lease lifetime: a duration longer than zero (zero would
/// fail every request, or every webhook delivery, at once, or let a lease
/// expire as it is taken).
pub(super) fn parse_timeout(s: &str) -> Result<Duration, String> {
    match parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be longer than zero".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}
