//! Load generator for `bench/serve.sh` (not a test): starts `netvet serve --demo` on SQLite
//! and on a throwaway PostgreSQL cluster, waits for the demo's analyses, then has `--clients`
//! keep-alive clients read analyses and assessments for `--seconds` each, streams an upload of
//! `--upload-mib` MiB, and reads the server's peak RSS. Prints one block of figures per
//! backend.
//!
//! The HTTP/1.1 client is a few lines over tokio's `TcpStream` (requests with
//! `Content-Length` answers only, which is all the API sends for these routes), so the bench
//! needs no client crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    netvet: PathBuf,
    work: PathBuf,
    clients: usize,
    seconds: u64,
    upload_mib: u64,
    backends: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        netvet: PathBuf::from("target/release/netvet"),
        work: PathBuf::from("bench/work/serve"),
        clients: 100,
        seconds: 10,
        upload_mib: 512,
        backends: vec!["sqlite".into(), "postgres".into()],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().expect("every flag takes a value");
        match flag.as_str() {
            "--netvet" => a.netvet = value.into(),
            "--work" => a.work = value.into(),
            "--clients" => a.clients = value.parse().expect("--clients N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--upload-mib" => a.upload_mib = value.parse().expect("--upload-mib N"),
            "--backends" => a.backends = value.split(',').map(str::to_string).collect(),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> Result<Conn, Error> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(64 << 10),
        })
    }

    /// Sends a request and reads the whole answer: (status, body).
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(u16, Vec<u8>), Error> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(body).await?;
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> Result<(u16, Vec<u8>), Error> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
        let status: u16 = head.split(' ').nth(1).ok_or("no status")?.parse()?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())
                    .flatten()
            })
            .unwrap_or(0);
        while self.buf.len() < end + length {
            self.fill().await?;
        }
        let body = self.buf[end..end + length].to_vec();
        self.buf.drain(..end + length);
        Ok((status, body))
    }

    async fn fill(&mut self) -> Result<(), Error> {
        let mut chunk = [0u8; 64 << 10];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// A running `netvet serve`.
struct Server {
    child: Child,
    addr: String,
    passwords: Vec<(String, String)>,
}

impl Server {
    // The child is waited for in `stop`.
    #[allow(clippy::zombie_processes)]
    fn start(netvet: &Path, data: &Path, database: Option<&str>) -> Server {
        let pw = data.with_extension("admin-password");
        std::fs::write(&pw, "bench admin password\n").unwrap();
        let mut cmd = Command::new(netvet);
        cmd.args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "2",
        ])
        .arg("--data-dir")
        .arg(data)
        .arg("--admin-password-file")
        .arg(&pw)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        if let Some(url) = database {
            cmd.args(["--database", url]);
        }
        let mut child = cmd.spawn().expect("netvet serve starts");
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut passwords = vec![("admin".to_string(), "bench admin password".to_string())];
        loop {
            let mut line = String::new();
            assert!(
                lines.read_line(&mut line).unwrap() > 0,
                "netvet serve exited"
            );
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() >= 4 && line.starts_with("        ") {
                passwords.push((words[0].to_string(), words[words.len() - 1].to_string()));
            }
            if let Some(rest) = line.split("serving http://").nth(1) {
                let addr = rest.split('/').next().unwrap().to_string();
                std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
                return Server {
                    child,
                    addr,
                    passwords,
                };
            }
        }
    }

    fn password(&self, user: &str) -> &str {
        &self.passwords.iter().find(|(u, _)| u == user).unwrap().1
    }

    /// Peak resident set size, MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Logs in as `user` and creates an API token with `scopes`.
async fn token(addr: &str, user: &str, password: &str, scopes: &[&str]) -> Result<String, Error> {
    let mut c = Conn::open(addr).await?;
    let body = json!({"name": user, "password": password}).to_string();
    let mut c2 = Conn::open(addr).await?;
    // The login answer's Set-Cookie is needed: read the raw head.
    let head = format!(
        "POST /api/v1/login HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    c2.stream.write_all(head.as_bytes()).await?;
    let end = loop {
        if let Some(i) = c2.buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        c2.fill().await?;
    };
    let text = String::from_utf8_lossy(&c2.buf[..end]).to_string();
    let cookie = text
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| format!("login as {user} failed: {text}"))?
        .to_string();
    let (_, login) = c2.read_answer().await?;
    let login: Value = serde_json::from_slice(&login)?;
    let csrf = login["csrf_token"]
        .as_str()
        .ok_or("no csrf token")?
        .to_string();
    let req = json!({"name": "bench", "scopes": scopes}).to_string();
    let (status, body) = c
        .call(
            "POST",
            "/api/v1/tokens",
            &[
                ("Cookie", &cookie),
                ("X-CSRF-Token", &csrf),
                ("Content-Type", "application/json"),
            ],
            req.as_bytes(),
        )
        .await?;
    if status != 201 {
        return Err(format!("token: {status}").into());
    }
    let v: Value = serde_json::from_slice(&body)?;
    Ok(v["secret"].as_str().ok_or("no secret")?.to_string())
}

async fn get_json(addr: &str, bearer: &str, path: &str) -> Result<Value, Error> {
    let mut c = Conn::open(addr).await?;
    let auth = format!("Bearer {bearer}");
    let (status, body) = c
        .call("GET", path, &[("Authorization", &auth)], b"")
        .await?;
    if status != 200 {
        return Err(format!("GET {path}: {status}").into());
    }
    Ok(serde_json::from_slice(&body)?)
}

/// Figures of one load phase.
struct Figures {
    requests: usize,
    errors: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `clients` connections each request `paths` in turn for `seconds`.
async fn load(addr: &str, bearer: &str, paths: &[String], clients: usize, seconds: u64) -> Figures {
    let paths = Arc::new(paths.to_vec());
    let auth = Arc::new(format!("Bearer {bearer}"));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let (paths, auth, addr) = (paths.clone(), auth.clone(), addr.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let Ok(mut c) = Conn::open(&addr).await else {
                return (lat, 1);
            };
            let mut k = i;
            while Instant::now() < until {
                let path = &paths[k % paths.len()];
                k += 1;
                let t = Instant::now();
                match c.call("GET", path, &[("Authorization", &auth)], b"").await {
                    Ok((200, _)) => lat.push(t.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        match Conn::open(&addr).await {
                            Ok(n) => c = n,
                            Err(_) => break,
                        }
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Figures {
        requests: all.len(),
        errors,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

/// Streams `mib` MiB of pseudo-random bytes as one upload: (MB/s, status).
async fn upload(addr: &str, bearer: &str, mib: u64) -> Result<(f64, u16), Error> {
    let mut c = Conn::open(addr).await?;
    let total = mib << 20;
    let head = format!(
        "POST /api/v1/analyses?file_name=bench.bin HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {bearer}\r\nContent-Type: application/octet-stream\r\nContent-Length: {total}\r\n\r\n"
    );
    // Distinct bytes each run (xorshift), so the store cannot find them already stored.
    let mut x: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos() as u64
        | 1;
    let mut chunk = vec![0u8; 1 << 20];
    let started = Instant::now();
    c.stream.write_all(head.as_bytes()).await?;
    for _ in 0..mib {
        for w in chunk.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w.copy_from_slice(&x.to_le_bytes());
        }
        c.stream.write_all(&chunk).await?;
    }
    let (status, _) = c.read_answer().await?;
    Ok((total as f64 / 1e6 / started.elapsed().as_secs_f64(), status))
}

fn report(name: &str, f: &Figures) {
    println!(
        "  {name:<12} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} requests, {} errors, {:.1} s)",
        f.requests as f64 / f.seconds,
        f.p50_ms,
        f.p99_ms,
        f.requests,
        f.errors,
        f.seconds
    );
}

async fn bench(args: &Args, backend: &str) -> Result<(), Error> {
    let data = args.work.join(backend);
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&args.work)?;
    let cluster;
    let url = if backend == "postgres" {
        cluster = netvet_store::testing::PgCluster::start()?.ok_or("PostgreSQL not installed")?;
        Some(cluster.fresh_database().await?)
    } else {
        None
    };
    let server = Server::start(&args.netvet, &data, url.as_deref());
    let addr = server.addr.clone();
    let analyst = token(&addr, "analyst", server.password("analyst"), &["read"]).await?;
    let admin = token(&addr, "admin", server.password("admin"), &["read", "write"]).await?;
    // The demo's analyses finish first.
    let started = Instant::now();
    let analyses = loop {
        let list = get_json(&addr, &analyst, "/api/v1/analyses?limit=500").await?;
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if !items.is_empty()
            && items
                .iter()
                .all(|a| a["status"] != "queued" && a["status"] != "running")
        {
            break items;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the demo's analyses did not finish in 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let products = get_json(&addr, &analyst, "/api/v1/products?limit=500").await?;
    let mut analysis_paths = Vec::new();
    for a in &analyses {
        let id = &a["id"];
        analysis_paths.push(format!("/api/v1/analyses/{id}"));
        analysis_paths.push(format!("/api/v1/analyses/{id}/findings"));
    }
    analysis_paths.push("/api/v1/analyses?limit=50".to_string());
    let assessment_paths: Vec<String> = products["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            format!(
                "/api/v1/products/{}/assessment?catalogue=de-2024&as_of=2026-06-01",
                p["id"]
            )
        })
        .collect();
    println!(
        "{backend}: {} analyses, {} products, {} clients, {} s per phase",
        analyses.len(),
        assessment_paths.len(),
        args.clients,
        args.seconds
    );
    let f = load(&addr, &analyst, &analysis_paths, args.clients, args.seconds).await;
    report("analyses", &f);
    let rss_analyses = server.peak_rss_mib();
    let f = load(
        &addr,
        &analyst,
        &assessment_paths,
        args.clients,
        args.seconds,
    )
    .await;
    report("assessments", &f);
    let rss_reads = server.peak_rss_mib();
    let (mbps, status) = upload(&addr, &admin, args.upload_mib).await?;
    println!(
        "  upload       {mbps:>8.0} MB/s  ({} MiB streamed, answer {status})",
        args.upload_mib
    );
    println!(
        "  server peak RSS {rss_analyses:.0} MiB after the analysis reads, {rss_reads:.0} MiB after the assessments, {:.0} MiB after the upload",
        server.peak_rss_mib()
    );
    server.stop();
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = args();
    println!(
        "machine: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    for backend in &args.backends {
        if let Err(e) = bench(&args, backend).await {
            println!("{backend}: failed: {e}");
        }
    }
    Ok(())
}
