//! Command-line interface: flags and environment variables, mapped onto
//! the library's options; what the library returns is printed here and
//! turned into the exit status it calls for. No workflow lives here: each
//! command is one library call (`publish::refresh`, `serve::run`,
//! `check::run`). The only module that uses `anyhow`, besides `main`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use cvefeed::check;
use cvefeed::cverecords::{self, RecordSource};
use cvefeed::github::{self, RepoName, Token};
use cvefeed::hooks::{self, Hooks, SecretUrl};
use cvefeed::keys;
use cvefeed::publish::{self, RefreshConfig, Source, Trust};
use cvefeed::serve;
use cvefeed::store;
use cvefeed::verify;
use cvefeed_model::advisory::vuln::Rating;
use cvefeed_model::changes::Retention;
use cvefeed_model::render::{BaseUrl, SiteConfig};

/// The official, auto-refreshing Kubernetes CVE feed.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Log format on stderr; the level follows RUST_LOG (default: info).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CVEFEED_LOG_FORMAT")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Flags whose values may hold a secret (a URL with a token in its path,
/// query or user info; a bucket credential): an error about one never
/// repeats the value, whether it came from the command line or from the
/// environment.
const SECRET_FLAGS: &[&str] = &[
    "--build-hook-url",
    "--alert-webhook-url",
    "--out-option",
    "--github-api-url",
    "--github-token",
    "--cve-api-url",
    "--base-url",
    "--feed-url",
    "--webhook-secret",
];

/// Parse the command line; on an error, print it and exit with status 2
/// (0 for `--help` and `--version`). An invalid value of a secret flag is
/// reported by flag name and reason only.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        if let Some(message) = redacted_value_error(&e) {
            eprintln!("{message}");
            std::process::exit(2);
        }
        e.exit()
    })
}

/// The message of a value error about a secret flag, without the value;
/// `None` for every other error.
fn redacted_value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let secret = SECRET_FLAGS.iter().any(|flag| {
        arg.strip_prefix(flag)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '=']))
    });
    if !secret {
        return None;
    }
    let reason = std::error::Error::source(e)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    Some(format!(
        "error: invalid value for '{arg}' (not shown: it may hold a secret){reason}\n\n\
         For more information, try '--help'."
    ))
}

/// `--help` headings, in the order a reader needs them.
const GITHUB: &str = "GitHub";
const OUTPUT: &str = "Output";
const SITE: &str = "Site";
const STORE: &str = "Store (buckets)";
const HOOKS: &str = "Hooks";
const SERVING: &str = "Serving";

/// Environment variables the pipeline reads besides those its flags name
/// (`[env: …]` above them): a macro, so that `concat!` can join it.
macro_rules! pipeline_env {
    () => {
        "\
Environment:
  GITHUB_TOKEN             GitHub token (optional; raises the rate limit; never logged)
  CVEFEED_GITHUB_API_URL, CVEFEED_OUT, CVEFEED_BUILD_HOOK_URLS, CVEFEED_ALERT_WEBHOOK_URL,
  CVEFEED_JOB_URL, CVEFEED_LOG_FORMAT
                           the flags of the same names
  RUST_LOG                 log level and filters (default: info)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT,
  AWS_ALLOW_HTTP, AWS_WEB_IDENTITY_TOKEN_FILE
                           s3:// credentials (else the instance role)
  GOOGLE_APPLICATION_CREDENTIALS
                           gs:// service account (else the metadata server)
  AZURE_STORAGE_ACCOUNT_NAME, AZURE_STORAGE_ACCOUNT_KEY, AZURE_CLIENT_ID, AZURE_TENANT_ID,
  AZURE_CLIENT_SECRET      az:// credentials (else workload identity)
  SSL_CERT_FILE            CA bundle for TLS"
    };
}

/// `cvefeed refresh --help`, after the flags.
const REFRESH_AFTER: &str = concat!(
    "\
Examples:
  cvefeed refresh --from-file examples/issues.json   # offline: publish a saved issues array to ./public
  GITHUB_TOKEN=$(gh auth token) cvefeed refresh      # the real feed from GitHub
  cvefeed refresh --out s3://bucket/cve-feed --base-url https://cve.example.org/
  cvefeed refresh --json | jq .added                  # every id, for scripts
Then open ./public/index.html, or run: cvefeed serve --out ./public

",
    pipeline_env!()
);

/// `cvefeed serve --help`, after the flags.
const SERVE_AFTER: &str = concat!(
    "\
Examples:
  cvefeed serve --out ./public                        # http://127.0.0.1:8080/, refreshed every 10m
  cvefeed serve --from-file issues.json --refresh-interval 0 --out ./public
  CVEFEED_WEBHOOK_SECRET=... cvefeed serve --listen 0.0.0.0:8080 --base-url https://cve.example.org/

",
    pipeline_env!(),
    "\n  CVEFEED_LISTEN           --listen
  CVEFEED_WEBHOOK_SECRET   the webhook secret (prefer --webhook-secret-file; never logged)"
);

/// Start logging to stderr.
pub fn init_logging(format: LogFormat) {
    // By default object_store's retries stay quiet: the error that ends
    // the run says what failed (RUST_LOG=info,object_store=info shows them).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,object_store=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the labelled issues and publish the feed, if anything changed.
    Refresh(Box<RefreshArgs>),
    /// Serve the published feed over HTTP and keep it fresh.
    Serve(Box<ServeArgs>),
    /// Check Kubernetes versions, or a running cluster, against the feed.
    Check(CheckArgs),
    /// Verify a publication: the signature of manifest.json, then every
    /// object it lists. Exit 0 intact, 1 mismatch, 2 error.
    Verify(VerifyArgs),
    /// Write a new signing key pair (cvefeed.key, cvefeed.pub).
    Keygen(KeygenArgs),
}

impl Command {
    /// Run the command; the exit code follows the documented contract.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Refresh(args) => args.run().await,
            Command::Serve(args) => args.run().await,
            Command::Check(args) => args.run().await,
            Command::Verify(args) => args.run().await,
            Command::Keygen(args) => args.run(),
        }
    }
}

/// Where the issues come from and where the feed goes.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// GitHub API base URL. A user name and password in it are sent as
    /// basic authentication and never shown.
    #[arg(
        long,
        env = "CVEFEED_GITHUB_API_URL",
        default_value = "https://api.github.com",
        value_parser = parse_api_url,
        help_heading = GITHUB
    )]
    pub github_api_url: url::Url,

    /// Repository to read, OWNER/NAME (repeatable).
    #[arg(long = "repo", default_value = "kubernetes/kubernetes", help_heading = GITHUB)]
    pub repos: Vec<RepoName>,

    /// Label that marks an official CVE issue.
    #[arg(long, default_value = "official-cve-feed", help_heading = GITHUB)]
    pub label: String,

    /// Read issues from a saved JSON array instead of GitHub (offline).
    #[arg(long, value_name = "ISSUES.json", help_heading = GITHUB)]
    pub from_file: Option<PathBuf>,

    /// GitHub token (optional; raises the rate limit). Never logged.
    #[arg(long, env = "GITHUB_TOKEN", hide_env_values = true, hide = true, help_heading = GITHUB)]
    pub github_token: Option<String>,

    /// Timeout of one GitHub request, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = parse_timeout, help_heading = GITHUB)]
    pub github_timeout: Duration,

    /// Retries of a GitHub request after a transport error or 5xx.
    #[arg(long, default_value_t = 3, help_heading = GITHUB)]
    pub github_retries: u32,

    /// First retry delay; it doubles with each retry.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration, help_heading = GITHUB)]
    pub github_backoff: Duration,

    /// Longest total wait for a GitHub rate limit to reset before failing.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration, help_heading = GITHUB)]
    pub max_rate_limit_wait: Duration,

    /// Most rate-limit waits for one GitHub page before failing (each wait
    /// lasts at least a second).
    #[arg(long, default_value_t = 10, help_heading = GITHUB)]
    pub max_rate_limit_retries: u32,

    /// Largest GitHub listing page accepted, e.g. 32MiB; a larger one fails
    /// the run.
    #[arg(long, default_value = "32MiB", value_parser = parse_bytes, help_heading = GITHUB)]
    pub github_max_page_bytes: u64,

    /// Largest total of the GitHub listing pages of one run, e.g. 256MiB.
    #[arg(long, default_value = "256MiB", value_parser = parse_bytes, help_heading = GITHUB)]
    pub github_max_total_bytes: u64,
}

/// An API base: an http(s) URL without query or fragment (a query
/// could only carry a secret, which belongs in GITHUB_TOKEN).
fn parse_api_url(s: &str) -> Result<url::Url, String> {
    let url = parse_http_url(s)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the API base takes no query or fragment; put a token in GITHUB_TOKEN".into());
    }
    Ok(url)
}

/// The CVE Services API base: an http(s) URL without user name, password,
/// query or fragment. The API takes no authentication, and every log line
/// about a record shows its URL.
fn parse_cve_api_url(s: &str) -> Result<url::Url, String> {
    let url = parse_http_url(s)?;
    if cverecords::carries_secrets(&url) {
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
fn parse_bytes(s: &str) -> Result<u64, String> {
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

/// Where the CNA's CVE records come from.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// CVE Services API base, asked `GET {URL}/cve/{id}` without
    /// authentication [default: https://cveawg.mitre.org/api; with
    /// --from-file, only when given].
    #[arg(long, env = "CVEFEED_CVE_API_URL", value_name = "URL", value_parser = parse_cve_api_url)]
    pub cve_api_url: Option<url::Url>,

    /// Read the CVE records from this directory instead (the
    /// CVEProject/cvelistV5 layout cves/YYYY/Nxxx/ID.json, or ID.json files).
    #[arg(long, value_name = "DIR", conflicts_with = "cve_api_url")]
    pub cve_records: Option<PathBuf>,

    /// Read no CVE records: no gap is filled, no audit is made.
    #[arg(long, conflicts_with_all = ["cve_api_url", "cve_records"])]
    pub no_cve_records: bool,

    /// Timeout of one CVE Services API request.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub cve_record_timeout: Duration,

    /// Retries of a CVE record request after a transport error or 5xx.
    #[arg(long, default_value_t = 3)]
    pub cve_record_retries: u32,

    /// First CVE record retry delay; it doubles with each retry.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub cve_record_backoff: Duration,

    /// CVE record requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub cve_record_concurrency: u16,

    /// A cached CVE record younger than this is not asked for again.
    #[arg(long, default_value = "6h", value_parser = humantime::parse_duration)]
    pub cve_record_max_age: Duration,

    /// Longest time for all the CVE record requests of a run; the records
    /// still pending then are failures, taken from the cache.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub cve_record_deadline: Duration,

    /// The audit reports a CVE record older than its issue's last edit by
    /// more than this.
    #[arg(long, default_value = "30days", value_parser = humantime::parse_duration)]
    pub cve_record_max_lag: Duration,
}

impl RecordArgs {
    /// The record source: off, a directory, or the API (by default, unless
    /// the issues come from a file: an offline run stays offline).
    fn source(&self, offline: bool) -> anyhow::Result<RecordSource> {
        if self.no_cve_records {
            return Ok(RecordSource::Off);
        }
        if let Some(dir) = &self.cve_records {
            return Ok(RecordSource::Dir(dir.clone()));
        }
        let url = match (&self.cve_api_url, offline) {
            (Some(url), _) => url.clone(),
            (None, true) => return Ok(RecordSource::Off),
            (None, false) => cverecords::DEFAULT_API_URL
                .parse()
                .expect("the default API URL is valid"),
        };
        let mut config = cverecords::ApiConfig::new(url);
        config.timeout = self.cve_record_timeout;
        config.retries = self.cve_record_retries;
        config.backoff = self.cve_record_backoff;
        config.concurrency = usize::from(self.cve_record_concurrency);
        config.max_age = self.cve_record_max_age;
        config.deadline = self.cve_record_deadline;
        Ok(RecordSource::Api(
            cverecords::Client::new(config).context("setting up the CVE Services API client")?,
        ))
    }
}

/// Names and URLs the feed is published under.
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// Feed title.
    #[arg(long, default_value_t = SiteConfig::default().title, help_heading = SITE)]
    pub title: String,
    /// Feed description.
    #[arg(long, default_value_t = SiteConfig::default().description, help_heading = SITE)]
    pub description: String,
    /// Home page of the feed.
    #[arg(long, default_value_t = SiteConfig::default().home_page_url, help_heading = SITE)]
    pub home_page_url: String,
    /// Public URL of the published directory; object links are built from it.
    #[arg(long, default_value_t = SiteConfig::default().base_url, help_heading = SITE)]
    pub base_url: BaseUrl,
    /// Public URL of index.json [default: BASE_URL + index.json].
    #[arg(long, help_heading = SITE)]
    pub feed_url: Option<url::Url>,
    /// Link to the refresh job, published as _kubernetes_io.feed_refresh_job.
    #[arg(long, default_value_t = SiteConfig::default().feed_refresh_job, help_heading = SITE)]
    pub feed_refresh_job: String,
}

impl SiteArgs {
    fn config(self) -> SiteConfig {
        SiteConfig {
            feed_url: self.feed_url.unwrap_or_else(|| self.base_url.feed_url()),
            base_url: self.base_url,
            title: self.title,
            description: self.description,
            home_page_url: self.home_page_url,
            feed_refresh_job: self.feed_refresh_job,
            ..SiteConfig::default()
        }
    }
}

/// Everything the refresh pipeline needs: shared by `refresh` and `serve`.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub records: RecordArgs,

    /// Where to publish: a directory, file:///path, gs://bucket/prefix,
    /// s3://bucket/prefix or az://container/prefix.
    #[arg(long, default_value = "./public", env = "CVEFEED_OUT", help_heading = OUTPUT)]
    pub out: String,

    /// Bucket client setting KEY=VALUE (repeatable), e.g.
    /// aws_endpoint=http://127.0.0.1:9000; see the README. Values are never logged.
    #[arg(long = "out-option", value_name = "KEY=VALUE", value_parser = parse_key_value, help_heading = STORE)]
    pub out_options: Vec<KeyValue>,

    /// Cache-Control of the feeds, the page and the OSV records (buckets).
    #[arg(long, default_value_t = store::CachePolicy::default().content, help_heading = STORE)]
    pub cache_control: String,

    /// Cache-Control of manifest.json and status.json (buckets).
    #[arg(long, default_value_t = store::CachePolicy::default().bookkeeping, help_heading = STORE)]
    pub bookkeeping_cache_control: String,

    /// Lifetime of the bucket publish lease; renewed while a publish runs,
    /// it bounds how long a crashed refresher blocks others.
    #[arg(long, default_value = "5m", value_parser = parse_timeout, help_heading = STORE)]
    pub lock_ttl: Duration,

    /// Also write official-cve-feed.json and cve-feed-hash, the layout the
    /// upstream bucket had, so existing readers keep working.
    #[arg(long, help_heading = OUTPUT)]
    pub compat_k8s_bucket: bool,

    /// Also write NAME.gz and NAME.br beside every text object (listed in
    /// manifest.json as its encodings), for static hosts' gzip_static and
    /// brotli_static.
    #[arg(long, help_heading = OUTPUT)]
    pub precompress: bool,

    /// POST here after a publish that changed something (repeatable; the
    /// env variable takes a comma-separated list). A secret: never logged.
    #[arg(
        long = "build-hook-url",
        value_name = "URL",
        env = "CVEFEED_BUILD_HOOK_URLS",
        value_delimiter = ',',
        hide_env_values = true, help_heading = HOOKS)]
    pub build_hook_urls: Vec<SecretUrl>,

    /// File of build hook URLs, one per line (# comments allowed).
    #[arg(long, value_name = "FILE", help_heading = HOOKS)]
    pub build_hook_urls_file: Option<PathBuf>,

    /// POST a JSON alert (with a Slack-compatible `text`) here when a
    /// refresh fails. A secret: never logged.
    #[arg(
        long,
        value_name = "URL",
        env = "CVEFEED_ALERT_WEBHOOK_URL",
        hide_env_values = true, help_heading = HOOKS)]
    pub alert_webhook_url: Option<SecretUrl>,

    /// Link to this job's runs, put in the alert [default: --feed-refresh-job].
    #[arg(long, env = "CVEFEED_JOB_URL", help_heading = HOOKS)]
    pub job_url: Option<String>,

    /// Retries of a hook or alert POST after a transport error, 429 or 5xx.
    #[arg(long, default_value_t = 3, help_heading = HOOKS)]
    pub hook_retries: u32,

    /// First hook retry delay; it doubles with each retry.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration, help_heading = HOOKS)]
    pub hook_backoff: Duration,

    /// Timeout of one hook POST.
    #[arg(long, default_value = "10s", value_parser = parse_timeout, help_heading = HOOKS)]
    pub hook_timeout: Duration,

    /// Publish even if published items would disappear.
    #[arg(long, help_heading = OUTPUT)]
    pub allow_shrink: bool,

    /// How many published items may disappear without --allow-shrink.
    #[arg(long, default_value_t = 0, help_heading = OUTPUT)]
    pub shrink_tolerance: usize,

    /// How long to wait for another refresher to finish.
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration, help_heading = STORE)]
    pub lock_wait: Duration,

    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Signing and the change log.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Sign each new manifest.json with this PKCS#8 PEM private key
    /// (ECDSA P-256), publishing manifest.json.sig. Never logged.
    #[arg(long, value_name = "PATH", env = "CVEFEED_SIGNING_KEY_FILE")]
    pub signing_key: Option<PathBuf>,

    /// Also publish the public key as cvefeed.pub (consumers must still pin
    /// the key from a trusted channel, not from the same bucket).
    #[arg(long, requires = "signing_key")]
    pub publish_public_key: bool,

    /// Events changes.json always keeps (the newest).
    #[arg(long, value_name = "N", default_value_t = Retention::default().events)]
    pub changes_keep_events: usize,

    /// Age under which changes.json keeps every event, e.g. 730d.
    #[arg(long, value_name = "DURATION", default_value = "730d", value_parser = humantime::parse_duration)]
    pub changes_keep_for: Duration,
}

impl TrustArgs {
    /// Read the signing key (before anything is fetched) and refuse one
    /// that lies inside the published directory `out`.
    fn trust(&self, out: &str) -> anyhow::Result<Trust> {
        let signer = match &self.signing_key {
            Some(path) => {
                keys::ensure_outside(path, out)?;
                let signer = keys::read_signing_key(path)?;
                tracing::info!(key = %signer.public_key().fingerprint(), "signing each new manifest");
                Some(signer)
            }
            None => None,
        };
        let age = chrono::Duration::from_std(self.changes_keep_for)
            .context("--changes-keep-for is too long")?;
        Ok(Trust {
            signer,
            publish_public_key: self.publish_public_key,
            retention: Retention {
                events: self.changes_keep_events,
                age,
            },
        })
    }
}

impl PipelineArgs {
    /// Open the store and build the pipeline configuration.
    pub fn open(self) -> anyhow::Result<(Box<dyn store::Store>, RefreshConfig)> {
        let trust = self.trust.trust(&self.out)?;
        let options = store::OpenOptions {
            config: bucket_config(&self.out_options),
            cache: store::CachePolicy {
                content: self.cache_control.clone(),
                bookkeeping: self.bookkeeping_cache_control.clone(),
            },
            lease_ttl: self.lock_ttl,
        };
        let store = store::open_with(&self.out, &options)?;
        let mut build = self.build_hook_urls.clone();
        if let Some(file) = &self.build_hook_urls_file {
            build.extend(hooks::read_url_file(file)?);
        }
        let site = self.site.config();
        let hooks = Hooks {
            build,
            alert: self.alert_webhook_url.clone().map(|url| hooks::Alert {
                url,
                job_url: self
                    .job_url
                    .clone()
                    .unwrap_or_else(|| site.feed_refresh_job.clone()),
            }),
            retry: hooks::RetryPolicy {
                retries: self.hook_retries,
                backoff: self.hook_backoff,
                timeout: self.hook_timeout,
            },
        };
        let config = RefreshConfig {
            source: self.source.source()?,
            repos: self.source.repos.clone(),
            label: self.source.label.clone(),
            site,
            allow_shrink: self.allow_shrink,
            shrink_tolerance: self.shrink_tolerance,
            lock_wait: self.lock_wait,
            compat_k8s_bucket: self.compat_k8s_bucket,
            precompress: self.precompress,
            hooks,
            records: self.records.source(self.source.from_file.is_some())?,
            record_max_lag: self.records.cve_record_max_lag,
            trust,
        };
        Ok((store, config))
    }
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
fn bucket_config(options: &[KeyValue]) -> Vec<(String, String)> {
    options
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .collect()
}

fn parse_key_value(s: &str) -> Result<KeyValue, String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok(KeyValue {
            key: k.trim().to_string(),
            value: v.to_string(),
        }),
        _ => Err("expected KEY=VALUE".into()),
    }
}

/// `cvefeed refresh`.
#[derive(Debug, Args)]
#[command(after_help = REFRESH_AFTER)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    /// Print the summary as JSON on stdout.
    #[arg(long, help_heading = OUTPUT)]
    pub json: bool,

    /// Exit with status 3 when a build hook fails (the publish stands).
    #[arg(long, help_heading = HOOKS)]
    pub strict_hooks: bool,
}

/// Exit status of `refresh` when it published but a build hook failed and
/// `--strict-hooks` was given.
const EXIT_HOOK_FAILED: u8 = 3;

impl SourceArgs {
    fn source(&self) -> anyhow::Result<Source> {
        if let Some(path) = &self.from_file {
            return Ok(Source::File(path.clone()));
        }
        let token = self.github_token.clone().and_then(Token::new);
        let mut config = github::ClientConfig::new(self.github_api_url.clone(), token);
        config.timeout = self.github_timeout;
        config.retries = self.github_retries;
        config.backoff = self.github_backoff;
        config.max_rate_limit_wait = self.max_rate_limit_wait;
        config.max_rate_limit_retries = self.max_rate_limit_retries;
        config.max_page_bytes = self.github_max_page_bytes;
        config.max_total_bytes = self.github_max_total_bytes;
        Ok(Source::Github(
            github::Client::new(config).context("setting up the GitHub client")?,
        ))
    }
}

impl RefreshArgs {
    async fn run(self) -> anyhow::Result<ExitCode> {
        let out = self.pipeline.out.clone();
        let (store, config) = self.pipeline.open()?;
        let summary = publish::refresh(store.as_ref(), &config, now())
            .await
            .with_context(|| {
                format!(
                    "refresh of {} failed; nothing was published",
                    store.location()
                )
            })?;
        let line = if self.json {
            serde_json::to_string(&summary)?
        } else {
            let mut text = summary.line();
            if summary.outcome == publish::Outcome::Published && store::is_local(&out) {
                let dir = summary.location.trim_end_matches('/');
                text.push_str(&format!(
                    "\nopen {dir}/index.html in a browser, or serve it: cvefeed serve --out {dir}"
                ));
            }
            text
        };
        print_summary(&line);
        let failed = summary.failed_hooks();
        if self.strict_hooks && !failed.is_empty() {
            eprintln!(
                "error: the feed was published, but {} build hook(s) failed: {} (--strict-hooks)",
                failed.len(),
                failed.join(", ")
            );
            return Ok(ExitCode::from(EXIT_HOOK_FAILED));
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Print the summary line of a run that already ended. A closed or
/// failing stdout (`refresh --json | head -c 10`) must not change the exit
/// status of a run that published, nor panic as `println!` does: the
/// error is logged and the run's status stands.
fn print_summary(line: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        tracing::warn!(error = %e, "cannot print the summary on stdout");
    }
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    /// A table for people.
    Text,
    /// JSON for scripts.
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

/// `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    /// Any affected CVE.
    Any,
    /// Rated low or above (or unrated).
    Low,
    /// Rated medium or above (or unrated).
    Medium,
    /// Rated high or above (or unrated).
    High,
    /// Rated critical (or unrated).
    Critical,
}

impl From<CheckFormat> for check::report::Format {
    fn from(f: CheckFormat) -> Self {
        match f {
            CheckFormat::Text => check::report::Format::Text,
            CheckFormat::Json => check::report::Format::Json,
            CheckFormat::Sarif => check::report::Format::Sarif,
        }
    }
}

impl FailOn {
    fn threshold(self) -> Option<Rating> {
        match self {
            FailOn::Any => None,
            FailOn::Low => Some(Rating::Low),
            FailOn::Medium => Some(Rating::Medium),
            FailOn::High => Some(Rating::High),
            FailOn::Critical => Some(Rating::Critical),
        }
    }
}

/// The exit statuses of `cvefeed check`, for `check --help` (the README
/// has the same table).
const CHECK_EXIT_STATUSES: &str = "\
Exit status:
  0  nothing affected at or above --fail-on (ignored results do not count)
  1  affected at or above --fail-on, or unknown with --fail-on-unknown
  2  a usage error (unknown component, invalid version, bad ignore file)
     or a runtime failure (feed or cluster unreadable)";

/// `cvefeed check`.
#[derive(Debug, Args)]
#[command(after_help = CHECK_EXIT_STATUSES)]
pub struct CheckArgs {
    /// Feed to check against (repeatable): a published directory or
    /// file:///path, an index.json file, or an http(s) URL of an index.json
    /// or of its directory (ending in /).
    #[arg(long = "feed", value_name = "LOCATION", default_value = check::source::DEFAULT_FEED)]
    pub feeds: Vec<String>,

    /// Installed version(s): VERSION (a full version such as 1.30.4) for
    /// every core component, or COMPONENT=VERSION (kubelet=1.29.3,
    /// ingress-nginx=1.11.2). Without --version nor --kubeconfig, the
    /// default kubeconfig (or the in-cluster service account) is read.
    #[arg(long = "version", value_name = "[COMPONENT=]VERSION", num_args = 1..)]
    pub versions: Vec<String>,

    /// Read the versions and the workload images from the cluster of this
    /// kubeconfig.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Exit 1 only for affected CVEs rated at or above this; unrated
    /// affected CVEs count at every threshold.
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,

    /// Exit 1 also when a CVE could not be assessed for a component that
    /// was checked (not for components that were not found).
    #[arg(long)]
    pub fail_on_unknown: bool,

    /// Exit 1 also when a target runs a Kubernetes minor release past its
    /// end of life (reported in every case).
    #[arg(long)]
    pub fail_on_end_of_life: bool,

    /// YAML list of accepted CVEs: {id, component?, reason, expires?
    /// (YYYY-MM-DD)}. Ignored results are reported as ignored, with their
    /// reason, and do not fail the check.
    #[arg(long, value_name = "PATH")]
    pub ignore_file: Option<PathBuf>,

    /// Ignore affected CVEs for which no fix exists (as trivy does).
    #[arg(long)]
    pub ignore_unfixed: bool,

    /// List every result, not only the affected ones.
    #[arg(long)]
    pub all: bool,

    /// Cache of fetched feeds and their ETags [default:
    /// $XDG_CACHE_HOME/cvefeed, else ~/.cache/cvefeed].
    #[arg(long, env = "CVEFEED_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Use the cached copy of URL feeds only; never touch the network.
    #[arg(long)]
    pub offline: bool,

    /// Timeout of the feed download, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub feed_timeout: Duration,

    /// The largest feed read, in MiB (from a URL, a file or a directory).
    #[arg(long, value_name = "MIB", default_value_t = check::source::DEFAULT_MAX_FEED_SIZE >> 20)]
    pub max_feed_size: u64,

    /// Trust a feed only if the manifest.json beside it is signed by this
    /// public key (PEM) and names the feed's exact bytes.
    #[arg(long, value_name = "PUB")]
    pub verify_key: Option<PathBuf>,
}

impl CheckArgs {
    fn options(self) -> anyhow::Result<check::CheckOptions> {
        let verify_key = self
            .verify_key
            .as_deref()
            .map(keys::read_public_key)
            .transpose()?;
        let wanted = self.kubeconfig.is_some() || self.context.is_some();
        let cluster = wanted.then_some(check::workflow::ClusterSource {
            kubeconfig: self.kubeconfig,
            context: self.context,
        });
        Ok(check::CheckOptions {
            feeds: self.feeds,
            targets: check::Targets {
                versions: self.versions,
                cluster,
            },
            fetch: check::source::FetchOptions {
                cache_dir: self.cache_dir.or_else(check::workflow::default_cache_dir),
                timeout: self.feed_timeout,
                max_size: self.max_feed_size.saturating_mul(1024 * 1024),
                offline: self.offline,
            },
            fail_on: self.fail_on.threshold(),
            fail_on_unknown: self.fail_on_unknown,
            fail_on_end_of_life: self.fail_on_end_of_life,
            ignore: check::workflow::IgnoreOptions {
                file: self.ignore_file,
                unfixed: self.ignore_unfixed,
            },
            today: chrono::Utc::now().date_naive(),
            verify_key,
        })
    }

    async fn run(self) -> anyhow::Result<ExitCode> {
        let (format, all) = (self.format.into(), self.all);
        let report = check::run(&self.options()?).await?;
        let output = check::report::render(&report, format, all);
        print!("{}", output.stdout);
        output.stderr.iter().for_each(|line| eprintln!("{line}"));
        Ok(ExitCode::from(report.exit_status()))
    }
}

/// `cvefeed verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The pinned public key (PEM), from a trusted channel.
    #[arg(long, value_name = "PUB")]
    pub key: PathBuf,

    /// The publication: a directory, file:///path, a bucket
    /// (gs://, s3://, az://) or the http(s) URL of the published directory.
    #[arg(value_name = "LOCATION")]
    pub location: String,

    /// Accept a publication without manifest.json.sig (its objects are
    /// still checked against the manifest).
    #[arg(long)]
    pub allow_unsigned: bool,

    /// Bucket client setting KEY=VALUE (repeatable), as for refresh.
    #[arg(long = "out-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub out_options: Vec<KeyValue>,

    /// Readings before a mismatch is reported (a publish in flight can
    /// show one for a moment).
    #[arg(long, default_value_t = 3)]
    pub attempts: u32,

    /// Pause between readings.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub retry_delay: Duration,

    /// Timeout of one HTTP request.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

impl VerifyArgs {
    async fn run(self) -> anyhow::Result<ExitCode> {
        let key = keys::read_public_key(&self.key)?;
        let options = store::OpenOptions {
            config: bucket_config(&self.out_options),
            ..store::OpenOptions::default()
        };
        let location = verify::Location::open(&self.location, &options, self.timeout)?;
        let report = verify::verify(
            &location,
            &verify::VerifyOptions {
                key,
                allow_unsigned: self.allow_unsigned,
                attempts: self.attempts,
                retry_delay: self.retry_delay,
            },
        )
        .await
        .with_context(|| format!("cannot verify {}", location.describe()))?;
        for line in report.lines() {
            println!("{line}");
        }
        Ok(ExitCode::from(report.exit_status()))
    }
}

/// `cvefeed keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory to write cvefeed.key (mode 0600) and cvefeed.pub into;
    /// created (mode 0700) if missing. Existing keys are never overwritten.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl KeygenArgs {
    fn run(self) -> anyhow::Result<ExitCode> {
        let pair = keys::keygen(&self.out)?;
        println!(
            "private key: {} (keep it secret; give it to refresh with --signing-key)",
            pair.private.display()
        );
        println!(
            "public key:  {} ({})",
            pair.public.display(),
            pair.fingerprint
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// The current time, to the second: every published time is whole seconds.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)
}

/// `cvefeed serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_AFTER)]
pub struct ServeArgs {
    /// Address to listen on (use 127.0.0.1:0 for any free port; the bound
    /// address is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080", env = "CVEFEED_LISTEN", help_heading = SERVING)]
    pub listen: String,

    /// Time between scheduled refreshes, jittered by ±10%; 0 turns them off.
    #[arg(long, default_value = "10m", value_parser = parse_duration, help_heading = SERVING)]
    pub refresh_interval: Duration,

    /// Time between reloads of the published set from --out (to pick up
    /// other writers); 0 turns them off.
    #[arg(long, default_value = "30s", value_parser = parse_duration, help_heading = SERVING)]
    pub reload_interval: Duration,

    /// /readyz?strict fails when the last successful refresh is older (plain
    /// /readyz only needs a loaded feed, whatever its age); 0 disables.
    #[arg(long, default_value = "1h", value_parser = parse_duration, help_heading = SERVING)]
    pub max_staleness: Duration,

    /// File holding the GitHub webhook secret; enables POST /hooks/github.
    #[arg(long, value_name = "PATH", help_heading = SERVING)]
    pub webhook_secret_file: Option<PathBuf>,

    /// The webhook secret itself (prefer the file). Never logged.
    #[arg(
        long,
        env = "CVEFEED_WEBHOOK_SECRET",
        hide_env_values = true,
        hide = true, help_heading = SERVING)]
    pub webhook_secret: Option<String>,

    /// A webhook-triggered refresh starts after this much quiet...
    #[arg(long, default_value = "1s", value_parser = parse_duration, help_heading = SERVING)]
    pub webhook_debounce: Duration,

    /// ...or at the latest this long after the first delivery of a burst.
    #[arg(long, default_value = "3s", value_parser = parse_duration, help_heading = SERVING)]
    pub webhook_max_delay: Duration,

    /// Cache-Control max-age of published objects (status.json: no-cache).
    #[arg(long, default_value = "60s", value_parser = parse_duration, help_heading = SERVING)]
    pub cache_max_age: Duration,

    /// Longest time one request may take (answered 408 after).
    #[arg(long, default_value = "30s", value_parser = parse_timeout, help_heading = SERVING)]
    pub request_timeout: Duration,

    /// On SIGTERM, longest wait for in-flight requests.
    #[arg(long, default_value = "30s", value_parser = parse_duration, help_heading = SERVING)]
    pub shutdown_timeout: Duration,

    // The pipeline's flags come after serve's own, in --help too.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// A duration such as `10m` or `1s`; a bare `0` means zero.
fn parse_duration(s: &str) -> Result<Duration, humantime::DurationError> {
    if s.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(s)
}

/// A timeout or a lease lifetime: a duration longer than zero (zero would
/// fail every request, or every webhook delivery, at once, or let a lease
/// expire as it is taken).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    match parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be longer than zero".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}

impl ServeArgs {
    fn secret(&self) -> anyhow::Result<Option<serve::webhook::Secret>> {
        Ok(match &self.webhook_secret_file {
            Some(path) => Some(serve::webhook::Secret::read(path)?),
            None => self
                .webhook_secret
                .as_deref()
                .and_then(serve::webhook::Secret::new),
        })
    }

    async fn run(self) -> anyhow::Result<ExitCode> {
        let webhook_secret = self.secret()?;
        if webhook_secret.is_none() {
            tracing::info!("no webhook secret configured: POST /hooks/github answers 404");
        }
        let options = serve::ServeOptions {
            refresh_interval: self.refresh_interval,
            reload_interval: self.reload_interval,
            max_staleness: self.max_staleness,
            debounce_quiet: self.webhook_debounce,
            debounce_max: self.webhook_max_delay,
            cache_max_age: self.cache_max_age,
            request_timeout: self.request_timeout,
            shutdown_timeout: self.shutdown_timeout,
            webhook_secret,
            ..serve::ServeOptions::default()
        };
        let (store, config) = self.pipeline.open()?;
        let app = Arc::new(serve::App::new(Arc::from(store), config, options));
        let listener = serve::bind(&self.listen).await?;
        let addr = listener.local_addr().context("reading the bound address")?;
        tracing::info!(%addr, "listening");
        println!("listening on http://{addr}");
        std::io::stdout().flush().context("writing to stdout")?;
        serve::run(app, listener, shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_or_lease_of_zero_is_refused() {
        let parse = |args: &[&str]| Cli::try_parse_from(["cvefeed"].iter().chain(args));
        let verify = ["verify", "--key", "k.pub", "./public"];
        let cases: [(&[&str], &str); 7] = [
            (&["serve"], "--request-timeout"),
            (&["serve"], "--github-timeout"),
            (&["serve"], "--cve-record-timeout"),
            (&["serve"], "--hook-timeout"),
            (&["refresh"], "--lock-ttl"),
            (&["check"], "--feed-timeout"),
            (&verify, "--timeout"),
        ];
        for (command, flag) in cases {
            for zero in ["0", "0s", "0ms"] {
                let e = parse(&[command, &[flag, zero]].concat()).unwrap_err();
                assert_eq!(
                    e.kind(),
                    clap::error::ErrorKind::ValueValidation,
                    "{flag} {zero}: {e}"
                );
                assert!(e.to_string().contains("must be longer than zero"), "{e}");
            }
            assert!(parse(&[command, &[flag, "1s"]].concat()).is_ok(), "{flag}");
        }
    }
}
