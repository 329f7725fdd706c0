//! UTF-8 names and the negotiated escaping schemes (Prometheus "Escaping schemes"),
//! and namespace sanitizing. Expected text written from the spec.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use otel_expfmt::{Config, Escaping, Format, RenameReason, TranslationStrategy};

fn x11() -> opentelemetry_sdk::metrics::data::ResourceMetrics {
    let (p, r) = provider();
    let scope = InstrumentationScope::builder("app")
        .with_version("1.2.3")
        .build();
    p.meter_with_scope(scope)
        .u64_counter("my.metric")
        .with_description("Demo.")
        .build()
        .add(1, &[KeyValue::new("http.method", "GET")]);
    snapshot(&r)
}

fn utf8_config() -> Config {
    Config::default()
        .without_target_info()
        .with_translation_strategy(TranslationStrategy::NoUtf8EscapingWithSuffixes)
}

const SCOPE: &str = "otel_scope_name=\"app\",otel_scope_version=\"1.2.3\"";

#[test]
fn allow_utf8_quotes_names() {
    let rm = x11();
    let (text, _) = encode(
        utf8_config(),
        &rm,
        Format::PrometheusText,
        Escaping::AllowUtf8,
    );
    assert_eq!(
        text,
        format!(
            "# HELP \"my.metric_total\" Demo.\n# TYPE \"my.metric_total\" counter\n\
             {{\"my.metric_total\",\"http.method\"=\"GET\",{SCOPE}}} 1\n"
        )
    );
    keep("x11", Format::PrometheusText, Escaping::AllowUtf8, &text);
    let (text, _) = encode(utf8_config(), &rm, Format::OpenMetrics, Escaping::AllowUtf8);
    assert_eq!(
        text,
        format!(
            "# TYPE \"my.metric\" counter\n# HELP \"my.metric\" Demo.\n\
             {{\"my.metric_total\",\"http.method\"=\"GET\",{SCOPE}}} 1\n# EOF\n"
        )
    );
    keep("x11", Format::OpenMetrics, Escaping::AllowUtf8, &text);
}

#[test]
fn other_schemes_escape_names() {
    let rm = x11();
    // (scheme, 0.0.4 sample name, OpenMetrics family, label name)
    let cases = [
        (
            Escaping::Underscores,
            "my_metric_total",
            "my_metric",
            "http_method",
        ),
        (
            Escaping::Dots,
            "my_dot_metric__total",
            "my_dot_metric_",
            "http_dot_method",
        ),
        (
            Escaping::Values,
            "U__my_2e_metric__total",
            "U__my_2e_metric_",
            "U__http_2e_method",
        ),
    ];
    for (scheme, sample, om_family, label) in cases {
        let (text, stats) = encode(utf8_config(), &rm, Format::PrometheusText, scheme);
        assert_eq!(
            text,
            format!("# HELP {sample} Demo.\n# TYPE {sample} counter\n{sample}{{{label}=\"GET\",{SCOPE}}} 1\n"),
            "{scheme:?}"
        );
        assert_eq!(
            stats.renamed(RenameReason::Escaped),
            2,
            "{scheme:?}: metric name and one label"
        );
        keep(
            &format!("utf8_names_{}", scheme.as_str()),
            Format::PrometheusText,
            scheme,
            &text,
        );
        let (text, _) = encode(utf8_config(), &rm, Format::OpenMetrics, scheme);
        assert_eq!(
            text,
            format!("# TYPE {om_family} counter\n# HELP {om_family} Demo.\n{sample}{{{label}=\"GET\",{SCOPE}}} 1\n# EOF\n"),
            "{scheme:?}"
        );
        keep(
            &format!("utf8_names_{}", scheme.as_str()),
            Format::OpenMetrics,
            scheme,
            &text,
        );
    }
}

#[test]
fn default_strategy_ignores_the_escaping_scheme() {
    let rm = x11();
    let config = Config::default().without_target_info();
    for scheme in [
        Escaping::Underscores,
        Escaping::AllowUtf8,
        Escaping::Dots,
        Escaping::Values,
    ] {
        let (text, _) = encode(config.clone(), &rm, Format::PrometheusText, scheme);
        assert_eq!(
            text,
            format!("# HELP my_metric_total Demo.\n# TYPE my_metric_total counter\nmy_metric_total{{http_method=\"GET\",{SCOPE}}} 1\n"),
            "{scheme:?}"
        );
    }
}

#[test]
fn namespace_is_sanitized() {
    let (p, r) = provider();
    p.meter("app").u64_counter("orders").build().add(1, &[]);
    let config = Config::default()
        .without_target_info()
        .without_scope_info()
        .with_namespace("my-app");
    let rm = snapshot(&r);
    let (text, _) = encode(config, &rm, Format::PrometheusText, Escaping::Underscores);
    assert_eq!(
        text,
        "# TYPE my_app_orders_total counter\nmy_app_orders_total 1\n"
    );
    keep(
        "namespace",
        Format::PrometheusText,
        Escaping::Underscores,
        &text,
    );
}

#[test]
fn quoted_histogram_bucket_lines() {
    use opentelemetry_sdk::metrics::Temporality;
    use otel_expfmt::__private::{MetricInfo, MetricKind, Number};
    use otel_expfmt::{Config, Encoder, Escaping, Format, TranslationStrategy};
    let config = Config::default()
        .without_scope_info()
        .without_target_info()
        .with_translation_strategy(TranslationStrategy::NoTranslation);
    let attrs = [opentelemetry::KeyValue::new("a", "b")];
    let mut out = Vec::new();
    Encoder::new(config).encode_parts(Format::PrometheusText, Escaping::AllowUtf8, &mut out, |p| {
        p.metric(MetricInfo {
            name: "h.x",
            description: "",
            unit: "",
            kind: MetricKind::Histogram,
            temporality: Temporality::Cumulative,
            start_time: None,
        });
        for set in [&attrs[..], &[]] {
            let kv = set.iter().map(|kv| (kv.key.as_str(), &kv.value));
            p.histogram(kv, [1.0], [1, 1], 2, Number::F64(3.5));
        }
    });
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "# TYPE \"h.x\" histogram\n\
         {\"h.x_bucket\",le=\"1\"} 1\n{\"h.x_bucket\",le=\"+Inf\"} 2\n\
         {\"h.x_sum\"} 3.5\n{\"h.x_count\"} 2\n\
         {\"h.x_bucket\",a=\"b\",le=\"1\"} 1\n{\"h.x_bucket\",a=\"b\",le=\"+Inf\"} 2\n\
         {\"h.x_sum\",a=\"b\"} 3.5\n{\"h.x_count\",a=\"b\"} 2\n"
    );
}
