//! What the protobuf exposition adds to a sample: native histograms and
//! exact timestamps.

use super::Exemplar;

/// A `google.protobuf.Timestamp` as written: seconds since the Unix epoch
/// and a non-negative fraction in nanoseconds.
///
/// ```
/// use otel_expfmt::check::Timestamp;
/// let t = Timestamp::new(1_700_000_000, 500_000_000);
/// assert_eq!((t.seconds, t.nanos), (1_700_000_000, 500_000_000));
/// assert_eq!(t.as_secs_f64(), 1_700_000_000.5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds after `seconds`, `0..=999_999_999`.
    pub nanos: i32,
}

impl Timestamp {
    /// A timestamp of `seconds` and `nanos`.
    pub const fn new(seconds: i64, nanos: i32) -> Self {
        Timestamp { seconds, nanos }
    }

    /// The time in seconds as an `f64` (rounded), as the text formats write it.
    pub fn as_secs_f64(self) -> f64 {
        // Documented as rounded: an f64 cannot hold every nanosecond of a date.
        #[allow(clippy::cast_precision_loss)]
        let seconds = self.seconds as f64;
        seconds + f64::from(self.nanos) / 1e9
    }
}

/// A native histogram (the protobuf exposition only), with its buckets as
/// absolute counts by bucket index, in written order, zero-count buckets
/// included as written.
///
/// Bucket `i` of the positive side covers `(base^(i-1), base^i]` and of the
/// negative side `[-base^i, -base^(i-1))`, where `base = 2^(2^-schema)`; the
/// zero bucket covers `[-zero_threshold, zero_threshold]`.
///
/// ```
/// use otel_expfmt::check::NativeHistogram;
/// // Schema 0: powers of two.
/// assert_eq!(NativeHistogram::positive_bounds(0, 1), (1.0, 2.0));
/// assert_eq!(NativeHistogram::negative_bounds(0, 0), (-1.0, -0.5));
/// // Schema 1: powers of the square root of two.
/// let (lower, upper) = NativeHistogram::positive_bounds(1, 1);
/// assert_eq!(lower, 1.0);
/// assert!((upper - 2f64.sqrt()).abs() < 1e-15);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct NativeHistogram {
    /// The resolution, `-4..=8`.
    pub schema: i32,
    /// The zero bucket's half width.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// All observations (`sample_count`).
    pub count: u64,
    /// Their sum (`sample_sum`).
    pub sum: f64,
    /// Positive buckets: `(index, count)`.
    pub positive: Vec<(i32, u64)>,
    /// Negative buckets: `(index, count)`.
    pub negative: Vec<(i32, u64)>,
    /// The histogram's exemplars (each with a timestamp).
    pub exemplars: Vec<Exemplar>,
}

impl NativeHistogram {
    /// `[lower, upper]` of positive bucket `index` at `schema`: the bucket
    /// holds values in `(lower, upper]`.
    ///
    /// Exact for `schema <= 0` (powers of two); for a positive schema the
    /// fractional power is computed with `powf` and may differ from
    /// Prometheus' own bound in the last bits.
    pub fn positive_bounds(schema: i32, index: i32) -> (f64, f64) {
        (
            upper_bound(schema, i64::from(index) - 1),
            upper_bound(schema, i64::from(index)),
        )
    }

    /// `[lower, upper]` of negative bucket `index` at `schema`: the bucket
    /// holds values in `[lower, upper)`.
    pub fn negative_bounds(schema: i32, index: i32) -> (f64, f64) {
        let (lower, upper) = Self::positive_bounds(schema, index);
        (-upper, -lower)
    }
}

/// `base^index` with `base = 2^(2^-schema)`.
fn upper_bound(schema: i32, index: i64) -> f64 {
    if schema <= 0 {
        // `2^(index * 2^-schema)`, a power of two.
        let shift = schema.unsigned_abs().min(16);
        return pow2(index.saturating_mul(1 << shift));
    }
    // `index = whole * 2^schema + part`, so the bound is
    // `2^whole * 2^(part / 2^schema)`.
    let per_octave = 1i64 << schema.min(16);
    let whole = index.div_euclid(per_octave);
    let part = index.rem_euclid(per_octave);
    // `part` and `per_octave` are below 2^17: exact in an f64.
    #[allow(clippy::cast_precision_loss)]
    let fraction = (part as f64 / per_octave as f64).exp2();
    // The fraction lies in [1, 2): scaling by a power of two is exact
    // unless the result leaves the normal range.
    fraction * pow2(whole)
}

/// `2^exponent`, exactly; `+Inf` above the largest and `0` below the
/// smallest `f64`.
fn pow2(exponent: i64) -> f64 {
    if exponent > 1023 {
        f64::INFINITY
    } else if exponent >= -1022 {
        // A normal number: the biased exponent alone. The range is checked.
        #[allow(clippy::cast_sign_loss)]
        let biased = (exponent + 1023) as u64;
        f64::from_bits(biased << 52)
    } else if exponent >= -1074 {
        // A subnormal number: one mantissa bit.
        #[allow(clippy::cast_sign_loss)]
        let bit = (exponent + 1074) as u64;
        f64::from_bits(1 << bit)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_two_are_exact() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(1), 2.0);
        assert_eq!(pow2(-1), 0.5);
        assert_eq!(pow2(1023), 2f64.powi(1023));
        assert_eq!(pow2(1024), f64::INFINITY);
        assert_eq!(pow2(-1022), f64::MIN_POSITIVE);
        assert_eq!(pow2(-1074), f64::from_bits(1));
        assert_eq!(pow2(-1073), f64::from_bits(2));
        assert_eq!(pow2(-1023), f64::MIN_POSITIVE / 2.0);
        assert_eq!(pow2(-1075), 0.0);
        assert_eq!(pow2(i64::MIN), 0.0);
    }

    #[test]
    fn bounds_at_every_kind_of_schema() {
        assert_eq!(NativeHistogram::positive_bounds(0, 0), (0.5, 1.0));
        assert_eq!(NativeHistogram::positive_bounds(0, 5), (16.0, 32.0));
        assert_eq!(NativeHistogram::positive_bounds(-2, 1), (1.0, 16.0));
        assert_eq!(
            NativeHistogram::positive_bounds(-4, -1),
            (2f64.powi(-32), 2f64.powi(-16))
        );
        assert_eq!(NativeHistogram::negative_bounds(-1, 2), (-16.0, -4.0));
        let (lower, upper) = NativeHistogram::positive_bounds(3, 9);
        assert_eq!(lower, 2.0);
        assert!((upper - 2f64.powf(1.125)).abs() < 1e-15);
        let (lower, upper) = NativeHistogram::positive_bounds(8, -1);
        assert!((lower - 2f64.powf(-2.0 / 256.0)).abs() < 1e-15);
        assert!((upper - 2f64.powf(-1.0 / 256.0)).abs() < 1e-15);
        assert_eq!(NativeHistogram::positive_bounds(8, 256).1, 2.0);
        // The last bucket overflows to +Inf.
        assert_eq!(
            NativeHistogram::positive_bounds(0, 1024),
            (2f64.powi(1023), f64::INFINITY)
        );
        assert_eq!(
            NativeHistogram::positive_bounds(8, i32::MAX).1,
            f64::INFINITY
        );
        assert_eq!(NativeHistogram::positive_bounds(-4, i32::MIN).0, 0.0);
    }
}
