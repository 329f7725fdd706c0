//! The encoder: an SDK snapshot in, exposition bytes out.
//!
//! Encoding runs in two phases over reusable scratch space. Phase 1
//! ([`parts`]) walks the snapshot once and renders every name and label set
//! into arenas; phase 2 ([`write`]) sorts metrics into families, resolves
//! conflicts deterministically, sorts series and writes them.

mod buckets;
mod labels;
mod parts;
mod replay;
mod scratch;
mod shape;
mod write;

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};

pub use buckets::ExponentialData;
pub use parts::{MetricInfo, MetricKind, Number, Parts};
use scratch::Scratch;

use crate::window::SizeWindow;
use crate::{Config, DropReason, EncodeStats, Escaping, Format};

/// Writes `ResourceMetrics` snapshots as Prometheus text 0.0.4 or OpenMetrics 1.0.
///
/// The encoder owns its scratch space: after the first call, encoding a
/// snapshot of the same shape allocates nothing (beyond growth of `out`).
/// Output is byte-identical for the same data whatever order the SDK hands
/// it over in: families are sorted by name, series by their label sets.
///
/// It also remembers the last snapshot it encoded in full, apart from the
/// values. When the next snapshot matches that in everything but values
/// (the steady state of a scrape loop), the label blocks and the order of
/// families and series are reused and only the lines are written again; any
/// difference at all (checked byte for byte) means a full encode. This keeps
/// memory of about the size of the snapshot's attribute text.
///
/// # Memory
///
/// The scratch space (and that print) grow to what the snapshots need and
/// are reused. After an encode that finds them holding more than 1 MiB and
/// more than 4 × what any of the last 8 encodes used, they are freed, and
/// the next encode allocates what it needs, as a new encoder would. So the
/// memory taken by one outsized snapshot is returned within 8 encodes, while
/// a size that comes back at least every 8 encodes is never freed and
/// regrown.
///
/// ```
/// use opentelemetry::metrics::MeterProvider as _;
/// use opentelemetry::KeyValue;
/// use opentelemetry_sdk::metrics::{data::ResourceMetrics, ManualReader, SdkMeterProvider};
/// use opentelemetry_sdk::metrics::reader::MetricReader;
/// use otel_expfmt::{Config, Encoder, Format};
///
/// # #[derive(Clone, Debug)] struct Shared(std::sync::Arc<ManualReader>);
/// # impl MetricReader for Shared {
/// #     fn register_pipeline(&self, p: std::sync::Weak<opentelemetry_sdk::metrics::Pipeline>) { self.0.register_pipeline(p) }
/// #     fn collect(&self, rm: &mut ResourceMetrics) -> opentelemetry_sdk::error::OTelSdkResult { self.0.collect(rm) }
/// #     fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult { self.0.force_flush() }
/// #     fn shutdown_with_timeout(&self, t: std::time::Duration) -> opentelemetry_sdk::error::OTelSdkResult { self.0.shutdown_with_timeout(t) }
/// #     fn temporality(&self, k: opentelemetry_sdk::metrics::InstrumentKind) -> opentelemetry_sdk::metrics::Temporality { self.0.temporality(k) }
/// # }
/// let reader = Shared(std::sync::Arc::new(ManualReader::default()));
/// let provider = SdkMeterProvider::builder().with_reader(reader.clone()).build();
/// let counter = provider.meter("app").u64_counter("http.requests").build();
/// counter.add(3, &[KeyValue::new("method", "GET")]);
///
/// let mut snapshot = ResourceMetrics::default();
/// reader.collect(&mut snapshot).unwrap();
///
/// let mut encoder = Encoder::new(Config::default().without_target_info());
/// let mut out = Vec::new();
/// let stats = encoder.encode(&snapshot, Format::PrometheusText, &mut out);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "# TYPE http_requests_total counter\n\
///      http_requests_total{method=\"GET\",otel_scope_name=\"app\"} 3\n"
/// );
/// assert_eq!((stats.families, stats.series), (1, 1));
/// ```
pub struct Encoder {
    config: Config,
    scratch: Scratch,
    replay: replay::Replay,
    /// What the last encodes needed of the scratch space and the print.
    sizes: SizeWindow,
}

/// Scratch space up to this size is never freed.
const SCRATCH_FLOOR: usize = 1 << 20;

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the scratch space: it holds the text of a whole exposition.
        f.debug_struct("Encoder")
            .field("config", &self.config)
            .field("replay", &self.replay)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Creates an encoder with the given options.
    pub fn new(config: Config) -> Self {
        Encoder {
            config,
            scratch: Scratch::default(),
            replay: replay::Replay::default(),
            sizes: SizeWindow::default(),
        }
    }

    /// Tests: an encoder that renders every label block the general way.
    #[cfg(test)]
    pub(crate) fn without_shapes(config: Config) -> Self {
        let mut e = Encoder::new(config);
        e.scratch.shapes.disabled = true;
        e
    }

    /// The options this encoder was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Appends `metrics` to `out` in `format`, with the default name escaping
    /// ([`Escaping::Underscores`]). Never clears `out`.
    pub fn encode(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        self.encode_with(metrics, format, Escaping::Underscores, out)
    }

    /// Appends `metrics` to `out` in `format`, with names that are not valid
    /// legacy Prometheus names escaped by `escaping` (as negotiated with the
    /// scraper). Never clears `out`.
    pub fn encode_with(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        escaping: Escaping,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        let stats = self.encode_snapshot(metrics, format, escaping, out);
        self.trim();
        stats
    }

    fn encode_snapshot(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        escaping: Escaping,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        let created_om = self.config.created && format == Format::OpenMetrics;
        if self.replay.ready == Some((format, escaping)) {
            if let Some(stats) = self.replay(metrics, format, created_om, out) {
                self.replay.misses = 0;
                return stats;
            }
        }
        // The snapshot stays borrowed for the whole call.
        let stats = self.encode_inner(format, escaping, out, true, |parts| walk(metrics, parts));
        let r = &mut self.replay;
        r.misses = r.misses.saturating_add(1);
        let clean = r.stats.dropped(DropReason::DuplicateSeries) == 0
            && r.stats.dropped(DropReason::InvalidCounterValue) == 0;
        if clean
            && r.worth_recording()
            && replay::record(
                metrics,
                created_om,
                &self.scratch,
                &mut r.print,
                &mut r.text,
            )
            .is_some()
        {
            r.ready = Some((format, escaping));
            // The first replay then allocates nothing either.
            let s = &mut self.scratch;
            let widest = s.series.iter().map(|e| e.buckets()).max().unwrap_or(0);
            s.replay_bounds.reserve(widest);
            s.replay_cumulative.reserve(widest);
        }
        stats
    }

    /// Writes `metrics` by replaying the previous encode (see [`replay`]), if
    /// it differs from that encode's snapshot in values only.
    fn replay(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        created_om: bool,
        out: &mut Vec<u8>,
    ) -> Option<EncodeStats> {
        let om = format == Format::OpenMetrics;
        let r = &mut self.replay;
        if replay::check(
            metrics,
            created_om,
            &r.print,
            &mut r.text,
            &mut self.scratch,
        )
        .is_none()
            || !write::all_series_valid(&self.scratch, om)
        {
            r.ready = None;
            return None;
        }
        self.scratch.arena.truncate(r.arena_len);
        let mut stats = r.stats;
        write::write_out(&self.config, format, &mut self.scratch, &mut stats, out);
        Some(stats)
    }

    /// Encodes data given as plain values: `record` feeds the [`Parts`] sink.
    /// This is how tests and fuzzers reach what the SDK never produces
    /// (exemplars, NaN, delta data). Not part of the stable API.
    #[doc(hidden)]
    pub fn encode_parts(
        &mut self,
        format: Format,
        escaping: Escaping,
        out: &mut Vec<u8>,
        record: impl FnOnce(&mut Parts<'_>),
    ) -> EncodeStats {
        let stats = self.encode_inner(format, escaping, out, false, record);
        self.trim();
        stats
    }

    /// Frees the scratch space and the print when they have been far larger
    /// than recent encodes needed (see "Memory" on [`Encoder`]). The next
    /// encode then starts like a new encoder's, allocating what it needs.
    fn trim(&mut self) {
        let (used, held) = self.scratch.footprint();
        // A print kept without being ready (re-recorded only now and then
        // for setups that keep missing) is not needed until recorded again.
        let print = if self.replay.ready.is_some() {
            self.replay.print.len()
        } else {
            0
        };
        let (used, held) = (used + print, held + self.replay.print.capacity());
        self.sizes.push(used);
        if self.sizes.oversized(held, SCRATCH_FLOOR) {
            #[cfg(test)]
            let disabled = self.scratch.shapes.disabled;
            self.scratch = Scratch::default();
            self.replay = replay::Replay::default();
            #[cfg(test)]
            {
                self.scratch.shapes.disabled = disabled;
            }
        }
    }

    pub(crate) fn encode_inner(
        &mut self,
        format: Format,
        escaping: Escaping,
        out: &mut Vec<u8>,
        keys_outlive_call: bool,
        record: impl FnOnce(&mut Parts<'_>),
    ) -> EncodeStats {
        let mut stats = EncodeStats::default();
        self.replay.ready = None;
        self.scratch.clear(keys_outlive_call);
        {
            let mut parts = Parts::new(
                &self.config,
                format,
                escaping,
                &mut self.scratch,
                &mut stats,
            );
            record(&mut parts);
        }
        write::prepare(&self.config, format, &mut self.scratch, &mut stats);
        self.replay.stats = stats;
        self.replay.arena_len = self.scratch.arena.len();
        write::write_out(&self.config, format, &mut self.scratch, &mut stats, out);
        stats
    }
}

fn kv(kv: &KeyValue) -> (&str, &Value) {
    (kv.key.as_str(), &kv.value)
}

/// Feeds an SDK snapshot into the sink.
///
/// Everything this walk and [`Parts`] read from the snapshot, apart from
/// the values, must also go into the replay print (`replay::walk`): an input
/// missing there would let a replay reuse output that no longer matches it.
/// `tests/replay.rs` and the `encode_sdk` fuzzer compare a long-lived encoder
/// with a fresh one to catch such a drift.
fn walk(metrics: &ResourceMetrics, parts: &mut Parts<'_>) {
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

trait ToNumber: Copy {
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
