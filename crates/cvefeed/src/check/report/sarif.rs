//! The SARIF 2.1.0 report for code-scanning dashboards: one rule per CVE
//! (and one for end of life), one result per affected target.

use std::collections::BTreeMap;

use serde_sarif::sarif;

use super::{EndOfLife, Report, words};
use crate::check::{CheckResult, Verdict};
use cvefeed_model::advisory::vuln::Rating;

/// The SARIF level of an affected result: critical and high are errors,
/// medium and unrated are warnings, low and none are notes.
pub fn sarif_level(severity: Option<Rating>) -> sarif::ResultLevel {
    match severity {
        Some(Rating::Critical | Rating::High) => sarif::ResultLevel::Error,
        Some(Rating::Medium) | None => sarif::ResultLevel::Warning,
        Some(Rating::Low | Rating::None) => sarif::ResultLevel::Note,
    }
}

/// The synthetic location of a result, `kubernetes/TARGET/COMPONENT@VERSION`:
/// one CVE reported for two components of one target (kube-apiserver and
/// kubelet of `--version 1.29.3`) is two locations, and so two
/// fingerprints, which code scanning keeps apart.
fn artifact(r: &CheckResult) -> String {
    // A name as one path segment: "a, b" is "a+b", and anything but
    // letters, digits and `.`, `_`, `-` is `-`.
    let segment = |s: &str| -> String {
        s.replace(", ", "+")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!(
        "kubernetes/{}/{}@{}",
        segment(&r.target),
        segment(&r.component),
        r.installed
    )
}

/// The SARIF location of an artifact URI.
fn physical(uri: &str) -> sarif::PhysicalLocation {
    sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(uri.to_string())
                .build(),
        )
        .build()
}

/// The SARIF rule of an end-of-life target.
const END_OF_LIFE_RULE: &str = "kubernetes-end-of-life";

/// The SARIF 2.1.0 log: one rule per CVE that has a result, one result per
/// affected (`kind: fail`) or unknown (`kind: review`) CVE and target; with
/// `all`, not-affected ones too (`kind: pass`).
pub fn sarif(report: &Report, all: bool) -> String {
    let shown: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| all || r.verdict != Verdict::NotAffected)
        .collect();
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for r in &shown {
        if rule_index.contains_key(r.id.as_str()) {
            continue;
        }
        rule_index.insert(r.id.as_str(), rules.len());
        rules.push(cve_rule(r));
    }
    let mut results: Vec<sarif::Result> = shown
        .iter()
        .map(|r| cve_result(r, rule_index[r.id.as_str()]))
        .collect();
    if !report.end_of_life.is_empty() {
        rules.push(end_of_life_rule());
        let index = rules.len() - 1;
        results.extend(
            report
                .end_of_life
                .iter()
                .map(|e| end_of_life_result(e, index)),
        );
    }
    let log = sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run(rules, results, &report.warnings)])
        .build();
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF values always serialize");
    s.push('\n');
    s
}

/// The rule of one CVE: its summary, its page, its score as
/// `security-severity`.
fn cve_rule(r: &CheckResult) -> sarif::ReportingDescriptor {
    let mut props = BTreeMap::new();
    if let Some(score) = r.score {
        props.insert(
            "security-severity".to_string(),
            serde_json::Value::String(format!("{score:.1}")),
        );
    }
    let description = if r.summary.is_empty() {
        r.id.as_str()
    } else {
        &r.summary
    };
    sarif::ReportingDescriptor::builder()
        .id(r.id.clone())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(description)
                .build(),
        )
        .help_uri(r.url.clone())
        .properties(
            sarif::PropertyBag::builder()
                .tags(vec!["security".to_string(), "kubernetes".to_string()])
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// The message of one result: the component, version, verdict and reason,
/// then the fix.
fn cve_message(r: &CheckResult) -> String {
    let mut text = format!(
        "{} {} {} {}: {}",
        r.component,
        r.installed,
        match r.verdict {
            Verdict::Affected => "is affected by",
            Verdict::Unknown => "could not be assessed for",
            Verdict::NotAffected => "is not affected by",
        },
        r.id,
        words::reason(r)
    );
    match (&r.fixed_in, r.fix) {
        (Some(fixed), _) => text.push_str(&format!(". Fixed in {fixed}")),
        (None, Some(fix)) => {
            text.push_str(&format!(". {}", words::capitalised(words::fix_state(fix))))
        }
        (None, None) => {}
    }
    text
}

/// The typed verdict and its reasons, for dashboards that group or filter
/// by them.
fn cve_properties(r: &CheckResult) -> BTreeMap<String, serde_json::Value> {
    let mut props = BTreeMap::from([("verdict".to_string(), serde_json::json!(r.verdict))]);
    for (key, value) in [
        ("unknown_reason", serde_json::json!(r.unknown_reason)),
        (
            "not_affected_reason",
            serde_json::json!(r.not_affected_reason),
        ),
        ("fix", serde_json::json!(r.fix)),
    ] {
        if !value.is_null() {
            props.insert(key.to_string(), value);
        }
    }
    if !r.sources_disagree.is_empty() {
        props.insert(
            "sources_disagree".to_string(),
            serde_json::json!(r.sources_disagree),
        );
    }
    props
}

/// The result of one CVE and target, under the rule at `rule_index`.
fn cve_result(r: &CheckResult, rule_index: usize) -> sarif::Result {
    let (kind, level) = match r.verdict {
        Verdict::Affected => (sarif::ResultKind::Fail, sarif_level(r.severity)),
        Verdict::Unknown => (sarif::ResultKind::Review, sarif::ResultLevel::None),
        Verdict::NotAffected => (sarif::ResultKind::Pass, sarif::ResultLevel::None),
    };
    let artifact = artifact(r);
    let location = sarif::Location::builder()
        .physical_location(physical(&artifact))
        .logical_locations(vec![
            sarif::LogicalLocation::builder()
                .name(r.component.clone())
                .fully_qualified_name(artifact.clone())
                .kind("module")
                .build(),
        ])
        .build();
    let suppressions: Vec<sarif::Suppression> = r
        .ignored
        .iter()
        .map(|why| {
            sarif::Suppression::builder()
                .kind(serde_json::json!("external"))
                .justification(why.clone())
                .build()
        })
        .collect();
    sarif::Result::builder()
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(cve_properties(r))
                .build(),
        )
        .suppressions(suppressions)
        .rule_id(r.id.clone())
        .rule_index(rule_index as i64)
        .kind(kind)
        .level(level)
        .message(sarif::Message::builder().text(cve_message(r)).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            "cvefeed/v1".to_string(),
            format!("{}/{artifact}", r.id),
        )]))
        .build()
}

/// The rule of every end-of-life result.
fn end_of_life_rule() -> sarif::ReportingDescriptor {
    sarif::ReportingDescriptor::builder()
        .id(END_OF_LIFE_RULE)
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text("The Kubernetes minor release is past its end of life")
                .build(),
        )
        .help_uri("https://kubernetes.io/releases/")
        .build()
}

/// The result of one target past its end of life, under the rule at
/// `rule_index`.
fn end_of_life_result(e: &EndOfLife, rule_index: usize) -> sarif::Result {
    let artifact = format!("kubernetes/{}@{}", e.target, e.installed);
    sarif::Result::builder()
        .rule_id(END_OF_LIFE_RULE)
        .rule_index(rule_index as i64)
        .kind(sarif::ResultKind::Fail)
        .level(sarif::ResultLevel::Warning)
        .message(sarif::Message::builder().text(e.line()).build())
        .locations(vec![
            sarif::Location::builder()
                .physical_location(physical(&artifact))
                .build(),
        ])
        .partial_fingerprints(BTreeMap::from([(
            "cvefeed/v1".to_string(),
            format!("{END_OF_LIFE_RULE}/{artifact}"),
        )]))
        .build()
}

/// The run: the tool with its rules, the results, and the warnings as
/// notifications of the one invocation.
fn run(
    rules: Vec<sarif::ReportingDescriptor>,
    results: Vec<sarif::Result>,
    warnings: &[String],
) -> sarif::Run {
    let notifications: Vec<sarif::Notification> = warnings
        .iter()
        .map(|w| {
            sarif::Notification::builder()
                .level(serde_json::json!("warning"))
                .message(sarif::Message::builder().text(w.clone()).build())
                .build()
        })
        .collect();
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    sarif::Run::builder()
        .tool(
            sarif::Tool::builder()
                .driver(
                    sarif::ToolComponent::builder()
                        .name("cvefeed")
                        .version(env!("CARGO_PKG_VERSION"))
                        .information_uri("https://kubernetes.io/docs/reference/issues-security/official-cve-feed/")
                        .rules(rules)
                        .build(),
                )
                .build(),
        )
        .results(results)
        .invocations(vec![invocation])
        .build()
}
