//! A strict, independent parser of the exposition formats: the crate's own oracle.
//!
//! [`check`] parses a Prometheus text 0.0.4 or OpenMetrics 1.0 exposition and
//! returns every family and sample it contains, or a [`CheckError`] with the
//! 1-based line and byte column of the first problem found. It is strict on
//! everything the two formats forbid, including what the usual independent
//! parsers let through (duplicate series, interleaved families, histogram and
//! counter rules). [`check_protobuf`] decodes and checks the Prometheus
//! protobuf exposition (with native histograms) into the same types. It
//! exists for tests and fuzzers; it is not tuned for speed.
//!
//! ```
//! use otel_expfmt::check::{check, MetricType};
//! use otel_expfmt::Format;
//!
//! let text = b"# TYPE jobs counter\njobs_total{queue=\"a\\\"b\"} 3 # {trace_id=\"ab\"} 1.5\n# EOF\n";
//! let exposition = check(text, Format::OpenMetrics).unwrap();
//! let family = &exposition.families[0];
//! assert_eq!((family.name.as_str(), family.kind), ("jobs", MetricType::Counter));
//! let sample = &family.samples[0];
//! assert_eq!(sample.labels, [("queue".to_string(), "a\"b".to_string())]);
//! assert_eq!(sample.value_text, "3");
//! assert_eq!(sample.exemplar.as_ref().unwrap().value, 1.5);
//!
//! let error = check(b"a 1\na 2\n", Format::PrometheusText).unwrap_err();
//! assert_eq!((error.line, error.column), (2, 1));
//! ```
//!
//! # Where the two formats differ
//!
//! * 0.0.4 tolerates blank lines, other `#` comments, blanks and tabs between
//!   tokens, a trailing comma in a label set and a missing `# EOF`; it needs a
//!   final newline, integer millisecond timestamps and has no exemplars.
//! * OpenMetrics follows its ABNF and the conformance suite: single spaces, no
//!   trailing whitespace, no blank lines, only `HELP`/`TYPE`/`UNIT`/`EOF`
//!   comments, `# EOF` last, and the per-type rules of the data model.
//!
//! Problems that only show once a group of lines is complete (a histogram
//! without a `+Inf` bucket, `_sum` without `_count`) are reported when the
//! group ends (at the offending line, or the group's first line); a syntax
//! error in a later line of an unfinished group wins.
//!
//! # Decisions where the sources leave room
//!
//! * Series identity: a label with an empty value is no label, as Prometheus
//!   drops such labels on ingestion and OpenMetrics treats an empty value as
//!   if the label was not present. `m{a="",b="x"}` and `m{b="x"}` are one
//!   series, and one metric wherever label sets are compared (duplicates,
//!   metric points, histogram and summary groups). Samples keep the empty
//!   label as written.
//! * Duplicate series: 0.0.4 rejects any repeat of a name and label set (label
//!   order irrelevant), timestamps or not. OpenMetrics allows a repeat only as
//!   a new metric point: both samples timestamped, not going backwards (the
//!   suite accepts equal timestamps), so `a 1` / `a 2` is rejected.
//! * Reserved label names: a label name starting with `__` is rejected in
//!   both formats, quoted or not, in samples and exemplars (Prometheus
//!   reserves them for internal use; Python's client rejects them). A
//!   single leading `_` is accepted: OpenMetrics 1.0 reserves label names
//!   beginning with an underscore, but its ABNF admits them, no conformance
//!   case rejects one, and Prometheus ingests them as ordinary labels.
//! * Metric points: in OpenMetrics the samples of one label set must be
//!   contiguous; 0.0.4 only requires families to be contiguous.
//! * Names: a family whose name, or a sample name it reads (`h_bucket`,
//!   `c_total`, OpenMetrics `c_created`), reappears after another family is
//!   [`CheckErrorKind::InterleavedFamily`] or [`CheckErrorKind::ClashingName`].
//! * Escapes: 0.0.4 HELP accepts only `\\` and `\n` (as Prometheus 2.x
//!   does); label values and quoted names `\\`, `\"`, `\n`. OpenMetrics
//!   accepts `\\`, `\"`, `\n` in every escaped string (label values, HELP,
//!   quoted names) and a raw `"` in HELP. Its ABNF also admits a backslash
//!   before any other character (`BS normal-char`), but its text says a single
//!   backslash SHOULD NOT be used for undefined escape sequences: the checker
//!   rejects them ([`CheckErrorKind::InvalidEscape`]), and so disagrees with
//!   the three conformance cases that use one (`escaping`, `help_escaping`,
//!   `label_escaping`).
//! * Numbers: decimals plus `Inf`/`Infinity`/`NaN` in any case with an
//!   optional sign on infinities (Go's `ParseFloat`, and RFC 5234 strings are
//!   case-insensitive); no hexadecimal, no underscores. 0.0.4 rejects
//!   out-of-range decimals like Go. OpenMetrics timestamps are finite
//!   decimals; 0.0.4 timestamps are `int64` milliseconds.
//! * `le` in OpenMetrics is a finite decimal or exactly `+Inf` (the suite
//!   rejects `+INF`); non-canonical forms such as `1` or `1e-04` pass.
//! * OpenMetrics counters reject negative and NaN values (0.0.4 has no rule
//!   on a counter's value, like its histogram sums). Histogram bucket
//!   and count values must be non-negative, and in OpenMetrics whole numbers;
//!   counts are compared exactly when written as integers. A 0.0.4 histogram
//!   may have a negative `_sum` and `_sum` without `_count`.
//! * A bucket exemplar must not exceed the bucket's `le` (the suite's own
//!   valid cases put `0.5` in the `(1, 2]` bucket, so the lower bound is not
//!   checked).
//! * A truncated `# HELP` / `# TYPE a` line is an error in 0.0.4 (the format
//!   requires the tokens; Go silently ignores it); a final line of only blanks
//!   without a newline is accepted (as Go does).

use crate::{Escaping, Format};

mod family;
mod lex;
mod line;
mod native;
mod proto;
mod rules;

pub use native::{NativeHistogram, Timestamp};

/// Parses `input` in `format`, accepting only legacy (unquoted) names.
///
/// Same as [`check_with`] with [`Escaping::Underscores`].
///
/// ```
/// use otel_expfmt::check::{check, CheckErrorKind};
/// use otel_expfmt::Format;
///
/// assert!(check(b"# EOF\n", Format::OpenMetrics).is_ok());
/// let error = check(b"a 1\n", Format::OpenMetrics).unwrap_err();
/// assert_eq!(error.kind, CheckErrorKind::MissingEof);
/// ```
pub fn check(input: &[u8], format: Format) -> Result<Exposition, CheckError> {
    check_with(input, format, Escaping::Underscores)
}

/// Parses `input` in `format`; names must be valid for `escaping`.
/// [`Format::PrometheusProtobuf`] goes to [`check_protobuf`].
///
/// With [`Escaping::AllowUtf8`] metric and label names may also be quoted, in
/// either format: `{"my.metric","a.b"="x"} 1` and `# TYPE "my.metric" gauge`.
/// With every other scheme all names must be legacy names.
///
/// ```
/// use otel_expfmt::check::{check_with, CheckErrorKind};
/// use otel_expfmt::{Escaping, Format};
///
/// let text = b"# TYPE \"my.metric\" gauge\n{\"my.metric\",\"a.b\"=\"x\"} 1\n";
/// let exposition = check_with(text, Format::PrometheusText, Escaping::AllowUtf8).unwrap();
/// assert_eq!(exposition.families[0].samples[0].name, "my.metric");
/// let error = check_with(text, Format::PrometheusText, Escaping::Underscores).unwrap_err();
/// assert_eq!((error.line, error.column, error.kind), (1, 8, CheckErrorKind::InvalidName));
/// ```
pub fn check_with(
    input: &[u8],
    format: Format,
    escaping: Escaping,
) -> Result<Exposition, CheckError> {
    if format == Format::PrometheusProtobuf {
        return check_protobuf(input, escaping);
    }
    let om = matches!(format, Format::OpenMetrics);
    let utf8 = matches!(escaping, Escaping::AllowUtf8);
    let mut state = family::State::new(om);
    let mut rest = input;
    let mut lineno = 0usize;
    let mut saw_eof = false;
    while !rest.is_empty() {
        lineno += 1;
        let (raw, terminated, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        rest = next;
        let text = std::str::from_utf8(raw).map_err(|e| {
            CheckError::new(lineno, e.valid_up_to() + 1, CheckErrorKind::InvalidUtf8)
        })?;
        let parsed = line::parse(text, lineno, om, utf8)?;
        if let line::Line::Eof = parsed {
            if !rest.is_empty() {
                return Err(CheckError::new(lineno + 1, 1, CheckErrorKind::TextAfterEof));
            }
            saw_eof = true;
            break;
        }
        // 0.0.4 (like Go's parser) accepts a last line of only blanks
        // without a newline, but nothing else.
        let blank_tail = !om && raw.iter().all(|&b| b == b' ' || b == b'\t');
        state.feed(parsed, lineno)?;
        if !terminated && !blank_tail {
            state.finish()?;
            let kind = if om {
                CheckErrorKind::MissingEof
            } else {
                CheckErrorKind::MissingFinalNewline
            };
            return Err(CheckError::new(lineno, raw.len() + 1, kind));
        }
    }
    let families = state.finish()?;
    if om && !saw_eof {
        return Err(CheckError::new(lineno + 1, 1, CheckErrorKind::MissingEof));
    }
    Ok(Exposition { families })
}

/// Decodes and checks a Prometheus protobuf exposition (`Content-Type:
/// application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
/// encoding=delimited`); names must be valid for `escaping`.
///
/// The body is a sequence of frames, each a varint length (at most 5 bytes,
/// as Prometheus reads it) and that many bytes of one `MetricFamily` message
/// of client_model's `io/prometheus/client/metrics.proto`. Every message is
/// decoded by hand and checked against that schema, then against what
/// Prometheus checks on ingestion (among them: a non-empty unit must be a
/// `_<unit>` suffix of the family name, before `_total` for a counter), then
/// flattened the way Prometheus ingests it, into the same [`Exposition`] the
/// text formats give:
///
/// * a family keeps its name as written (a counter `jobs_total`), its type,
///   and `help` and `unit` when the fields are present;
/// * a counter, gauge or untyped metric is one sample named like the family;
///   a counter's exemplar and created timestamp go on it;
/// * a summary gives `name{quantile="q"}` samples, `name_sum` and
///   `name_count`;
/// * a classic histogram (also a gauge histogram, as Prometheus names its
///   series) gives `name_bucket` samples with an `le` label appended, plus a
///   `+Inf` bucket from `sample_count` when the last bucket is not `+Inf`
///   (as Prometheus does), then `name_sum` and `name_count`; a bucket's
///   exemplar goes on its `_bucket` sample;
/// * a native histogram is one sample named like the family whose
///   [`Sample::native`] holds it (buckets as absolute counts by index); its
///   `value` and `value_text` are its count;
/// * [`Sample::created`] holds the metric's created timestamp, on every
///   sample it gives.
///
/// Texts: label values as written (no escaping exists in protobuf). A
/// double's `value_text` (and an `le` or `quantile` label) is `NaN`, `+Inf`,
/// `-Inf` or the shortest decimal that reads back as the same `f64`, in
/// Rust's `Debug` form (`1.0`, `0.25`, `1e-7`; Prometheus writes `1e-07`, so
/// compare bounds as numbers); an integer count's is its exact decimal.
///
/// An error's [`CheckError::line`] is the 1-based index of the
/// `MetricFamily` message (frame) where the problem is, and its
/// [`CheckError::column`] the 1-based byte offset, in the whole input, of
/// the field (its tag) or frame (its length) the problem concerns: for a
/// truncated, malformed or unexpected field, that field; for a rule on a
/// whole metric or histogram, its field in the enclosing message.
///
/// Strictness beyond what Prometheus rejects, because an encoder of this
/// schema for a pull exporter never writes these: unknown field numbers
/// (Prometheus skips them), a singular field written twice, a family without
/// metrics (Prometheus skips it), `timestamp_ms` on a metric, float counts in
/// histograms (Prometheus 2.42 reads a float-only histogram as a classic one
/// with count 0), classic buckets and native fields in one histogram (or a
/// native-only field, exemplars included, in a classic one), a native
/// histogram without deltas, zero count and zero threshold (Prometheus 2.40
/// to 2.46 read it as classic: an empty native histogram needs a zero
/// threshold above 0), a classic bucket bound of `-Inf` (bounds must rise
/// from it), a bucket exemplar above its bucket's bound. Label sets follow
/// the text checker's identity (an empty value is no label) and reserved
/// names (`__` prefix). A counter may be negative or NaN and an exemplar
/// value any double, as Prometheus stores them.
///
/// ```
/// use otel_expfmt::check::{check_protobuf, CheckErrorKind, MetricType, ProtobufRule};
/// use otel_expfmt::Escaping;
///
/// // One gauge family `g` with one metric of value 1.5.
/// let body = [
///     18, // frame length
///     0x0a, 1, b'g', // name
///     0x18, 1, // type: GAUGE
///     0x22, 11, 0x12, 9, 0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // metric { gauge { value } }
/// ];
/// let exposition = check_protobuf(&body, Escaping::Underscores).unwrap();
/// let family = &exposition.families[0];
/// assert_eq!((family.name.as_str(), family.kind), ("g", MetricType::Gauge));
/// assert_eq!(family.samples[0].value_text, "1.5");
///
/// let error = check_protobuf(&body[..10], Escaping::Underscores).unwrap_err();
/// assert_eq!(error.kind, CheckErrorKind::Protobuf(ProtobufRule::Truncated));
/// assert_eq!((error.line, error.column), (1, 1));
/// ```
pub fn check_protobuf(input: &[u8], escaping: Escaping) -> Result<Exposition, CheckError> {
    proto::check(input, matches!(escaping, Escaping::AllowUtf8))
}

/// Everything a valid exposition contains, in written order.
///
/// ```
/// use otel_expfmt::check::check;
/// use otel_expfmt::Format;
///
/// let exposition = check(b"a 1\nb 2\n", Format::PrometheusText).unwrap();
/// assert_eq!(exposition.families.len(), 2);
/// assert_eq!(exposition.family("b").unwrap().samples[0].value, 2.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Exposition {
    /// The families, in the order they appear.
    pub families: Vec<Family>,
}

impl Exposition {
    /// The first family called `name`, if any.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// All samples of all families, in written order.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.families.iter().flat_map(|f| f.samples.iter())
    }
}

/// One metric family: its metadata and its samples.
///
/// In 0.0.4 the family name is the full `# TYPE` name (`jobs_total` for a
/// counter); in OpenMetrics it is the name without the type's suffixes (`jobs`);
/// in protobuf it is `MetricFamily.name` (`jobs_total`).
/// Samples without metadata form one [`MetricType::Untyped`] family per name.
///
/// ```
/// use otel_expfmt::check::{check, MetricType};
/// use otel_expfmt::Format;
///
/// let text = b"# TYPE h histogram\n# HELP h Latency.\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5\nh_count 2\n";
/// let family = &check(text, Format::PrometheusText).unwrap().families[0];
/// assert_eq!(family.kind, MetricType::Histogram);
/// assert_eq!(family.help.as_deref(), Some("Latency."));
/// assert_eq!(family.samples.len(), 3);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Family {
    /// The family name (unquoted).
    pub name: String,
    /// The `# TYPE`, or [`MetricType::Untyped`] when there is none.
    pub kind: MetricType,
    /// The unescaped `# HELP` text; `Some("")` when written empty.
    pub help: Option<String>,
    /// The `# UNIT` (OpenMetrics only); `Some("")` when written empty.
    pub unit: Option<String>,
    /// The samples, in written order.
    pub samples: Vec<Sample>,
}

/// A family's type.
///
/// ```
/// use otel_expfmt::check::MetricType;
/// assert_eq!(MetricType::GaugeHistogram.as_str(), "gaugehistogram");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `gaugehistogram` (OpenMetrics only).
    GaugeHistogram,
    /// `summary`.
    Summary,
    /// `info` (OpenMetrics only).
    Info,
    /// `stateset` (OpenMetrics only).
    StateSet,
    /// `unknown` (OpenMetrics only).
    Unknown,
    /// `untyped` in 0.0.4, or a family without `# TYPE` in either format.
    Untyped,
}

impl MetricType {
    /// The keyword as written after `# TYPE <name>`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
            MetricType::Untyped => "untyped",
        }
    }
}

/// One sample line.
///
/// ```
/// use otel_expfmt::check::check;
/// use otel_expfmt::Format;
///
/// let exposition = check(b"a{x=\"1\\n2\"} 1e+06 123\n", Format::PrometheusText).unwrap();
/// let sample = &exposition.families[0].samples[0];
/// assert_eq!(sample.labels, [("x".to_string(), "1\n2".to_string())]);
/// assert_eq!((sample.value, sample.value_text.as_str()), (1e6, "1e+06"));
/// assert_eq!(sample.timestamp, Some(123.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Sample {
    /// The sample name, with its suffix (`jobs_total`, `h_bucket`), unquoted.
    pub name: String,
    /// Label names and unescaped values, in written order.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// The value exactly as written, so integers can be compared exactly.
    pub value_text: String,
    /// The timestamp as written: milliseconds in 0.0.4, seconds in
    /// OpenMetrics (never in protobuf, where `timestamp_ms` is refused).
    pub timestamp: Option<f64>,
    /// The exemplar (OpenMetrics, and the protobuf exposition's counters and
    /// classic buckets).
    pub exemplar: Option<Exemplar>,
    /// Protobuf only: the native histogram this sample carries (its `value`
    /// is then the histogram's count).
    pub native: Option<NativeHistogram>,
    /// Protobuf only: the created (start) timestamp of the counter, summary
    /// or histogram this sample comes from, exactly as written.
    pub created: Option<Timestamp>,
}

/// An OpenMetrics exemplar: `# {labels} value [timestamp]` after a sample.
///
/// ```
/// use otel_expfmt::check::check;
/// use otel_expfmt::Format;
///
/// let text = b"# TYPE c counter\nc_total 1 # {trace_id=\"7\"} 0.5 1700000000.5\n# EOF";
/// let exemplar = check(text, Format::OpenMetrics).unwrap().families[0].samples[0]
///     .exemplar.clone().unwrap();
/// assert_eq!(exemplar.labels, [("trace_id".to_string(), "7".to_string())]);
/// assert_eq!((exemplar.value_text.as_str(), exemplar.timestamp), ("0.5", Some(1700000000.5)));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Exemplar {
    /// Label names and unescaped values, in written order.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// The value exactly as written.
    pub value_text: String,
    /// The timestamp in seconds, if written.
    pub timestamp: Option<f64>,
    /// Protobuf only: the timestamp exactly as written.
    pub exact_timestamp: Option<Timestamp>,
}

/// The first problem found, with its position.
///
/// ```
/// use otel_expfmt::check::{check, CheckErrorKind};
/// use otel_expfmt::Format;
///
/// let error = check(b"a{x=\"\\q\"} 1\n", Format::PrometheusText).unwrap_err();
/// assert_eq!((error.line, error.column, error.kind), (1, 6, CheckErrorKind::InvalidEscape));
/// assert_eq!(error.to_string(), "line 1, column 6: unknown escape sequence");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CheckError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in bytes.
    pub column: usize,
    /// What is wrong.
    pub kind: CheckErrorKind,
}

impl CheckError {
    pub(crate) const fn new(line: usize, column: usize, kind: CheckErrorKind) -> Self {
        CheckError { line, column, kind }
    }
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.kind
        )
    }
}

impl std::error::Error for CheckError {}

mod kinds;
pub use kinds::{CheckErrorKind, HistogramRule, ProtobufRule};
