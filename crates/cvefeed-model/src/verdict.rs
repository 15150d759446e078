//! What one source says of one installed version of one component: the
//! rules that turn an [`Affected`] entry into "affected", "not affected" or
//! "unknown", and never say more than the entry does.
//!
//! A version is not affected only where the source's own words say so: a
//! fixed version on its minor line, a last affected version below it (for
//! a CVE that has a fix), a fix below it that every later release carries,
//! a first affected version above it that the source states, or a default
//! of "unaffected" for a version inside the range of versions it assessed.
//! Every other case is unknown, with a [`Gap`] that says why: below the
//! versions assessed, a version the source calls unknown, a version it does
//! not list and has no default for, or past the last affected version of a
//! CVE that has no fix.
//!
//! Owns these rules only. It knows nothing of targets, clusters, feeds or
//! words: `cvefeed check` applies [`claim`] to each component it checks and
//! writes the reports.

use semver::Version;

use crate::advisory::vuln::{Affected, DefaultStatus, Upper, VersionRange};

/// What a source says of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim<'a> {
    /// The version lies in this affected range.
    Affected(&'a VersionRange),
    /// The version is not listed, and the source's default is affected.
    AffectedByDefault,
    /// The source's words clear the version.
    NotAffected(Clear),
    /// The source does not say.
    Unknown(Gap),
}

/// The words that clear a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clear {
    /// A fix on the version's own minor line, at or below it.
    FixedOnLine(Version),
    /// Past the last affected version of its minor line, for a CVE that
    /// has a fix.
    AfterLastAffected(Version),
    /// Newer than every affected range; the highest ends at this version
    /// (its fix, or its last affected version for a CVE that has a fix).
    NewerThanAffected(Version),
    /// Below the first affected version, which the source states.
    BeforeIntroduced(Version),
    /// Inside the versions the source assessed, not listed, and its
    /// default is unaffected.
    DefaultUnaffected,
}

/// Why a source does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// Below the lowest version the source assessed (it does not state
    /// where the affected versions begin).
    NotAssessed {
        /// The lowest version assessed.
        from: Version,
    },
    /// The source calls the versions of this range unknown.
    SourceSaysUnknown(VersionRange),
    /// Not listed, and the source has no default for unlisted versions.
    NotListed,
    /// Past the last affected version the source names, but no fix exists
    /// (the CVE is unfixed, or its issue is open): later releases were not
    /// said to be fixed.
    NoFixAfter(Version),
}

/// Whether a fix is known to exist for the CVE as a whole, which decides
/// what a last affected version means for the versions after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKnown {
    /// The CVE is fixed (closed as fixed), or its state is not published.
    Yes,
    /// No fix exists, or none yet.
    No,
}

/// The highest version a range reaches, for ordering ranges by their top.
fn top(r: &VersionRange) -> Option<&Version> {
    match &r.upper {
        Upper::Fixed(v) | Upper::LastAffected(v) => Some(v),
        Upper::Open => None,
    }
}

fn same_line(a: &Version, b: &Version) -> bool {
    a.major == b.major && a.minor == b.minor
}

/// What `affected` says of version `v` (see the module documentation for
/// the rules, in the order they apply).
pub fn claim<'a>(affected: &'a Affected, v: &Version, fix: FixKnown) -> Claim<'a> {
    if let Some(r) = affected.ranges.iter().find(|r| r.contains(v)) {
        return Claim::Affected(r);
    }
    if let Some(r) = affected.coverage.unknown.iter().find(|r| r.contains(v)) {
        return Claim::Unknown(Gap::SourceSaysUnknown(r.clone()));
    }
    let past_last = |l: &Version, clear: Clear| match fix {
        FixKnown::Yes => Claim::NotAffected(clear),
        FixKnown::No => Claim::Unknown(Gap::NoFixAfter(l.clone())),
    };
    // A range's end is a fix unless the source calls that version
    // unknown (`{0, lessThan 1.18.0}` beside `{1.18.0, unknown}`).
    let stated = |f: &Version| !affected.coverage.unknown.iter().any(|r| r.contains(f));
    // The nearest bound below v on its own minor line decides: a fix, or
    // a last affected version.
    let fixes = affected
        .ranges
        .iter()
        .filter_map(VersionRange::fixed)
        .chain(&affected.fixed)
        .filter(|f| same_line(f, v) && *f <= v && stated(f))
        .map(|f| (f, true));
    let lasts = affected
        .ranges
        .iter()
        .filter_map(VersionRange::last_affected)
        .filter(|l| same_line(l, v) && *l < v)
        .map(|l| (l, false));
    match fixes.chain(lasts).max() {
        Some((f, true)) => return Claim::NotAffected(Clear::FixedOnLine(f.clone())),
        Some((l, false)) => return past_last(l, Clear::AfterLastAffected(l.clone())),
        None => {}
    }
    // Every range ends below v: v is newer than all of them.
    let highest = affected.ranges.iter().map(top).max_by(|a, b| match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
        (Some(a), Some(b)) => a.cmp(b),
    });
    if let Some(Some(end)) = highest
        && end < v
    {
        let highest_range = affected
            .ranges
            .iter()
            .find(|r| top(r) == Some(end))
            .expect("the highest end is a range's");
        match &highest_range.upper {
            Upper::LastAffected(l) => return past_last(l, Clear::NewerThanAffected(l.clone())),
            _ if stated(end) => return Claim::NotAffected(Clear::NewerThanAffected(end.clone())),
            // The end is of unknown status: the default decides.
            _ => {}
        }
    }
    let below_all = !affected.ranges.is_empty()
        && affected
            .ranges
            .iter()
            .all(|r| r.introduced.as_ref().is_some_and(|i| v < i));
    if below_all {
        if affected.coverage.lower_bound_stated {
            let lowest = affected
                .ranges
                .iter()
                .filter_map(|r| r.introduced.clone())
                .min()
                .expect("every range has a start");
            return Claim::NotAffected(Clear::BeforeIntroduced(lowest));
        }
        if affected.coverage.default_status == DefaultStatus::Affected {
            return Claim::AffectedByDefault;
        }
        let from = affected
            .assessed_from()
            .cloned()
            .expect("ranges that all start above v start above 0");
        return Claim::Unknown(Gap::NotAssessed { from });
    }
    match affected.coverage.default_status {
        DefaultStatus::Affected => Claim::AffectedByDefault,
        DefaultStatus::Unaffected => Claim::NotAffected(Clear::DefaultUnaffected),
        DefaultStatus::Unknown => Claim::Unknown(Gap::NotListed),
    }
}
