//! `cvefeed check`: is a Kubernetes version, or a running cluster, affected
//! by an official CVE?
//!
//! - [`version`]: installed versions (vendor suffixes) and range matching.
//! - [`component`]: which component a name or Go module denotes.
//! - [`source`]: reading a feed (store, file, URL with an ETag cache) into
//!   [`FeedEntry`] values, with the body parser as fallback.
//! - [`cluster`]: reading versions and workload images from a cluster.
//! - [`ignore`]: the ignore file and `--ignore-unfixed`.
//! - [`report`]: the report, its exit status, and its text, JSON and SARIF
//!   output.
//! - [`workflow`]: one whole check ([`run`]): targets, feeds, verdicts,
//!   ignores, remediation, report.
//!
//! This module owns the verdict rules ([`assess`]), the remediation rule
//! ([`remediate`]) and the exit rule ([`fails`]); all are pure. It never
//! publishes or changes a feed.

pub mod cluster;
pub mod ignore;
pub mod report;
pub mod source;
pub mod workflow;

pub use cvefeed_model::check::{
    CheckResult, Cleared, FeedEntry, FixNews, FixState, Installed, InstalledVersion,
    InvalidVersion, Origin, RangeData, Remediation, Scope, SeverityInfo, SourceClaim, Target,
    TargetError, UnknownReason, Verdict, assess, component, fails, remediate, sort_results,
    version,
};
pub use workflow::{CheckOptions, Targets, run};

/// Why a check could not run. Messages say what failed, on which input,
/// and what to do; the cause is the error's source.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A `--version` argument is not a target.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// A version the cluster reports cannot be compared.
    #[error(transparent)]
    Version(#[from] InvalidVersion),
    /// The ignore file cannot be used (its error names it).
    #[error(transparent)]
    Ignore(#[from] ignore::IgnoreError),
    /// The HTTP client for feed downloads cannot be built.
    #[error("cannot set up the HTTP client for feed downloads")]
    HttpClient(#[source] reqwest::Error),
    /// The feed URL could not be fetched.
    #[error(
        "cannot fetch the feed {url} (check the URL and the network, or pass --feed with a local copy)"
    )]
    FeedFetch {
        /// The URL, redacted ([`source::redacted_url`]).
        url: String,
        /// The cause (without the URL, named above).
        source: reqwest::Error,
    },
    /// The feed server answered 304 to a request that allowed none.
    #[error(
        "the feed {url} answered 304 Not Modified to a request without If-None-Match; \
         the server is misbehaving: pass --feed with a local copy"
    )]
    FeedNotModified {
        /// The URL, redacted ([`source::redacted_url`]).
        url: String,
    },
    /// A feed is larger than the size limit.
    #[error(
        "the feed {location} is larger than {limit} bytes (--max-feed-size); \
         it was not read: raise the limit if the feed really is that large"
    )]
    FeedTooLarge {
        /// Where it came from.
        location: String,
        /// The limit.
        limit: u64,
    },
    /// `--offline` was given and no cached copy exists.
    #[error(
        "--offline: there is no cached copy of the feed {url} in the cache directory; \
         run once with network access, or pass --feed with a local copy"
    )]
    NoCachedCopy {
        /// The URL, redacted ([`source::redacted_url`]).
        url: String,
    },
    /// The feed URL answered with an error status.
    #[error("the feed {url} answered HTTP {status}; check the URL")]
    FeedStatus {
        /// The URL, redacted ([`source::redacted_url`]).
        url: String,
        /// The status code.
        status: u16,
    },
    /// `--feed` looks like a URL but is not one.
    #[error("{location} is not a valid feed URL")]
    FeedUrl {
        /// What was given, without what looks like credentials.
        location: String,
        /// The parse error.
        source: url::ParseError,
    },
    /// A feed file could not be read.
    #[error("cannot read the feed {location}")]
    FeedRead {
        /// The file.
        location: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A published store could not be opened or read (its error names it).
    #[error("cannot read the feed")]
    FeedStore(#[source] crate::store::StoreError),
    /// A store holds no `index.json`.
    #[error(
        "{location} holds no index.json: pass a published feed directory, an index.json file or a feed URL"
    )]
    FeedMissing {
        /// The store.
        location: String,
    },
    /// `--verify-key`: the feed is not what its signed manifest names.
    #[error("refusing to use the feed")]
    Untrusted(#[source] crate::verify::Untrusted),
    /// The bytes are not a JSON feed.
    #[error("{location} is not a JSON Feed")]
    FeedParse {
        /// Where it came from.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An item of the feed does not name a CVE id: the feed is refused
    /// rather than checked in part, since a skipped item could concern the
    /// cluster.
    #[error("{location}: item {item} does not name a CVE id; the feed cannot be checked")]
    FeedItemId {
        /// Where the feed came from.
        location: String,
        /// The item's position, from 1.
        item: usize,
        /// Why its id was refused.
        source: cvefeed_model::advisory::InvalidCveId,
    },
    /// The kubeconfig cannot be read.
    #[error("cannot read the kubeconfig {path}")]
    KubeconfigRead {
        /// Its path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No kubeconfig was given and none could be inferred.
    #[error(
        "no cluster to read: $KUBECONFIG and ~/.kube/config are absent and this is not a pod \
         with a service account; pass --kubeconfig PATH or --version VERSION"
    )]
    NoKubeconfig(#[source] kube::config::InferConfigError),
    /// The kubeconfig cannot be used.
    #[error("cannot use the kubeconfig {path}")]
    Kubeconfig {
        /// Its path.
        path: String,
        /// The cause.
        source: kube::config::KubeconfigError,
    },
    /// The cluster did not answer in time ([`cluster::DEADLINE`]).
    #[error(
        "the cluster at {server} did not answer GET /version, list nodes and list pods within {}; \
         check that it is reachable and not overloaded",
        humantime::format_duration(*after)
    )]
    ClusterTimeout {
        /// The API server URL.
        server: String,
        /// How long it was given.
        after: std::time::Duration,
    },
    /// The cluster could not be read.
    #[error(
        "cannot read the cluster at {server} ({step}; check that it is reachable and that the credentials are valid)"
    )]
    Cluster {
        /// The API server URL.
        server: String,
        /// What was being done.
        step: &'static str,
        /// The cause.
        source: kube::Error,
    },
}
