//! The flags of the refresh pipeline, shared by `refresh` and `serve`:
//! where issues and CVE records come from, the site, the store, hooks,
//! signing and the change log, mapped onto `RefreshConfig`. Running the
//! pipeline is `publish`'s.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use cvefeed::cverecords::{self, RecordSource};
use cvefeed::github::{self, RepoName, Token};
use cvefeed::hooks::{self, Hooks, SecretUrl};
use cvefeed::keys;
use cvefeed::publish::{RefreshConfig, Source, Trust};
use cvefeed::store;
use cvefeed_model::changes::Retention;
use cvefeed_model::render::{BaseUrl, SiteConfig};

use super::values::{
    KeyValue, bucket_config, parse_api_url, parse_bytes, parse_cve_api_url, parse_key_value,
    parse_timeout,
};
use super::{GITHUB, HOOKS, OUTPUT, SITE, STORE};

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
// A path for the `--help` texts of `refresh` and `serve`.
pub(super) use pipeline_env;

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
    /// aws_endpoint=http://127.0.0.1:9000; see docs/publishing.md. Values are never logged.
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
