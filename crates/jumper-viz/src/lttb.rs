//! Downsampling of long series for display.
