//! Helpers shared by the `serve_*` tests: start the real binary on an
//! ephemeral loopback port, write stores and issue fixtures, and speak raw
//! HTTP/1.1 where a normal client would tidy the path.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cvefeed_model::manifest::{Manifest, ObjectEntry, Outcome, StatusDoc};
use sha2::{Digest, Sha256};

/// A running `cvefeed serve`.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    /// Start `cvefeed serve --listen 127.0.0.1:0 ARGS...`; `name` names the log file.
    pub fn start(name: &str, args: &[&str]) -> Server {
        Server::start_env(name, args, &[])
    }

    /// Same, with extra environment variables.
    pub fn start_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("serve-{name}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cvefeed"));
        cmd.arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            // No CVE Services API from tests: the only network is loopback.
            .arg("--no-cve-records")
            .args(args)
            .env_remove("GITHUB_TOKEN")
            .env_remove("CVEFEED_WEBHOOK_SECRET")
            .env("RUST_LOG", "info,cvefeed=debug")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start cvefeed serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; log: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .parse()
            .unwrap();
        Server { child, addr, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// One GET of `path`: status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = reqwest::get(self.url(path)).await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// Poll `path` until `pred` holds on (status, body), at most `limit`.
    pub async fn wait_for(
        &self,
        path: &str,
        limit: Duration,
        pred: impl Fn(u16, &str) -> bool,
    ) -> (u16, String) {
        let client = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(res) = client.get(self.url(path)).send().await {
                let status = res.status().as_u16();
                let body = res.text().await.unwrap_or_default();
                if pred(status, &body) {
                    return (status, body);
                }
                if start.elapsed() > limit {
                    panic!(
                        "{path} never satisfied the condition; last {status}: {body}\nlog: {}",
                        std::fs::read_to_string(&self.log).unwrap_or_default()
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The value of one series in /metrics (0 when absent).
    pub async fn metric(&self, series: &str) -> f64 {
        let body = reqwest::get(self.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        body.lines()
            .find_map(|l| {
                l.strip_prefix(series)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 exchange: status, lower-cased head, body.
pub fn raw(addr: SocketAddr, request: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    split_response(&out)
}

pub fn split_response(out: &[u8]) -> (u16, String, Vec<u8>) {
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(out)));
    let head = String::from_utf8_lossy(&out[..end]).to_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, out[end + 4..].to_vec())
}

/// A raw GET of `path`, exactly as written.
pub fn raw_get(addr: SocketAddr, path: &str) -> (u16, String, Vec<u8>) {
    raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Write a hand-made publication: the objects, a manifest listing them
/// (with `updated_at`), and a status whose last success is `last_success`.
pub fn write_store(
    dir: &Path,
    objects: &[(&str, &[u8], &str)],
    updated_at: DateTime<Utc>,
    last_success: Option<DateTime<Utc>>,
) -> Manifest {
    let mut manifest = Manifest {
        manifest_version: Manifest::VERSION,
        generator: "test".into(),
        updated_at,
        content_hash: "0".repeat(64),
        render_key: String::new(),
        objects: Default::default(),
        items: Default::default(),
    };
    for &(name, bytes, ct) in objects {
        write_object(dir, &mut manifest, name, bytes, ct);
    }
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    write_status(dir, last_success);
    manifest
}

/// Write a publication of one object, an empty JSON Feed `index.json`,
/// updated now (see [`write_store`]).
pub fn write_empty_feed(dir: &Path, last_success: Option<DateTime<Utc>>) {
    write_store(
        dir,
        &[("index.json", b"{}", "application/feed+json")],
        Utc::now(),
        last_success,
    );
}

/// Write a publication of a JSON Feed `index.json` and an RSS `feed.xml`
/// with these bytes (see [`write_store`]).
pub fn write_index_and_rss(
    dir: &Path,
    index: &[u8],
    rss: &[u8],
    updated_at: DateTime<Utc>,
    last_success: Option<DateTime<Utc>>,
) -> Manifest {
    write_store(
        dir,
        &[
            ("index.json", index, "application/feed+json"),
            ("feed.xml", rss, "application/rss+xml"),
        ],
        updated_at,
        last_success,
    )
}

pub fn write_status(dir: &Path, last_success: Option<DateTime<Utc>>) {
    let status = StatusDoc {
        last_check: last_success.unwrap_or_else(Utc::now),
        last_success,
        last_outcome: if last_success.is_some() {
            Outcome::Published
        } else {
            Outcome::Failed
        },
        last_error: None,
        item_count: 0,
        unparsed_issues: 0,
        unparsed: vec![],
        cve_record_failures: 0,
        cve_record_failed: vec![],
        audit_findings: 0,
    };
    std::fs::write(
        dir.join("status.json"),
        serde_json::to_vec_pretty(&status).unwrap(),
    )
    .unwrap();
}

/// A GitHub issue as the REST API returns it (fields the client reads).
pub fn issue(number: u64, cve: &str, summary: &str, labels: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "number": number,
        "title": format!("{cve}: {summary}"),
        "body": format!("A test advisory for {cve}.\n\nAffected: the widget controller.\n"),
        "html_url": format!("https://github.com/kubernetes/kubernetes/issues/{number}"),
        "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
        "state": "open",
        "state_reason": null,
        "created_at": "2031-03-04T05:06:07Z",
        "labels": labels.iter().map(|l| serde_json::json!({"name": l})).collect::<Vec<_>>(),
    })
}

/// The body of an `issues` webhook delivery: issue `number` of `repo`
/// labelled `label`.
pub fn labeled_event(number: u64, label: &str, repo: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "action": "labeled",
        "issue": {"number": number, "labels": [{"name": label}]},
        "label": {"name": label},
        "repository": {"full_name": repo},
    }))
    .unwrap()
}

/// Publish `issues` into `out` with the real pipeline (`cvefeed refresh
/// --from-file`), with the `extra` flags.
pub fn publish_from_file(out: &Path, issues: &serde_json::Value, extra: &[&str]) {
    let file = out.with_extension("issues.json");
    std::fs::write(&file, serde_json::to_vec(issues).unwrap()).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_cvefeed"))
        .arg("refresh")
        .arg("--from-file")
        .arg(&file)
        .arg("--out")
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "cvefeed refresh failed");
}

/// Write the object `name` under `dir` and list it in `manifest` with its
/// content type `ct`.
fn write_object(dir: &Path, manifest: &mut Manifest, name: &str, bytes: &[u8], ct: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    manifest.objects.insert(
        name.to_string(),
        ObjectEntry {
            sha256: sha256(bytes),
            size: bytes.len() as u64,
            content_type: ct.to_string(),
            ..ObjectEntry::default()
        },
    );
}
