//! Downsampling of long series for display, without losing peaks.
//!
//! A dashboard of a long session cannot carry every sample (an hour at 10 Hz is 36,000 rows per
//! level), so each level is thinned to a few thousand points before it is embedded.
//!
//! # The choice: min/max per bucket on a shared x
//!
//! All series of a level share one time axis (uPlot draws aligned columns), so the points kept
//! must be the same rows for every series. LTTB (largest triangle three buckets) picks one row
//! per bucket by the area it spans *in one series*; on a shared x it would keep the CPU spike and
//! drop the I/O burst a few rows later. Instead every bucket of consecutive rows becomes two
//! points, at the bucket's first and last time, and each series puts its bucket minimum and
//! maximum there, in the order they occurred. So:
//!
//! - every series keeps its exact extremes: a single-sample spike survives in every series;
//! - a value is drawn at most one bucket width (a fraction of a pixel at the default budget)
//!   from where it happened;
//! - series no longer than the budget are returned unchanged.
//!
//! Buckets never straddle a segment boundary (the dashboard makes each cell and each idle gap
//! a segment), so the first and last row of every cell are kept exactly and a cell's points
//! never mix with its neighbour's when idle time is hidden.

use std::ops::Range;

/// Series thinned on a shared x axis by [`minmax`] or [`minmax_segmented`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Downsampled {
    /// The kept x values, non-decreasing when the input was.
    pub x: Vec<f64>,
    /// One column per input series, each as long as `x`.
    pub ys: Vec<Vec<f64>>,
}

impl Downsampled {
    /// Number of points kept.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Thins `ys` (each as long as `x`) to at most `target` points (at least 2) on a shared x.
///
/// Shorter series come back unchanged. Series whose length differs from `x` are cut or padded
/// with NaN to `x`'s length, so a malformed column cannot shift the others.
///
/// ```
/// use jumper_viz::lttb::minmax;
/// let x: Vec<f64> = (0..1000).map(f64::from).collect();
/// let mut y = vec![1.0; 1000];
/// y[617] = 99.0; // a one-sample spike
/// let d = minmax(&x, &[&y], 50);
/// assert!(d.len() <= 50);
/// assert_eq!(d.ys[0].iter().copied().fold(f64::MIN, f64::max), 99.0);
/// ```
pub fn minmax(x: &[f64], ys: &[&[f64]], target: usize) -> Downsampled {
    minmax_segmented(x, ys, &[], target)
}

/// Like [`minmax`], with buckets confined to segments: `starts` lists the row indices where a
/// new segment begins (ascending; 0 is implied; out-of-range or repeated entries are ignored).
///
/// Every segment keeps its first and last row's time and at least one bucket; the remaining
/// budget is shared in proportion to segment length. The output has at most
/// `max(target, 2 × segments)` points.
pub fn minmax_segmented(x: &[f64], ys: &[&[f64]], starts: &[usize], target: usize) -> Downsampled {
    let n = x.len();
    let col = |s: &[f64], i: usize| s.get(i).copied().unwrap_or(f64::NAN);
    let target = target.max(2);
    if n <= target {
        return Downsampled {
            x: x.to_vec(),
            ys: ys
                .iter()
                .map(|s| (0..n).map(|i| col(s, i)).collect())
                .collect(),
        };
    }
    let segments = segments(n, starts);
    let buckets = target / 2;
    let spare = buckets.saturating_sub(segments.len());
    let mut out = Downsampled {
        x: Vec::with_capacity(target),
        ys: vec![Vec::with_capacity(target); ys.len()],
    };
    for seg in segments {
        let len = seg.len();
        // Widening to u128 keeps `spare * len` exact for any realistic length.
        let share = (spare as u128 * len as u128 / n as u128) as usize;
        let b = 1 + share;
        if len <= 2 * b {
            for i in seg {
                out.x.push(x[i]);
                for (o, s) in out.ys.iter_mut().zip(ys) {
                    o.push(col(s, i));
                }
            }
            continue;
        }
        for k in 0..b {
            let lo = seg.start + k * len / b;
            let hi = seg.start + (k + 1) * len / b;
            out.x.push(x[lo]);
            out.x.push(x[hi - 1]);
            for (o, s) in out.ys.iter_mut().zip(ys) {
                let (first, second) = extremes_in_order(s, lo..hi);
                o.push(first);
                o.push(second);
            }
        }
    }
    out
}

/// Splits `0..n` at the given starts.
fn segments(n: usize, starts: &[usize]) -> Vec<Range<usize>> {
    let mut cuts: Vec<usize> = starts.iter().copied().filter(|&s| s > 0 && s < n).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut a = 0;
    for c in cuts {
        out.push(a..c);
        a = c;
    }
    out.push(a..n);
    out
}

/// The minimum and maximum of `s[r]` (NaN ignored), the one that occurred first first.
/// All-NaN (or missing) buckets give NaN twice, which the dashboard draws as a gap.
fn extremes_in_order(s: &[f64], r: Range<usize>) -> (f64, f64) {
    let mut min = (usize::MAX, f64::INFINITY);
    let mut max = (usize::MAX, f64::NEG_INFINITY);
    for i in r {
        let Some(&v) = s.get(i) else { break };
        if v.is_nan() {
            continue;
        }
        if v < min.1 {
            min = (i, v);
        }
        if v > max.1 {
            max = (i, v);
        }
    }
    if min.0 == usize::MAX {
        return (f64::NAN, f64::NAN);
    }
    if min.0 <= max.0 {
        (min.1, max.1)
    } else {
        (max.1, min.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64 * 0.1).collect()
    }

    fn max(v: &[f64]) -> f64 {
        v.iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::MIN, f64::max)
    }

    fn min(v: &[f64]) -> f64 {
        v.iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::MAX, f64::min)
    }

    #[test]
    fn shorter_series_are_unchanged() {
        let x = ramp(300);
        let y: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64).collect();
        let d = minmax(&x, &[&y], 300);
        assert_eq!(d.x, x);
        assert_eq!(d.ys, vec![y.clone()]);
        let d = minmax_segmented(&x, &[&y], &[10, 200], 4000);
        assert_eq!(d.x, x);
        assert_eq!(d.ys[0], y);
    }

    #[test]
    fn a_single_sample_spike_survives_in_every_series() {
        let n = 36_000;
        let x = ramp(n);
        let mut cpu = vec![5.0; n];
        cpu[12_345] = 100.0;
        let mut io = vec![0.0; n];
        io[12_350] = 512.0; // a burst five rows later, in another series
        let mut dip = vec![50.0; n];
        dip[30_001] = 0.5;
        let d = minmax(&x, &[&cpu, &io, &dip], 4000);
        assert!(d.len() <= 4000, "kept {}", d.len());
        assert!(d.len() >= 3900, "kept {}", d.len());
        assert_eq!(max(&d.ys[0]), 100.0);
        assert_eq!(max(&d.ys[1]), 512.0);
        assert_eq!(min(&d.ys[2]), 0.5);
        assert_eq!(min(&d.ys[0]), 5.0);
        // The spike is drawn within one bucket (9 rows = 0.9 s) of where it happened.
        let at = d.ys[0].iter().position(|&v| v == 100.0).unwrap();
        assert!((d.x[at] - x[12_345]).abs() <= 0.9 + 1e-9, "at {}", d.x[at]);
    }

    #[test]
    fn extremes_keep_their_order() {
        let x = ramp(100);
        let mut y = vec![10.0; 100];
        y[3] = 90.0; // max first
        y[7] = 1.0; // then min, same bucket of 10
        let d = minmax(&x, &[&y], 20);
        assert_eq!(d.len(), 20);
        assert_eq!(&d.ys[0][..2], &[90.0, 1.0]);
        assert_eq!((d.x[0], d.x[1]), (x[0], x[9]));
    }

    #[test]
    fn segments_keep_their_edges_and_share_the_budget() {
        let n = 10_000;
        let x = ramp(n);
        let y: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
        let starts = [100, 102, 5000];
        let d = minmax_segmented(&x, &[&y], &starts, 1000);
        assert!(d.len() <= 1000, "kept {}", d.len());
        for &s in &[0, 99, 100, 101, 102, 4999, 5000, n - 1] {
            assert!(d.x.contains(&x[s]), "edge row {s} lost");
        }
        // A segment of two rows fits its one bucket and is kept as it is.
        let at = d.x.iter().position(|&v| v == x[100]).unwrap();
        assert_eq!(&d.ys[0][at..at + 2], &y[100..102]);
        assert!(d.x.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(max(&d.ys[0]), 6.0);
        assert_eq!(min(&d.ys[0]), 0.0);
    }

    #[test]
    fn nan_and_short_columns_become_gaps() {
        let x = ramp(1000);
        let mut y = vec![f64::NAN; 1000];
        y[500] = 3.0;
        let short = vec![1.0; 10];
        let d = minmax(&x, &[&y, &short], 100);
        assert_eq!(d.ys[0].len(), d.x.len());
        assert_eq!(max(&d.ys[0]), 3.0);
        assert_eq!(d.ys[0].iter().filter(|v| v.is_nan()).count(), 98);
        assert_eq!(d.ys[1][..2], [1.0, 1.0]);
        assert!(d.ys[1][2..].iter().all(|v| v.is_nan()));
    }
}
