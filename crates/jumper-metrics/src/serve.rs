//! A live `/metrics` endpoint for a site's Prometheus (opt-in: `jumper run --metrics ADDR`):
//! the latest sample of every level as OpenMetrics text without timestamps, served from its
//! own thread, plus a file_sd target file while it runs.
//!
//! Each scrape derives the rates from the last two samples in the store (never the whole
//! history), so a scrape costs the same at the first minute and the tenth hour.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use jumper_data::{MonitorInfo, PerfFrame, SampleStore};

use crate::set::{Input, MetricSet, Target};
use crate::MetricsError;

/// The latest values of a running monitor: the sample families (and memory limits) from the
/// last two samples of each level; no cells.
pub fn live_set(store: &SampleStore, info: &MonitorInfo, target: &Target) -> MetricSet {
    let frames: Vec<PerfFrame> = store
        .levels()
        .into_iter()
        .filter_map(|level| {
            store.with_level(level, |s| {
                let tail = &s[s.len().saturating_sub(2)..];
                (!tail.is_empty())
                    .then(|| PerfFrame::from_samples(level, info.cpus_for(level), tail))
            })
        })
        .collect();
    // Samples always carry wall-clock times, so this cannot fail; an empty set if it did.
    MetricSet::from_session(&Input {
        info,
        frames: &frames,
        cells: &[],
        target,
    })
    .map(MetricSet::latest)
    .unwrap_or_default()
}

/// Parses `PORT`, `HOST:PORT` or `[V6]:PORT`; a bare port listens on 127.0.0.1.
pub fn parse_listen_addr(text: &str) -> Result<SocketAddr, MetricsError> {
    let bad = |why| MetricsError::BadAddress {
        addr: text.to_string(),
        why,
    };
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if !text.contains(':') {
        return Err(bad("give PORT or HOST:PORT"));
    }
    let mut addrs = text
        .to_socket_addrs()
        .map_err(|_| bad("not a HOST:PORT this machine can resolve"))?;
    addrs.next().ok_or(bad("the host resolves to no address"))
}

/// A running endpoint; stopped (and its target file removed) when dropped.
pub struct Endpoint {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    sd_file: Option<PathBuf>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("addr", &self.addr)
            .finish()
    }
}

fn answer(mut s: TcpStream, render: &dyn Fn() -> String) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut r = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    // Headers are read and ignored (the body of a GET is empty).
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h.trim_end().is_empty() {
            break;
        }
    }
    let path = path.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => ("200 OK", crate::OPENMETRICS_CONTENT_TYPE, render()),
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain",
            "jumper serves /metrics only\n".to_string(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "GET /metrics\n".to_string(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    if method != "HEAD" {
        s.write_all(body.as_bytes())?;
    }
    s.flush()
}

impl Endpoint {
    /// Listens on `addr` (port 0: a free port, see [`Endpoint::addr`]) and answers
    /// `GET /metrics` with `render()`, one connection at a time, on its own thread.
    pub fn start(
        addr: SocketAddr,
        render: Box<dyn Fn() -> String + Send>,
    ) -> Result<Endpoint, MetricsError> {
        let listener = TcpListener::bind(addr).map_err(|source| MetricsError::Listen {
            addr: addr.to_string(),
            source,
        })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MetricsError::Listen {
                addr: addr.to_string(),
                source,
            })?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("jumper-metrics".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(s) = conn {
                        // A client that goes away mid-answer is its own problem.
                        let _ = answer(s, render.as_ref());
                    }
                }
            })
            .map_err(|source| MetricsError::Listen {
                addr: addr.to_string(),
                source,
            })?;
        Ok(Endpoint {
            addr,
            stop,
            thread: Some(thread),
            sd_file: None,
        })
    }

    /// The address it listens on (with the port chosen for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Writes a Prometheus file_sd target file naming this endpoint into `dir`
    /// (`jumper-<host>-<pid>-<port>.json`, written atomically, so the agents of several nodes
    /// can share one directory), removed when the endpoint stops. An endpoint listening on
    /// every address (`0.0.0.0`, `::`) is named by the host name, which other machines can
    /// reach; any other by its address.
    pub fn write_sd_file(&mut self, dir: &Path) -> Result<PathBuf, MetricsError> {
        let host = jumper_data::host_name("/proc".as_ref())
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
            })
            .unwrap_or_else(|| "localhost".into());
        let path = dir.join(format!(
            "jumper-{host}-{}-{}.json",
            std::process::id(),
            self.addr.port()
        ));
        let target = if self.addr.ip().is_unspecified() {
            format!("{host}:{}", self.addr.port())
        } else {
            self.addr.to_string()
        };
        let text = format!("[{{\"targets\": [\"{target}\"], \"labels\": {{}}}}]\n");
        jumper_data::fsio::write_atomic(&path, text.as_bytes()).map_err(|source| {
            MetricsError::SdFile {
                path: path.clone(),
                source,
            }
        })?;
        self.sd_file = Some(path.clone());
        Ok(path)
    }

    /// Stops serving and removes the target file.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(p) = self.sd_file.take() {
            let _ = std::fs::remove_file(p);
        }
        if let Some(t) = self.thread.take() {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the accept loop so it sees the flag.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            let _ = t.join();
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen_addr("0").unwrap().to_string(), "127.0.0.1:0");
        assert_eq!(
            parse_listen_addr("9100").unwrap().to_string(),
            "127.0.0.1:9100"
        );
        assert_eq!(
            parse_listen_addr("0.0.0.0:9100").unwrap().to_string(),
            "0.0.0.0:9100"
        );
        assert_eq!(parse_listen_addr("[::1]:0").unwrap().to_string(), "[::1]:0");
        let e = parse_listen_addr("localhost").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad address 'localhost': give PORT or HOST:PORT"
        );
        assert!(parse_listen_addr("127.0.0.1:99999").is_err());
    }

    #[test]
    fn serves_metrics_and_removes_its_target_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut ep = Endpoint::start(
            parse_listen_addr("0").unwrap(),
            Box::new(|| "# TYPE x gauge\nx 1\n# EOF\n".to_string()),
        )
        .unwrap();
        let port = ep.addr().port();
        assert_ne!(port, 0);
        let sd = ep.write_sd_file(dir.path()).unwrap();
        let text = std::fs::read_to_string(&sd).unwrap();
        assert_eq!(
            text,
            format!("[{{\"targets\": [\"127.0.0.1:{port}\"], \"labels\": {{}}}}]\n")
        );
        let url = crate::http::Url::parse(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
        let r = crate::http::get(&url).unwrap();
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, b"# TYPE x gauge\nx 1\n# EOF\n".as_slice())
        );
        assert_eq!(crate::http::get(&url.with_path("/")).unwrap().status, 404);
        ep.stop();
        assert!(!sd.exists());
        assert!(crate::http::get(&url).is_err(), "nothing listens any more");
    }

    /// An endpoint on every address is named by the host name (what a site Prometheus on
    /// another machine can reach), and the file by host, pid and port, so the agents of a
    /// job's nodes can share one directory.
    #[test]
    fn an_endpoint_on_every_address_is_named_by_the_host() {
        let dir = tempfile::tempdir().unwrap();
        let mut ep = Endpoint::start(
            parse_listen_addr("0.0.0.0:0").unwrap(),
            Box::new(|| "# EOF\n".to_string()),
        )
        .unwrap();
        let port = ep.addr().port();
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        let host = host.trim();
        let sd = ep.write_sd_file(dir.path()).unwrap();
        assert_eq!(
            sd.file_name().unwrap().to_string_lossy(),
            format!("jumper-{host}-{}-{port}.json", std::process::id())
        );
        assert_eq!(
            std::fs::read_to_string(&sd).unwrap(),
            format!("[{{\"targets\": [\"{host}:{port}\"], \"labels\": {{}}}}]\n")
        );
        let url = crate::http::Url::parse(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
        assert_eq!(crate::http::get(&url).unwrap().status, 200);
        ep.stop();
        assert!(!sd.exists());
    }
}
