//! The verdict of installed versions against the feed's entries
//! ([`assess()`]): one [`CheckResult`] per CVE and target, its [`Verdict`] and
//! why ([`UnknownReason`], [`Cleared`]); the order of results
//! ([`sort_results`]) and the exit rule ([`fails`]).
//!
//! Versions outside every affected range are judged by the `outside`
//! submodule; how a feed entry's components match a target is `part`. Knows
//! nothing of where the feed or the targets came from, nor of output.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use semver::Version;
use serde::Serialize;

use super::component::Named;
use super::entry::{FeedEntry, FixNews, FixState, Origin, RangeData};
use super::outside::{disagreement, outside_ranges, record_claim};
use super::part::{Covered, Part, join_unique, resolved};
use super::target::{Installed, Scope, Target};
use super::version::InstalledVersion;
use super::why::{Note, Why};
use crate::advisory::vuln::{Rating, Upper, VersionRange};
use crate::advisory::{CveId, Status};

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
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The CVE id.
    pub id: CveId,
    /// Affected, not affected or unknown.
    pub verdict: Verdict,
    /// The component(s) the verdict is about.
    pub component: String,
    /// What `component` denotes in the component table, for matching (an
    /// ignore entry's component); not part of any output.
    pub components: Vec<Named>,
    /// The installed version, as reported.
    pub installed: String,
    /// The first fixed version of the matching range, when affected and
    /// a fix is released.
    pub fixed_in: Option<Version>,
    /// Whether a fix exists, when affected.
    pub fix: Option<FixState>,
    /// CVSS band.
    pub severity: Option<Rating>,
    /// CVSS base score.
    pub score: Option<f64>,
    /// Whether the installed version is a vendor build.
    pub vendor_build: bool,
    /// Why: the renderers put it in words.
    pub why: Why,
    /// What qualifies `why`.
    pub notes: Vec<Note>,
    /// Why the verdict is unknown, when it is.
    pub unknown_reason: Option<UnknownReason>,
    /// What clears the version, when it is not affected.
    pub not_affected_reason: Option<Cleared>,
    /// Where the issue and the CNA's CVE record disagree on this version:
    /// what each says (the verdict is never the more lenient of the two).
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

/// The order of [`assess()`].
pub fn sort_results(results: &mut [CheckResult]) {
    let score = |r: &CheckResult| r.score.map(|s| (s * 10.0).round() as i64);
    results.sort_by(|a, b| {
        (
            a.verdict,
            Reverse(a.severity),
            Reverse(score(a)),
            Reverse(a.id.as_str()),
        )
            .cmp(&(
                b.verdict,
                Reverse(b.severity),
                Reverse(score(b)),
                Reverse(b.id.as_str()),
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
    let mut result = blank(entry, target);
    if entry.rejected() {
        result.verdict = Verdict::NotAffected;
        result.not_affected_reason = Some(Cleared::Rejected);
        result.why = Why::Rejected;
        return vec![result];
    }
    let origin = match &entry.ranges {
        RangeData::Unknown { why, reason } => {
            result.why = Why::NoRanges(reason.clone());
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
    if relevant.is_empty() {
        return vec![no_relevant_part(result, parts, &unchecked, covered)];
    }
    let v = match &target.version {
        Installed::Version(v) => v,
        Installed::Unreadable { raw, why } => {
            result.component = join_unique(relevant.iter().map(|p| p.feed_name()));
            result.components = resolved(&relevant);
            result.unknown_reason = Some(*why);
            result.why = Why::Unreadable {
                component: result.component.clone(),
                raw: raw.clone(),
                digest_only: *why == UnknownReason::ImageDigestOnly,
            };
            return vec![result];
        }
    };
    let upstream = v.upstream();
    result.notes = notes(origin, &unchecked, v);
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
        let known = known
            .into_iter()
            .map(|(p, r, h)| {
                let (fix, version) = h.expect("partitioned");
                (p, (r, fix, version))
            })
            .collect();
        return affected(entry, known, upstream, &result);
    }
    result.component = join_unique(relevant.iter().map(|p| p.feed_name()));
    result.components = resolved(&relevant);
    if let Some((p, r, _)) = unstated.first() {
        result.component = p.name();
        result.components = resolved(&[p]);
        result.unknown_reason = Some(UnknownReason::FixedVersionNotStated);
        result.why = Why::FixedVersionNotStated {
            version: upstream.clone(),
            range: (*r).clone(),
            component: result.component.clone(),
        };
    } else if let Some(bare) = relevant.iter().find(|p| p.affected.ranges.is_empty()) {
        result.unknown_reason = Some(UnknownReason::NoVersionsForComponent);
        result.why = Why::NoVersionsFor {
            component: bare.feed_name().to_string(),
        };
    } else {
        outside_ranges(entry, &relevant, upstream, &mut result);
    }
    vec![result]
}

/// The result of `entry` for `target` before anything is assessed:
/// unknown, with the entry's and the target's facts.
fn blank(entry: &FeedEntry, target: &Target) -> CheckResult {
    CheckResult {
        id: entry.id.clone(),
        verdict: Verdict::Unknown,
        component: target.scope.names().join(", "),
        components: target.scope.named(),
        installed: target.version.raw().to_string(),
        fixed_in: None,
        fix: None,
        severity: entry.severity.as_ref().map(|s| s.rating),
        score: entry.severity.as_ref().and_then(|s| s.score),
        vendor_build: target
            .version
            .version()
            .is_some_and(InstalledVersion::is_vendor_build),
        why: Why::Rejected,
        notes: Vec::new(),
        unknown_reason: None,
        not_affected_reason: None,
        sources_disagree: Vec::new(),
        ignored: None,
        target: target.name.clone(),
        summary: entry.summary.clone(),
        url: entry.url.clone(),
    }
}

/// The verdict when no part of the entry concerns the target: not
/// affected when another target checks one of its components, unknown
/// when no target checks any of them (kubelet when the nodes could not be
/// listed): "not affected" is for a CVE that another target checks.
fn no_relevant_part(
    mut result: CheckResult,
    parts: &[Part],
    unchecked: &[&Part],
    covered: &Covered,
) -> CheckResult {
    if !unchecked.is_empty() && !parts.iter().any(|p| p.is_covered(covered)) {
        result.unknown_reason = Some(UnknownReason::ComponentNotFound);
        result.why = Why::ComponentNotFound {
            unchecked: join_unique(unchecked.iter().map(|p| p.feed_name())),
            first: unchecked[0].feed_name().to_string(),
        };
    } else {
        result.verdict = Verdict::NotAffected;
        result.not_affected_reason = Some(Cleared::OtherComponents);
        result.why = Why::OtherComponents {
            concerns: join_unique(parts.iter().map(|p| p.feed_name())),
        };
    }
    result
}

/// What every result of an assessed version notes: ranges read from the
/// description, components no target checks, a vendor build.
fn notes(origin: Origin, unchecked: &[&Part], v: &InstalledVersion) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::new();
    if origin == Origin::Description {
        notes.push(Note::FromDescription);
    }
    if !unchecked.is_empty() {
        notes.push(Note::AlsoConcerns(join_unique(
            unchecked.iter().map(|p| p.feed_name()),
        )));
    }
    if let Some(suffix) = v.vendor_suffix() {
        notes.push(Note::VendorBuild {
            suffix: suffix.to_string(),
            upstream: v.upstream().clone(),
        });
    }
    notes
}

/// One affected result per component whose ranges hold the version, with
/// its best fix and any source that disagrees.
fn affected<'a>(
    entry: &FeedEntry,
    known: Vec<(&'a Part, Hit<'a>)>,
    upstream: &Version,
    result: &CheckResult,
) -> Vec<CheckResult> {
    let mut by_component: BTreeMap<String, (Vec<&Part>, Vec<Hit>)> = BTreeMap::new();
    for (p, hit) in known {
        let (parts, hits) = by_component.entry(p.name()).or_default();
        parts.push(p);
        hits.push(hit);
    }
    by_component
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
            let why = Why::InRange {
                version: upstream.clone(),
                ranges: hits.iter().map(|(r, _, _)| (*r).clone()).collect(),
                component: component.clone(),
                status: entry.status,
            };
            let sources_disagree = record_claim(entry, &parts, upstream)
                .filter(|(says, _)| *says != Verdict::Affected)
                .map(|(says, _)| disagreement(Verdict::Affected, says))
                .unwrap_or_default();
            CheckResult {
                verdict: Verdict::Affected,
                component,
                components: resolved(&parts),
                sources_disagree,
                fixed_in: fixed,
                fix: Some(fix),
                why,
                ..result.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
