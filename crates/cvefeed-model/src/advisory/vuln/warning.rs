//! What the body parser could not read, as values: [`Warning`], one
//! variant per kind of problem, so that callers and tests match on the kind
//! and the text is written once, in its `Display`.
//!
//! Owns the wording of parse warnings only. Warnings are logged by the
//! publisher and never published or hashed; nothing here decides what is
//! extracted.

use semver::Version;

use super::cvss::CvssError;
use super::{Rating, VersionRange};

/// A problem met while reading an announcement body. Reading goes on: the
/// value concerned is skipped, merged or taken from the other source.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Warning {
    /// The vector on the CVSS line cannot be scored.
    #[error(transparent)]
    Cvss(CvssError),
    /// The OSV block and the Markdown give different vectors.
    #[error("the OSV block gives {block} but the Markdown gives {markdown}; using the OSV block")]
    VectorConflict {
        /// The OSV block's vector (used).
        block: String,
        /// The Markdown's vector.
        markdown: String,
    },
    /// The score stated next to the vector is not the vector's score.
    #[error("the announcement states CVSS score {stated} but {vector} scores {score}")]
    ScoreMismatch {
        /// The score as stated.
        stated: f64,
        /// The vector.
        vector: String,
        /// Its computed base score.
        score: f64,
    },
    /// The band stated next to the vector is not the vector's band.
    #[error("the announcement states severity {stated} but {vector} is rated {rating} ({score})")]
    RatingMismatch {
        /// The band as stated.
        stated: Rating,
        /// The vector.
        vector: String,
        /// Its computed band.
        rating: Rating,
        /// Its computed base score.
        score: f64,
    },
    /// The body names further, different vectors.
    #[error("the body gives other CVSS vectors too ({}); using {used}", others.join(", "))]
    OtherVectors {
        /// The other vectors, canonical where they can be scored.
        others: Vec<String>,
        /// The vector used.
        used: String,
    },
    /// The OSV block is JSON, but not an object.
    #[error("malformed OSV block: not a JSON object; ignored")]
    OsvBlockNotAnObject,
    /// The OSV block is not JSON.
    #[error("malformed OSV block: {reason}; ignored")]
    OsvBlockInvalid {
        /// The JSON parser's message.
        reason: String,
    },
    /// An OSV block severity entry without a `score` string.
    #[error("OSV block: a severity entry has no score string")]
    OsvSeverityWithoutScore,
    /// An OSV block severity whose vector cannot be scored.
    #[error("OSV block: {0}")]
    OsvCvss(CvssError),
    /// An OSV block `affected` entry without a package name.
    #[error("OSV block: affected[{index}] has no package name; ignored")]
    OsvAffectedWithoutName {
        /// Its position in `affected`.
        index: usize,
    },
    /// An OSV block range that is not `SEMVER` or `ECOSYSTEM`.
    #[error("OSV block: {kind:?} range of {component} is not a version range; ignored")]
    OsvNotAVersionRange {
        /// The range type as written (its first 64 characters).
        kind: String,
        /// The component.
        component: String,
    },
    /// None of a component's OSV block ranges can be used.
    #[error("OSV block: no usable range for {component}")]
    OsvNoUsableRange {
        /// The component.
        component: String,
    },
    /// An OSV block event that is not `{kind: version}`.
    #[error("OSV block: an event of {component} is not {{kind: version}}")]
    OsvMalformedEvent {
        /// The component.
        component: String,
    },
    /// An OSV block event whose version cannot be read.
    #[error("OSV block: {kind} version {version:?} of {component} is not a version; ignored")]
    OsvBadVersion {
        /// The event kind (`introduced`, `fixed`, …; its first 64
        /// characters).
        kind: String,
        /// The version as written (its first 64 characters).
        version: String,
        /// The component.
        component: String,
    },
    /// An OSV block event of a kind OSV does not define.
    #[error("OSV block: unknown event {kind:?} for {component}; ignored")]
    OsvUnknownEvent {
        /// The event kind as written (its first 64 characters).
        kind: String,
        /// The component.
        component: String,
    },
    /// A component the table does not know: published without a package.
    #[error("unknown component {name:?}: no OSV package known for it")]
    UnknownComponent {
        /// The name as read (its first 64 characters).
        name: String,
    },
    /// A range that ends before it starts.
    #[error("impossible range for {component}: {range} ends before it starts; dropped")]
    ImpossibleRange {
        /// The component.
        component: String,
        /// The range, dropped.
        range: VersionRange,
    },
    /// A listed fixed version that does not come after the last affected
    /// version of its minor line.
    #[error(
        "fixed version {fixed} of {component} is not after its last affected version {last_affected}; ignored"
    )]
    FixedNotAfterLastAffected {
        /// The component.
        component: String,
        /// The fixed version, ignored.
        fixed: Version,
        /// The last affected version of the same minor line.
        last_affected: Version,
    },
    /// Two ranges of one component overlap.
    #[error("overlapping ranges for {component}: {first} and {second}; merged")]
    OverlappingRanges {
        /// The component.
        component: String,
        /// The lower range (as merged so far).
        first: VersionRange,
        /// The range overlapping it.
        second: VersionRange,
    },
    /// A version of the CNA's CVE record that says no range: free text
    /// (`prior to 0.4.3` as a bound), an operator alone, a placeholder.
    /// Nothing is guessed from it.
    #[error(
        "CVE record: version {raw:?} of {component} cannot be read as a version or range; ignored"
    )]
    RecordUnreadableVersion {
        /// The component it was given for.
        component: String,
        /// The raw text (version, bound and status as the record gives them).
        raw: String,
    },
    /// The record gives no version at all (`n/a`).
    #[error("CVE record: {component} is given without versions ({raw:?}); no range read")]
    RecordNoVersions {
        /// The product as the record names it (its first 64 characters).
        component: String,
        /// The raw version text.
        raw: String,
    },
}
