//! `netvet serve` as a process: first start prints the admin's one-time password once,
//! serves on the address it prints, and stops cleanly on SIGTERM; `netvet db migrate`
//! reports the schema.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn netvet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_netvet"))
}

/// Starts `netvet serve` on a free port; returns the child, the address and the stderr lines
/// printed up to the "serving" line. (The caller waits for the child, in `stop`.)
#[allow(clippy::zombie_processes)]
fn start(data: &std::path::Path) -> (Child, String, Vec<String>) {
    let mut child = netvet()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "exited: {lines:?}"
        );
        lines.push(line.trim_end().to_string());
        if let Some(rest) = line.split("serving http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_string();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
            return (child, addr, lines);
        }
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no exit 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_starts_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (child, addr, lines) = start(&data);
    let password: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("one-time password"))
        .collect();
    assert_eq!(password.len(), 1, "{lines:?}");
    assert!(data.join("netvet.sqlite").is_file());

    let health = get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(health.ends_with("{\"status\":\"ok\"}"), "{health}");
    let me = get(&addr, "/api/v1/me");
    assert!(me.starts_with("HTTP/1.1 401"), "{me}");
    assert!(
        me.contains("content-type: application/problem+json"),
        "{me}"
    );
    assert!(stop(child).success());

    // The second start finds the admin: no new password.
    let (child, _, lines) = start(&data);
    assert!(
        !lines.iter().any(|l| l.contains("one-time password")),
        "{lines:?}"
    );
    assert!(stop(child).success());

    let out = netvet()
        .args(["db", "migrate", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("migrations applied: 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
