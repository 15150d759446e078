//! The consistency audit: where the issue and the CNA's CVE record
//! disagree about one CVE.
//!
//! Compares the data read from the issue (before the record filled any
//! gap) with the record, field by field, and returns one [`Finding`] per
//! disagreement:
//!
//! - the affected verdict at probe versions: each bound of either side's
//!   ranges, the patch release before it and the one after it;
//! - the fixed versions;
//! - the CVSS base vector (of the same CVSS version, 3.0 and 3.1 compared
//!   by their base metrics) and the severity;
//! - the components the record names;
//! - the record itself: missing, rejected, or older than the issue's last
//!   edit by more than the allowed lag.
//!
//! A field only one side gives is no disagreement (the record fills it in
//! [`super::merge()`]). Pure: values in, findings out.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use semver::Version;
use serde::{Deserialize, Serialize};

use super::{CveRecord, RecordState};
use crate::advisory::CveId;
use crate::advisory::vuln::{Upper, VersionRange, VulnData};

/// Name of the published audit object.
pub const NAME: &str = "audit.json";

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Whether a version is affected.
    Affected,
    /// The fixed versions.
    FixedVersions,
    /// The CVSS base vector.
    CvssBaseVector,
    /// The CVSS severity band.
    Severity,
    /// The affected components.
    Components,
    /// The record: missing, rejected, or stale.
    Record,
}

impl Field {
    /// Every field, in report order.
    pub const ALL: [Field; 6] = [
        Field::Affected,
        Field::FixedVersions,
        Field::CvssBaseVector,
        Field::Severity,
        Field::Components,
        Field::Record,
    ];

    /// The wire name (`affected`, `fixed_versions`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Affected => "affected",
            Field::FixedVersions => "fixed_versions",
            Field::CvssBaseVector => "cvss_base_vector",
            Field::Severity => "severity",
            Field::Components => "components",
            Field::Record => "record",
        }
    }
}

/// One disagreement between the issue and the record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    /// The CVE.
    pub id: CveId,
    /// What it is about.
    pub field: Field,
    /// The issue's value.
    pub issue_says: String,
    /// The record's value.
    pub record_says: String,
    /// For [`Field::Affected`]: the component and version probed
    /// (`kubelet 1.27.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

/// What the record source gave for one CVE.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    /// The record.
    Found(&'a CveRecord),
    /// The source answered that there is no record.
    Missing,
    /// Not known: the source failed, or records are turned off. No
    /// finding can be made.
    Unavailable,
}

/// The issue's side of one CVE: its data before the record filled any
/// gap, and when it was last edited.
#[derive(Debug, Clone, Copy)]
pub struct IssueSide<'a> {
    /// The CVE.
    pub id: &'a CveId,
    /// Data read from the issue alone.
    pub vuln: &'a VulnData,
    /// The issue's last edit, when known.
    pub edited: Option<DateTime<Utc>>,
}

/// Every disagreement between `issue` and what `lookup` found. A record
/// whose `dateUpdated` is older than the issue's last edit by more than
/// `max_lag` is a finding too.
pub fn audit(issue: IssueSide<'_>, lookup: Lookup<'_>, max_lag: TimeDelta) -> Vec<Finding> {
    let finding = |field, issue_says: String, record_says: String, probe| Finding {
        id: issue.id.clone(),
        field,
        issue_says,
        record_says,
        probe,
    };
    let record = match lookup {
        Lookup::Unavailable => return Vec::new(),
        Lookup::Missing => {
            return vec![finding(
                Field::Record,
                "an official CVE".into(),
                "no CVE record".into(),
                None,
            )];
        }
        Lookup::Found(r) => r,
    };
    if record.state == RecordState::Rejected {
        return vec![finding(
            Field::Record,
            "an official CVE".into(),
            "REJECTED".into(),
            None,
        )];
    }
    let mut out = Vec::new();
    if let (Some(edited), Some(updated)) = (issue.edited, record.dates.updated)
        && edited - updated > max_lag
    {
        out.push(finding(
            Field::Record,
            format!("edited {}", edited.format("%Y-%m-%dT%H:%M:%SZ")),
            format!("updated {}", updated.format("%Y-%m-%dT%H:%M:%SZ")),
            None,
        ));
    }
    let v = issue.vuln;

    for affected in &v.affected {
        let Some(theirs) = record.ranges_for(&affected.component) else {
            continue;
        };
        for (probe, ours, them) in disagreements(&affected.ranges, theirs) {
            out.push(finding(
                Field::Affected,
                verdict(ours).into(),
                verdict(them).into(),
                Some(format!("{} {probe}", affected.component)),
            ));
        }
    }

    let fixed = |versions: Vec<Version>| {
        versions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ours = v.fixed_versions();
    let theirs = record.fixed_versions.clone();
    if !ours.is_empty() && !theirs.is_empty() && ours != theirs {
        out.push(finding(
            Field::FixedVersions,
            fixed(ours),
            fixed(theirs),
            None,
        ));
    }

    if let Some(ours) = &v.severity {
        if let Some(theirs) = record.severity_comparable(&ours.vector)
            && base_metrics(&ours.base_vector()) != base_metrics(&theirs.base_vector())
        {
            out.push(finding(
                Field::CvssBaseVector,
                ours.base_vector(),
                theirs.base_vector(),
                None,
            ));
        }
        let theirs = record.severity_like(&ours.vector).or(record.severity());
        if let Some(theirs) = theirs
            && theirs.rating != ours.rating
        {
            out.push(finding(
                Field::Severity,
                ours.to_string(),
                theirs.to_string(),
                None,
            ));
        }
    }

    let ours: BTreeSet<String> = v
        .components()
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let theirs: BTreeSet<String> = record
        .named_components
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if !ours.is_empty() && !theirs.is_empty() && ours != theirs {
        let join = |s: BTreeSet<String>| s.into_iter().collect::<Vec<_>>().join(", ");
        out.push(finding(Field::Components, join(ours), join(theirs), None));
    }
    out
}

/// A base vector without its `CVSS:3.x/` prefix: CVSS 3.0 and 3.1 share
/// their base metrics, so two vectors that differ in the prefix alone say
/// the same.
fn base_metrics(vector: &str) -> &str {
    match vector.split_once('/') {
        Some((prefix, rest)) if prefix.to_ascii_uppercase().starts_with("CVSS:3.") => rest,
        _ => vector,
    }
}

fn verdict(affected: bool) -> &'static str {
    if affected { "affected" } else { "not affected" }
}

/// The probe versions at which `ours` and `theirs` disagree on whether the
/// version is affected, with what each says.
fn disagreements(
    ours: &[VersionRange],
    theirs: &[VersionRange],
) -> impl Iterator<Item = (Version, bool, bool)> {
    probes(ours, theirs).into_iter().filter_map(|probe| {
        let a = ours.iter().any(|r| r.contains(&probe));
        let b = theirs.iter().any(|r| r.contains(&probe));
        (a != b).then_some((probe, a, b))
    })
}

/// Whether two sets of ranges disagree on whether some version is
/// affected (at the probes of [`audit()`]).
pub fn disagree(ours: &[VersionRange], theirs: &[VersionRange]) -> bool {
    disagreements(ours, theirs).next().is_some()
}

/// The versions to compare at: every bound of both sides, and the patch
/// releases just before and after it (where there is one).
fn probes(ours: &[VersionRange], theirs: &[VersionRange]) -> BTreeSet<Version> {
    let mut out = BTreeSet::new();
    for r in ours.iter().chain(theirs) {
        let bounds = r.introduced.iter().chain(match &r.upper {
            Upper::Fixed(v) | Upper::LastAffected(v) => Some(v),
            Upper::Open => None,
        });
        for b in bounds {
            if *b == Version::new(0, 0, 0) {
                continue;
            }
            out.insert(b.clone());
            if b.pre.is_empty() {
                if b.patch > 0 {
                    out.insert(Version::new(b.major, b.minor, b.patch - 1));
                }
                if let Some(next) = b.patch.checked_add(1) {
                    out.insert(Version::new(b.major, b.minor, next));
                }
            }
        }
    }
    out
}
