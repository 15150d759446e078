//! The CNA's CVE records (CVE JSON 5): the second source of every fact.
//!
//! Kubernetes is a CVE Numbering Authority and publishes one CVE JSON 5
//! record per CVE, with `affected` versions, CVSS metrics and CWE ids,
//! written by hand like the issues. This module reads a record as it
//! really is ([`parse`]) into the same model the issue parser produces
//! ([`Affected`] with normalised [`VersionRange`]s, [`Severity`]), fills
//! what the issue leaves empty ([`merge()`]) and lists where the two
//! disagree ([`audit()`]).
//!
//! Owns the record's layout and the rules for its messy shapes (see
//! `versions`). Pure: it never fetches a record (the binary's
//! `cverecords` module does) and never reads a clock.
//!
//! [`VersionRange`]: crate::advisory::vuln::VersionRange

pub mod audit;
pub mod merge;
mod versions;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::advisory::CveId;
use crate::advisory::vuln::components::{self, Component};
use crate::advisory::vuln::{
    Affected, Coverage, DefaultStatus, RecordDates, Severity, Upper, VersionRange, Warning, cvss,
    ranges,
};

pub use audit::{Field, Finding, IssueSide, Lookup, audit};
pub use merge::merge;

/// The largest record read, in bytes. Real records are a few KiB.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The most entries a record's lists may hold: its `affected` versions
/// (of every product together), its `metrics`, and its `problemTypes`
/// descriptions (together). Real records have fewer than 20. The audit
/// compares every bound of one side with every range of the other, so
/// this bounds its time, and the warnings and findings of one record,
/// which [`MAX_RECORD_BYTES`] alone leaves in the tens of thousands.
pub const MAX_RECORD_ENTRIES: usize = 1000;

/// `cveMetadata.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordState {
    /// A published CVE.
    Published,
    /// The CNA withdrew the id.
    Rejected,
}

/// One CVE record, read into the feed's model.
#[derive(Debug, Clone, PartialEq)]
pub struct CveRecord {
    /// The CVE id.
    pub id: CveId,
    /// Published or rejected.
    pub state: RecordState,
    /// `datePublished` and `dateUpdated`.
    pub dates: RecordDates,
    /// Affected components and their normalised ranges. Unaffected
    /// versions listed in the record are the fixed versions that close
    /// them.
    pub affected: Vec<Affected>,
    /// The components the record itself names (in a product, a
    /// `versionType`, a version, its title or description), as opposed to
    /// those taken from the issue or the whole of Kubernetes by default.
    pub named_components: Vec<String>,
    /// The fixed versions the record states (unaffected versions and
    /// exclusive bounds written as whole versions), ascending: what the
    /// audit compares. The ends of minor lines (`1.39`, `v1.38*`) are
    /// range bounds, not fixes.
    pub fixed_versions: Vec<semver::Version>,
    /// CVSS metrics of the CNA, v3.1 first, then v3.0, then v4.0.
    pub severities: Vec<Severity>,
    /// CWE ids from `problemTypes`, in order, without duplicates.
    pub cwe: Vec<String>,
    /// What could not be read, for the log.
    pub warnings: Vec<Warning>,
}

impl CveRecord {
    /// The CVSS severity to use when the issue has none: the first of
    /// [`CveRecord::severities`].
    pub fn severity(&self) -> Option<&Severity> {
        self.severities.first()
    }

    /// The severity of the same CVSS version as `vector` (`CVSS:3.1/…`).
    pub fn severity_like(&self, vector: &str) -> Option<&Severity> {
        let version = |v: &str| v.split('/').next().unwrap_or_default().to_ascii_uppercase();
        self.severities
            .iter()
            .find(|s| version(&s.vector) == version(vector))
    }

    /// The severity to compare with `vector`: of the same CVSS version,
    /// else, for CVSS 3.0 and 3.1, which share their base metrics, of the
    /// other one.
    pub fn severity_comparable(&self, vector: &str) -> Option<&Severity> {
        let v3 = |v: &str| {
            v.get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("CVSS:3."))
        };
        self.severity_like(vector).or_else(|| {
            v3(vector)
                .then(|| self.severities.iter().find(|s| v3(&s.vector)))
                .flatten()
        })
    }

    /// The ranges the record gives for `component`: its own, else those
    /// of the whole of Kubernetes, else those of the one component of a
    /// record that names none.
    pub fn ranges_for(&self, component: &str) -> Option<&[VersionRange]> {
        self.affected_for(component).map(|a| a.ranges.as_slice())
    }

    /// The entry whose ranges [`CveRecord::ranges_for`] gives.
    pub fn affected_for(&self, component: &str) -> Option<&Affected> {
        let find = |name: &str| {
            self.affected
                .iter()
                .find(|a| a.component.eq_ignore_ascii_case(name))
        };
        let unnamed_only = match self.affected.as_slice() {
            [only] if !self.named_components.contains(&only.component) => Some(only),
            _ => None,
        };
        find(component)
            .or_else(|| find(components::KUBERNETES))
            .or(unnamed_only)
    }
}

/// Why a record cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Larger than [`MAX_RECORD_BYTES`].
    #[error("the CVE record is {size} bytes, more than the limit of {MAX_RECORD_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Not JSON.
    #[error("the CVE record is not JSON")]
    Json(#[source] serde_json::Error),
    /// Not a record of the expected CVE.
    #[error("the CVE record is for {found:?}, not {expected}")]
    WrongId {
        /// The id asked for.
        expected: CveId,
        /// `cveMetadata.cveId` as found (empty when absent).
        found: String,
    },
    /// A list with more than [`MAX_RECORD_ENTRIES`] entries.
    #[error("the CVE record has {count} {list}, more than the limit of {MAX_RECORD_ENTRIES}")]
    TooManyEntries {
        /// Which list: `affected versions`, `metrics` or `problem type
        /// descriptions`.
        list: &'static str,
        /// How many entries it has.
        count: usize,
    },
    /// A state other than PUBLISHED and REJECTED.
    #[error("the CVE record's state {0:?} is neither PUBLISHED nor REJECTED")]
    UnknownState(String),
}

/// What the record source gave for one CVE, before it is read.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// The record's JSON.
    Found(&'a [u8]),
    /// The source says there is no record.
    Missing,
    /// Not known (records are off, or the source failed).
    Unavailable,
}

/// What cross-checking a run's advisories with their records found.
#[derive(Debug, Default)]
pub struct CrossCheck {
    /// Every disagreement, by id, then field.
    pub findings: Vec<Finding>,
    /// Problems reading the records, per CVE, for the log.
    pub warnings: Vec<(CveId, Warning)>,
    /// Records that could not be read at all: treated as unavailable.
    pub unreadable: Vec<(CveId, RecordError)>,
}

/// Audit each advisory against its record, then merge the record in
/// (see [`audit()`] and [`merge()`]). `records` gives the input of each id;
/// `max_lag` is how much older than the issue's last edit a record may be.
pub fn cross_check<'a>(
    advisories: &mut [crate::advisory::Advisory],
    records: impl Fn(&CveId) -> Input<'a>,
    max_lag: chrono::TimeDelta,
) -> CrossCheck {
    let mut out = CrossCheck::default();
    for a in advisories {
        let input = records(&a.id);
        let parsed = match input {
            Input::Found(bytes) => match parse(bytes, &a.id, &a.vuln.components()) {
                Ok(r) => Some(r),
                Err(e) => {
                    out.unreadable.push((a.id.clone(), e));
                    None
                }
            },
            Input::Missing | Input::Unavailable => None,
        };
        let lookup = match (&parsed, input) {
            (Some(r), _) => Lookup::Found(r),
            (None, Input::Missing) => Lookup::Missing,
            (None, _) => Lookup::Unavailable,
        };
        let side = IssueSide {
            id: &a.id,
            vuln: &a.vuln,
            edited: a.edited,
        };
        out.findings.extend(audit(side, lookup, max_lag));
        if let Some(r) = parsed {
            out.warnings
                .extend(r.warnings.iter().map(|w| (a.id.clone(), w.clone())));
            merge(a, &r);
        }
    }
    out.findings.sort();
    out
}

/// Read the record of `expected` from its JSON. `issue_components` are the
/// components the issue names: a range the record gives for "Kubernetes"
/// with no component in its title belongs to the issue's component when
/// the issue names exactly one.
pub fn parse(
    bytes: &[u8],
    expected: &CveId,
    issue_components: &[String],
) -> Result<CveRecord, RecordError> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(RecordError::TooLarge { size: bytes.len() });
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(RecordError::Json)?;
    let meta = &doc["cveMetadata"];
    let found = meta["cveId"].as_str().unwrap_or_default();
    if !found.eq_ignore_ascii_case(expected.as_str()) {
        return Err(RecordError::WrongId {
            expected: expected.clone(),
            found: crate::clip(found),
        });
    }
    let state = match meta["state"].as_str().unwrap_or_default() {
        s if s.eq_ignore_ascii_case("PUBLISHED") => RecordState::Published,
        s if s.eq_ignore_ascii_case("REJECTED") => RecordState::Rejected,
        other => return Err(RecordError::UnknownState(crate::clip(other))),
    };
    let dates = RecordDates {
        published: meta["datePublished"].as_str().and_then(date),
        updated: meta["dateUpdated"].as_str().and_then(date),
    };
    let cna = &doc["containers"]["cna"];
    check_counts(cna)?;
    let mut warnings = Vec::new();
    let (affected, named_components, fixed_versions) =
        read_affected(cna, issue_components, &mut warnings);
    let severities = read_metrics(cna, &mut warnings);
    Ok(CveRecord {
        id: expected.clone(),
        state,
        dates,
        affected,
        named_components,
        fixed_versions,
        severities,
        cwe: read_cwe(cna),
        warnings,
    })
}

/// An array value, or an empty slice.
fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// Refuse a record with a list longer than [`MAX_RECORD_ENTRIES`].
fn check_counts(cna: &Value) -> Result<(), RecordError> {
    let nested = |outer: &str, inner: &str| -> usize {
        list(&cna[outer])
            .iter()
            .map(|e| list(&e[inner]).len())
            .sum()
    };
    for (what, count) in [
        ("affected versions", nested("affected", "versions")),
        ("metrics", list(&cna["metrics"]).len()),
        (
            "problem type descriptions",
            nested("problemTypes", "descriptions"),
        ),
    ] {
        if count > MAX_RECORD_ENTRIES {
            return Err(RecordError::TooManyEntries { list: what, count });
        }
    }
    Ok(())
}

/// A record date: RFC 3339, or without a zone (then UTC), as older
/// records write them (`2022-10-03T16:22:52`).
fn date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.to_utc())
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// The first component other than the whole project named in `text`.
fn named_in(text: &str) -> Option<&'static Component> {
    components::specific_in(text).into_iter().next()
}

/// The component of ranges the record gives for a product that names none:
/// the title's, else the issue's only one, else the description's only
/// one, else the whole of Kubernetes. Also whether the record named it.
fn default_component(cna: &Value, issue_components: &[String]) -> (String, bool) {
    if let Some(c) = cna["title"].as_str().and_then(named_in) {
        return (c.name.to_string(), true);
    }
    if let [only] = issue_components {
        return (only.clone(), false);
    }
    let description = list(&cna["descriptions"])
        .iter()
        .find_map(|d| d["value"].as_str())
        .unwrap_or_default();
    match components::specific_in(description).as_slice() {
        [only] => (only.name.to_string(), true),
        _ => (components::KUBERNETES.to_string(), false),
    }
}

/// Ranges and fixed versions read for one component, before
/// normalisation.
#[derive(Default)]
struct Collected {
    ranges: Vec<VersionRange>,
    fixed: Vec<semver::Version>,
    unknown: Vec<VersionRange>,
    unaffected: Vec<VersionRange>,
    /// The `defaultStatus` of the product entries that gave them, taken
    /// together ([`DefaultStatus::and`]); `None` before the first.
    default_status: Option<DefaultStatus>,
}

/// A product entry's `defaultStatus`: absent, or a value CVE JSON 5 does
/// not define, is unknown.
fn default_status(entry: &Value) -> DefaultStatus {
    match entry["defaultStatus"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("affected") => DefaultStatus::Affected,
        Some("unaffected") => DefaultStatus::Unaffected,
        _ => DefaultStatus::Unknown,
    }
}

/// Whether `unaffected` clears every version below `start`: a range from
/// the beginning that reaches it.
fn clears_below(unaffected: &[VersionRange], start: &semver::Version) -> bool {
    unaffected.iter().any(|r| {
        r.introduced
            .as_ref()
            .is_none_or(|i| *i == semver::Version::new(0, 0, 0))
            && match &r.upper {
                Upper::Fixed(f) => f >= start,
                Upper::LastAffected(l) => {
                    l >= start || (l.major, l.minor + 1) == (start.major, start.minor)
                }
                Upper::Open => true,
            }
    })
}

fn read_affected(
    cna: &Value,
    issue_components: &[String],
    warnings: &mut Vec<Warning>,
) -> (Vec<Affected>, Vec<String>, Vec<semver::Version>) {
    let (fallback, fallback_named) = default_component(cna, issue_components);
    let mut by_component: BTreeMap<String, Collected> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut named: Vec<String> = Vec::new();
    let mut fixes: Vec<semver::Version> = Vec::new();
    let note = |name: &str, list: &mut Vec<String>| {
        if !list.iter().any(|n| n == name) {
            list.push(name.to_string());
        }
    };
    for entry in list(&cna["affected"]) {
        let product = entry["product"].as_str().unwrap_or_default().trim();
        let product_component = named_in(product).map(|c| c.name.to_string());
        let unknown_product = product_component.is_none()
            && !product.is_empty()
            && !product.eq_ignore_ascii_case("n/a")
            && components::mentioned_in(product).is_empty();
        for version in list(&entry["versions"]) {
            let read = versions::read(version);
            let component = read
                .component
                .map(|c| c.name.to_string())
                .or_else(|| product_component.clone())
                .or_else(|| unknown_product.then(|| components::unknown_name(product)))
                .unwrap_or_else(|| fallback.clone());
            let explicit = read.component.is_some()
                || product_component.is_some()
                || unknown_product
                || fallback_named;
            fixes.extend(read.fix);
            let collected = by_component.entry(component.clone()).or_default();
            let status = default_status(entry);
            collected.default_status =
                Some(collected.default_status.map_or(status, |s| s.and(status)));
            match read.reading {
                versions::Reading::Range(r) => collected.ranges.push(r),
                versions::Reading::Fixed(v) => collected.fixed.push(v),
                versions::Reading::Unknown(r) => {
                    collected.unknown.push(r);
                    continue;
                }
                versions::Reading::Unaffected(r) => {
                    collected.unaffected.push(r);
                    continue;
                }
                versions::Reading::Skip => continue,
                versions::Reading::NoVersions => {
                    warnings.push(Warning::RecordNoVersions {
                        component: if product.is_empty() {
                            component
                        } else {
                            crate::clip(product)
                        },
                        raw: read.raw,
                    });
                    continue;
                }
                versions::Reading::Unreadable => {
                    warnings.push(Warning::RecordUnreadableVersion {
                        component,
                        raw: read.raw,
                    });
                    continue;
                }
            }
            note(&component, &mut order);
            if explicit {
                note(&component, &mut named);
            }
        }
    }
    let affected = order
        .into_iter()
        .filter_map(|name| {
            let collected = by_component.remove(&name)?;
            let raw = versions::pair_split_ranges(collected.ranges);
            let ranges = ranges::normalise(&name, raw, &collected.fixed, warnings);
            let lowest = ranges.iter().map(|r| r.introduced.clone()).min().flatten();
            let coverage = Coverage {
                unknown: collected.unknown,
                default_status: collected.default_status.unwrap_or_default(),
                lower_bound_stated: lowest
                    .is_some_and(|start| clears_below(&collected.unaffected, &start)),
            };
            (!ranges.is_empty()).then(|| Affected {
                package: components::lookup(&name).map(|c| c.module.to_string()),
                component: name,
                fixed: ranges::new_line_fixes(&ranges, &collected.fixed),
                ranges,
                coverage,
            })
        })
        .collect();
    fixes.sort();
    fixes.dedup();
    (affected, named, fixes)
}

/// The CNA's CVSS metrics, v3.1 first, then v3.0, then v4.0.
fn read_metrics(cna: &Value, warnings: &mut Vec<Warning>) -> Vec<Severity> {
    let mut out = Vec::new();
    for key in ["cvssV3_1", "cvssV3_0", "cvssV4_0"] {
        for metric in list(&cna["metrics"]) {
            let Some(vector) = metric[key]["vectorString"].as_str() else {
                continue;
            };
            match cvss::score(vector) {
                Ok(s) if !out.contains(&s) => out.push(s),
                Ok(_) => {}
                Err(e) => warnings.push(Warning::Cvss(e)),
            }
        }
    }
    out
}

/// `CWE-N` ids of `problemTypes`: each description's `cweId`, or a
/// description that starts with one.
fn read_cwe(cna: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for problem in list(&cna["problemTypes"]) {
        for d in list(&problem["descriptions"]) {
            let id = d["cweId"]
                .as_str()
                .and_then(cwe_id)
                .or_else(|| d["description"].as_str().and_then(cwe_id));
            if let Some(id) = id
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
    }
    out
}

/// `CWE-20` from text that starts with it (`CWE-20: Improper …`).
fn cwe_id(s: &str) -> Option<String> {
    let rest = s.trim().get(..4)?;
    if !rest.eq_ignore_ascii_case("CWE-") {
        return None;
    }
    let digits: String = s.trim()[4..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(7)
        .collect();
    (!digits.is_empty()).then(|| format!("CWE-{digits}"))
}

#[cfg(test)]
mod tests;
