//! What the SDK never produces (NaN, ±Inf, exemplars, `_created` with a known
//! start time), tested one layer down on the encoder's plain-value sink.
//! Expected text is written by hand from the OpenMetrics 1.0 specification
//! and the OpenTelemetry compatibility specification's exemplar rules.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use std::time::{Duration, SystemTime};

use common::keep;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::Temporality;
use otel_expfmt::__private::{ExponentialData, MetricInfo, MetricKind, Number, Parts};
use otel_expfmt::{Config, DropReason, EncodeStats, Encoder, Escaping, Format};

fn run(
    config: Config,
    format: Format,
    record: impl FnOnce(&mut Parts<'_>),
) -> (String, EncodeStats) {
    let mut out = Vec::new();
    let stats = Encoder::new(config).encode_parts(format, Escaping::Underscores, &mut out, record);
    (String::from_utf8(out).unwrap(), stats)
}

fn cfg() -> Config {
    Config::default().without_scope_info().without_target_info()
}

fn metric(name: &str, kind: MetricKind) -> MetricInfo<'_> {
    MetricInfo {
        name,
        description: "",
        unit: "",
        kind,
        temporality: Temporality::Cumulative,
        start_time: None,
    }
}

fn attrs(kvs: &[KeyValue]) -> impl Iterator<Item = (&str, &Value)> {
    kvs.iter().map(|kv| (kv.key.as_str(), &kv.value))
}

#[test]
fn special_float_values() {
    let ids: Vec<[KeyValue; 1]> = ["a", "b", "c", "d"]
        .iter()
        .map(|i| [KeyValue::new("id", *i)])
        .collect();
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("sensor.value", MetricKind::Gauge));
        for (kv, v) in ids
            .iter()
            .zip([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0])
        {
            p.number(attrs(kv), Number::F64(v));
        }
    };
    let (prom, _) = run(cfg(), Format::PrometheusText, record);
    assert_eq!(
        prom,
        "# TYPE sensor_value gauge\nsensor_value{id=\"a\"} NaN\nsensor_value{id=\"b\"} +Inf\n\
         sensor_value{id=\"c\"} -Inf\nsensor_value{id=\"d\"} 0\n"
    );
    keep(
        "special_values",
        Format::PrometheusText,
        Escaping::Underscores,
        &prom,
    );
    let (om, _) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        "# TYPE sensor_value gauge\nsensor_value{id=\"a\"} NaN\nsensor_value{id=\"b\"} +Inf\n\
         sensor_value{id=\"c\"} -Inf\nsensor_value{id=\"d\"} 0.0\n# EOF\n"
    );
    keep(
        "special_values",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

#[test]
fn nan_counter_is_kept_in_text_and_dropped_in_openmetrics() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("x", MetricKind::Counter));
        p.number(attrs(&[]), Number::F64(f64::NAN));
    };
    let (prom, _) = run(cfg(), Format::PrometheusText, record);
    assert_eq!(prom, "# TYPE x_total counter\nx_total NaN\n");
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(om, "# EOF\n");
    assert_eq!(stats.dropped(DropReason::InvalidCounterValue), 1);
    keep(
        "nan_counter",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

/// OpenMetrics counters are non-negative: a negative value (integer or
/// float) is dropped and counted, zero is written.
#[test]
fn negative_counters_are_dropped_in_openmetrics_and_zero_is_kept() {
    let ids: Vec<[KeyValue; 1]> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|i| [KeyValue::new("id", *i)])
        .collect();
    let values = [
        Number::I64(-1),
        Number::I64(0),
        Number::I64(5),
        Number::F64(-0.5),
        Number::F64(0.0),
        Number::F64(2.5),
    ];
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("x", MetricKind::Counter));
        for (kv, &v) in ids.iter().zip(&values) {
            p.number(attrs(kv), v);
        }
    };
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        "# TYPE x counter\nx_total{id=\"b\"} 0\nx_total{id=\"c\"} 5\n\
         x_total{id=\"e\"} 0.0\nx_total{id=\"f\"} 2.5\n# EOF\n"
    );
    assert_eq!(stats.dropped(DropReason::InvalidCounterValue), 2);
    assert_eq!(stats.dropped_total(), 2);
    keep(
        "negative_counters",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

#[test]
fn nan_histogram_sum_keeps_buckets_in_openmetrics() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("h", MetricKind::Histogram));
        p.histogram(attrs(&[]), [1.0], [2, 1], 3, Number::F64(f64::NAN));
    };
    let (prom, _) = run(cfg(), Format::PrometheusText, record);
    assert_eq!(
        prom,
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum NaN\nh_count 3\n"
    );
    keep(
        "nan_histogram_sum",
        Format::PrometheusText,
        Escaping::Underscores,
        &prom,
    );
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        "# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_bucket{le=\"+Inf\"} 3\n# EOF\n"
    );
    assert_eq!(stats.dropped(DropReason::HistogramSumAndCount), 1);
    keep(
        "nan_histogram_sum",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

const TRACE: [u8; 16] = [
    0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
];
const SPAN: [u8; 8] = [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7];
const IDS: &str = "trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\",span_id=\"00f067aa0ba902b7\"";

fn at(millis: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(millis)
}

#[test]
fn exemplars_on_bucket_and_counter_lines() {
    let get = [KeyValue::new("http.request.method", "GET")];
    let record = |p: &mut Parts<'_>| {
        p.scope("app", Some("1.2.3"), None, attrs(&[]));
        p.metric(MetricInfo {
            unit: "s",
            ..metric("http.server.request.duration", MetricKind::Histogram)
        });
        p.histogram(
            attrs(&get),
            [0.005, 0.01, 0.1, 1.0, 10.0],
            [3, 2, 0, 4, 1, 0],
            10,
            Number::F64(7.25),
        );
        p.exemplar(
            Number::F64(0.7),
            at(1_767_225_600_123),
            TRACE,
            SPAN,
            attrs(&[]),
        );
        p.metric(MetricInfo {
            unit: "s",
            ..metric("process.cpu.time", MetricKind::Counter)
        });
        p.number(
            attrs(&[KeyValue::new("cpu.mode", "user")]),
            Number::F64(4200.5),
        );
        // Two exemplars: the latest one is written.
        p.exemplar(
            Number::F64(0.5),
            at(1_767_225_500_000),
            TRACE,
            SPAN,
            attrs(&[]),
        );
        p.exemplar(
            Number::F64(0.25),
            at(1_767_225_600_123),
            TRACE,
            SPAN,
            attrs(&[]),
        );
    };
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    let h = "http_server_request_duration_seconds";
    let l = "http_request_method=\"GET\"";
    let expected = format!(
        "# TYPE {h} histogram\n# UNIT {h} seconds\n\
         {h}_bucket{{{l},le=\"0.005\"}} 3\n{h}_bucket{{{l},le=\"0.01\"}} 5\n{h}_bucket{{{l},le=\"0.1\"}} 5\n\
         {h}_bucket{{{l},le=\"1.0\"}} 9 # {{{IDS}}} 0.7 1767225600.123\n\
         {h}_bucket{{{l},le=\"10.0\"}} 10\n{h}_bucket{{{l},le=\"+Inf\"}} 10\n\
         {h}_sum{{{l}}} 7.25\n{h}_count{{{l}}} 10\n\
         # TYPE process_cpu_time_seconds counter\n# UNIT process_cpu_time_seconds seconds\n\
         process_cpu_time_seconds_total{{cpu_mode=\"user\"}} 4200.5 # {{{IDS}}} 0.25 1767225600.123\n\
         # EOF\n"
    );
    assert_eq!(om, expected);
    assert_eq!(
        stats.dropped(DropReason::Exemplar),
        1,
        "the older counter exemplar"
    );
    keep("exemplars", Format::OpenMetrics, Escaping::Underscores, &om);
    // Exemplars turned off: OpenMetrics writes none, all three counted.
    let (off, stats) = run(cfg().with_exemplars(false), Format::OpenMetrics, record);
    let without = format!(
        "# TYPE {h} histogram\n# UNIT {h} seconds\n\
         {h}_bucket{{{l},le=\"0.005\"}} 3\n{h}_bucket{{{l},le=\"0.01\"}} 5\n{h}_bucket{{{l},le=\"0.1\"}} 5\n\
         {h}_bucket{{{l},le=\"1.0\"}} 9\n\
         {h}_bucket{{{l},le=\"10.0\"}} 10\n{h}_bucket{{{l},le=\"+Inf\"}} 10\n\
         {h}_sum{{{l}}} 7.25\n{h}_count{{{l}}} 10\n\
         # TYPE process_cpu_time_seconds counter\n# UNIT process_cpu_time_seconds seconds\n\
         process_cpu_time_seconds_total{{cpu_mode=\"user\"}} 4200.5\n\
         # EOF\n"
    );
    assert_eq!(off, without);
    assert_eq!(stats.dropped(DropReason::Exemplar), 3);
    // Text 0.0.4 has no exemplars: all three are dropped and counted.
    let (prom, stats) = run(cfg(), Format::PrometheusText, record);
    assert!(!prom.contains("trace_id") && !prom.contains(" # "));
    assert_eq!(stats.dropped(DropReason::Exemplar), 3);
    keep(
        "exemplars",
        Format::PrometheusText,
        Escaping::Underscores,
        &prom,
    );
}

#[test]
fn exemplar_attributes_stay_within_128_code_points() {
    let long_a = "x".repeat(40); // "a" + 40 = 41 → 63 + 41 = 104
    let long_b = "é".repeat(30); // "b" + 30 = 31 → would make 135 > 128
    let filtered = [
        KeyValue::new("c", "z"), // 2 → 106
        KeyValue::new("b", long_b.clone()),
        KeyValue::new("a", long_a.clone()),
        KeyValue::new("trace_id", "spoofed"), // the real id wins
    ];
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("jobs", MetricKind::Counter));
        p.number(attrs(&[]), Number::U64(1));
        p.exemplar(Number::U64(1), at(1000), TRACE, SPAN, attrs(&filtered));
    };
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        format!(
            "# TYPE jobs counter\njobs_total 1 # {{{IDS},a=\"{long_a}\",c=\"z\"}} 1 1\n# EOF\n"
        )
    );
    assert_eq!(stats.dropped(DropReason::ExemplarAttribute), 2);
    keep(
        "exemplar_budget",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

#[test]
fn exemplars_on_gauges_are_dropped_and_counted() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("g", MetricKind::Gauge));
        p.number(attrs(&[]), Number::I64(-3));
        p.exemplar(Number::I64(-3), at(1), TRACE, SPAN, attrs(&[]));
        p.metric(metric("c", MetricKind::Counter));
        p.number(attrs(&[]), Number::U64(3));
        p.exemplar(Number::F64(f64::NAN), at(1), TRACE, SPAN, attrs(&[]));
    };
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        "# TYPE c counter\nc_total 3\n# TYPE g gauge\ng -3\n# EOF\n"
    );
    assert_eq!(stats.dropped(DropReason::Exemplar), 2);
}

#[test]
fn created_samples_are_opt_in() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(MetricInfo {
            start_time: Some(at(1_767_225_600_500)),
            ..metric("jobs", MetricKind::Counter)
        });
        p.number(attrs(&[]), Number::U64(2));
        p.metric(MetricInfo {
            start_time: Some(at(1_767_225_600_000)),
            ..metric("lat", MetricKind::Histogram)
        });
        p.histogram(attrs(&[]), [], [], 1, Number::U64(5));
    };
    let (om, _) = run(cfg(), Format::OpenMetrics, record);
    assert!(!om.contains("_created"));
    let (om, _) = run(
        cfg().with_created_timestamps(true),
        Format::OpenMetrics,
        record,
    );
    assert_eq!(
        om,
        "# TYPE jobs counter\njobs_total 2\njobs_created 1767225600.5\n\
         # TYPE lat histogram\nlat_bucket{le=\"+Inf\"} 1\nlat_sum 5\nlat_count 1\nlat_created 1767225600\n# EOF\n"
    );
    keep("created", Format::OpenMetrics, Escaping::Underscores, &om);
    let (prom, _) = run(
        cfg().with_created_timestamps(true),
        Format::PrometheusText,
        record,
    );
    assert!(!prom.contains("_created"), "0.0.4 has no _created samples");
}

#[test]
fn exponential_buckets_from_plain_values_at_scale_one() {
    // Scale 1: base √2. Positive buckets 2 and 3 cover (2, 2√2] and (2√2, 4].
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("e", MetricKind::ExponentialHistogram));
        let data = ExponentialData {
            scale: 1,
            zero_count: 1,
            zero_threshold: 0.0,
            positive_offset: 2,
            positive_counts: [1u64, 2],
            negative_offset: 0,
            negative_counts: [0u64; 0],
        };
        p.exponential_histogram(attrs(&[]), data, 4, Number::F64(8.5));
    };
    let (prom, _) = run(cfg(), Format::PrometheusText, record);
    assert_eq!(
        prom,
        "# TYPE e histogram\ne_bucket{le=\"0\"} 1\ne_bucket{le=\"2\"} 1\ne_bucket{le=\"2.8284271247461903\"} 2\n\
         e_bucket{le=\"4\"} 4\ne_bucket{le=\"+Inf\"} 4\ne_sum 8.5\ne_count 4\n"
    );
    keep(
        "exponential_scale_one",
        Format::PrometheusText,
        Escaping::Underscores,
        &prom,
    );
}

#[test]
fn points_that_do_not_match_their_metric_kind_are_ignored() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("h", MetricKind::Histogram));
        p.number(attrs(&[]), Number::U64(5));
        p.histogram(attrs(&[]), [1.0], [1, 0], 1, Number::U64(1));
        p.metric(metric("g", MetricKind::Gauge));
        p.histogram(attrs(&[]), [1.0], [1, 0], 1, Number::U64(1));
        p.number(attrs(&[]), Number::I64(2));
    };
    let (prom, _) = run(cfg(), Format::PrometheusText, record);
    assert_eq!(
        prom,
        "# TYPE g gauge\ng 2\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"
    );
    keep(
        "mismatched_points",
        Format::PrometheusText,
        Escaping::Underscores,
        &prom,
    );
}

/// Two classic histogram points of one metric whose labels render the same
/// (`a.b` and `a/b` both become `a_b`) are one series: the one kept is
/// decided by value (the smaller count), not by the order they arrive in.
#[test]
fn duplicate_classic_histograms_keep_the_same_one_in_any_order() {
    let dot = [KeyValue::new("a.b", "x")];
    let slash = [KeyValue::new("a/b", "x")];
    let text = |dot_first: bool| {
        let record = |p: &mut Parts<'_>| {
            p.scope("app", None, None, attrs(&[]));
            p.metric(metric("lat", MetricKind::Histogram));
            // `a.b`: 0.5 recorded; `a/b`: 0.5 and 2.
            let points = [(&dot, [1, 0], 1, 0.5), (&slash, [1, 1], 2, 2.5)];
            let order = if dot_first { [0, 1] } else { [1, 0] };
            for i in order {
                let (labels, counts, count, sum) = points[i];
                p.histogram(attrs(labels), [1.0], counts, count, Number::F64(sum));
            }
        };
        let (text, stats) = run(cfg(), Format::PrometheusText, record);
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
        assert_eq!(stats.dropped_total(), 1);
        text
    };
    let want = "# TYPE lat histogram\nlat_bucket{a_b=\"x\",le=\"1\"} 1\n\
                lat_bucket{a_b=\"x\",le=\"+Inf\"} 1\nlat_sum{a_b=\"x\"} 0.5\n\
                lat_count{a_b=\"x\"} 1\n";
    assert_eq!(text(true), want);
    assert_eq!(text(false), want);
    keep(
        "duplicate_classic_histograms",
        Format::PrometheusText,
        Escaping::Underscores,
        want,
    );
}

/// OpenMetrics `# UNIT`: written when the family name ends with `_` and
/// the unit (which may hold underscores itself); not when the name is the
/// unit alone (no `_` before it).
#[test]
fn unit_lines_need_the_unit_as_a_suffix_after_an_underscore() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(MetricInfo {
            unit: "By/s",
            ..metric("throughput", MetricKind::Gauge)
        });
        p.number(attrs(&[]), Number::U64(3));
        p.metric(MetricInfo {
            unit: "s",
            ..metric("seconds", MetricKind::Gauge)
        });
        p.number(attrs(&[]), Number::U64(4));
    };
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        "# TYPE seconds gauge\nseconds 4\n\
         # TYPE throughput_bytes_per_second gauge\n\
         # UNIT throughput_bytes_per_second bytes_per_second\n\
         throughput_bytes_per_second 3\n# EOF\n"
    );
    assert_eq!(stats.dropped_total(), 0);
    keep(
        "unit_suffixes",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

/// OpenMetrics histograms: an exemplar whose value is a bucket's bound
/// belongs to that bucket only (`le` is inclusive), and a first bound of 0
/// is no negative threshold, so `_sum` and `_count` are written.
#[test]
fn an_exemplar_on_a_bound_and_a_zero_first_bound() {
    let record = |p: &mut Parts<'_>| {
        p.scope("app", None, None, attrs(&[]));
        p.metric(metric("lat", MetricKind::Histogram));
        p.histogram(attrs(&[]), [0.0, 1.0], [0, 2, 0], 2, Number::F64(2.0));
        p.exemplar(
            Number::F64(1.0),
            at(1_767_225_600_123),
            TRACE,
            SPAN,
            attrs(&[]),
        );
    };
    let (om, stats) = run(cfg(), Format::OpenMetrics, record);
    assert_eq!(
        om,
        format!(
            "# TYPE lat histogram\nlat_bucket{{le=\"0.0\"}} 0\n\
             lat_bucket{{le=\"1.0\"}} 2 # {{{IDS}}} 1.0 1767225600.123\n\
             lat_bucket{{le=\"+Inf\"}} 2\nlat_sum 2.0\nlat_count 2\n# EOF\n"
        )
    );
    assert_eq!(stats.dropped_total(), 0);
    keep(
        "exemplar_on_a_bound",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}
