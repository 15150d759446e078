//! The body parser never panics, on any input however long or strange, and
//! its output keeps its invariants (sorted, non-overlapping ranges that do
//! not end before they start).

use cvefeed_model::advisory::vuln::{self, Upper, VersionRange};
use proptest::prelude::*;

/// Fragments that steer the parser into its interesting paths.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\n#### Affected Versions\n".to_string()),
        Just("\n**Fixed Versions**\n".to_string()),
        Just("\nAffected Components\n".to_string()),
        Just("\n```json osv\n".to_string()),
        Just("\n```\n".to_string()),
        Just("\r\n- ".to_string()),
        Just("CVSS Rating: ".to_string()),
        Just("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H".to_string()),
        Just("CVSS:4.0/AV:N".to_string()),
        Just("{\"affected\":[{\"package\":{\"name\":\"kubelet\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[".to_string()),
        Just("{\"introduced\":\"0\"},{\"fixed\":\"v1.2.3\"}".to_string()),
        Just("]}]}]}".to_string()),
        Just(" kubelet ".to_string()),
        Just(" kubelet/kube-proxy ".to_string()),
        Just(" widget-op ".to_string()),
        Just(" <= ".to_string()),
        Just(" < ".to_string()),
        Just(" >= ".to_string()),
        Just(" - ".to_string()),
        Just(" \\- ".to_string()),
        Just(" to ".to_string()),
        Just(" prior to ".to_string()),
        Just(" master/".to_string()),
        Just("(fixed in ".to_string()),
        Just("Upgrade ingress-nginx to ".to_string()),
        Just("All versions of Kubernetes".to_string()),
        Just("**Medium (6.5)**".to_string()),
        Just("[link](https://github.com/kubernetes/kubernetes/pull/1)".to_string()),
        "v?[0-9]{1,3}\\.[0-9x]{1,3}(\\.[0-9x]{1,3})?(-alpha\\.[0-9])?\\+?",
        "[0-9.]{1,12}",
        "\\PC{0,20}",
    ]
}

fn check_invariants(ranges: &[VersionRange]) {
    for r in ranges {
        match (&r.introduced, &r.upper) {
            (Some(i), Upper::Fixed(f)) => assert!(i < f, "{r:?}"),
            (Some(i), Upper::LastAffected(l)) => assert!(i <= l, "{r:?}"),
            _ => {}
        }
    }
    for pair in ranges.windows(2) {
        let end_before_next = match (&pair[0].upper, &pair[1].introduced) {
            (Upper::Fixed(f), Some(i)) => f < i,
            (Upper::LastAffected(l), Some(i)) => l < i,
            _ => false,
        };
        assert!(end_before_next, "overlap or disorder: {pair:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(body in "\\PC{0,3000}") {
        let data = vuln::extract(&body);
        for a in &data.affected {
            check_invariants(&a.ranges);
        }
    }

    #[test]
    fn announcement_shaped_text_keeps_invariants(parts in proptest::collection::vec(fragment(), 0..200)) {
        let body = parts.concat();
        let data = vuln::extract(&body);
        for a in &data.affected {
            check_invariants(&a.ranges);
        }
        if let Some(s) = &data.severity {
            prop_assert!((0.0..=10.0).contains(&s.score));
        }
    }
}

#[test]
fn huge_and_pathological_inputs() {
    let long_line = "v1.2.3 - ".repeat(50_000);
    let _ = vuln::extract(&format!("#### Affected Versions\n{long_line}\n"));
    let many_headings = "#### Affected Versions\n- kubelet <= v1.2.3\n".repeat(5_000);
    let data = vuln::extract(&many_headings);
    assert_eq!(data.affected.len(), 1);
    let _ = vuln::extract(&"```json osv\n{".repeat(10_000));
    let _ = vuln::extract(&"CVSS:3.1/".repeat(20_000));
    let _ = vuln::extract(&"[".repeat(100_000));
}
