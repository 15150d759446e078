//! HTTP routes: published objects (conditional GET, negotiated encoding,
//! CORS), health, metrics and the GitHub webhook.
//!
//! This module owns status codes and headers. It serves only names present
//! in the loaded set (no file system access, so no traversal or listing),
//! and starts refreshes only through [`App::trigger_refresh`].

use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, SubsecRound, Utc};
use tower_http::timeout::TimeoutLayer;

use super::metrics::{self, DeliveryOutcome};
use super::state::{Coding, Object};
use super::webhook::{self, Overload};
use super::{App, Readiness};
use cvefeed_model::manifest::{MANIFEST, STATUS};
use cvefeed_model::render::{atom, audit, changes, html, jsonfeed, osv, rss};
use cvefeed_model::signature::{PUBLIC_KEY, SIGNATURE};
use futures::StreamExt;

/// Largest webhook body accepted (GitHub's `issues` payloads are far smaller).
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// The router of `serve`. The timeout lies inside the request tracking
/// (metric and log line), so that a request answered 408 is counted too.
pub fn router(app: Arc<App>, request_timeout: Duration) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_route))
        .route("/hooks/github", post(hook))
        .fallback(object)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), track))
        .with_state(app)
}

/// The objects every publication has, besides its OSV records: answered
/// 503, not 404, while nothing is published.
const ALWAYS_PUBLISHED: &[&str] = &[
    html::NAME,
    jsonfeed::NAME,
    rss::NAME,
    atom::NAME,
    audit::NAME,
    changes::JSON_NAME,
    changes::ATOM_NAME,
    osv::ARCHIVE,
    MANIFEST,
    STATUS,
];

/// The objects a publication may have besides those (signing).
const SOMETIMES_PUBLISHED: &[&str] = &[SIGNATURE, PUBLIC_KEY];

/// The paths with a metrics label of their own: the service routes, then
/// `/` and every fixed object name.
static FIXED_ROUTES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ["/", "/healthz", "/readyz", "/metrics", "/hooks/github"]
        .into_iter()
        .map(String::from)
        .chain(
            ALWAYS_PUBLISHED
                .iter()
                .chain(SOMETIMES_PUBLISHED)
                .map(|name| format!("/{name}")),
        )
        .collect()
});

/// The route template of `path`, a bounded label for metrics.
pub fn route_of(path: &str, status: StatusCode) -> &'static str {
    let fixed: &'static [String] = &FIXED_ROUTES;
    if let Some(fixed) = fixed.iter().find(|f| *f == path) {
        return fixed;
    }
    if status == StatusCode::NOT_FOUND {
        return "unmatched";
    }
    if path.starts_with("/osv/") && path.ends_with(".json") {
        return "/osv/{id}.json";
    }
    "/{object}"
}

async fn track(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let route = route_of(&path, res.status());
    app.metrics.http(route, res.status().as_u16());
    tracing::debug!(route, path, status = res.status().as_u16(), "request");
    res
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut body = body.into();
    body.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn healthz() -> Response {
    text(StatusCode::OK, "alive")
}

/// `/readyz`: can serve a published feed; `/readyz?strict` (or
/// `?strict=1`, any value) also asks for a recent successful refresh.
async fn readyz(State(app): State<Arc<App>>, uri: axum::http::Uri) -> Response {
    let strict = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.split('=').next() == Some("strict")));
    let mode = if strict {
        Readiness::Strict
    } else {
        Readiness::Serving
    };
    match app.readiness(Utc::now(), mode) {
        Ok(msg) => text(StatusCode::OK, msg),
        Err(msg) => text(StatusCode::SERVICE_UNAVAILABLE, msg),
    }
}

/// OpenMetrics when the scraper asks for it (Prometheus does), else the
/// classic text format.
async fn metrics_route(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let body = app
        .metrics
        .encode(app.last_success(), app.started, Utc::now());
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/openmetrics-text"));
    if openmetrics {
        ([(header::CONTENT_TYPE, metrics::OPENMETRICS)], body).into_response()
    } else {
        (
            [(header::CONTENT_TYPE, metrics::PROMETHEUS_TEXT)],
            metrics::to_prometheus_text(&body),
        )
            .into_response()
    }
}

/// Names answered with 503 (not 404) while nothing is published.
fn is_feed_name(name: &str) -> bool {
    ALWAYS_PUBLISHED.contains(&name)
        || name
            .strip_prefix(osv::DIR)
            .is_some_and(|record| !record.contains('/'))
}

/// JSON and OSV objects may be read by any web page.
fn allows_cors(name: &str) -> bool {
    name.ends_with(".json") || name.starts_with("osv/")
}

async fn object(State(app): State<Arc<App>>, method: Method, req: Request) -> Response {
    let path = req.uri().path();
    let name = if path == "/" {
        html::NAME
    } else {
        path.strip_prefix('/').unwrap_or(path)
    };
    if method != Method::GET && method != Method::HEAD && method != Method::OPTIONS {
        let mut res = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
        res.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        return res;
    }
    let Some(set) = app.current.get() else {
        if is_feed_name(name) {
            let mut res = text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "no feed has been published to {} yet: the first refresh has not succeeded \
                     (see /readyz and the logs); try again shortly",
                    app.store.location()
                ),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            return res;
        }
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let Some(obj) = set.get(name) else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let cors = allows_cors(name);
    if method == Method::OPTIONS {
        return preflight(cors);
    }
    let cache_control = if name == STATUS {
        HeaderValue::from_static("public, no-cache")
    } else {
        app.cache_control.clone()
    };
    respond(obj, req.headers(), cors, cache_control)
}

fn preflight(cors: bool) -> Response {
    if !cors {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    insert_static(res.headers_mut(), PREFLIGHT_HEADERS);
    res
}

/// The headers of the answer to a CORS preflight.
const PREFLIGHT_HEADERS: [(HeaderName, &str); 4] = [
    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD"),
    (
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        "If-None-Match, If-Modified-Since",
    ),
    (header::ACCESS_CONTROL_MAX_AGE, "86400"),
];

/// The CORS headers of every answer for a name that [`allows_cors`].
const CORS_HEADERS: [(HeaderName, &str); 2] = [
    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    (header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag, Last-Modified"),
];

/// Set each of `headers` (fixed values) on `h`.
fn insert_static<const N: usize>(h: &mut HeaderMap, headers: [(HeaderName, &'static str); N]) {
    for (name, value) in headers {
        h.insert(name, HeaderValue::from_static(value));
    }
}

/// The coding to answer with, from `Accept-Encoding` and what `obj` has:
/// the highest q-value wins, brotli before gzip on a tie.
pub fn negotiate(accept: Option<&str>, obj: &Object) -> Coding {
    let Some(accept) = accept else {
        return Coding::Identity;
    };
    let mut q_br = None;
    let mut q_gz = None;
    let mut q_any = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let token = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match token.as_str() {
            "br" => q_br = Some(q),
            "gzip" | "x-gzip" => q_gz = Some(q),
            "*" => q_any = Some(q),
            _ => {}
        }
    }
    let q_br = q_br.or(q_any).unwrap_or(0.0);
    let q_gz = q_gz.or(q_any).unwrap_or(0.0);
    let br = (obj.brotli.is_some() && q_br > 0.0).then_some(q_br);
    let gz = (obj.gzip.is_some() && q_gz > 0.0).then_some(q_gz);
    match (br, gz) {
        (Some(b), Some(g)) if g > b => Coding::Gzip,
        (Some(_), _) => Coding::Brotli,
        (None, Some(_)) => Coding::Gzip,
        (None, None) => Coding::Identity,
    }
}

/// Does an `If-None-Match` value match `etag` (weak comparison, RFC 9110)?
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
    })
}

/// Whether a request with these headers may be answered 304 for a
/// representation with `etag` last modified at `last_modified`.
fn not_modified(headers: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        // If-None-Match takes precedence over If-Modified-Since.
        return inm.to_str().is_ok_and(|v| etag_matches(v, etag));
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| SystemTime::from(last_modified.trunc_subsecs(0)) <= since)
}

fn respond(obj: &Object, headers: &HeaderMap, cors: bool, cache_control: HeaderValue) -> Response {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let coding = negotiate(accept, obj);
    let rep = obj
        .representation(coding)
        .expect("negotiate picks an existing representation");
    let fresh = not_modified(headers, rep.etag.to_str().unwrap_or(""), obj.last_modified);
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = Response::new(Body::from(rep.bytes.clone()));
        if let Ok(v) = HeaderValue::from_str(&obj.content_type) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        if let Some(token) = coding.token() {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
        }
        res
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, rep.etag.clone());
    h.insert(header::LAST_MODIFIED, obj.last_modified_header.clone());
    h.insert(header::CACHE_CONTROL, cache_control);
    if obj.gzip.is_some() || obj.brotli.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if cors {
        insert_static(h, CORS_HEADERS);
    }
    res
}

async fn hook(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let (outcome, res) = delivery(&app, &headers, body).await;
    app.metrics.delivery(outcome);
    let id = headers
        .get("x-github-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        delivery = id,
        outcome = outcome.label(),
        status = res.status().as_u16(),
        "webhook delivery"
    );
    res
}

/// What a delivery gets: the outcome counted in the metrics, and the answer.
type Answer = (DeliveryOutcome, Response);

/// One webhook delivery: its body authenticated, then de-duplicated, then
/// read as an event.
async fn delivery(app: &App, headers: &HeaderMap, body: Body) -> Answer {
    let body = match signed_body(app, headers, body).await {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    if let Some(answer) = repeated(app, headers, &body) {
        return answer;
    }
    event(app, headers, &body)
}

fn overloaded(why: Overload) -> Answer {
    let (status, message) = match why {
        Overload::Requests => (
            StatusCode::TOO_MANY_REQUESTS,
            "too many webhook deliveries in flight; try again shortly",
        ),
        Overload::Memory => (
            StatusCode::SERVICE_UNAVAILABLE,
            "webhook deliveries in flight fill the memory budget; try again shortly",
        ),
    };
    let mut res = text(status, message);
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    (DeliveryOutcome::Overloaded, res)
}

fn too_large() -> Answer {
    (
        DeliveryOutcome::TooLarge,
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body over {MAX_WEBHOOK_BODY} bytes"),
        ),
    )
}

fn bad_signature() -> Answer {
    (
        DeliveryOutcome::BadSignature,
        text(
            StatusCode::UNAUTHORIZED,
            "X-Hub-Signature-256 does not match the body and the configured secret",
        ),
    )
}

/// The body of a delivery whose signature matches, read within this
/// delivery's size limit and the shared memory budget; or the answer that
/// refuses it.
async fn signed_body(app: &App, headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Answer> {
    let Some(secret) = &app.webhook.secret else {
        return Err((
            DeliveryOutcome::Disabled,
            text(
                StatusCode::NOT_FOUND,
                "the webhook is disabled: start serve with --webhook-secret-file or CVEFEED_WEBHOOK_SECRET",
            ),
        ));
    };
    let mut admission = app.webhook.limits.admit().map_err(overloaded)?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_WEBHOOK_BODY) {
        return Err(too_large());
    }
    // The signature header is checked before any of the body is read; the
    // body is fed to the check as it arrives, each piece counted against
    // this delivery's size limit and the shared memory budget.
    let Some(signature) = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
    else {
        return Err((
            DeliveryOutcome::MissingSignature,
            text(StatusCode::UNAUTHORIZED, "missing X-Hub-Signature-256"),
        ));
    };
    let mut check = secret.verifier(signature).ok_or_else(bad_signature)?;
    // A declared length is reserved at once (and the buffer allocated to
    // it); otherwise each piece is reserved as it arrives.
    if let Some(n) = declared {
        admission.reserve(n).map_err(overloaded)?;
    }
    let mut stream = body.into_data_stream();
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(piece) = stream.next().await {
        let Ok(piece) = piece else {
            return Err((
                DeliveryOutcome::BadPayload,
                text(StatusCode::BAD_REQUEST, "the body could not be read"),
            ));
        };
        if body.len() + piece.len() > declared.unwrap_or(MAX_WEBHOOK_BODY) {
            return Err(too_large());
        }
        if declared.is_none() {
            admission.reserve(piece.len()).map_err(overloaded)?;
        }
        check.update(&piece);
        body.extend_from_slice(&piece);
    }
    if !check.verify() {
        return Err(bad_signature());
    }
    Ok(body)
}

/// The answer to a delivery already received (by its id) or a body
/// delivered again recently (a replay); `None` for a new one.
fn repeated(app: &App, headers: &HeaderMap, body: &[u8]) -> Option<Answer> {
    if let Some(id) = headers
        .get("x-github-delivery")
        .and_then(|v| v.to_str().ok())
        && !app.webhook.seen.first_time(id)
    {
        return Some((
            DeliveryOutcome::Duplicate,
            text(StatusCode::OK, "delivery already received; ignored"),
        ));
    }
    if !app
        .webhook
        .recent
        .first_time(body, std::time::Instant::now())
    {
        return Some((
            DeliveryOutcome::Replayed,
            text(
                StatusCode::CONFLICT,
                "this body was already delivered recently (a replay); ignored",
            ),
        ));
    }
    None
}

/// What an authenticated, new delivery asks for: a pong, a refresh, or
/// nothing (with the reason).
fn event(app: &App, headers: &HeaderMap, body: &[u8]) -> Answer {
    let event = headers
        .get("x-github-event")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match event {
        "ping" => (DeliveryOutcome::Ping, text(StatusCode::OK, "pong")),
        "issues" => match webhook::parse_issues_event(body) {
            Err(e) => (
                DeliveryOutcome::BadPayload,
                text(StatusCode::BAD_REQUEST, e.to_string()),
            ),
            Ok(ev) => match webhook::irrelevance(&ev, &app.refresh.label, &app.refresh.repos) {
                Some(why) => (
                    DeliveryOutcome::Ignored,
                    text(StatusCode::OK, format!("ignored: {why}")),
                ),
                None => {
                    app.trigger_refresh();
                    (
                        DeliveryOutcome::Triggered,
                        text(StatusCode::ACCEPTED, "refresh scheduled"),
                    )
                }
            },
        },
        other => (
            DeliveryOutcome::Ignored,
            text(StatusCode::OK, format!("ignored: event {other:?}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn obj() -> Object {
        Object::prepare(
            Bytes::from("[".to_string() + &"1,".repeat(2000) + "1]"),
            "application/json",
            Utc::now(),
        )
    }

    #[test]
    fn negotiation() {
        let o = obj();
        assert_eq!(negotiate(None, &o), Coding::Identity);
        assert_eq!(negotiate(Some("gzip, deflate, br"), &o), Coding::Brotli);
        assert_eq!(negotiate(Some("gzip"), &o), Coding::Gzip);
        assert_eq!(negotiate(Some("br;q=0.5, gzip"), &o), Coding::Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0"), &o), Coding::Identity);
        assert_eq!(negotiate(Some("*"), &o), Coding::Brotli);
        assert_eq!(negotiate(Some("identity"), &o), Coding::Identity);
    }

    #[test]
    fn etags() {
        assert!(etag_matches("\"a\"", "\"a\""));
        assert!(etag_matches("W/\"a\"", "\"a\""));
        assert!(etag_matches("\"b\", \"a\"", "\"a\""));
        assert!(etag_matches("*", "\"a\""));
        assert!(!etag_matches("\"a-gz\"", "\"a\""));
    }

    #[test]
    fn every_fixed_object_has_its_label_and_answers_503_before_a_publish() {
        for name in ALWAYS_PUBLISHED.iter().chain(SOMETIMES_PUBLISHED) {
            let path = format!("/{name}");
            assert_eq!(route_of(&path, StatusCode::OK), path);
            assert_eq!(route_of(&path, StatusCode::NOT_FOUND), path);
        }
        assert_eq!(route_of("/audit.json", StatusCode::OK), "/audit.json");
        for name in ["audit.json", "changes.json", "changes.xml", "osv/all.zip"] {
            assert!(is_feed_name(name), "{name}");
        }
        assert!(is_feed_name("osv/CVE-2031-0001.json"));
        assert!(!is_feed_name("osv/a/b.json") && !is_feed_name("manifest.json.sig"));
        assert!(allows_cors("audit.json") && allows_cors("changes.json"));
    }

    #[test]
    fn route_labels_are_templates() {
        assert_eq!(
            route_of("/osv/CVE-2031-0001.json", StatusCode::OK),
            "/osv/{id}.json"
        );
        assert_eq!(route_of("/index.json", StatusCode::OK), "/index.json");
        assert_eq!(route_of("/random/123", StatusCode::NOT_FOUND), "unmatched");
        assert_eq!(
            route_of("/osv/../x.json", StatusCode::NOT_FOUND),
            "unmatched"
        );
    }
}
