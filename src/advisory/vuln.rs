//! Structured vulnerability data of one advisory: severity, affected
//! components and version ranges, and where each piece came from.
//!
//! These are the types the OSV records, the feed extensions and
//! `cvefeed check` are built from. Extraction from an issue body lives in
//! [`extract`]; it is pure and never fails: what it cannot read becomes a
//! [`VulnData::warnings`] entry and an absent field.

use serde::{Deserialize, Serialize};

/// CVSS severity band, as CVSS v3/v4 define it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Rating {
    /// Score 0.0.
    None,
    /// 0.1 to 3.9.
    Low,
    /// 4.0 to 6.9.
    Medium,
    /// 7.0 to 8.9.
    High,
    /// 9.0 to 10.0.
    Critical,
}

/// A CVSS vector with the score and band computed from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// The vector as published, normalised (`CVSS:3.1/AV:N/…`).
    pub vector: String,
    /// Base score computed from the vector.
    pub score: f64,
    /// Band of the base score.
    pub rating: Rating,
}

/// One version range of a component: `introduced <= v < fixed`, or
/// `introduced <= v <= last_affected`. An absent `introduced` means "all
/// earlier versions".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    /// First affected version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<semver::Version>,
    /// First version with the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<semver::Version>,
    /// Last affected version, when no fixed version is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<semver::Version>,
}

/// The affected versions of one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The component as the announcement names it (`kube-apiserver`).
    pub component: String,
    /// Its Go module in the OSV `Kubernetes` ecosystem (`k8s.io/apiserver`),
    /// or `None` when the name is not known.
    pub package: Option<String>,
    /// Non-overlapping ranges, lowest first.
    pub ranges: Vec<VersionRange>,
}

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The embedded `json osv` block.
    OsvBlock,
    /// The Markdown of the body.
    Markdown,
    /// Not found anywhere.
    #[default]
    Nowhere,
}

/// Where each structured field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// Origin of [`VulnData::severity`].
    pub severity: Source,
    /// Origin of [`VulnData::affected`].
    pub affected: Source,
}

/// Everything structured that is known about one CVE.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VulnData {
    /// CVSS severity, when a valid vector was found.
    pub severity: Option<Severity>,
    /// Affected components and ranges.
    pub affected: Vec<Affected>,
    /// Announcement links found in the body (mailing list, GHSA, blog).
    pub references: Vec<String>,
    /// Where each field came from.
    pub provenance: Provenance,
    /// Problems met while reading the body, for the log. Not published.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl VulnData {
    /// Every fixed version named in any range, ascending, without duplicates.
    pub fn fixed_versions(&self) -> Vec<semver::Version> {
        let mut v: Vec<semver::Version> = self
            .affected
            .iter()
            .flat_map(|a| a.ranges.iter().filter_map(|r| r.fixed.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Component names, in order of first appearance.
    pub fn components(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for a in &self.affected {
            if !names.contains(&a.component) {
                names.push(a.component.clone());
            }
        }
        names
    }
}

/// Extract structured data from an issue body.
pub fn extract(_body: &str) -> VulnData {
    VulnData::default()
}
