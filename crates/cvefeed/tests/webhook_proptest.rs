//! Property tests of the webhook payload parser and signature check
//! (issue 16): any bytes, JSON of any shape and events with arbitrary
//! text never panic; a signature checked piece by piece agrees with the
//! whole-body check however the body is split.

use cvefeed::github::RepoName;
use cvefeed::serve::webhook::{self, Action, Secret};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The keys the parser reads: an object's key is each of them, or any short
/// text, with equal odds.
const KEYS: &[&str] = &[
    "action",
    "issue",
    "label",
    "labels",
    "repository",
    "full_name",
    "number",
    "name",
];

/// JSON values of any shape, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    KEYS.len() as u32 => prop::sample::select(KEYS).prop_map(String::from),
                    1 => ".{0,12}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn repos() -> Vec<RepoName> {
    vec!["kubernetes/kubernetes".parse().unwrap()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(event) = webhook::parse_issues_event(&body) {
            let _ = webhook::irrelevance(&event, "official-cve-feed", &repos());
        }
    }

    #[test]
    fn json_of_any_shape_never_panics(value in any_json()) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(event) = webhook::parse_issues_event(&body) {
            let _ = webhook::irrelevance(&event, "official-cve-feed", &repos());
        }
    }

    #[test]
    fn events_with_arbitrary_text_are_read_and_judged(
        action in ".{0,20}",
        label in ".{0,20}",
        repo in ".{0,40}",
        number in any::<u64>(),
    ) {
        let body = serde_json::to_vec(&json!({
            "action": action,
            "issue": {"number": number, "labels": [{"name": label}]},
            "label": {"name": label},
            "repository": {"full_name": repo},
        }))
        .unwrap();
        let event = webhook::parse_issues_event(&body).unwrap();
        prop_assert_eq!(event.issue.number, number);
        let why = webhook::irrelevance(&event, "official-cve-feed", &repos());
        let relevant = !matches!(event.action, Action::Other(_))
            && repo.eq_ignore_ascii_case("kubernetes/kubernetes")
            && label == "official-cve-feed";
        prop_assert_eq!(why.is_none(), relevant, "{:?}", why);
    }

    #[test]
    fn a_streamed_signature_check_agrees_with_the_whole_one(
        body in prop::collection::vec(any::<u8>(), 0..4096),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        tamper in any::<bool>(),
    ) {
        let secret = Secret::new("proptest-secret").unwrap();
        let signature = secret.sign(&body);
        let mut sent = body.clone();
        if tamper {
            sent.push(b'!');
        }
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(sent.len() + 1)).collect();
        points.sort_unstable();
        let mut check = secret.verifier(&signature).unwrap();
        let mut from = 0;
        for to in points.into_iter().chain([sent.len()]) {
            check.update(&sent[from..to]);
            from = to;
        }
        prop_assert_eq!(check.verify(), !tamper);
        prop_assert_eq!(secret.verify(&signature, &sent), !tamper);
    }
}
