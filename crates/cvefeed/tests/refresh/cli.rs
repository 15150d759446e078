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
    assert!(
        stdout.starts_with("published: 1 items; added CVE-2031-6001;"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 labelled issues without a CVE id"),
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

#[test]
fn a_closed_stdout_after_a_publish_is_no_panic_and_no_failure() {
    let work = tempfile::tempdir().unwrap();
    let issues: Vec<Value> = (0..50)
        .map(|n| {
            issue(
                n,
                &format!("CVE-2031-{}: Broken pipe fixture", 7000 + n),
                "b",
                "2031-01-01T00:00:00Z",
            )
        })
        .collect();
    std::fs::write(
        work.path().join("issues.json"),
        serde_json::to_vec(&issues).unwrap(),
    )
    .unwrap();
    let mut child = cvefeed()
        .args(["refresh", "--from-file", "issues.json", "--json"])
        .current_dir(work.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the summary is printed (`| head -c 0`).
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(work.path().join("public/index.json").exists());
}

/// Flags, and environment variables.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

#[test]
fn invalid_secret_flags_are_named_but_their_values_never_shown() {
    let cases: [Case; 6] = [
        (
            &["--build-hook-url", "ftp://hooks.example/x?token=S3CR3T"],
            &[],
        ),
        (&["--alert-webhook-url", "mailto:S3CR3T@example.com"], &[]),
        (&["--out-option", "S3CR3Twithoutequals"], &[]),
        (&["--github-api-url", "http://user:S3CR3T@bad host/"], &[]),
        (
            &[
                "--github-api-url",
                "https://ghe.example/api?access_token=S3CR3T",
            ],
            &[],
        ),
        (
            &[],
            &[(
                "CVEFEED_BUILD_HOOK_URLS",
                "https://ok.example/a,ftp://x/S3CR3T",
            )],
        ),
    ];
    for (args, env) in cases {
        let mut cmd = cvefeed();
        cmd.args(["refresh", "--from-file", "x.json"]).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd.output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("S3CR3T"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("invalid value for '--"),
            "{args:?}: {stderr}"
        );
    }
}
