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
    /// A rule of the protobuf exposition is broken.
    Protobuf(ProtobufRule),
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

/// A broken rule of the Prometheus protobuf exposition (see
/// [`check_protobuf`](super::check_protobuf)).
///
/// ```
/// use otel_expfmt::check::ProtobufRule;
/// assert_eq!(ProtobufRule::Truncated.to_string(), "input ends inside a frame or field");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtobufRule {
    /// The input ends inside a frame, a field or a packed value.
    Truncated,
    /// A frame's length varint is longer than 5 bytes (Prometheus' limit).
    FrameLengthTooLong,
    /// A varint longer than 10 bytes or above 64 bits.
    VarintTooLong,
    /// A tag with field number 0 or above 2^29 - 1, or a wire type that is
    /// not varint, 64-bit, length-delimited or 32-bit (groups included).
    InvalidTag,
    /// A known field with another wire type than the schema's.
    WrongWireType,
    /// A field number the schema does not have (Prometheus would skip it;
    /// refused because an encoder of this schema never writes one).
    UnknownField,
    /// A singular field, or a second value message of one kind, written
    /// twice (a decoder would keep the last or merge them).
    DuplicateField,
    /// An integer that does not fit its 32-bit field (`int32`, `sint32`,
    /// `uint32`), or an absolute bucket count above 64 bits.
    IntegerOutOfRange,
    /// A family without metrics (Prometheus skips it).
    EmptyFamily,
    /// A second family of the same name.
    DuplicateFamily,
    /// A metric without exactly one value message, or with one that does not
    /// match the family's type.
    ValueTypeMismatch,
    /// A metric with `timestamp_ms`: pull exporters must not set timestamps.
    TimestampMs,
    /// Float counts in a histogram (`sample_count_float`, `zero_count_float`,
    /// `positive_count`, `negative_count`, `cumulative_count_float`).
    FloatCounts,
    /// Classic buckets in a native histogram, or a field only native
    /// histograms use in a classic one.
    MixedHistogram,
    /// A native histogram schema outside `-4..=8`.
    SchemaOutOfRange,
    /// A zero threshold that is negative, NaN or infinite.
    InvalidZeroThreshold,
    /// Span lengths of one side do not add up to its number of deltas.
    SpanDeltaMismatch,
    /// A span after the first with a negative offset.
    NegativeSpanOffset,
    /// A bucket whose absolute count (the running sum of deltas) is negative.
    NegativeBucketCount,
    /// A bucket index outside the 32-bit range.
    BucketIndexOutOfRange,
    /// A native histogram count that differs from its zero count plus its
    /// buckets (or is below them when the sum is NaN).
    NativeCountMismatch,
    /// A native histogram without deltas, zero count or zero threshold:
    /// Prometheus 2.40 to 2.46 would read it as a classic histogram.
    NativeLooksClassic,
    /// A native histogram exemplar without a timestamp.
    ExemplarWithoutTimestamp,
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
            K::Protobuf(rule) => return rule.fmt(f),
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

impl fmt::Display for ProtobufRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProtobufRule as P;
        f.write_str(match self {
            P::Truncated => "input ends inside a frame or field",
            P::FrameLengthTooLong => "frame length longer than 5 bytes",
            P::VarintTooLong => "varint longer than 64 bits",
            P::InvalidTag => "invalid field number or wire type",
            P::WrongWireType => "wire type does not match the schema",
            P::UnknownField => "field not in the schema",
            P::DuplicateField => "singular field written twice",
            P::IntegerOutOfRange => "integer out of range for its field",
            P::EmptyFamily => "family without metrics",
            P::DuplicateFamily => "family name repeated",
            P::ValueTypeMismatch => "metric value does not match the family type",
            P::TimestampMs => "metric has a timestamp",
            P::FloatCounts => "histogram with float counts",
            P::MixedHistogram => "classic and native parts in one histogram",
            P::SchemaOutOfRange => "native histogram schema outside -4..8",
            P::InvalidZeroThreshold => "zero threshold negative or not finite",
            P::SpanDeltaMismatch => "span lengths differ from the number of deltas",
            P::NegativeSpanOffset => "span offset after the first is negative",
            P::NegativeBucketCount => "bucket count is negative",
            P::BucketIndexOutOfRange => "bucket index out of the 32-bit range",
            P::NativeCountMismatch => "count differs from zero count plus buckets",
            P::NativeLooksClassic => {
                "native histogram without deltas, zero count or zero threshold"
            }
            P::ExemplarWithoutTimestamp => "native histogram exemplar without timestamp",
        })
    }
}
