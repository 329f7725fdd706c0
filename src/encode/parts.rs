//! Phase 1: the plain-value sink. Everything recorded is rendered into the
//! encoder's reusable scratch (names, sorted label blocks, bucket bounds), so
//! that phase 2 can sort and write without touching the input again.

use std::ops::Range;
use std::time::SystemTime;

use opentelemetry::Value;
use opentelemetry_sdk::metrics::Temporality;

use super::buckets::{classic_buckets, exponential_buckets, ExponentialData};
use super::scratch::{
    ExemplarEntry, MetricEntry, Scratch, SeriesEntry, SeriesValue, Span, WireType,
};
use super::shape::SHAPE_RENAMES;
use crate::name::{self, NameKind};
use crate::{
    Config, DropReason, EncodeStats, Escaping, ExponentialHistograms, Format, RenameReason,
};

/// Points with at most this many attributes are rendered through shapes.
const SHAPED: usize = 16;

/// Filler for the unused slots of the attribute stack.
static NO_VALUE: Value = Value::Bool(false);

/// A measured value as recorded: integers stay exact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A float, possibly NaN or infinite.
    F64(f64),
}

impl Number {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }
    }

    /// NaN or negative: not a valid OpenMetrics counter value or histogram sum.
    pub(crate) fn is_nan_or_negative(self) -> bool {
        match self {
            Number::U64(_) => false,
            Number::I64(v) => v < 0,
            Number::F64(v) => v.is_nan() || v < 0.0,
        }
    }
}

/// The OpenTelemetry kind of a metric, as far as the encoder cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// A monotonic sum: a Prometheus counter.
    Counter,
    /// A non-monotonic sum: a Prometheus gauge.
    UpDownCounter,
    /// A gauge.
    Gauge,
    /// An explicit-bucket histogram.
    Histogram,
    /// A base-2 exponential histogram.
    ExponentialHistogram,
}

/// One metric's metadata, as plain values.
#[derive(Clone, Copy, Debug)]
pub struct MetricInfo<'a> {
    /// The instrument (or view) name.
    pub name: &'a str,
    /// The description (HELP text).
    pub description: &'a str,
    /// The UCUM unit.
    pub unit: &'a str,
    /// What kind of data follows.
    pub kind: MetricKind,
    /// Only `Cumulative` data can be exposed; gauges ignore it.
    pub temporality: Temporality,
    /// The start time, for OpenMetrics `_created` samples.
    pub start_time: Option<SystemTime>,
}

/// The sink that the snapshot walker (or a test, or a fuzzer) feeds. Calls
/// come in document order: `resource`, then per scope `scope`, per metric
/// `metric`, per data point one of `number` / `histogram` /
/// `exponential_histogram`, each followed by its `exemplar`s. Points before
/// any `metric` call, and points whose kind does not match their metric's
/// (a number for a histogram, or the reverse), are ignored.
#[derive(Debug)]
pub struct Parts<'s> {
    config: &'s Config,
    format: Format,
    escaping: Escaping,
    s: &'s mut Scratch,
    stats: &'s mut EncodeStats,
    /// The metric that points go to; `None` before the first metric.
    current: Option<usize>,
    /// Set while the points of a dropped metric are being counted.
    dropping: Option<DropReason>,
    scope_labels: Range<usize>,
}

pub(crate) fn time_nanos(t: SystemTime) -> i128 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

impl<'s> Parts<'s> {
    pub(super) fn new(
        config: &'s Config,
        format: Format,
        escaping: Escaping,
        s: &'s mut Scratch,
        stats: &'s mut EncodeStats,
    ) -> Self {
        Parts {
            config,
            format,
            escaping,
            s,
            stats,
            current: None,
            dropping: None,
            scope_labels: 0..0,
        }
    }

    fn om(&self) -> bool {
        self.format == Format::OpenMetrics
    }

    /// The resource's attributes: they become `target_info` labels, and the
    /// selected ones constant labels on every series. Call it at most once, first.
    pub fn resource<'a>(&mut self, attributes: impl IntoIterator<Item = (&'a str, &'a Value)>) {
        let s = &mut *self.s;
        s.shapes.invalidate();
        for (key, value) in attributes {
            let Some(l) =
                s.push_fixed_attr(self.config.strategy, self.escaping, key, value, self.stats)
            else {
                continue;
            };
            s.target_labels.push(l);
            if self.config.resource_selector.selects(key) {
                s.resource_labels.push(l);
                let h = if !l.quoted && l.name.get(&s.fixed) == b"le" {
                    s.resource_le = true;
                    s.push_fixed_renamed(l, "exported_le")
                } else {
                    l
                };
                s.resource_labels_histogram.push(h);
            }
        }
    }

    /// Starts an instrumentation scope; the metrics that follow belong to it.
    pub fn scope<'a>(
        &mut self,
        name: &str,
        version: Option<&str>,
        schema_url: Option<&str>,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
    ) {
        self.current = None;
        self.dropping = None;
        let s = &mut *self.s;
        s.shapes.invalidate();
        // The scope's sort key: name, version, schema URL, attributes.
        let key_start = s.arena.len();
        for part in [name, version.unwrap_or(""), schema_url.unwrap_or("")] {
            s.arena.extend_from_slice(part.as_bytes());
            s.arena.push(0);
        }
        let start = s.scope_fixed.len();
        if self.config.scope_info {
            for (label, value) in [
                ("otel_scope_name", name),
                ("otel_scope_version", version.unwrap_or("")),
                ("otel_scope_schema_url", schema_url.unwrap_or("")),
            ] {
                if !value.is_empty() {
                    let l = s.push_fixed_str(label, value);
                    s.scope_fixed.push(l);
                }
            }
        }
        for (key, value) in attributes {
            s.arena.extend_from_slice(key.as_bytes());
            s.arena.push(1);
            s.tmp_value.clear();
            crate::value::write_value(value, &mut s.tmp_value);
            s.arena.extend_from_slice(s.tmp_value.as_bytes());
            s.arena.push(0);
            if self.config.scope_info {
                if let Some(l) =
                    s.push_scope_attr(self.config.strategy, self.escaping, key, value, self.stats)
                {
                    s.scope_fixed.push(l);
                }
            }
        }
        s.scope_key = Span::new(key_start, s.arena.len());
        self.scope_labels = start..s.scope_fixed.len();
    }

    /// Starts a metric; the points that follow belong to it.
    pub fn metric(&mut self, info: MetricInfo<'_>) {
        self.start_metric(info);
        let recorded = self.current.is_some();
        self.s.walked.push(recorded);
    }

    fn start_metric(&mut self, info: MetricInfo<'_>) {
        self.current = None;
        self.dropping = None;
        let kind = match info.kind {
            MetricKind::Counter => NameKind::Counter,
            MetricKind::UpDownCounter | MetricKind::Gauge => NameKind::Gauge,
            MetricKind::Histogram | MetricKind::ExponentialHistogram => NameKind::Histogram,
        };
        if info.kind != MetricKind::Gauge && info.temporality != Temporality::Cumulative {
            self.dropping = Some(DropReason::DeltaTemporality);
            return;
        }
        if info.kind == MetricKind::ExponentialHistogram
            && self.config.exponential == ExponentialHistograms::Drop
        {
            self.dropping = Some(DropReason::ExponentialHistogram);
            return;
        }
        let om = self.om();
        let s = &mut *self.s;
        let t = name::metric_name(
            self.config,
            info.name,
            info.unit,
            kind,
            &mut s.tmp_name,
            &mut s.tmp_unit,
        );
        if !t.valid {
            self.dropping = Some(DropReason::InvalidName);
            return;
        }
        if t.sanitized {
            self.stats.rename(RenameReason::MetricName, 1);
        }
        let wire = match kind {
            NameKind::Counter if !om || s.tmp_name.ends_with("_total") => WireType::Counter,
            NameKind::Counter => WireType::Unknown,
            NameKind::Gauge => WireType::Gauge,
            NameKind::Histogram => WireType::Histogram,
        };
        // Escape the full name first, then strip `_total` for the OpenMetrics
        // family, so that `sample == family + "_total"` holds in every scheme.
        let family_start = s.arena.len();
        let quoted = if name::is_legacy_metric_name(&s.tmp_name) {
            s.arena.extend_from_slice(s.tmp_name.as_bytes());
            false
        } else if self.escaping == Escaping::AllowUtf8 {
            s.arena.extend_from_slice(s.tmp_name.as_bytes());
            true
        } else {
            s.tmp_value.clear();
            name::escape_name(&s.tmp_name, self.escaping, false, &mut s.tmp_value);
            s.arena.extend_from_slice(s.tmp_value.as_bytes());
            self.stats.rename(RenameReason::Escaped, 1);
            false
        };
        let mut family_end = s.arena.len();
        if om && wire == WireType::Counter {
            family_end -= "_total".len();
        }
        if family_end == family_start {
            // A counter named just `_total` (UTF-8 strategies): no family name left.
            s.arena.truncate(family_start);
            self.dropping = Some(DropReason::InvalidName);
            return;
        }
        let family = Span::new(family_start, family_end);
        let unit_start = s.arena.len();
        s.arena.extend_from_slice(s.tmp_unit.as_bytes());
        let unit = Span::new(unit_start, s.arena.len());
        let help = s.push_arena(info.description.as_bytes());
        // Tie-break key for a deterministic order between metrics of one family.
        let tie_start = s.arena.len();
        let scope_key = s.scope_key;
        s.arena
            .extend_from_within(scope_key.start as usize..scope_key.end as usize);
        for part in [info.name, info.description, info.unit] {
            s.arena.extend_from_slice(part.as_bytes());
            s.arena.push(0);
        }
        // A gauge and an up-down counter of one name are both gauges here.
        s.arena.push(info.kind as u8);
        let tiebreak = Span::new(tie_start, s.arena.len());
        let start_time = match info.kind {
            MetricKind::Counter | MetricKind::Histogram | MetricKind::ExponentialHistogram
                if self.config.created && om =>
            {
                info.start_time.map(time_nanos)
            }
            _ => None,
        };
        let first = s.series.len() as u32;
        s.metrics.push(MetricEntry {
            family,
            quoted,
            wire,
            unit,
            help,
            tiebreak,
            number: 0,
            start_time,
            first,
            end: first,
            group: 0,
            rank: 0,
            dropped: false,
        });
        self.current = Some(s.metrics.len() - 1);
    }

    /// Counts a point of a dropped metric; true when the point is not recorded.
    fn skip_point(&mut self, histogram: bool) -> bool {
        if let Some(reason) = self.dropping {
            self.stats.drop(reason, 1);
            return true;
        }
        match self.current {
            // A point that does not match its metric's kind (a number for a
            // histogram metric, or the reverse) is ignored: written, it would
            // be a sample of the wrong shape inside the family.
            Some(m) => (self.s.metrics[m].wire == WireType::Histogram) != histogram,
            None => true,
        }
    }

    /// Renders a point's label block (attributes + scope + resource labels,
    /// sorted by name, collisions merged) into the arena.
    fn label_block<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
        histogram: bool,
    ) -> Span {
        // Up to SHAPED attributes are gathered on the stack, to look up and
        // build a shape; points with more take the general path only.
        let mut attributes = attributes.into_iter();
        let mut stack: [(&str, &Value); SHAPED] = [("", &NO_VALUE); SHAPED];
        let mut n = 0;
        let mut overflow = None;
        for kv in attributes.by_ref() {
            if n == SHAPED {
                overflow = Some(kv);
                break;
            }
            stack[n] = kv;
            n += 1;
        }
        let gathered = &stack[..n];
        let s = &mut *self.s;
        if histogram && s.resource_le {
            self.stats.rename(RenameReason::ReservedLabel, 1);
        }
        let start = s.arena.len();
        if overflow.is_none() {
            if let Some(shape) = s.shapes.find(histogram, gathered) {
                if super::shape::render(shape, gathered, &mut s.tmp_value, &mut s.arena, self.stats)
                {
                    return Span::new(start, s.arena.len());
                }
            }
        }
        s.point.clear();
        s.labels.clear();
        let before = SHAPE_RENAMES.map(|r| self.stats.renamed(r));
        let all = gathered.iter().copied().chain(overflow).chain(attributes);
        // An attribute with an empty value is no label at all (as Prometheus
        // stores it); a shape needs every attribute in place.
        let mut complete = true;
        for (i, (key, value)) in all.enumerate() {
            let Some(mut l) = s.push_point_attr(
                self.config.strategy,
                self.escaping,
                key,
                value,
                histogram,
                self.stats,
            ) else {
                complete = false;
                continue;
            };
            l.index = i as u32;
            s.labels.push(l);
        }
        let renames = SHAPE_RENAMES.map(|r| self.stats.renamed(r));
        s.labels
            .extend_from_slice(&s.scope_fixed[self.scope_labels.clone()]);
        let resource = if histogram {
            &s.resource_labels_histogram
        } else {
            &s.resource_labels
        };
        s.labels.extend_from_slice(resource);
        let merged = super::labels::render(&mut s.labels, &s.point, &s.fixed, &mut s.arena);
        self.stats.rename(RenameReason::LabelMerged, merged);
        if merged == 0 && complete && overflow.is_none() {
            let mut per_point = [0; 3];
            for (k, n) in per_point.iter_mut().enumerate() {
                *n = renames[k] - before[k];
            }
            s.shapes.build(
                histogram, gathered, &s.labels, &s.point, &s.fixed, per_point,
            );
        }
        Span::new(start, s.arena.len())
    }

    fn push_series(&mut self, labels: Span, value: SeriesValue) {
        let Some(m) = self.current else { return };
        let s = &mut *self.s;
        if s.metrics[m].number == 0 {
            let (SeriesValue::Number(n) | SeriesValue::Histogram { sum: n, .. }) = value;
            s.metrics[m].number = match n {
                Number::U64(_) => 1,
                Number::I64(_) => 2,
                Number::F64(_) => 3,
            };
        }
        let at = s.exemplars.len();
        s.series.push(SeriesEntry {
            metric: m as u32,
            labels,
            value,
            exemplars: Span::new(at, at),
        });
        s.metrics[m].end = s.series.len() as u32;
    }

    /// A counter, up-down-counter or gauge data point.
    pub fn number<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
        value: Number,
    ) {
        if self.skip_point(false) {
            return;
        }
        let labels = self.label_block(attributes, false);
        self.push_series(labels, SeriesValue::Number(value));
    }

    /// An explicit-bucket histogram data point: `counts` has one entry per
    /// bound plus the overflow bucket (it may be empty when there are no
    /// bounds). Bounds that are NaN, infinite or not increasing are merged
    /// into a neighbour (cumulative counts stay exact). The `+Inf` bucket and
    /// `_count` are `count`, or the sum of `counts` if that is larger.
    pub fn histogram<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
        bounds: impl IntoIterator<Item = f64>,
        counts: impl IntoIterator<Item = u64>,
        count: u64,
        sum: Number,
    ) {
        if self.skip_point(true) {
            return;
        }
        let labels = self.label_block(attributes, true);
        let s = &mut *self.s;
        let start = s.bounds.len();
        let count = classic_buckets(bounds, counts, &mut s.bounds, &mut s.cumulative).max(count);
        let buckets = Span::new(start, s.bounds.len());
        self.push_series(
            labels,
            SeriesValue::Histogram {
                buckets,
                count,
                sum,
            },
        );
    }

    /// An exponential-histogram data point, written as a classic histogram
    /// whose bounds are the exact bucket boundaries (see
    /// [`ExponentialHistograms::Buckets`]). `count` as for [`Parts::histogram`].
    pub fn exponential_histogram<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
        data: ExponentialData<impl IntoIterator<Item = u64>, impl IntoIterator<Item = u64>>,
        count: u64,
        sum: Number,
    ) {
        if self.skip_point(true) {
            return;
        }
        let labels = self.label_block(attributes, true);
        let s = &mut *self.s;
        let start = s.bounds.len();
        let count = exponential_buckets(data, &mut s.tmp_counts, &mut s.bounds, &mut s.cumulative)
            .max(count);
        let buckets = Span::new(start, s.bounds.len());
        self.push_series(
            labels,
            SeriesValue::Histogram {
                buckets,
                count,
                sum,
            },
        );
    }

    /// An exemplar of the data point recorded last.
    pub fn exemplar<'a>(
        &mut self,
        value: Number,
        time: SystemTime,
        trace_id: [u8; 16],
        span_id: [u8; 8],
        filtered_attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
    ) {
        let Some(current) = self.current else { return };
        if self.dropping.is_some() {
            return;
        }
        let Some(series) = self.s.series.last() else {
            return;
        };
        if series.metric as usize != current {
            return;
        }
        let wire = self.s.metrics[current].wire;
        let can_carry = matches!(wire, WireType::Counter | WireType::Histogram);
        let finite = !matches!(value, Number::F64(v) if !v.is_finite());
        if !self.om() || !self.config.exemplars || !can_carry || !finite {
            self.stats.drop(DropReason::Exemplar, 1);
            return;
        }
        let s = &mut *self.s;
        let start = s.arena.len();
        let left_out = super::labels::render_exemplar(
            self.config.strategy,
            self.escaping,
            &trace_id,
            &span_id,
            filtered_attributes,
            s,
        );
        self.stats.drop(DropReason::ExemplarAttribute, left_out);
        let labels = Span::new(start, s.arena.len());
        s.exemplars.push(ExemplarEntry {
            labels,
            value,
            time: time_nanos(time),
        });
        let end = s.exemplars.len() as u32;
        if let Some(last) = s.series.last_mut() {
            last.exemplars.end = end;
        }
    }
}
