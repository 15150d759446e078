//! Structured vulnerability data of one advisory: severity, affected
//! components and version ranges, and where each piece came from.
//!
//! These are the types the OSV records, the feed extensions and
//! `cvefeed check` are built from. Extraction from an issue body lives in
//! [`extract`]; it is pure and never fails: what it cannot read becomes a
//! [`Warning`] in [`VulnData::warnings`] and an absent field.
//!
//! Sources, in order: the embedded `json osv` block ([`osv_block`]), then
//! the Markdown of the body ([`markdown`]). Component names map to OSV
//! packages through the one table in [`components`]; ranges are normalised
//! in [`ranges`]; vectors are scored in [`cvss`]. This module and its
//! children perform no I/O and know nothing of output formats.

pub mod components;
pub mod cvss;
pub mod markdown;
pub mod osv_block;
pub mod ranges;
mod warning;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use cvss::CvssError;
pub use warning::Warning;

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

impl Rating {
    /// Every band, lowest first.
    pub const ALL: [Rating; 5] = [
        Rating::None,
        Rating::Low,
        Rating::Medium,
        Rating::High,
        Rating::Critical,
    ];

    /// The band of a base score.
    pub fn of_score(score: f64) -> Rating {
        if score >= 9.0 {
            Rating::Critical
        } else if score >= 7.0 {
            Rating::High
        } else if score >= 4.0 {
            Rating::Medium
        } else if score > 0.0 {
            Rating::Low
        } else {
            Rating::None
        }
    }

    /// A band named in text, any case.
    pub fn from_word(word: &str) -> Option<Rating> {
        Rating::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(word))
    }

    /// The wire name: `NONE`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::None => "NONE",
            Rating::Low => "LOW",
            Rating::Medium => "MEDIUM",
            Rating::High => "HIGH",
            Rating::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Rating {
    /// The wire name, as every format publishes it: see [`Rating::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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

impl fmt::Display for Severity {
    /// The band and the base score to one decimal, as the page, the Atom
    /// feed and the audit show it: `HIGH 8.1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:.1}", self.rating, self.score)
    }
}

impl Severity {
    /// The base metrics of [`Severity::vector`] alone: temporal,
    /// threat, environmental and supplemental metrics (`/E:F`,
    /// `/CR:H/IR:H`) removed. The score is the base score of this vector,
    /// and vectors are compared by it.
    pub fn base_vector(&self) -> String {
        cvss::base_vector(&self.vector)
    }
}

/// The upper end of a version range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upper {
    /// First version with the fix (exclusive).
    Fixed(semver::Version),
    /// Last affected version (inclusive), when no fixed version is known.
    LastAffected(semver::Version),
    /// No upper bound: every later version too.
    Open,
}

/// One version range of a component: `introduced <= v` and below its
/// [`Upper`] bound. An absent `introduced` means "all earlier versions".
///
/// Serialised as OSV and the feed write a range, three optional fields
/// `introduced`, `fixed` and `last_affected`; reading a range that gives
/// both `fixed` and `last_affected` fails ([`BothBounds`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Bounds", into = "Bounds")]
pub struct VersionRange {
    /// First affected version.
    pub introduced: Option<semver::Version>,
    /// Where the range ends.
    pub upper: Upper,
}

/// A range as JSON writes it: the OSV event names, each optional.
#[derive(Serialize, Deserialize)]
struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    introduced: Option<semver::Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed: Option<semver::Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_affected: Option<semver::Version>,
}

/// A range given with both a fixed and a last affected version: it cannot
/// say which one ends it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a version range gives both fixed {fixed} and last_affected {last_affected}; it may end at only one"
)]
pub struct BothBounds {
    /// The fixed version given.
    pub fixed: semver::Version,
    /// The last affected version given.
    pub last_affected: semver::Version,
}

impl VersionRange {
    /// The range from `introduced` (or the beginning) to `upper`.
    pub fn new(introduced: Option<semver::Version>, upper: Upper) -> VersionRange {
        VersionRange { introduced, upper }
    }

    /// The range the three OSV bounds describe; at most one of `fixed` and
    /// `last_affected` may be given, and neither means no upper bound.
    pub fn from_bounds(
        introduced: Option<semver::Version>,
        fixed: Option<semver::Version>,
        last_affected: Option<semver::Version>,
    ) -> Result<VersionRange, BothBounds> {
        let upper = match (fixed, last_affected) {
            (Some(fixed), Some(last_affected)) => {
                return Err(BothBounds {
                    fixed,
                    last_affected,
                });
            }
            (Some(f), None) => Upper::Fixed(f),
            (None, Some(l)) => Upper::LastAffected(l),
            (None, None) => Upper::Open,
        };
        Ok(VersionRange::new(introduced, upper))
    }

    /// The first version with the fix, if the range ends at one.
    pub fn fixed(&self) -> Option<&semver::Version> {
        match &self.upper {
            Upper::Fixed(f) => Some(f),
            _ => None,
        }
    }

    /// The last affected version, if the range ends at one.
    pub fn last_affected(&self) -> Option<&semver::Version> {
        match &self.upper {
            Upper::LastAffected(l) => Some(l),
            _ => None,
        }
    }

    /// Whether `v` lies in this range.
    pub fn contains(&self, v: &semver::Version) -> bool {
        let above = self.introduced.as_ref().is_none_or(|i| i <= v);
        let below = match &self.upper {
            Upper::Fixed(f) => v < f,
            Upper::LastAffected(l) => v <= l,
            Upper::Open => true,
        };
        above && below
    }
}

impl fmt::Display for VersionRange {
    /// Interval notation: `[1.2.0, 1.2.5)`, `[0, 1.3.4]`, `[1.8.0, ∞)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self
            .introduced
            .as_ref()
            .map_or_else(|| "0".to_string(), ToString::to_string);
        match &self.upper {
            Upper::Fixed(v) => write!(f, "[{from}, {v})"),
            Upper::LastAffected(v) => write!(f, "[{from}, {v}]"),
            Upper::Open => write!(f, "[{from}, ∞)"),
        }
    }
}

impl TryFrom<Bounds> for VersionRange {
    type Error = BothBounds;
    fn try_from(b: Bounds) -> Result<Self, Self::Error> {
        VersionRange::from_bounds(b.introduced, b.fixed, b.last_affected)
    }
}

impl From<VersionRange> for Bounds {
    fn from(r: VersionRange) -> Bounds {
        let (fixed, last_affected) = match r.upper {
            Upper::Fixed(f) => (Some(f), None),
            Upper::LastAffected(l) => (None, Some(l)),
            Upper::Open => (None, None),
        };
        Bounds {
            introduced: r.introduced,
            fixed,
            last_affected,
        }
    }
}

/// The affected versions of one component. Ranges never overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The component as the announcement names it (`kube-apiserver`).
    pub component: String,
    /// Its Go module in the OSV `Kubernetes` ecosystem (`k8s.io/apiserver`),
    /// or `None` when the name is not known.
    pub package: Option<String>,
    /// Non-overlapping ranges, lowest first.
    pub ranges: Vec<VersionRange>,
    /// Fixed versions that end no range: releases that open a new minor
    /// line with the fix (`1.25.0`), ascending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<semver::Version>,
    /// What the source says of the versions its ranges do not list.
    #[serde(default, skip_serializing_if = "Coverage::is_silent")]
    pub coverage: Coverage,
}

/// What a source says of a version that none of its affected ranges
/// contains. CVE JSON 5 calls it `defaultStatus`; when it is absent the
/// status is unknown, and the same holds for an announcement, which lists
/// affected versions only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultStatus {
    /// Unlisted versions are affected.
    Affected,
    /// Unlisted versions are not affected.
    Unaffected,
    /// Nothing is said of unlisted versions.
    #[default]
    Unknown,
}

impl DefaultStatus {
    /// Whether it is [`DefaultStatus::Unknown`], the status when nothing is said.
    pub fn is_unknown(&self) -> bool {
        *self == DefaultStatus::Unknown
    }

    /// The wire name: `affected`, `unaffected` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultStatus::Affected => "affected",
            DefaultStatus::Unaffected => "unaffected",
            DefaultStatus::Unknown => "unknown",
        }
    }

    /// The status of two product entries of one component taken together:
    /// unaffected only when both say so, affected when either does.
    pub fn and(self, other: DefaultStatus) -> DefaultStatus {
        match (self, other) {
            (a, b) if a == b => a,
            (DefaultStatus::Affected, _) | (_, DefaultStatus::Affected) => DefaultStatus::Affected,
            _ => DefaultStatus::Unknown,
        }
    }
}

/// The limits of what a source assessed, beside its affected ranges: the
/// versions it calls unknown, what it says of unlisted versions, and
/// whether it states where the affected versions begin. Kubernetes'
/// Security Response Committee assesses the supported minor lines only, so
/// ranges that begin at `1.31.0` say nothing of `1.27`, unless the source
/// says that the bug was introduced there.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// Versions the source calls unknown (CVE JSON 5 `status: unknown`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<VersionRange>,
    /// What the source says of versions none of its ranges lists.
    #[serde(default, skip_serializing_if = "DefaultStatus::is_unknown")]
    pub default_status: DefaultStatus,
    /// Whether the source states the first affected version ("1.29.0 and
    /// later", an OSV `introduced` event, an explicit unaffected range
    /// below it): then the versions below the lowest range are not
    /// affected. Otherwise they were not assessed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lower_bound_stated: bool,
}

impl Coverage {
    /// Whether it says nothing beyond the ranges: the coverage of a source
    /// that lists affected versions only.
    pub fn is_silent(&self) -> bool {
        *self == Coverage::default()
    }
}

impl Affected {
    /// The lowest version this entry assessed, when the source does not
    /// state where the affected versions begin and its lowest range does
    /// not start at the beginning: versions below it were not assessed.
    pub fn assessed_from(&self) -> Option<&semver::Version> {
        if self.coverage.lower_bound_stated {
            return None;
        }
        let lowest = self.ranges.iter().map(|r| r.introduced.as_ref()).min()?;
        lowest.filter(|v| **v > semver::Version::new(0, 0, 0))
    }
}

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The embedded `json osv` block.
    OsvBlock,
    /// The Markdown of the body.
    Markdown,
    /// The CNA's CVE record (CVE JSON 5), for a field the issue leaves
    /// empty.
    CveRecord,
    /// Not found anywhere.
    #[default]
    #[serde(rename = "none")]
    Nowhere,
}

impl Source {
    /// The wire name: `osv_block`, `markdown`, `cve_record` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::OsvBlock => "osv_block",
            Source::Markdown => "markdown",
            Source::CveRecord => "cve_record",
            Source::Nowhere => "none",
        }
    }
}

/// Where each structured field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// Origin of [`VulnData::severity`].
    pub severity: Source,
    /// Origin of the ranges of [`VulnData::affected`].
    pub affected: Source,
    /// Origin of the fixed versions ([`VulnData::fixed_versions`]).
    pub fixed_versions: Source,
    /// Origin of the component names ([`VulnData::components`]).
    pub components: Source,
    /// Origin of [`VulnData::cwe`].
    pub cwe: Source,
}

impl Provenance {
    /// Provenance as published, field by field.
    pub fn fields(&self) -> [(&'static str, Source); 5] {
        [
            ("severity", self.severity),
            ("affected", self.affected),
            ("fixed_versions", self.fixed_versions),
            ("components", self.components),
            ("cwe", self.cwe),
        ]
    }
}

/// What the CNA's CVE record adds in every case: its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDates {
    /// The record's `cveMetadata.datePublished`, when given.
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// The record's `cveMetadata.dateUpdated`, when given.
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
}

/// Everything structured that is known about one CVE.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VulnData {
    /// CVSS severity, when a valid vector was found.
    pub severity: Option<Severity>,
    /// Affected components and ranges.
    pub affected: Vec<Affected>,
    /// Links found in the body besides the issue and cve.org: announcements
    /// (mailing list, GHSA, blog) and fixes (pull requests, commits); see
    /// [`reference_kind`].
    pub references: Vec<String>,
    /// CWE ids (`CWE-20`) from the CNA's CVE record.
    #[serde(default)]
    pub cwe: Vec<String>,
    /// The dates of the CNA's CVE record, when one was read.
    #[serde(default)]
    pub record: Option<RecordDates>,
    /// The CNA's CVE record's own ranges for the components of
    /// [`VulnData::affected`], where the two disagree on whether some
    /// version is affected (the audit's `affected` finding). `affected`
    /// keeps the issue's ranges; `cvefeed check` weighs both, and never
    /// resolves a disagreement toward "not affected".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_affected: Vec<Affected>,
    /// Where each field came from.
    pub provenance: Provenance,
    /// Problems met while reading the body, for the log. Not published.
    #[serde(skip)]
    pub warnings: Vec<Warning>,
}

impl VulnData {
    /// Whether any range ends at a fixed version.
    pub fn has_fixed_versions(&self) -> bool {
        self.affected
            .iter()
            .any(|a| !a.fixed.is_empty() || a.ranges.iter().any(|r| r.fixed().is_some()))
    }

    /// Every fixed version named in any range, or listed apart
    /// ([`Affected::fixed`]), ascending, without duplicates.
    pub fn fixed_versions(&self) -> Vec<semver::Version> {
        let mut v: Vec<semver::Version> = self
            .affected
            .iter()
            .flat_map(|a| {
                a.ranges
                    .iter()
                    .filter_map(|r| r.fixed().cloned())
                    .chain(a.fixed.iter().cloned())
            })
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

/// What a reference link is, by its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// A security advisory (GHSA).
    Advisory,
    /// An announcement or write-up (mailing list, blog, forum).
    Article,
    /// A pull request or commit with the fix.
    Fix,
    /// Anything else.
    Web,
}

/// Classify a reference URL.
pub fn reference_kind(url: &str) -> ReferenceKind {
    let u = url.to_ascii_lowercase();
    if u.contains("/ghsa-") || u.contains("/advisories/") {
        ReferenceKind::Advisory
    } else if u.contains("groups.google.com/")
        || u.contains("kubernetes.io/blog/")
        || u.contains("discuss.kubernetes.io/")
    {
        ReferenceKind::Article
    } else if u.starts_with("https://github.com/")
        && (u.contains("/pull/") || u.contains("/commit/"))
    {
        ReferenceKind::Fix
    } else {
        ReferenceKind::Web
    }
}

/// URLs in Markdown text: link targets and bare URLs.
static URLS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"https?://[^\s<>()\[\]"'`]+"#).expect("valid regex")
});

/// Links worth publishing as references: announcements and fixes.
fn markdown_references(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in URLS.find_iter(text) {
        let url = m.as_str().trim_end_matches(['.', ',', ';', ':', '*', '_']);
        if reference_kind(url) != ReferenceKind::Web && !out.iter().any(|u| u == url) {
            out.push(url.to_string());
        }
    }
    out
}

/// Extract structured data from an issue body: the `json osv` block first,
/// then the Markdown. Never fails; problems become [`VulnData::warnings`].
pub fn extract(body: &str) -> VulnData {
    let text = body.replace("\r\n", "\n").replace('\r', "\n");
    let mut warnings = Vec::new();
    let (block, markdown_text) = match osv_block::split(&text) {
        Some((json, rest)) => (osv_block::read(json, &mut warnings), rest),
        None => (None, text.clone()),
    };
    let block = block.unwrap_or_default();
    let mut provenance = Provenance::default();

    let statement = markdown::cvss_statement(&markdown_text);
    let markdown_severity = match &statement {
        Some(st) => match &st.severity {
            Ok(s) => Some(s.clone()),
            Err(e) => {
                warnings.push(Warning::Cvss(e.clone()));
                None
            }
        },
        None => None,
    };
    let severity = match (block.severity, markdown_severity) {
        (Some(b), md) => {
            if let Some(md) = md
                && md.vector != b.vector
            {
                warnings.push(Warning::VectorConflict {
                    block: b.vector.clone(),
                    markdown: md.vector,
                });
            }
            provenance.severity = Source::OsvBlock;
            Some(b)
        }
        (None, Some(md)) => {
            provenance.severity = Source::Markdown;
            Some(md)
        }
        (None, None) => None,
    };
    if let (Some(sev), Some(st)) = (&severity, &statement) {
        warnings.extend(cvss::disagreements(sev, st.stated));
        if !st.others.is_empty() {
            warnings.push(Warning::OtherVectors {
                others: st.others.clone(),
                used: sev.vector.clone(),
            });
        }
    }

    let affected = if !block.affected.is_empty() {
        provenance.affected = Source::OsvBlock;
        block.affected
    } else {
        let md = markdown::affected(&markdown_text, &mut warnings);
        if !md.is_empty() {
            provenance.affected = Source::Markdown;
        }
        md
    };
    provenance.components = provenance.affected;

    let mut references = block.references;
    for url in markdown_references(&markdown_text) {
        if !references.contains(&url) {
            references.push(url);
        }
    }
    let mut data = VulnData {
        severity,
        affected,
        references,
        cwe: Vec::new(),
        record: None,
        record_affected: Vec::new(),
        provenance,
        warnings,
    };
    if data.has_fixed_versions() {
        data.provenance.fixed_versions = data.provenance.affected;
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_display_is_the_wire_name() {
        for r in Rating::ALL {
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(Rating::from_word(&r.to_string().to_lowercase()), Some(r));
            assert_eq!(Rating::from_word(r.as_str()), Some(r));
        }
        assert!(Rating::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Rating::from_word("severe"), None);
    }

    #[test]
    fn severity_display_has_band_and_one_decimal() {
        let s = Severity {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: 9.8,
            rating: Rating::Critical,
        };
        assert_eq!(s.to_string(), "CRITICAL 9.8");
        let s = Severity {
            score: 7.0,
            rating: Rating::High,
            ..s
        };
        assert_eq!(s.to_string(), "HIGH 7.0");
    }

    #[test]
    fn ranges_keep_their_json_shape_and_refuse_two_upper_bounds() {
        let v = |s: &str| semver::Version::parse(s).unwrap();
        for (range, json) in [
            (
                VersionRange::new(Some(v("1.2.0")), Upper::Fixed(v("1.2.5"))),
                r#"{"introduced":"1.2.0","fixed":"1.2.5"}"#,
            ),
            (
                VersionRange::new(None, Upper::LastAffected(v("1.3.4"))),
                r#"{"last_affected":"1.3.4"}"#,
            ),
            (
                VersionRange::new(Some(v("1.8.0")), Upper::Open),
                r#"{"introduced":"1.8.0"}"#,
            ),
            (VersionRange::new(None, Upper::Open), "{}"),
        ] {
            assert_eq!(serde_json::to_string(&range).unwrap(), json);
            assert_eq!(serde_json::from_str::<VersionRange>(json).unwrap(), range);
        }
        let both = r#"{"introduced":"1.0.0","fixed":"1.2.5","last_affected":"1.2.4"}"#;
        let err = serde_json::from_str::<VersionRange>(both).unwrap_err();
        assert!(
            err.to_string()
                .contains("both fixed 1.2.5 and last_affected 1.2.4"),
            "{err}"
        );
        assert_eq!(
            VersionRange::from_bounds(None, Some(v("1.2.5")), Some(v("1.2.4"))),
            Err(BothBounds {
                fixed: v("1.2.5"),
                last_affected: v("1.2.4")
            })
        );
    }

    #[test]
    fn ranges_contain_and_print_by_their_upper_bound() {
        let v = |s: &str| semver::Version::parse(s).unwrap();
        let half_open = VersionRange::new(Some(v("1.2.0")), Upper::Fixed(v("1.2.5")));
        assert!(half_open.contains(&v("1.2.0")) && !half_open.contains(&v("1.2.5")));
        assert_eq!(half_open.to_string(), "[1.2.0, 1.2.5)");
        let closed = VersionRange::new(None, Upper::LastAffected(v("1.3.4")));
        assert!(closed.contains(&v("0.1.0")) && closed.contains(&v("1.3.4")));
        assert!(!closed.contains(&v("1.3.5")));
        assert_eq!(closed.to_string(), "[0, 1.3.4]");
        let open = VersionRange::new(Some(v("1.8.0")), Upper::Open);
        assert!(open.contains(&v("99.0.0")) && !open.contains(&v("1.7.9")));
        assert_eq!(open.to_string(), "[1.8.0, ∞)");
    }
}
