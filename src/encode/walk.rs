//! The walk of an SDK snapshot: every resource attribute, scope, metric,
//! data point and exemplar, fed to the [`Parts`] sink in document order.

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};

use super::buckets::ExponentialData;
use super::model::Number;
use super::parts::{MetricInfo, MetricKind, Parts};

pub(super) fn kv(kv: &KeyValue) -> (&str, &Value) {
    (kv.key.as_str(), &kv.value)
}

/// Feeds an SDK snapshot into the sink.
///
/// Everything this walk and [`Parts`] read from the snapshot, apart from
/// the values, must also go into the replay print (`replay::walk`): an input
/// missing there would let a replay reuse output that no longer matches it.
/// `tests/replay.rs` and the `encode_sdk` fuzzer compare a long-lived encoder
/// with a fresh one to catch such a drift.
pub(super) fn walk(metrics: &ResourceMetrics, parts: &mut Parts<'_>) {
    parts.resource(metrics.resource().iter().map(|(k, v)| (k.as_str(), v)));
    for sm in metrics.scope_metrics() {
        let scope = sm.scope();
        parts.scope(
            scope.name(),
            scope.version(),
            scope.schema_url(),
            scope.attributes().map(kv),
        );
        for metric in sm.metrics() {
            match metric.data() {
                AggregatedMetrics::F64(d) => walk_data(parts, metric, d),
                AggregatedMetrics::U64(d) => walk_data(parts, metric, d),
                AggregatedMetrics::I64(d) => walk_data(parts, metric, d),
            }
        }
    }
}

pub(super) trait ToNumber: Copy {
    fn number(self) -> Number;
}

impl ToNumber for f64 {
    fn number(self) -> Number {
        Number::F64(self)
    }
}

impl ToNumber for u64 {
    fn number(self) -> Number {
        Number::U64(self)
    }
}

impl ToNumber for i64 {
    fn number(self) -> Number {
        Number::I64(self)
    }
}

fn exemplars<'a, T: ToNumber + 'a>(
    parts: &mut Parts<'_>,
    list: impl Iterator<Item = &'a opentelemetry_sdk::metrics::data::Exemplar<T>>,
) {
    for e in list {
        parts.exemplar(
            e.value.number(),
            e.time(),
            *e.trace_id(),
            *e.span_id(),
            e.filtered_attributes().map(kv),
        );
    }
}

fn walk_data<T: ToNumber>(parts: &mut Parts<'_>, metric: &Metric, data: &MetricData<T>) {
    use opentelemetry_sdk::metrics::Temporality;
    let info = |kind, temporality, start_time| MetricInfo {
        name: metric.name(),
        description: metric.description(),
        unit: metric.unit(),
        kind,
        temporality,
        start_time,
    };
    match data {
        MetricData::Gauge(g) => {
            parts.metric(info(
                MetricKind::Gauge,
                Temporality::Cumulative,
                g.start_time(),
            ));
            for p in g.data_points() {
                parts.number(p.attributes().map(kv), p.value().number());
                exemplars(parts, p.exemplars());
            }
        }
        MetricData::Sum(s) => {
            let kind = if s.is_monotonic() {
                MetricKind::Counter
            } else {
                MetricKind::UpDownCounter
            };
            parts.metric(info(kind, s.temporality(), Some(s.start_time())));
            for p in s.data_points() {
                parts.number(p.attributes().map(kv), p.value().number());
                exemplars(parts, p.exemplars());
            }
        }
        MetricData::Histogram(h) => {
            parts.metric(info(
                MetricKind::Histogram,
                h.temporality(),
                Some(h.start_time()),
            ));
            for p in h.data_points() {
                parts.histogram(
                    p.attributes().map(kv),
                    p.bounds(),
                    p.bucket_counts(),
                    p.count(),
                    p.sum().number(),
                );
                exemplars(parts, p.exemplars());
            }
        }
        MetricData::ExponentialHistogram(h) => {
            parts.metric(info(
                MetricKind::ExponentialHistogram,
                h.temporality(),
                Some(h.start_time()),
            ));
            for p in h.data_points() {
                let data = ExponentialData {
                    scale: p.scale(),
                    zero_count: p.zero_count(),
                    zero_threshold: p.zero_threshold(),
                    positive_offset: p.positive_bucket().offset(),
                    positive_counts: p.positive_bucket().counts(),
                    negative_offset: p.negative_bucket().offset(),
                    negative_counts: p.negative_bucket().counts(),
                };
                parts.exponential_histogram(
                    p.attributes().map(kv),
                    data,
                    p.count() as u64,
                    p.sum().number(),
                );
                exemplars(parts, p.exemplars());
            }
        }
    }
}
