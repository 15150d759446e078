//! `cvefeed check`: its flags mapped onto `CheckOptions`, one call to
//! `check::run`, the report printed and its exit status.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use cvefeed::check;
use cvefeed::keys;
use cvefeed_model::advisory::vuln::Rating;

use super::values::parse_timeout;

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

/// The exit statuses of `cvefeed check`, for `check --help` (docs/check.md,
/// "Exit status", has the same table).
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

    pub(super) async fn run(self) -> anyhow::Result<ExitCode> {
        let (format, all) = (self.format.into(), self.all);
        let report = check::run(&self.options()?).await?;
        let output = check::report::render(&report, format, all);
        print!("{}", output.stdout);
        output.stderr.iter().for_each(|line| eprintln!("{line}"));
        Ok(ExitCode::from(report.exit_status()))
    }
}
