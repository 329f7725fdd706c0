//! The plain-value sink that builds the [`Model`]. Everything recorded is
//! rendered into it (names, sorted label blocks, bucket bounds or native
//! buckets), as the [`Dialect`] of the wire format asks, so that grouping
//! and writing never touch the input again.

use std::ops::Range;
use std::time::SystemTime;

use opentelemetry::Value;
use opentelemetry_sdk::metrics::Temporality;

use super::buckets::{classic_buckets, exponential_buckets, native_buckets, ExponentialData};
use super::model::{
    Dialect, ExemplarEntry, FamilyType, Identity, MetricEntry, Model, Number, SeriesEntry,
    SeriesValue, Span,
};
use super::scratch::Scratch;
use super::shape::SHAPE_RENAMES;
use crate::name::{self, NameKind};
use crate::{Config, DropReason, EncodeStats, Escaping, ExponentialHistograms, RenameReason};

/// Points with at most this many attributes are rendered through shapes.
const SHAPED: usize = 16;

/// Filler for the unused slots of the attribute stack.
static NO_VALUE: Value = Value::Bool(false);

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
    dialect: Dialect,
    escaping: Escaping,
    m: &'s mut Model,
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
        dialect: Dialect,
        escaping: Escaping,
        m: &'s mut Model,
        s: &'s mut Scratch,
        stats: &'s mut EncodeStats,
    ) -> Self {
        Parts {
            config,
            dialect,
            escaping,
            m,
            s,
            stats,
            current: None,
            dropping: None,
            scope_labels: 0..0,
        }
    }

    /// The resource's attributes: they become `target_info` labels, and the
    /// selected ones constant labels on every series. Call it at most once, first.
    pub fn resource<'a>(&mut self, attributes: impl IntoIterator<Item = (&'a str, &'a Value)>) {
        let s = &mut *self.s;
        s.shapes.invalidate();
        s.target_labels.clear();
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
        // `target_info` is written only with labels.
        if self.config.target_info && !s.target_labels.is_empty() {
            let start = self.m.arena.len();
            super::labels::render(&mut s.target_labels, &[], &s.fixed, &mut self.m.arena);
            self.m.target = Some(Span::new(start, self.m.arena.len()));
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
        let arena = &mut self.m.arena;
        s.shapes.invalidate();
        // The scope's sort key: name, version, schema URL, attributes.
        let key_start = arena.len();
        for part in [name, version.unwrap_or(""), schema_url.unwrap_or("")] {
            arena.extend_from_slice(part.as_bytes());
            arena.push(0);
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
            arena.extend_from_slice(key.as_bytes());
            arena.push(1);
            s.tmp_value.clear();
            crate::value::write_value(value, &mut s.tmp_value);
            arena.extend_from_slice(s.tmp_value.as_bytes());
            arena.push(0);
            if self.config.scope_info {
                if let Some(l) =
                    s.push_scope_attr(self.config.strategy, self.escaping, key, value, self.stats)
                {
                    s.scope_fixed.push(l);
                }
            }
        }
        s.scope_key = Span::new(key_start, arena.len());
        self.scope_labels = start..s.scope_fixed.len();
    }

    /// Starts a metric; the points that follow belong to it.
    pub fn metric(&mut self, info: MetricInfo<'_>) {
        self.start_metric(info);
        let recorded = self.current.is_some();
        self.m.walked.push(recorded);
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
        let (s, m, dialect) = (&mut *self.s, &mut *self.m, self.dialect);
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
        let family_type = match kind {
            NameKind::Counter if !dialect.counters_need_total || s.tmp_name.ends_with("_total") => {
                FamilyType::Counter
            }
            NameKind::Counter => FamilyType::Unknown,
            NameKind::Gauge => FamilyType::Gauge,
            NameKind::Histogram
                if dialect.native_histograms && info.kind == MetricKind::ExponentialHistogram =>
            {
                FamilyType::NativeHistogram
            }
            NameKind::Histogram => FamilyType::Histogram,
        };
        // Escape the full name first, then strip `_total` for a family named
        // without it, so that `sample == family + "_total"` holds in every scheme.
        let utf8 = !name::is_legacy_metric_name(&s.tmp_name);
        let wire = if !utf8 || self.escaping == Escaping::AllowUtf8 {
            &s.tmp_name
        } else {
            s.tmp_value.clear();
            name::escape_name(&s.tmp_name, self.escaping, false, &mut s.tmp_value);
            self.stats.rename(RenameReason::Escaped, 1);
            &s.tmp_value
        };
        let mut family = m.intern(wire.as_bytes());
        let utf8 = utf8 && self.escaping == Escaping::AllowUtf8;
        if dialect.counter_family_without_total && family_type == FamilyType::Counter {
            family.end -= "_total".len();
        }
        if family.is_empty() {
            // A counter named just `_total` (UTF-8 strategies): no family name left.
            self.dropping = Some(DropReason::InvalidName);
            return;
        }
        let unit = m.intern(s.tmp_unit.as_bytes());
        let help = m.intern(info.description.as_bytes());
        let identity = Identity {
            scope: s.scope_key,
            name: m.intern(info.name.as_bytes()),
            description: help,
            unit: m.intern(info.unit.as_bytes()),
            kind: info.kind as u8,
        };
        let start_time = match info.kind {
            MetricKind::Counter | MetricKind::Histogram | MetricKind::ExponentialHistogram
                if dialect.start_times =>
            {
                info.start_time.map(time_nanos)
            }
            _ => None,
        };
        let first = m.series.len() as u32;
        m.metrics.push(MetricEntry {
            family,
            utf8,
            kind: family_type,
            unit,
            help,
            identity,
            number: 0,
            start_time,
            first,
            end: first,
            group: 0,
            rank: 0,
            dropped: false,
        });
        self.current = Some(m.metrics.len() - 1);
    }

    /// Counts a point of a dropped metric; true when the point is not
    /// recorded. `family` is the family type the point can be written in:
    /// `None` for a number, which any other type takes.
    fn skip_point(&mut self, family: Option<FamilyType>) -> bool {
        if let Some(reason) = self.dropping {
            self.stats.drop(reason, 1);
            return true;
        }
        match self.current {
            // A point that does not match its metric's kind (a number for a
            // histogram metric, or the reverse) is ignored: written, it would
            // be a sample of the wrong shape inside the family.
            Some(m) => {
                let kind = self.m.metrics[m].kind;
                match family {
                    Some(family) => kind != family,
                    None => matches!(kind, FamilyType::Histogram | FamilyType::NativeHistogram),
                }
            }
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
        let arena = &mut self.m.arena;
        if histogram && s.resource_le {
            self.stats.rename(RenameReason::ReservedLabel, 1);
        }
        let start = arena.len();
        if overflow.is_none() {
            if let Some(shape) = s.shapes.find(histogram, gathered) {
                if super::shape::render(shape, gathered, &mut s.tmp_value, arena, self.stats) {
                    return Span::new(start, arena.len());
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
        let merged = super::labels::render(&mut s.labels, &s.point, &s.fixed, arena);
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
        Span::new(start, arena.len())
    }

    /// Adds a series to the current metric; `sum` is its number or its
    /// histogram's sum (the metric's number type comes from its first one).
    fn push_series(&mut self, labels: Span, value: SeriesValue, sum: Number) {
        let Some(current) = self.current else { return };
        let m = &mut *self.m;
        if m.metrics[current].number == 0 {
            m.metrics[current].number = match sum {
                Number::U64(_) => 1,
                Number::I64(_) => 2,
                Number::F64(_) => 3,
            };
        }
        let at = m.exemplars.len();
        m.series.push(SeriesEntry {
            metric: current as u32,
            labels,
            value,
            exemplars: Span::new(at, at),
        });
        m.metrics[current].end = m.series.len() as u32;
    }

    /// A counter, up-down-counter or gauge data point.
    pub fn number<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
        value: Number,
    ) {
        if self.skip_point(None) {
            return;
        }
        let labels = self.label_block(attributes, false);
        self.push_series(labels, SeriesValue::Number(value), value);
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
        if self.skip_point(Some(FamilyType::Histogram)) {
            return;
        }
        let labels = self.label_block(attributes, true);
        let m = &mut *self.m;
        let start = m.bounds.len();
        let count = classic_buckets(bounds, counts, &mut m.bounds, &mut m.cumulative).max(count);
        let buckets = Span::new(start, m.bounds.len());
        let value = SeriesValue::Histogram {
            buckets,
            count,
            sum,
        };
        self.push_series(labels, value, sum);
    }

    /// An exponential-histogram data point. Written as a native histogram
    /// where the dialect has them (downscaled to schema 8 at most; a scale
    /// below -4 is dropped and counted), otherwise as a classic histogram
    /// whose bounds are the exact bucket boundaries (see
    /// [`ExponentialHistograms::Buckets`]). `count` as for
    /// [`Parts::histogram`] in classic buckets; a native histogram's count is
    /// its zero count plus its buckets (see [`DropReason::HistogramCount`]).
    pub fn exponential_histogram<'a>(
        &mut self,
        attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
        data: ExponentialData<impl IntoIterator<Item = u64>, impl IntoIterator<Item = u64>>,
        count: u64,
        sum: Number,
    ) {
        let native = self.dialect.native_histograms;
        let family = if native {
            FamilyType::NativeHistogram
        } else {
            FamilyType::Histogram
        };
        if self.skip_point(Some(family)) {
            return;
        }
        if native {
            let m = &mut *self.m;
            let native = match native_buckets(data, count, sum, &mut m.native_counts) {
                Ok((native, matched)) => {
                    if !matched {
                        self.stats.drop(DropReason::HistogramCount, 1);
                    }
                    native
                }
                Err(reason) => {
                    self.stats.drop(reason, 1);
                    return;
                }
            };
            let labels = self.label_block(attributes, true);
            let m = &mut *self.m;
            m.natives.push(native);
            let value = SeriesValue::Native(m.natives.len() as u32 - 1);
            self.push_series(labels, value, sum);
            return;
        }
        let labels = self.label_block(attributes, true);
        let m = &mut *self.m;
        let start = m.bounds.len();
        let count = exponential_buckets(
            data,
            &mut self.s.tmp_counts,
            &mut m.bounds,
            &mut m.cumulative,
        )
        .max(count);
        let buckets = Span::new(start, m.bounds.len());
        let value = SeriesValue::Histogram {
            buckets,
            count,
            sum,
        };
        self.push_series(labels, value, sum);
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
        let m = &mut *self.m;
        let Some(series) = m.series.last() else {
            return;
        };
        if series.metric as usize != current {
            return;
        }
        let kind = m.metrics[current].kind;
        let can_carry = matches!(
            kind,
            FamilyType::Counter | FamilyType::Histogram | FamilyType::NativeHistogram
        );
        let finite = !matches!(value, Number::F64(v) if !v.is_finite());
        if !self.dialect.exemplars || !can_carry || !finite {
            self.stats.drop(DropReason::Exemplar, 1);
            return;
        }
        let start = m.arena.len();
        let left_out = super::labels::render_exemplar(
            self.config.strategy,
            self.escaping,
            &trace_id,
            &span_id,
            filtered_attributes,
            self.s,
            &mut m.arena,
        );
        self.stats.drop(DropReason::ExemplarAttribute, left_out);
        let labels = Span::new(start, m.arena.len());
        m.exemplars.push(ExemplarEntry {
            labels,
            value,
            time: time_nanos(time),
        });
        let end = m.exemplars.len();
        if let Some(last) = m.series.last_mut() {
            last.exemplars.end = end;
        }
    }
}
