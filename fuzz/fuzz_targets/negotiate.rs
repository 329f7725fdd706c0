//! Arbitrary `Accept` headers: `negotiate` never panics, always answers with
//! a format it can write and a `Content-Type` from the fixed table that
//! agrees with that format and escaping scheme, and answers protobuf only
//! to a header that names it. The same bytes as an
//! `Accept-Encoding` header: `negotiate_encoding` never panics, and answers
//! gzip only when the header names gzip (or `*`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use otel_expfmt::{negotiate, negotiate_encoding, ContentEncoding, Escaping, Format};

const SCHEMES: [Escaping; 4] = [
    Escaping::Underscores,
    Escaping::AllowUtf8,
    Escaping::Dots,
    Escaping::Values,
];

fn check(header: Option<&str>) {
    let n = negotiate(header);
    assert_eq!(n, negotiate(header), "not deterministic");
    let ct = n.content_type();
    let scheme = n.escaping().as_str();
    let expected: Vec<String> = match n.format() {
        Format::PrometheusText => ["0.0.4", "1.0.0"]
            .iter()
            .map(|v| format!("text/plain; version={v}; charset=utf-8; escaping={scheme}"))
            .collect(),
        Format::OpenMetrics => ["1.0.0", "0.0.1"]
            .iter()
            .map(|v| {
                format!(
                    "application/openmetrics-text; version={v}; charset=utf-8; escaping={scheme}"
                )
            })
            .collect(),
        Format::PrometheusProtobuf => {
            // Only for a header that names the delimited MetricFamily encoding.
            let lower = header.unwrap_or("").to_ascii_lowercase();
            assert!(
                lower.contains("vnd.google.protobuf")
                    && lower.contains("io.prometheus.client.metricfamily")
                    && lower.contains("delimited"),
                "{header:?} → protobuf"
            );
            vec![format!(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; \
                 encoding=delimited; escaping={scheme}"
            )]
        }
        other => panic!("unknown format {other:?}"),
    };
    assert!(
        expected.iter().any(|e| e == ct),
        "{header:?} → {ct:?} (format {:?}, escaping {:?})",
        n.format(),
        n.escaping()
    );
    assert!(SCHEMES.contains(&n.escaping()));
    // `expected` is built from fixed parts only: nothing of the request is echoed.

    let e = negotiate_encoding(header);
    assert_eq!(e, negotiate_encoding(header), "not deterministic");
    let lower = header.unwrap_or("").to_ascii_lowercase();
    match e.header_value() {
        None => assert_eq!(e, ContentEncoding::Identity),
        Some(coding) => {
            assert_eq!(coding, "gzip");
            assert!(lower.contains("gzip") || lower.contains('*'), "{header:?} → gzip");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match std::str::from_utf8(data) {
        Ok(s) => check(Some(s)),
        Err(_) => check(Some(&String::from_utf8_lossy(data))),
    }
    if data.is_empty() {
        check(None);
    }
});
