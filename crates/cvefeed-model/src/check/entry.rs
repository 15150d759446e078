//! One CVE of a feed as `check` sees it ([`FeedEntry`]): its status, what
//! the feed says of a fix, its severity and its affected ranges (or why it
//! has none).
//!
//! Reading a feed into entries is [`super::feed`]; judging a version
//! against them is [`super::assess()`].

use serde::Serialize;

use super::UnknownReason;
use crate::advisory::vuln::{Affected, Rating};
use crate::advisory::{CveId, Status};

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
        /// What exactly is missing or unreadable.
        reason: Unusable,
    },
}

/// Why a feed entry gives no range a version can be checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// A range the feed gives cannot be read.
    Invalid {
        /// The component the range is of.
        component: String,
        /// Which part of the range.
        part: RangePart,
        /// The parse error, as its own message says it.
        error: String,
    },
    /// Neither the feed nor the description gives affected versions.
    Missing {
        /// Whether the item carries structured data (`_kubernetes_io.affected`)
        /// that lists none, or none at all.
        structured: bool,
        /// Whether the description is empty (rather than unreadable).
        empty_description: bool,
    },
}

/// The part of a feed range that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePart {
    /// A bound of an affected range: `introduced`, `fixed` or
    /// `last_affected`.
    Bound(&'static str),
    /// The affected range as a whole (its bounds contradict each other).
    Range,
    /// A range of the published assessment's `unknown` versions.
    UnknownRange,
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
    pub fn rejected(&self) -> bool {
        self.status == Some(Status::Rejected)
    }
}
