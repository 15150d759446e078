//! The merge of an advisory read from its issue with the CNA's CVE record.
//!
//! Precedence, per field: the issue's `json osv` block, then the issue's
//! Markdown (both already in the advisory, with their
//! [`Provenance`](crate::advisory::vuln::Provenance)), then the record,
//! which fills only what the issue leaves empty: the ranges (and with them
//! the components and fixed versions), the fixed versions of ranges that
//! end at a last affected version, and the CVSS severity. CWE ids and the
//! record's dates are added in every case; a REJECTED record makes the
//! status `rejected`. Every field filled from the record is marked
//! [`Source::CveRecord`].

use super::{CveRecord, RecordState, audit};
use crate::advisory::vuln::{Affected, Source, Upper};
use crate::advisory::{Advisory, Status};

/// Fill `advisory` from `record` (see the module documentation).
pub fn merge(advisory: &mut Advisory, record: &CveRecord) {
    if record.state == RecordState::Rejected {
        advisory.status = Status::Rejected;
    }
    let v = &mut advisory.vuln;
    v.record = Some(record.dates.clone());
    if !record.cwe.is_empty() {
        v.cwe = record.cwe.clone();
        v.provenance.cwe = Source::CveRecord;
    }
    if v.severity.is_none()
        && let Some(s) = record.severity()
    {
        v.severity = Some(s.clone());
        v.provenance.severity = Source::CveRecord;
    }
    if v.affected.is_empty() {
        if !record.affected.is_empty() {
            v.affected = record.affected.clone();
            v.provenance.affected = Source::CveRecord;
            v.provenance.components = Source::CveRecord;
            if v.has_fixed_versions() {
                v.provenance.fixed_versions = Source::CveRecord;
            }
        }
        return;
    }
    // The issue gives ranges: where the record's disagree, keep them
    // beside the issue's, named as the issue names the component.
    v.record_affected = v
        .affected
        .iter()
        .filter_map(|ours| {
            let theirs = record.affected_for(&ours.component)?;
            audit::disagree(&ours.ranges, &theirs.ranges).then(|| Affected {
                component: ours.component.clone(),
                package: ours.package.clone(),
                ..theirs.clone()
            })
        })
        .collect();
    if v.has_fixed_versions() {
        return;
    }
    // The issue gives ranges but no fix: a range ending at a last affected
    // version takes the record's first fix after it on the same minor line.
    let mut filled = false;
    for affected in &mut v.affected {
        let Some(record_ranges) = record.ranges_for(&affected.component) else {
            continue;
        };
        for range in &mut affected.ranges {
            let Upper::LastAffected(last) = &range.upper else {
                continue;
            };
            let fix = record_ranges
                .iter()
                .filter_map(|r| r.fixed())
                .filter(|f| f.major == last.major && f.minor == last.minor && *f > last)
                .min();
            if let Some(fix) = fix {
                range.upper = Upper::Fixed(fix.clone());
                filled = true;
            }
        }
    }
    if filled {
        v.provenance.fixed_versions = Source::CveRecord;
    }
}
