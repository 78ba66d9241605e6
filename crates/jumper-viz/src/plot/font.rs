//! The one font plots use: DejaVu Sans, embedded in the binary.
//!
//! plotters is built without its `ttf` feature, so it cannot reach fontconfig or any system
//! font: text is drawn only with fonts registered here. That makes plots identical on every
//! machine, including containers and CI runners with no fonts installed.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

use crate::VizError;

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
pub(crate) static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family every text style of a plot names. It is also what plotters' own defaults use,
/// and what an SVG viewer falls back to.
pub(crate) const FAMILY: &str = "sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded font with plotters (once per process).
pub(crate) fn ensure_registered() -> Result<(), VizError> {
    let ok =
        *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(VizError::Font {
            name: "DejaVuSans.ttf",
        })
    }
}

#[cfg(test)]
mod tests {
    use plotters::style::{FontDesc, FontFamily};

    use super::*;

    #[test]
    fn the_embedded_font_is_dejavu_sans() {
        assert_eq!(DEJAVU_SANS.len(), 759_720);
        assert!(DEJAVU_SANS
            .windows(b"DejaVu Sans".len())
            .any(|w| w == b"DejaVu Sans"));
    }

    #[test]
    fn only_registered_fonts_exist() {
        ensure_registered().unwrap();
        let ours = FontDesc::new(FontFamily::SansSerif, 20.0, FontStyle::Normal);
        let (w, h) = ours.box_size("CPU Utilization").unwrap();
        assert!(w > 100 && h > 10, "{w}x{h}");
        // No system font is consulted: a family we did not register cannot be laid out,
        // whatever fonts the machine has installed.
        let serif = FontDesc::new(FontFamily::Serif, 20.0, FontStyle::Normal);
        assert!(serif.box_size("CPU").is_err());
        let named = FontDesc::new(FontFamily::Name("DejaVu Sans"), 20.0, FontStyle::Normal);
        assert!(named.box_size("CPU").is_err());
    }
}
