//! The remediation rule ([`remediate()`]): per target and affected
//! component, the smallest upgrade that leaves every known fixed range,
//! and the CVEs an upgrade does not fix.
//!
//! Reads results of [`super::assess()`]; knows nothing of output formats
//! beyond the one line a person reads ([`Remediation::line`]).

use std::collections::BTreeMap;

use semver::Version;
use serde::Serialize;

use super::assess::{CheckResult, Verdict};
use super::component::Named;
use super::entry::{FeedEntry, FixState};
use super::part::Part;
use crate::advisory::vuln::VersionRange;

/// What to upgrade one component to: the smallest version that is in none
/// of the fixed ranges of the feed for it, Kubernetes-wide ones included
/// (starting from the highest first-fix among the CVEs it is affected by,
/// then past any fixed range that version is still in), and the CVEs that
/// need more than an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remediation {
    /// The target.
    pub target: String,
    /// The component.
    pub component: String,
    /// The installed version.
    pub installed: String,
    /// The smallest version that fixes every CVE in `fixes`, if any has a
    /// fix.
    pub upgrade_to: Option<String>,
    /// The CVEs that upgrade fixes.
    pub fixes: Vec<String>,
    /// The affected CVEs for which no fix exists.
    pub unfixed: Vec<String>,
    /// The affected CVEs whose fixed version is not stated.
    pub fix_not_stated: Vec<String>,
}

impl Remediation {
    /// The one line a person reads: `kubelet 1.30.0: upgrade to 1.30.10 or
    /// later (fixes 5 CVEs; 2 have no fix)`.
    pub fn line(&self) -> String {
        let cves = |n: usize| {
            if n == 1 {
                "1 CVE".to_string()
            } else {
                format!("{n} CVEs")
            }
        };
        let mut notes = Vec::new();
        for (cves, what) in [
            (&self.unfixed, "no fix"),
            (&self.fix_not_stated, "no stated fixed version"),
        ] {
            match cves.len() {
                0 => {}
                1 => notes.push(format!("1 has {what}")),
                n => notes.push(format!("{n} have {what}")),
            }
        }
        let head = format!("{} {}", self.component, self.installed);
        match &self.upgrade_to {
            Some(to) => {
                let mut tail = format!("fixes {}", cves(self.fixes.len()));
                for n in notes {
                    tail.push_str("; ");
                    tail.push_str(&n);
                }
                format!("{head}: upgrade to {to} or later ({tail})")
            }
            None => format!("{head}: no upgrade fixes its CVEs ({})", notes.join("; ")),
        }
    }
}

/// One [`Remediation`] per target and component with an affected result
/// that is not ignored, in the order of the results.
pub fn remediate(entries: &[FeedEntry], results: &[CheckResult]) -> Vec<Remediation> {
    let mut out: Vec<Remediation> = Vec::new();
    // Per remediation: the highest first fixed version among its CVEs, and
    // what its component denotes.
    let mut starts: Vec<Option<Version>> = Vec::new();
    let mut wanted: Vec<&[Named]> = Vec::new();
    let mut index: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for r in results
        .iter()
        .filter(|r| r.verdict == Verdict::Affected && r.ignored.is_none())
    {
        let key = (
            r.target.as_str(),
            r.component.as_str(),
            r.installed.as_str(),
        );
        let i = *index.entry(key).or_insert_with(|| {
            out.push(Remediation {
                target: r.target.clone(),
                component: r.component.clone(),
                installed: r.installed.clone(),
                upgrade_to: None,
                fixes: Vec::new(),
                unfixed: Vec::new(),
                fix_not_stated: Vec::new(),
            });
            starts.push(None);
            wanted.push(&r.components);
            out.len() - 1
        });
        let m = &mut out[i];
        match r.fix {
            Some(FixState::Fixed) => {
                m.fixes.push(r.id.to_string());
                starts[i] = starts[i].take().max(r.fixed_in.clone());
            }
            Some(FixState::NoFix) => m.unfixed.push(r.id.to_string()),
            Some(FixState::NotStated) | None => m.fix_not_stated.push(r.id.to_string()),
        }
    }
    if out.is_empty() {
        return out;
    }
    // Every affected component of the feed, classified once.
    let parts: Vec<Part> = entries
        .iter()
        .filter(|e| !e.rejected())
        .flat_map(Part::all)
        .collect();
    for ((m, start), wanted) in out.iter_mut().zip(starts).zip(wanted) {
        m.upgrade_to = start.map(|start| past_fixed_ranges(&parts, wanted, start).to_string());
    }
    out
}

/// The most fixed ranges an upgrade is moved past ([`remediate()`]).
const MAX_UPGRADE_STEPS: usize = 64;

/// The smallest version from `start` on that lies in no fixed range of the
/// feed (its `parts`) that [applies](Part::applies_to) to `wanted` (an
/// upgrade must not land on another known hole).
fn past_fixed_ranges(parts: &[Part], wanted: &[Named], start: Version) -> Version {
    let ranges: Vec<&VersionRange> = parts
        .iter()
        .filter(|p| p.applies_to(wanted))
        .flat_map(|p| p.affected.ranges.iter())
        .filter(|r| r.fixed().is_some())
        .collect();
    let mut v = start;
    // Each step moves v up to a fixed version. Real feeds need one or two
    // steps; a hostile chain of ranges is cut short (v is still a fixed
    // version, only perhaps not past every hole).
    for _ in 0..MAX_UPGRADE_STEPS {
        match ranges
            .iter()
            .filter(|r| r.contains(&v))
            .filter_map(|r| r.fixed())
            .max()
        {
            Some(f) if *f > v => v = f.clone(),
            _ => break,
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::Status;
    use crate::advisory::vuln::{Affected, Coverage};
    use crate::check::assess::assess;
    use crate::check::entry::{FixNews, Origin, RangeData};
    use crate::check::target::Target;

    fn entry(id: &str, fixed: &str) -> FeedEntry {
        let range = VersionRange::from_bounds(
            Some("1.30.0".parse().unwrap()),
            Some(fixed.parse().unwrap()),
            None,
        )
        .unwrap();
        FeedEntry {
            id: id.parse().unwrap(),
            summary: String::new(),
            url: String::new(),
            status: Some(Status::Fixed),
            fix_news: FixNews::Ranges,
            severity: None,
            ranges: RangeData::Known {
                affected: vec![Affected {
                    component: "kubelet".to_string(),
                    package: None,
                    ranges: vec![range],
                    fixed: Vec::new(),
                    coverage: Coverage::default(),
                }],
                origin: Origin::Feed,
            },
            record_ranges: Vec::new(),
        }
    }

    #[test]
    fn one_upgrade_past_every_fix() {
        let entries = [
            entry("CVE-2024-2001", "1.30.2"),
            entry("CVE-2024-2002", "1.30.3"),
        ];
        let results = assess(&entries, &[Target::parse("kubelet=1.30.1").unwrap()]);
        let plan = remediate(&entries, &results);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].component, "kubelet");
        assert_eq!(plan[0].upgrade_to.as_deref(), Some("1.30.3"));
        assert_eq!(plan[0].fixes, ["CVE-2024-2002", "CVE-2024-2001"]);
        assert!(plan[0].unfixed.is_empty());
        assert_eq!(
            plan[0].line(),
            "kubelet 1.30.1: upgrade to 1.30.3 or later (fixes 2 CVEs)"
        );
    }

    #[test]
    fn nothing_affected_needs_no_upgrade() {
        let entries = [entry("CVE-2024-2001", "1.30.2")];
        let results = assess(&entries, &[Target::parse("kubelet=1.30.2").unwrap()]);
        assert_eq!(remediate(&entries, &results), Vec::new());
    }
}
