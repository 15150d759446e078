//! `cvefeed check`: is a Kubernetes version, or a running cluster, affected
//! by an official CVE? The shell around the model's rules
//! ([`cvefeed_model::check`]: versions, components, targets, feed entries,
//! [`assess()`], [`remediate()`], [`fails`]), re-exported here.
//!
//! - [`source`]: reading a feed (store, file, URL with an ETag cache); the
//!   model parses its bytes into [`FeedEntry`] values.
//! - [`cluster`]: reading versions and workload images from a cluster.
//! - [`ignore`]: the ignore file and `--ignore-unfixed`.
//! - [`report`]: the report, its exit status, and its text, JSON and SARIF
//!   output, in words.
//! - [`workflow`]: one whole check ([`run`]): targets, feeds, verdicts,
//!   ignores, remediation, report.
//!
//! This module owns [`CheckError`], one variant per edge that can fail. It
//! never publishes or changes a feed.

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

/// Why a check could not run, by the edge that failed: the targets given,
/// a feed, the kubeconfig, the cluster, or the ignore file. Each edge's
/// error enum lives in its module; messages say what failed, on which
/// input, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A `--version` argument is not a target.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// A feed cannot be read, trusted or parsed.
    #[error(transparent)]
    Feed(#[from] source::FeedError),
    /// The kubeconfig cannot be read or used.
    #[error(transparent)]
    Kubeconfig(#[from] cluster::KubeconfigError),
    /// The cluster cannot be read.
    #[error(transparent)]
    Cluster(#[from] cluster::ClusterError),
    /// The ignore file cannot be used (its error names it).
    #[error(transparent)]
    Ignore(#[from] ignore::IgnoreError),
}
