//! Values a picture can draw: absurd numbers from a damaged or hand-edited file are clamped,
//! infinite ones left out, and the user is told.
//!
//! No measurement jumper takes comes near [`MAX_MAGNITUDE`] in its display unit (10¹⁵ GiB of
//! memory, 10¹⁵ MiB/s, 10¹⁵ operations per second, 10¹⁵ %), so a value beyond it can only
//! come from a file someone damaged; drawn as it is, it makes an axis range that overflows to
//! infinity, on which plotters' tick generation never ends (`memory` = 1.79e308 plus 5 %
//! headroom is `inf`). Clamping keeps the spike visible at the top or bottom of its panel.

/// The largest magnitude drawn, in a metric's display unit; larger values are clamped to it.
pub const MAX_MAGNITUDE: f64 = 1e15;

/// How many values of one column were changed, for the note the user sees.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clamped {
    /// Finite values above [`MAX_MAGNITUDE`], clamped to it.
    pub above: usize,
    /// Finite values below `-MAX_MAGNITUDE`, clamped to it.
    pub below: usize,
    /// Infinite values, left out (NaN: a gap, as a missing value).
    pub infinite: usize,
}

impl Clamped {
    /// Clamps one value, counting what it did.
    pub fn value(&mut self, v: f64) -> f64 {
        if v.is_infinite() {
            self.infinite += 1;
            f64::NAN
        } else if v > MAX_MAGNITUDE {
            self.above += 1;
            MAX_MAGNITUDE
        } else if v < -MAX_MAGNITUDE {
            self.below += 1;
            -MAX_MAGNITUDE
        } else {
            v
        }
    }

    /// Clamps every value in place.
    pub fn values(&mut self, vs: &mut [f64]) {
        for v in vs {
            *v = self.value(*v);
        }
    }

    /// The note for column `what` in `unit`, e.g. `memory: 1 value above 1e15 GiB clamped`;
    /// `None` when nothing was changed.
    pub fn note(&self, what: &str, unit: &str) -> Option<String> {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let n = |k: usize| {
            if k == 1 {
                "1 value".to_string()
            } else {
                format!("{k} values")
            }
        };
        let mut parts = Vec::new();
        if self.above > 0 {
            parts.push(format!(
                "{} above {MAX_MAGNITUDE:e}{unit} clamped",
                n(self.above)
            ));
        }
        if self.below > 0 {
            parts.push(format!(
                "{} below -{MAX_MAGNITUDE:e}{unit} clamped",
                n(self.below)
            ));
        }
        if self.infinite > 0 {
            let k = self.infinite;
            parts.push(if k == 1 {
                "1 infinite value left out".to_string()
            } else {
                format!("{k} infinite values left out")
            });
        }
        (!parts.is_empty()).then(|| format!("{what}: {}", parts.join(", ")))
    }
}

/// A time in seconds that can be placed on an axis (finite and within [`MAX_MAGNITUDE`]).
pub(crate) fn usable_time(t: f64) -> bool {
    t.is_finite() && t.abs() <= MAX_MAGNITUDE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_values_are_clamped_and_counted() {
        let mut c = Clamped::default();
        let mut v = [1.0, 1.79e308, f64::INFINITY, -1e308, f64::NAN, -2e15, 1e15];
        c.values(&mut v);
        assert_eq!(
            (v[0], v[1], v[3], v[5], v[6]),
            (1.0, 1e15, -1e15, -1e15, 1e15)
        );
        assert!(v[2].is_nan() && v[4].is_nan());
        assert_eq!(
            c,
            Clamped {
                above: 1,
                below: 2,
                infinite: 1
            }
        );
        assert_eq!(
            c.note("memory", "GiB").unwrap(),
            "memory: 1 value above 1e15 GiB clamped, 2 values below -1e15 GiB clamped, \
             1 infinite value left out"
        );
        assert_eq!(Clamped::default().note("memory", "GiB"), None);
        assert!(usable_time(1e15) && !usable_time(1.79e308) && !usable_time(f64::NAN));
    }
}
