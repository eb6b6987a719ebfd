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
fn start(data: &std::path::Path) -> (Child, String, Vec<String>) {
    let mut command = netvet();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data);
    start_command(command)
}

/// Starts `command` (a `netvet serve`) as [`start`] does.
#[allow(clippy::zombie_processes)]
fn start_command(mut command: Command) -> (Child, String, Vec<String>) {
    let mut child = command
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

#[test]
fn serve_takes_its_settings_from_file_and_environment_and_logs_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("netvet.toml");
    std::fs::write(
        &config,
        "[serve]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"from-file\"\nworkers = 1\n",
    )
    .unwrap();
    let mut command = netvet();
    command
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env("NETVET_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .env_remove("NETVET_DATA_DIR")
        .env_remove("NETVET_LISTEN")
        .env_remove("NETVET_DATABASE");
    let (child, addr, lines) = start_command(command);
    // The data directory is taken relative to the configuration file.
    assert!(dir.path().join("from-file/netvet.sqlite").is_file());
    let json: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let starting = json
        .iter()
        .find(|v| v["message"] == "starting")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(starting["level"], "INFO");
    assert_eq!(starting["fields"]["listen"], "127.0.0.1:0");
    assert!(starting["time"].as_str().unwrap().ends_with('Z'));
    let health = get(&addr, "/healthz");
    assert!(health.contains("x-request-id: "), "{health}");
    assert!(stop(child).success());

    // An unknown key is an error naming the file, line and key.
    std::fs::write(&config, "[serve]\nlisten = \"127.0.0.1:0\"\nport = 1\n").unwrap();
    let out = netvet()
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("netvet.toml:3:") && err.contains("port"),
        "{err}"
    );

    // A database that cannot be reached: the error never shows the password.
    let out = netvet()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("pg"))
        .env(
            "NETVET_DATABASE",
            "postgres://netvet:hunter2@127.0.0.1:1/netvet",
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("netvet:***@127.0.0.1:1"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn the_analysis_child_writes_a_report_and_keeps_its_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = netvet_forge::FsTree::new();
    t.file("/etc/passwd", 0o644, "root::0:0:root:/root:/bin/sh\n");
    t.file("/etc/shadow", 0o600, "root::19000:0:99999:7:::\n");
    t.file(
        "/etc/inittab",
        0o644,
        "::respawn:/usr/sbin/telnetd -l /bin/sh -p 2323\n",
    );
    let image = dir.path().join("image.sqfs");
    std::fs::write(
        &image,
        netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default()),
    )
    .unwrap();
    let child = |memory: &str, out: &std::path::Path| {
        netvet()
            .args(["__analyse", "--as-of", "2026-06-01", "--max-cpu", "120"])
            .args(["--max-memory", memory, "--image"])
            .arg(&image)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    // Within its limits: the report of the image.
    let out = dir.path().join("report.json");
    let run = child("8589934592", &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["schema"], "netvet.scan/1");
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["location"]["path"]
            .as_str()
            .unwrap_or("")
            .ends_with("/etc/inittab")),
        "{report}"
    );
    // 16 MiB of address space cannot hold the analyser: the process ends, without a report.
    let small = dir.path().join("small.json");
    let run = child("16777216", &small);
    assert!(!run.status.success());
    assert!(!small.exists());
}
