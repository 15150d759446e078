//! Hostile feeds never make `cvefeed check` panic: arbitrary bytes, and
//! feed-shaped JSON whose every field is arbitrary text, go through the
//! feed reader, the verdicts, the remediation and every output format. The
//! text report stays within 100 columns and free of control characters.

use cvefeed::check::report::{Format, Report, render};
use cvefeed::check::source::parse_feed;
use cvefeed::check::{Target, assess, remediate};
use proptest::prelude::*;
use serde_json::{Value, json};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9v.+-]{0,12}",
        Just("1.30.3".to_string()),
        "\\PC{0,300}",
        Just("\u{1b}[31m\u{202e}".to_string()),
    ]
}

fn version() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0u64..3, 0u64..35, 0u64..15).prop_map(|(a, b, c)| Some(format!("{a}.{b}.{c}"))),
        text().prop_map(Some),
    ]
}

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("kubelet".to_string()),
        Just("ingress-nginx".to_string()),
        Just("kubernetes".to_string()),
        text(),
    ]
}

fn range() -> impl Strategy<Value = Value> {
    (component(), version(), version(), version()).prop_map(
        |(c, i, f, l)| json!({"component": c, "introduced": i, "fixed": f, "last_affected": l}),
    )
}

fn item() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            (1999u32..2100, 1000u32..200_000).prop_map(|(y, n)| format!("CVE-{y}-{n}")),
            Just("CVE-2031-1001, CVE-2031-1002".to_string()),
        ],
        text(),
        text(),
        prop_oneof![Just("fixed"), Just("open"), Just("unfixed"), Just("rejected"), Just("odd")],
        proptest::option::of(prop::collection::vec(range(), 0..4)),
        proptest::option::of(prop_oneof![Just("LOW"), Just("HIGH"), Just("CRITICAL")]),
    )
        .prop_map(|(id, summary, body, status, affected, severity)| {
            json!({
                "id": id, "url": summary, "summary": summary, "content_text": body,
                "_kubernetes_io": {"status": status, "affected": affected, "severity": severity, "cvss_score": 7.5}
            })
        })
}

fn check_all(bytes: &[u8]) {
    let Ok(entries) = parse_feed(bytes, "fuzz") else {
        return;
    };
    let targets: Vec<Target> = ["1.30.0", "kubelet=v1.29.3-eks-a", "ingress-nginx=1.11.4"]
        .iter()
        .map(|t| Target::parse(t).unwrap())
        .collect();
    let results = assess(&entries, &targets);
    let remediation = remediate(&entries, &results);
    let report = Report {
        feed: "fuzz".into(),
        cves: entries.len(),
        targets,
        results,
        remediation,
        warnings: vec!["\u{1b}[2J".into()],
        end_of_life: Vec::new(),
        fail_on_end_of_life: false,
        fail_on: None,
        fail_on_unknown: true,
    };
    for all in [false, true] {
        let out = render(&report, Format::Text, all).stdout;
        for line in out.lines() {
            assert!(line.chars().count() <= 100, "{line}");
            assert!(!line.chars().any(char::is_control), "{line:?}");
        }
        render(&report, Format::Json, all);
        render(&report, Format::Sarif, all);
    }
    let _ = report.exit_status();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        check_all(&bytes);
    }

    #[test]
    fn hostile_feed_fields_never_panic(items in prop::collection::vec(item(), 0..8)) {
        let doc = json!({"version": "https://jsonfeed.org/version/1.1", "items": items});
        check_all(&serde_json::to_vec(&doc).unwrap());
    }
}
