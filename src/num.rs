//! Number writers: exact integers, Go-compatible shortest floats, exact timestamps.
//!
//! CONTRACT (filled in by the `num` work item; signatures are fixed):
//!
//! * Integers are written itoa-style: digits are produced from the back of a
//!   fixed stack array, two at a time from a 200-byte `"00".."99"` table, and
//!   appended with a single `extend_from_slice`.
//! * Floats follow Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest
//!   digits that round-trip (taken from `core`'s `{:e}` formatting into a stack
//!   buffer) are laid out in exponent form iff the decimal exponent `exp` of
//!   the first significant digit satisfies `exp < -4 || exp >= 6` (Go uses a
//!   precision of 6 for this decision when formatting shortest). The exponent
//!   always carries a sign and at least two digits (`1e+06`, `1.5e-07`).
//! * Timestamps are integer arithmetic only.

use core::fmt::Write as _;

/// `"00" "01" .. "99"`: the two ASCII digits of every value below 100.
static DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Writes the decimal digits of `n` ending just before `buf[end]` and returns
/// the index of the first digit. `buf[..end]` must have room for them (20 bytes
/// suffice for any `u64`).
#[inline]
fn fill_back(buf: &mut [u8], mut end: usize, mut n: u64) -> usize {
    while n >= 10_000 {
        let rem = (n % 10_000) as usize;
        n /= 10_000;
        let hi = (rem / 100) * 2;
        let lo = (rem % 100) * 2;
        buf[end - 4..end - 2].copy_from_slice(&DIGIT_PAIRS[hi..hi + 2]);
        buf[end - 2..end].copy_from_slice(&DIGIT_PAIRS[lo..lo + 2]);
        end -= 4;
    }
    let mut n = n as usize;
    if n >= 100 {
        let lo = (n % 100) * 2;
        n /= 100;
        buf[end - 2..end].copy_from_slice(&DIGIT_PAIRS[lo..lo + 2]);
        end -= 2;
    }
    if n >= 10 {
        let i = n * 2;
        buf[end - 2..end].copy_from_slice(&DIGIT_PAIRS[i..i + 2]);
        end -= 2;
    } else {
        end -= 1;
        buf[end] = b'0' + n as u8;
    }
    end
}

/// Appends the decimal digits of `v` (exact for the whole range).
pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let start = fill_back(&mut buf, 20, v);
    out.extend_from_slice(&buf[start..]);
}

/// Appends `v` in decimal with a leading `-` when negative (exact, `i64::MIN` included).
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 21];
    let mut start = fill_back(&mut buf, 21, v.unsigned_abs());
    if v < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    out.extend_from_slice(&buf[start..]);
}

/// Writes exactly `width` digits of `n` (zero-padded on the left) ending just
/// before `buf[end]`. `n` must be below `10^width`.
#[inline]
fn fill_back_padded(buf: &mut [u8], end: usize, n: u64, width: usize) {
    let start = fill_back(buf, end, n);
    buf[end - width..start].fill(b'0');
}

/// A fixed-capacity stack buffer that `core::fmt` can write into.
struct StackBuf {
    buf: [u8; 40],
    len: usize,
}

impl core::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Appends `v` the way Prometheus' Go clients write floats (Go
/// `strconv.FormatFloat(v, 'g', -1, 64)`): shortest round-trip digits,
/// exponent form when the decimal exponent is < -4 or >= 6 (Go's `%g`
/// decision precision for shortest formatting), e.g. `100000`, `1e+06`,
/// `0.0001`, `1e-05`; the exponent has a sign and at least two digits.
/// `NaN`, `+Inf`, `-Inf`; `-0.0` is written as `0`. With `openmetrics`, a
/// result with neither `.` nor `e` gets `.0` appended (`5` → `5.0`), which is
/// also the canonical OpenMetrics `le` rendering.
pub fn write_f64(out: &mut Vec<u8>, v: f64, openmetrics: bool) {
    if !v.is_finite() {
        out.extend_from_slice(if v.is_nan() {
            b"NaN"
        } else if v > 0.0 {
            b"+Inf"
        } else {
            b"-Inf"
        });
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if openmetrics { b"0.0" } else { b"0" });
        return;
    }

    // Integers below 2^53 are exact and adjacent doubles are at most 1
    // apart, so dropping any non-zero digit would not round-trip: their
    // shortest digits are the integer's digits without trailing zeros. This
    // skips `core::fmt` for the very common integral sample values.
    let abs = v.abs();
    if abs < 9_007_199_254_740_992.0 && abs.trunc() == abs {
        let int = abs as u64;
        let mut buf = [0u8; 20];
        let start = fill_back(&mut buf, 20, int);
        let mut end = 20;
        while buf[end - 1] == b'0' {
            end -= 1;
        }
        let exp = (20 - start - 1) as i32;
        layout(out, v < 0.0, &buf[start..end], exp, openmetrics);
        return;
    }

    if let Some((int, exp)) = shortest_fraction(abs) {
        let mut buf = [0u8; 20];
        let start = fill_back(&mut buf, 20, int);
        let mut end = 20;
        while buf[end - 1] == b'0' {
            end -= 1;
        }
        layout(out, v < 0.0, &buf[start..end], exp, openmetrics);
        return;
    }
    write_f64_core(out, abs, v < 0.0, openmetrics);
}

/// `10^k` for `k` in `0..=MAX_LEVEL`.
static POW10: [u128; MAX_LEVEL as usize + 1] = {
    let mut t = [1u128; MAX_LEVEL as usize + 1];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// The most fractional digits [`shortest_fraction`] tries; keeps every
/// product below 2^128 (`(4·2^53 + 2)·10^21 < 2^125`).
const MAX_LEVEL: u32 = 21;

/// Shortest round-trip digits of a positive, finite, non-integral `v` by
/// exact integer arithmetic, for the common magnitudes; `None` leaves it to
/// [`write_f64_core`]. Returns the digits as an integer and the decimal
/// exponent of the first one.
///
/// `v = m·2^e` exactly. Every real number strictly between the midpoints to
/// v's neighbours rounds to v (the midpoints themselves never have few enough
/// decimals to matter, see below), so the shortest text is the decimal
/// `c·10^-k` in that interval with the fewest fractional digits `k`, and
/// among those the closest to v, which is what `core` (Grisu with Dragon
/// fallback) and Go produce. Scaled by `2^s·10^k`, the interval is
/// `((2m-1)·10^k, (2m+1)·10^k)` around `c·2^s` with `s = 1 - e` (with a
/// lower gap half as wide when `m` is a power of two). With `s > MAX_LEVEL`,
/// `c·2^s` has more factors of 2 than the odd-times-`10^k` bounds, so it never
/// equals one: membership is strict and ties between the two neighbours
/// cannot occur.
#[inline]
fn shortest_fraction(v: f64) -> Option<(u64, i32)> {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        return None; // subnormal
    }
    let m = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let e = biased - 1075;
    let s = 1 - e;
    // s in (MAX_LEVEL, 120]: v below 2^33, at least about 1e-20.
    if s <= MAX_LEVEL as i32 || s > 120 {
        return None;
    }
    let (lo, hi, shift) = if m == 1u64 << 52 && biased > 1 {
        // The neighbour below is half as far: bounds in quarters of an ulp.
        (4 * m as u128 - 1, 4 * m as u128 + 2, s as u32 + 1)
    } else {
        (2 * m as u128 - 1, 2 * m as u128 + 1, s as u32)
    };
    for k in 1..=MAX_LEVEL {
        let p = POW10[k as usize];
        let (lo, hi) = (lo * p, hi * p);
        // The smallest c with c·2^shift > lo, and whether it is below hi.
        let first = (lo >> shift) + 1;
        if first << shift >= hi {
            continue;
        }
        let last = (hi - 1) >> shift;
        let c = if first == last {
            first
        } else {
            // Several candidates: the one closest to v·10^k = 2m·10^k / 2^s.
            let exact = 2 * m as u128 * p;
            let half = 1u128 << (s - 1);
            let rem = exact & ((1u128 << s) - 1);
            if rem == half {
                return None; // exactly between two: leave it to core
            }
            let nearest = (exact >> s) + u128::from(rem > half);
            if nearest < first || nearest > last {
                return None;
            }
            nearest
        };
        let c = u64::try_from(c).ok()?;
        let digits = if c == 0 {
            return None;
        } else {
            c.ilog10() as i32 + 1
        };
        return Some((c, digits - 1 - k as i32));
    }
    None
}

/// Shortest digits through `core`'s `{:e}`, laid out like Go's `%g`.
fn write_f64_core(out: &mut Vec<u8>, abs: f64, negative: bool, openmetrics: bool) {
    // Shortest round-trip digits of |v| as `d[.ddd]e[-]x`.
    let mut sci = StackBuf {
        buf: [0; 40],
        len: 0,
    };
    // At most 17 digits + '.' + "e-324" = 24 bytes: cannot overflow 40.
    let _ = write!(sci, "{:e}", abs);
    let sci = &sci.buf[..sci.len];

    // Split into significant digits and the decimal exponent.
    let mut digits = [0u8; 24];
    let mut nd = 0;
    let mut i = 0;
    while i < sci.len() && sci[i] != b'e' {
        if sci[i] != b'.' {
            digits[nd] = sci[i];
            nd += 1;
        }
        i += 1;
    }
    let mut exp: i32 = 0;
    let mut neg_exp = false;
    for &b in &sci[i + 1..] {
        if b == b'-' {
            neg_exp = true;
        } else {
            exp = exp * 10 + i32::from(b - b'0');
        }
    }
    if neg_exp {
        exp = -exp;
    }

    layout(out, negative, &digits[..nd], exp, openmetrics);
}

/// Writes shortest `digits` (no trailing zeros, first digit non-zero) whose
/// first digit has decimal exponent `exp`, laid out like Go's `%g`.
fn layout(out: &mut Vec<u8>, negative: bool, digits: &[u8], exp: i32, openmetrics: bool) {
    let nd = digits.len();
    // Lay out into a stack buffer, then append once. Widest plain case:
    // '-' + "0.0000" + 17 digits; widest exponent case: '-' + 17 + '.' + "e-324".
    let mut o = [0u8; 40];
    let mut n = 0;
    if negative {
        o[0] = b'-';
        n = 1;
    }
    if !(-4..6).contains(&exp) {
        o[n] = digits[0];
        n += 1;
        if nd > 1 {
            o[n] = b'.';
            n += 1;
            o[n..n + nd - 1].copy_from_slice(&digits[1..]);
            n += nd - 1;
        }
        o[n] = b'e';
        o[n + 1] = if exp < 0 { b'-' } else { b'+' };
        n += 2;
        let e = exp.unsigned_abs() as usize;
        if e >= 100 {
            o[n] = b'0' + (e / 100) as u8;
            n += 1;
        }
        let pair = (e % 100) * 2;
        o[n..n + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        n += 2;
    } else if exp < 0 {
        let zeros = (-exp) as usize; // "0." plus (zeros - 1) more zeros
        o[n] = b'0';
        o[n + 1] = b'.';
        n += 2;
        o[n..n + zeros - 1].fill(b'0');
        n += zeros - 1;
        o[n..n + nd].copy_from_slice(digits);
        n += nd;
    } else {
        let int_len = exp as usize + 1;
        if nd <= int_len {
            o[n..n + nd].copy_from_slice(digits);
            n += nd;
            o[n..n + int_len - nd].fill(b'0');
            n += int_len - nd;
            if openmetrics {
                o[n] = b'.';
                o[n + 1] = b'0';
                n += 2;
            }
        } else {
            o[n..n + int_len].copy_from_slice(&digits[..int_len]);
            n += int_len;
            o[n] = b'.';
            n += 1;
            o[n..n + nd - int_len].copy_from_slice(&digits[int_len..]);
            n += nd - int_len;
        }
    }
    out.extend_from_slice(&o[..n]);
}

/// Appends a Unix time given in nanoseconds (negative before 1970) as exact
/// decimal seconds with trailing fractional zeros trimmed
/// (`1_767_225_600_123_000_000` → `1767225600.123`, whole seconds without `.`).
pub fn write_unix_seconds(out: &mut Vec<u8>, nanos: i128) {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    const TEN_POW_19: u128 = 10_000_000_000_000_000_000;
    let abs = nanos.unsigned_abs();
    let secs = abs / NANOS_PER_SEC;
    let frac = (abs % NANOS_PER_SEC) as u64;

    // Integer part (with '-', at most 31 bytes since u128::MAX / 1e9 < 10^30)
    // ends at index 40; '.' and 9 fractional digits occupy 40..50.
    let mut buf = [0u8; 50];
    let int_end = 40;
    let mut start = if secs <= u128::from(u64::MAX) {
        fill_back(&mut buf, int_end, secs as u64)
    } else {
        // The high part is below 10^11, so it fits a u64 too.
        let hi = (secs / TEN_POW_19) as u64;
        let lo = (secs % TEN_POW_19) as u64;
        fill_back_padded(&mut buf, int_end, lo, 19);
        fill_back(&mut buf, int_end - 19, hi)
    };
    if nanos < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    let mut end = int_end;
    if frac != 0 {
        buf[int_end] = b'.';
        fill_back_padded(&mut buf, int_end + 10, frac, 9);
        end = int_end + 10;
        while buf[end - 1] == b'0' {
            end -= 1;
        }
    }
    out.extend_from_slice(&buf[start..end]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> String {
        let mut out = Vec::new();
        write_u64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn i(v: i64) -> String {
        let mut out = Vec::new();
        write_i64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn f(v: f64, om: bool) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v, om);
        String::from_utf8(out).unwrap()
    }

    fn ts(n: i128) -> String {
        let mut out = Vec::new();
        write_unix_seconds(&mut out, n);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn digit_pair_table() {
        assert_eq!(&DIGIT_PAIRS[..6], b"000102");
        assert_eq!(&DIGIT_PAIRS[20..22], b"10");
        assert_eq!(&DIGIT_PAIRS[198..], b"99");
    }

    #[test]
    fn u64_rows() {
        let rows: &[(u64, &str)] = &[
            (0, "0"),
            (1, "1"),
            (9, "9"),
            (10, "10"),
            (11, "11"),
            (99, "99"),
            (100, "100"),
            (101, "101"),
            (999, "999"),
            (1000, "1000"),
            (9999, "9999"),
            (10000, "10000"),
            (10001, "10001"),
            (65535, "65535"),
            (123456789, "123456789"),
            (4294967295, "4294967295"),
            (4294967296, "4294967296"),
            (9007199254740993, "9007199254740993"),
            (10000000000000000000, "10000000000000000000"),
            (18446744073709551614, "18446744073709551614"),
            (u64::MAX, "18446744073709551615"),
        ];
        for &(v, want) in rows {
            assert_eq!(u(v), want, "u64 {v}");
        }
    }

    #[test]
    fn u64_powers_of_ten_and_neighbours() {
        // Expected strings are built by hand from the definition, not by std.
        let mut p: u64 = 1;
        for k in 0..=19u32 {
            let ten_k = format!("1{}", "0".repeat(k as usize));
            assert_eq!(u(p), ten_k, "10^{k}");
            let nines = "9".repeat(k as usize);
            if k > 0 {
                assert_eq!(u(p - 1), nines, "10^{k}-1");
            }
            let plus_one = if k == 0 {
                "2".to_string()
            } else {
                format!("1{}1", "0".repeat(k as usize - 1))
            };
            assert_eq!(u(p + 1), plus_one, "10^{k}+1");
            if k < 19 {
                p *= 10;
            }
        }
    }

    #[test]
    fn i64_rows() {
        let rows: &[(i64, &str)] = &[
            (0, "0"),
            (-1, "-1"),
            (-9, "-9"),
            (-10, "-10"),
            (-99, "-99"),
            (-100, "-100"),
            (-10001, "-10001"),
            (42, "42"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
            (i64::MIN + 1, "-9223372036854775807"),
            (-1000000000000000000, "-1000000000000000000"),
        ];
        for &(v, want) in rows {
            assert_eq!(i(v), want, "i64 {v}");
        }
    }

    #[test]
    fn writers_append() {
        let mut out = b"x=".to_vec();
        write_u64(&mut out, 12);
        out.push(b' ');
        write_i64(&mut out, -3);
        out.push(b' ');
        write_f64(&mut out, 2.5, false);
        out.push(b' ');
        write_unix_seconds(&mut out, 1_500_000_000);
        assert_eq!(out, b"x=12 -3 2.5 1.5");
    }

    /// Rows are Go `strconv.FormatFloat(v, 'g', -1, 64)` outputs.
    #[test]
    fn f64_go_rows() {
        let rows: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.0, "-1"),
            (1.5, "1.5"),
            (-2.5, "-2.5"),
            (10.0, "10"),
            (100000.0, "100000"),
            (999999.0, "999999"),
            (100000.5, "100000.5"),
            (123456.7, "123456.7"),
            (1e6, "1e+06"),
            (-1e6, "-1e+06"),
            (1234567.0, "1.234567e+06"),
            (12345678.9, "1.23456789e+07"),
            (1e10, "1e+10"),
            (1e21, "1e+21"),
            (1e23, "1e+23"),
            (1e100, "1e+100"),
            (0.1, "0.1"),
            (0.5, "0.5"),
            (0.001, "0.001"),
            (0.0001, "0.0001"),
            (0.000123, "0.000123"),
            (0.00001, "1e-05"),
            (0.0000123, "1.23e-05"),
            (1e-7, "1e-07"),
            (1.5e-7, "1.5e-07"),
            (-1.5e-7, "-1.5e-07"),
            (1e-300, "1e-300"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (9007199254740992.0, "9.007199254740992e+15"),
            (9007199254740994.0, "9.007199254740994e+15"),
            (9007199254740991.0, "9.007199254740991e+15"),
            (-9007199254740991.0, "-9.007199254740991e+15"),
            (1e15, "1e+15"),
            (120000000.0, "1.2e+08"),
            (-1234567.0, "-1.234567e+06"),
            (4503599627370497.0, "4.503599627370497e+15"),
            (12345.0, "12345"),
            (-100.0, "-100"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN, "-1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (f64::EPSILON, "2.220446049250313e-16"),
            (u64::MAX as f64, "1.8446744073709552e+19"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for &(v, want) in rows {
            assert_eq!(f(v, false), want, "prometheus {v:e}");
        }
    }

    #[test]
    fn f64_powers_of_ten() {
        // 10^k for k in -20..=25: plain for -4 <= k < 6, exponent form otherwise.
        let plain = [
            (-4, "0.0001"),
            (-3, "0.001"),
            (-2, "0.01"),
            (-1, "0.1"),
            (0, "1"),
            (1, "10"),
            (2, "100"),
            (3, "1000"),
            (4, "10000"),
            (5, "100000"),
        ];
        for (k, want) in plain {
            let v: f64 = format!("1e{k}").parse().unwrap();
            assert_eq!(f(v, false), want, "10^{k}");
        }
        for k in (-20i32..-4).chain(6..=25) {
            let v: f64 = format!("1e{k}").parse().unwrap();
            let sign = if k < 0 { '-' } else { '+' };
            let want = format!("1e{sign}{:02}", k.abs());
            assert_eq!(f(v, false), want, "10^{k}");
        }
    }

    /// The OpenMetrics 1.0 canonical number test vector, plus specials.
    #[test]
    fn f64_openmetrics_rows() {
        let rows: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "0.0"),
            (0.001, "0.001"),
            (0.01, "0.01"),
            (0.1, "0.1"),
            (0.9, "0.9"),
            (0.95, "0.95"),
            (0.99, "0.99"),
            (0.999, "0.999"),
            (1.0, "1.0"),
            (1.7, "1.7"),
            (10.0, "10.0"),
            (1e-10, "1e-10"),
            (1e-09, "1e-09"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (100000.0, "100000.0"),
            (1e6, "1e+06"),
            (1e10, "1e+10"),
            (-5.0, "-5.0"),
            (5.0, "5.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for &(v, want) in rows {
            assert_eq!(f(v, true), want, "openmetrics {v:e}");
        }
    }

    /// The digits of `write_f64` must be those of `core`'s shortest
    /// formatting (the `{:e}` path it replaces for common magnitudes).
    fn check_against_core(v: f64) {
        for om in [false, true] {
            let mut fast = Vec::new();
            write_f64(&mut fast, v, om);
            let mut reference = Vec::new();
            if v.is_finite() && v != 0.0 && v.abs().trunc() != v.abs() {
                write_f64_core(&mut reference, v.abs(), v < 0.0, om);
            } else {
                write_f64(&mut reference, v, om);
            }
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(reference).unwrap(),
                "{v:e} (bits {:#x})",
                v.to_bits()
            );
        }
    }

    #[test]
    fn shortest_fraction_agrees_with_core() {
        // SplitMix64, so the cases are the same on every run.
        let mut state = 0x5eed_u64;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let n = if cfg!(debug_assertions) {
            40_000
        } else {
            2_000_000
        };
        for _ in 0..n {
            let r = next();
            // Arbitrary bit patterns across the handled exponents and beyond.
            let exp = 1023 - 80 + (r % 120);
            check_against_core(f64::from_bits((exp << 52) | (next() >> 12)));
            // Short decimals, thirds, sevenths and their sums: typical readings.
            let n = (r >> 8) % 100_000_000;
            let k = (r % 12) as i32;
            check_against_core(n as f64 / 10f64.powi(k));
            check_against_core(n as f64 / 70.0);
            check_against_core(n as f64 / 3.0 + 0.1);
            check_against_core(-(n as f64) / 1e9);
        }
        for k in -25..25 {
            let p = 10f64.powi(k);
            for v in [
                p,
                p * 1.5,
                p / 3.0,
                p * (1.0 + f64::EPSILON),
                p * (1.0 - f64::EPSILON / 2.0),
            ] {
                check_against_core(v);
            }
        }
        // Powers of two (asymmetric rounding interval) and their neighbours.
        for e in -80..40 {
            let p = 2f64.powi(e);
            for v in [
                p,
                f64::from_bits(p.to_bits() - 1),
                f64::from_bits(p.to_bits() + 1),
            ] {
                check_against_core(v);
                check_against_core(v * 3.0);
            }
        }
        for v in [
            0.1,
            0.2,
            0.3,
            0.1 + 0.2,
            1.0 / 3.0,
            2.0 / 3.0,
            123456.7,
            0.000123,
            5e-324,
        ] {
            check_against_core(v);
        }
    }

    #[test]
    fn unix_seconds_rows() {
        let rows: &[(i128, &str)] = &[
            (0, "0"),
            (1, "0.000000001"),
            (-1, "-0.000000001"),
            (10, "0.00000001"),
            (999_999_999, "0.999999999"),
            (1_000_000_000, "1"),
            (1_000_000_001, "1.000000001"),
            (1_500_000_000, "1.5"),
            (-1_500_000_000, "-1.5"),
            (-500_000_000, "-0.5"),
            (-1_000_000_000, "-1"),
            (1_767_225_600_000_000_000, "1767225600"),
            (1_767_225_600_123_000_000, "1767225600.123"),
            (1_767_225_600_123_456_789, "1767225600.123456789"),
            (i64::MAX as i128, "9223372036.854775807"),
            (i64::MIN as i128, "-9223372036.854775808"),
            // Seconds above u64::MAX exercise the split path.
            (
                18_446_744_073_709_551_616_000_000_000,
                "18446744073709551616",
            ),
            (
                100_000_000_000_000_000_000_000_000_050_000_000,
                "100000000000000000000000000.05",
            ),
            (i128::MAX, "170141183460469231731687303715.884105727"),
            (i128::MIN, "-170141183460469231731687303715.884105728"),
        ];
        for &(n, want) in rows {
            assert_eq!(ts(n), want, "nanos {n}");
        }
    }
}
