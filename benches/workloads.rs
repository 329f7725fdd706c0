//! Benchmark workloads shared by `benches/encode.rs` (main crate) and the
//! `benches/compare` member, which includes this file with `#[path]`.
//!
//! A workload is first described as plain data (a [`Plan`]: scopes,
//! instruments, series and the values recorded into each series) so that
//! every contestant can be fed exactly the same series: the OpenTelemetry
//! SDK through [`provider`], and other libraries (e.g. `prometheus-client`)
//! through their own builders over the same plan.
//!
//! Depends only on `opentelemetry`, `opentelemetry_sdk` and the reader
//! handle in `otel_expfmt::__private`.

#![allow(dead_code)]

use std::collections::HashSet;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, SdkMeterProvider, Stream};
use opentelemetry_sdk::Resource;

/// The instrument kinds the workloads use, with the value type recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `u64` monotonic counter.
    Counter,
    /// `i64` up-down counter.
    UpDownCounter,
    /// `f64` gauge (last value wins).
    Gauge,
    /// `f64` explicit-bucket histogram with the SDK's default boundaries.
    Histogram,
    /// `f64` histogram aggregated by a view as a base-2 exponential
    /// histogram with the SDK's default limits ([`EXPONENTIAL`]).
    ExponentialHistogram,
}

/// The aggregation of [`Kind::ExponentialHistogram`]: the OpenTelemetry
/// SDK's defaults for `Base2ExponentialHistogram` (160 buckets, scale at
/// most 20, min and max recorded).
pub const EXPONENTIAL: Aggregation = Aggregation::Base2ExponentialHistogram {
    max_size: 160,
    max_scale: 20,
    record_min_max: true,
};

/// The SDK's default explicit-bucket histogram boundaries.
pub const DEFAULT_BOUNDS: [f64; 15] = [
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

/// One series: its attributes and the measurements recorded into it, in order.
/// Counter values are whole and non-negative, up-down values whole.
#[derive(Clone, Debug)]
pub struct SeriesPlan {
    pub attributes: Vec<(&'static str, String)>,
    pub measurements: Vec<f64>,
}

impl SeriesPlan {
    /// The attributes as SDK key-values.
    pub fn key_values(&self) -> Vec<KeyValue> {
        self.attributes
            .iter()
            .map(|(k, v)| KeyValue::new(*k, v.clone()))
            .collect()
    }
}

/// One instrument and its series.
#[derive(Clone, Debug)]
pub struct InstrumentPlan {
    /// The OpenTelemetry name (dotted).
    pub name: String,
    pub description: String,
    /// The UCUM unit given to the SDK.
    pub unit: &'static str,
    /// The Prometheus unit suffix that unit translates to, if any.
    pub prom_unit: Option<&'static str>,
    pub kind: Kind,
    pub series: Vec<SeriesPlan>,
}

impl InstrumentPlan {
    /// The name with every character outside `[a-zA-Z0-9_:]` replaced by `_`.
    pub fn prom_name(&self) -> String {
        self.name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// One instrumentation scope and its instruments.
#[derive(Clone, Debug)]
pub struct ScopePlan {
    pub name: String,
    pub version: Option<String>,
    pub instruments: Vec<InstrumentPlan>,
}

/// A whole workload.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Short identifier, used as the criterion group name.
    pub id: String,
    pub resource: Vec<(&'static str, String)>,
    pub scopes: Vec<ScopePlan>,
}

impl Plan {
    /// The number of series (a histogram counts once).
    pub fn series(&self) -> usize {
        self.instruments().map(|i| i.series.len()).sum()
    }

    /// Every instrument with its scope.
    pub fn instruments(&self) -> impl Iterator<Item = &InstrumentPlan> {
        self.scopes.iter().flat_map(|s| s.instruments.iter())
    }

    /// The resource given to the meter provider (exactly these attributes, no detectors).
    pub fn sdk_resource(&self) -> Resource {
        Resource::builder_empty()
            .with_attributes(
                self.resource
                    .iter()
                    .map(|(k, v)| KeyValue::new(*k, v.clone())),
            )
            .build()
    }
}

/// SplitMix64: a tiny deterministic generator, so every provider records identical data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// W4's observations per series.
pub const EXPONENTIAL_OBSERVATIONS: usize = 1_000;

/// Binary orders of magnitude W4's observations span (from 1 to 2^9.5,
/// about 724, i.e. 2.9 decades): at scale 4 (16 buckets per doubling) that
/// is 152 buckets, the most that fit the SDK's 160, so the SDK settles on
/// scale 4 with about 150 buckets per series.
pub const EXPONENTIAL_OCTAVES: f64 = 9.5;

/// The scale the SDK settles on for W4's series (see [`EXPONENTIAL_OCTAVES`]).
pub const EXPONENTIAL_SCALE: i8 = 4;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
const STATUSES: [&str; 6] = ["200", "201", "204", "400", "404", "500"];

/// The `k`-th attribute set: method, status and route, distinct for every `k`.
fn attributes(k: usize) -> Vec<(&'static str, String)> {
    vec![
        ("method", METHODS[k % 5].to_string()),
        ("status", STATUSES[(k / 5) % 6].to_string()),
        ("route", format!("/api/v1/items/{}", k / 30)),
    ]
}

/// Measurements for one series of `kind`.
fn measurements(kind: Kind, rng: &mut Rng) -> Vec<f64> {
    match kind {
        Kind::Counter => (0..2).map(|_| (1 + rng.below(50_000)) as f64).collect(),
        Kind::UpDownCounter => (0..2).map(|_| rng.below(2_000) as f64 - 900.0).collect(),
        // Two decimals, as a typical gauge reading.
        Kind::Gauge => vec![rng.below(10_000_000) as f64 / 100.0],
        // Spread over the default buckets (0..~1,400), non-round values.
        Kind::Histogram => (0..5).map(|_| rng.below(100_000) as f64 / 70.0).collect(),
        // Log-uniform over [1, 2^EXPONENTIAL_OCTAVES): about as many
        // observations in every bucket of an exponential histogram, and
        // enough of them (6-7 a bucket) that few buckets stay empty.
        Kind::ExponentialHistogram => (0..EXPONENTIAL_OBSERVATIONS)
            .map(|_| (EXPONENTIAL_OCTAVES * rng.unit()).exp2())
            .collect(),
    }
}

fn instrument(
    name: String,
    description: String,
    kind: Kind,
    unit: (&'static str, Option<&'static str>),
    sets: usize,
    rng: &mut Rng,
) -> InstrumentPlan {
    InstrumentPlan {
        name,
        description,
        unit: unit.0,
        prom_unit: unit.1,
        kind,
        series: (0..sets)
            .map(|k| SeriesPlan {
                attributes: attributes(k),
                measurements: measurements(kind, rng),
            })
            .collect(),
    }
}

fn service_resource() -> Vec<(&'static str, String)> {
    vec![("service.name", "bench-service".to_string())]
}

fn scope(i: usize) -> (String, Option<String>) {
    (format!("com.example.lib{i}"), Some(format!("1.{i}.0")))
}

/// W1: `counters` u64 counters × `sets` attribute sets, one scope.
pub fn counters(counters: usize, sets: usize) -> Plan {
    let mut rng = Rng::new(1);
    let (name, version) = scope(0);
    Plan {
        id: format!("w1_counters_{}", counters * sets),
        resource: service_resource(),
        scopes: vec![ScopePlan {
            name,
            version,
            instruments: (0..counters)
                .map(|i| {
                    instrument(
                        format!("http.server.requests.c{i:03}"),
                        format!("Requests handled by handler {i}."),
                        Kind::Counter,
                        ("", None),
                        sets,
                        &mut rng,
                    )
                })
                .collect(),
        }],
    }
}

/// W2: `histograms` f64 histograms (default buckets, unit `ms`) × `sets` attribute sets.
pub fn histograms(histograms: usize, sets: usize) -> Plan {
    let mut rng = Rng::new(2);
    let (name, version) = scope(0);
    Plan {
        id: format!("w2_histograms_{}", histograms * sets),
        resource: service_resource(),
        scopes: vec![ScopePlan {
            name,
            version,
            instruments: (0..histograms)
                .map(|i| {
                    instrument(
                        format!("http.server.duration.h{i:02}"),
                        format!("Time spent in handler {i}."),
                        Kind::Histogram,
                        ("ms", Some("milliseconds")),
                        sets,
                        &mut rng,
                    )
                })
                .collect(),
        }],
    }
}

/// W4: `histograms` f64 exponential histograms (SDK default limits, unit
/// `ms`) × `sets` attribute sets, each series holding
/// [`EXPONENTIAL_OBSERVATIONS`] log-uniform observations.
pub fn exponential(histograms: usize, sets: usize) -> Plan {
    let mut rng = Rng::new(4);
    let (name, version) = scope(0);
    Plan {
        id: format!("w4_exponential_{}", histograms * sets),
        resource: service_resource(),
        scopes: vec![ScopePlan {
            name,
            version,
            instruments: (0..histograms)
                .map(|i| {
                    instrument(
                        format!("rpc.client.duration.e{i:02}"),
                        format!("Time spent in call {i}."),
                        Kind::ExponentialHistogram,
                        ("ms", Some("milliseconds")),
                        sets,
                        &mut rng,
                    )
                })
                .collect(),
        }],
    }
}

/// W3: about `series` series of counters, up-down counters, gauges and
/// histograms (2:1:1:1 by instrument), `sets` series per instrument, spread
/// over `scopes` scopes, with a resource of `resource_attributes` attributes.
pub fn mixed(series: usize, sets: usize, scopes: usize, resource_attributes: usize) -> Plan {
    let mut rng = Rng::new(3);
    let instruments = series.div_ceil(sets);
    let mut plan_scopes: Vec<ScopePlan> = (0..scopes)
        .map(|s| {
            let (name, version) = scope(s);
            ScopePlan {
                name,
                version,
                instruments: Vec::new(),
            }
        })
        .collect();
    for i in 0..instruments {
        let (kind, prefix, unit) = match i % 5 {
            0 => (Kind::Counter, "net.io.sent", ("By", Some("bytes"))),
            1 => (Kind::Counter, "jobs.processed", ("", None)),
            2 => (Kind::UpDownCounter, "queue.items.active", ("", None)),
            3 => (Kind::Gauge, "cache.utilization", ("1", Some("ratio"))),
            _ => (
                Kind::Histogram,
                "rpc.server.duration",
                ("s", Some("seconds")),
            ),
        };
        let sets_here = sets.min(series - i * sets);
        let plan = instrument(
            format!("{prefix}.m{i:04}"),
            format!("Mixed workload instrument {i} ({kind:?})."),
            kind,
            unit,
            sets_here,
            &mut rng,
        );
        plan_scopes[i % scopes].instruments.push(plan);
    }
    let mut resource = service_resource();
    let extra = [
        "service.namespace",
        "service.version",
        "service.instance.id",
        "deployment.environment.name",
        "host.name",
        "host.arch",
        "os.type",
        "cloud.provider",
        "cloud.region",
        "k8s.namespace.name",
        "k8s.pod.name",
        "k8s.node.name",
    ];
    for (n, key) in extra
        .iter()
        .take(resource_attributes.saturating_sub(1))
        .enumerate()
    {
        resource.push((key, format!("value-{n}-of-{key}")));
    }
    Plan {
        id: format!("w3_mixed_{series}"),
        resource,
        scopes: plan_scopes,
    }
}

/// The three workloads of the benchmark issue, at their standard sizes.
pub fn standard() -> Vec<Plan> {
    vec![
        counters(100, 10),
        histograms(20, 50),
        mixed(10_000, 50, 3, 10),
    ]
}

/// W4 at its standard size: 20 exponential histograms × 50 attribute sets
/// (1,000 series of about 150 buckets each).
pub fn w4() -> Plan {
    exponential(20, 50)
}

/// W1 to W4.
pub fn all() -> Vec<Plan> {
    let mut plans = standard();
    plans.push(w4());
    plans
}

/// Records every measurement of `plan` through `provider`.
pub fn record(plan: &Plan, provider: &SdkMeterProvider) {
    for scope in &plan.scopes {
        let mut builder = InstrumentationScope::builder(scope.name.clone());
        if let Some(version) = &scope.version {
            builder = builder.with_version(version.clone());
        }
        let meter = provider.meter_with_scope(builder.build());
        for ins in &scope.instruments {
            let name = ins.name.clone();
            let desc = ins.description.clone();
            match ins.kind {
                Kind::Counter => {
                    let c = meter
                        .u64_counter(name)
                        .with_description(desc)
                        .with_unit(ins.unit)
                        .build();
                    for s in &ins.series {
                        let attrs = s.key_values();
                        for v in &s.measurements {
                            c.add(*v as u64, &attrs);
                        }
                    }
                }
                Kind::UpDownCounter => {
                    let c = meter
                        .i64_up_down_counter(name)
                        .with_description(desc)
                        .with_unit(ins.unit)
                        .build();
                    for s in &ins.series {
                        let attrs = s.key_values();
                        for v in &s.measurements {
                            c.add(*v as i64, &attrs);
                        }
                    }
                }
                Kind::Gauge => {
                    let g = meter
                        .f64_gauge(name)
                        .with_description(desc)
                        .with_unit(ins.unit)
                        .build();
                    for s in &ins.series {
                        let attrs = s.key_values();
                        for v in &s.measurements {
                            g.record(*v, &attrs);
                        }
                    }
                }
                Kind::Histogram | Kind::ExponentialHistogram => {
                    let h = meter
                        .f64_histogram(name)
                        .with_description(desc)
                        .with_unit(ins.unit)
                        .build();
                    for s in &ins.series {
                        let attrs = s.key_values();
                        for v in &s.measurements {
                            h.record(*v, &attrs);
                        }
                    }
                }
            }
        }
    }
}

/// Builds a meter provider with `plan`'s resource and `reader`, and records
/// `plan` into it. Instruments of kind [`Kind::ExponentialHistogram`] get
/// the [`EXPONENTIAL`] aggregation through a view.
pub fn provider<R: MetricReader>(plan: &Plan, reader: R) -> SdkMeterProvider {
    let mut builder = SdkMeterProvider::builder()
        .with_resource(plan.sdk_resource())
        .with_reader(reader);
    let exponential: HashSet<String> = plan
        .instruments()
        .filter(|i| i.kind == Kind::ExponentialHistogram)
        .map(|i| i.name.clone())
        .collect();
    if !exponential.is_empty() {
        builder = builder.with_view(move |i: &Instrument| {
            exponential.contains(i.name()).then(|| {
                Stream::builder()
                    .with_aggregation(EXPONENTIAL)
                    .build()
                    .expect("a valid exponential histogram stream")
            })
        });
    }
    let provider = builder.build();
    record(plan, &provider);
    provider
}

/// A cumulative `ManualReader` that the benchmark keeps a handle to after
/// giving a clone to the meter provider.
pub use otel_expfmt::__private::SharedManualReader;

/// Records `plan` into a fresh provider and collects one cumulative snapshot
/// through a `ManualReader`. The provider is returned so it outlives the snapshot's use.
pub fn snapshot(plan: &Plan) -> (SdkMeterProvider, ResourceMetrics) {
    let reader = SharedManualReader::new();
    let provider = provider(plan, reader.clone());
    let mut rm = ResourceMetrics::default();
    reader
        .collect(&mut rm)
        .expect("collecting the workload snapshot");
    let points: usize = rm
        .scope_metrics()
        .flat_map(|s| s.metrics())
        .map(data_points)
        .sum();
    assert_eq!(
        points,
        plan.series(),
        "{}: the SDK snapshot does not hold every planned series",
        plan.id
    );
    (provider, rm)
}

fn data_points(m: &opentelemetry_sdk::metrics::data::Metric) -> usize {
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics as A, MetricData as D};
    fn count<T>(d: &D<T>) -> usize {
        match d {
            D::Gauge(g) => g.data_points().count(),
            D::Sum(s) => s.data_points().count(),
            D::Histogram(h) => h.data_points().count(),
            D::ExponentialHistogram(e) => e.data_points().count(),
        }
    }
    match m.data() {
        A::F64(d) => count(d),
        A::U64(d) => count(d),
        A::I64(d) => count(d),
    }
}
