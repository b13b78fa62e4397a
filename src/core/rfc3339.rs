//! RFC 3339 timestamps (`2026-11-25T13:28:59.123Z`) from epoch milliseconds,
//! without `core::fmt` (the wasm build has none): the Faro receiver decodes
//! every timestamp as a Go `time.Time`, which only takes this form.

#[allow(unused_imports)]
use crate::prelude::*;

use super::json::{f64_to_u64, round};

/// Latest instant written: 9999-12-31T23:59:59.999Z (four-digit years only).
const MAX_MS: u64 = 253_402_300_799_999;

/// Appends `epoch_ms` as UTC with millisecond precision, always the same
/// 24 characters. Negative, NaN and out-of-range times are clamped to
/// 1970-01-01 / 9999-12-31 (a timestamp the receiver rejects would cost the
/// whole batch).
pub fn write(buf: &mut String, epoch_ms: f64) {
    let ms = f64_to_u64(round(epoch_ms)).min(MAX_MS);
    let (days, rem) = (ms / 86_400_000, ms % 86_400_000);
    let (y, m, d) = civil_from_days(days);
    digits(buf, y, 4);
    buf.push('-');
    digits(buf, m, 2);
    buf.push('-');
    digits(buf, d, 2);
    buf.push('T');
    digits(buf, rem / 3_600_000, 2);
    buf.push(':');
    digits(buf, rem / 60_000 % 60, 2);
    buf.push(':');
    digits(buf, rem / 1000 % 60, 2);
    buf.push('.');
    digits(buf, rem % 1000, 3);
    buf.push('Z');
}

pub fn to_string(epoch_ms: f64) -> String {
    let mut s = String::with_capacity(24);
    write(&mut s, epoch_ms);
    s
}

/// `n` zero-padded to exactly `width` digits (n < 10^width).
fn digits(buf: &mut String, n: u64, width: u32) {
    let mut div = 10u64.pow(width.saturating_sub(1));
    while div > 0 {
        let d = n / div % 10;
        buf.push(char::from(b'0' + u8::try_from(d).unwrap_or(0)));
        div /= 10;
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn known_instants() {
        assert_eq!(to_string(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_string(1_795_610_469_180.3), "2026-11-25T12:41:09.180Z");
        assert_eq!(to_string(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
        assert_eq!(to_string(1_709_164_799_999.6), "2024-02-29T00:00:00.000Z");
        assert_eq!(to_string(-5.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_string(f64::NAN), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_string(1e300), "9999-12-31T23:59:59.999Z");
    }

    proptest::proptest! {
        #[test]
        fn matches_humantime(ms in 0u64..MAX_MS) {
            let want = humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string();
            proptest::prop_assert_eq!(to_string(ms as f64), want);
        }
    }
}
