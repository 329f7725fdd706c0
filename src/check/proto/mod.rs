//! The Prometheus protobuf exposition: frames of `io.prometheus.client`
//! `MetricFamily` messages, decoded by hand and checked as Prometheus
//! ingests them, then flattened into the samples Prometheus would store.

use std::collections::{HashMap, HashSet};

use super::rules::canonical;
use super::{
    lex, CheckError, CheckErrorKind as K, Exemplar, Exposition, Family, HistogramRule as H,
    MetricType, NativeHistogram, ProtobufRule as P, Sample, Timestamp,
};

mod decode;
mod wire;

use decode::{Label, Stamp, Value};
use wire::Fault;

/// The code-point budget of an exemplar's label names and values.
const EXEMPLAR_MAX_CHARS: usize = 128;

/// The range of a `google.protobuf.Timestamp`: 0001-01-01T00:00:00Z to
/// 9999-12-31T23:59:59Z.
const SECONDS: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;

/// Decodes and checks a whole body; see `check_protobuf`.
pub(super) fn check(input: &[u8], utf8: bool) -> Result<Exposition, CheckError> {
    let mut families = Vec::new();
    // Names used so far: `true` for a family name, `false` for a sample
    // name a family generates (`h_bucket`).
    let mut claims = HashMap::new();
    let mut pos = 0;
    let mut index = 0;
    while pos < input.len() {
        index += 1;
        let at = |(offset, kind): Fault| CheckError::new(index, offset + 1, kind);
        let (start, end) = wire::frame(input, pos).map_err(at)?;
        let raw = decode::family(input, start, end).map_err(at)?;
        let family = Checker { utf8 }.family(raw, pos, &mut claims).map_err(at)?;
        families.push(family);
        pos = end;
    }
    Ok(Exposition { families })
}

type Out<T> = Result<T, Fault>;

/// The text of a double: `NaN`, `+Inf`, `-Inf`, or the shortest decimal that
/// reads back as the same `f64` (Rust's `Debug` form: `1.0`, `0.1`, `1e-7`).
fn float_text(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{value:?}")
    }
}

/// A count as a sample: its value and its exact decimal text.
fn count_sample(name: String, labels: Vec<(String, String)>, count: u64) -> Sample {
    // Documented: `value` is rounded above 2^53, `value_text` is exact.
    #[allow(clippy::cast_precision_loss)]
    let value = count as f64;
    Sample {
        name,
        labels,
        value,
        value_text: count.to_string(),
        timestamp: None,
        exemplar: None,
        native: None,
        created: None,
    }
}

fn float_sample(name: String, labels: Vec<(String, String)>, value: f64) -> Sample {
    Sample {
        name,
        labels,
        value,
        value_text: float_text(value),
        timestamp: None,
        exemplar: None,
        native: None,
        created: None,
    }
}

fn kind_of(value: i64) -> Option<MetricType> {
    Some(match value {
        0 => MetricType::Counter,
        1 => MetricType::Gauge,
        2 => MetricType::Summary,
        3 => MetricType::Untyped,
        4 => MetricType::Histogram,
        5 => MetricType::GaugeHistogram,
        _ => return None,
    })
}

/// The sample names a family of `kind` adds to its own name.
fn suffixes(kind: MetricType) -> &'static [&'static str] {
    match kind {
        MetricType::Histogram | MetricType::GaugeHistogram => &["_bucket", "_sum", "_count"],
        MetricType::Summary => &["_sum", "_count"],
        _ => &[],
    }
}

/// Whether the value message fits the family's type.
fn matches_kind(kind: MetricType, value: &Value) -> bool {
    matches!(
        (kind, value),
        (MetricType::Counter, Value::Counter(_))
            | (MetricType::Gauge, Value::Gauge(_))
            | (MetricType::Summary, Value::Summary(_))
            | (MetricType::Untyped, Value::Untyped(_))
            | (
                MetricType::Histogram | MetricType::GaugeHistogram,
                Value::Histogram(_)
            )
    )
}

/// Prometheus' rule: a unit must be a `_<unit>` suffix of the name, before
/// `_total` for a counter named so.
fn unit_is_suffix(name: &str, unit: &str, kind: MetricType) -> bool {
    let base = match name.strip_suffix("_total") {
        Some(base) if kind == MetricType::Counter => base,
        _ => name,
    };
    base.strip_suffix(unit)
        .is_some_and(|rest| rest.ends_with('_'))
}

fn stamp(s: Stamp) -> Out<Timestamp> {
    if (0..1_000_000_000).contains(&s.nanos) && SECONDS.contains(&s.seconds) {
        Ok(Timestamp::new(s.seconds, s.nanos))
    } else {
        Err((s.at, K::InvalidTimestamp))
    }
}

fn with(labels: &[(String, String)], name: &str, value: String) -> Vec<(String, String)> {
    let mut out = labels.to_vec();
    out.push((name.to_string(), value));
    out
}

#[derive(Clone, Copy)]
struct Checker {
    utf8: bool,
}

impl Checker {
    fn metric_name_ok(self, name: &str) -> bool {
        if self.utf8 {
            !name.is_empty()
        } else {
            lex::is_legacy_metric_name(name)
        }
    }

    /// Label names: valid for the escaping, not reserved, not repeated.
    fn labels(self, labels: Vec<Label>) -> Out<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(labels.len());
        for label in labels {
            let valid = if self.utf8 {
                !label.name.is_empty()
            } else {
                lex::is_legacy_label_name(&label.name)
            };
            if !valid {
                return Err((label.at, K::InvalidName));
            }
            if label.name.starts_with("__") {
                return Err((label.at, K::ReservedLabelName));
            }
            if out.iter().any(|(n, _)| *n == label.name) {
                return Err((label.at, K::DuplicateLabel));
            }
            out.push((label.name, label.value));
        }
        Ok(out)
    }

    fn exemplar(self, e: decode::Exemplar) -> Out<Exemplar> {
        let at = e.at;
        let labels = self.labels(e.labels)?;
        let chars: usize = labels
            .iter()
            .map(|(n, v)| n.chars().count() + v.chars().count())
            .sum();
        if chars > EXEMPLAR_MAX_CHARS {
            return Err((at, K::ExemplarTooLong));
        }
        let exact = e.timestamp.map(stamp).transpose()?;
        Ok(Exemplar {
            labels,
            value: e.value,
            value_text: float_text(e.value),
            timestamp: exact.map(Timestamp::as_secs_f64),
            exact_timestamp: exact,
        })
    }

    /// Checks one family and flattens it; `frame` is its frame's offset.
    fn family(
        self,
        raw: decode::Family,
        frame: usize,
        claims: &mut HashMap<String, bool>,
    ) -> Out<Family> {
        let (name_at, name) = raw.name.unwrap_or((frame, String::new()));
        if !self.metric_name_ok(&name) {
            return Err((name_at, K::InvalidName));
        }
        let kind = match raw.kind {
            None => MetricType::Counter,
            Some((at, value)) => kind_of(value).ok_or((at, K::InvalidMetricType))?,
        };
        if let Some((at, unit)) = &raw.unit {
            if !unit.is_empty() && !unit_is_suffix(&name, unit, kind) {
                return Err((*at, K::UnitNotSuffix));
            }
        }
        if raw.metrics.is_empty() {
            return Err((frame, K::Protobuf(P::EmptyFamily)));
        }
        match claims.get(&name) {
            Some(true) => return Err((name_at, K::Protobuf(P::DuplicateFamily))),
            Some(false) => return Err((name_at, K::ClashingName)),
            None => {}
        }
        let generated: Vec<String> = suffixes(kind)
            .iter()
            .map(|s| format!("{name}{s}"))
            .collect();
        if generated.iter().any(|g| claims.contains_key(g)) {
            return Err((name_at, K::ClashingName));
        }
        claims.insert(name.clone(), true);
        for g in generated {
            claims.insert(g, false);
        }

        let mut family = Family {
            name,
            kind,
            help: raw.help,
            unit: raw.unit.map(|(_, u)| u),
            samples: Vec::new(),
        };
        let mut seen = HashSet::new();
        for metric in raw.metrics {
            self.metric(metric, &mut family, &mut seen)?;
        }
        Ok(family)
    }

    fn metric(
        self,
        metric: decode::Metric,
        family: &mut Family,
        seen: &mut HashSet<String>,
    ) -> Out<()> {
        let kind = family.kind;
        let bound = match kind {
            MetricType::Histogram | MetricType::GaugeHistogram => Some("le"),
            MetricType::Summary => Some("quantile"),
            _ => None,
        };
        if let Some(label) = metric
            .labels
            .iter()
            .find(|l| bound == Some(l.name.as_str()))
        {
            return Err((label.at, K::InvalidBoundLabel));
        }
        let labels = self.labels(metric.labels)?;
        let mut values = metric.values.into_iter();
        let (value_at, value) = match (values.next(), values.next()) {
            (Some((at, value)), None) if matches_kind(kind, &value) => (at, value),
            (Some((at, _)), None) | (_, Some((at, _))) => {
                return Err((at, K::Protobuf(P::ValueTypeMismatch)))
            }
            (None, None) => return Err((metric.at, K::Protobuf(P::ValueTypeMismatch))),
        };
        if let Some(at) = metric.timestamp_ms {
            return Err((at, K::Protobuf(P::TimestampMs)));
        }
        if !seen.insert(canonical(labels.iter())) {
            return Err((metric.at, K::DuplicateSeries));
        }
        let name = family.name.clone();
        let out = &mut family.samples;
        match value {
            Value::Gauge(v) | Value::Untyped(v) => out.push(float_sample(name, labels, v)),
            Value::Counter(c) => {
                let mut sample = float_sample(name, labels, c.value);
                sample.exemplar = c.exemplar.map(|e| self.exemplar(e)).transpose()?;
                sample.created = c.created.map(stamp).transpose()?;
                out.push(sample);
            }
            Value::Summary(s) => self.summary(s, name, &labels, out)?,
            Value::Histogram(h) => self.histogram(*h, value_at, name, labels, out)?,
        }
        Ok(())
    }

    fn summary(
        self,
        s: decode::Summary,
        name: String,
        labels: &[(String, String)],
        out: &mut Vec<Sample>,
    ) -> Out<()> {
        let created = s.created.map(stamp).transpose()?;
        let first = out.len();
        let mut quantiles: Vec<f64> = Vec::new();
        for q in s.quantiles {
            if !(0.0..=1.0).contains(&q.quantile) {
                return Err((q.at, K::InvalidBoundLabel));
            }
            if quantiles.contains(&q.quantile) {
                return Err((q.at, K::DuplicateSeries));
            }
            quantiles.push(q.quantile);
            let labels = with(labels, "quantile", float_text(q.quantile));
            out.push(float_sample(name.clone(), labels, q.value));
        }
        out.push(float_sample(format!("{name}_sum"), labels.to_vec(), s.sum));
        out.push(count_sample(
            format!("{name}_count"),
            labels.to_vec(),
            s.count,
        ));
        for sample in out.iter_mut().skip(first) {
            sample.created = created;
        }
        Ok(())
    }

    fn histogram(
        self,
        h: decode::Histogram,
        at: usize,
        name: String,
        labels: Vec<(String, String)>,
        out: &mut Vec<Sample>,
    ) -> Out<()> {
        if let Some(float_at) = h.float_at {
            return Err((float_at, K::Protobuf(P::FloatCounts)));
        }
        if let Some(bucket) = h.buckets.iter().find(|b| b.count_float.is_some()) {
            return Err((
                bucket.count_float.unwrap_or(bucket.at),
                K::Protobuf(P::FloatCounts),
            ));
        }
        let created = h.created.map(stamp).transpose()?;
        let count_at = h.count.map_or(at, |(a, _)| a);
        let native = !h.positive.spans.is_empty()
            || !h.negative.spans.is_empty()
            || !h.positive.deltas.is_empty()
            || !h.negative.deltas.is_empty()
            || h.zero_count.is_some_and(|(_, c)| c > 0)
            || h.zero_threshold.is_some_and(|(_, t)| t > 0.0);
        let first = out.len();
        if native {
            let sample = self.native(h, at, count_at, name, labels)?;
            out.push(sample);
        } else {
            self.classic(h, count_at, name, labels, out)?;
        }
        for sample in out.iter_mut().skip(first) {
            sample.created = created;
        }
        Ok(())
    }

    fn classic(
        self,
        h: decode::Histogram,
        count_at: usize,
        name: String,
        labels: Vec<(String, String)>,
        out: &mut Vec<Sample>,
    ) -> Out<()> {
        if let Some(at) = h.native_at {
            return Err((at, K::Protobuf(P::MixedHistogram)));
        }
        let count = h.count.map_or(0, |(_, c)| c);
        let mut last: Option<(f64, u64)> = None;
        for b in h.buckets {
            if let Some((upper, cumulative)) = last {
                if b.upper.partial_cmp(&upper) != Some(std::cmp::Ordering::Greater) {
                    return Err((b.at, K::HistogramRule(H::BucketsOutOfOrder)));
                }
                if b.count < cumulative {
                    return Err((b.at, K::HistogramRule(H::NotCumulative)));
                }
            } else if b.upper.is_nan() || b.upper == f64::NEG_INFINITY {
                // Bounds rise from -Inf: a first bound of -Inf is empty.
                return Err((b.at, K::HistogramRule(H::BucketsOutOfOrder)));
            }
            last = Some((b.upper, b.count));
            let mut sample = count_sample(
                format!("{name}_bucket"),
                with(&labels, "le", float_text(b.upper)),
                b.count,
            );
            if let Some(e) = b.exemplar {
                let e_at = e.at;
                let exemplar = self.exemplar(e)?;
                if exemplar
                    .value
                    .partial_cmp(&b.upper)
                    .is_none_or(|o| o.is_gt())
                {
                    return Err((e_at, K::ExemplarOutOfBucket));
                }
                sample.exemplar = Some(exemplar);
            }
            out.push(sample);
        }
        match last {
            Some((upper, cumulative)) if upper == f64::INFINITY && cumulative != count => {
                return Err((count_at, K::HistogramRule(H::CountMismatch)));
            }
            Some((_, cumulative)) if cumulative > count => {
                return Err((count_at, K::HistogramRule(H::CountMismatch)));
            }
            Some((upper, _)) if upper == f64::INFINITY => {}
            // Prometheus adds the `+Inf` bucket from the count.
            _ => out.push(count_sample(
                format!("{name}_bucket"),
                with(&labels, "le", "+Inf".to_string()),
                count,
            )),
        }
        out.push(float_sample(format!("{name}_sum"), labels.clone(), h.sum));
        out.push(count_sample(format!("{name}_count"), labels, count));
        Ok(())
    }

    fn native(
        self,
        h: decode::Histogram,
        at: usize,
        count_at: usize,
        name: String,
        labels: Vec<(String, String)>,
    ) -> Out<Sample> {
        if let Some(bucket) = h.buckets.first() {
            return Err((bucket.at, K::Protobuf(P::MixedHistogram)));
        }
        let schema = h.schema.map_or(0, |(_, s)| s);
        if !(-4..=8).contains(&schema) {
            let schema_at = h.schema.map_or(at, |(a, _)| a);
            return Err((schema_at, K::Protobuf(P::SchemaOutOfRange)));
        }
        let zero_threshold = h.zero_threshold.map_or(0.0, |(_, t)| t);
        if !(zero_threshold >= 0.0 && zero_threshold.is_finite()) {
            let zt_at = h.zero_threshold.map_or(at, |(a, _)| a);
            return Err((zt_at, K::Protobuf(P::InvalidZeroThreshold)));
        }
        let zero_count = h.zero_count.map_or(0, |(_, c)| c);
        let has_deltas = !h.negative.deltas.is_empty() || !h.positive.deltas.is_empty();
        let (negative, negative_total) = side(&h.negative, at)?;
        let (positive, positive_total) = side(&h.positive, at)?;
        let count = h.count.map_or(0, |(_, c)| c);
        let total = u128::from(zero_count) + negative_total + positive_total;
        let count_ok = if h.sum.is_nan() {
            u128::from(count) >= total
        } else {
            u128::from(count) == total
        };
        if !count_ok {
            return Err((count_at, K::Protobuf(P::NativeCountMismatch)));
        }
        if !has_deltas && zero_count == 0 && zero_threshold == 0.0 {
            return Err((at, K::Protobuf(P::NativeLooksClassic)));
        }
        let mut exemplars = Vec::with_capacity(h.exemplars.len());
        for e in h.exemplars {
            if e.timestamp.is_none() {
                return Err((e.at, K::Protobuf(P::ExemplarWithoutTimestamp)));
            }
            exemplars.push(self.exemplar(e)?);
        }
        let mut sample = count_sample(name, labels, count);
        sample.native = Some(NativeHistogram {
            schema,
            zero_threshold,
            zero_count,
            count,
            sum: h.sum,
            positive,
            negative,
            exemplars,
        });
        Ok(sample)
    }
}

/// Expands one side's spans and deltas into `(index, absolute count)` and
/// their total; `at` is the histogram's offset.
fn side(side: &decode::Side, at: usize) -> Out<(Vec<(i32, u64)>, u128)> {
    let deltas_at = side.deltas_at.unwrap_or(at);
    let covered: u64 = side.spans.iter().map(|s| u64::from(s.length)).sum();
    if usize::try_from(covered).ok() != Some(side.deltas.len()) {
        let span_at = side.spans.first().map_or(deltas_at, |s| s.at);
        return Err((span_at, K::Protobuf(P::SpanDeltaMismatch)));
    }
    let mut buckets = Vec::with_capacity(side.deltas.len());
    let mut deltas = side.deltas.iter();
    let mut index = 0i64;
    let mut absolute = 0i128;
    let mut total = 0u128;
    for (i, span) in side.spans.iter().enumerate() {
        if i > 0 && span.offset < 0 {
            return Err((span.at, K::Protobuf(P::NegativeSpanOffset)));
        }
        // The first offset is the first index; later ones skip buckets.
        index = if i == 0 {
            i64::from(span.offset)
        } else {
            index + i64::from(span.offset)
        };
        for _ in 0..span.length {
            absolute += deltas.next().map_or(0, |&d| i128::from(d));
            if absolute < 0 {
                return Err((deltas_at, K::Protobuf(P::NegativeBucketCount)));
            }
            let count =
                u64::try_from(absolute).or(Err((deltas_at, K::Protobuf(P::IntegerOutOfRange))))?;
            let i =
                i32::try_from(index).or(Err((span.at, K::Protobuf(P::BucketIndexOutOfRange))))?;
            buckets.push((i, count));
            total += u128::from(count);
            index += 1;
        }
    }
    Ok((buckets, total))
}
