//! Encoding a [`Figure`] (PNG, SVG, JPEG) and writing it safely.

use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ColorType, ImageEncoder};
use plotters::prelude::*;

use super::{render, Figure};
use crate::VizError;

/// JPEG quality used by [`Figure::to_jpeg`] (1–100).
pub const JPEG_QUALITY: u8 = 90;

/// An image format a figure can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Portable Network Graphics (lossless bitmap).
    Png,
    /// Scalable Vector Graphics (text stays text).
    Svg,
    /// JPEG at [`JPEG_QUALITY`].
    Jpeg,
}

impl ImageFormat {
    /// The format a file name asks for, by extension (`.png`, `.svg`, `.jpg`, `.jpeg`, any
    /// case).
    ///
    /// ```
    /// use jumper_viz::plot::ImageFormat;
    /// assert_eq!(ImageFormat::from_path("a/b.JPG".as_ref()).unwrap(), ImageFormat::Jpeg);
    /// let e = ImageFormat::from_path("plot.bmp".as_ref()).unwrap_err();
    /// assert_eq!(e.to_string(), "unsupported image format '.bmp' (supported: png, svg, jpg, jpeg)");
    /// ```
    pub fn from_path(path: &Path) -> Result<ImageFormat, VizError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("svg") => Ok(ImageFormat::Svg),
            Some("jpg" | "jpeg") => Ok(ImageFormat::Jpeg),
            other => Err(VizError::UnsupportedFormat {
                ext: other.map(|e| format!(".{e}")).unwrap_or_default(),
                path: path.to_path_buf(),
            }),
        }
    }
}

impl Figure {
    /// Renders into an RGB buffer (`width * height * 3` bytes, rows top to bottom).
    pub fn to_rgb(&self) -> Result<Vec<u8>, VizError> {
        let (w, h) = self.size();
        let mut buf = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            render::draw(&root, self, true)?;
            root.present().map_err(VizError::render)?;
        }
        Ok(buf)
    }

    /// The figure as a PNG file's bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, VizError> {
        let (w, h) = self.size();
        let rgb = self.to_rgb()?;
        let mut out = Vec::new();
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
            .write_image(&rgb, w, h, ColorType::Rgb8)
            .map_err(|source| VizError::Encode {
                format: "PNG",
                source,
            })?;
        Ok(out)
    }

    /// The figure as a JPEG file's bytes ([`JPEG_QUALITY`]).
    pub fn to_jpeg(&self) -> Result<Vec<u8>, VizError> {
        let (w, h) = self.size();
        let rgb = self.to_rgb()?;
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode(&rgb, w, h, ColorType::Rgb8)
            .map_err(|source| VizError::Encode {
                format: "JPEG",
                source,
            })?;
        Ok(out)
    }

    /// The figure as an SVG document.
    pub fn to_svg(&self) -> Result<String, VizError> {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            render::draw(&root, self, false)?;
            root.present().map_err(VizError::render)?;
        }
        Ok(out)
    }

    /// The figure in `format`.
    pub fn encode(&self, format: ImageFormat) -> Result<Vec<u8>, VizError> {
        match format {
            ImageFormat::Png => self.to_png(),
            ImageFormat::Jpeg => self.to_jpeg(),
            ImageFormat::Svg => self.to_svg().map(String::into_bytes),
        }
    }

    /// Writes the figure to `path` in the format its extension names and returns that format.
    ///
    /// The picture is written to a temporary file next to `path` and renamed over it, so a
    /// failure never leaves a half-written or empty file behind. A missing directory or an
    /// unsupported extension is reported before anything is rendered.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<ImageFormat, VizError> {
        let path = path.as_ref();
        let format = ImageFormat::from_path(path)?;
        let dir = jumper_data::fsio::parent_dir(path);
        if !dir.is_dir() {
            return Err(VizError::MissingDirectory {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
            });
        }
        let bytes = self.encode(format)?;
        write_atomically(path, &bytes)?;
        Ok(format)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), VizError> {
    jumper_data::fsio::write_atomic(path, bytes).map_err(|e| VizError::Io {
        path: e.path,
        source: e.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn formats_by_extension() {
        let f = |p: &str| ImageFormat::from_path(Path::new(p));
        assert_eq!(f("x.png").unwrap(), ImageFormat::Png);
        assert_eq!(f("x.SVG").unwrap(), ImageFormat::Svg);
        assert_eq!(f("x.jpeg").unwrap(), ImageFormat::Jpeg);
        assert_eq!(
            f("noext").unwrap_err().to_string(),
            "unsupported image format '' (supported: png, svg, jpg, jpeg)"
        );
        assert_eq!(
            f("a.tar.gz").unwrap_err().to_string(),
            "unsupported image format '.gz' (supported: png, svg, jpg, jpeg)"
        );
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails.
        let target = dir.path().join("taken.png");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"x").unwrap();
        let err = write_atomically(&target, b"data").unwrap_err();
        assert!(matches!(err, VizError::Io { .. }), "{err}");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["taken.png"]);
    }
}
