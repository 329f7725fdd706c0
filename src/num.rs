//! Number writers: exact integers, Go-compatible shortest floats, exact timestamps.
//!
//! How they work:
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
mod tests;
