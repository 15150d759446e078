//! `cvefeed serve --listen` on an address it cannot use: exit status 2 and
//! one message that names the address, says what to do, and gives the
//! system's reason once.

use std::net::TcpListener;
use std::process::Command;

#[test]
fn a_busy_port_is_reported_once_with_what_to_do() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = holder.local_addr().unwrap().to_string();
    // The system's own words for this failure.
    let os_text = TcpListener::bind(&addr).unwrap_err().to_string();
    let dir = tempfile::tempdir().unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_cvefeed"))
        .args(["serve", "--listen", &addr, "--refresh-interval", "0"])
        .arg("--out")
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .env_remove("CVEFEED_LISTEN")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.matches(&os_text).count(),
        1,
        "{os_text:?} should appear exactly once in {stderr:?}"
    );
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")) && stderr.contains("--listen"),
        "{stderr}"
    );
    drop(holder);
}
