//! Hostile webhook senders (issue 16): a flood of stalled unauthenticated
//! bodies must not grow the server's memory past the budget nor stop the
//! other routes, and a captured signed body sent again under a new
//! delivery id must not refresh again.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Server, issue, labeled_event, publish_from_file};
use cvefeed::serve::webhook::Secret;

const SECRET: &str = "webhook-attack-secret";

/// Resident memory of process `pid`, in bytes, from /proc.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

fn served(name: &str) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    publish_from_file(
        &out,
        &serde_json::json!([issue(
            301,
            "CVE-2031-3001",
            "Attack fixture",
            &["official-cve-feed"]
        )]),
        &[],
    );
    let server = Server::start_env(
        name,
        &[
            "--out",
            out.to_str().unwrap(),
            "--refresh-interval",
            "0",
            "--from-file",
            "/nonexistent.json",
        ],
        &[("CVEFEED_WEBHOOK_SECRET", SECRET), ("RUST_LOG", "warn")],
    );
    (dir, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_stalled_bodies_stays_within_the_memory_budget() {
    const CONNECTIONS: usize = 300;
    const BODY: usize = 1 << 20;
    let (_dir, server) = served("hook-flood");
    server
        .wait_for("/index.json", Duration::from_secs(10), |s, _| s == 200)
        .await;
    let pid = server.child.id();
    let baseline = rss(pid);

    // Each connection declares a 1 MiB body with a well-formed but wrong
    // signature, sends all of it but the last byte, and stalls.
    let addr = server.addr;
    let head = format!(
        "POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issues\r\n\
         X-Hub-Signature-256: sha256={}\r\nContent-Type: application/json\r\n\
         Content-Length: {BODY}\r\n\r\n",
        "0".repeat(64)
    );
    let mut held = Vec::new();
    for _ in 0..CONNECTIONS {
        let head = head.clone();
        held.push(tokio::spawn(async move {
            let mut conn = TcpStream::connect(addr).await.ok()?;
            let _ = conn.write_all(head.as_bytes()).await;
            let piece = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < BODY - 1 {
                let n = piece.len().min(BODY - 1 - sent);
                if tokio::time::timeout(Duration::from_secs(5), conn.write_all(&piece[..n]))
                    .await
                    .map_or(true, |r| r.is_err())
                {
                    break;
                }
                sent += n;
            }
            Some(conn)
        }));
    }
    let mut conns = Vec::new();
    for h in held {
        conns.push(h.await.unwrap());
    }
    // While they stall: the other routes answer, and memory stays bounded.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let health = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let feed = reqwest::get(server.url("/index.json")).await.unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(5));
    let peak = rss(pid);
    let grown = peak.saturating_sub(baseline);
    eprintln!(
        "webhook flood: {CONNECTIONS} stalled 1 MiB bodies; RSS {} MiB -> {} MiB",
        baseline >> 20,
        peak >> 20
    );
    // The budget is 32 MiB of bodies; allow as much again for buffers and
    // connection state. Without the bound this grew by over 300 MiB.
    assert!(
        grown < 64 << 20,
        "RSS grew by {} MiB under the flood",
        grown >> 20
    );
    let overloaded = server
        .metric("cvefeed_webhook_deliveries_total{outcome=\"overloaded\"}")
        .await;
    assert!(overloaded > 0.0, "no delivery was refused");
    drop(conns);
}

#[tokio::test]
async fn a_replayed_body_under_a_new_delivery_id_is_refused() {
    let (_dir, server) = served("hook-replay");
    let body = labeled_event(301, "official-cve-feed", "kubernetes/kubernetes");
    let signature = Secret::new(SECRET).unwrap().sign(&body);
    let send = |id: &'static str| {
        let body = body.clone();
        let signature = signature.clone();
        let url = server.url("/hooks/github");
        async move {
            let res = reqwest::Client::new()
                .post(url)
                .header("x-github-event", "issues")
                .header("x-github-delivery", id)
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    assert_eq!(send("first").await.0, StatusCode::ACCEPTED);
    let (status, text) = send("captured-and-resent").await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("replay"), "{text}");
    assert_eq!(
        server
            .metric("cvefeed_webhook_deliveries_total{outcome=\"triggered\"}")
            .await,
        1.0
    );
    assert_eq!(
        server
            .metric("cvefeed_webhook_deliveries_total{outcome=\"replayed\"}")
            .await,
        1.0
    );
}

#[tokio::test]
async fn a_malformed_signature_is_refused_before_the_body_is_read() {
    let (_dir, server) = served("hook-early");
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    // A 1 MiB body is announced, but none is sent: the answer comes anyway.
    conn.write_all(
        b"POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issues\r\n\
          X-Hub-Signature-256: sha256=junk\r\nContent-Length: 1048576\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}
