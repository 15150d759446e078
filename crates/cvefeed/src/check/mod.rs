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
pub mod component;
pub mod ignore;
pub mod report;
pub mod source;
pub mod version;
pub mod workflow;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use semver::Version;
use serde::Serialize;

use component::{CoreComponent, Named, classify_entry, classify_name, resolve};
use cvefeed_model::advisory::vuln::components::Component;
use cvefeed_model::advisory::vuln::{Affected, Rating, Upper, VersionRange};
use cvefeed_model::advisory::{CveId, Status};
use cvefeed_model::verdict::{self, Claim, Clear, FixKnown, Gap};
pub use version::{InstalledVersion, InvalidVersion};
pub use workflow::{CheckOptions, Targets, run};

/// Why a check could not run. Messages say what failed, on which input,
/// and what to do; the cause is the error's source.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A version string cannot be compared.
    #[error(transparent)]
    Version(#[from] InvalidVersion),
    /// A component name is not in the component table.
    #[error(transparent)]
    Component(#[from] component::UnknownComponent),
    /// The ignore file cannot be used (its error names it).
    #[error(transparent)]
    Ignore(#[from] ignore::IgnoreError),
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

/// Which components a target's version stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// These core components.
    Core(Vec<CoreComponent>),
    /// One component of the table released on its own (ingress-nginx, …).
    Separate(&'static Component),
}

impl Scope {
    /// The scope of a table entry, alone.
    pub fn of(named: Named) -> Option<Scope> {
        match named {
            Named::Kubernetes => Some(Scope::Core(CoreComponent::ALL.to_vec())),
            Named::Core(c) => Some(Scope::Core(vec![c])),
            Named::Separate(c) => Some(Scope::Separate(c)),
            Named::Other(_) => None,
        }
    }

    /// What the scope's components denote.
    pub fn named(&self) -> Vec<Named> {
        match self {
            Scope::Core(cs) => cs.iter().copied().map(Named::Core).collect(),
            Scope::Separate(c) => vec![Named::Separate(c)],
        }
    }

    /// Component names, for reports.
    pub fn names(&self) -> Vec<String> {
        match self {
            Scope::Core(cs) => cs.iter().map(|c| c.name().to_string()).collect(),
            Scope::Separate(c) => vec![c.name.to_string()],
        }
    }

    /// Whether this scope covers every component of `other`.
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Core(mine), Scope::Core(theirs)) => theirs.iter().all(|c| mine.contains(c)),
            (Scope::Separate(a), Scope::Separate(b)) => a == b,
            _ => false,
        }
    }
}

/// The version a target runs, or why it cannot be read (an image pinned
/// by digest only, a tag that is not a version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// A comparable version.
    Version(InstalledVersion),
    /// What was found, and why it is no version.
    Unreadable {
        /// The text found (an image reference).
        raw: String,
        /// Why it gives no version.
        why: UnknownReason,
    },
}

impl Installed {
    /// The version or the text found, as reported.
    pub fn raw(&self) -> &str {
        match self {
            Installed::Version(v) => v.raw(),
            Installed::Unreadable { raw, .. } => raw,
        }
    }

    /// The comparable version, if any.
    pub fn version(&self) -> Option<&InstalledVersion> {
        match self {
            Installed::Version(v) => Some(v),
            Installed::Unreadable { .. } => None,
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
    pub version: Installed,
    /// Where the version came from (`--version`, `API server /version`,
    /// `nodes a, b`, `image … in ns/workload`).
    pub origin: String,
}

impl Target {
    /// Parse a `--version` argument: `1.29.3` (every core component) or
    /// `COMPONENT=VERSION`. A component the table does not know is an
    /// error that suggests the nearest known one.
    pub fn parse(arg: &str) -> Result<Target, CheckError> {
        let bad = |reason: &str| CheckError::Target {
            input: arg.chars().take(80).collect(),
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
                let scope = Scope::of(resolve(name)?).expect("resolve gives table entries only");
                (name.trim().to_ascii_lowercase(), scope, version)
            }
        };
        Ok(Target {
            name,
            scope,
            version: Installed::Version(version.parse()?),
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
        /// What kind of gap.
        why: UnknownReason,
        /// Why, in words.
        reason: String,
    },
}

/// Whether a fix exists, as far as the feed says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixState {
    /// A fix is released; `fixed_in` names the version.
    Fixed,
    /// No fix exists: the issue was closed as not planned, the
    /// announcement says so ("Fixed Versions: None", "will not be fixed"),
    /// or the issue is still open.
    NoFix,
    /// The announcement names the last affected version, or gives no
    /// upper bound, but not the version that fixes it.
    NotStated,
}

impl FixState {
    /// In words, for tables.
    pub fn words(self) -> &'static str {
        match self {
            FixState::Fixed => "fixed",
            FixState::NoFix => "no fix exists",
            FixState::NotStated => "fixed version not stated",
        }
    }
}

/// What the feed says about a fix for the whole CVE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixNews {
    /// Nothing beyond the ranges (and the status).
    Ranges,
    /// The announcement or the status says that no fix exists.
    NoFix,
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
    /// The feed status, when published and known to this version; a
    /// status this version does not know reads as `None`.
    pub status: Option<Status>,
    /// Whether the feed says that no fix exists.
    pub fix_news: FixNews,
    /// Severity, when known.
    pub severity: Option<SeverityInfo>,
    /// Affected ranges.
    pub ranges: RangeData,
    /// The CNA's CVE record's own ranges, where they disagree with
    /// `ranges` (the issue's): a version either calls affected is affected.
    pub record_ranges: Vec<Affected>,
}

impl FeedEntry {
    /// Whether the CVE record was rejected: it affects nothing.
    fn rejected(&self) -> bool {
        self.status == Some(Status::Rejected)
    }
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

/// Why a verdict is "unknown", as a value scripts can group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    /// Neither the feed nor the description gives affected versions.
    NoAffectedVersions,
    /// The feed's ranges cannot be read.
    InvalidRanges,
    /// The advisory names the component but no versions for it.
    NoVersionsForComponent,
    /// Closed as fixed, but no fixed version is stated and the range is
    /// open-ended.
    FixedVersionNotStated,
    /// The CVE concerns a component whose version was neither given nor
    /// found in the cluster.
    ComponentNotFound,
    /// The component's image is pinned by digest only: no version.
    ImageDigestOnly,
    /// The component's image tag is not a version (`latest`).
    ImageTagNotVersion,
    /// The version is below the lowest one the source assessed, and the
    /// source does not say where the affected versions begin.
    NotAssessed,
    /// The source calls this version's status unknown.
    SourceSaysUnknown,
    /// The source does not list the version and gives no default status.
    NotListed,
    /// The version is past the last affected version the source names,
    /// but no fix exists: it was not said to be fixed.
    NoFixAfterLastAffected,
}

/// Why a verdict is "not affected": the words of the source that clear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cleared {
    /// The CNA rejected the CVE id: it affects nothing.
    Rejected,
    /// The CVE concerns other components only.
    OtherComponents,
    /// A fix on the version's own minor line.
    FixedOnLine,
    /// Past the last affected version of its minor line, for a CVE with a fix.
    AfterLastAffected,
    /// Newer than every affected range, the highest of which is fixed.
    NewerThanAffected,
    /// Below the first affected version, which the source states.
    BeforeIntroduced,
    /// Not listed, and the source's default status is unaffected.
    DefaultUnaffected,
}

/// What one source says of a result's version, where two sources disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceClaim {
    /// `issue` or `cve_record`.
    pub source: &'static str,
    /// What it says.
    pub says: Verdict,
}

impl UnknownReason {
    /// Whether `--fail-on-unknown` counts it: every reason but a component
    /// that is not there to check.
    pub fn counts_as_failure(self) -> bool {
        self != UnknownReason::ComponentNotFound
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
    /// What `component` denotes in the component table, for matching (an
    /// ignore entry's component); not part of any output.
    #[serde(skip)]
    pub components: Vec<Named>,
    /// The installed version, as reported.
    pub installed: String,
    /// The first fixed version of the matching range, when affected and
    /// a fix is released.
    pub fixed_in: Option<String>,
    /// `fixed_in` as a version, for [`remediate`]; not part of any output.
    #[serde(skip)]
    pub fixed_version: Option<Version>,
    /// Whether a fix exists, when affected.
    pub fix: Option<FixState>,
    /// CVSS band.
    pub severity: Option<Rating>,
    /// CVSS base score.
    pub score: Option<f64>,
    /// Whether the installed version is a vendor build.
    pub vendor_build: bool,
    /// Why, in words.
    pub reason: String,
    /// Why the verdict is unknown, when it is.
    pub unknown_reason: Option<UnknownReason>,
    /// What clears the version, when it is not affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_affected_reason: Option<Cleared>,
    /// Where the issue and the CNA's CVE record disagree on this version:
    /// what each says (the verdict is never the more lenient of the two).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources_disagree: Vec<SourceClaim>,
    /// Why the result is ignored (the ignore file's reason, or
    /// `--ignore-unfixed`), when it is: it neither fails the check nor
    /// counts in the summary's affected and unknown counts.
    pub ignored: Option<String>,
    /// The target's name.
    pub target: String,
    /// The CVE's title summary.
    pub summary: String,
    /// The announcement URL.
    pub url: String,
}

/// Check every entry against every target: one result per CVE and target
/// (one per affected component when several are affected), affected
/// first, then unknown, then not affected; most severe first within each,
/// then highest score; newest id first among equals.
pub fn assess(entries: &[FeedEntry], targets: &[Target]) -> Vec<CheckResult> {
    let covered = Covered::of(targets);
    let mut results: Vec<CheckResult> = entries
        .iter()
        .flat_map(|e| {
            let parts = Part::all(e);
            targets
                .iter()
                .flat_map(|t| assess_one(e, &parts, t, &covered))
                .collect::<Vec<_>>()
        })
        .collect();
    sort_results(&mut results);
    results
}

/// The components that some target checks.
struct Covered {
    core: Vec<CoreComponent>,
    separate: Vec<&'static Component>,
}

impl Covered {
    fn of(targets: &[Target]) -> Covered {
        let mut covered = Covered {
            core: Vec::new(),
            separate: Vec::new(),
        };
        for t in targets {
            match &t.scope {
                Scope::Core(cs) => covered.core.extend(cs),
                Scope::Separate(c) => covered.separate.push(c),
            }
        }
        covered
    }
}

/// The order of [`assess`].
pub fn sort_results(results: &mut [CheckResult]) {
    let score = |r: &CheckResult| r.score.map(|s| (s * 10.0).round() as i64);
    results.sort_by(|a, b| {
        (
            a.verdict,
            Reverse(a.severity),
            Reverse(score(a)),
            Reverse(&a.id),
        )
            .cmp(&(
                b.verdict,
                Reverse(b.severity),
                Reverse(score(b)),
                Reverse(&b.id),
            ))
    });
}

/// Whether the exit status should be 1: a result that is not ignored and
/// is affected and rated at or above `threshold` (with no threshold any
/// affected result counts; an unrated one counts at every threshold, since
/// its severity is not known), or, with `fail_on_unknown`, unknown for a
/// reason that [counts](UnknownReason::counts_as_failure).
pub fn fails(results: &[CheckResult], threshold: Option<Rating>, fail_on_unknown: bool) -> bool {
    results
        .iter()
        .filter(|r| r.ignored.is_none())
        .any(|r| match r.verdict {
            Verdict::Affected => match (threshold, r.severity) {
                (None, _) | (Some(_), None) => true,
                (Some(t), Some(s)) => s >= t,
            },
            Verdict::Unknown => {
                fail_on_unknown
                    && r.unknown_reason
                        .is_none_or(UnknownReason::counts_as_failure)
            }
            Verdict::NotAffected => false,
        })
}

/// One affected component of a feed entry and what it denotes, classified
/// once per entry ([`classify_entry`]).
#[derive(Debug)]
struct Part<'a> {
    affected: &'a Affected,
    named: Named,
    /// For an entry about Kubernetes as a whole that names a component of
    /// its own (`kubeadm` of module `k8s.io/kubernetes`), that component:
    /// reports show its name ([`Part::name`]), so an ignore entry may too.
    by_name: Option<Named>,
}

impl<'a> Part<'a> {
    /// The affected components of `entry` (none when its ranges are
    /// unknown).
    fn all(entry: &'a FeedEntry) -> Vec<Part<'a>> {
        match &entry.ranges {
            RangeData::Known { affected, .. } => affected
                .iter()
                .map(|a| {
                    let named = classify_entry(&a.component, a.package.as_deref());
                    let by_name = (named == Named::Kubernetes)
                        .then(|| classify_name(&a.component))
                        .filter(|n| !matches!(n, Named::Other(_) | Named::Kubernetes));
                    Part {
                        affected: a,
                        named,
                        by_name,
                    }
                })
                .collect(),
            RangeData::Unknown { .. } => Vec::new(),
        }
    }

    /// Whether it is about a component of `scope`.
    fn is_relevant(&self, scope: &Scope) -> bool {
        match (scope, &self.named) {
            (Scope::Core(_), Named::Kubernetes) => true,
            (Scope::Core(cs), Named::Core(c)) => cs.contains(c),
            (Scope::Separate(wanted), Named::Separate(c)) => c == wanted,
            _ => false,
        }
    }

    /// Whether some target checks its component.
    fn is_covered(&self, covered: &Covered) -> bool {
        match self.named {
            Named::Kubernetes => !covered.core.is_empty(),
            Named::Core(c) => covered.core.contains(&c),
            Named::Separate(c) => covered.separate.contains(&c),
            Named::Other(_) => false,
        }
    }

    /// The component name as reports give it: the table's canonical name
    /// when it maps to one.
    fn name(&self) -> String {
        match &self.named {
            Named::Core(c) => c.name().to_string(),
            Named::Separate(c) => c.name.to_string(),
            Named::Kubernetes | Named::Other(_) => self.affected.component.clone(),
        }
    }

    /// Its name in the feed.
    fn feed_name(&self) -> &'a str {
        &self.affected.component
    }

    /// What it denotes, for matching ([`CheckResult::components`]).
    fn answers_to(&self) -> impl Iterator<Item = &Named> {
        std::iter::once(&self.named).chain(&self.by_name)
    }

    /// Whether its ranges are ranges of `wanted` (what a result resolved
    /// to): it denotes one of them, or it is about Kubernetes as a whole
    /// and one of them is a core component.
    fn applies_to(&self, wanted: &[Named]) -> bool {
        wanted.iter().any(|w| {
            self.answers_to().any(|n| n == w)
                || (self.named == Named::Kubernetes && matches!(w, Named::Core(_)))
        })
    }
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

/// A range that contains the installed version, whether a fix exists, and
/// its fixed version.
type Hit<'a> = (&'a VersionRange, FixState, Option<Version>);

/// The verdict of one range that contains the installed version: its fix,
/// or `Err` when the issue is closed as fixed but the range states no fix
/// (the verdict is then unknown).
fn hit_verdict(entry: &FeedEntry, range: &VersionRange) -> Result<(FixState, Option<Version>), ()> {
    match &range.upper {
        Upper::Fixed(f) => Ok((FixState::Fixed, Some(f.clone()))),
        Upper::LastAffected(_) => Ok((FixState::NotStated, None)),
        Upper::Open if entry.fix_news == FixNews::NoFix => Ok((FixState::NoFix, None)),
        Upper::Open => match entry.status {
            Some(Status::Unfixed | Status::Open) => Ok((FixState::NoFix, None)),
            // Closed as fixed with no fixed version: the range says "from
            // here on", which is not true of the versions after the fix.
            Some(Status::Fixed) => Err(()),
            _ => Ok((FixState::NotStated, None)),
        },
    }
}

fn assess_one(
    entry: &FeedEntry,
    parts: &[Part],
    target: &Target,
    covered: &Covered,
) -> Vec<CheckResult> {
    let mut result = CheckResult {
        id: entry.id.to_string(),
        verdict: Verdict::Unknown,
        component: target.scope.names().join(", "),
        components: target.scope.named(),
        installed: target.version.raw().to_string(),
        fixed_in: None,
        fixed_version: None,
        fix: None,
        severity: entry.severity.as_ref().map(|s| s.rating),
        score: entry.severity.as_ref().and_then(|s| s.score),
        vendor_build: target
            .version
            .version()
            .is_some_and(InstalledVersion::is_vendor_build),
        reason: String::new(),
        unknown_reason: None,
        not_affected_reason: None,
        sources_disagree: Vec::new(),
        ignored: None,
        target: target.name.clone(),
        summary: entry.summary.clone(),
        url: entry.url.clone(),
    };
    if entry.rejected() {
        result.verdict = Verdict::NotAffected;
        result.not_affected_reason = Some(Cleared::Rejected);
        result.reason = "the CVE record was rejected: it affects nothing".to_string();
        return vec![result];
    }
    let origin = match &entry.ranges {
        RangeData::Unknown { why, reason } => {
            result.reason = reason.clone();
            result.unknown_reason = Some(*why);
            return vec![result];
        }
        RangeData::Known { origin, .. } => *origin,
    };
    let relevant: Vec<&Part> = parts
        .iter()
        .filter(|p| p.is_relevant(&target.scope))
        .collect();
    let unchecked: Vec<&Part> = match target.scope {
        Scope::Core(_) => parts.iter().filter(|p| !p.is_covered(covered)).collect(),
        Scope::Separate(_) => Vec::new(),
    };
    let unchecked_names = join_unique(unchecked.iter().map(|p| p.feed_name()));
    if relevant.is_empty() {
        let concerns = join_unique(parts.iter().map(|p| p.feed_name()));
        // Unknown when no target checks any of its components (kubelet
        // when the nodes could not be listed): "not affected" is for a
        // CVE that another target checks.
        if !unchecked.is_empty() && !parts.iter().any(|p| p.is_covered(covered)) {
            result.unknown_reason = Some(UnknownReason::ComponentNotFound);
            result.reason = format!(
                "concerns {unchecked_names}, which was not found: pass --version {}=VERSION or --kubeconfig",
                unchecked[0].feed_name()
            );
        } else {
            result.verdict = Verdict::NotAffected;
            result.not_affected_reason = Some(Cleared::OtherComponents);
            result.reason = format!("concerns {concerns} only");
        }
        return vec![result];
    }
    let v = match &target.version {
        Installed::Version(v) => v,
        Installed::Unreadable { raw, why } => {
            result.component = join_unique(relevant.iter().map(|p| p.feed_name()));
            result.components = resolved(&relevant);
            result.unknown_reason = Some(*why);
            result.reason = format!(
                "{} runs as {raw}, {}",
                result.component,
                match why {
                    UnknownReason::ImageDigestOnly =>
                        "pinned by digest only: no version to compare",
                    _ => "whose tag is not a version",
                }
            );
            return vec![result];
        }
    };
    let upstream = v.upstream();
    let mut notes: Vec<String> = Vec::new();
    if origin == Origin::Description {
        notes.push("ranges read from the description by the body parser".to_string());
    }
    if !unchecked.is_empty() {
        notes.push(format!(
            "also concerns {unchecked_names}, not checked without its version"
        ));
    }
    if let Some(suffix) = v.vendor_suffix() {
        notes.push(format!(
            "vendor build ({suffix}): compared as upstream {upstream}; the vendor may have backported fixes"
        ));
    }
    let with_notes = |mut r: CheckResult| {
        for note in &notes {
            r.reason.push_str("; ");
            r.reason.push_str(note);
        }
        r
    };
    let hits: Vec<(&Part, &VersionRange)> = relevant
        .iter()
        .flat_map(|p| p.affected.ranges.iter().map(move |r| (*p, r)))
        .filter(|(_, r)| r.contains(upstream))
        .collect();
    let (known, unstated): (Vec<_>, Vec<_>) = hits
        .into_iter()
        .map(|(p, r)| (p, r, hit_verdict(entry, r)))
        .partition(|(_, _, h)| h.is_ok());
    if !known.is_empty() {
        // One result per affected component, its best fix.
        let mut by_component: BTreeMap<String, (Vec<&Part>, Vec<Hit>)> = BTreeMap::new();
        for (p, r, h) in known {
            let (fix, version) = h.expect("partitioned");
            let (parts, hits) = by_component.entry(p.name()).or_default();
            parts.push(p);
            hits.push((r, fix, version));
        }
        return by_component
            .into_iter()
            .map(|(component, (parts, hits))| {
                let fixed = hits.iter().filter_map(|(_, _, f)| f.clone()).min();
                let fix = if fixed.is_some() {
                    FixState::Fixed
                } else if hits.iter().any(|(_, f, _)| *f == FixState::NotStated) {
                    FixState::NotStated
                } else {
                    FixState::NoFix
                };
                let ranges: BTreeSet<String> =
                    hits.iter().map(|(r, _, _)| version::describe(r)).collect();
                let mut reason = format!(
                    "{upstream} is in the affected range {} of {component}",
                    ranges.into_iter().collect::<Vec<_>>().join(", ")
                );
                if fix != FixState::Fixed {
                    reason.push_str(&format!("; {}", fix_words(entry, fix)));
                }
                let sources_disagree = record_claim(entry, &parts, upstream)
                    .filter(|(says, _)| *says != Verdict::Affected)
                    .map(|(says, _)| disagreement(Verdict::Affected, says))
                    .unwrap_or_default();
                with_notes(CheckResult {
                    verdict: Verdict::Affected,
                    component,
                    components: resolved(&parts),
                    sources_disagree,
                    fixed_in: fixed.as_ref().map(Version::to_string),
                    fixed_version: fixed,
                    fix: Some(fix),
                    reason,
                    ..result.clone()
                })
            })
            .collect();
    }
    result.component = join_unique(relevant.iter().map(|p| p.feed_name()));
    result.components = resolved(&relevant);
    if let Some((p, r, _)) = unstated.first() {
        result.component = p.name();
        result.components = resolved(&[p]);
        result.unknown_reason = Some(UnknownReason::FixedVersionNotStated);
        result.reason = format!(
            "fixed, but the fixed version is not stated: the issue is closed as fixed and \
             {upstream} is in the open-ended range {} of {}",
            version::describe(r),
            result.component
        );
    } else if let Some(bare) = relevant.iter().find(|p| p.affected.ranges.is_empty()) {
        result.unknown_reason = Some(UnknownReason::NoVersionsForComponent);
        result.reason = format!(
            "the advisory names {} but gives no affected versions for it",
            bare.feed_name()
        );
    } else {
        outside_ranges(entry, &relevant, upstream, &mut result);
    }
    vec![with_notes(result)]
}

/// Whether a fix is known to exist for the CVE as a whole.
fn fix_known(entry: &FeedEntry) -> FixKnown {
    match (entry.fix_news, entry.status) {
        (FixNews::NoFix, _) => FixKnown::No,
        (_, Some(Status::Unfixed | Status::Open | Status::Unknown)) => FixKnown::No,
        _ => FixKnown::Yes,
    }
}

/// What the CNA's CVE record says of `v` for the components of `parts`,
/// when the feed carries its disagreeing ranges: affected (with the
/// range) if any part's record ranges say so, else the first other claim.
fn record_claim<'e>(
    entry: &'e FeedEntry,
    parts: &[&Part],
    v: &Version,
) -> Option<(Verdict, Option<&'e VersionRange>)> {
    let mut found = None;
    for p in parts {
        let Some(theirs) = entry
            .record_ranges
            .iter()
            .find(|a| a.component == p.affected.component)
        else {
            continue;
        };
        match verdict::claim(theirs, v, fix_known(entry)) {
            Claim::Affected(r) => return Some((Verdict::Affected, Some(r))),
            Claim::AffectedByDefault => return Some((Verdict::Affected, None)),
            Claim::NotAffected(_) => {
                found.get_or_insert((Verdict::NotAffected, None));
            }
            Claim::Unknown(_) => {
                found = Some((Verdict::Unknown, None));
            }
        }
    }
    found
}

fn disagreement(issue: Verdict, record: Verdict) -> Vec<SourceClaim> {
    vec![
        SourceClaim {
            source: "issue",
            says: issue,
        },
        SourceClaim {
            source: "cve_record",
            says: record,
        },
    ]
}

/// The minor lines the ranges of `a` touch, as `1.31–1.33` or `1.31`.
fn assessed_lines(a: &Affected) -> String {
    let lines: BTreeSet<(u64, u64)> = a
        .ranges
        .iter()
        .flat_map(|r| {
            r.introduced
                .iter()
                .chain(r.fixed())
                .chain(r.last_affected())
        })
        .map(|v| (v.major, v.minor))
        .collect();
    match (lines.first(), lines.last()) {
        (Some(lo), Some(hi)) if lo == hi => format!("{}.{}", lo.0, lo.1),
        (Some(lo), Some(hi)) => format!("{}.{}–{}.{}", lo.0, lo.1, hi.0, hi.1),
        _ => "no minor line".to_string(),
    }
}

/// The verdict of a version that no affected range contains: what each
/// relevant part's source says of it ([`verdict::claim`]). Affected when
/// a source's default or the CVE record says so; unknown when any source
/// does not say; not affected only when every source's words clear it.
fn outside_ranges(entry: &FeedEntry, relevant: &[&Part], v: &Version, result: &mut CheckResult) {
    let fix = fix_known(entry);
    let claims: Vec<(&Part, Claim)> = relevant
        .iter()
        .map(|p| (*p, verdict::claim(p.affected, v, fix)))
        .collect();
    if let Some((p, _)) = claims
        .iter()
        .find(|(_, c)| matches!(c, Claim::AffectedByDefault))
    {
        result.verdict = Verdict::Affected;
        result.component = p.name();
        result.components = resolved(&[p]);
        result.fix = Some(FixState::NotStated);
        result.reason = format!(
            "{v} is in no listed range of {}, and its source's default status is affected",
            p.feed_name()
        );
        return;
    }
    if let Some((Verdict::Affected, range)) = record_claim(entry, relevant, v) {
        let issue_says = if claims.iter().any(|(_, c)| matches!(c, Claim::Unknown(_))) {
            Verdict::Unknown
        } else {
            Verdict::NotAffected
        };
        result.verdict = Verdict::Affected;
        result.fixed_version = range.and_then(|r| r.fixed().cloned());
        result.fixed_in = result.fixed_version.as_ref().map(Version::to_string);
        result.fix = Some(if result.fixed_version.is_some() {
            FixState::Fixed
        } else {
            FixState::NotStated
        });
        result.sources_disagree = disagreement(issue_says, Verdict::Affected);
        result.reason = format!(
            "the CVE record says {v} is affected{}, the issue does not: the sources disagree, \
             and the stricter one stands",
            range.map_or(String::new(), |r| format!(
                " (range {})",
                version::describe(r)
            ))
        );
        return;
    }
    if let Some((p, gap)) = claims.iter().find_map(|(p, c)| match c {
        Claim::Unknown(g) => Some((p, g)),
        _ => None,
    }) {
        let name = p.feed_name();
        let (why, reason) = match gap {
            Gap::NotAssessed { from } => (
                UnknownReason::NotAssessed,
                format!(
                    "{v} was not assessed: the CVE was assessed for {} {} from {from} on, \
                     and no source says where the affected versions begin; \
                     upgrade to a fixed supported version",
                    name,
                    assessed_lines(p.affected)
                ),
            ),
            Gap::SourceSaysUnknown(r) => (
                UnknownReason::SourceSaysUnknown,
                format!(
                    "the source calls the status of {name} {} unknown",
                    version::describe(r)
                ),
            ),
            Gap::NotListed => (
                UnknownReason::NotListed,
                format!(
                    "{v} is in no listed range of {name}, and the source gives no default status"
                ),
            ),
            Gap::NoFixAfter(l) => (
                UnknownReason::NoFixAfterLastAffected,
                format!(
                    "{v} is newer than {l}, the last affected version of {name} the source names, \
                     but no fix exists: it was not said to be fixed"
                ),
            ),
        };
        result.component = p.name();
        result.components = resolved(&[p]);
        result.unknown_reason = Some(why);
        result.reason = reason;
        return;
    }
    result.verdict = Verdict::NotAffected;
    let mut first = None;
    let words: Vec<String> = claims
        .iter()
        .filter_map(|(p, c)| match c {
            Claim::NotAffected(clear) => Some((p, clear)),
            _ => None,
        })
        .map(|(p, clear)| {
            let (kind, text) = match clear {
                Clear::FixedOnLine(f) => (Cleared::FixedOnLine, format!("fixed in {f}")),
                Clear::AfterLastAffected(l) => (
                    Cleared::AfterLastAffected,
                    format!("newer than {l}, the last affected version of its line"),
                ),
                Clear::NewerThanAffected(e) => (
                    Cleared::NewerThanAffected,
                    format!("newer than every affected range (the highest ends at {e})"),
                ),
                Clear::BeforeIntroduced(i) => (
                    Cleared::BeforeIntroduced,
                    format!("older than {i}, where the affected versions begin"),
                ),
                Clear::DefaultUnaffected => (
                    Cleared::DefaultUnaffected,
                    "in no listed range, and the source's default status is unaffected".to_string(),
                ),
            };
            first.get_or_insert(kind);
            format!("{}: {text}", p.feed_name())
        })
        .collect();
    result.not_affected_reason = first;
    result.reason = format!("{v} is not affected ({})", words.join(" | "));
    if let Some((Verdict::Unknown, _)) = record_claim(entry, relevant, v) {
        result.sources_disagree = disagreement(Verdict::NotAffected, Verdict::Unknown);
    }
}

/// What the parts denote, each once ([`Part::answers_to`]).
fn resolved(parts: &[&Part]) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    for n in parts.iter().flat_map(|p| p.answers_to()) {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

fn fix_words(entry: &FeedEntry, fix: FixState) -> &'static str {
    match (fix, entry.status) {
        (FixState::NoFix, Some(Status::Open)) => "no fix exists yet: the issue is open",
        (FixState::NoFix, Some(Status::Unfixed)) => {
            "no fix exists: the issue was closed as not planned"
        }
        (FixState::NoFix, _) => "no fix exists: the announcement says so",
        (FixState::NotStated, _) => "the fixed version is not stated",
        (FixState::Fixed, _) => "fixed",
    }
}

/// What to upgrade one component to: the smallest version that is in none
/// of the fixed ranges of the feed for it, Kubernetes-wide ones included
/// (starting from the highest first-fix among the CVEs it is affected by,
/// then past any fixed range that version is still in), and the CVEs that
/// need more than an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remediation {
    /// The target.
    pub target: String,
    /// The component.
    pub component: String,
    /// The installed version.
    pub installed: String,
    /// The smallest version that fixes every CVE in `fixes`, if any has a
    /// fix.
    pub upgrade_to: Option<String>,
    /// The CVEs that upgrade fixes.
    pub fixes: Vec<String>,
    /// The affected CVEs for which no fix exists.
    pub unfixed: Vec<String>,
    /// The affected CVEs whose fixed version is not stated.
    pub fix_not_stated: Vec<String>,
}

impl Remediation {
    /// The one line a person reads: `kubelet 1.30.0: upgrade to 1.30.10 or
    /// later (fixes 5 CVEs; 2 have no fix)`.
    pub fn line(&self) -> String {
        let cves = |n: usize| {
            if n == 1 {
                "1 CVE".to_string()
            } else {
                format!("{n} CVEs")
            }
        };
        let mut notes = Vec::new();
        for (cves, what) in [
            (&self.unfixed, "no fix"),
            (&self.fix_not_stated, "no stated fixed version"),
        ] {
            match cves.len() {
                0 => {}
                1 => notes.push(format!("1 has {what}")),
                n => notes.push(format!("{n} have {what}")),
            }
        }
        let head = format!("{} {}", self.component, self.installed);
        match &self.upgrade_to {
            Some(to) => {
                let mut tail = format!("fixes {}", cves(self.fixes.len()));
                for n in notes {
                    tail.push_str("; ");
                    tail.push_str(&n);
                }
                format!("{head}: upgrade to {to} or later ({tail})")
            }
            None => format!("{head}: no upgrade fixes its CVEs ({})", notes.join("; ")),
        }
    }
}

/// One [`Remediation`] per target and component with an affected result
/// that is not ignored, in the order of the results.
pub fn remediate(entries: &[FeedEntry], results: &[CheckResult]) -> Vec<Remediation> {
    let mut out: Vec<Remediation> = Vec::new();
    // Per remediation: the highest first fixed version among its CVEs, and
    // what its component denotes.
    let mut starts: Vec<Option<Version>> = Vec::new();
    let mut wanted: Vec<&[Named]> = Vec::new();
    let mut index: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for r in results
        .iter()
        .filter(|r| r.verdict == Verdict::Affected && r.ignored.is_none())
    {
        let key = (
            r.target.as_str(),
            r.component.as_str(),
            r.installed.as_str(),
        );
        let i = *index.entry(key).or_insert_with(|| {
            out.push(Remediation {
                target: r.target.clone(),
                component: r.component.clone(),
                installed: r.installed.clone(),
                upgrade_to: None,
                fixes: Vec::new(),
                unfixed: Vec::new(),
                fix_not_stated: Vec::new(),
            });
            starts.push(None);
            wanted.push(&r.components);
            out.len() - 1
        });
        let m = &mut out[i];
        match r.fix {
            Some(FixState::Fixed) => {
                m.fixes.push(r.id.clone());
                starts[i] = starts[i].take().max(r.fixed_version.clone());
            }
            Some(FixState::NoFix) => m.unfixed.push(r.id.clone()),
            Some(FixState::NotStated) | None => m.fix_not_stated.push(r.id.clone()),
        }
    }
    if out.is_empty() {
        return out;
    }
    // Every affected component of the feed, classified once.
    let parts: Vec<Part> = entries
        .iter()
        .filter(|e| !e.rejected())
        .flat_map(Part::all)
        .collect();
    for ((m, start), wanted) in out.iter_mut().zip(starts).zip(wanted) {
        m.upgrade_to = start.map(|start| past_fixed_ranges(&parts, wanted, start).to_string());
    }
    out
}

/// The most fixed ranges an upgrade is moved past ([`remediate`]).
const MAX_UPGRADE_STEPS: usize = 64;

/// The smallest version from `start` on that lies in no fixed range of the
/// feed (its `parts`) that [applies](Part::applies_to) to `wanted` (an
/// upgrade must not land on another known hole).
fn past_fixed_ranges(parts: &[Part], wanted: &[Named], start: Version) -> Version {
    let ranges: Vec<&VersionRange> = parts
        .iter()
        .filter(|p| p.applies_to(wanted))
        .flat_map(|p| p.affected.ranges.iter())
        .filter(|r| r.fixed().is_some())
        .collect();
    let mut v = start;
    // Each step moves v up to a fixed version. Real feeds need one or two
    // steps; a hostile chain of ranges is cut short (v is still a fixed
    // version, only perhaps not past every hole).
    for _ in 0..MAX_UPGRADE_STEPS {
        match ranges
            .iter()
            .filter(|r| r.contains(&v))
            .filter_map(|r| r.fixed())
            .max()
        {
            Some(f) if *f > v => v = f.clone(),
            _ => break,
        }
    }
    v
}
