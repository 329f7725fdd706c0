//! The error classes of [`check`](super::check).

use std::fmt;

/// What is wrong with an exposition; one variant per problem class.
///
/// ```
/// use otel_expfmt::check::{check, CheckErrorKind, HistogramRule};
/// use otel_expfmt::Format;
///
/// let text = b"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n";
/// let error = check(text, Format::PrometheusText).unwrap_err();
/// assert_eq!(error.kind, CheckErrorKind::HistogramRule(HistogramRule::MissingInfBucket));
/// assert_eq!(error.line, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckErrorKind {
    /// A line is not valid UTF-8.
    InvalidUtf8,
    /// A byte that the grammar does not allow here (including wrong whitespace).
    UnexpectedChar,
    /// The line ends where the grammar needs more (a value, a closing quote…).
    UnexpectedEndOfLine,
    /// 0.0.4: the last line has no final newline.
    MissingFinalNewline,
    /// OpenMetrics: a blank line.
    BlankLine,
    /// OpenMetrics: a comment other than `# HELP`, `# TYPE`, `# UNIT`, `# EOF`.
    UnknownComment,
    /// A backslash sequence the format does not define.
    InvalidEscape,
    /// A metric or label name that is not valid for the escaping in use.
    InvalidName,
    /// A label name starting with `__`, which Prometheus reserves (in a
    /// sample's or an exemplar's label set).
    ReservedLabelName,
    /// A sample or exemplar value that is not a number of the format.
    InvalidValue,
    /// A timestamp that is not valid for the format.
    InvalidTimestamp,
    /// An unknown type after `# TYPE <name>`.
    InvalidMetricType,
    /// The same label name twice in one label set.
    DuplicateLabel,
    /// A series (name and label set) repeated without increasing timestamps.
    DuplicateSeries,
    /// A family's lines are not contiguous (the name appears again later).
    InterleavedFamily,
    /// OpenMetrics: the samples of one label set are not contiguous.
    InterleavedMetric,
    /// A sample named like the current family but without a suffix its type
    /// requires (an OpenMetrics counter `a` sample instead of `a_total`, an
    /// info sample without `_info`, a 0.0.4 histogram sample without `_bucket`…).
    InvalidSampleName,
    /// A family name collides with a name another family uses or generates.
    ClashingName,
    /// A second `# HELP`, `# TYPE` or `# UNIT` for one family.
    DuplicateMetadata,
    /// A `# HELP`, `# TYPE` or `# UNIT` after the family's first sample.
    MetadataAfterSamples,
    /// A `# UNIT` that is not a `_<unit>` suffix of the family name.
    UnitNotSuffix,
    /// A `# UNIT` on an `info` or `stateset` family.
    UnitNotAllowed,
    /// OpenMetrics: the exposition does not end with `# EOF`.
    MissingEof,
    /// OpenMetrics: anything after `# EOF`.
    TextAfterEof,
    /// A counter value that is negative or NaN.
    InvalidCounter,
    /// A histogram or gauge histogram rule is broken.
    HistogramRule(HistogramRule),
    /// A label the type requires is missing (`quantile` in a summary, the
    /// state label of a stateset, `le` of a bucket).
    MissingLabel,
    /// A `le` or `quantile` label where the type does not allow it, or with a
    /// value that is not a valid bound.
    InvalidBoundLabel,
    /// A value the type does not allow (negative or NaN summary parts, an
    /// info value other than 1, a stateset value other than 0 or 1).
    ValueNotAllowed,
    /// OpenMetrics: timestamps of one metric go backwards.
    TimestampOutOfOrder,
    /// An exemplar where the format or the sample does not allow one.
    ExemplarNotAllowed,
    /// Exemplar label names and values exceed 128 code points.
    ExemplarTooLong,
    /// A bucket exemplar whose value is above the bucket's bound.
    ExemplarOutOfBucket,
}

/// A broken histogram or gauge histogram rule.
///
/// ```
/// use otel_expfmt::check::HistogramRule;
/// assert_eq!(HistogramRule::NotCumulative.to_string(), "bucket values are not cumulative");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HistogramRule {
    /// No `le="+Inf"` bucket.
    MissingInfBucket,
    /// Buckets not in strictly ascending `le` order (or a bound repeated).
    BucketsOutOfOrder,
    /// A bucket value below the previous bucket's.
    NotCumulative,
    /// A bucket or count value that is negative, NaN or (OpenMetrics) not an integer.
    InvalidCount,
    /// `_count` (`_gcount`) differs from the `+Inf` bucket.
    CountMismatch,
    /// A `_sum` (`_gsum`) that is NaN or (unless bounds are negative) negative.
    InvalidSum,
    /// OpenMetrics: `_sum` without `_count`.
    SumWithoutCount,
    /// OpenMetrics: `_count` without `_sum`.
    CountWithoutSum,
    /// OpenMetrics: a histogram `_sum` while a bucket bound is negative.
    SumWithNegativeBucket,
}

impl fmt::Display for CheckErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CheckErrorKind as K;
        let text = match self {
            K::InvalidUtf8 => "invalid UTF-8",
            K::UnexpectedChar => "unexpected character",
            K::UnexpectedEndOfLine => "unexpected end of line",
            K::MissingFinalNewline => "missing final newline",
            K::BlankLine => "blank line",
            K::UnknownComment => "comment other than HELP, TYPE, UNIT or EOF",
            K::InvalidEscape => "unknown escape sequence",
            K::InvalidName => "invalid metric or label name",
            K::ReservedLabelName => "reserved label name",
            K::InvalidValue => "invalid value",
            K::InvalidTimestamp => "invalid timestamp",
            K::InvalidMetricType => "unknown metric type",
            K::DuplicateLabel => "duplicate label name",
            K::DuplicateSeries => "duplicate series",
            K::InterleavedFamily => "family lines are not contiguous",
            K::InterleavedMetric => "metric lines are not contiguous",
            K::InvalidSampleName => "sample name not valid for the family's type",
            K::ClashingName => "name clashes with another family",
            K::DuplicateMetadata => "second HELP, TYPE or UNIT for a family",
            K::MetadataAfterSamples => "metadata after the family's samples",
            K::UnitNotSuffix => "unit is not a suffix of the family name",
            K::UnitNotAllowed => "unit not allowed for this type",
            K::MissingEof => "missing # EOF",
            K::TextAfterEof => "text after # EOF",
            K::InvalidCounter => "counter value is negative or NaN",
            K::HistogramRule(rule) => return rule.fmt(f),
            K::MissingLabel => "label required by the type is missing",
            K::InvalidBoundLabel => "invalid le or quantile label",
            K::ValueNotAllowed => "value not allowed for this type",
            K::TimestampOutOfOrder => "timestamps go backwards",
            K::ExemplarNotAllowed => "exemplar not allowed here",
            K::ExemplarTooLong => "exemplar labels longer than 128 code points",
            K::ExemplarOutOfBucket => "exemplar value above the bucket bound",
        };
        f.write_str(text)
    }
}

impl fmt::Display for HistogramRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HistogramRule as H;
        f.write_str(match self {
            H::MissingInfBucket => "histogram has no +Inf bucket",
            H::BucketsOutOfOrder => "buckets are not in ascending le order",
            H::NotCumulative => "bucket values are not cumulative",
            H::InvalidCount => "bucket or count value is negative, NaN or not an integer",
            H::CountMismatch => "count differs from the +Inf bucket",
            H::InvalidSum => "sum is NaN or negative",
            H::SumWithoutCount => "sum without count",
            H::CountWithoutSum => "count without sum",
            H::SumWithNegativeBucket => "sum with a negative bucket bound",
        })
    }
}
