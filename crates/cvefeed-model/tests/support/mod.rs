//! Advisories for the integration tests: one per body fixture (every
//! shape of structured data), plus two announced by one issue. Shared by
//! the OSV and JSON Feed tests; reads only the fixtures.

use chrono::{DateTime, TimeZone, Utc};
use cvefeed_model::advisory::{Advisory, CveId, IssueRef, Status, vuln};
use cvefeed_model::feed::{self, Feed};

fn fixture_names() -> Vec<String> {
    let dir = format!("{}/tests/fixtures/bodies", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    names
}

pub fn body(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/bodies/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, day, 12, 0, 0).unwrap()
}

pub fn advisory(id: &str, related: &[&str], number: u64, text: &str) -> Advisory {
    Advisory {
        id: id.parse().unwrap(),
        related: related
            .iter()
            .map(|r| r.parse::<CveId>().unwrap())
            .collect(),
        summary: format!("Summary of {id}"),
        body: text.into(),
        issue: IssueRef {
            repo: "kubernetes/kubernetes".parse().unwrap(),
            number,
            url: format!("https://github.com/kubernetes/kubernetes/issues/{number}"),
        },
        status: Status::Fixed,
        published: at(1 + (number % 20) as u32),
        edited: None,
        vuln: vuln::extract(text),
    }
}

/// One advisory per fixture, plus two that share an issue.
pub fn advisories() -> Vec<Advisory> {
    let mut out: Vec<Advisory> = fixture_names()
        .iter()
        .enumerate()
        .map(|(n, name)| {
            advisory(
                &format!("CVE-2031-{:04}", 2000 + n),
                &[],
                100 + n as u64,
                &body(name),
            )
        })
        .collect();
    let shared = body("hand_edited_cvss.md");
    out.push(advisory("CVE-2031-0001", &["CVE-2031-0002"], 500, &shared));
    out.push(advisory("CVE-2031-0002", &["CVE-2031-0001"], 500, &shared));
    out
}

pub fn feed_of(advisories: Vec<Advisory>) -> Feed {
    feed::build(advisories, vec![], None, "test", at(28)).0
}
