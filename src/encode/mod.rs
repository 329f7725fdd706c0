//! The encoder: an SDK snapshot in, exposition bytes out.
//!
//! The pipeline, with the file that owns each step:
//!
//! 1. [`walk`]: the SDK snapshot, fed to the sink in document order;
//! 2. [`parts`]: the sink, which renders names ([`crate::name`]), label
//!    blocks ([`labels`], [`shape`]) and buckets ([`buckets`]) into the
//!    [`model`], as the wire format's [`Dialect`](model::Dialect) asks;
//! 3. [`families`]: metrics grouped into families, conflicts resolved,
//!    series sorted and de-duplicated;
//! 4. one writer per wire format: [`text`] (text 0.0.4 and OpenMetrics)
//!    and [`protobuf`] (Prometheus' protobuf exposition).
//!
//! [`replay`] keeps a print of the last snapshot encoded in full, so that a
//! snapshot that differs only in its values skips steps 2 and 3.

mod buckets;
mod families;
mod labels;
mod model;
mod parts;
mod protobuf;
mod replay;
mod scratch;
mod shape;
mod text;
mod walk;

use opentelemetry_sdk::metrics::data::ResourceMetrics;

pub use buckets::ExponentialData;
pub use model::Number;
use model::{Dialect, Model};
pub use parts::{MetricInfo, MetricKind, Parts};
use scratch::Scratch;

use crate::window::SizeWindow;
use crate::{Config, DropReason, EncodeStats, Escaping, Format};

/// Writes `ResourceMetrics` snapshots as Prometheus text 0.0.4, OpenMetrics 1.0 or
/// the Prometheus protobuf format.
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
/// use opentelemetry_sdk::metrics::{data::ResourceMetrics, SdkMeterProvider};
/// use opentelemetry_sdk::metrics::reader::MetricReader;
/// use otel_expfmt::{Config, Encoder, Format, PrometheusReader};
///
/// // Any reader that the application can collect through; here a
/// // `PrometheusReader` used as a plain `MetricReader`.
/// let reader = PrometheusReader::default();
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
    model: Model,
    scratch: Scratch,
    le: text::LeCache,
    proto: protobuf::Cache,
    /// Full encodes so far: a writer's caches of the model are valid while
    /// it stays the same.
    generation: u64,
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
            model: Model::default(),
            scratch: Scratch::default(),
            le: text::LeCache::default(),
            proto: protobuf::Cache::default(),
            generation: 0,
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

    /// What the wire format `format` needs from the model.
    fn dialect(&self, format: Format) -> Dialect {
        match format {
            Format::OpenMetrics => text::dialect(&self.config, true),
            Format::PrometheusProtobuf => protobuf::dialect(&self.config),
            _ => text::dialect(&self.config, false),
        }
    }

    /// Writes the prepared model in `format`.
    fn write(&mut self, format: Format, stats: &mut EncodeStats, out: &mut Vec<u8>) {
        match format {
            Format::PrometheusProtobuf => {
                protobuf::write(&self.model, self.generation, &mut self.proto, stats, out);
            }
            _ => {
                let om = format == Format::OpenMetrics;
                text::write(&self.model, om, &mut self.le, stats, out);
            }
        }
    }

    fn encode_snapshot(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        escaping: Escaping,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        let dialect = self.dialect(format);
        if self.replay.ready == Some((format, escaping)) {
            if let Some(stats) = self.replay(metrics, format, &dialect, out) {
                self.replay.misses = 0;
                return stats;
            }
        }
        // The snapshot stays borrowed for the whole call.
        let stats = self.encode_inner(format, escaping, out, true, |parts| {
            walk::walk(metrics, parts)
        });
        let r = &mut self.replay;
        r.misses = r.misses.saturating_add(1);
        let clean = r.stats.dropped(DropReason::DuplicateSeries) == 0
            && r.stats.dropped(DropReason::InvalidCounterValue) == 0;
        if clean && r.worth_recording() && r.record(metrics, dialect.start_times, &self.model) {
            r.ready = Some((format, escaping));
        }
        stats
    }

    /// Writes `metrics` by replaying the previous encode (see [`replay`]), if
    /// it differs from that encode's snapshot in values only.
    fn replay(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        dialect: &Dialect,
        out: &mut Vec<u8>,
    ) -> Option<EncodeStats> {
        if !self
            .replay
            .check(metrics, dialect.start_times, &mut self.model)
            || !families::all_series_valid(&self.model, dialect)
        {
            self.replay.ready = None;
            return None;
        }
        let mut stats = self.replay.stats;
        self.write(format, &mut stats, out);
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
        // The protobuf writer's cache holds the model's label blocks once
        // more, re-encoded: it is freed with the model.
        let (used, held) = add_pairs(self.model.footprint(), self.scratch.footprint());
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
            self.model = Model::default();
            self.scratch = Scratch::default();
            self.proto = protobuf::Cache::default();
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
        let dialect = self.dialect(format);
        self.replay.ready = None;
        self.generation = self.generation.wrapping_add(1);
        self.model.clear(keys_outlive_call);
        self.scratch.clear(keys_outlive_call);
        {
            let mut parts = Parts::new(
                &self.config,
                dialect,
                escaping,
                &mut self.model,
                &mut self.scratch,
                &mut stats,
            );
            record(&mut parts);
        }
        families::prepare(&mut self.model, &dialect, &mut stats);
        self.replay.stats = stats;
        self.write(format, &mut stats, out);
        stats
    }
}

fn add_pairs(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0 + b.0, a.1 + b.1)
}
