//! Thinning a series to the pixel width of its plot without losing spikes.
//!
//! Per pixel column the first, lowest, highest and last points are kept (in their original
//! order), so the drawn line touches exactly the same pixels as the full series would: a one-
//! sample spike in an hour at 10 Hz still reaches its height.

/// A pixel column being filled: its number, its first, lowest, highest and last points, and
/// the position of each of those in the series (to emit them in order).
type Bucket = (usize, [(f64, f64); 4], [usize; 4]);

/// The points of `(xs, ys)` to draw in `columns` pixel columns spanning `[x0, x1]`.
///
/// Points that are not finite are dropped (a missing core or GPU is NaN and draws nothing;
/// an infinite value from a damaged file would otherwise send the line off the image). Series with at most four
/// points per column are returned whole.
pub(crate) fn minmax_per_column(
    xs: &[f64],
    ys: &[f64],
    x0: f64,
    x1: f64,
    columns: usize,
) -> Vec<(f64, f64)> {
    let points = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(&x, &y)| (x, y));
    let columns = columns.max(1);
    let span = x1 - x0;
    if xs.len() <= 4 * columns || span <= 0.0 || !span.is_finite() {
        return points.collect();
    }
    let scale = columns as f64 / span;
    let column = |x: f64| (((x - x0) * scale).floor().max(0.0) as usize).min(columns - 1);

    let mut out = Vec::with_capacity(4 * columns + 4);
    let mut bucket: Option<Bucket> = None;
    let flush = |b: &Bucket, out: &mut Vec<(f64, f64)>| {
        let (_, p, order) = b;
        let mut idx = [0usize, 1, 2, 3];
        idx.sort_by_key(|&i| order[i]);
        let mut last_order = usize::MAX;
        for i in idx {
            if order[i] != last_order {
                out.push(p[i]);
                last_order = order[i];
            }
        }
    };
    for (n, (x, y)) in points.enumerate() {
        let c = column(x);
        match &mut bucket {
            Some((bc, p, order)) if *bc == c => {
                if y < p[1].1 {
                    p[1] = (x, y);
                    order[1] = n;
                }
                if y > p[2].1 {
                    p[2] = (x, y);
                    order[2] = n;
                }
                p[3] = (x, y);
                order[3] = n;
            }
            _ => {
                if let Some(b) = &bucket {
                    flush(b, &mut out);
                }
                bucket = Some((c, [(x, y); 4], [n; 4]));
            }
        }
    }
    if let Some(b) = &bucket {
        flush(b, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let xs = [0.0, 1.0, 2.0];
        let ys = [1.0, f64::NAN, 3.0];
        assert_eq!(
            minmax_per_column(&xs, &ys, 0.0, 2.0, 10),
            [(0.0, 1.0), (2.0, 3.0)]
        );
        let ys = [f64::INFINITY, 2.0, f64::NEG_INFINITY];
        assert_eq!(minmax_per_column(&xs, &ys, 0.0, 2.0, 10), [(1.0, 2.0)]);
    }

    #[test]
    fn spikes_survive_and_size_is_bounded() {
        let n = 36_000;
        let xs: Vec<f64> = (0..n).map(|i| i as f64 * 0.1).collect();
        let mut ys = vec![5.0; n];
        ys[12_345] = 100.0;
        ys[20_000] = -3.0;
        let out = minmax_per_column(&xs, &ys, 0.0, 3600.0, 900);
        assert!(out.len() <= 4 * 900, "{}", out.len());
        assert!(out.contains(&(xs[12_345], 100.0)));
        assert!(out.contains(&(xs[20_000], -3.0)));
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "order kept");
        assert_eq!(out.first(), Some(&(0.0, 5.0)));
        assert_eq!(out.last(), Some(&(xs[n - 1], 5.0)));
    }

    #[test]
    fn each_column_keeps_first_min_max_last_in_order() {
        // 10 points, 2 columns of 5.
        let xs: Vec<f64> = (0..10).map(f64::from).collect();
        let ys = [3.0, 9.0, 1.0, 4.0, 5.0, 2.0, 2.0, 8.0, 0.0, 6.0];
        let out = minmax_per_column(&xs, &ys, 0.0, 10.0, 2);
        assert_eq!(
            out,
            [
                (0.0, 3.0),
                (1.0, 9.0),
                (2.0, 1.0),
                (4.0, 5.0),
                (5.0, 2.0),
                (7.0, 8.0),
                (8.0, 0.0),
                (9.0, 6.0)
            ]
        );
    }
}
