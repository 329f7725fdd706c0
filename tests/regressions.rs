//! Inputs found by the fuzzers (`fuzz/`), reproduced as plain tests through
//! the real SDK. Expected text is written by hand from the specifications.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::Resource;
use otel_expfmt::__private::{MetricInfo, MetricKind, Number, Parts};
use otel_expfmt::check::check_with;
use otel_expfmt::{
    Config, DropReason, Encoder, Escaping, Format, RenameReason, ResourceSelector,
    TranslationStrategy,
};

fn plain() -> Config {
    Config::default().without_target_info().without_scope_info()
}

/// A cumulative counter named `jobs`, for tests through the plain-value API.
fn jobs_counter() -> MetricInfo<'static> {
    MetricInfo {
        name: "jobs",
        description: "",
        unit: "",
        kind: MetricKind::Counter,
        temporality: Temporality::Cumulative,
        start_time: None,
    }
}

/// encode_sdk: an `f64` counter given a negative increment (the SDK does not
/// refuse it). Text 0.0.4 has no rule on counter values, so the value is
/// written and the checker must accept it; OpenMetrics drops the series.
#[test]
fn negative_counter_is_kept_in_text_and_dropped_in_openmetrics() {
    let (p, r) = provider();
    let c = p.meter("app").f64_counter("debt").build();
    c.add(-2.5, &[]);
    let rm = snapshot(&r);
    let (prom, stats) = encode(plain(), &rm, Format::PrometheusText, Escaping::Underscores);
    assert_eq!(prom, "# TYPE debt_total counter\ndebt_total -2.5\n");
    assert_eq!(stats.dropped_total(), 0);
    check_with(
        prom.as_bytes(),
        Format::PrometheusText,
        Escaping::Underscores,
    )
    .expect("0.0.4 accepts a negative counter value");
    let (om, stats) = encode(plain(), &rm, Format::OpenMetrics, Escaping::Underscores);
    assert_eq!(om, "# EOF\n");
    assert_eq!(stats.dropped(DropReason::InvalidCounterValue), 1);
    keep(
        "regression_negative_counter",
        Format::OpenMetrics,
        Escaping::Underscores,
        &om,
    );
}

/// encode_sdk: an attribute key `__name__` under a UTF-8 strategy was
/// written as the label `__name__`, which sets the metric name on ingestion
/// (and which the checker rejects). It becomes `key__name__`.
#[test]
fn attribute_key_dunder_name_is_renamed_under_utf8_strategies() {
    let (p, r) = provider();
    let g = p.meter("app").i64_gauge("temp").build();
    g.record(3, &[KeyValue::new("__name__", "x")]);
    let rm = snapshot(&r);
    for strategy in [
        TranslationStrategy::NoUtf8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ] {
        for escaping in [Escaping::Underscores, Escaping::AllowUtf8] {
            let config = plain().with_translation_strategy(strategy);
            let (prom, stats) = encode(config, &rm, Format::PrometheusText, escaping);
            assert_eq!(
                prom, "# TYPE temp gauge\ntemp{key__name__=\"x\"} 3\n",
                "{strategy:?} {escaping:?}"
            );
            assert_eq!(stats.renamed(RenameReason::ReservedLabel), 1);
            keep(
                "regression_dunder_name",
                Format::PrometheusText,
                escaping,
                &prom,
            );
        }
    }
    // The escaping strategies already renamed it (`key_name_`).
    let (prom, _) = encode(plain(), &rm, Format::PrometheusText, Escaping::Underscores);
    assert_eq!(prom, "# TYPE temp gauge\ntemp{key_name_=\"x\"} 3\n");
}

/// encode_parts / encode_sdk: with a UTF-8 strategy a unit is kept as
/// written, and OpenMetrics 1.0 has no quoting for units: a `# UNIT` line
/// with characters outside `[a-zA-Z0-9_:]` is invalid. It is left out.
#[test]
fn unit_outside_the_name_alphabet_gets_no_unit_line() {
    let (p, r) = provider();
    let g = p.meter("app").u64_gauge("size").with_unit("a.b\"c").build();
    g.record(7, &[]);
    let rm = snapshot(&r);
    let config = plain().with_translation_strategy(TranslationStrategy::NoUtf8EscapingWithSuffixes);
    let (om, _) = encode(
        config.clone(),
        &rm,
        Format::OpenMetrics,
        Escaping::AllowUtf8,
    );
    assert_eq!(
        om,
        "# TYPE \"size_a.b\\\"c\" gauge\n{\"size_a.b\\\"c\"} 7\n# EOF\n"
    );
    keep(
        "regression_unit_alphabet",
        Format::OpenMetrics,
        Escaping::AllowUtf8,
        &om,
    );
    // A legacy unit word still gets its line.
    let (p, r) = provider();
    let g = p.meter("app").u64_gauge("size.x").with_unit("By").build();
    g.record(7, &[]);
    let (om, _) = encode(
        config,
        &snapshot(&r),
        Format::OpenMetrics,
        Escaping::AllowUtf8,
    );
    assert_eq!(
        om,
        "# TYPE \"size.x_bytes\" gauge\n# UNIT \"size.x_bytes\" bytes\n{\"size.x_bytes\"} 7\n# EOF\n"
    );
}

/// encode_sdk: a resource attribute `le` copied onto every series
/// (`ResourceSelector::All`) lands on histogram series as a second `le`
/// label, next to the bucket bound: `h_bucket{le="x",le="1"}`. Point
/// attributes named `le` are renamed `exported_le` on histograms
/// (`RenameReason::ReservedLabel`); resource (and scope) labels are not.
///
/// Fixed: selected resource labels have a histogram variant in which `le`
/// is renamed too.
#[test]
fn resource_attribute_le_on_histograms() {
    let (p, r) = provider_with(
        Resource::builder_empty()
            .with_attributes([KeyValue::new("le", "x")])
            .build(),
        Temporality::Cumulative,
        |b| b,
    );
    let h = p
        .meter("app")
        .f64_histogram("h")
        .with_boundaries(vec![1.0])
        .build();
    h.record(0.5, &[]);
    let config = plain().with_resource_selector(ResourceSelector::All);
    let (prom, stats) = encode(
        config,
        &snapshot(&r),
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(
        prom,
        "# TYPE h histogram\n\
         h_bucket{exported_le=\"x\",le=\"1\"} 1\n\
         h_bucket{exported_le=\"x\",le=\"+Inf\"} 1\n\
         h_sum{exported_le=\"x\"} 0.5\n\
         h_count{exported_le=\"x\"} 1\n"
    );
    assert_eq!(stats.renamed(RenameReason::ReservedLabel), 1);
    check_with(
        prom.as_bytes(),
        Format::PrometheusText,
        Escaping::Underscores,
    )
    .unwrap();
}

/// props (`sdk_recordings_come_back_exactly`, order property): two attribute
/// sets of one metric that sanitize to the same labels (`a.b` and `a/b` both
/// become `a_b`) make a duplicate series; which one is kept depends on the
/// order the points arrive in, and the SDK hands points over in hash-map
/// order, so two providers holding the same data can give different bytes.
/// The encoder promises byte-identical output whatever the order.
///
/// Fixed: ties between equal label blocks of one metric are broken by value
/// before arrival order.
#[test]
fn duplicate_series_survivor_does_not_depend_on_arrival_order() {
    let dot = [KeyValue::new("a.b", "x")];
    let slash = [KeyValue::new("a/b", "x")];
    let run = |first: &[KeyValue], first_value: u64, second: &[KeyValue], second_value: u64| {
        let attrs = |list: &[KeyValue]| -> Vec<(String, Value)> {
            list.iter()
                .map(|kv| (kv.key.to_string(), kv.value.clone()))
                .collect()
        };
        let (a, b) = (attrs(first), attrs(second));
        let mut out = Vec::new();
        let stats = Encoder::new(plain()).encode_parts(
            Format::PrometheusText,
            Escaping::Underscores,
            &mut out,
            |p: &mut Parts<'_>| {
                p.scope("app", None, None, std::iter::empty());
                p.metric(jobs_counter());
                p.number(
                    a.iter().map(|(k, v)| (k.as_str(), v)),
                    Number::U64(first_value),
                );
                p.number(
                    b.iter().map(|(k, v)| (k.as_str(), v)),
                    Number::U64(second_value),
                );
            },
        );
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
        String::from_utf8(out).unwrap()
    };
    // The same data: `a.b`=x counted 1, `a/b`=x counted 2, in both orders.
    let one = run(&dot, 1, &slash, 2);
    let other = run(&slash, 2, &dot, 1);
    assert_eq!(one, other);
}

/// Review: a `u64` and an `f64` counter of the same name, description and
/// unit in one scope are two SDK streams with equal labels, so one series is
/// a duplicate. Their metrics tied on every sort key, so the survivor was the
/// one the SDK listed first, which follows instrument creation order: the
/// same data gave different bytes.
///
/// Fixed: the number type of a metric's points breaks the tie (`u64` before
/// `i64` before `f64`), so the `u64` counter's series is kept either way.
#[test]
fn same_name_counters_of_two_number_types_keep_one_series_in_any_order() {
    let run = |u64_first: bool| {
        let (p, r) = provider();
        let meter = p.meter("app");
        let attrs = [KeyValue::new("k", "v")];
        if u64_first {
            let u = meter.u64_counter("jobs").build();
            let f = meter.f64_counter("jobs").build();
            u.add(3, &attrs);
            f.add(2.5, &attrs);
        } else {
            let f = meter.f64_counter("jobs").build();
            let u = meter.u64_counter("jobs").build();
            f.add(2.5, &attrs);
            u.add(3, &attrs);
        }
        let rm = snapshot(&r);
        let (text, stats) = encode(plain(), &rm, Format::PrometheusText, Escaping::Underscores);
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1, "{text}");
        text
    };
    let want = "# TYPE jobs_total counter\njobs_total{k=\"v\"} 3\n";
    assert_eq!(run(true), want);
    assert_eq!(run(false), want);
}

/// The same for histograms, where the values alone would pick the other
/// one: the `f64` histogram has the smaller count, the `u64` one is kept.
#[test]
fn same_name_histograms_of_two_number_types_keep_the_u64_series_in_any_order() {
    let run = |u64_first: bool| {
        let (p, r) = provider();
        let meter = p.meter("app");
        let attrs = [KeyValue::new("k", "v")];
        let u = || {
            meter
                .u64_histogram("lat")
                .with_boundaries(vec![1.0])
                .build()
        };
        let f = || {
            meter
                .f64_histogram("lat")
                .with_boundaries(vec![1.0])
                .build()
        };
        let (u, f) = if u64_first {
            let u = u();
            (u, f())
        } else {
            let f = f();
            (u(), f)
        };
        u.record(1, &attrs);
        u.record(5, &attrs);
        f.record(0.5, &attrs);
        let rm = snapshot(&r);
        let (text, stats) = encode(plain(), &rm, Format::PrometheusText, Escaping::Underscores);
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1, "{text}");
        text
    };
    let want = "# TYPE lat histogram\nlat_bucket{k=\"v\",le=\"1\"} 1\n\
                lat_bucket{k=\"v\",le=\"+Inf\"} 2\nlat_sum{k=\"v\"} 6\nlat_count{k=\"v\"} 2\n";
    assert_eq!(run(true), want);
    assert_eq!(run(false), want);
}

/// Review: two points of one counter that render the same labels, with equal
/// values but different exemplars. Values cannot break that tie, so the
/// survivor (and the exemplar written) followed arrival order.
///
/// Fixed: exemplars (labels, time, value) break the tie after the value.
#[test]
fn duplicate_series_with_different_exemplars_do_not_depend_on_arrival_order() {
    use std::time::{Duration, SystemTime};
    let run = |dot_first: bool| {
        let mut out = Vec::new();
        let stats = Encoder::new(plain()).encode_parts(
            Format::OpenMetrics,
            Escaping::Underscores,
            &mut out,
            |p: &mut Parts<'_>| {
                p.scope("app", None, None, std::iter::empty());
                p.metric(jobs_counter());
                let x = Value::from("x");
                let mut points = [("a.b", 1u8), ("a/b", 2u8)];
                if !dot_first {
                    points.reverse();
                }
                for (key, id) in points {
                    p.number([(key, &x)], Number::U64(7));
                    p.exemplar(
                        Number::U64(1),
                        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                        [id; 16],
                        [id; 8],
                        std::iter::empty(),
                    );
                }
            },
        );
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
        String::from_utf8(out).unwrap()
    };
    let want = "# TYPE jobs counter\n\
                jobs_total{a_b=\"x\"} 7 # {trace_id=\"01010101010101010101010101010101\",\
                span_id=\"0101010101010101\"} 1 1700000000\n\
                # EOF\n";
    assert_eq!(run(true), want);
    assert_eq!(run(false), want);
    check_with(want.as_bytes(), Format::OpenMetrics, Escaping::Underscores)
        .expect("the expected text is valid OpenMetrics");
}

/// Review: a counter and an observable counter of one name, description,
/// unit and number type are two SDK streams that tie on every metric key, so
/// their ranks (and with them the duplicate series kept) followed the order
/// the SDK lists them in, which is creation order.
///
/// Fixed: metrics that tie on everything but their points share a rank, and
/// the values decide (the smaller one is kept, as for duplicates within one
/// metric).
#[test]
fn counter_and_observable_counter_of_one_name_keep_one_series_in_any_order() {
    let run = |counter_first: bool| {
        let (p, r) = provider();
        let meter = p.meter("app");
        let make_observable = || {
            meter
                .u64_observable_counter("jobs")
                .with_callback(|o| o.observe(5, &[KeyValue::new("k", "v")]))
                .build()
        };
        let (_observable, counter) = if counter_first {
            let c = meter.u64_counter("jobs").build();
            (make_observable(), c)
        } else {
            let o = make_observable();
            (o, meter.u64_counter("jobs").build())
        };
        counter.add(3, &[KeyValue::new("k", "v")]);
        let rm = snapshot(&r);
        let (text, stats) = encode(plain(), &rm, Format::PrometheusText, Escaping::Underscores);
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1, "{text}");
        text
    };
    let want = "# TYPE jobs_total counter\njobs_total{k=\"v\"} 3\n";
    assert_eq!(run(true), want);
    assert_eq!(run(false), want);
}

/// Review: of a point's exemplars with equal times, the one written was the
/// last in the list, so the output followed the order they came in.
///
/// Fixed: exemplars are ordered by time, then labels, then value.
#[test]
fn exemplars_with_equal_times_do_not_depend_on_their_order() {
    use std::time::{Duration, SystemTime};
    let run = |ones_first: bool| {
        let mut out = Vec::new();
        Encoder::new(plain()).encode_parts(
            Format::OpenMetrics,
            Escaping::Underscores,
            &mut out,
            |p: &mut Parts<'_>| {
                p.metric(jobs_counter());
                p.number(std::iter::empty(), Number::U64(7));
                let mut ids = [1u8, 2];
                if !ones_first {
                    ids.reverse();
                }
                for id in ids {
                    p.exemplar(
                        Number::U64(u64::from(id)),
                        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                        [id; 16],
                        [id; 8],
                        std::iter::empty(),
                    );
                }
            },
        );
        String::from_utf8(out).unwrap()
    };
    let want = "# TYPE jobs counter\n\
                jobs_total 7 # {trace_id=\"02020202020202020202020202020202\",\
                span_id=\"0202020202020202\"} 2 1700000000\n\
                # EOF\n";
    assert_eq!(run(true), want);
    assert_eq!(run(false), want);
    check_with(want.as_bytes(), Format::OpenMetrics, Escaping::Underscores)
        .expect("the expected text is valid OpenMetrics");
}

/// encode_sdk: under a UTF-8 strategy an attribute key like `__name..` is
/// kept, and escaping it with underscores for a legacy scraper made the label
/// `__name__`, which sets the metric name on ingestion (the checker rejects it).
///
/// Fixed: the check for `__name__` moved from the strategy's label-name
/// mapping to the final wire name, so it also catches what escaping makes:
/// `key__name__`, as for the key `__name__` itself.
#[test]
fn a_key_that_escapes_to_dunder_name_is_prefixed() {
    let (p, r) = provider();
    p.meter("app")
        .i64_gauge("g")
        .build()
        .record(1, &[KeyValue::new("__name..", "v")]);
    let rm = snapshot(&r);
    for strategy in [
        TranslationStrategy::NoTranslation,
        TranslationStrategy::NoUtf8EscapingWithSuffixes,
    ] {
        let config = plain().with_translation_strategy(strategy);
        let (text, stats) = encode(config, &rm, Format::PrometheusText, Escaping::Underscores);
        assert_eq!(
            text, "# TYPE g gauge\ng{key__name__=\"v\"} 1\n",
            "{strategy:?}"
        );
        // Escaped for the scraper, then renamed away from `__name__`.
        assert_eq!(stats.renamed(RenameReason::Escaped), 1);
        assert_eq!(stats.renamed(RenameReason::ReservedLabel), 1);
        check_with(
            text.as_bytes(),
            Format::PrometheusText,
            Escaping::Underscores,
        )
        .expect("no reserved label name");
    }
}
