//! JUmPER's cell classification: bound tags from utilisation ratios and thresholds.

use serde::{Deserialize, Serialize};

use crate::frame::{PerfRow, WindowStats};

/// Thresholds of the analyzer, with JUmPER's keys and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Memory used over the level's limit.
    pub memory_ratio: f64,
    /// CPU utilisation over 100 %.
    pub cpu_ratio: f64,
    /// GPU utilisation over 100 %.
    pub gpu_util_ratio: f64,
    /// GPU memory over the GPU's memory.
    pub gpu_memory_ratio: f64,
    /// GPU memory (GiB) above which a GPU counts as allocated.
    pub gpu_alloc_min_mem_gb: f64,
    /// GPU utilisation (fraction) at or below which a GPU counts as idle.
    pub gpu_util_idle_threshold: f64,
    /// Fraction of allocated-and-idle samples that makes the tag.
    pub gpu_alloc_min_fraction: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            memory_ratio: 0.8,
            cpu_ratio: 0.7,
            gpu_util_ratio: 0.8,
            gpu_memory_ratio: 0.8,
            gpu_alloc_min_mem_gb: 0.1,
            gpu_util_idle_threshold: 0.05,
            gpu_alloc_min_fraction: 0.5,
        }
    }
}

/// A classification tag with its score in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// `cpu-bound`, `memory-bound`, `gpu-util-bound`, `gpu-memory-bound` or
    /// `gpu-allocated-but-not-used`.
    pub name: String,
    /// The ratio or fraction that earned the tag.
    pub score: f64,
}

fn ratio(num: f64, den: Option<f64>) -> f64 {
    match den {
        Some(d) if d > 0.0 && num.is_finite() => (num / d).clamp(0.0, 1.0),
        _ => 0.0,
    }
}

/// Classifies a window. Returns no tag for a "normal" window (JUmPER shows none either).
///
/// Ratios are sorted by score, ties keeping the order memory, cpu, gpu-util, gpu-memory, as
/// JUmPER's stable sort does; `gpu-allocated-but-not-used` comes first when it applies.
pub fn classify(
    stats: &WindowStats,
    rows: &[PerfRow],
    memory_limit_gib: Option<f64>,
    gpu_memory_limit_gib: Option<f64>,
    th: &Thresholds,
) -> Vec<Tag> {
    let mut ratios = vec![
        (
            "memory-bound",
            ratio(stats.memory_gib.avg, memory_limit_gib),
            th.memory_ratio,
        ),
        (
            "cpu-bound",
            ratio(stats.cpu_util.avg, Some(100.0)),
            th.cpu_ratio,
        ),
    ];
    if let Some(g) = stats.gpu_util {
        ratios.push((
            "gpu-util-bound",
            ratio(g.avg, Some(100.0)),
            th.gpu_util_ratio,
        ));
    }
    if let Some(m) = stats.gpu_mem_gib {
        ratios.push((
            "gpu-memory-bound",
            ratio(m.avg, gpu_memory_limit_gib),
            th.gpu_memory_ratio,
        ));
    }
    ratios.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut tags: Vec<Tag> = ratios
        .into_iter()
        .filter(|(_, r, t)| *r >= *t)
        .map(|(n, r, _)| Tag {
            name: n.to_string(),
            score: r,
        })
        .collect();
    if gpu_memory_limit_gib.is_some() && stats.gpu_util.is_some() && !rows.is_empty() {
        let mut allocated = 0usize;
        let mut idle = 0usize;
        for r in rows {
            let (util, _, _) = r.gpu_util_summary();
            let (mem, _, _) = r.gpu_mem_summary();
            if mem > th.gpu_alloc_min_mem_gb {
                allocated += 1;
                if util <= th.gpu_util_idle_threshold * 100.0 {
                    idle += 1;
                }
            }
        }
        let frac = idle as f64 / rows.len() as f64;
        if allocated > 0 && frac >= th.gpu_alloc_min_fraction {
            tags.insert(
                0,
                Tag {
                    name: "gpu-allocated-but-not-used".into(),
                    score: frac,
                },
            );
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Summary;

    fn st(cpu: f64, mem: f64, gpu: Option<(f64, f64)>) -> WindowStats {
        WindowStats {
            cpu_util: Summary {
                avg: cpu,
                min: cpu,
                max: cpu,
            },
            memory_gib: Summary {
                avg: mem,
                min: mem,
                max: mem,
            },
            gpu_util: gpu.map(|g| Summary {
                avg: g.0,
                min: g.0,
                max: g.0,
            }),
            gpu_mem_gib: gpu.map(|g| Summary {
                avg: g.1,
                min: g.1,
                max: g.1,
            }),
            ..Default::default()
        }
    }

    fn names(t: &[Tag]) -> Vec<&str> {
        t.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn jumper_examples() {
        // cpu 90 %, memory 7 of 8 GB, GPU 95 % -> GPU-UTIL | CPU | MEMORY
        let tags = classify(
            &st(90.0, 7.0, Some((95.0, 1.0))),
            &[],
            Some(8.0),
            Some(10.0),
            &Thresholds::default(),
        );
        assert_eq!(
            names(&tags),
            ["gpu-util-bound", "cpu-bound", "memory-bound"]
        );
        assert_eq!(tags[1].score, 0.9);
        // idle normal window: no tags
        assert!(classify(
            &st(10.0, 1.0, None),
            &[],
            Some(8.0),
            None,
            &Thresholds::default()
        )
        .is_empty());
        // GPU memory 5 GiB at 2 % utilisation -> allocated but not used
        let row = PerfRow {
            gpu_util: vec![2.0],
            gpu_mem: vec![5.0],
            ..Default::default()
        };
        let tags = classify(
            &st(1.0, 1.0, Some((2.0, 5.0))),
            &[row.clone(), row],
            Some(8.0),
            Some(10.0),
            &Thresholds::default(),
        );
        assert_eq!(names(&tags), ["gpu-allocated-but-not-used"]);
        assert_eq!(tags[0].score, 1.0);
    }
}
