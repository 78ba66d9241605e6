//! Fresh identifiers and keys from the operating system's random source, and wall-clock dates
//! in the form Jupyter headers carry.

use std::time::{SystemTime, UNIX_EPOCH};

/// The operating system's random source failed (no `getrandom(2)` and no `/dev/urandom`).
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed")]
pub struct RandomError {
    #[source]
    source: getrandom::Error,
}

/// `N` bytes from the operating system's random source.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|source| RandomError { source })?;
    Ok(buf)
}

/// A random (version 4) UUID in its usual text form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
pub fn uuid4() -> Result<String, RandomError> {
    Ok(jumper_data::uuid4_text(bytes::<16>()?))
}

/// A fresh HMAC key as Jupyter stores it in connection files: 32 random bytes as 64 hex digits.
pub fn hex_key() -> Result<String, RandomError> {
    Ok(hex::encode(bytes::<32>()?))
}

/// The current UTC time in ISO 8601 with microseconds, as jupyter_client writes header dates
/// (`2026-12-02T16:29:36.123456Z`).
pub fn iso8601_now() -> String {
    iso8601(SystemTime::now())
}

/// `t` in UTC as ISO 8601 with microseconds; times before 1970 are written as the epoch.
pub fn iso8601(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let micros = since.subsec_micros();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn iso8601_known_instants() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // 2000-02-29 (leap day of a century leap year) 12:34:56.789012
        let t = UNIX_EPOCH + Duration::new(951_827_696, 789_012_000);
        assert_eq!(iso8601(t), "2000-02-29T12:34:56.789012Z");
        // 2026-12-31T23:59:59Z
        let t = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(iso8601(t), "2026-12-31T23:59:59.000000Z");
        // 2100-03-01 (2100 is not a leap year)
        let t = UNIX_EPOCH + Duration::from_secs(4_107_542_400);
        assert_eq!(iso8601(t), "2100-03-01T00:00:00.000000Z");
    }

    #[test]
    fn uuid4_has_version_and_variant() {
        let a = uuid4().unwrap();
        let b = uuid4().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn hex_key_is_64_hex_digits_and_fresh() {
        let a = hex_key().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, hex_key().unwrap());
    }
}
