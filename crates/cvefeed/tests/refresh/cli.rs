//! The binary's contract: default output directory, summary line, `--json`,
//! and exit status.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

fn cvefeed() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cvefeed"));
    cmd.env_remove("GITHUB_TOKEN")
        .env_remove("CVEFEED_OUT")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn refresh_writes_public_by_default_and_reports_unchanged_next() {
    let work = tempfile::tempdir().unwrap();
    let issues = json!([
        issue(1, "CVE-2031-6001: First", "b", "2031-01-01T00:00:00Z"),
        issue(2, "No id here", "nothing", "2031-01-02T00:00:00Z"),
    ]);
    std::fs::write(
        work.path().join("issues.json"),
        serde_json::to_vec(&issues).unwrap(),
    )
    .unwrap();

    let first = cvefeed()
        .args(["refresh", "--from-file", "issues.json"])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8(first.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "published: 1 items in ./public; added 1 (CVE-2031-6001); changed 0; removed 0; \
             unparsed 1 (kubernetes/kubernetes#2); 0 GitHub requests, 0 answered 304",
            "open ./public/index.html in a browser, or serve it: cvefeed serve --out ./public",
        ],
        "{stdout}"
    );
    let stderr = String::from_utf8(first.stderr).unwrap();
    assert!(
        stderr.contains("issue=2") && stderr.contains("No id here"),
        "unparsed issue not warned: {stderr}"
    );
    assert!(work.path().join("public/index.json").is_file());

    let second = cvefeed()
        .args(["refresh", "--from-file", "issues.json", "--json"])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(second.status.success());
    let summary: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(summary["outcome"], "unchanged");
    assert_eq!(summary["location"], "./public");
    assert_eq!(summary["items"], 1);
    assert_eq!(summary["added"], json!([]));
}

#[test]
fn a_failed_refresh_exits_non_zero_with_the_cause() {
    let work = tempfile::tempdir().unwrap();
    let output = cvefeed()
        .args(["refresh", "--from-file", "missing.json", "--out"])
        .arg(work.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("nothing was published") && stderr.contains("missing.json"),
        "{stderr}"
    );
    assert!(!work.path().join("out/index.json").exists());
}

#[test]
fn bad_flags_are_rejected_by_name() {
    let output = cvefeed()
        .args(["refresh", "--repo", "not-a-repo"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("not-a-repo") && stderr.contains("OWNER/NAME"),
        "{stderr}"
    );

    let output = cvefeed()
        .args(["refresh", "--out", "ftp://host/x", "--from-file", "x.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("ftp://"));
}
