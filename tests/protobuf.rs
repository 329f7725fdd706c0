//! The Prometheus protobuf exposition, byte for byte. Expected bodies are
//! assembled by a small builder in this file (varints, tags and lengths
//! written here, independently of the encoder) from field values worked out
//! by hand from prometheus/client_model's `metrics.proto` and the
//! OpenTelemetry compatibility specification's native-histogram mapping:
//! bucket indexes, spans and deltas are computed in the comments. Every body
//! also goes to the strict checker and, in CI, to Go's reference decoder.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{Aggregation, Instrument, SdkMeterProvider, Stream, Temporality};
use opentelemetry_sdk::Resource;
use otel_expfmt::__private::{ExponentialData, MetricInfo, MetricKind, Number, Parts};
use otel_expfmt::{Config, DropReason, EncodeStats, Encoder, Escaping, Format};

// ---- a protobuf builder, for expectations -----------------------------------

/// One field of a message.
enum F {
    /// Varint (wire type 0).
    U(u32, u64),
    /// Zig-zag varint (`sint32`/`sint64`).
    S(u32, i64),
    /// 64-bit double (wire type 1).
    D(u32, f64),
    /// Length-delimited bytes.
    B(u32, Vec<u8>),
    /// Packed repeated zig-zag varints.
    PackedS(u32, Vec<i64>),
}

fn var(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn zz(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn msg(fields: Vec<F>) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        match f {
            F::U(n, v) => {
                var(&mut out, u64::from(n) << 3);
                var(&mut out, v);
            }
            F::S(n, v) => {
                var(&mut out, u64::from(n) << 3);
                var(&mut out, zz(v));
            }
            F::D(n, v) => {
                var(&mut out, (u64::from(n) << 3) | 1);
                out.extend_from_slice(&v.to_le_bytes());
            }
            F::B(n, b) => {
                var(&mut out, (u64::from(n) << 3) | 2);
                var(&mut out, b.len() as u64);
                out.extend_from_slice(&b);
            }
            F::PackedS(n, vs) => {
                let mut body = Vec::new();
                for v in vs {
                    var(&mut body, zz(v));
                }
                var(&mut out, (u64::from(n) << 3) | 2);
                var(&mut out, body.len() as u64);
                out.extend_from_slice(&body);
            }
        }
    }
    out
}

fn s(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// `LabelPair` fields of a `Metric` (field 1), in the given order.
fn labels(pairs: &[(&str, &str)]) -> Vec<F> {
    pairs
        .iter()
        .map(|(n, v)| F::B(1, msg(vec![F::B(1, s(n)), F::B(2, s(v))])))
        .collect()
}

/// A length-delimited `MetricFamily`.
fn family(name: &str, help: &str, kind: u64, metrics: Vec<Vec<u8>>, unit: &str) -> Vec<u8> {
    let mut fields = vec![F::B(1, s(name))];
    if !help.is_empty() {
        fields.push(F::B(2, s(help)));
    }
    fields.push(F::U(3, kind));
    fields.extend(metrics.into_iter().map(|m| F::B(4, m)));
    if !unit.is_empty() {
        fields.push(F::B(5, s(unit)));
    }
    let body = msg(fields);
    let mut out = Vec::new();
    var(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    out
}

const COUNTER: u64 = 0;
const GAUGE: u64 = 1;
const HISTOGRAM: u64 = 4;

fn timestamp(seconds: i64, nanos: i32) -> Vec<u8> {
    let mut fields = Vec::new();
    if seconds != 0 {
        fields.push(F::U(1, seconds as u64));
    }
    if nanos != 0 {
        fields.push(F::U(2, nanos as u64));
    }
    msg(fields)
}

/// 2^-128: the zero threshold of a native histogram without one.
const ZT: f64 = 2.938_735_877_055_719e-39;

/// A native histogram's `Histogram` message (without created timestamp).
struct Native {
    count: u64,
    sum: f64,
    schema: i64,
    zero_threshold: f64,
    zero_count: u64,
    negative: (Vec<(i64, u64)>, Vec<i64>),
    positive: (Vec<(i64, u64)>, Vec<i64>),
}

fn native(h: Native, created: Option<Vec<u8>>) -> Vec<u8> {
    let mut fields = vec![
        F::U(1, h.count),
        F::D(2, h.sum),
        F::S(5, h.schema),
        F::D(6, h.zero_threshold),
        F::U(7, h.zero_count),
    ];
    for (span_field, delta_field, (spans, deltas)) in [(9, 10, h.negative), (12, 13, h.positive)] {
        for (offset, length) in spans {
            fields.push(F::B(
                span_field,
                msg(vec![F::S(1, offset), F::U(2, length)]),
            ));
        }
        if !deltas.is_empty() {
            fields.push(F::PackedS(delta_field, deltas));
        }
    }
    if let Some(ts) = created {
        fields.push(F::B(15, ts));
    }
    msg(fields)
}

// ---- helpers ----------------------------------------------------------------

fn encode_pb(config: Config, rm: &ResourceMetrics) -> (Vec<u8>, EncodeStats) {
    let mut out = Vec::new();
    let stats = Encoder::new(config).encode(rm, Format::PrometheusProtobuf, &mut out);
    (out, stats)
}

fn run(config: Config, record: impl FnOnce(&mut Parts<'_>)) -> (Vec<u8>, EncodeStats) {
    let mut out = Vec::new();
    let stats = Encoder::new(config).encode_parts(
        Format::PrometheusProtobuf,
        Escaping::Underscores,
        &mut out,
        record,
    );
    (out, stats)
}

/// A cumulative metric without description or unit, for [`run`].
fn cumulative(name: &str, kind: MetricKind, start_time: Option<SystemTime>) -> MetricInfo<'_> {
    MetricInfo {
        name,
        description: "",
        unit: "",
        kind,
        temporality: Temporality::Cumulative,
        start_time,
    }
}

fn attrs(kvs: &[KeyValue]) -> impl Iterator<Item = (&str, &Value)> {
    kvs.iter().map(|kv| (kv.key.as_str(), &kv.value))
}

fn plain() -> Config {
    Config::default().without_scope_info().without_target_info()
}

/// The start time the SDK gave the first metric of the snapshot, as a
/// `Timestamp` message.
fn start_time(rm: &ResourceMetrics) -> Vec<u8> {
    let metric = rm.scope_metrics().next().unwrap().metrics().next().unwrap();
    let t = match metric.data() {
        AggregatedMetrics::F64(MetricData::ExponentialHistogram(h)) => h.start_time(),
        AggregatedMetrics::F64(MetricData::Histogram(h)) => h.start_time(),
        AggregatedMetrics::U64(MetricData::Sum(s)) => s.start_time(),
        _ => panic!("no start time"),
    };
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    timestamp(d.as_secs() as i64, d.subsec_nanos() as i32)
}

/// A provider whose histogram `h` is exponential with `max_scale`.
fn exponential(max_scale: i8) -> (SdkMeterProvider, SharedManualReader) {
    provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        move |b| {
            b.with_view(move |i: &Instrument| {
                (i.name() == "h").then(|| {
                    Stream::builder()
                        .with_aggregation(Aggregation::Base2ExponentialHistogram {
                            max_size: 160,
                            max_scale,
                            record_min_max: false,
                        })
                        .build()
                        .expect("valid stream")
                })
            })
        },
    )
}

fn check_pb(name: &str, body: &[u8]) {
    keep_bytes(
        name,
        Format::PrometheusProtobuf,
        Escaping::Underscores,
        body,
    );
}

// ---- counters, gauges, classic histograms, target_info -----------------------

#[test]
fn counter_gauge_and_classic_histogram() {
    let (p, r) = provider_with(
        Resource::builder_empty().with_service_name("shop").build(),
        Temporality::Cumulative,
        |b| b,
    );
    let m = p.meter("app");
    m.u64_counter("jobs.done")
        .with_description("Jobs \"done\".")
        .build()
        .add(3, &[KeyValue::new("q", "a\"b\\c\nd")]);
    m.f64_gauge("temp").build().record(-1.5, &[]);
    m.f64_histogram("lat")
        .with_unit("s")
        .with_boundaries(vec![0.1, 1.0])
        .build()
        .record(0.5, &[KeyValue::new("route", "/x,y")]);
    let rm = snapshot(&r);
    let (body, stats) = encode_pb(Config::default(), &rm);
    let created = |name: &str| {
        let metric = rm
            .scope_metrics()
            .flat_map(|s| s.metrics())
            .find(|m| m.name() == name)
            .unwrap();
        let t = match metric.data() {
            AggregatedMetrics::U64(MetricData::Sum(s)) => s.start_time(),
            AggregatedMetrics::F64(MetricData::Histogram(h)) => h.start_time(),
            _ => unreachable!(),
        };
        let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap();
        timestamp(d.as_secs() as i64, d.subsec_nanos() as i32)
    };
    let scope = ("otel_scope_name", "app");
    let mut want = Vec::new();
    // target_info first, a gauge of value 1.
    want.extend(family(
        "target_info",
        "Target metadata",
        GAUGE,
        vec![msg(labels(&[("service_name", "shop")])
            .into_iter()
            .chain([F::B(2, msg(vec![F::D(1, 1.0)]))])
            .collect())],
        "",
    ));
    // The counter's family has the series' name (with `_total`); label
    // values are unescaped bytes; the start time is the created timestamp.
    want.extend(family(
        "jobs_done_total",
        "Jobs \"done\".",
        COUNTER,
        vec![msg(labels(&[scope, ("q", "a\"b\\c\nd")])
            .into_iter()
            .chain([F::B(
                3,
                msg(vec![F::D(1, 3.0), F::B(3, created("jobs.done"))]),
            )])
            .collect())],
        "",
    ));
    // Classic buckets: cumulative counts, the `+Inf` bucket explicit.
    let bucket = |count: u64, bound: f64| F::B(3, msg(vec![F::U(1, count), F::D(2, bound)]));
    want.extend(family(
        "lat_seconds",
        "",
        HISTOGRAM,
        vec![msg(labels(&[scope, ("route", "/x,y")])
            .into_iter()
            .chain([F::B(
                7,
                msg(vec![
                    F::U(1, 1),
                    F::D(2, 0.5),
                    bucket(0, 0.1),
                    bucket(1, 1.0),
                    bucket(1, f64::INFINITY),
                    F::B(15, created("lat")),
                ]),
            )])
            .collect())],
        "seconds",
    ));
    want.extend(family(
        "temp",
        "",
        GAUGE,
        vec![msg(labels(&[scope])
            .into_iter()
            .chain([F::B(2, msg(vec![F::D(1, -1.5)]))])
            .collect())],
        "",
    ));
    assert_eq!(body, want);
    assert_eq!((stats.families, stats.series), (4, 4));
    assert_eq!(stats.bytes, body.len() as u64);
    check_pb("pb_counter_gauge_histogram", &body);
}

#[test]
fn exemplars_and_created_timestamps_from_plain_values() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_225_600_500);
    let at = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_767_225_601_000_000_007);
    let trace = [0xab; 16];
    let span = [0xcd; 8];
    let tenant = [KeyValue::new("tenant", "t1")];
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(cumulative("jobs", MetricKind::Counter, Some(start)));
        p.number(attrs(&[]), Number::U64(7));
        p.exemplar(Number::F64(1.5), at, trace, span, attrs(&tenant));
        p.metric(cumulative("lat", MetricKind::Histogram, Some(start)));
        p.histogram(attrs(&[]), [1.0], [1, 1], 2, Number::F64(3.5));
        // In the +Inf bucket only.
        p.exemplar(Number::F64(2.5), at, trace, span, attrs(&[]));
    };
    let (body, stats) = run(plain(), record);
    let created = timestamp(1_767_225_600, 500_000_000);
    let exemplar = |value: f64, extra: &[(&str, &str)]| {
        // As in OpenMetrics: trace and span id first, then the attributes.
        let mut pairs = vec![
            ("trace_id", "abababababababababababababababab"),
            ("span_id", "cdcdcdcdcdcdcdcd"),
        ];
        pairs.extend_from_slice(extra);
        let mut fields = labels(&pairs);
        fields.push(F::D(2, value));
        fields.push(F::B(3, timestamp(1_767_225_601, 7)));
        msg(fields)
    };
    let mut want = family(
        "jobs_total",
        "",
        COUNTER,
        vec![msg(vec![F::B(
            3,
            msg(vec![
                F::D(1, 7.0),
                F::B(2, exemplar(1.5, &[("tenant", "t1")])),
                F::B(3, created.clone()),
            ]),
        )])],
        "",
    );
    want.extend(family(
        "lat",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            msg(vec![
                F::U(1, 2),
                F::D(2, 3.5),
                F::B(3, msg(vec![F::U(1, 1), F::D(2, 1.0)])),
                F::B(
                    3,
                    msg(vec![
                        F::U(1, 2),
                        F::D(2, f64::INFINITY),
                        F::B(3, exemplar(2.5, &[])),
                    ]),
                ),
                F::B(15, created),
            ]),
        )])],
        "",
    ));
    assert_eq!(body, want);
    assert_eq!(stats.dropped_total(), 0);
    check_pb("pb_exemplars", &body);
}

/// Bucket counts of 128 and more take varints of several bytes (7 bits a
/// byte, low bits first, the high bit set on every byte but the last):
/// 127 is `7f`, 128 is `80 01`, 16384 is `80 80 01`, 2^40 is six bytes.
#[test]
fn classic_bucket_counts_of_several_varint_bytes() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(cumulative("lat", MetricKind::Histogram, None));
        // Cumulative: 127, 128, 16384, then 2^40 in the +Inf bucket.
        p.histogram(
            attrs(&[]),
            [1.0, 2.0, 3.0],
            [127, 1, 16_256, (1 << 40) - 16_384],
            1 << 40,
            Number::F64(0.5),
        );
    };
    let (body, stats) = run(plain(), record);
    let bucket = |count: u64, bound: f64| F::B(3, msg(vec![F::U(1, count), F::D(2, bound)]));
    let want = family(
        "lat",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            msg(vec![
                F::U(1, 1 << 40),
                F::D(2, 0.5),
                bucket(127, 1.0),
                bucket(128, 2.0),
                bucket(16_384, 3.0),
                bucket(1 << 40, f64::INFINITY),
            ]),
        )])],
        "",
    );
    // The builder's varints, checked against the encoding rule itself.
    let mut v = Vec::new();
    var(&mut v, 16_384);
    var(&mut v, 1 << 40);
    assert_eq!(v, [0x80, 0x80, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    assert_eq!(body, want);
    assert_eq!(stats.dropped_total(), 0);
    check_pb("pb_classic_large_counts", &body);
}

// ---- native histograms --------------------------------------------------------

/// Scale 0 (base 2). OpenTelemetry bucket `i` holds `(2^i, 2^(i+1)]`,
/// Prometheus bucket `i` holds `(2^(i-1), 2^i]`: index + 1.
///
/// - 1 → OTel 0-1=-1 → Prometheus 0 `(0.5, 1]`; 2 → 1 `(1, 2]`; 4 → 2 `(2, 4]`
/// - 100 → 7 `(64, 128]`; 1000 → 10 `(512, 1024]`
/// - -1, -2, -4 → negative 0, 1, 2; 0 → the zero bucket.
///
/// Positive buckets 0, 1, 2, 7, 10: a gap of 4 (3..=6) starts a new span
/// with offset 4 (buckets skipped); a gap of 2 (8, 9) is filled with zeros.
/// Spans (0, 3), (4, 4); deltas 1, 0, 0, then 1-1=0, -1, 0, +1.
#[test]
fn native_histogram_with_negative_values_zeros_and_gaps() {
    let (p, r) = exponential(0);
    let h = p.meter("app").f64_histogram("h").build();
    for v in [-1.0, -2.0, -4.0, 0.0, 1.0, 2.0, 4.0, 100.0, 1000.0] {
        h.record(v, &[]);
    }
    let rm = snapshot(&r);
    let (body, stats) = encode_pb(Config::default().without_scope_info(), &rm);
    let want = family(
        "h",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            native(
                Native {
                    count: 9,
                    sum: 1100.0,
                    schema: 0,
                    zero_threshold: ZT,
                    zero_count: 1,
                    negative: (vec![(0, 3)], vec![1, 0, 0]),
                    positive: (vec![(0, 3), (4, 4)], vec![1, 0, 0, 0, -1, 0, 1]),
                },
                Some(start_time(&rm)),
            ),
        )])],
        "",
    );
    assert_eq!(body, want);
    assert_eq!(stats.dropped_total(), 0);
    check_pb("pb_native", &body);
}

/// Scale 10 is finer than Prometheus' finest schema (8): buckets are merged
/// by 2^2, OTel index `i` → `(i >> 2) + 1`. At scale 10 a value `v` is in
/// bucket `ceil(log2(v) * 1024) - 1`: 1.5 (log2 = 0.58496..., times 1024 =
/// 599.0016) in 599; `2^((k + 0.5) / 1024)` in `k` for k = 600, 601, 607.
/// Schema 8: 599 >> 2 = 149 → 150; 600 and 601 >> 2 = 150 → 151 (merged);
/// 607 >> 2 = 151 → 152. One span (150, 3); counts 1, 2, 1, deltas 1, 1, -1.
#[test]
fn native_histogram_downscaled_from_scale_ten() {
    let (p, r) = exponential(10);
    let h = p.meter("app").f64_histogram("h").build();
    let at = |k: f64| 2f64.powf((k + 0.5) / 1024.0);
    let values = [1.5, at(600.0), at(601.0), at(607.0)];
    for v in values {
        h.record(v, &[]);
    }
    let rm = snapshot(&r);
    let (body, _) = encode_pb(Config::default().without_scope_info(), &rm);
    let want = family(
        "h",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            native(
                Native {
                    count: 4,
                    sum: values.iter().sum(),
                    schema: 8,
                    zero_threshold: ZT,
                    zero_count: 0,
                    negative: (vec![], vec![]),
                    positive: (vec![(150, 3)], vec![1, 1, -1]),
                },
                Some(start_time(&rm)),
            ),
        )])],
        "",
    );
    assert_eq!(body, want);
    check_pb("pb_native_downscaled", &body);
}

/// A histogram with no observation: no spans, no deltas, the zero
/// threshold 2^-128 > 0 so that Prometheus 2.40 to 2.46 read it as native.
#[test]
fn an_empty_native_histogram_keeps_its_zero_threshold() {
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("h", MetricKind::ExponentialHistogram, None));
        let data = ExponentialData {
            scale: 3,
            zero_count: 0,
            zero_threshold: 0.0,
            positive_offset: 0,
            positive_counts: [0u64; 0],
            negative_offset: 0,
            negative_counts: [0u64; 0],
        };
        p.exponential_histogram(attrs(&[]), data, 0, Number::F64(0.0));
    };
    let (body, stats) = run(plain(), record);
    let want = family(
        "h",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            native(
                Native {
                    count: 0,
                    sum: 0.0,
                    schema: 3,
                    zero_threshold: ZT,
                    zero_count: 0,
                    negative: (vec![], vec![]),
                    positive: (vec![], vec![]),
                },
                None,
            ),
        )])],
        "",
    );
    assert_eq!(body, want);
    assert_eq!(stats.dropped_total(), 0);
    check_pb("pb_native_empty", &body);
}

/// What a native histogram cannot hold is dropped or corrected, and counted:
/// a scale below -4 (the coarsest schema), a bucket count beyond 2^63 - 1
/// or counts whose total is beyond 2^64 - 1, and a count that is not the
/// zero count plus the buckets (Prometheus
/// rejects the whole scrape otherwise).
#[test]
fn native_histograms_prometheus_would_reject_are_not_written() {
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("h", MetricKind::ExponentialHistogram, None));
        let data = |scale| ExponentialData {
            scale,
            zero_count: 1,
            zero_threshold: 0.0,
            positive_offset: 0,
            positive_counts: [2u64],
            negative_offset: 0,
            negative_counts: [0u64; 0],
        };
        let coarse = [KeyValue::new("k", "coarse")];
        p.exponential_histogram(attrs(&coarse), data(-5), 3, Number::F64(3.0));
        // Count 4, but the buckets hold 3 (the SDK counts a value that fit
        // no bucket): written with count 3.
        let off = [KeyValue::new("k", "off")];
        p.exponential_histogram(attrs(&off), data(0), 4, Number::F64(3.0));
        // A bucket count beyond 2^63 - 1: counts travel as signed deltas
        // (encode_parts found it).
        let huge = [KeyValue::new("k", "huge")];
        let one_huge = ExponentialData {
            positive_counts: [1u64 << 63],
            ..data(0)
        };
        p.exponential_histogram(attrs(&huge), one_huge, 1 << 63, Number::F64(3.0));
        // Buckets that fit, but whose total does not fit 64 bits.
        let sum = [KeyValue::new("k", "sum")];
        let three_large = ExponentialData {
            scale: 0,
            zero_count: 0,
            zero_threshold: 0.0,
            positive_offset: 0,
            positive_counts: [i64::MAX as u64; 3],
            negative_offset: 0,
            negative_counts: [0u64; 0],
        };
        p.exponential_histogram(attrs(&sum), three_large, u64::MAX, Number::F64(3.0));
    };
    let (body, stats) = run(plain(), record);
    assert_eq!(stats.dropped(DropReason::NativeHistogram), 3);
    assert_eq!(stats.dropped(DropReason::HistogramCount), 1);
    // Scale 0, OTel bucket 0 → Prometheus 1, (1, 2].
    let want = family(
        "h",
        "",
        HISTOGRAM,
        vec![msg(labels(&[("k", "off")])
            .into_iter()
            .chain([F::B(
                7,
                native(
                    Native {
                        count: 3,
                        sum: 3.0,
                        schema: 0,
                        zero_threshold: ZT,
                        zero_count: 1,
                        negative: (vec![], vec![]),
                        positive: (vec![(1, 1)], vec![2]),
                    },
                    None,
                ),
            )])
            .collect())],
        "",
    );
    assert_eq!(body, want);
    check_pb("pb_native_rejected", &body);
}

/// Two native histogram points of one metric whose labels render the same
/// (`a.b` and `a/b` both become `a_b`) are one series: the one kept is
/// decided by value (the smaller count), not by the order they arrive in.
#[test]
fn duplicate_native_histograms_keep_the_same_one_in_any_order() {
    let dot = [KeyValue::new("a.b", "x")];
    let slash = [KeyValue::new("a/b", "x")];
    // Scale 0: OTel bucket 0 is Prometheus bucket 1, (1, 2].
    let point = |zero_count: u64, bucket: u64| ExponentialData {
        scale: 0,
        zero_count,
        zero_threshold: 0.0,
        positive_offset: 0,
        positive_counts: [bucket],
        negative_offset: 0,
        negative_counts: [0u64; 0],
    };
    let body = |dot_first: bool| {
        let record = |p: &mut Parts<'_>| {
            p.metric(cumulative("h", MetricKind::ExponentialHistogram, None));
            // `a.b`: count 1 + 2 = 3; `a/b`: count 1.
            let (first, second) = if dot_first {
                ((&dot, point(1, 2), 3), (&slash, point(0, 1), 1))
            } else {
                ((&slash, point(0, 1), 1), (&dot, point(1, 2), 3))
            };
            for (labels, data, count) in [first, second] {
                p.exponential_histogram(attrs(labels), data, count, Number::F64(1.5));
            }
        };
        let (body, stats) = run(plain(), record);
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
        assert_eq!(stats.dropped_total(), 1);
        body
    };
    let want = family(
        "h",
        "",
        HISTOGRAM,
        vec![msg(labels(&[("a_b", "x")])
            .into_iter()
            .chain([F::B(
                7,
                native(
                    Native {
                        count: 1,
                        sum: 1.5,
                        schema: 0,
                        zero_threshold: ZT,
                        zero_count: 0,
                        negative: (vec![], vec![]),
                        positive: (vec![(1, 1)], vec![1]),
                    },
                    None,
                ),
            )])
            .collect())],
        "",
    );
    assert_eq!(body(true), want);
    assert_eq!(body(false), want);
    check_pb("pb_native_duplicate", &want);
}

/// `Gauge` has no exemplar field: a gauge point's exemplar is not written,
/// and counted.
#[test]
fn a_gauge_exemplar_is_counted_not_written() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("temp", MetricKind::Gauge, None));
        p.number(attrs(&[]), Number::F64(1.5));
        p.exemplar(Number::F64(1.5), at, [1; 16], [2; 8], attrs(&[]));
    };
    let (body, stats) = run(plain(), record);
    let want = family(
        "temp",
        "",
        GAUGE,
        vec![msg(vec![F::B(2, msg(vec![F::D(1, 1.5)]))])],
        "",
    );
    assert_eq!(body, want);
    assert_eq!(stats.dropped(DropReason::Exemplar), 1);
    assert_eq!(stats.dropped_total(), 1);
    check_pb("pb_gauge_exemplar", &body);
}

/// A `google.protobuf.Timestamp` holds the years 1 to 9999 only. A start
/// time outside them is left out; an exemplar outside them is not written
/// (Prometheus rejects the scrape otherwise) and counted.
#[test]
fn times_a_timestamp_cannot_hold_are_left_out() {
    let far_past = SystemTime::UNIX_EPOCH - Duration::from_secs(70_000_000_000);
    let far_future = SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000);
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("jobs", MetricKind::Counter, Some(far_past)));
        p.number(attrs(&[]), Number::U64(1));
        p.exemplar(Number::U64(1), far_future, [1; 16], [2; 8], attrs(&[]));
    };
    let (body, stats) = run(plain(), record);
    let want = family(
        "jobs_total",
        "",
        COUNTER,
        vec![msg(vec![F::B(3, msg(vec![F::D(1, 1.0)]))])],
        "",
    );
    assert_eq!(body, want);
    assert_eq!(stats.dropped(DropReason::Exemplar), 1);
    check_pb("pb_times_out_of_range", &body);
}

/// encode_parts: a scale far beyond any SDK's (the field is an `i8`) shifted
/// bucket indexes by more than 63 bits. Every bucket of scale 120 lies
/// within a factor 2^(2^-120) of 1, so at schema 8 they all merge into the
/// buckets of 1: OTel index `i >= 0` becomes Prometheus 0 + 1 = 1, `(1, 2^(1/256)]`.
#[test]
fn a_scale_far_beyond_the_sdks_is_downscaled_without_overflow() {
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("h", MetricKind::ExponentialHistogram, None));
        let data = ExponentialData {
            scale: 120,
            zero_count: 0,
            zero_threshold: 0.0,
            positive_offset: 5,
            positive_counts: [1u64, 2],
            negative_offset: -7,
            negative_counts: [3u64],
        };
        p.exponential_histogram(attrs(&[]), data, 6, Number::F64(1.0));
    };
    let (body, stats) = run(plain(), record);
    assert_eq!(stats.dropped_total(), 0);
    // Negative OTel -7 >> 112 = -1 → Prometheus 0, [-1, -2^(-1/256)).
    let want = family(
        "h",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            native(
                Native {
                    count: 6,
                    sum: 1.0,
                    schema: 8,
                    zero_threshold: ZT,
                    zero_count: 0,
                    negative: (vec![(0, 1)], vec![3]),
                    positive: (vec![(1, 1)], vec![3]),
                },
                None,
            ),
        )])],
        "",
    );
    assert_eq!(body, want);
    check_pb("pb_native_huge_scale", &body);
}

// ---- exemplars at the edges --------------------------------------------------

/// `SystemTime` of `seconds` and `nanos` after the epoch.
fn at(seconds: u64, nanos: u32) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos)
}

/// An `Exemplar` message: trace and span id labels (as OpenMetrics puts
/// them first), then `extra`, the value and the timestamp.
fn exemplar_msg(
    trace: u8,
    span: u8,
    extra: &[(&str, &str)],
    value: f64,
    ts: (i64, i32),
) -> Vec<u8> {
    let trace_id = format!("{trace:02x}").repeat(16);
    let span_id = format!("{span:02x}").repeat(8);
    let mut pairs = vec![
        ("trace_id", trace_id.as_str()),
        ("span_id", span_id.as_str()),
    ];
    pairs.extend_from_slice(extra);
    let mut fields = labels(&pairs);
    fields.push(F::D(2, value));
    fields.push(F::B(3, timestamp(ts.0, ts.1)));
    msg(fields)
}

/// A native histogram carries all its exemplars (`Histogram.exemplars`,
/// field 16, after the created timestamp), each with a timestamp as
/// metrics.proto requires; they are written oldest first (then by labels),
/// whatever order they were recorded in. One whose time a `Timestamp`
/// cannot hold is not written, and counted.
#[test]
fn native_histogram_exemplars_are_written_oldest_first() {
    let far_future = SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000);
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative(
            "h",
            MetricKind::ExponentialHistogram,
            Some(at(1_767_225_600, 0)),
        ));
        // Scale 0: OTel buckets 0 (1, 2] and 1 (2, 4] are Prometheus
        // buckets 1 and 2: one span (1, 2), deltas 1, 0.
        let data = ExponentialData {
            scale: 0,
            zero_count: 0,
            zero_threshold: 0.0,
            positive_offset: 0,
            positive_counts: [1u64, 1],
            negative_offset: 0,
            negative_counts: [0u64; 0],
        };
        p.exponential_histogram(attrs(&[]), data, 2, Number::F64(4.5));
        let tenant = [KeyValue::new("tenant", "a")];
        p.exemplar(
            Number::F64(3.0),
            at(1_767_225_602, 5),
            [3; 16],
            [3; 8],
            attrs(&[]),
        );
        p.exemplar(Number::F64(2.0), far_future, [9; 16], [9; 8], attrs(&[]));
        p.exemplar(
            Number::F64(1.5),
            at(1_767_225_601, 0),
            [2; 16],
            [2; 8],
            attrs(&tenant),
        );
        p.exemplar(
            Number::F64(1.25),
            at(1_767_225_601, 0),
            [1; 16],
            [1; 8],
            attrs(&[]),
        );
    };
    let (body, stats) = run(plain(), record);
    assert_eq!(stats.dropped(DropReason::Exemplar), 1);
    assert_eq!(stats.dropped_total(), 1);
    let mut fields = native(
        Native {
            count: 2,
            sum: 4.5,
            schema: 0,
            zero_threshold: ZT,
            zero_count: 0,
            negative: (vec![], vec![]),
            positive: (vec![(1, 2)], vec![1, 0]),
        },
        Some(timestamp(1_767_225_600, 0)),
    );
    // At one time, the label sets decide: trace id 0101... sorts before 0202...
    for x in [
        exemplar_msg(1, 1, &[], 1.25, (1_767_225_601, 0)),
        exemplar_msg(2, 2, &[("tenant", "a")], 1.5, (1_767_225_601, 0)),
        exemplar_msg(3, 3, &[], 3.0, (1_767_225_602, 5)),
    ] {
        fields.extend(msg(vec![F::B(16, x)]));
    }
    let want = family("h", "", HISTOGRAM, vec![msg(vec![F::B(7, fields)])], "");
    assert_eq!(body, want);
    check_pb("pb_native_exemplars", &body);
}

/// A classic bucket holds the values in `(previous bound, bound]`: an
/// exemplar exactly on a bound belongs to that bound's bucket, not to the
/// next one, even when it is the latest of all. Each bucket carries the
/// latest exemplar in its range; the others are counted.
#[test]
fn classic_bucket_exemplars_on_a_bound_belong_to_its_bucket() {
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("lat", MetricKind::Histogram, None));
        p.histogram(attrs(&[]), [1.0, 2.0], [1, 2, 1], 4, Number::F64(6.0));
        p.exemplar(
            Number::F64(2.0),
            at(1_767_225_601, 0),
            [2; 16],
            [2; 8],
            attrs(&[]),
        );
        p.exemplar(
            Number::F64(1.0),
            at(1_767_225_603, 0),
            [1; 16],
            [1; 8],
            attrs(&[]),
        );
        p.exemplar(
            Number::F64(1.5),
            at(1_767_225_600, 0),
            [4; 16],
            [4; 8],
            attrs(&[]),
        );
        p.exemplar(
            Number::F64(2.5),
            at(1_767_225_602, 0),
            [3; 16],
            [3; 8],
            attrs(&[]),
        );
    };
    let (body, stats) = run(plain(), record);
    // 1.5 is older than 2.0 in the bucket (1, 2].
    assert_eq!(stats.dropped(DropReason::Exemplar), 1);
    assert_eq!(stats.dropped_total(), 1);
    let bucket = |count: u64, bound: f64, x: Vec<u8>| {
        F::B(3, msg(vec![F::U(1, count), F::D(2, bound), F::B(3, x)]))
    };
    let want = family(
        "lat",
        "",
        HISTOGRAM,
        vec![msg(vec![F::B(
            7,
            msg(vec![
                F::U(1, 4),
                F::D(2, 6.0),
                bucket(1, 1.0, exemplar_msg(1, 1, &[], 1.0, (1_767_225_603, 0))),
                bucket(3, 2.0, exemplar_msg(2, 2, &[], 2.0, (1_767_225_601, 0))),
                bucket(
                    4,
                    f64::INFINITY,
                    exemplar_msg(3, 3, &[], 2.5, (1_767_225_602, 0)),
                ),
            ]),
        )])],
        "",
    );
    assert_eq!(body, want);
    check_pb("pb_bucket_exemplars_on_bounds", &body);
}

/// A counter carries its latest exemplar whose time a `Timestamp` can hold;
/// the others are counted.
#[test]
fn a_counter_carries_its_latest_writable_exemplar() {
    let far_future = SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000);
    let record = |p: &mut Parts<'_>| {
        p.metric(cumulative("jobs", MetricKind::Counter, None));
        p.number(attrs(&[]), Number::U64(5));
        p.exemplar(
            Number::U64(1),
            at(1_767_225_601, 0),
            [1; 16],
            [1; 8],
            attrs(&[]),
        );
        p.exemplar(Number::U64(3), far_future, [3; 16], [3; 8], attrs(&[]));
        p.exemplar(
            Number::U64(2),
            at(1_767_225_602, 0),
            [2; 16],
            [2; 8],
            attrs(&[]),
        );
        p.exemplar(
            Number::U64(4),
            at(1_767_225_600, 0),
            [4; 16],
            [4; 8],
            attrs(&[]),
        );
    };
    let (body, stats) = run(plain(), record);
    assert_eq!(stats.dropped(DropReason::Exemplar), 3);
    assert_eq!(stats.dropped_total(), 3);
    let want = family(
        "jobs_total",
        "",
        COUNTER,
        vec![msg(vec![F::B(
            3,
            msg(vec![
                F::D(1, 5.0),
                F::B(2, exemplar_msg(2, 2, &[], 2.0, (1_767_225_602, 0))),
            ]),
        )])],
        "",
    );
    assert_eq!(body, want);
    check_pb("pb_counter_latest_exemplar", &body);
}

// ---- families of several metrics, units, the output buffer -------------------

/// Two scopes' counters of one name are one family. The created timestamp
/// is each series' own metric's start time, also when the sorted series
/// alternate between the metrics.
#[test]
fn each_series_has_its_own_metrics_created_timestamp() {
    let record = |p: &mut Parts<'_>| {
        for (scope, start, sets) in [
            ("a", at(1_767_225_600, 0), &["1", "3"][..]),
            ("b", at(1_767_225_700, 250), &["2"][..]),
        ] {
            p.scope(scope, None, None, attrs(&[]));
            p.metric(cumulative("jobs", MetricKind::Counter, Some(start)));
            for (i, set) in sets.iter().enumerate() {
                let kv = [KeyValue::new("x", *set)];
                p.number(attrs(&kv), Number::U64(i as u64 + 1));
            }
        }
    };
    let (body, stats) = run(plain(), record);
    assert_eq!(stats.dropped_total(), 0);
    let series = |x: &str, value: f64, created: (i64, i32)| {
        msg(labels(&[("x", x)])
            .into_iter()
            .chain([F::B(
                3,
                msg(vec![
                    F::D(1, value),
                    F::B(3, timestamp(created.0, created.1)),
                ]),
            )])
            .collect())
    };
    // Sorted by label set: x=1 (scope a), x=2 (scope b), x=3 (scope a).
    let want = family(
        "jobs_total",
        "",
        COUNTER,
        vec![
            series("1", 1.0, (1_767_225_600, 0)),
            series("2", 1.0, (1_767_225_700, 250)),
            series("3", 2.0, (1_767_225_600, 0)),
        ],
        "",
    );
    assert_eq!(body, want);
    check_pb("pb_created_per_metric", &body);
}

/// `MetricFamily.unit` is written when it is a `_<unit>` suffix of the
/// family name, for a counter before its `_total` (as in OpenMetrics, where
/// the counter family is named without it). A gauge whose name ends in the
/// unit `total` keeps it.
#[test]
fn units_are_written_when_the_name_ends_with_them() {
    let (p, r) = provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        |b| b,
    );
    let m = p.meter("app");
    m.u64_counter("busy").with_unit("s").build().add(2, &[]);
    m.i64_gauge("queue")
        .with_unit("total")
        .build()
        .record(4, &[]);
    let rm = snapshot(&r);
    let (body, stats) = encode_pb(plain(), &rm);
    assert_eq!(stats.dropped_total(), 0);
    let mut want = family(
        "busy_seconds_total",
        "",
        COUNTER,
        vec![msg(vec![F::B(
            3,
            msg(vec![F::D(1, 2.0), F::B(3, start_time(&rm))]),
        )])],
        "seconds",
    );
    want.extend(family(
        "queue_total",
        "",
        GAUGE,
        vec![msg(vec![F::B(2, msg(vec![F::D(1, 4.0)]))])],
        "total",
    ));
    assert_eq!(body, want);
    check_pb("pb_units", &body);
}

/// The encoder appends to the buffer it is given and never clears it; the
/// byte count in its stats is what it appended.
#[test]
fn bodies_are_appended_and_their_bytes_counted() {
    let (p, r) = provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        |b| b,
    );
    p.meter("app").f64_gauge("temp").build().record(1.5, &[]);
    let rm = snapshot(&r);
    let mut out = b"prefix".to_vec();
    let stats = Encoder::new(plain()).encode(&rm, Format::PrometheusProtobuf, &mut out);
    let want = family(
        "temp",
        "",
        GAUGE,
        vec![msg(vec![F::B(2, msg(vec![F::D(1, 1.5)]))])],
        "",
    );
    assert_eq!(out[..6], *b"prefix");
    assert_eq!(out[6..], want);
    assert_eq!(stats.bytes, want.len() as u64);
}
