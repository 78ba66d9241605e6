//! `--metrics ADDR` and `--metrics-sd-dir DIR`: the opt-in OpenMetrics endpoint of a running
//! monitor (`jumper run`, `jumper agent`, `jumper replay`), shared by the commands that offer
//! it. The endpoint follows the service's [`Feed`](jumper_core::Feed): each scrape reads the
//! monitor running then, so a script that stops and starts monitoring is served throughout.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use jumper_core::PerfmonitorService;
use jumper_metrics::serve::Endpoint;

use crate::exit;

/// The endpoint's flags.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Serve the latest values as OpenMetrics on http://ADDR/metrics while it runs
    /// (PORT or HOST:PORT; a bare port listens on 127.0.0.1; port 0 picks a free one, printed).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// With --metrics: keep a Prometheus file_sd target file for the endpoint in DIR while
    /// it runs.
    #[arg(long, value_name = "DIR", requires = "metrics")]
    metrics_sd_dir: Option<PathBuf>,
}

/// Checked flags: where to listen, if anywhere.
pub struct Planned {
    listen: Option<SocketAddr>,
    sd_dir: Option<PathBuf>,
}

impl MetricsArgs {
    /// Checks the flags before anything starts: a bad address or a target directory that
    /// is not one is a usage error (the exit code).
    pub fn check(&self) -> Result<Planned, i32> {
        let listen = match self
            .metrics
            .as_deref()
            .map(jumper_metrics::serve::parse_listen_addr)
        {
            Some(Err(e)) => {
                eprintln!("jumper: --metrics: {e}");
                return Err(exit::USAGE);
            }
            Some(Ok(a)) => Some(a),
            None => None,
        };
        if let Some(d) = &self.metrics_sd_dir {
            if !d.is_dir() {
                eprintln!(
                    "jumper: --metrics-sd-dir: '{}' is not a directory",
                    d.display()
                );
                return Err(exit::USAGE);
            }
        }
        Ok(Planned {
            listen,
            sd_dir: self.metrics_sd_dir.clone(),
        })
    }
}

impl Planned {
    /// Starts the endpoint (and its target file) over the service's monitor, when asked for;
    /// a failure to listen is jumper's (the exit code).
    pub fn start(&self, service: &mut PerfmonitorService) -> Result<Option<Endpoint>, i32> {
        let Some(addr) = self.listen else {
            return Ok(None);
        };
        serve(service, addr, self.sd_dir.as_deref())
            .map(Some)
            .map_err(|e| {
                eprintln!("jumper: {}", jumper_core::one_line(&e));
                exit::JUMPER_FAILED
            })
    }
}

fn serve(
    service: &mut PerfmonitorService,
    addr: SocketAddr,
    sd_dir: Option<&Path>,
) -> Result<Endpoint, jumper_metrics::MetricsError> {
    let feed = service.feed();
    // Before monitoring starts (a script's own %perfmonitor_start) there is nothing to serve
    // but the end marker.
    let render = move || {
        let info = feed.state().info.unwrap_or_default();
        let store = feed.store().unwrap_or_default();
        let target = jumper_metrics::Target::from_origin(info.origin.as_ref());
        jumper_metrics::openmetrics_untimed(&jumper_metrics::serve::live_set(
            &store, &info, &target,
        ))
    };
    let mut ep = Endpoint::start(addr, Box::new(render))?;
    eprintln!("jumper: metrics on http://{}/metrics", ep.addr());
    if let Some(dir) = sd_dir {
        let f = ep.write_sd_file(dir)?;
        eprintln!("jumper: file_sd target {}", f.display());
    }
    Ok(ep)
}
