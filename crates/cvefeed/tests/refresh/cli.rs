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

/// Runs `cmd`, which must exit with status 2: its standard error.
fn rejected(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{cmd:?}: {stderr}");
    stderr
}

#[test]
fn refresh_writes_public_by_default_and_reports_unchanged_next() {
    let work = tempfile::tempdir().unwrap();
    let issues = json!([
        issue(1, "CVE-2031-6001: First", "b", "2031-01-01T00:00:00Z"),
        issue(2, "No id here", "nothing", "2031-01-02T00:00:00Z"),
    ]);
    write_issues(work.path(), "issues.json", &issues);

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
    let stderr = rejected(
        cvefeed()
            .args(["refresh", "--from-file", "missing.json", "--out"])
            .arg(work.path().join("out")),
    );
    assert!(
        stderr.contains("nothing was published") && stderr.contains("missing.json"),
        "{stderr}"
    );
    assert!(!work.path().join("out/index.json").exists());
}

#[test]
fn bad_flags_are_rejected_by_name() {
    let stderr = rejected(cvefeed().args(["refresh", "--repo", "not-a-repo"]));
    assert!(
        stderr.contains("not-a-repo") && stderr.contains("OWNER/NAME"),
        "{stderr}"
    );

    let stderr =
        rejected(cvefeed().args(["refresh", "--out", "ftp://host/x", "--from-file", "x.json"]));
    assert!(stderr.contains("ftp://"), "{stderr}");
}

#[test]
fn a_closed_stdout_after_a_publish_is_no_panic_and_no_failure() {
    let work = tempfile::tempdir().unwrap();
    let issues: Value = (0..50)
        .map(|n| {
            issue(
                n,
                &format!("CVE-2031-{}: Broken pipe fixture", 7000 + n),
                "b",
                "2031-01-01T00:00:00Z",
            )
        })
        .collect();
    write_issues(work.path(), "issues.json", &issues);
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
    let cases: [Case; 11] = [
        (
            &["--build-hook-url", "ftp://hooks.example/x?token=S3CR3T"],
            &[],
        ),
        (&["--base-url", "https://robot:S3CR3T@feed.example/"], &[]),
        (
            &["--feed-url", "https://robot:S3CR3T@bad host/index.json"],
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
            &["--cve-api-url", "https://robot:S3CR3T@cve.example/api"],
            &[],
        ),
        (
            &["--cve-api-url", "https://cve.example/api?key=S3CR3T"],
            &[],
        ),
        (
            &[],
            &[("CVEFEED_CVE_API_URL", "https://S3CR3T@cve.example/api")],
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
        let stderr = rejected(&mut cmd);
        assert!(!stderr.contains("S3CR3T"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("invalid value for '--"),
            "{args:?}: {stderr}"
        );
        if args.contains(&"--cve-api-url") || env.iter().any(|(k, _)| k.contains("CVE_API")) {
            assert!(
                stderr.contains("invalid value for '--cve-api-url")
                    && stderr.contains("takes no authentication"),
                "{args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn an_unreachable_github_points_to_the_offline_mode() {
    let work = tempfile::tempdir().unwrap();
    // A closed loopback port: the connection is refused, as with no network.
    let stderr = rejected(
        cvefeed()
            .args([
                "refresh",
                "--github-api-url",
                "http://127.0.0.1:1",
                "--github-retries",
                "0",
            ])
            .arg("--out")
            .arg(work.path().join("out")),
    );
    assert!(
        stderr.contains("; no network? use --from-file FILE to publish offline: "),
        "{stderr}"
    );
}

#[test]
fn an_s3_run_without_credentials_says_so_once_per_request() {
    let work = tempfile::tempdir().unwrap();
    let mut cmd = cvefeed();
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ENDPOINT",
        "AWS_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    // The metadata service and the bucket on closed loopback ports: no
    // request leaves the machine.
    cmd.args(["refresh", "--from-file"])
        .arg(work.path().join("none.json"))
        .args([
            "--out",
            "s3://bucket/feed",
            "--out-option",
            "aws_metadata_endpoint=http://127.0.0.1:1",
            "--out-option",
            "aws_endpoint=http://127.0.0.1:1",
            "--out-option",
            "aws_allow_http=true",
            "--out-option",
            "aws_region=us-east-1",
        ]);
    let stderr = rejected(&mut cmd);
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: refresh of s3://bucket/feed failed; nothing was published: "),
        "{stderr}"
    );
    assert!(
        last.ends_with(
            "failed: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
             AWS_WEB_IDENTITY_TOKEN_FILE or AWS_CONTAINER_CREDENTIALS_*, or use an instance \
             role: the instance metadata service did not answer)"
        ),
        "{stderr}"
    );
    assert_eq!(last.matches("no AWS credentials").count(), 1, "{last}");
    assert!(!stderr.contains("latest/api/token"), "{stderr}");
}

fn help(command: &str) -> String {
    let output = cvefeed().args([command, "--help"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// The position of the heading line `name:` in `text`.
fn heading(text: &str, name: &str) -> usize {
    text.find(&format!("\n{name}:\n"))
        .unwrap_or_else(|| panic!("no heading {name:?} in:\n{text}"))
}

#[test]
fn help_groups_flags_names_the_environment_and_shows_examples() {
    let refresh = help("refresh");
    for name in ["GitHub", "Site", "Output", "Store (buckets)", "Hooks"] {
        heading(&refresh, name);
    }
    assert!(heading(&refresh, "Hooks") > heading(&refresh, "GitHub"));
    let examples = heading(&refresh, "Examples");
    let environment = heading(&refresh, "Environment");
    assert!(examples > heading(&refresh, "Hooks") && environment > examples);
    assert!(
        refresh[environment..].contains("\n  GITHUB_TOKEN "),
        "{refresh}"
    );
    assert!(refresh.contains("cvefeed refresh --from-file examples/issues.json"));
    assert!(refresh.contains("open ./public/index.html"));

    // serve: its own flags first, then the pipeline's.
    let serve = help("serve");
    let own = heading(&serve, "Serving");
    assert!(own < heading(&serve, "GitHub"), "{serve}");
    assert!(serve[own..heading(&serve, "GitHub")].contains("--listen <LISTEN>"));
    let environment = heading(&serve, "Environment");
    for var in [
        "GITHUB_TOKEN",
        "CVEFEED_WEBHOOK_SECRET",
        "CVEFEED_LISTEN",
        "RUST_LOG",
    ] {
        assert!(serve[environment..].contains(var), "{var} not named");
    }
}
