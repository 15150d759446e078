//! The verdict of a version that no affected range contains, and what the
//! CNA's CVE record says where it disagrees with the issue: the model's
//! [`crate::verdict::claim`] applied to each relevant component.
//!
//! Part of [`super::assess()`]; knows nothing of targets.

use std::collections::BTreeSet;

use semver::Version;

use super::assess::{CheckResult, Cleared, SourceClaim, UnknownReason, Verdict};
use super::entry::{FeedEntry, FixNews, FixState};
use super::part::{Part, resolved};
use super::why::{MinorLines, Why};
use crate::advisory::Status;
use crate::advisory::vuln::{Affected, VersionRange};
use crate::verdict::{self, Claim, Clear, FixKnown, Gap};

/// Whether a fix is known to exist for the CVE as a whole.
pub(super) fn fix_known(entry: &FeedEntry) -> FixKnown {
    match (entry.fix_news, entry.status) {
        (FixNews::NoFix, _) => FixKnown::No,
        (_, Some(Status::Unfixed | Status::Open | Status::Unknown)) => FixKnown::No,
        _ => FixKnown::Yes,
    }
}

/// What the CNA's CVE record says of `v` for the components of `parts`,
/// when the feed carries its disagreeing ranges: affected (with the
/// range) if any part's record ranges say so, else the first other claim.
pub(super) fn record_claim<'e>(
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

pub(super) fn disagreement(issue: Verdict, record: Verdict) -> Vec<SourceClaim> {
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

/// The minor lines the ranges of `a` touch, lowest and highest.
fn assessed_lines(a: &Affected) -> MinorLines {
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
    lines.first().copied().zip(lines.last().copied())
}

/// The verdict of a version that no affected range contains: what each
/// relevant part's source says of it ([`verdict::claim`]). Affected when
/// a source's default or the CVE record says so; unknown when any source
/// does not say; not affected only when every source's words clear it.
pub(super) fn outside_ranges(
    entry: &FeedEntry,
    relevant: &[&Part],
    v: &Version,
    result: &mut CheckResult,
) {
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
        result.why = Why::DefaultAffected {
            version: v.clone(),
            component: p.feed_name().to_string(),
        };
        return;
    }
    if let Some((Verdict::Affected, range)) = record_claim(entry, relevant, v) {
        let issue_says = if claims.iter().any(|(_, c)| matches!(c, Claim::Unknown(_))) {
            Verdict::Unknown
        } else {
            Verdict::NotAffected
        };
        result.verdict = Verdict::Affected;
        result.fixed_in = range.and_then(|r| r.fixed().cloned());
        result.fix = Some(if result.fixed_in.is_some() {
            FixState::Fixed
        } else {
            FixState::NotStated
        });
        result.sources_disagree = disagreement(issue_says, Verdict::Affected);
        result.why = Why::RecordAffected {
            version: v.clone(),
            range: range.cloned(),
        };
        return;
    }
    if let Some((p, gap)) = claims.iter().find_map(|(p, c)| match c {
        Claim::Unknown(g) => Some((p, g)),
        _ => None,
    }) {
        let why = match gap {
            Gap::NotAssessed { .. } => UnknownReason::NotAssessed,
            Gap::SourceSaysUnknown(_) => UnknownReason::SourceSaysUnknown,
            Gap::NotListed => UnknownReason::NotListed,
            Gap::NoFixAfter(_) => UnknownReason::NoFixAfterLastAffected,
        };
        result.why = Why::Gap {
            version: v.clone(),
            component: p.feed_name().to_string(),
            gap: gap.clone(),
            lines: assessed_lines(p.affected),
        };
        result.component = p.name();
        result.components = resolved(&[p]);
        result.unknown_reason = Some(why);
        return;
    }
    result.verdict = Verdict::NotAffected;
    let by: Vec<(String, Clear)> = claims
        .iter()
        .filter_map(|(p, c)| match c {
            Claim::NotAffected(clear) => Some((p.feed_name().to_string(), clear.clone())),
            _ => None,
        })
        .collect();
    result.not_affected_reason = by.first().map(|(_, clear)| match clear {
        Clear::FixedOnLine(_) => Cleared::FixedOnLine,
        Clear::AfterLastAffected(_) => Cleared::AfterLastAffected,
        Clear::NewerThanAffected(_) => Cleared::NewerThanAffected,
        Clear::BeforeIntroduced(_) => Cleared::BeforeIntroduced,
        Clear::DefaultUnaffected => Cleared::DefaultUnaffected,
    });
    result.why = Why::Cleared {
        version: v.clone(),
        by,
    };
    if let Some((Verdict::Unknown, _)) = record_claim(entry, relevant, v) {
        result.sources_disagree = disagreement(Verdict::NotAffected, Verdict::Unknown);
    }
}
