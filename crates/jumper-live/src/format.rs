//! Text forms of numbers (units and widths only: the numbers come from the derivations).

/// `XmYYs` below an hour, `XhYYmZZs` above (CPython's uptime form).
pub fn uptime(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}h{m:02}m{sec:02}s")
    } else {
        format!("{m}m{sec:02}s")
    }
}

/// `HH:MM:SS` (UTC) of an epoch time.
pub fn clock(epoch_s: f64) -> String {
    let (_, _, _, h, m, s) = jumper_core::clock::utc_fields(epoch_s as i64);
    format!("{h:02}:{m:02}:{s:02}")
}

/// `HH:MM:SS ZONE` of an epoch time in this machine's time zone (`TZ`, else
/// `/etc/localtime`), as `date` shows it; `None` where the C library cannot convert it.
pub fn local_clock(epoch_s: f64) -> Option<String> {
    if !epoch_s.is_finite() {
        return None;
    }
    let t = epoch_s.floor() as libc::time_t;
    // SAFETY: localtime_r reads TZ and the zone files into the C library's own state the
    // first time (glibc initialises it once) and writes only into `tm`, whose tm_zone then
    // points at that state (static, never freed), read at once here.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return None;
        }
        let zone = if tm.tm_zone.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone)
                .to_string_lossy()
                .into_owned()
        };
        Some(
            format!("{:02}:{:02}:{:02} {zone}", tm.tm_hour, tm.tm_min, tm.tm_sec)
                .trim_end()
                .to_string(),
        )
    }
}

/// Seconds with a unit that fits: `0.12s`, `12.3s`, `4m05s`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2}s")
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else {
        uptime(s)
    }
}

/// Bytes in binary units: `512B`, `1.5K`, `20.0M`, `3.25G`.
pub fn bytes(b: f64) -> String {
    const K: f64 = 1024.0;
    if b < K {
        format!("{b:.0}B")
    } else if b < K * K {
        format!("{:.1}K", b / K)
    } else if b < K * K * K {
        format!("{:.1}M", b / K / K)
    } else {
        format!("{:.2}G", b / K / K / K)
    }
}

/// A rate in bytes per second.
pub fn rate(bps: f64) -> String {
    format!("{}/s", bytes(bps))
}

/// A GiB figure.
pub fn gib(g: f64) -> String {
    format!("{g:.2}G")
}

/// `text` cut to `width` characters, with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// A bar of `width` cells, `fraction` of them full (█ and ░).
pub fn bar(fraction: f64, width: usize) -> String {
    let full = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    let mut s = "█".repeat(full);
    s.push_str(&"░".repeat(width - full));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(uptime(0.0), "0m00s");
        assert_eq!(uptime(45.2), "0m45s");
        assert_eq!(uptime(125.0), "2m05s");
        assert_eq!(uptime(3661.0), "1h01m01s");
        assert_eq!(uptime(86400.0), "24h00m00s");
        assert_eq!(clock(3661.0), "01:01:01");
        assert_eq!(local_clock(f64::NAN), None);
        assert_eq!(seconds(1.234), "1.23s");
        assert_eq!(seconds(75.0), "1m15s");
        assert_eq!(bytes(512.0), "512B");
        assert_eq!(bytes(1536.0), "1.5K");
        assert_eq!(bytes(20.0 * 1024.0 * 1024.0), "20.0M");
        assert_eq!(rate(2048.0), "2.0K/s");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(2.0, 3), "███");
    }

    #[test]
    fn local_clock_is_what_date_shows() {
        // date(1) reads the same TZ and /etc/localtime as this process.
        let epoch = 1_790_000_000_i64;
        let out = std::process::Command::new("date")
            .args(["-d", &format!("@{epoch}"), "+%H:%M:%S %Z"])
            .output()
            .unwrap();
        let want = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(local_clock(epoch as f64 + 0.7).unwrap(), want);
    }
}
