//! What Prometheus stores must be what was recorded: series identity decided
//! the way Prometheus decides it (an empty label value is no label), label
//! names Prometheus and OpenMetrics reserve never written, and what the
//! specification leaves out counted. Expected text is written by hand from
//! those rules, and every output goes through the strict checker.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::Resource;
use otel_expfmt::{
    Config, DropReason, Escaping, Format, RenameReason, ResourceSelector, TranslationStrategy,
};

const FORMATS: [Format; 2] = [Format::PrometheusText, Format::OpenMetrics];

/// The reproduction: `http.route=""` plus `method` is the same
/// series as `method` alone. One is written; the other is counted.
#[test]
fn an_empty_label_value_is_the_same_series_as_no_label() {
    let (p, r) = provider();
    let c = p.meter("m").u64_counter("http.requests").build();
    c.add(
        11,
        &[
            KeyValue::new("http.route", ""),
            KeyValue::new("method", "GET"),
        ],
    );
    c.add(12, &[KeyValue::new("method", "GET")]);
    let rm = snapshot(&r);
    for format in FORMATS {
        let (text, stats) = encode(Config::default(), &rm, format, Escaping::Underscores);
        let series = "http_requests_total{method=\"GET\",otel_scope_name=\"m\"}";
        // Two points with one label set: the tie is broken by value, the
        // lower first, whatever order the SDK hands them over in.
        let want = match format {
            Format::OpenMetrics => format!("# TYPE http_requests counter\n{series} 11\n# EOF\n"),
            _ => format!("# TYPE http_requests_total counter\n{series} 11\n"),
        };
        assert_eq!(text, want, "{format:?}");
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1, "{format:?}");
        keep("stored_empty_label", format, Escaping::Underscores, &text);
    }
    // Protobuf: one metric, decoded by the checker.
    let (body, stats) = encode_bytes(
        Config::default(),
        &rm,
        Format::PrometheusProtobuf,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1);
    keep_bytes(
        "stored_empty_label",
        Format::PrometheusProtobuf,
        Escaping::Underscores,
        &body,
    );
    let e = otel_expfmt::check::check(&body, Format::PrometheusProtobuf).unwrap();
    let samples: Vec<_> = e.samples().collect();
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].name, "http_requests_total");
    assert_eq!(
        samples[0].labels,
        [
            ("method".to_string(), "GET".to_string()),
            ("otel_scope_name".to_string(), "m".to_string())
        ]
    );
    assert_eq!(samples[0].value, 11.0);
}

#[test]
fn empty_values_are_no_labels_in_histograms_scopes_and_resources() {
    let resource = Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "shop"),
            KeyValue::new("host.name", ""),
        ])
        .build();
    let (p, r) = provider_with(resource, Temporality::Cumulative, |b| b);
    let scope = InstrumentationScope::builder("lib")
        .with_version("")
        .with_attributes([KeyValue::new("tier", ""), KeyValue::new("zone", "a")])
        .build();
    let h = p
        .meter_with_scope(scope)
        .f64_histogram("latency")
        .with_boundaries(vec![1.0])
        .build();
    h.record(0.5, &[KeyValue::new("route", ""), KeyValue::new("le", "")]);
    let rm = snapshot(&r);
    let config = Config::default().with_resource_selector(ResourceSelector::All);
    let (text, stats) = encode(config, &rm, Format::PrometheusText, Escaping::Underscores);
    let labels = "otel_scope_name=\"lib\",otel_scope_zone=\"a\",service_name=\"shop\"";
    assert_eq!(
        text,
        format!(
            "# HELP target_info Target metadata\n# TYPE target_info gauge\n\
             target_info{{service_name=\"shop\"}} 1\n\
             # TYPE latency histogram\n\
             latency_bucket{{{labels},le=\"1\"}} 1\nlatency_bucket{{{labels},le=\"+Inf\"}} 1\n\
             latency_sum{{{labels}}} 0.5\nlatency_count{{{labels}}} 1\n"
        )
    );
    // An empty `le` attribute is no label: nothing to rename.
    assert_eq!(stats.renamed(RenameReason::ReservedLabel), 0);
    assert_eq!(stats.dropped_total(), 0);
    keep(
        "stored_empty_labels_everywhere",
        Format::PrometheusText,
        Escaping::Underscores,
        &text,
    );
}

#[test]
fn a_resource_of_only_empty_values_has_no_target_info() {
    let resource = Resource::builder_empty()
        .with_attributes([KeyValue::new("host.name", "")])
        .build();
    let (p, r) = provider_with(resource, Temporality::Cumulative, |b| b);
    p.meter("m").u64_counter("jobs").build().add(1, &[]);
    let rm = snapshot(&r);
    let (text, _) = encode(
        Config::default().without_scope_info(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(text, "# TYPE jobs_total counter\njobs_total 1\n");
}

/// Every strategy with every escaping: no label name written starts with
/// `_` (OpenMetrics reserves those, Prometheus those starting with `__`),
/// and keys that collide on the wire are merged and counted, never written
/// twice.
#[test]
fn reserved_and_colliding_label_names_under_every_strategy_and_escaping() {
    let (p, r) = provider();
    let g = p.meter("m").i64_gauge("g").build();
    g.record(
        1,
        &[
            KeyValue::new("__tenant__", "t"),
            KeyValue::new("ключ", "значение"),
            KeyValue::new("слов", "b"),
            KeyValue::new("_x", "y"),
        ],
    );
    let rm = snapshot(&r);
    // (strategy, escaping) → the label block, written from the rules.
    let utf8 = [
        TranslationStrategy::NoUtf8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ];
    let escaping_strategies = [
        TranslationStrategy::UnderscoreEscapingWithSuffixes,
        TranslationStrategy::UnderscoreEscapingWithoutSuffixes,
    ];
    let cases: Vec<(TranslationStrategy, Escaping, &str, u64, u64)> = utf8
        .iter()
        .flat_map(|&s| {
            [
                // `____` twice: merged in key order (ключ < слов). Legacy
                // names are not escaped; all four names get the prefix
                // (counted per label).
                (
                    s,
                    Escaping::Underscores,
                    "key____=\"значение;b\",key__tenant__=\"t\",key_x=\"y\"",
                    1,
                    4,
                ),
                // Dots: each non-legacy character is `__`.
                (
                    s,
                    Escaping::Dots,
                    "key________=\"значение;b\",key__tenant__=\"t\",key_x=\"y\"",
                    1,
                    4,
                ),
                // Values: `U__` then hex code points; `_` is `__`.
                (
                    s,
                    Escaping::Values,
                    "U___43a__43b__44e__447_=\"значение\",U___441__43b__43e__432_=\"b\",\
                     key__tenant__=\"t\",key_x=\"y\"",
                    0,
                    2,
                ),
                // Allow UTF-8: quoted names, written as they are.
                (
                    s,
                    Escaping::AllowUtf8,
                    "key__tenant__=\"t\",key_x=\"y\",\"ключ\"=\"значение\",\"слов\"=\"b\"",
                    0,
                    2,
                ),
            ]
        })
        .chain(escaping_strategies.iter().map(|&s| {
            // Sanitized by the strategy: `ключ`, `слов` → `key_`; `__tenant__`
            // → `key_tenant_`; `_x` → `key_x`. Legacy names: no wire escaping.
            (
                s,
                Escaping::Underscores,
                "key_=\"значение;b\",key_tenant_=\"t\",key_x=\"y\"",
                1,
                0,
            )
        }))
        .collect();
    for (strategy, escaping, labels, merged, reserved) in cases {
        for format in FORMATS {
            let config = Config::default()
                .without_scope_info()
                .with_translation_strategy(strategy);
            let (text, stats) = encode(config, &rm, format, escaping);
            let line = format!("g{{{labels}}} 1\n");
            assert!(
                text.contains(&line),
                "{strategy:?} {escaping:?} {format:?}: want {line}in\n{text}"
            );
            assert_eq!(
                stats.renamed(RenameReason::LabelMerged),
                merged,
                "{strategy:?} {escaping:?}"
            );
            assert_eq!(
                stats.renamed(RenameReason::ReservedLabel),
                reserved,
                "{strategy:?} {escaping:?}"
            );
            keep("stored_reserved_labels", format, escaping, &text);
        }
        // Protobuf: the same label names, unquoted and unescaped.
        let config = Config::default()
            .without_scope_info()
            .with_translation_strategy(strategy);
        let (body, stats) = encode_bytes(config, &rm, Format::PrometheusProtobuf, escaping);
        assert_eq!(stats.renamed(RenameReason::LabelMerged), merged);
        assert_eq!(stats.renamed(RenameReason::ReservedLabel), reserved);
        let e = otel_expfmt::check::check_with(&body, Format::PrometheusProtobuf, escaping)
            .unwrap_or_else(|e| panic!("{strategy:?} {escaping:?}: {e}"));
        let decoded = &e.samples().next().unwrap().labels;
        // The text block's names and values, as the protobuf checker reports them.
        let text_labels = otel_expfmt::check::check_with(
            format!("g{{{labels}}} 1\n").as_bytes(),
            Format::PrometheusText,
            escaping,
        )
        .unwrap();
        assert_eq!(
            decoded,
            &text_labels.samples().next().unwrap().labels,
            "{strategy:?} {escaping:?}"
        );
    }
}

/// Scope attributes named `name`, `version` or `schema_url` would replace
/// the scope's own labels; the specification drops them, and that is counted.
#[test]
fn scope_attributes_the_specification_drops_are_counted() {
    let (p, r) = provider();
    let scope = InstrumentationScope::builder("lib")
        .with_version("1.0")
        .with_attributes([
            KeyValue::new("name", "shadow"),
            KeyValue::new("version", "2"),
            KeyValue::new("schema_url", "x"),
            KeyValue::new("team", "core"),
        ])
        .build();
    p.meter_with_scope(scope)
        .u64_counter("jobs")
        .build()
        .add(1, &[]);
    let rm = snapshot(&r);
    for format in FORMATS {
        let (text, stats) = encode(Config::default(), &rm, format, Escaping::Underscores);
        assert!(
            text.contains(
                "{otel_scope_name=\"lib\",otel_scope_team=\"core\",otel_scope_version=\"1.0\"} 1\n"
            ),
            "{text}"
        );
        assert_eq!(stats.dropped(DropReason::ScopeAttribute), 3, "{format:?}");
        assert_eq!(stats.dropped_total(), 3, "{format:?}");
    }
    // Without scope labels nothing is dropped: the config left them all out.
    let (_, stats) = encode(
        Config::default().without_scope_info(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped_total(), 0);
}

/// 2,100 scopes, each with a counter sharing one 1 MiB description: once
/// more than 4 GiB of scratch text, which wrapped 32-bit offsets (a series
/// written with description bytes for labels, others lost, spurious drops
/// counted). Offsets are `usize` now, and a shared description is kept
/// once: every series comes back, nothing is dropped.
#[test]
fn thousands_of_streams_sharing_a_long_description() {
    let description: &'static str = Box::leak("d".repeat(1 << 20).into_boxed_str());
    let (p, r) = provider();
    for i in 0..2_100 {
        p.meter_with_scope(InstrumentationScope::builder(format!("s{i:04}")).build())
            .u64_counter("c")
            .with_description(description)
            .build()
            .add(1, &[]);
    }
    let rm = snapshot(&r);
    let (text, stats) = encode(
        Config::default(),
        &rm,
        Format::PrometheusText,
        Escaping::Underscores,
    );
    assert_eq!(stats.dropped_total(), 0);
    assert_eq!((stats.families, stats.series), (1, 2_100));
    let exposition =
        otel_expfmt::check::check(text.as_bytes(), Format::PrometheusText).expect("valid text");
    let family = &exposition.families[0];
    assert_eq!(family.help.as_deref(), Some(description));
    for (i, sample) in family.samples.iter().enumerate() {
        assert_eq!(
            sample.labels,
            [("otel_scope_name".to_string(), format!("s{i:04}"))]
        );
        assert_eq!(sample.value_text, "1");
    }
}

/// One family, one HELP: the description written is the one of the family's
/// first metric (scopes ordered by name). Each other metric whose description
/// is a different text is counted; one without a description, or with
/// the same text, conflicts with nothing.
#[test]
fn one_help_per_family_and_differing_descriptions_counted() {
    let (p, r) = provider();
    for (scope, description) in [
        ("e", Some("Other.")),
        ("d", Some("Requests.")),
        ("c", None),
        ("b", Some("Other.")),
        ("a", Some("Requests.")),
    ] {
        let meter = p.meter(scope);
        let counter = meter.u64_counter("requests");
        let counter = match description {
            Some(d) => counter.with_description(d),
            None => counter,
        };
        counter.build().add(1, &[]);
    }
    let rm = snapshot(&r);
    let samples = "requests_total{otel_scope_name=\"a\"} 1\n\
                   requests_total{otel_scope_name=\"b\"} 1\n\
                   requests_total{otel_scope_name=\"c\"} 1\n\
                   requests_total{otel_scope_name=\"d\"} 1\n\
                   requests_total{otel_scope_name=\"e\"} 1\n";
    for format in FORMATS {
        let (text, stats) = encode(Config::default(), &rm, format, Escaping::Underscores);
        let want = match format {
            Format::OpenMetrics => {
                format!("# TYPE requests counter\n# HELP requests Requests.\n{samples}# EOF\n")
            }
            _ => {
                format!("# HELP requests_total Requests.\n# TYPE requests_total counter\n{samples}")
            }
        };
        assert_eq!(text, want, "{format:?}");
        // The two "Other." metrics.
        assert_eq!(stats.dropped(DropReason::ConflictingHelp), 2, "{format:?}");
        assert_eq!(stats.dropped_total(), 2, "{format:?}");
        keep(
            "stored_conflicting_help",
            format,
            Escaping::Underscores,
            &text,
        );
    }
}

/// Duplicates are dropped within their family only, and only the later
/// copies: a family without duplicates before it, and a series of its own
/// sorted before the duplicate pair, are all written.
#[test]
fn duplicates_are_dropped_within_their_family_only() {
    let (p, r) = provider();
    p.meter("a").u64_gauge("level").build().record(7, &[]);
    for (scope, v) in [("b", 2), ("a", 1)] {
        let requests = p.meter(scope).u64_counter("requests").build();
        requests.add(v, &[KeyValue::new("k", "v")]);
        if scope == "a" {
            requests.add(5, &[KeyValue::new("k", "u")]);
        }
    }
    let rm = snapshot(&r);
    let config = Config::default().without_scope_info();
    // Scope "a" ranks first: its `k="v"` series is kept.
    let samples = "requests_total{k=\"u\"} 5\nrequests_total{k=\"v\"} 1\n";
    for format in FORMATS {
        let (text, stats) = encode(config.clone(), &rm, format, Escaping::Underscores);
        let want = match format {
            Format::OpenMetrics => {
                format!("# TYPE level gauge\nlevel 7\n# TYPE requests counter\n{samples}# EOF\n")
            }
            _ => format!("# TYPE level gauge\nlevel 7\n# TYPE requests_total counter\n{samples}"),
        };
        assert_eq!(text, want, "{format:?}");
        assert_eq!(stats.dropped(DropReason::DuplicateSeries), 1, "{format:?}");
        assert_eq!(stats.dropped_total(), 1, "{format:?}");
        keep(
            "stored_duplicates_in_one_family",
            format,
            Escaping::Underscores,
            &text,
        );
    }
}

/// The stats count `target_info` as a family and a series, and the bytes
/// appended (not those already in the buffer).
#[test]
fn stats_count_target_info_and_the_bytes_appended() {
    let (p, r) = provider_with(
        Resource::builder_empty().with_service_name("shop").build(),
        Temporality::Cumulative,
        |b| b,
    );
    p.meter("m").u64_gauge("level").build().record(7, &[]);
    let rm = snapshot(&r);
    for format in FORMATS {
        let mut out = b"prefix".to_vec();
        let stats = otel_expfmt::Encoder::new(Config::default().without_scope_info())
            .encode(&rm, format, &mut out);
        let text = std::str::from_utf8(&out[6..]).unwrap();
        assert!(
            text.contains("target_info{service_name=\"shop\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("level 7\n"), "{text}");
        assert_eq!((stats.families, stats.series), (2, 2), "{format:?}");
        assert_eq!(stats.bytes, out.len() as u64 - 6, "{format:?}");
    }
}
