//! Histogram buckets: as (bound, cumulative count) pairs for explicit and
//! exponential histograms in classic form, and exponential histograms as
//! native histograms.

use super::model::{NativeEntry, Number, Span};
use crate::DropReason;

/// An exponential histogram data point's buckets, as plain values.
#[derive(Clone, Debug)]
pub struct ExponentialData<P, N> {
    /// The scale: bucket `i` covers `(base^i, base^(i+1)]`, `base = 2^(2^-scale)`.
    pub scale: i8,
    /// Observations in `[-zero_threshold, zero_threshold]`.
    pub zero_count: u64,
    /// The zero bucket's half width (0 when unset).
    pub zero_threshold: f64,
    /// Index of the first positive bucket.
    pub positive_offset: i32,
    /// Positive bucket counts, from `positive_offset` upwards.
    pub positive_counts: P,
    /// Index of the first negative bucket (covering `[-base^(i+1), -base^i)`).
    pub negative_offset: i32,
    /// Negative bucket counts, from `negative_offset` upwards (towards -∞).
    pub negative_counts: N,
}

/// Appends bounds that must strictly increase and be finite; a bound that is
/// not is merged into its neighbour so that cumulative counts stay exact:
/// counts of a bound at or below the previous one are added to the previous
/// bound, those of a NaN or infinite bound flow into the next one (or `+Inf`).
struct Push<'a> {
    bounds: &'a mut Vec<f64>,
    cumulative: &'a mut Vec<u64>,
    start: usize,
    total: u64,
}

impl Push<'_> {
    fn add(&mut self, count: u64) {
        self.total = self.total.saturating_add(count);
    }

    fn bound(&mut self, bound: f64) {
        if bound.is_nan() || bound.is_infinite() {
            return;
        }
        // -0.0 and 0.0 are one bound.
        let bound = if bound == 0.0 { 0.0 } else { bound };
        if self.bounds.len() > self.start {
            let last = self.bounds.len() - 1;
            if bound <= self.bounds[last] {
                self.cumulative[last] = self.total;
                return;
            }
        }
        self.bounds.push(bound);
        self.cumulative.push(self.total);
    }
}

/// Explicit-bucket histogram: `counts[i]` counts `(bounds[i-1], bounds[i]]`,
/// the last count is the overflow bucket. Returns the total (`+Inf`) count.
pub(crate) fn classic_buckets(
    bounds: impl IntoIterator<Item = f64>,
    counts: impl IntoIterator<Item = u64>,
    out_bounds: &mut Vec<f64>,
    out_cumulative: &mut Vec<u64>,
) -> u64 {
    let start = out_bounds.len();
    let mut p = Push {
        bounds: out_bounds,
        cumulative: out_cumulative,
        start,
        total: 0,
    };
    let mut counts = counts.into_iter();
    for bound in bounds {
        p.add(counts.next().unwrap_or(0));
        p.bound(bound);
    }
    for rest in counts {
        p.add(rest);
    }
    p.total
}

/// `2^exp` for any integer exponent: exact, 0 below the subnormal range and
/// infinite above `f64::MAX`.
fn pow2(exp: i64) -> f64 {
    if exp > 1023 {
        f64::INFINITY
    } else if exp >= -1022 {
        f64::from_bits(((exp + 1023) as u64) << 52)
    } else if exp >= -1074 {
        f64::from_bits(1u64 << (exp + 1074))
    } else {
        0.0
    }
}

/// The lower boundary `base^index` of exponential bucket `index`.
pub(crate) fn lower_boundary(index: i64, scale: i8) -> f64 {
    if scale <= 0 {
        let shift = u32::from(scale.unsigned_abs());
        // index * 2^-scale, saturating far outside the f64 range.
        let exp = index.checked_shl(shift).filter(|e| e >> shift == index);
        match exp {
            Some(e) => pow2(e),
            // `index` is not 0 here: `0 << shift` always fits.
            None if index > 0 => f64::INFINITY,
            None => 0.0,
        }
    } else if scale >= 62 {
        // Far beyond OpenTelemetry's maximum scale (20): every boundary is 1.0
        // to within f64 precision; equal bounds are merged by the caller.
        (index as f64 / 2f64.powi(i32::from(scale))).exp2()
    } else {
        let per_octave = 1i64 << scale;
        let octave = index.div_euclid(per_octave);
        let step = index.rem_euclid(per_octave);
        let frac = (step as f64 / per_octave as f64).exp2();
        // Two steps, so that a result in the subnormal range is rounded
        // once from the exact product instead of `pow2` flushing it to 0.
        let hi = octave.clamp(-1022, 1023);
        frac * pow2(hi) * pow2(octave - hi)
    }
}

/// Exponential histogram as cumulative classic buckets, exact for every
/// recorded value: each `le` bound counts precisely the values `<= le`.
///
/// A positive bucket `i` holds `(base^i, base^(i+1)]`, so its upper edge is a
/// bound as it is. A negative bucket `i` holds `[-base^(i+1), -base^i)`: its
/// edge nearer zero is excluded, so the bound written for it is the largest
/// float below that edge, `-next_up(base^i)`. Ascending: the bound below the
/// most negative bucket (count 0), one per negative bucket, the zero
/// threshold, the lower edge of the first positive bucket, then the upper
/// edge of each positive bucket. With a zero threshold `t > 0`, values in
/// `[-t, t]` are in the zero bucket, so no negative bound lies above
/// `-next_up(t)` and no positive one below `t` (such bounds merge). Returns
/// the total count.
pub(crate) fn exponential_buckets(
    data: ExponentialData<impl IntoIterator<Item = u64>, impl IntoIterator<Item = u64>>,
    tmp: &mut Vec<u64>,
    out_bounds: &mut Vec<f64>,
    out_cumulative: &mut Vec<u64>,
) -> u64 {
    let scale = data.scale;
    let start = out_bounds.len();
    let mut p = Push {
        bounds: out_bounds,
        cumulative: out_cumulative,
        start,
        total: 0,
    };
    let zero = if data.zero_threshold.is_finite() && data.zero_threshold > 0.0 {
        data.zero_threshold
    } else {
        0.0
    };
    tmp.clear();
    tmp.extend(data.negative_counts);
    if !tmp.is_empty() {
        // The largest float below `-edge`, where `edge` (a magnitude) is
        // excluded from the buckets further from zero.
        let below = |edge: f64| -edge.max(zero).next_up();
        let off = i64::from(data.negative_offset);
        let top = off + tmp.len() as i64;
        // Nothing lies below the most negative bucket's far edge.
        p.bound(below(lower_boundary(top, scale)));
        for (i, &c) in tmp.iter().enumerate().rev() {
            p.add(c);
            p.bound(below(lower_boundary(off + i as i64, scale)));
        }
    }
    tmp.clear();
    p.add(data.zero_count);
    p.bound(zero);
    let off = i64::from(data.positive_offset);
    let mut first = true;
    for (i, c) in data.positive_counts.into_iter().enumerate() {
        if first {
            p.bound(lower_boundary(off, scale));
            first = false;
        }
        p.add(c);
        p.bound(lower_boundary(off + i as i64 + 1, scale));
    }
    p.total
}

/// The coarsest and finest native histogram schemas Prometheus accepts.
const MIN_SCHEMA: i8 = -4;
const MAX_SCHEMA: i8 = 8;

/// The zero bucket's half width when the point has none: 2^-128, a bucket
/// boundary at every schema (so no bucket straddles it) and far below any
/// value an application records. A native histogram needs a width > 0 for
/// Prometheus 2.40-2.46 to tell it from a classic one when it has no
/// observations yet.
pub(crate) const DEFAULT_ZERO_THRESHOLD: f64 = f64::from_bits((1023 - 128) << 52);

/// An exponential histogram point as a native histogram: schema = scale,
/// downscaled to 8 by merging buckets when the scale is finer (OpenTelemetry
/// bucket `i` at scale `s` becomes bucket `((i >> (s - 8)) + 1)`; the `+ 1`
/// because OpenTelemetry buckets hold `(base^i, base^(i+1)]` and Prometheus
/// ones `(base^(i-1), base^i]`). Buckets that lie wholly inside the zero
/// bucket are added to it. The counts, dense from each side's offset, are
/// appended to `counts`.
///
/// Also returns whether `count` was the zero count plus the buckets (or, with
/// a NaN sum, at least that, as Prometheus allows); otherwise the native
/// count is the buckets'. `Err` for a scale below -4, bucket indexes
/// beyond `i32` or a bucket count beyond `i64`; `counts` is then as it was.
pub(crate) fn native_buckets(
    data: ExponentialData<impl IntoIterator<Item = u64>, impl IntoIterator<Item = u64>>,
    count: u64,
    sum: Number,
    counts: &mut Vec<u64>,
) -> Result<(NativeEntry, bool), DropReason> {
    let before = counts.len();
    let result = native_entry(data, count, sum, counts);
    if result.is_err() {
        counts.truncate(before);
    }
    result
}

fn native_entry(
    data: ExponentialData<impl IntoIterator<Item = u64>, impl IntoIterator<Item = u64>>,
    count: u64,
    sum: Number,
    counts: &mut Vec<u64>,
) -> Result<(NativeEntry, bool), DropReason> {
    if data.scale < MIN_SCHEMA {
        return Err(DropReason::NativeHistogram);
    }
    let shift = data.scale.saturating_sub(MAX_SCHEMA).max(0) as u32;
    let schema = data.scale - shift as i8;
    let zero_threshold = if data.zero_threshold.is_finite() && data.zero_threshold > 0.0 {
        data.zero_threshold
    } else {
        DEFAULT_ZERO_THRESHOLD
    };
    let mut zero_count = data.zero_count;
    let mut side = |buckets: &mut dyn Iterator<Item = u64>, offset: i32| {
        let start = counts.len();
        let mut first: Option<i64> = None;
        for (i, c) in buckets.enumerate() {
            // `>>` rounds towards -inf, as merging buckets must; a scale
            // beyond any SDK's (up to 127) merges everything into 0 or -1.
            let index = (i64::from(offset) + i as i64) >> shift.min(63);
            let index = index + 1;
            let Some(first) = first else {
                // Below or at the zero threshold: inside the zero bucket.
                if lower_boundary(index, schema) <= zero_threshold {
                    // Saturated, it is too large to be a count (checked below).
                    zero_count = zero_count.saturating_add(c);
                } else {
                    first = Some(index);
                    counts.push(c);
                }
                continue;
            };
            if (index - first) as usize == counts.len() - start {
                counts.push(c);
            } else if let Some(last) = counts.last_mut() {
                *last = last.saturating_add(c);
            }
        }
        let first = first.unwrap_or(0);
        let last = first + (counts.len() - start) as i64;
        match (i32::try_from(first), i32::try_from(last)) {
            (Ok(offset), Ok(_)) => Ok((offset, Span::new(start, counts.len()))),
            _ => Err(DropReason::NativeHistogram),
        }
    };
    let (positive_offset, positive) =
        side(&mut data.positive_counts.into_iter(), data.positive_offset)?;
    let (negative_offset, negative) =
        side(&mut data.negative_counts.into_iter(), data.negative_offset)?;
    // Bucket counts travel as signed 64-bit deltas: Prometheus reads a
    // count beyond `i64::MAX` back as negative and rejects the scrape. The
    // zero count and the total are unsigned 64-bit.
    let representable = |s: Span| counts[s.range()].iter().all(|&c| i64::try_from(c).is_ok());
    let total = counts[positive.range()]
        .iter()
        .chain(&counts[negative.range()])
        .fold(u128::from(zero_count), |a, &c| a + u128::from(c));
    let buckets = match u64::try_from(total) {
        Ok(total)
            if zero_count < u64::MAX && representable(positive) && representable(negative) =>
        {
            total
        }
        _ => return Err(DropReason::NativeHistogram),
    };
    let nan_sum = matches!(sum, Number::F64(v) if v.is_nan());
    let matched = if nan_sum {
        count >= buckets
    } else {
        count == buckets
    };
    let entry = NativeEntry {
        schema,
        zero_threshold,
        zero_count,
        positive_offset,
        positive,
        negative_offset,
        negative,
        count: if matched { count } else { buckets },
        sum,
    };
    Ok((entry, matched))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow2_is_exact_across_the_range() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(10), 1024.0);
        assert_eq!(pow2(-1), 0.5);
        assert_eq!(pow2(1023), f64::MAX / (2.0 - f64::EPSILON));
        assert_eq!(pow2(-1074), f64::from_bits(1));
        assert_eq!(pow2(-1075), 0.0);
        assert_eq!(pow2(1024), f64::INFINITY);
    }

    #[test]
    fn boundaries_follow_base_powers() {
        // scale 0: base 2
        assert_eq!(lower_boundary(3, 0), 8.0);
        assert_eq!(lower_boundary(-2, 0), 0.25);
        // scale -1: base 4
        assert_eq!(lower_boundary(2, -1), 16.0);
        // scale 1: base sqrt(2)
        assert_eq!(lower_boundary(2, 1), 2.0);
        assert!((lower_boundary(1, 1) - std::f64::consts::SQRT_2).abs() < 1e-15);
        assert!((lower_boundary(-1, 1) - 1.0 / std::f64::consts::SQRT_2).abs() < 1e-15);
        // extreme: saturates instead of overflowing the shift
        assert_eq!(lower_boundary(i64::from(i32::MAX), -10), f64::INFINITY);
        assert_eq!(lower_boundary(i64::from(i32::MIN), -10), 0.0);
        assert_eq!(lower_boundary(i64::from(i32::MAX), 20), f64::INFINITY);
    }

    #[test]
    fn classic_buckets_are_cumulative() {
        let (mut b, mut c) = (vec![], vec![]);
        let total = classic_buckets(
            [0.005, 0.01, 0.1, 1.0, 10.0],
            [3, 2, 0, 4, 1, 0],
            &mut b,
            &mut c,
        );
        assert_eq!(b, [0.005, 0.01, 0.1, 1.0, 10.0]);
        assert_eq!(c, [3, 5, 5, 9, 10]);
        assert_eq!(total, 10);
    }

    #[test]
    fn degenerate_bounds_merge_without_losing_counts() {
        let (mut b, mut c) = (vec![], vec![]);
        let total = classic_buckets(
            [1.0, 1.0, f64::NAN, 0.5, f64::INFINITY, 2.0],
            [1, 2, 4, 8, 16, 32, 64],
            &mut b,
            &mut c,
        );
        // 1.0 (1), dup 1.0 (+2 → 3), NaN flows on (+4), 0.5 ≤ 1.0 merges back (+8 → 15),
        // +Inf flows on (+16), 2.0 gets 1+2+4+8+16+32 = 63; overflow 64.
        assert_eq!(b, [1.0, 2.0]);
        assert_eq!(c, [15, 63]);
        assert_eq!(total, 127);
    }

    /// The bounds and cumulative counts of one exponential point.
    fn layout(
        scale: i8,
        zero_count: u64,
        zero_threshold: f64,
        positive: (i32, &[u64]),
        negative: (i32, &[u64]),
    ) -> (Vec<f64>, Vec<u64>, u64) {
        let (mut t, mut b, mut c) = (vec![], vec![], vec![]);
        let data = ExponentialData {
            scale,
            zero_count,
            zero_threshold,
            positive_offset: positive.0,
            positive_counts: positive.1.iter().copied(),
            negative_offset: negative.0,
            negative_counts: negative.1.iter().copied(),
        };
        let total = exponential_buckets(data, &mut t, &mut b, &mut c);
        (b, c, total)
    }

    #[test]
    fn exponential_buckets_cover_negative_zero_and_positive() {
        // Scale 0 (base 2). Negative buckets 1 and 2 hold [-4,-2) and [-8,-4):
        // the first bound, the largest float below -8, counts nothing; the
        // largest float below -4 counts the 1 value in [-8,-4); the largest
        // below -2 the 1 + 2 values below -2. Zero bucket 3; positive
        // buckets 0 and 1 hold (1,2] and (2,4].
        let (b, c, total) = layout(0, 3, 0.0, (0, &[5, 7]), (1, &[2, 1]));
        assert_eq!(
            b,
            [
                -8.000000000000002,
                -4.000000000000001,
                -2.0000000000000004,
                0.0,
                1.0,
                2.0,
                4.0
            ]
        );
        assert_eq!(c, [0, 1, 3, 6, 6, 11, 18]);
        assert_eq!(total, 18);
    }

    #[test]
    fn negative_scales_use_powers_of_two_to_the_power_of_two() {
        // Base 2^(2^-scale): scale -1 is base 4, -2 base 16, -10 base 2^1024.
        assert_eq!(lower_boundary(3, -1), 64.0);
        assert_eq!(lower_boundary(-3, -1), 1.0 / 64.0);
        assert_eq!(lower_boundary(3, -2), 4096.0);
        assert_eq!(lower_boundary(-1, -2), 0.0625);
        assert_eq!(lower_boundary(0, -10), 1.0);
        assert_eq!(lower_boundary(1, -10), f64::INFINITY);
        // 2^-1024: subnormal, still exact.
        assert_eq!(lower_boundary(-1, -10), f64::from_bits(1 << 50));
        assert_eq!(lower_boundary(-2, -10), 0.0);
        // Shifts that overflow saturate by the sign of the index.
        assert_eq!(lower_boundary(i64::MAX / 2, -10), f64::INFINITY);
        assert_eq!(lower_boundary(i64::MIN / 2, -10), 0.0);
    }

    #[test]
    fn positive_scales_reach_both_ends_of_the_f64_range() {
        // Scale 1 (base √2): index 2k is 2^k exactly.
        assert_eq!(lower_boundary(2046, 1), 2f64.powi(1023));
        assert_eq!(lower_boundary(2048, 1), f64::INFINITY);
        assert!(lower_boundary(2047, 1).is_finite());
        assert!(lower_boundary(2047, 1) > 2f64.powi(1023));
        assert_eq!(lower_boundary(-2044, 1), 2f64.powi(-1022));
        // 2^-1074 is the smallest subnormal; √2 · 2^-1075 rounds up to it,
        // 2^-1076 rounds to 0.
        assert_eq!(lower_boundary(-2148, 1), f64::from_bits(1));
        assert_eq!(lower_boundary(-2149, 1), f64::from_bits(1));
        assert_eq!(lower_boundary(-2152, 1), 0.0);
        // 2^-1060 · 2^(1/2), a subnormal, rounded once.
        assert_eq!(
            lower_boundary(-2119, 1),
            std::f64::consts::SQRT_2 * 2f64.powi(-1000) * 2f64.powi(-60)
        );
        // Scales beyond any SDK's: every boundary near 1 is 1.
        assert_eq!(lower_boundary(0, 100), 1.0);
        assert_eq!(lower_boundary(1 << 40, 100), 1.0);
        assert_eq!(lower_boundary(-(1 << 40), 127), 1.0);
        assert!(lower_boundary(1 << 62, 62) > 1.0);
    }

    #[test]
    fn a_zero_threshold_bounds_the_zero_bucket() {
        // Scale 0, zero threshold 0.75: values with |v| <= 0.75 are in the
        // zero bucket (count 5). Negative bucket -1 (|v| in (0.5, 1]) then
        // holds [-1, -0.75), bucket 0 holds [-2, -1); positive bucket -1 holds
        // (0.75, 1], bucket 0 (1, 2].
        let (b, c, total) = layout(0, 5, 0.75, (-1, &[4, 8]), (-1, &[2, 1]));
        assert_eq!(
            b,
            [
                -2.0000000000000004,
                -1.0000000000000002,
                -0.7500000000000001,
                0.75,
                1.0,
                2.0
            ]
        );
        assert_eq!(c, [0, 1, 3, 8, 12, 20]);
        assert_eq!(total, 20);
        // A threshold that is NaN, infinite, negative or zero means none.
        for zt in [f64::NAN, f64::INFINITY, -1.0, 0.0, -0.0] {
            let (b, c, _) = layout(0, 5, zt, (0, &[4]), (0, &[2]));
            assert_eq!(
                b,
                [-2.0000000000000004, -1.0000000000000002, 0.0, 1.0, 2.0],
                "{zt}"
            );
            assert_eq!(c, [0, 2, 7, 7, 11], "{zt}");
        }
    }

    #[test]
    fn buckets_beyond_the_f64_range_flow_into_their_neighbours() {
        // Scale -10: bucket 0 is (1, 2^1024], beyond f64::MAX; bucket 1 lies
        // wholly beyond. Their counts can only show in +Inf.
        let (b, c, total) = layout(-10, 0, 0.0, (0, &[1, 2]), (0, &[]));
        assert_eq!(b, [0.0, 1.0]);
        assert_eq!(c, [0, 0]);
        assert_eq!(total, 3);
        // Negative bucket -1 holds [-1, -2^-1024): its count shows at the
        // largest float below -2^-1024.
        let (b, c, total) = layout(-10, 1, 0.0, (0, &[]), (-1, &[3]));
        let tiny = f64::from_bits((1 << 50) + 1);
        assert_eq!(b, [-1.0000000000000002, -tiny, 0.0]);
        assert_eq!(c, [0, 3, 4]);
        assert_eq!(total, 4);
        // Buckets so small that their edges underflow to 0: one bound just
        // below zero, then zero.
        let (b, c, _) = layout(0, 0, 0.0, (0, &[]), (-1100, &[1, 1]));
        assert_eq!(b, [-f64::from_bits(1), 0.0]);
        assert_eq!(c, [2, 2]);
    }

    #[test]
    fn a_point_that_cannot_be_native_leaves_no_counts_behind() {
        let data = |positive: [u64; 2]| ExponentialData {
            scale: 0,
            zero_count: 0,
            zero_threshold: 0.0,
            positive_offset: 0,
            positive_counts: positive,
            negative_offset: 0,
            negative_counts: [0u64; 0],
        };
        let mut counts = vec![7];
        // The first bucket is appended before the second (2^63) is refused.
        let refused = native_buckets(data([1, 1 << 63]), 1, Number::U64(0), &mut counts);
        assert_eq!(refused.err(), Some(DropReason::NativeHistogram));
        assert_eq!(counts, [7]);
        let (entry, matched) =
            native_buckets(data([1, 2]), 3, Number::U64(0), &mut counts).expect("native");
        assert!(matched);
        assert_eq!(&counts[entry.positive.range()], [1, 2]);
        assert_eq!(entry.positive_offset, 1);
    }

    /// One side's buckets for [`native`]: offset and counts.
    type Side<'a> = (i32, &'a [u64]);

    /// A point as a native histogram, with its counts.
    fn native(
        scale: i8,
        zero: (u64, f64),
        positive: Side<'_>,
        negative: Side<'_>,
        count: u64,
        sum: f64,
    ) -> Result<(NativeEntry, bool, Vec<u64>, Vec<u64>), DropReason> {
        let data = ExponentialData {
            scale,
            zero_count: zero.0,
            zero_threshold: zero.1,
            positive_offset: positive.0,
            positive_counts: positive.1.iter().copied(),
            negative_offset: negative.0,
            negative_counts: negative.1.iter().copied(),
        };
        let mut counts = Vec::new();
        let (entry, matched) = native_buckets(data, count, Number::F64(sum), &mut counts)?;
        let (p, n) = (
            &counts[entry.positive.range()],
            &counts[entry.negative.range()],
        );
        Ok((entry, matched, p.to_vec(), n.to_vec()))
    }

    #[test]
    fn schema_minus_four_is_the_coarsest_native_one() {
        // Prometheus accepts schemas -4 to 8: scale -4 is written as it
        // is (base 2^16), scale -5 cannot be.
        let (entry, matched, p, _) = native(-4, (0, 0.0), (0, &[1]), (0, &[]), 1, 1.0).unwrap();
        assert_eq!(entry.schema, -4);
        assert!(matched);
        assert_eq!((entry.positive_offset, p), (1, vec![1]));
        let coarser = native(-5, (0, 0.0), (0, &[1]), (0, &[]), 1, 1.0);
        assert_eq!(coarser.err(), Some(DropReason::NativeHistogram));
    }

    #[test]
    fn buckets_within_the_zero_threshold_join_the_zero_bucket() {
        // Scale 0, zero threshold 0.5. OTel buckets -3..=0 hold (1/8, 1/4],
        // (1/4, 1/2], (1/2, 1] and (1, 2]: Prometheus buckets -2..=1. The
        // first two lie within [-0.5, 0.5] and are added to the zero count
        // (2 + 1 + 2); the positive side starts at bucket 0. The
        // threshold is written as recorded.
        let (entry, matched, p, n) =
            native(0, (2, 0.5), (-3, &[1, 2, 3, 4]), (-2, &[6, 7]), 25, 1.0).unwrap();
        assert_eq!(entry.zero_threshold, 0.5);
        // Negative: OTel -2 holds magnitudes (1/4, 1/2], within the zero
        // bucket; -1 holds (1/2, 1], Prometheus bucket 0.
        assert_eq!(entry.zero_count, 2 + 1 + 2 + 6);
        assert_eq!((entry.positive_offset, p), (0, vec![3, 4]));
        assert_eq!((entry.negative_offset, n), (0, vec![7]));
        assert!(matched);
        assert_eq!(entry.count, 25);
    }

    #[test]
    fn bucket_indexes_must_fit_32_bits() {
        let max = i32::MAX;
        // Prometheus bucket indexes max - 20 ..= max - 11 (positive) and
        // max - 10, max - 9 (negative; OTel index + 1): all fit.
        let ten = [1; 10];
        let (entry, _, p, n) =
            native(0, (0, 0.0), (max - 21, &ten), (max - 11, &[1, 1]), 12, 0.0).unwrap();
        assert_eq!((entry.positive_offset, p.len()), (max - 20, 10));
        assert_eq!((entry.negative_offset, n.len()), (max - 10, 2));
        // Buckets max, max + 1, max + 2: the side runs past `i32`.
        let past = (max - 1, &[1u64; 3][..]);
        let positive = native(0, (0, 0.0), past, (0, &[]), 3, 0.0);
        assert_eq!(positive.err(), Some(DropReason::NativeHistogram));
        let negative = native(0, (0, 0.0), (0, &[]), past, 3, 0.0);
        assert_eq!(negative.err(), Some(DropReason::NativeHistogram));
    }

    #[test]
    fn a_zero_count_that_overflows_is_refused() {
        // Scale 0, threshold 1: OTel bucket -1, (1/2, 1], joins the zero
        // bucket, whose count would pass 2^64 - 1.
        let over = native(0, (u64::MAX - 1, 1.0), (-1, &[5]), (0, &[]), 0, 0.0);
        assert_eq!(over.err(), Some(DropReason::NativeHistogram));
    }

    #[test]
    fn a_nan_sum_allows_a_count_above_the_buckets() {
        // Buckets hold 1 + 2 = 3. Prometheus accepts a count above that
        // only when the sum is NaN (NaN observations are in no bucket).
        let with = |count, sum| {
            let (entry, matched, ..) =
                native(0, (1, 0.0), (0, &[2]), (0, &[]), count, sum).unwrap();
            (entry.count, matched)
        };
        assert_eq!(with(5, f64::NAN), (5, true));
        assert_eq!(with(3, f64::NAN), (3, true));
        assert_eq!(with(2, f64::NAN), (3, false));
        assert_eq!(with(5, 1.0), (3, false));
        assert_eq!(with(3, 1.0), (3, true));
    }
}
