//! The `cvefeed check` workflow, as a library call: read the targets (from
//! `--version` arguments and/or a cluster), load every feed and merge their
//! entries, assess each CVE against each target, apply the ignore rules,
//! work out the remediation, and return the [`Report`], which knows the
//! exit status it calls for.
//!
//! This module owns the order of those steps and the merge rule (a CVE in
//! several feeds keeps the entry of the first). It never prints: the
//! caller renders the report ([`super::report::render`]).

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::report::{EndOfLife, Report};
use super::source::{self, FeedLocation, FetchOptions, Freshness, Loaded};
use super::{CheckError, FeedEntry, Installed, Scope, Target, assess, cluster, ignore, remediate};
use cvefeed_model::advisory::CveId;
use cvefeed_model::advisory::vuln::Rating;
use cvefeed_model::releases;
use cvefeed_model::signature::PublicKey;

/// Where the installed versions come from.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// `--version` arguments: `VERSION` or `COMPONENT=VERSION`.
    pub versions: Vec<String>,
    /// Read a cluster too: always when `versions` is empty.
    pub cluster: Option<ClusterSource>,
}

/// Which cluster to read.
#[derive(Debug, Clone, Default)]
pub struct ClusterSource {
    /// The kubeconfig; `None`: `$KUBECONFIG`, `~/.kube/config`, then the
    /// in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// Its context to use; `None`: the current one.
    pub context: Option<String>,
}

/// What to accept without failing.
#[derive(Debug, Clone, Default)]
pub struct IgnoreOptions {
    /// The ignore file.
    pub file: Option<PathBuf>,
    /// Accept affected results for which no fix exists.
    pub unfixed: bool,
}

/// Everything one check needs.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The feeds to read (`--feed`), in order.
    pub feeds: Vec<String>,
    /// What to check.
    pub targets: Targets,
    /// How URL feeds are fetched and cached.
    pub fetch: FetchOptions,
    /// Affected CVEs rated below this do not fail the check; `None`: any
    /// affected CVE does.
    pub fail_on: Option<Rating>,
    /// Unknown verdicts fail the check too.
    pub fail_on_unknown: bool,
    /// A target past its end of life fails the check too.
    pub fail_on_end_of_life: bool,
    /// What to accept.
    pub ignore: IgnoreOptions,
    /// Today, for the ignore file's expiry dates.
    pub today: NaiveDate,
    /// Trust a feed only if its publication's signed manifest names its
    /// bytes (`--verify-key`).
    pub verify_key: Option<PublicKey>,
}

/// Load one feed; with `--verify-key`, check it against the signed
/// manifest of its publication before it is parsed or cached.
async fn load_feed(
    location: &FeedLocation,
    fetch: &FetchOptions,
    verify_key: Option<&PublicKey>,
) -> Result<Loaded, CheckError> {
    let loaded = source::load(location, fetch).await?;
    if let Some(key) = verify_key {
        source::authenticate(location, &loaded.bytes, key, fetch).await?;
    }
    Ok(loaded)
}

/// Run one check. Errors mean no verdict could be given (exit status 2);
/// problems that did not stop it are the report's warnings.
pub async fn run(options: &CheckOptions) -> Result<Report, CheckError> {
    let mut warnings = Vec::new();
    let mut targets = options
        .targets
        .versions
        .iter()
        .map(|v| Target::parse(v))
        .collect::<Result<Vec<_>, _>>()?;
    let ignores = match &options.ignore.file {
        Some(path) => ignore::read(path)?,
        None => Vec::new(),
    };
    let cluster = match (&options.targets.cluster, targets.is_empty()) {
        (Some(c), _) => Some(c.clone()),
        (None, true) => Some(ClusterSource::default()),
        (None, false) => None,
    };
    if let Some(c) = cluster {
        let reading = cluster::read(c.kubeconfig.as_deref(), c.context.as_deref()).await?;
        warnings.extend(reading.warnings);
        cluster::merge_targets(&mut targets, reading.targets);
    }
    let mut entries: Vec<FeedEntry> = Vec::new();
    let mut ids: HashSet<CveId> = HashSet::new();
    let mut described = Vec::new();
    for feed in &options.feeds {
        let location = FeedLocation::parse(feed)?;
        let mut loaded = load_feed(&location, &options.fetch, options.verify_key.as_ref()).await?;
        let parsed = source::parse_feed(&loaded.bytes, &location.describe())
            .map_err(source::FeedError::from)?;
        loaded.keep_in_cache();
        warnings.append(&mut loaded.warnings);
        entries.extend(parsed.into_iter().filter(|e| ids.insert(e.id.clone())));
        described.push(match loaded.freshness {
            Freshness::NotModified => {
                format!("{} (not modified, cached copy)", location.describe())
            }
            Freshness::Cached => format!("{} (cached copy)", location.describe()),
            Freshness::Local | Freshness::Downloaded => location.describe(),
        });
    }
    let mut results = assess(&entries, &targets);
    warnings.extend(ignore::apply(
        &mut results,
        &ignores,
        options.ignore.unfixed,
        options.today,
    ));
    let remediation = remediate(&entries, &results);
    let end_of_life = end_of_life(&targets, options.today);
    Ok(Report {
        feed: described.join(", "),
        cves: entries.len(),
        targets,
        results,
        remediation,
        warnings,
        end_of_life,
        fail_on_end_of_life: options.fail_on_end_of_life,
        fail_on: options.fail_on,
        fail_on_unknown: options.fail_on_unknown,
    })
}

/// The targets that run Kubernetes' own components on a minor line past its
/// end of life on `today`, each installed version once per target.
fn end_of_life(targets: &[Target], today: NaiveDate) -> Vec<EndOfLife> {
    let oldest_supported = releases::supported_on(today)
        .first()
        .map(ToString::to_string);
    let mut out: Vec<EndOfLife> = Vec::new();
    for t in targets {
        let (Scope::Core(_), Installed::Version(v)) = (&t.scope, &t.version) else {
            continue;
        };
        let up = v.upstream();
        let ended = match releases::support(up, today) {
            releases::Support::EndOfLife(m) => Some(m.end_of_life),
            releases::Support::OlderThanTable => None,
            releases::Support::Supported(_) | releases::Support::NotInTable => continue,
        };
        let finding = EndOfLife {
            target: t.name.clone(),
            installed: v.raw().to_string(),
            minor: format!("{}.{}", up.major, up.minor),
            ended,
            oldest_supported: oldest_supported.clone(),
        };
        if !out.contains(&finding) {
            out.push(finding);
        }
    }
    out
}

/// Where fetched feeds are cached by default: `$XDG_CACHE_HOME/cvefeed`,
/// else `~/.cache/cvefeed`; `None` when neither variable is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join(".cache"))
    })
    .map(|d| d.join("cvefeed"))
}
