//! Unit tests of the verdict of one version against the feed, on typed values.
use super::*;
use crate::advisory::vuln::{Affected, Coverage};
use crate::check::Unusable;
use crate::check::component::CoreComponent;
use crate::verdict::Clear;

fn v(s: &str) -> Version {
    s.parse().unwrap()
}

fn range(introduced: &str, fixed: Option<&str>) -> VersionRange {
    VersionRange::from_bounds(Some(v(introduced)), fixed.map(v), None).unwrap()
}

fn affected(component: &str, ranges: Vec<VersionRange>) -> Affected {
    Affected {
        component: component.to_string(),
        package: None,
        ranges,
        fixed: Vec::new(),
        coverage: Coverage::default(),
    }
}

fn entry(id: &str, status: Option<Status>, affected: Vec<Affected>) -> FeedEntry {
    FeedEntry {
        id: id.parse().unwrap(),
        summary: "summary".to_string(),
        url: "https://example.org/1".to_string(),
        status,
        fix_news: FixNews::Ranges,
        severity: None,
        ranges: RangeData::Known {
            affected,
            origin: Origin::Feed,
        },
        record_ranges: Vec::new(),
    }
}

fn kubelet_fixed_in_1_30_2(status: Option<Status>) -> FeedEntry {
    entry(
        "CVE-2024-1001",
        status,
        vec![affected("kubelet", vec![range("1.30.0", Some("1.30.2"))])],
    )
}

fn one(entries: &[FeedEntry], targets: &[&str]) -> CheckResult {
    let targets: Vec<Target> = targets.iter().map(|t| Target::parse(t).unwrap()).collect();
    let mut results = assess(entries, &targets);
    assert_eq!(results.len(), 1, "{results:?}");
    results.remove(0)
}

#[test]
fn a_version_in_a_fixed_range_is_affected_with_its_fix() {
    let r = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Fixed))],
        &["kubelet=1.30.1"],
    );
    assert_eq!(r.verdict, Verdict::Affected);
    assert_eq!(r.id.as_str(), "CVE-2024-1001");
    assert_eq!(r.component, "kubelet");
    assert_eq!(r.installed, "1.30.1");
    assert_eq!(r.fixed_in, Some(v("1.30.2")));
    assert_eq!(r.fix, Some(FixState::Fixed));
    assert_eq!(r.unknown_reason, None);
    assert!(!r.vendor_build);
    assert_eq!(
        r.why,
        Why::InRange {
            version: v("1.30.1"),
            ranges: vec![range("1.30.0", Some("1.30.2"))],
            component: "kubelet".to_string(),
            status: Some(Status::Fixed),
        }
    );
    assert_eq!(r.notes, []);
}

#[test]
fn the_fixed_version_clears_its_line() {
    let r = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Fixed))],
        &["kubelet=1.30.2"],
    );
    assert_eq!(r.verdict, Verdict::NotAffected);
    assert_eq!(r.not_affected_reason, Some(Cleared::FixedOnLine));
    assert_eq!(
        r.why,
        Why::Cleared {
            version: v("1.30.2"),
            by: vec![("kubelet".to_string(), Clear::FixedOnLine(v("1.30.2")))],
        }
    );
}

#[test]
fn a_rejected_cve_affects_nothing() {
    let r = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Rejected))],
        &["kubelet=1.30.1"],
    );
    assert_eq!(r.verdict, Verdict::NotAffected);
    assert_eq!(r.not_affected_reason, Some(Cleared::Rejected));
    assert_eq!(r.why, Why::Rejected);
}

#[test]
fn a_cve_of_another_checked_component_does_not_affect() {
    let targets = [
        Target::parse("kube-apiserver=1.30.1").unwrap(),
        Target::parse("kubelet=1.31.0").unwrap(),
    ];
    let results = assess(&[kubelet_fixed_in_1_30_2(Some(Status::Fixed))], &targets);
    let got: Vec<(&str, Verdict, Option<Cleared>, Why)> = results
        .iter()
        .map(|r| {
            (
                r.target.as_str(),
                r.verdict,
                r.not_affected_reason,
                r.why.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "kube-apiserver",
                Verdict::NotAffected,
                Some(Cleared::OtherComponents),
                Why::OtherComponents {
                    concerns: "kubelet".to_string()
                }
            ),
            (
                "kubelet",
                Verdict::NotAffected,
                Some(Cleared::NewerThanAffected),
                Why::Cleared {
                    version: v("1.31.0"),
                    by: vec![("kubelet".to_string(), Clear::NewerThanAffected(v("1.30.2")))],
                }
            ),
        ]
    );
}

#[test]
fn a_cve_of_a_component_no_target_checks_is_unknown() {
    let r = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Fixed))],
        &["kube-apiserver=1.30.1"],
    );
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.unknown_reason, Some(UnknownReason::ComponentNotFound));
    assert_eq!(
        r.why,
        Why::ComponentNotFound {
            unchecked: "kubelet".to_string(),
            first: "kubelet".to_string(),
        }
    );
}

#[test]
fn an_entry_without_ranges_is_unknown_with_its_reason() {
    let mut e = kubelet_fixed_in_1_30_2(None);
    e.ranges = RangeData::Unknown {
        why: UnknownReason::NoAffectedVersions,
        reason: Unusable::Missing {
            structured: true,
            empty_description: false,
        },
    };
    let r = one(&[e], &["1.30.1"]);
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.unknown_reason, Some(UnknownReason::NoAffectedVersions));
    assert_eq!(
        r.why,
        Why::NoRanges(Unusable::Missing {
            structured: true,
            empty_description: false,
        })
    );
    assert_eq!(
        r.component,
        CoreComponent::ALL.map(CoreComponent::name).join(", ")
    );
}

#[test]
fn an_image_pinned_by_digest_is_unknown() {
    let target = Target {
        name: "kubelet".to_string(),
        scope: Scope::Core(vec![CoreComponent::Kubelet]),
        version: Installed::Unreadable {
            raw: "img@sha256:ab".to_string(),
            why: UnknownReason::ImageDigestOnly,
        },
        origin: "test".to_string(),
    };
    let results = assess(&[kubelet_fixed_in_1_30_2(Some(Status::Fixed))], &[target]);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].verdict, Verdict::Unknown);
    assert_eq!(
        results[0].unknown_reason,
        Some(UnknownReason::ImageDigestOnly)
    );
    assert_eq!(
        results[0].why,
        Why::Unreadable {
            component: "kubelet".to_string(),
            raw: "img@sha256:ab".to_string(),
            digest_only: true,
        }
    );
}

#[test]
fn closed_as_fixed_with_an_open_range_is_unknown() {
    let e = entry(
        "CVE-2024-1002",
        Some(Status::Fixed),
        vec![affected("kubelet", vec![range("1.30.0", None)])],
    );
    let r = one(&[e], &["kubelet=1.30.5"]);
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.unknown_reason, Some(UnknownReason::FixedVersionNotStated));
    assert_eq!(
        r.why,
        Why::FixedVersionNotStated {
            version: v("1.30.5"),
            range: range("1.30.0", None),
            component: "kubelet".to_string(),
        }
    );
}

#[test]
fn an_open_range_closed_as_not_planned_has_no_fix() {
    let e = entry(
        "CVE-2024-1003",
        Some(Status::Unfixed),
        vec![affected("kubelet", vec![range("1.30.0", None)])],
    );
    let r = one(&[e], &["kubelet=1.30.5"]);
    assert_eq!(r.verdict, Verdict::Affected);
    assert_eq!(r.fix, Some(FixState::NoFix));
    assert_eq!(r.fixed_in, None);
    assert_eq!(
        r.why,
        Why::InRange {
            version: v("1.30.5"),
            ranges: vec![range("1.30.0", None)],
            component: "kubelet".to_string(),
            status: Some(Status::Unfixed),
        }
    );
}

#[test]
fn a_component_named_without_versions_is_unknown() {
    let e = entry(
        "CVE-2024-1004",
        Some(Status::Fixed),
        vec![affected("kubelet", Vec::new())],
    );
    let r = one(&[e], &["kubelet=1.30.5"]);
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(
        r.unknown_reason,
        Some(UnknownReason::NoVersionsForComponent)
    );
    assert_eq!(
        r.why,
        Why::NoVersionsFor {
            component: "kubelet".to_string()
        }
    );
}

#[test]
fn a_vendor_build_is_compared_as_upstream_and_says_so() {
    let r = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Fixed))],
        &["kubelet=1.30.1-eks-1"],
    );
    assert_eq!(r.verdict, Verdict::Affected);
    assert!(r.vendor_build);
    assert_eq!(r.installed, "1.30.1-eks-1");
    assert!(
        matches!(
            r.notes.as_slice(),
            [Note::VendorBuild { upstream, .. }] if *upstream == v("1.30.1")
        ),
        "{:?}",
        r.notes
    );
}

#[test]
fn the_exit_rule() {
    let affected = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Fixed))],
        &["kubelet=1.30.1"],
    );
    // Unrated: counts at every threshold.
    assert!(fails(std::slice::from_ref(&affected), None, false));
    assert!(fails(
        std::slice::from_ref(&affected),
        Some(Rating::Critical),
        false
    ));
    let rated = CheckResult {
        severity: Some(Rating::Medium),
        ..affected.clone()
    };
    assert!(fails(
        std::slice::from_ref(&rated),
        Some(Rating::Medium),
        false
    ));
    assert!(!fails(
        std::slice::from_ref(&rated),
        Some(Rating::High),
        false
    ));
    let ignored = CheckResult {
        ignored: Some("accepted".to_string()),
        ..affected
    };
    assert!(!fails(&[ignored], None, false));
    let missing = one(
        &[kubelet_fixed_in_1_30_2(Some(Status::Fixed))],
        &["kube-apiserver=1.30.1"],
    );
    assert!(!fails(std::slice::from_ref(&missing), None, true));
    let unknown = CheckResult {
        unknown_reason: Some(UnknownReason::NotListed),
        ..missing
    };
    assert!(fails(std::slice::from_ref(&unknown), None, true));
    assert!(!fails(&[unknown], None, false));
}
