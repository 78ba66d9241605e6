//! Synthetic sessions for the dashboard tests: known cells, cumulative counters, idle gaps,
//! a failed cell, a cell whose code tries to break out of the page, and one memory spike.

// Each test binary uses only part of this module.
#![allow(dead_code)]
use jumper_data::{
    CellRecord, CellStatus, GpuReading, IoCounters, Level, LevelSample, MonitorInfo, PerfFrame,
    SampleKind, GIB,
};

/// Monotonic time the monitor started at.
pub const ORIGIN: f64 = 1000.0;
/// Memory of the single spike sample at process level (every other sample is below 2 GiB).
pub const SPIKE_GIB: f64 = 7.5;
/// Code of cell 2: markup that would run if the page ever inserted it as HTML.
pub const EVIL_CODE: &str =
    "</script><script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> # evil";
/// Cell with the failed status.
pub const FAILED_CELL: usize = 5;

/// What to generate.
pub struct Spec {
    pub ticks: usize,
    pub cells: usize,
    pub levels: Vec<Level>,
    pub cores: usize,
    pub gpus: usize,
    pub interval: f64,
}

/// A generated session.
pub struct Session {
    pub frames: Vec<PerfFrame>,
    pub cells: Vec<CellRecord>,
    pub info: MonitorInfo,
    /// Monotonic time of the spike sample.
    pub spike_time: f64,
}

/// CPU load (fraction of the level's CPUs) in cell `k`.
pub fn load(k: usize) -> f64 {
    ((k * 37) % 10) as f64 / 10.0
}

pub fn session(spec: &Spec) -> Session {
    let total = spec.ticks as f64 * spec.interval;
    let slot = total / spec.cells.max(1) as f64;
    let cells: Vec<CellRecord> = (0..spec.cells)
        .map(|k| {
            let s = ORIGIN + k as f64 * slot + 0.2 * slot + 0.013;
            let e = ORIGIN + k as f64 * slot + 0.9 * slot + 0.007;
            let failed = k == FAILED_CELL;
            CellRecord {
                cell_index: k,
                raw_cell: if k == 2 {
                    EVIL_CODE.to_string()
                } else {
                    format!("step_{k}()\nprint('done {k}')")
                },
                start_time: s,
                end_time: e,
                duration: e - s,
                wallclock_start_time: 1.7e9 + s,
                wallclock_end_time: 1.7e9 + e,
                cell_magics: Vec::new(),
                status: if failed {
                    CellStatus::Failed
                } else {
                    CellStatus::Ok
                },
                error: failed.then(|| "ValueError: <b>boom</b>".to_string()),
            }
        })
        .collect();

    // Tick times plus one sample at every cell start and end, in order.
    let mut times: Vec<(f64, SampleKind)> = (0..spec.ticks)
        .map(|i| (ORIGIN + i as f64 * spec.interval, SampleKind::Tick))
        .collect();
    for c in &cells {
        times.push((c.start_time, SampleKind::CellStart));
        times.push((c.end_time, SampleKind::CellEnd));
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let spike_index = spec.ticks / 3;
    let spike_time = ORIGIN + spike_index as f64 * spec.interval;
    let cell_at = |t: f64| {
        cells
            .iter()
            .position(|c| c.start_time <= t && t <= c.end_time)
    };

    let frames = spec
        .levels
        .iter()
        .map(|&level| {
            let cpus = if level == Level::System {
                spec.cores
            } else {
                2
            };
            let extra = match level {
                Level::Process | Level::Slurm => 0.0,
                Level::User => 0.05,
                Level::System => 0.1,
            };
            let mut cpu = 0.0;
            let mut cores = vec![[0.0f64, 0.0f64]; spec.cores];
            let mut io = IoCounters::default();
            let mut prev = ORIGIN;
            let samples: Vec<LevelSample> = times
                .iter()
                .map(|&(t, kind)| {
                    let dt = t - prev;
                    let mid = cell_at(prev + dt / 2.0);
                    let f = mid.map_or(0.01, |k| (load(k) + extra).min(1.0));
                    cpu += f * cpus as f64 * dt;
                    for (c, core) in cores.iter_mut().enumerate() {
                        core[0] += (f * (0.5 + c as f64 / spec.cores as f64)).min(1.0) * dt;
                        core[1] += dt;
                    }
                    if let Some(k) = mid {
                        let mib = 1024.0 * 1024.0 * dt;
                        match k % 4 {
                            1 => io.write_bytes += (4.0 * mib) as u64,
                            2 => io.read_bytes += mib as u64,
                            _ => {}
                        }
                        io.write_ops = io.write_bytes / 4096;
                        io.read_ops = io.read_bytes / 4096;
                    }
                    prev = t;
                    let k = cell_at(t).unwrap_or(0);
                    let mut memory = 0.5 + 0.01 * k as f64 + extra;
                    if level == Level::Process && t == spike_time && kind == SampleKind::Tick {
                        memory = SPIKE_GIB;
                    }
                    LevelSample {
                        time: t,
                        wallclock: 1.7e9 + t,
                        kind,
                        cpu_time: cpu,
                        cpu_cores: if level == Level::System {
                            cores.to_vec()
                        } else {
                            Vec::new()
                        },
                        memory: (memory * GIB) as u64,
                        io,
                        gpus: (0..spec.gpus)
                            .map(|g| GpuReading {
                                util: (f * 100.0 - g as f64 * 10.0).max(0.0),
                                band: f * 50.0,
                                mem_bytes: ((1.0 + 0.01 * k as f64 + g as f64) * GIB) as u64,
                            })
                            .collect(),
                        nprocs: 3,
                    }
                })
                .collect();
            PerfFrame::from_samples(level, cpus, &samples)
        })
        .collect();

    let info = MonitorInfo {
        interval: spec.interval,
        start_time: Some(ORIGIN),
        wallclock_start_time: Some(1.7e9 + ORIGIN),
        num_cpus: 2,
        num_system_cpus: spec.cores,
        num_gpus: spec.gpus,
        gpu_memory: if spec.gpus > 0 { 16.0 } else { 0.0 },
        gpu_name: if spec.gpus > 0 {
            "Fake GPU <i>X</i>".to_string()
        } else {
            String::new()
        },
        memory_limits: [("process", 16.0), ("user", 16.0), ("system", 32.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        levels: spec.levels.clone(),
        ..Default::default()
    };
    Session {
        frames,
        cells,
        info,
        spike_time,
    }
}

/// The JSON document embedded in a page.
pub fn embedded_data(html: &str) -> serde_json::Value {
    let open = r#"<script type="application/json" id="jumper-data">"#;
    let start = html.find(open).expect("data element") + open.len();
    let end = start
        + html[start..]
            .find("</script>")
            .expect("end of data element");
    serde_json::from_str(&html[start..end]).expect("embedded data is JSON")
}
