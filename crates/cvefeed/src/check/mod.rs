//! `cvefeed check`: is a Kubernetes version, or a running cluster, affected
//! by an official CVE?
//!
//! - [`version`]: installed versions (vendor suffixes) and range matching.
//! - [`component`]: which component a name or Go module denotes.
//! - [`source`]: reading a feed (store, file, URL with an ETag cache) into
//!   [`FeedEntry`] values, with the body parser as fallback.
//! - [`cluster`]: reading versions from a cluster through a kubeconfig.
//! - [`report`]: the report, its exit status, and its text, JSON and SARIF
//!   output.
//! - [`workflow`]: one whole check ([`run`]): targets, feeds, verdicts,
//!   report.
//!
//! This module owns the verdict rules ([`assess`]) and the exit threshold
//! ([`fails`]); both are pure. It never publishes or changes a feed.

pub mod cluster;
pub mod component;
pub mod report;
pub mod source;
pub mod version;
pub mod workflow;

use std::cmp::Reverse;
use std::collections::BTreeSet;

use serde::Serialize;

use component::{CoreComponent, Named, classify_entry, classify_name, other_matches};
use cvefeed_model::advisory::vuln::{Affected, Rating, VersionRange};
use cvefeed_model::advisory::{CveId, Status};
pub use version::{InstalledVersion, InvalidVersion};
pub use workflow::{CheckOptions, Targets, run};

/// Why a check could not run. Messages say what failed, on which input,
/// and what to do; the cause is the error's source.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A version string cannot be compared.
    #[error(transparent)]
    Version(#[from] InvalidVersion),
    /// A `--version` argument is malformed.
    #[error(
        "{input:?} is not a target: {reason}; give VERSION for a whole cluster or COMPONENT=VERSION"
    )]
    Target {
        /// The argument.
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client for feed downloads cannot be built.
    #[error("cannot set up the HTTP client for feed downloads")]
    HttpClient(#[source] reqwest::Error),
    /// The feed URL could not be fetched.
    #[error(
        "cannot fetch the feed {url} (check the URL and the network, or pass --feed with a local copy)"
    )]
    FeedFetch {
        /// The URL.
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
        /// The URL.
        url: String,
    },
    /// The feed URL answered with an error status.
    #[error("the feed {url} answered HTTP {status}; check the URL")]
    FeedStatus {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// `--feed` looks like a URL but is not one.
    #[error("{location} is not a valid feed URL")]
    FeedUrl {
        /// What was given.
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
    /// The kubeconfig cannot be used.
    #[error("cannot use the kubeconfig {path}")]
    Kubeconfig {
        /// Its path.
        path: String,
        /// The cause.
        source: kube::config::KubeconfigError,
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

/// Which components a target's version stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// These core components.
    Core(Vec<CoreComponent>),
    /// One component outside core Kubernetes, matched by name.
    Other(String),
}

impl Scope {
    /// Component names, for reports.
    pub fn names(&self) -> Vec<String> {
        match self {
            Scope::Core(cs) => cs.iter().map(|c| c.name().to_string()).collect(),
            Scope::Other(n) => vec![n.clone()],
        }
    }
}

/// One thing checked: components at one installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Short name for reports (`kubernetes`, `kubelet`, `control plane`).
    pub name: String,
    /// The components.
    pub scope: Scope,
    /// The installed version.
    pub version: InstalledVersion,
    /// Where the version came from (`--version`, `API server /version`,
    /// `nodes a, b`).
    pub origin: String,
}

impl Target {
    /// Parse a `--version` argument: `1.29.3` (every core component) or
    /// `COMPONENT=VERSION`.
    pub fn parse(arg: &str) -> Result<Target, CheckError> {
        let bad = |reason: &str| CheckError::Target {
            input: arg.to_string(),
            reason: reason.to_string(),
        };
        let (name, scope, version) = match arg.split_once('=') {
            None => (
                "kubernetes".to_string(),
                Scope::Core(CoreComponent::ALL.to_vec()),
                arg,
            ),
            Some((name, version)) => {
                if name.trim().is_empty() {
                    return Err(bad("the component name before '=' is empty"));
                }
                if version.trim().is_empty() {
                    return Err(bad("the version after '=' is empty"));
                }
                let scope = match classify_name(name) {
                    Named::Kubernetes => Scope::Core(CoreComponent::ALL.to_vec()),
                    Named::Core(c) => Scope::Core(vec![c]),
                    Named::Other(n) => Scope::Other(n),
                };
                (name.trim().to_ascii_lowercase(), scope, version)
            }
        };
        Ok(Target {
            name,
            scope,
            version: version.parse()?,
            origin: "--version".to_string(),
        })
    }
}

/// A CVSS band with its score and vector, as far as known.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityInfo {
    /// The band.
    pub rating: Rating,
    /// The base score.
    pub score: Option<f64>,
    /// The vector.
    pub vector: Option<String>,
}

/// Where an entry's affected ranges came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The feed's structured data.
    Feed,
    /// The body parser, run on the item's description.
    Description,
}

/// The affected ranges of a CVE, or why there are none.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeData {
    /// Affected components and their ranges.
    Known {
        /// The components.
        affected: Vec<Affected>,
        /// Where they came from.
        origin: Origin,
    },
    /// No range information: every target is "unknown" for this CVE.
    Unknown {
        /// Why, in words.
        reason: String,
    },
}

/// One CVE of a feed, as `check` needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// The CVE id.
    pub id: CveId,
    /// The title summary.
    pub summary: String,
    /// The announcement (issue) URL.
    pub url: String,
    /// The feed status, when published (and known to this version).
    pub status: Option<Status>,
    /// Severity, when known.
    pub severity: Option<SeverityInfo>,
    /// Affected ranges.
    pub ranges: RangeData,
}

/// The answer for one CVE and one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The installed version is inside an affected range.
    Affected,
    /// Not enough information to say.
    Unknown,
    /// Outside every affected range, or a component the CVE does not concern.
    NotAffected,
}

impl Verdict {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Affected => "affected",
            Verdict::Unknown => "unknown",
            Verdict::NotAffected => "not_affected",
        }
    }
}

/// The verdict for one CVE and one target, with everything a report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    /// The CVE id.
    pub id: String,
    /// Affected, not affected or unknown.
    pub verdict: Verdict,
    /// The component(s) the verdict is about.
    pub component: String,
    /// The installed version, as reported.
    pub installed: String,
    /// The first fixed version of the matching range, when affected.
    pub fixed_in: Option<String>,
    /// CVSS band.
    pub severity: Option<Rating>,
    /// CVSS base score.
    pub score: Option<f64>,
    /// Whether the installed version is a vendor build.
    pub vendor_build: bool,
    /// Why, in words.
    pub reason: String,
    /// The target's name.
    pub target: String,
    /// The CVE's title summary.
    pub summary: String,
    /// The announcement URL.
    pub url: String,
}

/// Check every entry against every target: one result per CVE and target,
/// affected first, then unknown, then not affected; most severe first
/// within each; newest id first among equals.
pub fn assess(entries: &[FeedEntry], targets: &[Target]) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = entries
        .iter()
        .flat_map(|e| targets.iter().map(move |t| assess_one(e, t)))
        .collect();
    results.sort_by(|a, b| {
        (a.verdict, Reverse(a.severity), Reverse(&a.id)).cmp(&(
            b.verdict,
            Reverse(b.severity),
            Reverse(&b.id),
        ))
    });
    results
}

/// Whether the exit status should be 1: an affected result rated at or
/// above `threshold`. With no threshold any affected result counts; an
/// affected result without a rating counts at every threshold (its
/// severity is unknown, so it is not waved through).
pub fn fails(results: &[CheckResult], threshold: Option<Rating>) -> bool {
    results.iter().any(|r| {
        r.verdict == Verdict::Affected
            && match (threshold, r.severity) {
                (None, _) | (Some(_), None) => true,
                (Some(t), Some(s)) => s >= t,
            }
    })
}

fn is_relevant(a: &Affected, scope: &Scope) -> bool {
    match (scope, classify_entry(&a.component, a.package.as_deref())) {
        (Scope::Core(_), Named::Kubernetes) => true,
        (Scope::Core(cs), Named::Core(c)) => cs.contains(&c),
        (Scope::Other(name), Named::Other(_)) => {
            other_matches(name, &a.component, a.package.as_deref())
        }
        _ => false,
    }
}

fn is_core(a: &Affected) -> bool {
    !matches!(
        classify_entry(&a.component, a.package.as_deref()),
        Named::Other(_)
    )
}

fn join_unique<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen.join(", ")
}

fn assess_one(entry: &FeedEntry, target: &Target) -> CheckResult {
    let v = target.version.upstream();
    let mut result = CheckResult {
        id: entry.id.to_string(),
        verdict: Verdict::Unknown,
        component: target.scope.names().join(", "),
        installed: target.version.raw().to_string(),
        fixed_in: None,
        severity: entry.severity.as_ref().map(|s| s.rating),
        score: entry.severity.as_ref().and_then(|s| s.score),
        vendor_build: target.version.is_vendor_build(),
        reason: String::new(),
        target: target.name.clone(),
        summary: entry.summary.clone(),
        url: entry.url.clone(),
    };
    let (affected, origin) = match &entry.ranges {
        RangeData::Unknown { reason } => {
            result.reason = reason.clone();
            return result;
        }
        RangeData::Known { affected, origin } => (affected, *origin),
    };
    let relevant: Vec<&Affected> = affected
        .iter()
        .filter(|a| is_relevant(a, &target.scope))
        .collect();
    let unchecked_others = matches!(target.scope, Scope::Core(_))
        .then(|| {
            join_unique(
                affected
                    .iter()
                    .filter(|a| !is_core(a))
                    .map(|a| a.component.as_str()),
            )
        })
        .filter(|s| !s.is_empty());
    if relevant.is_empty() {
        let concerns = join_unique(affected.iter().map(|a| a.component.as_str()));
        match unchecked_others {
            Some(others) if !affected.iter().any(is_core) => {
                result.reason = format!(
                    "concerns {others}, which is not part of core Kubernetes: check it with --version {}=VERSION",
                    affected
                        .iter()
                        .find(|a| !is_core(a))
                        .map_or("NAME", |a| a.component.as_str())
                );
            }
            _ => {
                result.verdict = Verdict::NotAffected;
                result.reason = format!("concerns {concerns} only");
            }
        }
        return result;
    }
    let hits: Vec<(&Affected, &VersionRange)> = relevant
        .iter()
        .flat_map(|a| a.ranges.iter().map(move |r| (*a, r)))
        .filter(|(_, r)| r.contains(v))
        .collect();
    let mut notes: Vec<String> = Vec::new();
    if origin == Origin::Description {
        notes.push("ranges read from the description by the body parser".to_string());
    }
    if let Some(others) = &unchecked_others {
        notes.push(format!(
            "also concerns {others}, not checked without its version"
        ));
    }
    if let Some(suffix) = target.version.vendor_suffix() {
        notes.push(format!(
            "vendor build ({suffix}): compared as upstream {v}; the vendor may have backported fixes"
        ));
    }
    if !hits.is_empty() {
        result.verdict = Verdict::Affected;
        result.component = join_unique(hits.iter().map(|(a, _)| a.component.as_str()));
        result.fixed_in = hits
            .iter()
            .filter_map(|(_, r)| r.fixed())
            .min()
            .map(ToString::to_string);
        result.reason = format!(
            "{v} is in the affected range {} of {}",
            join_unique(
                hits.iter()
                    .map(|(_, r)| version::describe(r))
                    .collect::<BTreeSet<_>>()
                    .iter()
                    .map(String::as_str)
            ),
            result.component
        );
    } else if let Some(bare) = relevant.iter().find(|a| a.ranges.is_empty()) {
        result.component = join_unique(relevant.iter().map(|a| a.component.as_str()));
        result.reason = format!(
            "the advisory names {} but gives no affected versions for it",
            bare.component
        );
    } else {
        result.verdict = Verdict::NotAffected;
        result.component = join_unique(relevant.iter().map(|a| a.component.as_str()));
        let ranges: Vec<String> = relevant
            .iter()
            .map(|a| {
                let rs: Vec<String> = a.ranges.iter().map(version::describe).collect();
                format!("{}: {}", a.component, rs.join("; "))
            })
            .collect();
        result.reason = format!(
            "{v} is outside every affected range ({})",
            ranges.join(" | ")
        );
    }
    for note in notes {
        result.reason.push_str("; ");
        result.reason.push_str(&note);
    }
    result
}
