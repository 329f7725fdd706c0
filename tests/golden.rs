//! Golden tests: data recorded through a real `SdkMeterProvider`, output
//! compared byte for byte with text written by hand from the rules of the
//! OpenTelemetry compatibility specification and the two text formats, then checked by the strict
//! checker and kept for the external validators (`target/expositions/`).

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::{Aggregation, Instrument, Stream, Temporality};
use opentelemetry_sdk::Resource;
use otel_expfmt::{Config, DropReason, Escaping, Format, RenameReason, ResourceSelector};

fn app() -> InstrumentationScope {
    InstrumentationScope::builder("app")
        .with_version("1.2.3")
        .build()
}

fn plain() -> Config {
    Config::default().without_target_info()
}

fn no_scope() -> Config {
    plain().without_scope_info()
}

/// Encodes in both formats, compares, keeps both outputs.
fn golden(
    name: &str,
    config: Config,
    rm: &opentelemetry_sdk::metrics::data::ResourceMetrics,
    prom: &str,
    om: &str,
) {
    let (got, _) = encode(
        config.clone(),
        rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(got, prom, "{name}: text 0.0.4");
    keep(name, Format::PrometheusText, Escaping::Underscores, &got);
    let (got, _) = encode(config, rm, Format::OpenMetrics, Escaping::Underscores);
    assert_eq!(got, om, "{name}: OpenMetrics");
    keep(name, Format::OpenMetrics, Escaping::Underscores, &got);
}

#[test]
fn counter_with_unit() {
    let (p, r) = provider();
    let c = p
        .meter_with_scope(app())
        .f64_counter("process.cpu.time")
        .with_unit("s")
        .with_description("Total CPU seconds.")
        .build();
    c.add(4200.5, &[KeyValue::new("cpu.mode", "user")]);
    golden(
        "counter_with_unit",
        plain(),
        &snapshot(&r),
        "# HELP process_cpu_time_seconds_total Total CPU seconds.\n\
         # TYPE process_cpu_time_seconds_total counter\n\
         process_cpu_time_seconds_total{cpu_mode=\"user\",otel_scope_name=\"app\",otel_scope_version=\"1.2.3\"} 4200.5\n",
        "# TYPE process_cpu_time_seconds counter\n\
         # UNIT process_cpu_time_seconds seconds\n\
         # HELP process_cpu_time_seconds Total CPU seconds.\n\
         process_cpu_time_seconds_total{cpu_mode=\"user\",otel_scope_name=\"app\",otel_scope_version=\"1.2.3\"} 4200.5\n\
         # EOF\n",
    );
}

#[test]
fn x1b_integer_counter_is_exact() {
    let (p, r) = provider();
    p.meter("app")
        .u64_counter("jobs.processed")
        .build()
        .add(1_000_000, &[]);
    golden(
        "x1b_integer_counter",
        no_scope(),
        &snapshot(&r),
        "# TYPE jobs_processed_total counter\njobs_processed_total 1000000\n",
        "# TYPE jobs_processed counter\njobs_processed_total 1000000\n# EOF\n",
    );
}

/// Records a histogram point: bounds [0.005, 0.01, 0.1, 1, 10], counts [3,2,0,4,1,0], sum 7.25.
fn record_x2(p: &opentelemetry_sdk::metrics::SdkMeterProvider) {
    let h = p
        .meter_with_scope(app())
        .f64_histogram("http.server.request.duration")
        .with_unit("s")
        .with_description("Duration of HTTP server requests.")
        .with_boundaries(vec![0.005, 0.01, 0.1, 1.0, 10.0])
        .build();
    let attrs = [KeyValue::new("http.request.method", "GET")];
    for v in [
        0.0, 0.0, 0.0, 0.0078125, 0.0078125, 0.5, 0.5, 0.5, 0.25, 5.484375,
    ] {
        h.record(v, &attrs);
    }
}

const HISTOGRAM_LABELS: &str =
    "http_request_method=\"GET\",otel_scope_name=\"app\",otel_scope_version=\"1.2.3\"";

fn histogram_text(om: bool) -> String {
    let name = "http_server_request_duration_seconds";
    let mut s = String::new();
    if om {
        s += &format!("# TYPE {name} histogram\n# UNIT {name} seconds\n# HELP {name} Duration of HTTP server requests.\n");
    } else {
        s += &format!("# HELP {name} Duration of HTTP server requests.\n# TYPE {name} histogram\n");
    }
    let les: [(&str, &str, u32); 6] = [
        ("0.005", "0.005", 3),
        ("0.01", "0.01", 5),
        ("0.1", "0.1", 5),
        ("1", "1.0", 9),
        ("10", "10.0", 10),
        ("+Inf", "+Inf", 10),
    ];
    for (prom_le, om_le, n) in les {
        let le = if om { om_le } else { prom_le };
        s += &format!("{name}_bucket{{{HISTOGRAM_LABELS},le=\"{le}\"}} {n}\n");
    }
    s += &format!("{name}_sum{{{HISTOGRAM_LABELS}}} 7.25\n{name}_count{{{HISTOGRAM_LABELS}}} 10\n");
    if om {
        s += "# EOF\n";
    }
    s
}

#[test]
fn histogram() {
    let (p, r) = provider();
    record_x2(&p);
    golden(
        "histogram",
        plain(),
        &snapshot(&r),
        &histogram_text(false),
        &histogram_text(true),
    );
}

#[test]
fn label_values_are_escaped() {
    let (p, r) = provider();
    p.meter("app").f64_gauge("queue.depth").build().record(
        3.0,
        &[
            KeyValue::new("file.path", "C:\\tmp\\new"),
            KeyValue::new("msg", "line1\nsay \"hi\""),
        ],
    );
    golden(
        "label_escaping",
        no_scope(),
        &snapshot(&r),
        "# TYPE queue_depth gauge\nqueue_depth{file_path=\"C:\\\\tmp\\\\new\",msg=\"line1\\nsay \\\"hi\\\"\"} 3\n",
        "# TYPE queue_depth gauge\nqueue_depth{file_path=\"C:\\\\tmp\\\\new\",msg=\"line1\\nsay \\\"hi\\\"\"} 3.0\n# EOF\n",
    );
}

#[test]
fn help_is_escaped_per_format() {
    let (p, r) = provider();
    p.meter("app")
        .f64_counter("disk.reads")
        .with_description("Reads C:\\data\n\"fast\" path")
        .build()
        .add(7.0, &[]);
    golden(
        "help_escaping",
        no_scope(),
        &snapshot(&r),
        "# HELP disk_reads_total Reads C:\\\\data\\n\"fast\" path\n# TYPE disk_reads_total counter\ndisk_reads_total 7\n",
        "# TYPE disk_reads counter\n# HELP disk_reads Reads C:\\\\data\\n\\\"fast\\\" path\ndisk_reads_total 7.0\n# EOF\n",
    );
}

#[test]
fn negative_zero_gauge() {
    let (p, r) = provider();
    p.meter("app")
        .f64_gauge("sensor.value")
        .build()
        .record(-0.0, &[KeyValue::new("id", "d")]);
    golden(
        "negative_zero",
        no_scope(),
        &snapshot(&r),
        "# TYPE sensor_value gauge\nsensor_value{id=\"d\"} 0\n",
        "# TYPE sensor_value gauge\nsensor_value{id=\"d\"} 0.0\n# EOF\n",
    );
}

#[test]
fn colliding_keys_merge_in_original_key_order() {
    let (p, r) = provider();
    p.meter("app").i64_gauge("conn.open").build().record(
        5,
        &[
            KeyValue::new("a_b", "y"),
            KeyValue::new("a/b", "z"),
            KeyValue::new("a.b", "x"),
        ],
    );
    let rm = snapshot(&r);
    golden(
        "collision",
        no_scope(),
        &rm,
        "# TYPE conn_open gauge\nconn_open{a_b=\"x;z;y\"} 5\n",
        "# TYPE conn_open gauge\nconn_open{a_b=\"x;z;y\"} 5\n# EOF\n",
    );
    let (_, stats) = encode(
        no_scope(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.renamed(RenameReason::LabelMerged), 1);
    assert_eq!(stats.renamed(RenameReason::LabelName), 2);
}

#[test]
fn x6b_attribute_colliding_with_a_scope_label() {
    let (p, r) = provider();
    p.meter_with_scope(app())
        .i64_gauge("conn.open")
        .build()
        .record(5, &[KeyValue::new("otel.scope.name", "custom")]);
    golden(
        "x6b_scope_collision",
        plain(),
        &snapshot(&r),
        "# TYPE conn_open gauge\nconn_open{otel_scope_name=\"custom;app\",otel_scope_version=\"1.2.3\"} 5\n",
        "# TYPE conn_open gauge\nconn_open{otel_scope_name=\"custom;app\",otel_scope_version=\"1.2.3\"} 5\n# EOF\n",
    );
}

fn checkout_resource() -> Resource {
    Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "checkout"),
            KeyValue::new("service.instance.id", "i-123"),
            KeyValue::new("telemetry.sdk.language", "rust"),
            KeyValue::new("telemetry.sdk.name", "opentelemetry"),
            KeyValue::new("telemetry.sdk.version", "0.31.0"),
        ])
        .build()
}

const CHECKOUT_LABELS: &str = "service_instance_id=\"i-123\",service_name=\"checkout\",telemetry_sdk_language=\"rust\",telemetry_sdk_name=\"opentelemetry\",telemetry_sdk_version=\"0.31.0\"";

#[test]
fn target_info_comes_first() {
    let (p, r) = provider_with(checkout_resource(), Temporality::Cumulative, |b| b);
    // "aaa" sorts before "target": target_info is still first.
    p.meter("app").u64_counter("aaa").build().add(1, &[]);
    golden(
        "target_info",
        Config::default().without_scope_info(),
        &snapshot(&r),
        &format!(
            "# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{{{CHECKOUT_LABELS}}} 1\n\
             # TYPE aaa_total counter\naaa_total 1\n"
        ),
        &format!(
            "# TYPE target info\n# HELP target Target metadata\ntarget_info{{{CHECKOUT_LABELS}}} 1\n\
             # TYPE aaa counter\naaa_total 1\n# EOF\n"
        ),
    );
}

#[test]
fn resource_selector_copies_selected_attributes() {
    let (p, r) = provider_with(checkout_resource(), Temporality::Cumulative, |b| b);
    p.meter("app")
        .u64_counter("hits")
        .build()
        .add(2, &[KeyValue::new("zone", "a")]);
    let keys = ["service.name".into()].into_iter().collect();
    let config = Config::default()
        .without_scope_info()
        .with_resource_selector(ResourceSelector::KeyAllowList(keys));
    golden(
        "resource_selector",
        config,
        &snapshot(&r),
        &format!(
            "# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{{{CHECKOUT_LABELS}}} 1\n\
             # TYPE hits_total counter\nhits_total{{service_name=\"checkout\",zone=\"a\"}} 2\n"
        ),
        &format!(
            "# TYPE target info\n# HELP target Target metadata\ntarget_info{{{CHECKOUT_LABELS}}} 1\n\
             # TYPE hits counter\nhits_total{{service_name=\"checkout\",zone=\"a\"}} 2\n# EOF\n"
        ),
    );
}

#[test]
fn negative_bounds_drop_sum_and_count_in_openmetrics_only() {
    let (p, r) = provider();
    let h = p
        .meter("app")
        .f64_histogram("temp.delta")
        .with_unit("Cel")
        .with_boundaries(vec![-10.0, 0.0, 10.0])
        .build();
    for v in [-12.0, -3.0, -2.0, 1.0, 4.0, 7.5] {
        h.record(v, &[]);
    }
    let rm = snapshot(&r);
    golden(
        "negative_bounds",
        no_scope(),
        &rm,
        "# TYPE temp_delta_celsius histogram\n\
         temp_delta_celsius_bucket{le=\"-10\"} 1\n\
         temp_delta_celsius_bucket{le=\"0\"} 3\n\
         temp_delta_celsius_bucket{le=\"10\"} 6\n\
         temp_delta_celsius_bucket{le=\"+Inf\"} 6\n\
         temp_delta_celsius_sum -4.5\n\
         temp_delta_celsius_count 6\n",
        "# TYPE temp_delta_celsius histogram\n\
         # UNIT temp_delta_celsius celsius\n\
         temp_delta_celsius_bucket{le=\"-10.0\"} 1\n\
         temp_delta_celsius_bucket{le=\"0.0\"} 3\n\
         temp_delta_celsius_bucket{le=\"10.0\"} 6\n\
         temp_delta_celsius_bucket{le=\"+Inf\"} 6\n\
         # EOF\n",
    );
    let (_, stats) = encode(no_scope(), &rm, Format::OpenMetrics, Escaping::Underscores);
    assert_eq!(stats.dropped(DropReason::HistogramSumAndCount), 1);
    let (_, stats) = encode(
        no_scope(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped_total(), 0);
}

#[test]
fn counter_and_gauge_with_one_name() {
    let (p, r) = provider();
    let m = p.meter("app");
    m.u64_counter("jobs").build().add(3, &[]);
    m.i64_gauge("jobs").build().record(2, &[]);
    let rm = snapshot(&r);
    golden(
        "type_conflict",
        no_scope(),
        &rm,
        "# TYPE jobs gauge\njobs 2\n# TYPE jobs_total counter\njobs_total 3\n",
        "# TYPE jobs counter\njobs_total 3\n# EOF\n",
    );
    let (_, stats) = encode(no_scope(), &rm, Format::OpenMetrics, Escaping::Underscores);
    assert_eq!(stats.dropped(DropReason::TypeConflict), 1);
    assert_eq!((stats.families, stats.series), (1, 1));
}

#[test]
fn one_family_for_a_name_shared_by_two_scopes() {
    let (p, r) = provider();
    for scope in ["b", "a"] {
        p.meter(scope)
            .u64_counter("requests")
            .with_description("Requests.")
            .build()
            .add(if scope == "a" { 1 } else { 2 }, &[]);
    }
    golden(
        "shared_name_two_scopes",
        plain(),
        &snapshot(&r),
        "# HELP requests_total Requests.\n# TYPE requests_total counter\n\
         requests_total{otel_scope_name=\"a\"} 1\nrequests_total{otel_scope_name=\"b\"} 2\n",
        "# TYPE requests counter\n# HELP requests Requests.\n\
         requests_total{otel_scope_name=\"a\"} 1\nrequests_total{otel_scope_name=\"b\"} 2\n# EOF\n",
    );
}

#[test]
fn duplicate_series_without_scope_labels_is_written_once() {
    let (p, r) = provider();
    for (scope, v) in [("b", 1), ("a", 2)] {
        p.meter(scope)
            .u64_counter("requests")
            .build()
            .add(v, &[KeyValue::new("k", "v")]);
    }
    let rm = snapshot(&r);
    // The series of scope "a" wins: scopes are ordered by name. (Its value
    // is the larger: values only decide between metrics that tie on all
    // else.)
    golden(
        "duplicate_series",
        no_scope(),
        &rm,
        "# TYPE requests_total counter\nrequests_total{k=\"v\"} 2\n",
        "# TYPE requests counter\nrequests_total{k=\"v\"} 2\n# EOF\n",
    );
    let (_, stats) = encode(
        no_scope(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
}

#[test]
fn integer_extremes_are_exact() {
    let (p, r) = provider();
    let m = p.meter("app");
    m.u64_counter("big").build().add(u64::MAX, &[]);
    m.i64_up_down_counter("low").build().add(i64::MIN, &[]);
    m.i64_gauge("high").build().record(i64::MAX, &[]);
    golden(
        "integer_extremes",
        no_scope(),
        &snapshot(&r),
        "# TYPE big_total counter\nbig_total 18446744073709551615\n\
         # TYPE high gauge\nhigh 9223372036854775807\n\
         # TYPE low gauge\nlow -9223372036854775808\n",
        "# TYPE big counter\nbig_total 18446744073709551615\n\
         # TYPE high gauge\nhigh 9223372036854775807\n\
         # TYPE low gauge\nlow -9223372036854775808\n# EOF\n",
    );
}

#[test]
fn le_attribute_on_a_histogram_is_renamed() {
    let (p, r) = provider();
    let h = p
        .meter("app")
        .u64_histogram("size")
        .with_boundaries(vec![1.0])
        .build();
    h.record(1, &[KeyValue::new("le", "x")]);
    let rm = snapshot(&r);
    golden(
        "le_attribute",
        no_scope(),
        &rm,
        "# TYPE size histogram\n\
         size_bucket{exported_le=\"x\",le=\"1\"} 1\nsize_bucket{exported_le=\"x\",le=\"+Inf\"} 1\n\
         size_sum{exported_le=\"x\"} 1\nsize_count{exported_le=\"x\"} 1\n",
        "# TYPE size histogram\n\
         size_bucket{exported_le=\"x\",le=\"1.0\"} 1\nsize_bucket{exported_le=\"x\",le=\"+Inf\"} 1\n\
         size_sum{exported_le=\"x\"} 1\nsize_count{exported_le=\"x\"} 1\n# EOF\n",
    );
    let (_, stats) = encode(no_scope(), &rm, Format::OpenMetrics, Escaping::Underscores);
    assert_eq!(stats.renamed(RenameReason::ReservedLabel), 1);
}

#[test]
fn exponential_histogram_becomes_exact_classic_buckets() {
    let (p, r) = provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        |b| {
            b.with_view(|i: &Instrument| {
                (i.name() == "latency").then(|| {
                    Stream::builder()
                        .with_aggregation(Aggregation::Base2ExponentialHistogram {
                            max_size: 160,
                            max_scale: 0,
                            record_min_max: false,
                        })
                        .build()
                        .expect("valid stream")
                })
            })
        },
    );
    let h = p.meter("app").f64_histogram("latency").build();
    // Scale 0 (base 2): 1.5 is in (1,2], 3 in (2,4]; -3 in the negative
    // bucket [-4,-2). That bucket excludes -2, so its bound is the largest
    // float below -2 (2 - 2^-51 below), and the bound before it the largest
    // float below -4: each `le` counts exactly the values <= le.
    for v in [1.5, 3.0, 3.0, -3.0] {
        h.record(v, &[]);
    }
    let rm = snapshot(&r);
    golden(
        "exponential_histogram",
        no_scope(),
        &rm,
        "# TYPE latency histogram\n\
         latency_bucket{le=\"-4.000000000000001\"} 0\nlatency_bucket{le=\"-2.0000000000000004\"} 1\n\
         latency_bucket{le=\"0\"} 1\n\
         latency_bucket{le=\"1\"} 1\nlatency_bucket{le=\"2\"} 2\nlatency_bucket{le=\"4\"} 4\n\
         latency_bucket{le=\"+Inf\"} 4\nlatency_sum 4.5\nlatency_count 4\n",
        "# TYPE latency histogram\n\
         latency_bucket{le=\"-4.000000000000001\"} 0\nlatency_bucket{le=\"-2.0000000000000004\"} 1\n\
         latency_bucket{le=\"0.0\"} 1\n\
         latency_bucket{le=\"1.0\"} 1\nlatency_bucket{le=\"2.0\"} 2\nlatency_bucket{le=\"4.0\"} 4\n\
         latency_bucket{le=\"+Inf\"} 4\n# EOF\n",
    );
    let dropped = Config::default()
        .without_scope_info()
        .with_exponential_histograms(otel_expfmt::ExponentialHistograms::Drop);
    let (text, stats) = encode(dropped, &rm, Format::PrometheusText, Escaping::Underscores);
    assert_eq!(text, "");
    assert_eq!(stats.dropped(DropReason::ExponentialHistogram), 1);
}

#[test]
fn delta_data_is_dropped_and_counted() {
    let (p, r) = provider_with(Resource::builder_empty().build(), Temporality::Delta, |b| b);
    let m = p.meter("app");
    m.u64_counter("c").build().add(1, &[]);
    m.f64_histogram("h").build().record(1.0, &[]);
    m.i64_up_down_counter("u").build().add(-1, &[]);
    m.u64_gauge("g").build().record(4, &[]);
    let rm = snapshot(&r);
    // The SDK keeps up-down counters cumulative even when delta is preferred.
    golden(
        "delta",
        no_scope(),
        &rm,
        "# TYPE g gauge\ng 4\n# TYPE u gauge\nu -1\n",
        "# TYPE g gauge\ng 4\n# TYPE u gauge\nu -1\n# EOF\n",
    );
    let (_, stats) = encode(
        no_scope(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped(DropReason::DeltaTemporality), 2);
}

#[test]
fn output_does_not_depend_on_recording_order() {
    let record = |reverse: bool| {
        let (p, r) = provider_with(checkout_resource(), Temporality::Cumulative, |b| b);
        let mut ops: Vec<Box<dyn Fn()>> = Vec::new();
        for scope in ["s1", "s2", "s3"] {
            let m = p.meter(scope);
            let c = m.u64_counter("hits").build();
            let g = m.f64_gauge("temp").with_unit("Cel").build();
            let h = m
                .f64_histogram("lat")
                .with_boundaries(vec![1.0, 2.0])
                .build();
            for i in 0..5 {
                let (c, g, h) = (c.clone(), g.clone(), h.clone());
                ops.push(Box::new(move || {
                    let attrs = [
                        KeyValue::new("i", i as i64),
                        KeyValue::new("z", "last"),
                        KeyValue::new("a", "first"),
                    ];
                    c.add(i + 1, &attrs);
                    g.record(i as f64 * 0.5, &attrs);
                    h.record(i as f64, &attrs);
                }));
            }
        }
        if reverse {
            ops.reverse();
        }
        for op in &ops {
            op();
        }
        snapshot(&r)
    };
    let (a, b) = (record(false), record(true));
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let (ta, _) = encode(Config::default(), &a, format, Escaping::Underscores);
        let (tb, _) = encode(Config::default(), &b, format, Escaping::Underscores);
        assert_eq!(ta, tb, "{format:?}");
        keep("order_independent", format, Escaping::Underscores, &ta);
        // Encoding twice with one encoder gives the same bytes too.
        let mut enc = otel_expfmt::Encoder::new(Config::default());
        let (mut x, mut y) = (Vec::new(), Vec::new());
        enc.encode(&a, format, &mut x);
        enc.encode(&a, format, &mut y);
        assert_eq!(x, y);
    }
}

#[test]
fn empty_snapshot() {
    let (_p, r) = provider();
    golden("empty", plain(), &snapshot(&r), "", "# EOF\n");
}

#[test]
fn counters_without_suffix_are_unknown_in_openmetrics() {
    let (p, r) = provider();
    p.meter("app")
        .u64_counter("retries")
        .with_unit("s")
        .build()
        .add(4, &[]);
    let config = no_scope().without_counter_suffixes().without_units();
    golden(
        "without_suffixes",
        config,
        &snapshot(&r),
        "# TYPE retries counter\nretries 4\n",
        "# TYPE retries unknown\nretries 4\n# EOF\n",
    );
}

#[test]
fn user_metric_named_target_info_yields_to_the_real_one() {
    let (p, r) = provider_with(checkout_resource(), Temporality::Cumulative, |b| b);
    p.meter("app")
        .u64_gauge("target_info")
        .build()
        .record(7, &[]);
    let rm = snapshot(&r);
    let config = Config::default().without_scope_info();
    let (text, stats) = encode(
        config.clone(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(text, format!("# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{{{CHECKOUT_LABELS}}} 1\n"));
    assert_eq!(stats.dropped(DropReason::NameClash), 1);
    keep(
        "target_info_clash",
        Format::PrometheusText,
        Escaping::Underscores,
        &text,
    );
    let (text, stats) = encode(config, &rm, Format::OpenMetrics, Escaping::Underscores);
    assert_eq!(stats.dropped(DropReason::NameClash), 1);
    keep(
        "target_info_clash",
        Format::OpenMetrics,
        Escaping::Underscores,
        &text,
    );
}

#[test]
fn histogram_sample_names_clash_with_a_gauge() {
    let (p, r) = provider();
    let m = p.meter("app");
    m.u64_histogram("rpc")
        .with_boundaries(vec![])
        .build()
        .record(1, &[]);
    m.u64_gauge("rpc_count").build().record(9, &[]);
    let rm = snapshot(&r);
    golden(
        "histogram_clash",
        no_scope(),
        &rm,
        "# TYPE rpc histogram\nrpc_bucket{le=\"+Inf\"} 1\nrpc_sum 1\nrpc_count 1\n",
        "# TYPE rpc histogram\nrpc_bucket{le=\"+Inf\"} 1\nrpc_sum 1\nrpc_count 1\n# EOF\n",
    );
    let (_, stats) = encode(
        no_scope(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped(DropReason::NameClash), 1);
}

#[test]
fn gauge_and_up_down_counter_of_one_name_resolve_independently_of_sdk_order() {
    let record = |gauge_first: bool| {
        let (p, r) = provider();
        let m = p.meter("app");
        let g = m.i64_gauge("level").build();
        let u = m.i64_up_down_counter("level").build();
        if gauge_first {
            g.record(7, &[]);
            u.add(3, &[]);
        } else {
            u.add(3, &[]);
            g.record(7, &[]);
        }
        snapshot(&r)
    };
    // Same family, same (empty) labels: one series survives. Metrics of one
    // family and scope are ordered by kind (counter, up-down counter, gauge,
    // ...), so the up-down counter's 3 wins whatever order the SDK uses.
    for gauge_first in [true, false] {
        let (text, stats) = encode(
            no_scope(),
            &record(gauge_first),
            Format::PrometheusText,
            Escaping::Underscores,
        );
        assert_eq!(text, "# TYPE level gauge\nlevel 3\n");
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
    }
}
