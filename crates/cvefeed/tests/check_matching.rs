//! Version matching of `cvefeed check`: every range shape, vendor suffixes,
//! unknowns, component scoping, ignore entries, thresholds, remediation
//! plans and their lines, and property tests over versions.

use cvefeed::check::report::words::reason;
use cvefeed::check::{
    CheckResult, FeedEntry, FixNews, FixState, InstalledVersion, Origin, RangeData, Remediation,
    SeverityInfo, Target, UnknownReason, Verdict, assess, fails, ignore, remediate,
};
use cvefeed_model::advisory::Status;
use cvefeed_model::advisory::vuln::{
    Affected, Coverage, DefaultStatus, Rating, Upper, VersionRange,
};
use cvefeed_model::check::Unusable;
use proptest::prelude::*;
use semver::Version;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn range(introduced: Option<&str>, fixed: Option<&str>, last: Option<&str>) -> VersionRange {
    VersionRange::from_bounds(introduced.map(v), fixed.map(v), last.map(v)).unwrap()
}

/// `ranges` of `component`, from a source that states where the affected
/// versions begin (an OSV block): a version below them is not affected.
fn affected(component: &str, package: Option<&str>, ranges: Vec<VersionRange>) -> Affected {
    Affected {
        component: component.into(),
        package: package.map(Into::into),
        ranges,
        fixed: Vec::new(),
        coverage: Coverage {
            lower_bound_stated: true,
            ..Coverage::default()
        },
    }
}

#[test]
fn below_ranges_whose_start_no_source_states_is_not_assessed() {
    let mut kubelet = affected(
        "kubelet",
        None,
        vec![VersionRange::new(
            Some("1.31.0".parse().unwrap()),
            Upper::LastAffected("1.31.11".parse().unwrap()),
        )],
    );
    kubelet.coverage.lower_bound_stated = false;
    kubelet.coverage.default_status = DefaultStatus::Unaffected;
    let e = entry("CVE-2030-0002", None, vec![kubelet]);
    let r = &assess_one(&e, "kubelet=1.27.1")[0];
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.unknown_reason, Some(UnknownReason::NotAssessed));
    assert!(reason(r).contains("1.31"), "{}", reason(r));
    assert_eq!(verdict(&e, "kubelet=1.31.12"), Verdict::NotAffected);
}

fn entry(id: &str, rating: Option<Rating>, affected: Vec<Affected>) -> FeedEntry {
    FeedEntry {
        id: id.parse().unwrap(),
        summary: format!("summary of {id}"),
        url: format!("https://example.test/{id}"),
        status: Some(Status::Fixed),
        fix_news: FixNews::Ranges,
        severity: rating.map(|rating| SeverityInfo {
            rating,
            score: None,
            vector: None,
        }),
        ranges: RangeData::Known {
            affected,
            origin: Origin::Feed,
        },
        record_ranges: Vec::new(),
    }
}

/// The results of `e` for the one target `target`.
fn assess_one(e: &FeedEntry, target: &str) -> Vec<CheckResult> {
    assess(std::slice::from_ref(e), &[Target::parse(target).unwrap()])
}

fn verdict(e: &FeedEntry, target: &str) -> Verdict {
    let results = assess_one(e, target);
    assert_eq!(results.len(), 1);
    results[0].verdict
}

#[test]
fn every_range_shape() {
    use Verdict::*;
    // Each range, and the verdicts of the versions tried against it.
    let cases: Vec<(VersionRange, Vec<(&str, Verdict)>)> = vec![
        // introduced only, on an issue closed as fixed: the fixed version
        // is not stated, so later versions are unknown, not affected.
        (
            range(Some("1.28.0"), None, None),
            vec![
                ("1.27.9", NotAffected),
                ("1.28.0", Unknown),
                ("9.0.0", Unknown),
            ],
        ),
        // fixed only: everything before.
        (
            range(None, Some("1.29.4"), None),
            vec![
                ("0.0.1", Affected),
                ("1.29.3", Affected),
                ("1.29.4", NotAffected),
            ],
        ),
        // introduced + fixed: half-open.
        (
            range(Some("1.29.0"), Some("1.29.4"), None),
            vec![
                ("1.28.12", NotAffected),
                ("1.29.0", Affected),
                ("1.29.4", NotAffected),
            ],
        ),
        // last_affected: closed.
        (
            range(Some("1.29.0"), None, Some("1.29.3")),
            vec![("1.29.3", Affected), ("1.29.4", NotAffected)],
        ),
        (
            range(None, None, Some("1.29.3")),
            vec![("1.20.0", Affected)],
        ),
        // nothing: all versions (closed as fixed: unknown).
        (range(None, None, None), vec![("1.0.0", Unknown)]),
        // upstream pre-releases compare by semver.
        (
            range(Some("1.30.0"), Some("1.30.2"), None),
            vec![("1.30.0-rc.1", NotAffected)],
        ),
        (
            range(Some("1.29.0"), Some("1.30.0"), None),
            vec![("1.30.0-rc.1", Affected)],
        ),
    ];
    for (r, tried) in cases {
        let kubelet = affected("kubelet", None, vec![r.clone()]);
        let e = entry("CVE-2030-0001", None, vec![kubelet]);
        for (installed, want) in tried {
            assert_eq!(
                verdict(&e, &format!("kubelet={installed}")),
                want,
                "{r:?} at {installed}"
            );
        }
    }
}

#[test]
fn multiple_ranges_and_fixed_in() {
    let e = entry(
        "CVE-2030-0002",
        Some(Rating::High),
        vec![affected(
            "kubelet",
            Some("k8s.io/kubelet"),
            vec![
                range(None, Some("1.28.9"), None),
                range(Some("1.29.0"), Some("1.29.4"), None),
                range(Some("1.30.0"), Some("1.30.1"), None),
            ],
        )],
    );
    let t = |s: &str| Target::parse(s).unwrap();
    let results = assess(
        &[e],
        &[
            t("1.28.8"),
            t("1.28.9"),
            t("1.29.3"),
            t("1.30.0"),
            t("1.30.1"),
        ],
    );
    let got: Vec<(&str, Verdict, Option<String>)> = results
        .iter()
        .map(|r| {
            (
                r.installed.as_str(),
                r.verdict,
                r.fixed_in.as_ref().map(ToString::to_string),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("1.28.8", Verdict::Affected, Some("1.28.9".to_string())),
            ("1.29.3", Verdict::Affected, Some("1.29.4".to_string())),
            ("1.30.0", Verdict::Affected, Some("1.30.1".to_string())),
            ("1.28.9", Verdict::NotAffected, None),
            ("1.30.1", Verdict::NotAffected, None),
        ]
    );
    assert_eq!(results[0].component, "kubelet");
    assert!(
        reason(&results[0]).contains("< 1.28.9"),
        "{}",
        reason(&results[0])
    );
}

#[test]
fn multiple_components_are_scoped() {
    let e = entry(
        "CVE-2030-0003",
        Some(Rating::Medium),
        vec![
            affected(
                "kube-apiserver",
                Some("k8s.io/apiserver"),
                vec![range(None, Some("1.29.4"), None)],
            ),
            affected(
                "kubelet",
                Some("k8s.io/kubelet"),
                vec![range(None, Some("1.29.2"), None)],
            ),
        ],
    );
    // A bare version stands for every core component.
    let r = &assess_one(&e, "1.29.3")[0];
    assert_eq!(r.verdict, Verdict::Affected);
    assert_eq!(r.component, "kube-apiserver");
    assert_eq!(r.fixed_in, Some("1.29.4".parse().unwrap()));
    // Two affected components: one result each, with its own fix.
    let both = assess_one(&e, "1.29.1");
    let got: Vec<(&str, Option<String>)> = both
        .iter()
        .map(|r| {
            (
                r.component.as_str(),
                r.fixed_in.as_ref().map(ToString::to_string),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("kube-apiserver", Some("1.29.4".to_string())),
            ("kubelet", Some("1.29.2".to_string()))
        ]
    );
    // One component only sees its own ranges.
    assert_eq!(verdict(&e, "kubelet=1.29.3"), Verdict::NotAffected);
    assert_eq!(verdict(&e, "kube-apiserver=1.29.3"), Verdict::Affected);
    assert_eq!(verdict(&e, "k8s.io/apiserver=1.29.3"), Verdict::Affected);
    // A component the CVE does not name is not affected when another
    // target checks the CVE's components; alone, the CVE is unknown: no
    // target checks what it concerns.
    let proxy = Target::parse("kube-proxy=1.0.0").unwrap();
    let kubelet = Target::parse("kubelet=1.29.3").unwrap();
    let with_kubelet = assess(std::slice::from_ref(&e), &[proxy.clone(), kubelet]);
    let r = with_kubelet
        .iter()
        .find(|r| r.target == "kube-proxy")
        .unwrap();
    assert_eq!(r.verdict, Verdict::NotAffected);
    assert_eq!(reason(r), "concerns kube-apiserver, kubelet only");
    let r = &assess(std::slice::from_ref(&e), &[proxy])[0];
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.unknown_reason, Some(UnknownReason::ComponentNotFound));
    assert_eq!(
        reason(r),
        "concerns kube-apiserver, kubelet, which was not found: pass --version kube-apiserver=VERSION or --kubeconfig"
    );
}

#[test]
fn whole_kubernetes_entries_concern_every_core_component() {
    let ranges = vec![range(Some("1.0.0"), Some("1.29.4"), None)];
    let kubernetes = affected("kubernetes", Some("k8s.io/kubernetes"), ranges);
    let e = entry("CVE-2030-0004", None, vec![kubernetes]);
    assert_eq!(verdict(&e, "kube-proxy=1.29.0"), Verdict::Affected);
    assert_eq!(verdict(&e, "1.29.0"), Verdict::Affected);
    assert_eq!(verdict(&e, "ingress-nginx=1.0.0"), Verdict::NotAffected);
}

#[test]
fn components_outside_core_need_an_explicit_version() {
    let ranges = vec![range(None, Some("1.11.5"), None)];
    let ingress = affected("ingress-nginx", None, ranges);
    let e = entry("CVE-2030-0005", Some(Rating::Critical), vec![ingress]);
    let r = &assess_one(&e, "1.29.3")[0];
    assert_eq!(r.verdict, Verdict::Unknown);
    assert!(
        reason(r).contains("--version ingress-nginx=VERSION"),
        "{}",
        reason(r)
    );
    assert_eq!(verdict(&e, "ingress-nginx=1.11.2"), Verdict::Affected);
    assert_eq!(verdict(&e, "Ingress-Nginx=v1.11.5"), Verdict::NotAffected);
}

/// An entry that names its component in words of its own but gives the
/// component's module is that component: reported under its table name,
/// and an ignore entry for that name applies to it.
#[test]
fn an_entry_known_by_its_module_is_ignored_by_its_component_name() {
    let ranges = vec![range(None, Some("1.11.5"), None)];
    let controller = affected("ingress controller", Some("k8s.io/ingress-nginx"), ranges);
    let e = entry("CVE-2030-0015", Some(Rating::High), vec![controller]);
    let mut results = assess_one(&e, "ingress-nginx=1.11.2");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].verdict, Verdict::Affected);
    assert_eq!(results[0].component, "ingress-nginx");
    assert!(fails(&results, None, false));
    let ignores = ignore::parse(
        "- id: CVE-2030-0015\n  component: ingress-nginx\n  reason: not exposed\n",
        "ignore.yaml",
    )
    .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let warnings = ignore::apply(&mut results, &ignores, false, today);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        results[0].ignored.as_deref(),
        Some("not exposed (ignore file)")
    );
    assert!(!fails(&results, None, false));
}

/// An ignore entry matches the components a result resolved to, not the
/// words it shows: an unknown result that names the feed's own words, and
/// a Kubernetes-wide entry shown under its own name (kubeadm).
#[test]
fn ignore_entries_match_resolved_components() {
    let today = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let ignored = |e: &FeedEntry, target: &str, component: &str| {
        let mut results = assess_one(e, target);
        assert_eq!(results.len(), 1);
        assert_ne!(results[0].verdict, Verdict::NotAffected);
        let ignores = ignore::parse(
            &format!(
                "- id: {}\n  component: {component}\n  reason: accepted\n",
                e.id
            ),
            "ignore.yaml",
        )
        .unwrap();
        ignore::apply(&mut results, &ignores, false, today);
        (results[0].component.clone(), results[0].ignored.is_some())
    };
    // No versions for the component: unknown, shown in the feed's words.
    let controller = affected("ingress controller", Some("k8s.io/ingress-nginx"), vec![]);
    let unknown = entry("CVE-2030-0016", Some(Rating::High), vec![controller]);
    // kubeadm of module k8s.io/kubernetes concerns every core component;
    // it is shown, and ignored, as kubeadm (or as kubernetes).
    let ranges = vec![range(None, Some("1.29.4"), None)];
    let kubeadm = affected("kubeadm", Some("k8s.io/kubernetes"), ranges);
    let kubeadm = entry("CVE-2030-0017", Some(Rating::High), vec![kubeadm]);
    // The entry, the target, the component ignored; the component shown,
    // and whether the result is ignored.
    for (e, target, component, shown, is_ignored) in [
        (
            &unknown,
            "ingress-nginx=1.11.2",
            "ingress-nginx",
            "ingress controller",
            true,
        ),
        (
            &unknown,
            "ingress-nginx=1.11.2",
            "kubelet",
            "ingress controller",
            false,
        ),
        (&kubeadm, "1.29.3", "kubeadm", "kubeadm", true),
        (&kubeadm, "1.29.3", "kubernetes", "kubeadm", true),
        (&kubeadm, "1.29.3", "kubelet", "kubeadm", false),
    ] {
        assert_eq!(
            ignored(e, target, component),
            (shown.to_string(), is_ignored),
            "{} at {target}, ignored for {component}",
            e.id
        );
    }
}

#[test]
fn no_ranges_is_unknown_never_not_affected() {
    let mut e = entry("CVE-2030-0006", Some(Rating::High), vec![]);
    e.ranges = RangeData::Unknown {
        why: UnknownReason::NoAffectedVersions,
        reason: Unusable::Missing {
            structured: true,
            empty_description: false,
        },
    };
    let r = &assess_one(&e, "1.29.3")[0];
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(
        reason(r),
        "the feed lists no affected versions, and none could be read from the description"
    );
    assert_eq!(r.unknown_reason, Some(UnknownReason::NoAffectedVersions));
    // A component named without versions.
    let e = entry(
        "CVE-2030-0007",
        None,
        vec![affected("kubelet", None, vec![])],
    );
    let r = &assess_one(&e, "kubelet=1.29.3")[0];
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(
        reason(r),
        "the advisory names kubelet but gives no affected versions for it"
    );
}

#[test]
fn vendor_builds_are_compared_as_upstream_and_flagged() {
    let ranges = vec![range(Some("1.29.0"), Some("1.29.4"), None)];
    let kubelet = affected("kubelet", None, ranges);
    let e = entry("CVE-2030-0008", Some(Rating::High), vec![kubelet]);
    for installed in [
        "v1.29.3-eks-abc",
        "v1.29.3-gke.100",
        "v1.29.3+k3s1",
        "v1.29.3+rke2r1",
    ] {
        let r = &assess_one(&e, &format!("kubelet={installed}"))[0];
        assert_eq!(r.verdict, Verdict::Affected, "{installed}");
        assert!(r.vendor_build);
        assert_eq!(r.installed, installed);
        assert!(
            reason(r).contains("the vendor may have backported fixes"),
            "{}",
            reason(r)
        );
    }
    let r = &assess_one(&e, "kubelet=v1.29.4-eks-abc")[0];
    assert_eq!(r.verdict, Verdict::NotAffected);
    assert!(!assess_one(&e, "1.29.3")[0].vendor_build);
}

#[test]
fn invalid_targets_name_the_string() {
    for bad in ["1.29", "kubelet=latest", "=1.29.3", "kubelet=", "v1.2.3.4"] {
        let e = Target::parse(bad).unwrap_err().to_string();
        assert!(
            e.contains(&format!("{bad:?}")) || e.contains(bad.split('=').nth(1).unwrap_or(bad)),
            "{e}"
        );
    }
}

#[test]
fn results_are_ordered_and_the_threshold_counts_unrated() {
    // A kubelet CVE fixed in `fixed`.
    let kubelet = |id: &str, rating: Option<Rating>, fixed: &str| {
        let ranges = vec![range(None, Some(fixed), None)];
        entry(id, rating, vec![affected("kubelet", None, ranges)])
    };
    let crit = kubelet("CVE-2030-0010", Some(Rating::Critical), "2.0.0");
    let low = kubelet("CVE-2030-0011", Some(Rating::Low), "2.0.0");
    let unrated = kubelet("CVE-2030-0012", None, "2.0.0");
    let clean = kubelet("CVE-2030-0013", Some(Rating::Critical), "1.0.0");
    let t = [Target::parse("kubelet=1.5.0").unwrap()];
    let results = assess(
        &[low.clone(), clean.clone(), unrated.clone(), crit.clone()],
        &t,
    );
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CVE-2030-0010",
            "CVE-2030-0011",
            "CVE-2030-0012",
            "CVE-2030-0013"
        ]
    );
    assert!(fails(&results, None, false));
    // Whether the results of one entry fail the check at a threshold.
    for (e, threshold, fail) in [
        (&low, Some(Rating::Low), true),
        (&low, Some(Rating::High), false),
        (&crit, Some(Rating::High), true),
        (&unrated, Some(Rating::Critical), true),
        (&clean, None, false),
    ] {
        let results = assess(std::slice::from_ref(e), &t);
        assert_eq!(
            fails(&results, threshold, false),
            fail,
            "{} at {threshold:?}",
            e.id
        );
    }
}

/// An issue closed as fixed whose range is open-ended ("kubectl v1.8.0+")
/// must not call every later version affected; only an explicit "no fix"
/// does.
#[test]
fn honest_verdicts_for_open_ended_ranges() {
    let open_ended = |status: Option<Status>, news: FixNews| {
        let ranges = vec![range(Some("1.8.0"), None, None)];
        let kubectl = affected("kubectl", Some("k8s.io/kubectl"), ranges);
        let mut e = entry("CVE-2030-0030", Some(Rating::Low), vec![kubectl]);
        e.status = status;
        e.fix_news = news;
        assess_one(&e, "1.30.0").into_iter().next().unwrap()
    };
    let closed = open_ended(Some(Status::Fixed), FixNews::Ranges);
    assert_eq!(closed.verdict, Verdict::Unknown);
    assert_eq!(
        closed.unknown_reason,
        Some(UnknownReason::FixedVersionNotStated)
    );
    assert!(
        reason(&closed).starts_with("fixed, but the fixed version is not stated"),
        "{}",
        reason(&closed)
    );
    assert!(!fails(std::slice::from_ref(&closed), None, false));
    assert!(fails(std::slice::from_ref(&closed), None, true));
    // "Fixed Versions: None" (read by the source) and a not-planned issue.
    for (status, news) in [
        (Some(Status::Fixed), FixNews::NoFix),
        (Some(Status::Unfixed), FixNews::Ranges),
        (Some(Status::Open), FixNews::Ranges),
    ] {
        let r = open_ended(status, news);
        assert_eq!(r.verdict, Verdict::Affected, "{status:?} {news:?}");
        assert_eq!(r.fix, Some(FixState::NoFix));
        assert_eq!(r.fixed_in, None);
        assert!(reason(&r).contains("no fix exists"), "{}", reason(&r));
    }
    // A feed without a status (or with one this version does not know).
    let r = open_ended(None, FixNews::Ranges);
    assert_eq!(
        (r.verdict, r.fix),
        (Verdict::Affected, Some(FixState::NotStated))
    );
    // A last-affected range gives no fixed version either.
    let kubelet = affected("kubelet", None, vec![range(None, None, Some("1.30.2"))]);
    let mut e = entry("CVE-2030-0031", None, vec![kubelet]);
    e.status = Some(Status::Fixed);
    let r = &assess_one(&e, "kubelet=1.30.0")[0];
    assert_eq!(
        (r.verdict, r.fix),
        (Verdict::Affected, Some(FixState::NotStated))
    );
}

#[test]
fn remediation_is_the_smallest_version_past_every_fixed_range() {
    let kubelet = |id: &str, ranges: Vec<VersionRange>| {
        entry(
            id,
            Some(Rating::High),
            vec![affected("kubelet", Some("k8s.io/kubelet"), ranges)],
        )
    };
    let mut no_fix = kubelet("CVE-2030-0043", vec![range(None, None, None)]);
    no_fix.fix_news = FixNews::NoFix;
    let entries = [
        kubelet(
            "CVE-2030-0040",
            vec![range(Some("1.30.0"), Some("1.30.3"), None)],
        ),
        kubelet(
            "CVE-2030-0041",
            vec![range(Some("1.30.0"), Some("1.30.10"), None)],
        ),
        // Not affecting 1.30.0, but 1.30.10 is inside it: the upgrade
        // must go past it.
        kubelet(
            "CVE-2030-0042",
            vec![range(Some("1.30.5"), Some("1.30.12"), None)],
        ),
        no_fix,
    ];
    let results = assess(&entries, &[Target::parse("1.30.0").unwrap()]);
    let plan = remediate(&entries, &results);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].component, "kubelet");
    assert_eq!(plan[0].upgrade_to.as_deref(), Some("1.30.12"));
    assert_eq!(plan[0].fixes, ["CVE-2030-0041", "CVE-2030-0040"]);
    assert_eq!(plan[0].unfixed, ["CVE-2030-0043"]);
    assert_eq!(
        plan[0].line(),
        "kubelet 1.30.0: upgrade to 1.30.12 or later (fixes 2 CVEs; 1 has no fix)"
    );
}

/// A fixed range of Kubernetes as a whole is one of every core component:
/// a kubelet upgrade must not land in it either.
#[test]
fn remediation_goes_past_kubernetes_wide_fixed_ranges() {
    let kubelet = affected(
        "kubelet",
        Some("k8s.io/kubelet"),
        vec![range(Some("1.30.0"), Some("1.30.3"), None)],
    );
    // Not affecting 1.30.0, but 1.30.3 is inside it.
    let kubernetes = affected(
        "kubernetes",
        Some("k8s.io/kubernetes"),
        vec![range(Some("1.30.2"), Some("1.30.5"), None)],
    );
    let entries = [
        entry("CVE-2030-0044", Some(Rating::High), vec![kubelet]),
        entry("CVE-2030-0045", Some(Rating::High), vec![kubernetes]),
    ];
    let results = assess(&entries, &[Target::parse("kubelet=1.30.0").unwrap()]);
    let plan = remediate(&entries, &results);
    let got: Vec<(&str, Option<&str>)> = plan
        .iter()
        .map(|m| (m.component.as_str(), m.upgrade_to.as_deref()))
        .collect();
    assert_eq!(got, [("kubelet", Some("1.30.5"))]);
}

/// A remediation's line counts the CVEs an upgrade does not fix, in the
/// singular and the plural, with or without an upgrade.
#[test]
fn remediation_lines_count_what_an_upgrade_does_not_fix() {
    let ids = |n: usize| (0..n).map(|i| format!("CVE-2030-{:04}", 50 + i)).collect();
    for (upgrade_to, fixes, unfixed, not_stated, line) in [
        (
            Some("1.30.3"),
            1,
            0,
            0,
            "kubelet 1.30.0: upgrade to 1.30.3 or later (fixes 1 CVE)",
        ),
        (
            Some("1.30.3"),
            2,
            2,
            1,
            "kubelet 1.30.0: upgrade to 1.30.3 or later (fixes 2 CVEs; 2 have no fix; 1 has no \
             stated fixed version)",
        ),
        (
            None,
            0,
            1,
            3,
            "kubelet 1.30.0: no upgrade fixes its CVEs (1 has no fix; 3 have no stated fixed \
             version)",
        ),
    ] {
        let plan = Remediation {
            target: "kubernetes".into(),
            component: "kubelet".into(),
            installed: "1.30.0".into(),
            upgrade_to: upgrade_to.map(Into::into),
            fixes: ids(fixes),
            unfixed: ids(unfixed),
            fix_not_stated: ids(not_stated),
        };
        assert_eq!(plan.line(), line, "{plan:?}");
    }
}

fn version() -> impl Strategy<Value = Version> {
    (0u64..3, 0u64..40, 0u64..20).prop_map(|(a, b, c)| Version::new(a, b, c))
}

fn vendor_suffix() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-f0-9]{7}".prop_map(|h| format!("-eks-{h}")),
        (1u32..5000).prop_map(|n| format!("-gke.{n}")),
        (1u32..9).prop_map(|n| format!("+k3s{n}")),
        (1u32..9).prop_map(|n| format!("+rke2r{n}")),
    ]
}

proptest! {
    #[test]
    fn half_open_ranges(a in version(), b in version(), x in version()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let r = VersionRange::new(Some(lo.clone()), Upper::Fixed(hi.clone()));
        prop_assert_eq!(r.contains(&x), lo <= x && x < hi);
        let closed = VersionRange::new(Some(lo.clone()), Upper::LastAffected(hi.clone()));
        prop_assert_eq!(closed.contains(&x), lo <= x && x <= hi);
    }

    #[test]
    fn affected_iff_in_range(a in version(), b in version(), x in version()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let e = entry("CVE-2030-0020", None, vec![affected("kubelet", None, vec![range(Some(&lo.to_string()), Some(&hi.to_string()), None)])]);
        let got = verdict(&e, &format!("kubelet={x}"));
        prop_assert_eq!(got == Verdict::Affected, lo <= x && x < hi);
        prop_assert_ne!(got, Verdict::Unknown);
    }

    #[test]
    fn vendor_suffix_never_changes_the_verdict(a in version(), b in version(), x in version(), suffix in vendor_suffix(), prefix in prop_oneof![Just(""), Just("v")]) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let e = entry("CVE-2030-0021", None, vec![affected("kubelet", None, vec![range(Some(&lo.to_string()), Some(&hi.to_string()), None)])]);
        let vendor = format!("{prefix}{x}{suffix}");
        let parsed: InstalledVersion = vendor.parse().unwrap();
        prop_assert_eq!(parsed.upstream(), &x);
        prop_assert_eq!(parsed.vendor_suffix(), Some(suffix.as_str()));
        prop_assert_eq!(verdict(&e, &format!("kubelet={vendor}")), verdict(&e, &format!("kubelet={x}")));
    }
}

/// Where the issue and the CVE record disagree, the version is affected if
/// either says so, and both claims are named.
#[test]
fn a_disagreement_is_never_resolved_toward_not_affected() {
    let v = |s: &str| -> Version { s.parse().unwrap() };
    let issue = affected(
        "kubelet",
        None,
        vec![VersionRange::new(None, Upper::Fixed(v("1.27.1")))],
    );
    let record = affected(
        "kubelet",
        None,
        vec![VersionRange::new(None, Upper::Fixed(v("1.27.2")))],
    );
    let mut e = entry("CVE-2030-0003", None, vec![issue]);
    e.record_ranges = vec![record];
    let r = &assess_one(&e, "kubelet=1.27.1")[0];
    assert_eq!(r.verdict, Verdict::Affected);
    let claims: Vec<(&str, Verdict)> = r
        .sources_disagree
        .iter()
        .map(|c| (c.source, c.says))
        .collect();
    assert_eq!(
        claims,
        [
            ("issue", Verdict::NotAffected),
            ("cve_record", Verdict::Affected)
        ]
    );
    assert_eq!(r.fixed_in, Some("1.27.2".parse().unwrap()));
    // Where both agree, nothing is named.
    let r = &assess_one(&e, "kubelet=1.27.2")[0];
    assert_eq!(r.verdict, Verdict::NotAffected);
    assert!(r.sources_disagree.is_empty());
}
