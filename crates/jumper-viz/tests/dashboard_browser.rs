#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The dashboard in a real browser: headless Chromium driven over WebDriver (a tiny HTTP/JSON
//! client on `std::net::TcpStream`), the page loaded through `file://` with the network
//! unreachable. One browser session runs every check.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install -y chromium
//! chromium-driver`), or the paths in `JUMPER_CHROMIUM` and `JUMPER_CHROMEDRIVER`. Without
//! them the test fails and says how to install them.

#[path = "dashboard_support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use jumper_data::{Level, Window};
use jumper_viz::dashboard::{write_dashboard, DashboardInput};
use serde_json::{json, Value};
use support::{session, Spec, EVIL_CODE, FAILED_CELL, ORIGIN};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_tool(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn browser() -> (PathBuf, PathBuf) {
    let chromium = find_tool(
        "JUMPER_CHROMIUM",
        &[
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ],
    );
    let driver = find_tool("JUMPER_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        (c, d) => {
            panic!(
            "the dashboard browser test needs headless Chromium and chromedriver, but {} {} not \
             found. Install them with `sudo apt-get install -y chromium chromium-driver` \
             (Debian/Ubuntu; .ci/run does this), or point JUMPER_CHROMIUM and \
             JUMPER_CHROMEDRIVER at the binaries.",
            [
                c.is_none().then_some("chromium ($JUMPER_CHROMIUM, else /usr/bin/chromium)"),
                d.is_none().then_some("chromedriver ($JUMPER_CHROMEDRIVER, else /usr/bin/chromedriver)"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and "),
            if c.is_none() && d.is_none() { "were" } else { "was" },
        )
        }
    }
}

/// One HTTP/1.1 request with a JSON body; returns the JSON response.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to chromedriver");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // chromedriver keeps the connection open, so read by Content-Length (or chunks).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let header_end = loop {
        let n = s.read(&mut buf).expect("read chromedriver's answer");
        assert!(n > 0, "chromedriver closed the connection");
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..header_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse::<usize>().unwrap());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let body = &raw[header_end..];
        let done = match length {
            Some(n) => body.len() >= n,
            None if chunked => body.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = s.read(&mut buf).expect("read chromedriver's answer");
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8(raw[header_end..].to_vec()).expect("UTF-8 answer");
    let payload = if chunked { dechunk(&text) } else { text };
    serde_json::from_str(&payload).unwrap_or_else(|e| panic!("{method} {path}: {e}: {payload}"))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(path: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let d = Driver { child, port };
        let t0 = Instant::now();
        loop {
            let ready = TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http(port, "GET", "/status", None)["value"]["ready"] == true;
            if ready {
                return d;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session, deleted (browser closed) when dropped.
struct Browser<'d> {
    driver: &'d Driver,
    id: String,
}

impl<'d> Browser<'d> {
    fn open(driver: &'d Driver, chromium: &Path) -> Browser<'d> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,1500", "--hide-scrollbars",
                    // No network for the page: every host unresolvable, every proxy dead.
                    "--host-resolver-rules=MAP * ~NOTFOUND",
                    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                ],
            },
        }}});
        let v = http(driver.port, "POST", "/session", Some(&caps));
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Browser { driver, id }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = http(
            self.driver.port,
            method,
            &format!("/session/{}{path}", self.id),
            body.as_ref(),
        );
        if let Some(e) = v["value"].get("error") {
            panic!("{method} {path}: {e}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Polls `script` until it returns something truthy.
    fn wait_for(&self, what: &str, script: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.js(script);
            let truthy = match &v {
                Value::Null | Value::Bool(false) => false,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}; errors: {}",
                self.js("return window.jumperErrors")
            );
            sleep(Duration::from_millis(50));
        }
    }

    fn click(&self, css: &str) {
        let el = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = el[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {el}"))
            .to_string();
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn screenshot(&self, path: &Path) {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(b64.as_str().unwrap());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        std::fs::write(path, png).unwrap();
    }

    fn panels(&self) -> Vec<Value> {
        self.js("return window.jumperDashboard.panels()")
            .as_array()
            .unwrap()
            .clone()
    }

    fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .js("return window.jumperErrors")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.to_string())
            .collect();
        let log = self.cmd("POST", "/se/log", Some(json!({"type": "browser"})));
        for entry in log.as_array().unwrap() {
            if entry["level"] == "SEVERE" {
                out.push(entry["message"].to_string());
            }
        }
        out
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = http(
            self.driver.port,
            "DELETE",
            &format!("/session/{}", self.id),
            None,
        );
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 byte {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|&&b| b == b'=').count();
        let mut n = 0u32;
        for &b in chunk {
            n = (n << 6) | if b == b'=' { 0 } else { val(b) };
        }
        let three = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&three[..3 - pad]);
    }
    out
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {a} is not a number"));
    assert!(
        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
        "{what}: {a} != {b}"
    );
}

fn pad(width: f64) -> f64 {
    (0.05 * width).max(0.5)
}

#[test]
fn the_dashboard_works_in_headless_chromium() {
    let (chromium, chromedriver) = browser();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));

    // Three levels, one GPU, 12 cells with idle gaps, one of them failed, one with hostile code.
    let s = session(&Spec {
        ticks: 1200,
        cells: 12,
        levels: vec![Level::Process, Level::User, Level::System],
        cores: 4,
        gpus: 1,
        interval: 0.1,
    });
    let page = tmp.join("dashboard-browser.html");
    write_dashboard(
        &DashboardInput::new(&s.frames, &s.cells, &s.info).with_title("browser test"),
        &page,
    )
    .unwrap();
    // A second page: one level, no GPU, to exhaust the panels.
    let plain = session(&Spec {
        ticks: 200,
        cells: 3,
        levels: vec![Level::User],
        cores: 2,
        gpus: 0,
        interval: 0.1,
    });
    let page2 = tmp.join("dashboard-browser-plain.html");
    write_dashboard(
        &DashboardInput::new(&plain.frames, &plain.cells, &plain.info),
        &page2,
    )
    .unwrap();

    let driver = Driver::start(&chromedriver);
    let b = Browser::open(&driver, &chromium);
    b.cmd(
        "POST",
        "/url",
        Some(json!({"url": format!("file://{}", page.display())})),
    );
    b.wait_for(
        "the dashboard",
        "return window.jumperDashboard && window.jumperDashboard.ready",
    );
    b.wait_for(
        "the first draw",
        "return window.jumperDashboard.panels().every(p => p.labels.length > 0)",
    );
    assert_eq!(b.js("return document.title"), "browser test");
    assert_eq!(b.errors(), Vec::<String>::new());
    // Nothing was fetched: the page is the only resource.
    assert_eq!(
        b.js("return performance.getEntriesByType('resource').length"),
        0
    );

    // uPlot rendered: two panels, one canvas each.
    let count = |css: &str| b.js(&format!("return document.querySelectorAll('{css}').length"));
    assert_eq!(count("#panels .panel"), 2);
    assert_eq!(count("#panels .panel canvas"), 2);
    let p = b.panels();
    assert_eq!(
        (p[0]["metric"].as_str(), p[0]["level"].as_str()),
        (Some("cpu_summary"), Some("process"))
    );
    assert_eq!(
        p[0]["title"],
        "CPU Utilization (%) - 2 CPUs – process (no idle)"
    );
    assert_eq!(p[0]["series"], 3);
    assert_eq!(p[0]["yMax"], 100.0);
    assert_eq!(p[1]["metric"], "memory");
    assert_eq!(p[1]["series"], 1);
    let labels: Vec<&str> = p[0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(labels.first(), Some(&"#0"));
    assert_eq!(labels.last(), Some(&"#11"));
    assert_eq!(
        b.js("return window.jumperDashboard.metrics()"),
        json!([
            "cpu_summary",
            "memory",
            "io_read",
            "io_write",
            "io_read_count",
            "io_write_count",
            "gpu_util_summary",
            "gpu_band_summary",
            "gpu_mem_summary",
            "cpu",
            "gpu_util",
            "gpu_band",
            "gpu_mem"
        ])
    );

    // Idle hidden: only the samples inside the cells, the cells end to end from 0, with 5 %
    // padding.
    let inside = s.frames[0]
        .rows
        .iter()
        .filter(|r| {
            s.cells
                .iter()
                .any(|c| c.start_time <= r.time && r.time <= c.end_time)
        })
        .count();
    assert_eq!(p[0]["points"], inside);
    let hidden = |a: usize, z: usize| -> f64 { s.cells[a..=z].iter().map(|c| c.duration).sum() };
    let all = hidden(0, 11);
    close(&p[0]["xMin"], -pad(all), "xMin, all cells");
    close(&p[0]["xMax"], all + pad(all), "xMax, all cells");
    assert_eq!(
        b.js("return document.getElementById('range-text').textContent"),
        "Cells: 0–11"
    );

    // The hostile cell's code is shown as text and never ran; the failed cell says so.
    let cell_text = b.js("return document.getElementById('cell-rows').textContent");
    assert!(cell_text.as_str().unwrap().contains(EVIL_CODE));
    assert_eq!(b.js("return typeof window.__pwned"), "undefined");
    assert_eq!(count("#cell-rows img"), 0);
    assert_eq!(
        b.js(&format!(
            "return document.querySelectorAll('#cell-rows tr')[{FAILED_CELL}].children[3].textContent"
        )),
        "failed"
    );
    b.screenshot(&tmp.join("dashboard-light.png"));

    // The range slider: moving a thumb changes the text and the x scale of every plot.
    let set = |id: &str, v: usize| {
        b.js(&format!(
            "const e = document.getElementById('{id}'); e.value = '{v}'; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             return document.getElementById('range-text').textContent"
        ))
    };
    assert_eq!(set("range-lo", 4), "Cells: 4–11");
    let want = hidden(4, 11);
    b.wait_for(
        "the x scale to follow the slider",
        &format!(
            "return window.jumperDashboard.panels().every(p => Math.abs(p.xMax - {}) < 1e-6)",
            want + pad(want)
        ),
    );
    // The thumbs cannot cross.
    assert_eq!(set("range-hi", 2), "Cells: 4–4");
    assert_eq!(
        b.js("return document.getElementById('range-hi').value"),
        "4"
    );
    assert_eq!(set("range-hi", 9), "Cells: 4–9");
    let want = hidden(4, 9);
    b.wait_for(
        "cells 4–9",
        &format!(
            "return window.jumperDashboard.panels().every(p => Math.abs(p.xMax - {}) < 1e-6)",
            want + pad(want)
        ),
    );
    let p = b.panels();
    close(&p[1]["xMin"], -pad(want), "xMin, cells 4-9");
    let labels = p[0]["labels"].as_array().unwrap();
    assert_eq!(labels.first().unwrap(), "#4");
    assert_eq!(labels.last().unwrap(), "#9");

    // Totals of the selection: the sum of jumper-data's statistics of each cell.
    let totals = b.js("return window.jumperDashboard.totals()");
    for (i, frame) in s.frames.iter().enumerate() {
        let t = &totals[i];
        assert_eq!(t["level"], frame.level.as_str());
        let cpu: f64 = s.cells[4..=9]
            .iter()
            .map(|c| {
                frame
                    .window_stats(
                        Window {
                            start: c.start_time,
                            end: c.end_time,
                        },
                        0.1,
                    )
                    .cpu_time_s
            })
            .sum();
        close(&t["cpu_s"], cpu, "cpu seconds, idle hidden");
    }
    let text = b.js("return document.getElementById('totals').textContent");
    let text = text.as_str().unwrap();
    assert!(text.contains("Cells: 4–9 · 6 cells"), "{text}");
    assert!(
        text.contains(&format!("{:.2} s (idle excluded)", want)),
        "{text}"
    );

    // Show idle: seconds since the monitor started, the gaps between cells included.
    b.click("#show-idle");
    let start = s.cells[4].start_time - ORIGIN;
    let end = s.cells[9].end_time - ORIGIN;
    b.wait_for(
        "the idle view",
        &format!(
            "return window.jumperDashboard.panels().every(p => Math.abs(p.xMax - {}) < 1e-6)",
            end + pad(end - start)
        ),
    );
    let p = b.panels();
    close(&p[0]["xMin"], start - pad(end - start), "xMin with idle");
    assert!((end - start) > want + 10.0, "the gaps widen the x extent");
    assert_eq!(p[0]["title"], "CPU Utilization (%) - 2 CPUs – process");
    assert!(b.js("return window.jumperDashboard.state().showIdle") == true);
    let totals = b.js("return window.jumperDashboard.totals()");
    for (i, frame) in s.frames.iter().enumerate() {
        let st = frame.window_stats(Window::of_cells(&s.cells[4..=9]).unwrap(), 0.1);
        close(
            &totals[i]["cpu_s"],
            st.cpu_time_s,
            "cpu seconds, report window",
        );
        close(
            &totals[i]["write_bytes"],
            st.io_write_bytes,
            "bytes written",
        );
    }

    // "+ Add Panel" adds a working panel: next metric not shown yet, menus that switch it.
    b.click("#add-panel");
    b.wait_for(
        "a third panel",
        "return window.jumperDashboard.panels().length === 3",
    );
    assert_eq!(count("#panels .panel canvas"), 3);
    let p = b.panels();
    assert_eq!(
        p[2]["metric"], "io_read",
        "the next metric in catalogue order"
    );
    assert_eq!(p[2]["level"], "process");
    assert_eq!(p[2]["series"], 1);
    let select = |what: &str, v: &str| {
        b.js(&format!(
            "const e = document.querySelectorAll('#panels .panel')[2].querySelector('.{what}-select'); \
             e.value = '{v}'; e.dispatchEvent(new Event('change', {{bubbles: true}})); \
             return window.jumperDashboard.panels()[2]"
        ))
    };
    let p2 = select("metric", "cpu");
    assert_eq!(p2["series"], 1, "process level: the mean only");
    let p2 = select("level", "system");
    assert_eq!(p2["series"], 5, "4 cores and the mean");
    assert_eq!(
        p2["title"],
        "CPU Utilization per Core (%) - 4 CPUs – system"
    );
    for (metric, series) in [
        ("memory", 1),
        ("io_write", 1),
        ("io_read_count", 1),
        ("gpu_util_summary", 3),
        ("gpu_mem", 2),
    ] {
        let p2 = select("metric", metric);
        assert_eq!(p2["metric"], metric);
        assert_eq!(p2["series"], series, "{metric}");
        assert_eq!(p2["message"], "", "{metric}");
    }
    select("metric", "memory");
    let y_max = b.wait_for(
        "the memory scale",
        "return window.jumperDashboard.panels()[2].yMax",
    );
    assert_eq!(
        y_max.as_f64(),
        Some(32.0 * 1.15),
        "0 to the limit, with headroom"
    );
    // Remove it again.
    b.js("document.querySelectorAll('#panels .panel')[2].querySelector('.remove-panel').click()");
    assert_eq!(count("#panels .panel"), 2);
    assert_eq!(count("#panels .panel canvas"), 2);
    assert_eq!(b.errors(), Vec::<String>::new());

    // Dark look: the page follows prefers-color-scheme.
    let light_bg = b.js("return getComputedStyle(document.body).backgroundColor");
    b.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {
            "features": [{"name": "prefers-color-scheme", "value": "dark"}]}})),
    );
    let dark_bg = b.wait_for(
        "the dark look",
        "const c = getComputedStyle(document.body).backgroundColor; return c === 'rgb(15, 18, 23)' ? c : null",
    );
    assert_ne!(light_bg, dark_bg);
    assert_eq!(light_bg, "rgb(255, 255, 255)");
    b.wait_for(
        "the panels redrawn",
        "return window.jumperDashboard.panels().every(p => p.labels.length > 0)",
    );
    b.screenshot(&tmp.join("dashboard-dark.png"));
    b.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"features": []}})),
    );

    // The plain page: no GPU metrics; panels run out after every metric is shown.
    b.cmd(
        "POST",
        "/url",
        Some(json!({"url": format!("file://{}", page2.display())})),
    );
    b.wait_for(
        "the plain dashboard",
        "return window.jumperDashboard && window.jumperDashboard.ready",
    );
    assert_eq!(
        b.js("return window.jumperDashboard.metrics()"),
        json!([
            "cpu_summary",
            "memory",
            "io_read",
            "io_write",
            "io_read_count",
            "io_write_count",
            "cpu"
        ])
    );
    assert_eq!(
        b.panels()[0]["level"],
        "user",
        "no process level: the first one"
    );
    for _ in 0..5 {
        b.click("#add-panel");
    }
    assert_eq!(count("#panels .panel canvas"), 7);
    assert_eq!(
        b.js("return document.getElementById('add-panel').disabled"),
        true
    );
    assert_eq!(
        b.js("return document.getElementById('messages').textContent"),
        "All panels have been added."
    );
    assert_eq!(b.errors(), Vec::<String>::new());
    assert_eq!(
        b.js("return performance.getEntriesByType('resource').length"),
        0
    );

    // The benchmark's session (1 h at 10 Hz, 4 levels, 120 cells) works in the browser too.
    let long = session(&Spec {
        ticks: 36_000,
        cells: 120,
        levels: vec![Level::Process, Level::User, Level::System, Level::Slurm],
        cores: 8,
        gpus: 0,
        interval: 0.1,
    });
    let page3 = tmp.join("dashboard-browser-1h.html");
    write_dashboard(
        &DashboardInput::new(&long.frames, &long.cells, &long.info),
        &page3,
    )
    .unwrap();
    b.cmd(
        "POST",
        "/url",
        Some(json!({"url": format!("file://{}", page3.display())})),
    );
    b.wait_for(
        "the 1 h dashboard",
        "return window.jumperDashboard && window.jumperDashboard.ready",
    );
    b.wait_for(
        "its first draw",
        "return window.jumperDashboard.panels().every(p => p.labels.length > 0)",
    );
    assert_eq!(count("#panels .panel canvas"), 2);
    let p = b.panels();
    let points = p[0]["points"].as_u64().unwrap();
    // Idle hidden: the cells' share of the ~3840 points (idle gaps are 30 % of the time).
    assert!((2400..=3000).contains(&points), "{points} points drawn");
    b.click("#show-idle");
    let (start, end) = (
        long.cells[0].start_time - ORIGIN,
        long.cells[119].end_time - ORIGIN,
    );
    b.wait_for(
        "the 1 h idle view",
        &format!(
            "return window.jumperDashboard.panels().every(p => Math.abs(p.xMax - {}) < 1e-6)",
            end + pad(end - start)
        ),
    );
    assert_eq!(b.errors(), Vec::<String>::new());
    b.screenshot(&tmp.join("dashboard-1h-idle.png"));
    eprintln!(
        "1 h dashboard: first panels built in {} ms",
        b.js("return window.jumperDashboard.initMs")
    );

    // A job's dashboard: the system level of two nodes, named, as the Level menu's choices.
    let n1 = session(&Spec {
        ticks: 300,
        cells: 4,
        levels: vec![Level::Process, Level::System],
        cores: 2,
        gpus: 0,
        interval: 0.1,
    });
    let mut n2_frame = n1.frames[1].clone();
    for r in &mut n2_frame.rows {
        r.cpu_util_avg = (r.cpu_util_avg / 2.0).min(100.0);
    }
    let frames = [n1.frames[0].clone(), n1.frames[1].clone(), n2_frame];
    let names = vec!["process".into(), "system n1".into(), "system n2".into()];
    let page4 = tmp.join("dashboard-browser-nodes.html");
    write_dashboard(
        &DashboardInput::new(&frames, &n1.cells, &n1.info).with_names(names),
        &page4,
    )
    .unwrap();
    b.cmd(
        "POST",
        "/url",
        Some(json!({"url": format!("file://{}", page4.display())})),
    );
    b.wait_for(
        "the nodes' dashboard",
        "return window.jumperDashboard && window.jumperDashboard.ready",
    );
    b.wait_for(
        "its first draw",
        "return window.jumperDashboard.panels().every(p => p.labels.length > 0)",
    );
    assert_eq!(
        b.js("return window.jumperDashboard.levels()"),
        json!(["process", "system n1", "system n2"])
    );
    let options = b.js(
        "return [...document.querySelector('#panels .panel .level-select').options].map(o => o.value)",
    );
    assert_eq!(options, json!(["process", "system n1", "system n2"]));
    for node in ["system n1", "system n2"] {
        let p = b.js(&format!(
            "const e = document.querySelector('#panels .panel .level-select'); \
             e.value = '{node}'; e.dispatchEvent(new Event('change', {{bubbles: true}})); \
             return window.jumperDashboard.panels()[0]"
        ));
        assert_eq!(p["level"], node);
        assert_eq!(p["series"], 3, "{p}");
        assert!(p["title"].as_str().unwrap().contains(node), "{p}");
    }
    assert_eq!(b.errors(), Vec::<String>::new());
    b.screenshot(&tmp.join("dashboard-nodes.png"));
}
