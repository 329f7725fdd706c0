//! Pieces shared by the fuzz targets: fuzzed options, fuzzed names and
//! values biased towards the interesting ones, and the output oracle.

use arbitrary::{Arbitrary, Unstructured};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use std::collections::HashSet;

use otel_expfmt::check::{check_with, Exposition, MetricType};
use otel_expfmt::{
    Config, EncodeStats, Escaping, ExponentialHistograms, Format, ResourceSelector,
    TranslationStrategy,
};

/// Names and texts that matter to the encoder: unit words, suffixes,
/// reserved labels, characters that need escaping, collisions after sanitizing.
const WORDS: &[&str] = &[
    "",
    "a",
    "a.b",
    "a/b",
    "a_b",
    "a-b",
    "le",
    "quantile",
    "_",
    "__",
    "__name__",
    "_total",
    "total",
    "jobs",
    "jobs_total",
    "jobs.total",
    "h",
    "h_bucket",
    "h_count",
    "h_sum",
    "h_created",
    "c_created",
    "target",
    "target_info",
    "otel_scope_name",
    "otel.scope.name",
    "name",
    "version",
    "schema_url",
    "trace_id",
    "span_id",
    "2xx",
    "9",
    ":",
    "a:b",
    "ü",
    "Ωmega.ünit",
    "\u{1F600}",
    "\"",
    "\\",
    "\n",
    "a\"b\\c\nd",
    "U__a",
    "_dot_",
    "seconds",
    "bytes_per_second",
    "s",
    "ms",
    "By",
    "KiBy",
    "By/s",
    "{request}",
    "{packet}/s",
    "1",
    "%",
    "Cel",
    "m/s",
    "k{b}",
    "foo_seconds",
    "NaN",
    "+Inf",
    " ",
    "\t",
    "#",
    "# EOF",
    "{",
    "}",
    "=",
    ",",
];

/// A string: mostly from [`WORDS`], sometimes concatenated, sometimes raw.
#[derive(Debug, Clone)]
pub struct Text(pub String);

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let s = match u.int_in_range(0u8..=7)? {
            0..=3 => (*u.choose(WORDS)?).to_string(),
            4 | 5 => {
                let n = u.int_in_range(1u8..=4)?;
                let mut s = String::new();
                for _ in 0..n {
                    s.push_str(u.choose(WORDS)?);
                    if u.arbitrary()? {
                        s.push(*u.choose(&['.', '_', '/', '-', ' ', ':'])?);
                    }
                }
                s
            }
            6 => {
                let len = u.int_in_range(0usize..=300)?;
                let c: char = u.arbitrary()?;
                std::iter::repeat_n(c, len).collect()
            }
            _ => u.arbitrary::<String>()?,
        };
        Ok(Text(s))
    }
}

/// A float biased towards the edges.
pub fn float(u: &mut Unstructured<'_>) -> arbitrary::Result<f64> {
    const EDGES: &[f64] = &[
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        1e-300,
        5e-324,
        -5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1e21,
        1e-7,
        123456789.0,
        9007199254740993.0,
        18446744073709551615.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.1,
        100000.0,
        1e6,
    ];
    if u.arbitrary()? {
        Ok(*u.choose(EDGES)?)
    } else {
        Ok(f64::from_bits(u.arbitrary()?))
    }
}

/// An attribute value of any type.
#[derive(Debug, Clone)]
pub struct Val(pub Value);

impl<'a> Arbitrary<'a> for Val {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let v = match u.int_in_range(0u8..=8)? {
            0..=3 => Value::String(Text::arbitrary(u)?.0.into()),
            4 => Value::Bool(u.arbitrary()?),
            5 => Value::I64(u.arbitrary()?),
            6 => Value::F64(float(u)?),
            7 => {
                let n = u.int_in_range(0usize..=3)?;
                match u.int_in_range(0u8..=3)? {
                    0 => Value::Array(Array::Bool(
                        (0..n).map(|_| u.arbitrary()).collect::<Result<_, _>>()?,
                    )),
                    1 => Value::Array(Array::I64(
                        (0..n).map(|_| u.arbitrary()).collect::<Result<_, _>>()?,
                    )),
                    2 => Value::Array(Array::F64(
                        (0..n).map(|_| float(u)).collect::<Result<_, _>>()?,
                    )),
                    _ => Value::Array(Array::String(
                        (0..n)
                            .map(|_| Ok(StringValue::from(Text::arbitrary(u)?.0)))
                            .collect::<Result<_, _>>()?,
                    )),
                }
            }
            _ => Value::String(String::new().into()),
        };
        Ok(Val(v))
    }
}

/// A list of attributes, at most `max` long.
pub fn attributes(u: &mut Unstructured<'_>, max: usize) -> arbitrary::Result<Vec<KeyValue>> {
    let n = u.int_in_range(0..=max)?;
    (0..n)
        .map(|_| Ok(KeyValue::new(Text::arbitrary(u)?.0, Val::arbitrary(u)?.0)))
        .collect()
}

/// Encoder options, escaping scheme and format order, all fuzzed.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: Config,
    pub escaping: Escaping,
    /// Resource attributes are copied onto every series.
    pub resource_labels: bool,
}

impl Options {
    /// Leaves out what hits a known, reported bug, so that fuzzing goes on
    /// finding new ones: a resource attribute `le` copied onto histogram
    /// series is not renamed to `exported_le` (tests/regressions.rs,
    /// `resource_attribute_le_on_histograms`).
    pub fn known_bugs_filter(&self, resource: &mut Vec<KeyValue>) {
        if self.resource_labels {
            resource.retain(|kv| kv.key.as_str() != "le");
        }
    }
}

impl<'a> Arbitrary<'a> for Options {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let flags: u16 = u.arbitrary()?;
        let bit = |i: u32| flags & (1 << i) != 0;
        let mut config = Config::default();
        config = config.with_translation_strategy(*u.choose(&[
            TranslationStrategy::UnderscoreEscapingWithSuffixes,
            TranslationStrategy::UnderscoreEscapingWithoutSuffixes,
            TranslationStrategy::NoUtf8EscapingWithSuffixes,
            TranslationStrategy::NoTranslation,
        ])?);
        if bit(0) {
            config = config.without_units();
        }
        if bit(1) {
            config = config.without_counter_suffixes();
        }
        if bit(2) {
            config = config.without_target_info();
        }
        if bit(3) {
            config = config.without_scope_info();
        }
        if bit(4) {
            config = config.with_exemplars(false);
        }
        if bit(5) {
            config = config.with_created_timestamps(true);
        }
        if bit(6) {
            config = config.with_exponential_histograms(ExponentialHistograms::Drop);
        }
        if bit(7) {
            config = config.with_resource_selector(ResourceSelector::All);
        }
        if bit(8) {
            config = config.with_namespace(Text::arbitrary(u)?.0);
        }
        let escaping = *u.choose(&[
            Escaping::Underscores,
            Escaping::AllowUtf8,
            Escaping::Dots,
            Escaping::Values,
        ])?;
        Ok(Options {
            config,
            escaping,
            resource_labels: bit(7),
        })
    }
}

/// Every format.
pub const FORMATS: [Format; 3] = [
    Format::PrometheusText,
    Format::OpenMetrics,
    Format::PrometheusProtobuf,
];

/// The oracle for one encoder output: the strict checker accepts it, the
/// stats agree with it, and encoding again gives the same bytes.
pub fn assert_valid(
    out: &[u8],
    again: &[u8],
    stats: &EncodeStats,
    format: Format,
    escaping: Escaping,
) {
    let text = String::from_utf8_lossy(out);
    if let Err(e) = check_with(out, format, escaping) {
        panic!("checker rejects {format:?}/{escaping:?} output: {e}\n{text}");
    }
    assert_eq!(out, again, "second encoding differs");
    assert_eq!(stats.bytes, out.len() as u64, "stats.bytes");
    let exposition = check_with(out, format, escaping).expect("checked above");
    assert_eq!(
        stats.families,
        exposition.families.len() as u64,
        "stats.families vs families written\n{text}"
    );
    assert_eq!(
        stats.series,
        series_written(&exposition),
        "stats.series vs series written\n{text}"
    );
}

/// Series in a parsed exposition: a histogram's samples with one label set
/// (without `le`) are one series; `_created` samples belong to their series.
pub fn series_written(exposition: &Exposition) -> u64 {
    let mut n = 0;
    for family in &exposition.families {
        let mut seen = HashSet::new();
        for sample in &family.samples {
            if family.kind == MetricType::Counter
                && sample.name == format!("{}_created", family.name)
            {
                continue;
            }
            let labels: Vec<_> = sample
                .labels
                .iter()
                .filter(|(name, _)| family.kind != MetricType::Histogram || name != "le")
                .collect();
            if family.kind != MetricType::Histogram || seen.insert(format!("{labels:?}")) {
                n += 1;
            }
        }
    }
    n
}
