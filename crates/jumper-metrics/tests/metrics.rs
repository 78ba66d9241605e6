//! The metric set and its encoders on a made-up two-level session with a GPU: per-cell
//! figures equal the report's derivation, and each format keeps its rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;

use jumper_data::{
    CellRecord, CellStatus, GpuReading, IoCounters, Level, LevelSample, MonitorInfo, PerfFrame,
    SampleKind, Window, GIB,
};
use jumper_metrics::{
    line_protocol, openmetrics, prometheus_text, prometheus_text_timed, Input, MetricSet, Scope,
    Target, METRICS,
};

const T0: f64 = 1_795_000_000.0;

fn samples(level: Level) -> Vec<LevelSample> {
    let k = if level == Level::Process { 1.0 } else { 2.0 };
    (0..=40)
        .map(|i| {
            let t = 100.0 + i as f64 * 0.1;
            LevelSample {
                time: t,
                wallclock: T0 + t,
                kind: if i % 20 == 0 {
                    SampleKind::CellStart
                } else {
                    SampleKind::Tick
                },
                cpu_time: k * 0.07 * i as f64,
                memory: ((0.5 + 0.01 * i as f64) * GIB) as u64,
                io: IoCounters {
                    read_bytes: 4096 * i,
                    write_bytes: 8192 * i * i,
                    read_ops: i,
                    write_ops: 2 * i,
                },
                gpus: vec![GpuReading {
                    util: (i % 10) as f64 * 10.0,
                    band: 5.0,
                    mem_bytes: GIB as u64,
                }],
                ..Default::default()
            }
        })
        .collect()
}

fn cells() -> Vec<CellRecord> {
    [
        (0usize, 100.05, 101.95, "# %% load \"data\"\nx = 1"),
        (1, 102.0, 103.93, "y = 2"),
    ]
    .into_iter()
    .map(|(i, s, e, code)| CellRecord {
        cell_index: i,
        raw_cell: code.into(),
        start_time: s,
        end_time: e,
        duration: e - s,
        wallclock_start_time: T0 + s,
        wallclock_end_time: T0 + e,
        status: if i == 1 {
            CellStatus::Failed
        } else {
            CellStatus::Ok
        },
        ..Default::default()
    })
    .collect()
}

struct Fx {
    info: MonitorInfo,
    frames: Vec<PerfFrame>,
    cells: Vec<CellRecord>,
    target: Target,
}

fn fx() -> Fx {
    let mut info = MonitorInfo {
        interval: 0.1,
        start_time: Some(100.0),
        wallclock_start_time: Some(T0 + 100.0),
        num_cpus: 2,
        num_gpus: 1,
        gpu_uuids: vec!["GPU-5b2e".into()],
        ..MonitorInfo::default()
    };
    info.memory_limits.insert("process".into(), 4.0);
    Fx {
        frames: [Level::Process, Level::Slurm]
            .iter()
            .map(|&l| PerfFrame::from_samples(l, 2, &samples(l)))
            .collect(),
        cells: cells(),
        info,
        target: Target {
            jobid: Some("42".into()),
            step: Some("0".into()),
            node: Some("n1".into()),
            cluster: Some("jt".into()),
        },
    }
}

fn set(f: &Fx) -> MetricSet {
    MetricSet::from_session(&Input {
        info: &f.info,
        frames: &f.frames,
        cells: &f.cells,
        target: &f.target,
    })
    .unwrap()
}

/// `(sample name, labels, value, timestamp)`.
type Line = (String, HashMap<String, String>, f64, Option<f64>);

/// Every sample line of a text export.
fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (name, rest) = match l.find('{') {
                Some(i) => {
                    let j = l.rfind('}').unwrap();
                    (&l[..i], (&l[i + 1..j], &l[j + 1..]))
                }
                None => {
                    let i = l.find(' ').unwrap();
                    (&l[..i], ("", &l[i..]))
                }
            };
            let mut labels = HashMap::new();
            let mut s = rest.0;
            while !s.is_empty() {
                let eq = s.find("=\"").unwrap();
                let key = s[..eq].to_string();
                let mut val = String::new();
                let mut it = s[eq + 2..].char_indices();
                let end = loop {
                    let (i, c) = it.next().unwrap();
                    match c {
                        '\\' => {
                            let (_, n) = it.next().unwrap();
                            val.push(if n == 'n' { '\n' } else { n });
                        }
                        '"' => break eq + 2 + i + 1,
                        c => val.push(c),
                    }
                };
                labels.insert(key, val);
                s = s[end..].trim_start_matches(',');
            }
            let mut parts = rest.1.split_whitespace();
            let v: f64 = parts.next().unwrap().parse().unwrap();
            let t = parts.next().map(|t| t.parse().unwrap());
            (name.to_string(), labels, v, t)
        })
        .collect()
}

#[test]
fn per_cell_figures_are_the_reports_derivation() {
    let f = fx();
    let set = set(&f);
    let om = parse(&openmetrics(&set));
    for frame in &f.frames {
        for c in &f.cells {
            let st = frame.window_stats(
                Window {
                    start: c.start_time,
                    end: c.end_time,
                },
                f.info.interval,
            );
            let get = |name: &str| -> (f64, f64) {
                let hits: Vec<_> = om
                    .iter()
                    .filter(|(n, l, ..)| {
                        n == name
                            && l["level"] == frame.level.as_str()
                            && l["cell"] == c.cell_index.to_string()
                    })
                    .collect();
                assert_eq!(hits.len(), 1, "{name}");
                (hits[0].2, hits[0].3.unwrap())
            };
            let (cpu, t) = get("jumper_cell_cpu_seconds");
            assert!(st.cpu_time_s > 0.1);
            assert_eq!(cpu, st.cpu_time_s);
            assert!((t - (T0 + c.end_time)).abs() < 1e-3, "at the cell's end");
            assert_eq!(
                get("jumper_cell_memory_peak_bytes").0,
                st.memory_gib.max * GIB
            );
            assert_eq!(get("jumper_cell_io_write_bytes").0, st.io_write_bytes);
            assert_eq!(get("jumper_cell_io_read_bytes").0, st.io_read_bytes);
            assert_eq!(
                get("jumper_cell_cpu_utilization_ratio").0,
                st.cpu_util.avg / 100.0
            );
            assert_eq!(get("jumper_cell_duration_seconds").0, c.duration);
            assert_eq!(
                get("jumper_cell_gpu_utilization_ratio").0,
                st.gpu_util.unwrap().avg / 100.0
            );
        }
        let w = Window::of_cells(&f.cells).unwrap();
        let st = frame.window_stats(w, f.info.interval);
        let session: Vec<_> = om
            .iter()
            .filter(|(n, l, ..)| {
                n == "jumper_session_cpu_seconds" && l["level"] == frame.level.as_str()
            })
            .collect();
        assert_eq!(session.len(), 1);
        assert_eq!(session[0].2, st.cpu_time_s);
    }
    // The slurm level burnt twice the process level's CPU in every cell.
    let cpu = |level: &str, cell: &str| {
        om.iter()
            .find(|(n, l, ..)| {
                n == "jumper_cell_cpu_seconds" && l["level"] == level && l["cell"] == cell
            })
            .unwrap()
            .2
    };
    assert!((cpu("slurm", "1") - 2.0 * cpu("process", "1")).abs() < 1e-9);
}

#[test]
fn openmetrics_follows_the_rules_promtool_enforces() {
    let f = fx();
    let text = openmetrics(&set(&f));
    assert!(text.ends_with("\n# EOF\n"));
    assert_eq!(text.matches("# EOF").count(), 1);
    // Metadata: TYPE first, UNIT only where the name ends in it, then HELP, families once.
    let mut seen = std::collections::HashSet::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if let Some(rest) = l.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(seen.insert(name.to_string()), "{name} twice");
            let def = METRICS.iter().find(|d| d.name == name).unwrap();
            let mut j = i + 1;
            if let Some(u) = def.unit {
                assert_eq!(lines[j], format!("# UNIT {name} {u}"));
                assert!(name.ends_with(&format!("_{u}")));
                j += 1;
            }
            assert!(lines[j].starts_with(&format!("# HELP {name} ")));
            assert_eq!(
                kind,
                match def.kind {
                    jumper_metrics::Kind::Counter => "counter",
                    jumper_metrics::Kind::Gauge => "gauge",
                    jumper_metrics::Kind::Info => "info",
                }
            );
        }
    }
    // Every sample has a timestamp in seconds, increasing per series; counters are `_total`.
    let mut last: HashMap<String, f64> = HashMap::new();
    for (name, labels, v, t) in parse(&text) {
        let t = t.unwrap();
        assert!(t > T0 && t < T0 + 1000.0, "seconds, not milliseconds: {t}");
        let mut key: Vec<_> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        key.sort();
        let key = format!("{name}{key:?}");
        if let Some(prev) = last.insert(key.clone(), t) {
            assert!(t > prev, "{key}: {t} after {prev}");
        }
        let def = METRICS
            .iter()
            .find(|d| d.sample_name() == name)
            .unwrap_or_else(|| panic!("{name} is not in the table"));
        // Where a sample was taken, on every series; a cell only on per-cell ones.
        assert_eq!(labels["jobid"], "42");
        assert_eq!(labels["node"], "n1");
        assert_eq!(labels["cluster"], "jt");
        assert_eq!(
            labels.contains_key("cell"),
            def.scope == Scope::Cell,
            "{name}"
        );
        if name == "jumper_cell_info" {
            assert_eq!(v, 1.0);
            assert!(!labels.contains_key("level"));
        }
        assert!(!labels.contains_key("job") && !labels.contains_key("instance"));
    }
    assert!(text.contains("# TYPE jumper_cpu_seconds counter\n# UNIT jumper_cpu_seconds seconds\n"));
    assert!(text.contains("jumper_gpu_utilization_ratio{jobid=\"42\",step=\"0\",node=\"n1\",cluster=\"jt\",level=\"process\",gpu=\"0\",UUID=\"GPU-5b2e\"} 0.1 "));
    // The title keeps its quotes, escaped.
    assert!(
        text.contains("title=\"# %% load \\\"data\\\"\",status=\"ok\""),
        "{text}"
    );
    assert!(text.contains("cell=\"1\",title=\"y = 2\",status=\"failed\""));
    // 41 samples; the first is the monitor's start: all of them are in.
    let cpu: Vec<_> = parse(&text)
        .into_iter()
        .filter(|(n, l, ..)| n == "jumper_cpu_seconds_total" && l["level"] == "process")
        .collect();
    assert_eq!(cpu.len(), 41);
    assert!((cpu[40].2 - 2.8).abs() < 1e-9);
    assert!((cpu[40].3.unwrap() - (T0 + 104.0)).abs() < 1e-6);
}

#[test]
fn prometheus_text_has_no_timestamps_and_0_0_4_counter_names() {
    let f = fx();
    let text = prometheus_text(&set(&f).latest());
    assert!(!text.contains("# EOF") && !text.contains("# UNIT"));
    assert!(text.contains("# HELP jumper_cpu_seconds_total CPU time"));
    assert!(text.contains("# TYPE jumper_cpu_seconds_total counter\n"));
    assert!(text.contains("# TYPE jumper_cell_info gauge\n"));
    let samples = parse(&text);
    assert!(samples.iter().all(|s| s.3.is_none()), "no timestamps");
    let cpu: Vec<_> = samples
        .iter()
        .filter(|(n, l, ..)| n == "jumper_cpu_seconds_total" && l["level"] == "slurm")
        .collect();
    assert_eq!(cpu.len(), 1, "one (the latest) value per series");
    assert!((cpu[0].2 - 5.6).abs() < 1e-9);
    // Summaries only, for the Pushgateway.
    let text = prometheus_text(&set(&f).summaries().latest());
    assert!(!text.contains("jumper_cpu_seconds_total"));
    assert!(text.contains("jumper_cell_cpu_seconds{"));
    assert!(text.contains("jumper_memory_limit_bytes{jobid=\"42\",step=\"0\",node=\"n1\",cluster=\"jt\",level=\"process\"} 4294967296\n"));
}

/// With timestamps (VictoriaMetrics' import): every point of the OpenMetrics export, its time
/// in milliseconds, under the 0.0.4 names.
#[test]
fn prometheus_text_with_timestamps_has_every_point_in_milliseconds() {
    let f = fx();
    let timed = parse(&prometheus_text_timed(&set(&f)));
    let om = parse(&openmetrics(&set(&f)));
    let cpu = |v: &[Line]| -> Vec<(f64, f64)> {
        v.iter()
            .filter(|(n, l, ..)| n == "jumper_cpu_seconds_total" && l["level"] == "process")
            .map(|(_, _, x, t)| (*x, t.unwrap()))
            .collect()
    };
    let (ms, s) = (cpu(&timed), cpu(&om));
    assert_eq!(ms.len(), 41);
    assert_eq!(ms.len(), s.len());
    for ((a, ta), (b, tb)) in ms.iter().zip(&s) {
        assert_eq!(a, b);
        assert!(
            (ta - (tb * 1000.0).round()).abs() < 0.5,
            "{ta} ms vs {tb} s"
        );
    }
    assert_eq!(timed.len(), om.len(), "the same points");
}

#[test]
fn line_protocol_uses_clustercockpit_tags_and_seconds() {
    let f = fx();
    let lines = line_protocol(&set(&f));
    let gpu: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("jumper_gpu_utilization_ratio,"))
        .collect();
    // 4 s of samples at 10 Hz, one kept per second per series: T0+100 .. T0+104.
    assert_eq!(gpu.len(), 2 * 5, "{gpu:?}");
    assert!(gpu[0].starts_with(
        "jumper_gpu_utilization_ratio,hostname=n1,type=accelerator,type-id=0,jobid=42,step=0,cluster=jt,level=process,UUID=GPU-5b2e value="
    ), "{}", gpu[0]);
    let cpu: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("jumper_cpu_seconds_total,") && l.contains("level=process"))
        .collect();
    assert_eq!(cpu.len(), 5);
    // The last sample of the first second (t = 100.9) is kept: 9 × 0.07 CPU seconds.
    let (head, ts) = cpu[0].rsplit_once(' ').unwrap();
    assert_eq!(ts, format!("{}", T0 as i64 + 100));
    let v: f64 = head.rsplit_once("value=").unwrap().1.parse().unwrap();
    assert!((v - 0.63).abs() < 1e-9, "{v}");
    assert!(cpu[0].contains(",type=node,"));
    let info = lines
        .iter()
        .find(|l| l.starts_with("jumper_cell_info,") && l.contains("cell=0"))
        .unwrap();
    assert!(info.contains(r#"title=#\ %%\ load\ "data""#), "{info}");
}

#[test]
fn a_session_without_wallclock_times_is_one_error() {
    let mut f = fx();
    f.info.wallclock_start_time = None;
    for fr in &mut f.frames {
        for r in &mut fr.rows {
            r.wallclock = None;
        }
    }
    let e = MetricSet::from_session(&Input {
        info: &f.info,
        frames: &f.frames,
        cells: &f.cells,
        target: &f.target,
    })
    .unwrap_err();
    assert!(e.to_string().contains("no wall-clock times"), "{e}");
}
