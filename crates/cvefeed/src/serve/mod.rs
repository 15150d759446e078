//! `cvefeed serve`: the published feed over HTTP, kept fresh by periodic
//! and webhook-triggered refreshes, with health, readiness and metrics.
//!
//! The store is the only state: the process holds a verified copy of the
//! published set in memory ([`state`]), reloads it after its own refreshes
//! and periodically (so replicas see each other's publishes), and runs the
//! same pipeline as `cvefeed refresh` ([`crate::publish::refresh`]).
//! This module owns the tasks and their lifecycle (accept loop, refresher,
//! reloader, graceful shutdown); routes, metrics, webhook rules and the
//! in-memory set live in their submodules.

pub mod metrics;
pub mod routes;
pub mod state;
pub mod webhook;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::error::Chain;
use crate::publish::{self, RefreshConfig};
use crate::store::Store;
use cvefeed_model::render::SiteConfig;
use cvefeed_model::render::audit::Document;
use metrics::{Metrics, ReloadOutcome};
use state::{Current, Reload};
use webhook::{Limits, RecentBodies, Secret, SeenDeliveries};

/// How `serve` behaves, besides the refresh pipeline's own settings.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Time between scheduled refreshes (jittered by ±10%); zero turns them off.
    pub refresh_interval: Duration,
    /// Time between reloads of the published set from the store; zero turns them off.
    pub reload_interval: Duration,
    /// `/readyz?strict` fails when the last successful refresh is older;
    /// zero disables that check. Plain `/readyz` never looks at the age.
    pub max_staleness: Duration,
    /// A webhook-triggered refresh waits for this much quiet...
    pub debounce_quiet: Duration,
    /// ...but no longer than this after the first delivery.
    pub debounce_max: Duration,
    /// `Cache-Control: max-age` of published objects.
    pub cache_max_age: Duration,
    /// Longest time one request may take.
    pub request_timeout: Duration,
    /// Longest time to receive a request's headers.
    pub header_read_timeout: Duration,
    /// Largest request head (request line and headers) in bytes; at least 8192.
    pub max_header_bytes: usize,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_timeout: Duration,
    /// Webhook secret; `None` disables the webhook route.
    pub webhook_secret: Option<Secret>,
    /// Most webhook deliveries in flight at once; more are answered 429.
    pub webhook_max_in_flight: usize,
    /// Most bytes of webhook bodies held at once, between all deliveries
    /// in flight; past it a delivery is answered 503.
    pub webhook_memory: usize,
    /// How long an authentic body is remembered, to refuse it if it is
    /// sent again (a replay under a new delivery id).
    pub webhook_replay_window: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            refresh_interval: Duration::from_secs(600),
            reload_interval: Duration::from_secs(30),
            max_staleness: Duration::from_secs(3600),
            debounce_quiet: Duration::from_secs(1),
            debounce_max: Duration::from_secs(3),
            cache_max_age: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            shutdown_timeout: Duration::from_secs(30),
            webhook_secret: None,
            webhook_max_in_flight: 64,
            webhook_memory: 32 << 20,
            webhook_replay_window: Duration::from_secs(3600),
        }
    }
}

/// What `/readyz` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// A published feed is loaded (`/readyz`).
    Serving,
    /// ...and its last successful refresh is within `max_staleness`
    /// (`/readyz?strict`).
    Strict,
}

/// Webhook state: the secret, the deliveries and bodies already seen, and
/// the bounds on deliveries in flight.
#[derive(Debug)]
pub struct WebhookState {
    secret: Option<Secret>,
    seen: SeenDeliveries,
    recent: RecentBodies,
    limits: Limits,
}

/// Everything the routes and tasks share.
#[derive(Debug)]
pub struct App {
    store: Arc<dyn Store>,
    refresh: RefreshConfig,
    options: ServeOptions,
    current: Current,
    metrics: Metrics,
    webhook: WebhookState,
    trigger: Notify,
    own_last_success: Mutex<Option<DateTime<Utc>>>,
    started: DateTime<Utc>,
    /// `Cache-Control` of published objects, built once.
    cache_control: axum::http::HeaderValue,
}

/// Why `serve` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}{}", bind_hint(source))]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// What to do about a failed bind, in parentheses, or nothing.
fn bind_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            " (another process holds the port: stop it, or pass another --listen)"
        }
        std::io::ErrorKind::PermissionDenied => {
            " (ports below 1024 need privileges: pass a higher port with --listen)"
        }
        std::io::ErrorKind::AddrNotAvailable => {
            " (no interface of this host has that address: check --listen)"
        }
        _ => "",
    }
}

impl App {
    /// Shared state for a server over `store`.
    pub fn new(store: Arc<dyn Store>, refresh: RefreshConfig, options: ServeOptions) -> App {
        let cache_control = axum::http::HeaderValue::from_str(&format!(
            "public, max-age={}",
            options.cache_max_age.as_secs()
        ))
        .expect("a number is a valid header value");
        App {
            store,
            refresh,
            webhook: WebhookState {
                secret: options.webhook_secret.clone(),
                seen: SeenDeliveries::new(4096),
                recent: RecentBodies::new(options.webhook_replay_window, 4096),
                limits: Limits::new(options.webhook_max_in_flight, options.webhook_memory),
            },
            options,
            current: Current::default(),
            metrics: Metrics::new(),
            trigger: Notify::new(),
            own_last_success: Mutex::new(None),
            started: Utc::now(),
            cache_control,
        }
    }

    /// Ask for a (debounced) refresh.
    pub fn trigger_refresh(&self) {
        self.trigger.notify_one();
    }

    /// The later of this process's last successful refresh and the one
    /// recorded in the loaded `status.json`.
    pub fn last_success(&self) -> Option<DateTime<Utc>> {
        let own = *self.own_last_success.lock().expect("lock poisoned");
        let published = self
            .current
            .get()
            .and_then(|s| s.status.as_ref().and_then(|st| st.last_success));
        own.max(published)
    }

    /// `Ok(message)` when ready, else why not. Ready means "can serve a
    /// published feed": a publication is loaded, whatever its age, since a
    /// stale feed is still correct as of its last refresh and taking it
    /// away helps no reader (staleness is reported by `/metrics`). With
    /// [`Readiness::Strict`], the last successful refresh must also be
    /// within `max_staleness` (`/readyz?strict`).
    pub fn readiness(&self, now: DateTime<Utc>, mode: Readiness) -> Result<String, String> {
        let Some(set) = self.current.get() else {
            return Err(format!(
                "not ready: no feed loaded from {} yet",
                self.store.location()
            ));
        };
        let items = set.manifest.items.len();
        let last = self.last_success();
        let age = last.map(|last| (now - last).to_std().unwrap_or_default());
        let since = match (last, age) {
            (Some(last), Some(age)) => {
                format!("last successful refresh at {last} ({}s ago)", age.as_secs())
            }
            _ => "no successful refresh is recorded".to_string(),
        };
        if mode == Readiness::Strict && !self.options.max_staleness.is_zero() {
            let limit = humantime::format_duration(self.options.max_staleness);
            match age {
                None => return Err(format!("not ready (strict): {since}")),
                Some(age) if age > self.options.max_staleness => {
                    return Err(format!(
                        "not ready (strict): {since}, older than --max-staleness {limit}"
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(format!("ready: {items} items, {since}"))
    }

    /// A warning when `--base-url` is left at the kubernetes.io default but
    /// the feed in the store was not published under it (nothing published
    /// yet, or a `feed_url` elsewhere): this server's feeds would then name
    /// kubernetes.io in their self links (`feed_url`, the RSS and Atom
    /// self links, `osv_url`).
    pub fn base_url_warning(&self) -> Option<String> {
        let default = SiteConfig::default().base_url;
        if self.refresh.site.base_url != default {
            return None;
        }
        #[derive(serde::Deserialize)]
        struct FeedUrl {
            feed_url: Option<String>,
        }
        let published = self.current.get().and_then(|set| {
            let feed = set.get(cvefeed_model::render::jsonfeed::NAME)?;
            serde_json::from_slice::<FeedUrl>(&feed.identity.bytes)
                .ok()?
                .feed_url
        });
        if published
            .as_deref()
            .is_some_and(|url| url.starts_with(default.as_str()))
        {
            return None;
        }
        let what = match published {
            Some(url) => format!(
                "the feed in {} was published for {url}",
                self.store.location()
            ),
            None => format!("nothing is published in {} yet", self.store.location()),
        };
        Some(format!(
            "--base-url is the kubernetes.io default ({default}), but {what}: the feeds' self \
             links and osv_url will name kubernetes.io, not this server; pass --base-url with \
             the URL readers reach this server at (the page links relatively and works anywhere)"
        ))
    }

    /// Reload the published set from the store, recording the outcome;
    /// a new set also sets the item and audit gauges.
    pub async fn reload(&self) {
        let outcome = match self.current.reload(self.store.as_ref()).await {
            Ok(Reload::Loaded) => {
                tracing::info!(location = %self.store.location(), "loaded a new published set");
                self.set_feed_gauges();
                ReloadOutcome::Loaded
            }
            Ok(Reload::Unchanged) => ReloadOutcome::Unchanged,
            Ok(Reload::Empty) => ReloadOutcome::Empty,
            Err(e) => {
                tracing::warn!(error = %Chain(&e), "reload failed; still serving the set already loaded");
                ReloadOutcome::Failed
            }
        };
        self.metrics.reload(outcome);
    }

    /// The gauges of the set served: its items and its audit's counts.
    fn set_feed_gauges(&self) {
        let Some(set) = self.current.get() else {
            return;
        };
        self.metrics.set_items(set.manifest.items.len());
        let audit = set
            .get(cvefeed_model::render::audit::NAME)
            .and_then(|o| serde_json::from_slice::<Document>(&o.identity.bytes).ok());
        if let Some(audit) = audit {
            self.metrics.set_audit(&audit.counts);
        }
    }

    /// Run one refresh, then reload.
    async fn refresh_once(&self, reason: &str) {
        let start = std::time::Instant::now();
        // Whole seconds, like `cvefeed refresh`: every published time is.
        let now = Utc::now().trunc_subsecs(0);
        let result = publish::refresh(self.store.as_ref(), &self.refresh, now).await;
        let seconds = start.elapsed().as_secs_f64();
        self.metrics.refresh(&result, seconds);
        match &result {
            Ok(summary) => {
                *self.own_last_success.lock().expect("lock poisoned") = Some(now);
                tracing::info!(reason, seconds, "refresh {}", summary.line());
            }
            Err(e) => {
                tracing::error!(reason, seconds, error = %Chain(e), "refresh failed; still serving the previous feed");
            }
        }
        self.reload().await;
    }
}

fn jittered(interval: Duration) -> Duration {
    let f = rand::random_range(0.9..1.1);
    interval.mul_f64(f)
}

/// The refresher: one task, so runs never overlap. It runs at start and
/// every (jittered) interval, and after a burst of webhook triggers has
/// been quiet for `debounce_quiet` (or `debounce_max` after the first). On
/// shutdown it finishes the run in progress and returns.
async fn refresher(app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let interval = app.options.refresh_interval;
    let mut next = (!interval.is_zero()).then(Instant::now);
    loop {
        let reason = tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            _ = app.trigger.notified() => {
                let deadline = Instant::now() + app.options.debounce_max;
                loop {
                    tokio::select! {
                        _ = shutdown.changed() => return,
                        _ = tokio::time::sleep_until(deadline) => break,
                        _ = tokio::time::sleep(app.options.debounce_quiet) => break,
                        _ = app.trigger.notified() => {}
                    }
                }
                "webhook"
            }
            _ = sleep_until_opt(next) => "interval",
        };
        app.refresh_once(reason).await;
        next = (!interval.is_zero()).then(|| Instant::now() + jittered(interval));
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The reloader: after the load at start (in [`run`]), reloads every
/// second until a set is there, then every `reload_interval`, to pick up
/// other writers.
async fn reloader(app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let interval = app.options.reload_interval;
        let wait = if app.current.get().is_none() {
            Duration::from_secs(1)
        } else if interval.is_zero() {
            return;
        } else {
            interval
        };
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        app.reload().await;
    }
}

/// Bind `addr`.
pub async fn bind(addr: &str) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.to_string(),
            source,
        })
}

/// Serve `app` on `listener` until `shutdown` completes (after loading
/// what is published, and warning about a default `--base-url` that does
/// not match it); then stop
/// accepting, let in-flight requests and a running refresh finish (waiting
/// at most `shutdown_timeout` for requests), and return.
pub async fn run(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    // What is published before the first refresh decides the warning.
    app.reload().await;
    if let Some(warning) = app.base_url_warning() {
        tracing::warn!("{warning}");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let refresher = tokio::spawn(refresher(app.clone(), stop_rx.clone()));
    let reloader = tokio::spawn(reloader(app.clone(), stop_rx));
    let router = routes::router(app.clone(), app.options.request_timeout);

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(app.options.header_read_timeout)
        .max_buf_size(app.options.max_header_bytes.max(8192));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let conn = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(
        "shutting down: no longer accepting; finishing in-flight requests and any running refresh"
    );
    let _ = stop_tx.send(true);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(app.options.shutdown_timeout) => {
            tracing::warn!("shutdown timeout: closing the remaining connections");
        }
    }
    let _ = refresher.await;
    let _ = reloader.await;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// Serve `options` over an empty directory, with no scheduled work: the
    /// app, its address, and the sender that stops it.
    async fn serving(
        dir: &std::path::Path,
        options: ServeOptions,
    ) -> (
        Arc<App>,
        std::net::SocketAddr,
        tokio::sync::oneshot::Sender<()>,
    ) {
        let store = crate::store::open_with(dir.to_str().unwrap(), &Default::default()).unwrap();
        let refresh = RefreshConfig {
            source: publish::Source::File(dir.join("issues.json")),
            repos: vec!["a/b".parse().unwrap()],
            label: "l".into(),
            site: SiteConfig::default(),
            allow_shrink: false,
            shrink_tolerance: 0,
            lock_wait: Duration::from_secs(1),
            compat_k8s_bucket: false,
            precompress: false,
            hooks: Default::default(),
            records: crate::cverecords::RecordSource::Off,
            record_max_lag: Duration::ZERO,
            trust: Default::default(),
        };
        let options = ServeOptions {
            refresh_interval: Duration::ZERO,
            reload_interval: Duration::ZERO,
            ..options
        };
        let app = Arc::new(App::new(Arc::from(store), refresh, options));
        let listener = bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(run(app.clone(), listener, async {
            let _ = stopped.await;
        }));
        (app, addr, stop)
    }

    /// Write `request` on a new connection and read until the server
    /// closes it: what it answered, or `None` if it kept the connection
    /// open for 10 s.
    async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> Option<String> {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(request).await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut out))
            .await
            .ok()?
            .ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    }

    #[tokio::test]
    async fn the_request_head_and_the_whole_request_are_bounded_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let secret = Secret::new("s3cret").unwrap();
        let (app, addr, _stop) = serving(
            dir.path(),
            ServeOptions {
                header_read_timeout: Duration::from_millis(300),
                request_timeout: Duration::from_millis(300),
                webhook_secret: Some(secret.clone()),
                ..ServeOptions::default()
            },
        )
        .await;
        // A head over max_header_bytes (16 KiB) is refused.
        let big = format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
            "a".repeat(20 * 1024)
        );
        let answer = exchange(addr, big.as_bytes()).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer:?}");
        // A head that does not arrive within header_read_timeout: closed.
        let answer = exchange(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
        assert_eq!(answer.as_deref(), Some(""));
        // A webhook body that stalls past request_timeout: 408, counted.
        let stalled = format!(
            "POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: {}\r\n\
             Content-Length: 10\r\n\r\n{{}}",
            secret.sign(b"{}")
        );
        let answer = exchange(addr, stalled.as_bytes()).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
        let metrics = app.metrics.encode(None, app.started, Utc::now());
        assert!(
            metrics
                .contains("cvefeed_http_requests_total{route=\"/hooks/github\",status=\"408\"} 1"),
            "{metrics}"
        );
    }

    #[test]
    fn a_bind_error_names_the_address_and_leaves_the_cause_to_the_chain() {
        let source = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let cause = source.to_string();
        let e = ServeError::Bind {
            addr: "127.0.0.1:8080".into(),
            source,
        };
        let message = e.to_string();
        assert!(!message.contains(&cause), "{message}");
        assert!(
            message.starts_with("cannot listen on 127.0.0.1:8080 ("),
            "{message}"
        );
        assert_eq!(
            Chain(&e).to_string().matches(&cause).count(),
            1,
            "{}",
            Chain(&e)
        );
    }
}
