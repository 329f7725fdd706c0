//! Number writers: exact integers, Go-compatible shortest floats, exact timestamps.
//!
//! CONTRACT (filled in by the `num` work item; signatures are fixed):

/// Appends the decimal digits of `v` (exact for the whole range).
pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    use std::io::Write;
    let _ = write!(out, "{v}");
}

/// Appends `v` in decimal with a leading `-` when negative (exact, `i64::MIN` included).
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    use std::io::Write;
    let _ = write!(out, "{v}");
}

/// Appends `v` the way Prometheus' Go clients write floats (Go
/// `strconv.FormatFloat(v, 'g', -1, 64)`): shortest round-trip digits,
/// exponent form when the decimal exponent is < -4 or >= 21... see docs.
/// `NaN`, `+Inf`, `-Inf`; `-0.0` is written as `0`. With `openmetrics`, a
/// result with neither `.` nor `e` gets `.0` appended (`5` → `5.0`), which is
/// also the canonical OpenMetrics `le` rendering.
pub fn write_f64(out: &mut Vec<u8>, v: f64, openmetrics: bool) {
    use std::io::Write;
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
        return;
    }
    let v = if v == 0.0 { 0.0 } else { v };
    let s = format!("{v}");
    out.extend_from_slice(s.as_bytes());
    if openmetrics && !s.contains('.') && !s.contains('e') {
        out.extend_from_slice(b".0");
    }
}

/// Appends a Unix time given in nanoseconds (negative before 1970) as exact
/// decimal seconds with trailing fractional zeros trimmed
/// (`1_767_225_600_123_000_000` → `1767225600.123`, whole seconds without `.`).
pub fn write_unix_seconds(out: &mut Vec<u8>, nanos: i128) {
    use std::io::Write;
    let neg = nanos < 0;
    let n = nanos.unsigned_abs();
    let s = format!(
        "{}{}.{:09}",
        if neg { "-" } else { "" },
        n / 1_000_000_000,
        n % 1_000_000_000
    );
    let s = s.trim_end_matches('0').trim_end_matches('.');
    let _ = write!(out, "{s}");
}
