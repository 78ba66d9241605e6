//! Trends: rising, falling or steady, over the samples (not over redraws).
//!
//! CPython's tracker compares a value with its value at the previous redraw, so a trend
//! depends on the refresh rate and flips on every bit of noise. Here a trend compares the
//! mean of the last `window` rows with the mean of the `window` rows before them, with a dead
//! band: the same data gives the same arrow at any refresh rate, and a reset (`r`) just moves
//! the first row considered.

/// Where a value is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trend {
    /// Rising by more than the dead band.
    Rising,
    /// Falling by more than the dead band.
    Falling,
    /// Within the dead band, or too few rows to tell.
    #[default]
    Steady,
}

impl Trend {
    /// The trend of `values` (oldest first): mean of the last `window` against the mean of
    /// the `window` before; a change within `dead_band` (absolute) is steady.
    pub fn of(values: &[f64], window: usize, dead_band: f64) -> Trend {
        let w = window.max(1);
        if values.len() < 2 * w {
            return Trend::Steady;
        }
        let n = values.len();
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let now = mean(&values[n - w..]);
        let before = mean(&values[n - 2 * w..n - w]);
        if now - before > dead_band {
            Trend::Rising
        } else if before - now > dead_band {
            Trend::Falling
        } else {
            Trend::Steady
        }
    }

    /// The arrow shown next to a gauge.
    pub fn arrow(self) -> &'static str {
        match self {
            Trend::Rising => "↑",
            Trend::Falling => "↓",
            Trend::Steady => "→",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_falling_steady_and_too_few() {
        assert_eq!(Trend::of(&[1.0, 1.0, 5.0, 5.0], 2, 1.0), Trend::Rising);
        assert_eq!(Trend::of(&[5.0, 5.0, 1.0, 1.0], 2, 1.0), Trend::Falling);
        assert_eq!(Trend::of(&[1.0, 1.0, 1.5, 1.5], 2, 1.0), Trend::Steady);
        assert_eq!(Trend::of(&[1.0, 9.0, 9.0], 2, 1.0), Trend::Steady);
        // Only the last 2 × window rows count: an old spike does not matter.
        assert_eq!(
            Trend::of(&[90.0, 1.0, 1.0, 1.0, 1.0], 2, 1.0),
            Trend::Steady
        );
        assert_eq!(Trend::Rising.arrow(), "↑");
    }
}
