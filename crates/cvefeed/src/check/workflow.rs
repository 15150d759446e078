//! The `cvefeed check` workflow, as a library call: read the targets (from
//! `--version` arguments or a cluster), load every feed and merge their
//! entries, assess each CVE against each target, and return the
//! [`Report`], which knows the exit status it calls for.
//!
//! This module owns the order of those steps and the merge rule (a CVE in
//! several feeds keeps the entry of the first). It never prints: the
//! caller renders the report ([`super::report::render`]).

use std::path::PathBuf;

use super::report::Report;
use super::source::{self, FeedLocation, FetchOptions, Freshness};
use super::{CheckError, FeedEntry, Target, assess, cluster};
use cvefeed_model::advisory::vuln::Rating;
use cvefeed_model::signature::PublicKey;

/// Where the installed versions come from.
#[derive(Debug, Clone)]
pub enum Targets {
    /// `--version` arguments: `VERSION` or `COMPONENT=VERSION`.
    Versions(Vec<String>),
    /// The cluster of a kubeconfig.
    Cluster {
        /// The kubeconfig.
        kubeconfig: PathBuf,
        /// Its context to use; `None`: the current one.
        context: Option<String>,
    },
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
    /// Trust a feed only if its publication's signed manifest names its
    /// bytes (`--verify-key`).
    pub verify_key: Option<PublicKey>,
}

/// Run one check. Errors mean no verdict could be given (exit status 2);
/// problems that did not stop it are the report's warnings.
pub async fn run(options: &CheckOptions) -> Result<Report, CheckError> {
    let mut warnings = Vec::new();
    let targets = match &options.targets {
        Targets::Cluster {
            kubeconfig,
            context,
        } => {
            let reading = cluster::read(kubeconfig, context.as_deref()).await?;
            warnings.extend(reading.warnings);
            reading.targets
        }
        Targets::Versions(versions) => versions
            .iter()
            .map(|v| Target::parse(v))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut entries: Vec<FeedEntry> = Vec::new();
    let mut described = Vec::new();
    for feed in &options.feeds {
        let location = FeedLocation::parse(feed)?;
        let loaded = source::load(&location, &options.fetch).await?;
        if let Some(key) = &options.verify_key {
            source::authenticate(&location, &loaded.bytes, key, &options.fetch).await?;
        }
        warnings.extend(loaded.warnings);
        for e in source::parse_feed(&loaded.bytes, &location.describe())? {
            if !entries.iter().any(|known| known.id == e.id) {
                entries.push(e);
            }
        }
        described.push(match loaded.freshness {
            Freshness::NotModified => {
                format!("{} (not modified, cached copy)", location.describe())
            }
            _ => location.describe(),
        });
    }
    let results = assess(&entries, &targets);
    Ok(Report {
        feed: described.join(", "),
        cves: entries.len(),
        targets,
        results,
        warnings,
        fail_on: options.fail_on,
    })
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
