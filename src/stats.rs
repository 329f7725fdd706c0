//! What one call to `encode` wrote, dropped and renamed.

macro_rules! reasons {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $v,)* }
        impl $name {
            /// Every reason, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v,)*];
            const COUNT: usize = [$($name::$v,)*].len();
        }
    };
}

reasons! {
    /// Why something recorded was not written. Unless a variant says
    /// otherwise, the count is in data points (series).
    DropReason {
        /// Delta-temporality data cannot be exposed by a pull format; the reader
        /// asks for cumulative data, so this only happens with other producers.
        DeltaTemporality,
        /// The metric's name translated to an empty name.
        InvalidName,
        /// Another metric with the same final name but a different type was
        /// kept (the one whose type sorts first: counter, gauge, histogram).
        TypeConflict,
        /// The family name clashes with a sample name of another family, in
        /// every format (`foo_count` next to histogram `foo`; in OpenMetrics
        /// also counter `jobs_total` next to gauge `jobs`, and `_created`
        /// samples). The earlier name in sort order is kept.
        NameClash,
        /// A series with the same name and labels was already written (e.g. two
        /// scopes with the same instrument while scope labels are off).
        DuplicateSeries,
        /// An exponential histogram, with [`ExponentialHistograms::Drop`](crate::ExponentialHistograms::Drop).
        ExponentialHistogram,
        /// OpenMetrics only: a counter value that is NaN or negative (OpenMetrics forbids it).
        InvalidCounterValue,
        /// OpenMetrics only: a histogram's `_sum` and `_count` samples were left
        /// out because a bucket bound is negative or the sum is NaN or negative
        /// (OpenMetrics 1.0 forbids them then). Counted per data point; buckets are kept.
        HistogramSumAndCount,
        /// An exemplar was not written: text 0.0.4, exemplars disabled, a
        /// metric type that cannot carry one, a non-finite value, a time the
        /// format cannot hold, or not the latest of its series or bucket
        /// (those carry one each). Counted per exemplar.
        Exemplar,
        /// A filtered attribute of an exemplar was left out to stay within the
        /// OpenMetrics 128-character budget. Counted per attribute.
        ExemplarAttribute,
        /// A description that differs from the one of the same family was not
        /// written (one HELP per family). Counted per metric.
        ConflictingHelp,
        /// A unit that differs from the one of the same family was not written
        /// (one UNIT per family). Counted per metric.
        ConflictingUnit,
        /// A scope attribute whose label would replace `otel_scope_name`,
        /// `otel_scope_version` or `otel_scope_schema_url` (an attribute named
        /// `name`, `version` or `schema_url`): the specification drops it.
        /// Counted per scope attribute.
        ScopeAttribute,
        /// An exponential histogram point that cannot be a native histogram
        /// (Prometheus protobuf format): its scale is below -4, the coarsest
        /// native schema, its bucket indexes do not fit the format's 32 bits,
        /// or a bucket count exceeds 2^63 - 1 (counts travel as signed
        /// deltas). Counted per data point.
        NativeHistogram,
        /// A native histogram whose count was not its zero count plus its
        /// buckets, which Prometheus requires (the SDK counts a value that it
        /// could not fit in any bucket, for instance): the count of the
        /// buckets was written. Counted per data point.
        HistogramCount,
    }
}

reasons! {
    /// Why a name on the wire differs from the recorded one (beyond the
    /// documented unit and `_total` suffixes).
    RenameReason {
        /// A metric name was sanitized by the translation strategy. Counted per metric.
        MetricName,
        /// An attribute key was sanitized into a label name. Counted per series and key.
        LabelName,
        /// Several attributes mapped to one label name; their values were joined
        /// with `;`. Counted per series.
        LabelMerged,
        /// A reserved label name was avoided: a histogram attribute whose label
        /// name is `le` (the bucket bound) was written as `exported_le`, the way
        /// Prometheus renames clashing labels; a final label name starting
        /// with `_` (`_x`, `__name__`, or `____` made by escaping `ключ`) got
        /// the prefix `key`. Counted per series and label.
        ReservedLabel,
        /// The negotiated escaping scheme rewrote a name that is not
        /// legacy-valid. Counted per metric for metric names, per series and
        /// key for label names.
        Escaped,
    }
}

/// Counts of what one call to `encode` wrote, dropped and renamed, so that
/// nothing is lost silently.
///
/// ```
/// use otel_expfmt::{DropReason, EncodeStats};
/// let stats = EncodeStats::default();
/// assert_eq!(stats.dropped(DropReason::TypeConflict), 0);
/// assert_eq!(stats.dropped_total(), 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncodeStats {
    /// Metric families written (each with one TYPE line), `target_info` included.
    pub families: u64,
    /// Series (distinct name and label set, histograms counted once) written.
    pub series: u64,
    /// Bytes appended to the output.
    pub bytes: u64,
    dropped: [u64; DropReason::COUNT],
    renamed: [u64; RenameReason::COUNT],
}

impl EncodeStats {
    /// How many items were dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped[reason as usize]
    }

    /// The sum over every [`DropReason`].
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }

    /// How many items were renamed for `reason`.
    pub fn renamed(&self, reason: RenameReason) -> u64 {
        self.renamed[reason as usize]
    }

    /// The sum over every [`RenameReason`].
    pub fn renamed_total(&self) -> u64 {
        self.renamed.iter().sum()
    }

    pub(crate) fn drop(&mut self, reason: DropReason, n: u64) {
        self.dropped[reason as usize] += n;
    }

    pub(crate) fn rename(&mut self, reason: RenameReason, n: u64) {
        self.renamed[reason as usize] += n;
    }
}
