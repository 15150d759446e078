//! Why a [`super::CheckResult`] has its verdict, as values: [`Why`] and the
//! [`Note`]s that qualify it. The words are the report renderers' (the
//! binary's `check::report::words`); nothing here is English.

use semver::Version;

use super::entry::Unusable;
use crate::advisory::Status;
use crate::advisory::vuln::VersionRange;
use crate::verdict::{Clear, Gap};

/// The minor lines a source's ranges touch, lowest and highest
/// (`(major, minor)`); `None` when its ranges name no version.
pub type MinorLines = Option<((u64, u64), (u64, u64))>;

/// Why a result has its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The CNA rejected the CVE id.
    Rejected,
    /// The feed entry has no ranges, and why.
    NoRanges(Unusable),
    /// The CVE concerns other components only (their feed names).
    OtherComponents {
        /// The components it concerns, joined.
        concerns: String,
    },
    /// The CVE concerns components no target checks.
    ComponentNotFound {
        /// Their feed names, joined.
        unchecked: String,
        /// The first of them, for the suggested `--version`.
        first: String,
    },
    /// The target's image gives no version.
    Unreadable {
        /// The components concerned.
        component: String,
        /// What was found.
        raw: String,
        /// Pinned by digest only (else the tag is not a version).
        digest_only: bool,
    },
    /// The version is in affected ranges of a component.
    InRange {
        /// The upstream version compared.
        version: Version,
        /// The ranges that contain it.
        ranges: Vec<VersionRange>,
        /// The component.
        component: String,
        /// The feed status, which words the missing fix.
        status: Option<Status>,
    },
    /// Closed as fixed, but the range that contains the version is open.
    FixedVersionNotStated {
        /// The upstream version compared.
        version: Version,
        /// The open-ended range.
        range: VersionRange,
        /// The component.
        component: String,
    },
    /// The advisory names a component with no versions.
    NoVersionsFor {
        /// Its feed name.
        component: String,
    },
    /// In no listed range, and the source's default status is affected.
    DefaultAffected {
        /// The upstream version compared.
        version: Version,
        /// The component's feed name.
        component: String,
    },
    /// The CVE record calls the version affected; the issue does not.
    RecordAffected {
        /// The upstream version compared.
        version: Version,
        /// The record's range, when it names one.
        range: Option<VersionRange>,
    },
    /// A source does not say ([`Gap`]).
    Gap {
        /// The upstream version compared.
        version: Version,
        /// The component's feed name.
        component: String,
        /// What the source leaves open.
        gap: Gap,
        /// The minor lines the source assessed.
        lines: MinorLines,
    },
    /// Every source's words clear the version.
    Cleared {
        /// The upstream version compared.
        version: Version,
        /// Per component (feed name), what clears it.
        by: Vec<(String, Clear)>,
    },
}

/// What qualifies a result's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The ranges were read from the description by the body parser.
    FromDescription,
    /// The CVE also concerns components that were not checked.
    AlsoConcerns(String),
    /// The installed version is a vendor build, compared as upstream.
    VendorBuild {
        /// The vendor suffix.
        suffix: String,
        /// The upstream version.
        upstream: Version,
    },
}
