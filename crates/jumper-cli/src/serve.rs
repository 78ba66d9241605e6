//! `--metrics ADDR` and `--metrics-sd-dir DIR`: the opt-in OpenMetrics endpoint of a running
//! monitor (`jumper run`, `jumper agent`, `jumper replay`, `jumper kernel run`), shared by the
//! commands that offer it. The endpoint follows the service's [`Feed`](jumper_core::Feed):
//! each scrape reads the monitor running then, so a script that stops and starts monitoring
//! is served throughout.

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
        self.validate().map_err(|e| {
            eprintln!("jumper: {e}");
            exit::USAGE
        })
    }

    /// [`MetricsArgs::check`] with the one-line error returned rather than printed.
    pub fn validate(&self) -> Result<Planned, String> {
        let listen = match self
            .metrics
            .as_deref()
            .map(jumper_metrics::serve::parse_listen_addr)
        {
            Some(Err(e)) => return Err(format!("--metrics: {e}")),
            Some(Ok(a)) => Some(a),
            None => None,
        };
        if let Some(d) = &self.metrics_sd_dir {
            if !d.is_dir() {
                return Err(format!(
                    "--metrics-sd-dir: '{}' is not a directory",
                    d.display()
                ));
            }
        }
        Ok(Planned {
            listen,
            sd_dir: self.metrics_sd_dir.clone(),
        })
    }

    /// The flags again, for a command line that runs later in another directory (a
    /// kernelspec's argv): the target directory made absolute.
    pub fn to_args(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(a) = &self.metrics {
            v.extend(["--metrics".to_string(), a.clone()]);
        }
        if let Some(d) = &self.metrics_sd_dir {
            let d = std::path::absolute(d).unwrap_or_else(|_| d.clone());
            v.extend([
                "--metrics-sd-dir".to_string(),
                d.to_string_lossy().into_owned(),
            ]);
        }
        v
    }
}

impl Planned {
    /// Starts the endpoint (and its target file) over the service's monitor, when asked for;
    /// a failure to listen is jumper's (the exit code).
    pub fn start(&self, service: &mut PerfmonitorService) -> Result<Option<Endpoint>, i32> {
        self.serve(service).map_err(|e| {
            eprintln!("jumper: {}", jumper_core::one_line(&e));
            exit::JUMPER_FAILED
        })
    }

    /// [`Planned::start`] with the error returned rather than printed (the kernel prints it
    /// itself).
    pub fn serve(
        &self,
        service: &mut PerfmonitorService,
    ) -> Result<Option<Endpoint>, jumper_metrics::MetricsError> {
        match self.listen {
            Some(addr) => serve(service, addr, self.sd_dir.as_deref()).map(Some),
            None => Ok(None),
        }
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
        let info = feed.info().unwrap_or_default();
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
