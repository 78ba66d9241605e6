//! The `jumper.report.v1` JSON document (DESIGN.md §6).
//!
//! Contract fields: `schema`, `level`, `cells`, `duration_s`, `samples`, `metrics`
//! (`cpu_util`, `cpu_time_s`, `memory_gib`, `io_read_mib`, `io_write_mib`, `io_read_ops`,
//! `io_write_ops`, and `gpu_util`, `gpu_mem_gib` only when there are GPUs), `tags` and
//! `monitor`. jumper adds `window`, `exact_totals`, `avg_per_s` on the I/O metrics,
//! `gpu_band`, `per_gpu` (with `band` per GPU) and `per_cell`: one object per selected cell
//! with `cell`, `duration_s`, `status`, `error` (failed cells), `samples`, the cell's own
//! `cpu_util_avg`, `cpu_util_max`, `cpu_time_s`, `memory_peak_gib`, `io_read_mib`,
//! `io_write_mib` (and `gpu_util_avg`, `gpu_mem_peak_gib` with GPUs; none of these when no
//! sample lies in the cell) and its `tags`. Values are not rounded. `io_available` says
//! whether the I/O figures are measurements: `false` for the slurm level of a job without
//! I/O accounting (cgroup v1), where the four I/O metrics and each cell's `io_read_mib` and
//! `io_write_mib` are `null`.

use jumper_data::frame::Summary;
use jumper_data::{Level, Tag};
use serde::Serialize;
use serde_json::Value;

use super::Renderer;
use crate::{CellSummary, Report, MIB};

/// The value of the `schema` field.
pub const SCHEMA: &str = "jumper.report.v1";

/// Renders the JSON document, pretty-printed by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonRenderer {
    pretty: bool,
}

impl Default for JsonRenderer {
    /// Pretty-printed, for files people also read.
    fn default() -> Self {
        JsonRenderer { pretty: true }
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    level: Level,
    cells: &'a [usize],
    duration_s: f64,
    samples: usize,
    window: WindowDoc,
    exact_totals: bool,
    io_available: bool,
    metrics: Metrics,
    tags: &'a [Tag],
    per_cell: PerCell<'a>,
    monitor: MonitorDoc<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    leftovers: Option<&'a [jumper_data::Leftover]>,
}

/// The cells as they serialise, with their I/O `null` where it is not a measurement.
struct PerCell<'a> {
    cells: &'a [CellSummary],
    io: bool,
}

impl Serialize for PerCell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.io {
            return self.cells.serialize(s);
        }
        let mut v = serde_json::to_value(self.cells).map_err(serde::ser::Error::custom)?;
        for c in v.as_array_mut().into_iter().flatten() {
            for key in ["io_read_mib", "io_write_mib"] {
                if let Some(x) = c.get_mut(key) {
                    *x = Value::Null;
                }
            }
        }
        v.serialize(s)
    }
}

#[derive(Serialize)]
struct WindowDoc {
    start_s: f64,
    end_s: f64,
    elapsed_s: f64,
}

#[derive(Serialize)]
struct Metrics {
    cpu_util: Stat,
    cpu_time_s: Total<f64>,
    memory_gib: Stat,
    io_read_mib: Option<Total<f64>>,
    io_write_mib: Option<Total<f64>>,
    io_read_ops: Option<Total<u64>>,
    io_write_ops: Option<Total<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpu_util: Option<Stat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpu_mem_gib: Option<Stat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpu_band: Option<Stat>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_gpu: Vec<GpuDoc>,
}

#[derive(Serialize)]
struct Stat {
    avg: f64,
    min: f64,
    max: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpus: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gpus: Option<usize>,
    /// Serialised as `null` when unknown, so readers can tell "no limit known" apart.
    #[serde(skip_serializing_if = "Limit::is_absent")]
    limit: Limit,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Limit {
    Absent,
    Known(Option<f64>),
}

impl Limit {
    fn is_absent(&self) -> bool {
        matches!(self, Limit::Absent)
    }
}

impl Stat {
    fn of(s: Summary) -> Stat {
        Stat {
            avg: s.avg,
            min: s.min,
            max: s.max,
            cpus: None,
            gpus: None,
            limit: Limit::Absent,
        }
    }
}

#[derive(Serialize)]
struct Total<T> {
    total: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    avg_per_s: Option<f64>,
}

#[derive(Serialize)]
struct GpuDoc {
    index: usize,
    util: Stat,
    band: Stat,
    mem_gib: Stat,
}

#[derive(Serialize)]
struct MonitorDoc<'a> {
    interval_s: f64,
    own_cpu_s: f64,
    missed: u64,
    process_source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    process_memory_peak_bytes: Option<u64>,
}

fn doc(r: &Report) -> Doc<'_> {
    let st = &r.stats;
    let gpus = r.num_gpus > 0;
    let io = r.io_available;
    let mib = |bytes: f64| {
        io.then(|| Total {
            total: bytes / MIB,
            avg_per_s: r.per_second(bytes / MIB),
        })
    };
    let ops = |n: f64| {
        io.then(|| Total {
            total: n.max(0.0).round() as u64,
            avg_per_s: r.per_second(n),
        })
    };
    Doc {
        schema: SCHEMA,
        level: r.level,
        cells: &r.cells,
        duration_s: r.duration_s,
        samples: st.samples,
        window: WindowDoc {
            start_s: r.window_start_s,
            end_s: r.window_end_s,
            elapsed_s: st.elapsed_s,
        },
        exact_totals: st.exact_totals,
        io_available: io,
        metrics: Metrics {
            cpu_util: Stat {
                cpus: Some(r.num_cpus),
                ..Stat::of(st.cpu_util)
            },
            cpu_time_s: Total {
                total: st.cpu_time_s,
                avg_per_s: None,
            },
            memory_gib: Stat {
                limit: Limit::Known(r.memory_limit_gib),
                ..Stat::of(st.memory_gib)
            },
            io_read_mib: mib(st.io_read_bytes),
            io_write_mib: mib(st.io_write_bytes),
            io_read_ops: ops(st.io_read_ops),
            io_write_ops: ops(st.io_write_ops),
            gpu_util: st.gpu_util.filter(|_| gpus).map(|s| Stat {
                gpus: Some(r.num_gpus),
                ..Stat::of(s)
            }),
            gpu_mem_gib: st.gpu_mem_gib.filter(|_| gpus).map(|s| Stat {
                limit: Limit::Known(r.gpu_memory_gib),
                ..Stat::of(s)
            }),
            gpu_band: st.gpu_band.filter(|_| gpus).map(Stat::of),
            per_gpu: r
                .gpus
                .iter()
                .map(|g| GpuDoc {
                    index: g.index,
                    util: Stat::of(g.util),
                    band: Stat::of(g.band),
                    mem_gib: Stat {
                        limit: Limit::Known(r.gpu_memory_gib),
                        ..Stat::of(g.mem_gib)
                    },
                })
                .collect(),
        },
        tags: &r.tags,
        per_cell: PerCell {
            cells: &r.per_cell,
            io,
        },
        monitor: MonitorDoc {
            interval_s: r.monitor.interval_s,
            own_cpu_s: r.monitor.own_cpu_s,
            missed: r.monitor.missed_ticks,
            process_source: &r.monitor.process_source,
            process_memory_peak_bytes: r.monitor.process_memory_peak_bytes,
        },
        leftovers: r.leftovers.as_deref(),
    }
}

impl JsonRenderer {
    /// One line, for JSON Lines and scripts.
    pub fn compact() -> Self {
        JsonRenderer { pretty: false }
    }

    /// The report as a JSON value.
    pub fn value(report: &Report) -> Value {
        // Plain structs with string keys: serialising into a Value cannot fail.
        serde_json::to_value(doc(report)).unwrap_or(Value::Null)
    }
}

impl Renderer for JsonRenderer {
    fn render(&self, report: &Report) -> String {
        let d = doc(report);
        let s = if self.pretty {
            serde_json::to_string_pretty(&d)
        } else {
            serde_json::to_string(&d)
        };
        // Plain structs with string keys: serialising cannot fail.
        let mut s = s.unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{cpu_report, gpu_report};
    use serde_json::json;

    fn approx(v: &Value, want: f64) -> bool {
        v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
    }

    #[test]
    fn document_has_the_contract_fields() {
        let v = JsonRenderer::value(&cpu_report());
        assert_eq!(v["schema"], "jumper.report.v1");
        assert_eq!(v["level"], "process");
        assert_eq!(v["cells"], json!([0, 1]));
        assert_eq!(v["duration_s"], 2.0);
        assert_eq!(v["samples"], 5);
        assert_eq!(v["exact_totals"], true);
        let m = &v["metrics"];
        assert!(approx(&m["cpu_util"]["avg"], 80.0));
        assert_eq!(m["cpu_util"]["cpus"], 1);
        assert!(approx(&m["cpu_time_s"]["total"], 1.6));
        assert!(approx(&m["memory_gib"]["avg"], 2.75));
        assert_eq!(m["memory_gib"]["min"], 2.0);
        assert_eq!(m["memory_gib"]["max"], 3.0);
        assert_eq!(m["memory_gib"]["limit"], 2.5);
        assert_eq!(m["io_read_mib"], json!({"total": 2.0, "avg_per_s": 1.0}));
        assert_eq!(m["io_write_mib"], json!({"total": 10.0, "avg_per_s": 5.0}));
        assert_eq!(m["io_read_ops"]["total"], 4);
        assert_eq!(m["io_write_ops"]["total"], 20);
        assert!(m["io_write_ops"]["total"].is_u64());
        for gone in ["gpu_util", "gpu_mem_gib", "gpu_band", "per_gpu"] {
            assert!(m.get(gone).is_none(), "{gone} without GPUs");
        }
        assert_eq!(v["tags"][0]["name"], "memory-bound");
        assert!(approx(&v["tags"][0]["score"], 1.0));
        assert_eq!(v["tags"][1]["name"], "cpu-bound");
        assert!(approx(&v["tags"][1]["score"], 0.8));
        assert_eq!(
            v["monitor"],
            json!({"interval_s": 0.5, "own_cpu_s": 0.004, "missed": 1, "process_source": "tree"})
        );
        assert!(
            v.get("leftovers").is_none(),
            "no frontend said anything of leftovers"
        );
    }

    #[test]
    fn the_process_source_its_peak_and_leftovers_follow_the_monitor_section() {
        let mut r = cpu_report();
        r.monitor.process_source = "cgroup v1".into();
        r.monitor.process_memory_peak_bytes = Some(4096);
        r.leftovers = Some(vec![jumper_data::Leftover {
            pid: 7,
            command: "sleep 9".into(),
        }]);
        let text = JsonRenderer::default().render(&r);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["monitor"]["process_source"], "cgroup v1");
        assert_eq!(v["monitor"]["process_memory_peak_bytes"], 4096);
        assert_eq!(v["leftovers"], json!([{"pid": 7, "command": "sleep 9"}]));
        // The contract's order: schema first, the monitor section before the leftovers.
        assert!(text.starts_with("{\n  \"schema\""), "{text}");
        assert!(
            text.find("\"monitor\"") < text.find("\"leftovers\""),
            "{text}"
        );
    }

    #[test]
    fn unknown_memory_limit_is_null() {
        let mut r = cpu_report();
        r.memory_limit_gib = None;
        let v = JsonRenderer::value(&r);
        assert!(v["metrics"]["memory_gib"]["limit"].is_null());
        assert!(v["metrics"]["memory_gib"]
            .as_object()
            .unwrap()
            .contains_key("limit"));
    }

    #[test]
    fn gpus_appear_only_when_present() {
        let v = JsonRenderer::value(&gpu_report());
        let m = &v["metrics"];
        assert_eq!(
            m["gpu_util"],
            json!({"avg": 50.0, "min": 50.0, "max": 50.0, "gpus": 2})
        );
        assert_eq!(
            m["gpu_mem_gib"],
            json!({"avg": 7.5, "min": 7.5, "max": 7.5, "limit": 8.0})
        );
        assert_eq!(m["gpu_band"]["avg"], 30.0);
        assert_eq!(m["per_gpu"].as_array().unwrap().len(), 2);
        assert_eq!(m["per_gpu"][0]["util"]["avg"], 90.0);
        assert_eq!(m["per_gpu"][1]["util"]["avg"], 10.0);
        assert_eq!(m["per_gpu"][1]["mem_gib"]["limit"], 8.0);
        assert_eq!(m["per_gpu"][0]["band"]["avg"], 40.0);
        assert_eq!(m["per_gpu"][1]["band"]["max"], 20.0);
        let cell = &v["per_cell"][0];
        assert_eq!(cell["gpu_util_avg"], 50.0);
        assert_eq!(cell["gpu_mem_peak_gib"], 7.5);
        assert_eq!(v["tags"][1]["name"], "gpu-memory-bound");
        assert_eq!(v["cells"], json!([3]));
    }

    #[test]
    fn rendered_text_parses_back_to_the_value() {
        let r = gpu_report();
        let pretty = JsonRenderer::default().render(&r);
        let compact = JsonRenderer::compact().render(&r);
        assert!(pretty.lines().count() > 10);
        assert_eq!(compact.lines().count(), 1);
        let a: Value = serde_json::from_str(&pretty).unwrap();
        let b: Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(a, JsonRenderer::value(&r));
        assert_eq!(a, b);
    }

    #[test]
    fn per_cell_lists_each_cell_with_its_own_numbers() {
        let v = JsonRenderer::value(&crate::testdata::failed_range_report());
        let cells = v["per_cell"].as_array().unwrap();
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[0]["cell"], 0);
        assert_eq!(cells[0]["status"], "ok");
        assert!(cells[0].get("error").is_none());
        assert!(approx(&cells[0]["cpu_util_avg"], 100.0));
        assert!(approx(&cells[0]["io_read_mib"], 4.0));
        assert_eq!(
            cells[0]["tags"],
            json!([{"name": "cpu-bound", "score": 1.0}])
        );
        assert_eq!(cells[1]["status"], "failed");
        assert_eq!(
            cells[1]["error"],
            "ValueError: <script>alert(\"error\")</script> & more"
        );
        assert!(approx(&cells[1]["cpu_time_s"], 0.2));
        assert_eq!(cells[1]["samples"], 5);
        assert!(cells[1].get("code").is_none(), "the history holds the code");
        assert!(approx(&cells[2]["memory_peak_gib"], 2.5));
        assert!(approx(&cells[2]["io_write_mib"], 8.0));
        assert!(cells[2].get("gpu_util_avg").is_none());
        let tags: Vec<&str> = cells[2]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["memory-bound", "cpu-bound"]);
        // The whole range keeps its contract fields next to them.
        assert_eq!(v["cells"], json!([0, 1, 2]));
        assert_eq!(v["tags"], json!([]));
    }
}
