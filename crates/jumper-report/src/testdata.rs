//! Synthetic samples shared by the unit tests.

use jumper_data::{
    CellRecord, CellStatus, GpuReading, IoCounters, Level, LevelSample, MonitorInfo, PerfFrame,
    SampleKind, Thresholds, GIB,
};

use crate::Report;

pub const MIB_U: u64 = 1024 * 1024;

/// Process level, 1 CPU, samples every 0.5 s from 0 to 2 s: 80 % CPU, memory 1,2,3,3,3 GiB,
/// 10 MiB written in 20 operations and 2 MiB read in 4, evenly over the 2 s.
pub fn samples(gpus: impl Fn(usize) -> Vec<GpuReading>) -> Vec<LevelSample> {
    (0..5)
        .map(|i| {
            let t = i as f64 * 0.5;
            LevelSample {
                time: t,
                wallclock: 1_000.0 + t,
                kind: match i {
                    0 => SampleKind::CellStart,
                    4 => SampleKind::CellEnd,
                    _ => SampleKind::Tick,
                },
                cpu_time: 0.8 * t,
                memory: ((i.min(2) + 1) as f64 * GIB) as u64,
                io: IoCounters {
                    read_bytes: i as u64 * MIB_U / 2,
                    write_bytes: i as u64 * 10 * MIB_U / 4,
                    read_ops: i as u64,
                    write_ops: i as u64 * 5,
                },
                gpus: gpus(i),
                nprocs: 1,
                ..Default::default()
            }
        })
        .collect()
}

pub fn cell(i: usize, start: f64, end: f64) -> CellRecord {
    CellRecord {
        cell_index: i,
        raw_cell: format!("cell {i}"),
        start_time: start,
        end_time: end,
        duration: end - start,
        ..Default::default()
    }
}

pub fn info() -> MonitorInfo {
    MonitorInfo {
        interval: 0.5,
        num_cpus: 1,
        num_system_cpus: 4,
        memory_limits: [("process".to_string(), 2.5)].into_iter().collect(),
        own_cpu_s: 0.004,
        missed_ticks: 1,
        ..Default::default()
    }
}

/// Cells 0 and 1 over the CPU-only samples.
pub fn cpu_report() -> Report {
    let frame = PerfFrame::from_samples(Level::Process, 1, &samples(|_| vec![]));
    let cells = [cell(0, 0.0, 1.0), cell(1, 1.0, 2.0)];
    Report::new(&frame, &cells, &info(), &Thresholds::default()).unwrap()
}

/// One cell over samples with two GPUs: utilisation 90 and 10 %, 7.5 GiB used on each of 8.
pub fn gpu_report() -> Report {
    let g = |_| {
        vec![
            GpuReading {
                util: 90.0,
                band: 40.0,
                mem_bytes: (7.5 * GIB) as u64,
            },
            GpuReading {
                util: 10.0,
                band: 20.0,
                mem_bytes: (7.5 * GIB) as u64,
            },
        ]
    };
    let frame = PerfFrame::from_samples(Level::Process, 1, &samples(g));
    let info = MonitorInfo {
        num_gpus: 2,
        gpu_memory: 8.0,
        ..info()
    };
    Report::new(&frame, &[cell(3, 0.0, 2.0)], &info, &Thresholds::default()).unwrap()
}

/// Three cells of 1 s each, sampled every 0.25 s, 1 CPU, memory limit 2.5 GiB:
///
/// - cell 0 runs at 100 % CPU at 1 GiB and reads 4 MiB;
/// - cell 1 runs at 20 % CPU at 1.5 GiB and fails, with markup in its code and error;
/// - cell 2 runs at 75 % CPU, grows from 2 to 2.5 GiB and writes 8 MiB.
///
/// The whole range averages 65 % CPU and 1.6 GiB: no tag. Cell 0 is cpu-bound, cell 2
/// memory-bound (0.925) then cpu-bound (0.75).
pub fn failed_range_report() -> Report {
    let rate = |t: f64| match t {
        t if t <= 1.0 => 1.0,
        t if t <= 2.0 => 0.2,
        _ => 0.75,
    };
    let mut cpu = 0.0;
    let samples: Vec<LevelSample> = (0..=12u64)
        .map(|i| {
            let t = i as f64 * 0.25;
            if i > 0 {
                cpu += rate(t) * 0.25;
            }
            let memory = match t {
                t if t <= 1.0 => 1.0,
                t if t <= 2.0 => 1.5,
                t => 2.0 + 0.5 * (t - 2.0),
            };
            let read = i.min(4) * MIB_U;
            let write = i.saturating_sub(8) * 2 * MIB_U;
            LevelSample {
                time: t,
                wallclock: 1_000.0 + t,
                kind: match i {
                    0 | 4 | 8 => SampleKind::CellStart,
                    12 => SampleKind::CellEnd,
                    _ => SampleKind::Tick,
                },
                cpu_time: cpu,
                memory: (memory * GIB) as u64,
                io: IoCounters {
                    read_bytes: read,
                    write_bytes: write,
                    read_ops: read / (64 * 1024),
                    write_ops: write / (64 * 1024),
                },
                nprocs: 1,
                ..Default::default()
            }
        })
        .collect();
    let frame = PerfFrame::from_samples(Level::Process, 1, &samples);
    let mut failed = cell(1, 1.0, 2.0);
    failed.raw_cell = "x = \"<script>alert('code')</script>\"\nraise ValueError(x)".into();
    failed.status = CellStatus::Failed;
    failed.error = Some("ValueError: <script>alert(\"error\")</script> & more".into());
    let cells = [cell(0, 0.0, 1.0), failed, cell(2, 2.0, 3.0)];
    Report::new(&frame, &cells, &info(), &Thresholds::default()).unwrap()
}
