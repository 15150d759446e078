//! Graceful shutdown of `cvefeed serve`: on SIGTERM it stops accepting,
//! finishes the request in flight, and exits 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use crate::support::{Server, split_response};
use cvefeed::serve::webhook::Secret;

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "shutdown-secret";
    let mut server = Server::start_env(
        "shutdown",
        &[
            "--out",
            dir.path().to_str().unwrap(),
            "--refresh-interval",
            "0",
        ],
        &[("CVEFEED_WEBHOOK_SECRET", secret)],
    );
    let body = br#"{"zen":"Slow is smooth.","hook_id":7}"#;
    let signature = Secret::new(secret).unwrap().sign(body);

    // A slow request: the head and half of the body, then SIGTERM.
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        conn,
        "POST /hooks/github HTTP/1.1\r\nHost: localhost\r\nX-GitHub-Event: ping\r\n\
         X-GitHub-Delivery: slow-1\r\nX-Hub-Signature-256: {signature}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    conn.write_all(&body[..10]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    std::thread::sleep(Duration::from_millis(500));

    // No longer accepting new connections...
    let refused = TcpStream::connect_timeout(&server.addr, Duration::from_secs(2));
    assert!(
        refused.is_err(),
        "a new connection was accepted after SIGTERM"
    );
    // ...and still running, waiting for the request in flight.
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited before the request finished"
    );

    conn.write_all(&body[10..]).unwrap();
    let mut out = Vec::new();
    conn.read_to_end(&mut out).unwrap();
    let (status, _, response_body) = split_response(&out);
    assert_eq!(status, 200);
    assert_eq!(response_body, b"pong\n");

    let exit = server.child.wait().unwrap();
    assert_eq!(
        exit.code(),
        Some(0),
        "log: {}",
        std::fs::read_to_string(&server.log).unwrap()
    );
}
