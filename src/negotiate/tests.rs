use super::*;

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";
const TEXT_UTF8: &str = "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8";
const TEXT1: &str = "text/plain; version=1.0.0; charset=utf-8; escaping=underscores";
const TEXT1_UTF8: &str = "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8";
const OM: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
const OM_UTF8: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8";
const OM001: &str =
    "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=underscores";

/// Prometheus 3 default (its `config/config.go` scrape protocols).
const PROM3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// Logged from Prometheus 2.42 (validators.md).
const PROM242: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// Prometheus with native histograms or created timestamps: protobuf first.
const PROTO: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,";
const PB: &str = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores";
const PB_UTF8: &str = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=allow-utf-8";

fn ct(accept: &str) -> &'static str {
    negotiate(Some(accept)).content_type()
}

#[test]
fn table_rows_match_media_and_escaping() {
    for media in Media::ALL {
        for escaping in [
            Escaping::Underscores,
            Escaping::AllowUtf8,
            Escaping::Dots,
            Escaping::Values,
        ] {
            let ct = Negotiated {
                media,
                escaping,
                encoding: ContentEncoding::Identity,
            }
            .content_type();
            let version = match media {
                Media::Text004 => "version=0.0.4; charset=utf-8",
                Media::Text100 | Media::Om100 => "version=1.0.0; charset=utf-8",
                Media::Om001 => "version=0.0.1; charset=utf-8",
                Media::Proto => "proto=io.prometheus.client.MetricFamily; encoding=delimited",
            };
            let kind = match media.format() {
                Format::PrometheusText => "text/plain; ",
                Format::OpenMetrics => "application/openmetrics-text; ",
                Format::PrometheusProtobuf => "application/vnd.google.protobuf; ",
            };
            let expected = format!("{kind}{version}; escaping={}", escaping.as_str());
            assert_eq!(ct, expected);
        }
    }
    for (i, a) in CONTENT_TYPES.iter().enumerate() {
        assert!(!CONTENT_TYPES[i + 1..].contains(a), "duplicate {a}");
    }
}

#[test]
fn new_uses_default_versions() {
    assert_eq!(
        Negotiated::new(Format::PrometheusText, Escaping::Dots).content_type(),
        "text/plain; version=0.0.4; charset=utf-8; escaping=dots"
    );
    assert_eq!(
        Negotiated::new(Format::OpenMetrics, Escaping::Values).content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=values"
    );
    assert_eq!(
        Negotiated::new(Format::PrometheusProtobuf, Escaping::Underscores).content_type(),
        PB
    );
    assert_eq!(
        Negotiated::default(),
        Negotiated::new(Format::PrometheusText, Escaping::Underscores)
    );
}

// The negotiation table of the README, row by row.
#[test]
fn no_header_is_text_underscores() {
    assert_eq!(negotiate(None).content_type(), TEXT);
}

#[test]
fn prometheus3_default_is_openmetrics_utf8() {
    let n = negotiate(Some(PROM3));
    assert_eq!(n.content_type(), OM_UTF8);
    assert_eq!(n.format(), Format::OpenMetrics);
    assert_eq!(n.escaping(), Escaping::AllowUtf8);
}

#[test]
fn text_004() {
    assert_eq!(ct("text/plain;version=0.0.4"), TEXT);
}

#[test]
fn versionless_openmetrics_is_1_0_0() {
    assert_eq!(ct("application/openmetrics-text"), OM);
}

#[test]
fn star_star_is_text() {
    assert_eq!(ct("*/*"), TEXT);
}

#[test]
fn prometheus_2_42_header_is_openmetrics_underscores() {
    assert_eq!(ct(PROM242), OM);
}

#[test]
fn prometheus_docs_example_header() {
    // The example header of Prometheus' "Scrape protocol content negotiation"
    // page (prometheus.io/docs/instrumenting/content_negotiation): `allow-utf8`
    // (sic) is not a known scheme, so it means underscores; `/` is not a media range and is skipped.
    let docs = "application/openmetrics-text;version=1.0.0;escaping=allow-utf8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf8;q=0.3,text/plain;version=0.0.4;q=0.2,/;q=0.1";
    assert_eq!(ct(docs), OM);
    // Its protobuf-first variant (without the stray line break).
    let docs_proto = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;escaping=allow-utf8;q=0.4,application/openmetrics-text;version=0.0.1;q=0.3,text/plain;version=1.0.0;escaping=allow-utf8;q=0.2,text/plain;version=0.0.4;q=0.1,/;q=0.0";
    assert_eq!(ct(docs_proto), PB);
}

#[test]
fn protobuf_first_headers_get_protobuf() {
    assert_eq!(ct(&format!("{PROTO}{PROM3}")), PB);
    // Prometheus 2.42's OpenMetrics clause has q=1, above protobuf's 0.7.
    assert_eq!(ct(&format!("{PROTO}{PROM242}")), OM);
    assert_eq!(
        ct(&format!("{PROTO}text/plain;version=0.0.4;q=0.3,*/*;q=0.2")),
        PB
    );
    assert_eq!(
        ct("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"),
        PB
    );
    assert_eq!(negotiate(Some(PROTO)).format(), Format::PrometheusProtobuf);
}

/// The `Accept` headers Prometheus sends with native histograms enabled.
#[test]
fn prometheus_native_histogram_headers() {
    // 2.40-2.48 with `--enable-feature=native-histograms` (logged from 2.42).
    let v2_42 = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    assert_eq!(ct(v2_42), PB);
    // 2.50-2.55: `scrape_protocols` with protobuf first.
    let v2_50 = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,application/openmetrics-text;version=0.0.1;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
    assert_eq!(ct(v2_50), PB);
    // 3.x with `scrape_native_histograms: true`.
    let v3 = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
    assert_eq!(ct(v3), PB);
    // 3.0 appended `escaping=allow-utf-8` to every clause, protobuf included.
    let v3_0 = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,*/*;q=0.1";
    assert_eq!(ct(v3_0), PB_UTF8);
}

/// Protobuf is never sent unasked: a Prometheus that did not ask fails the
/// whole scrape on a native histogram. Only a clause naming the delimited
/// `MetricFamily` encoding in full gets it.
#[test]
fn protobuf_only_when_named_in_full() {
    for header in [
        "*/*",
        "application/*",
        "application/vnd.google.protobuf",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily",
        "application/vnd.google.protobuf;encoding=delimited",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text",
        "application/vnd.google.protobuf;proto=io.prometheus.client.Metric;encoding=delimited",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;proto=x;encoding=delimited",
    ] {
        let n = negotiate(Some(header));
        assert_ne!(n.format(), Format::PrometheusProtobuf, "{header}");
        let fallback = if header == "application/*" { OM } else { TEXT };
        assert_eq!(n.content_type(), fallback, "{header}");
    }
    // Case-insensitive type and parameter names; quoted values; spaces.
    assert_eq!(
        ct("Application/VND.Google.Protobuf ; Proto=\"io.prometheus.client.MetricFamily\" ; Encoding=delimited"),
        PB
    );
    // A higher q elsewhere wins; an equal q goes to the earlier clause.
    assert_eq!(
        ct(&format!("{PROTO}application/openmetrics-text;q=0.8")),
        OM
    );
    assert_eq!(
        ct(&format!("{PROTO}application/openmetrics-text;q=0.7")),
        PB
    );
}

#[test]
fn each_supported_type() {
    assert_eq!(ct("text/plain"), TEXT);
    assert_eq!(ct("text/plain;version=1.0.0"), TEXT1);
    assert_eq!(
        ct("text/plain;version=1.0.0;escaping=allow-utf-8"),
        TEXT1_UTF8
    );
    assert_eq!(ct("application/openmetrics-text;version=1.0.0"), OM);
    assert_eq!(ct("application/openmetrics-text;version=0.0.1"), OM001);
    assert_eq!(ct("text/*"), TEXT);
    assert_eq!(ct("application/*"), OM);
}

#[test]
fn unsupported_versions_and_types_fall_back() {
    assert_eq!(ct("application/openmetrics-text;version=2.0.0"), TEXT);
    assert_eq!(ct("text/plain;version=9.9"), TEXT);
    assert_eq!(
        ct("text/plain;version=1.0.0;escaping=allow-utf-8;charset=iso-8859-1"),
        TEXT
    );
    assert_eq!(ct("application/json, text/html"), TEXT);
    assert_eq!(
        ct("application/openmetrics-text;version=2.0.0;escaping=allow-utf-8, application/json"),
        TEXT
    );
    // The unsupported clause is skipped, not the header.
    assert_eq!(
        ct("application/openmetrics-text;version=2.0.0, text/plain;version=1.0.0;q=0.1"),
        TEXT1
    );
}

#[test]
fn every_escaping_value() {
    for (value, expected) in [
        ("allow-utf-8", Escaping::AllowUtf8),
        ("underscores", Escaping::Underscores),
        ("dots", Escaping::Dots),
        ("values", Escaping::Values),
    ] {
        let n = negotiate(Some(&format!("text/plain;version=1.0.0;escaping={value}")));
        assert_eq!(n.escaping(), expected, "{value}");
    }
}

#[test]
fn unknown_or_miscased_escaping_is_underscores() {
    for value in ["allow-utf8", "Allow-UTF-8", "DOTS", "none", "\"\""] {
        let n = negotiate(Some(&format!("text/plain;version=1.0.0;escaping={value}")));
        assert_eq!(n.content_type(), TEXT1, "{value}");
    }
}

#[test]
fn escaping_on_a_non_chosen_clause_is_ignored() {
    // Unlike Go's expfmt, the escaping of a higher-q unsupported clause does not carry over.
    assert_eq!(ct("application/openmetrics-text;version=2.0.0;escaping=allow-utf-8,text/plain;version=0.0.4;q=0.5"), TEXT);
    assert_eq!(
        ct("text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.5"),
        TEXT
    );
    assert_eq!(
        ct("text/plain;version=0.0.4;q=0.5,application/openmetrics-text;escaping=dots;q=0.4"),
        TEXT
    );
    // Nor does an escaping on a q=0 clause.
    assert_eq!(
        ct("text/plain;version=1.0.0;escaping=allow-utf-8;q=0,text/plain;version=0.0.4"),
        TEXT
    );
}

#[test]
fn escaping_on_the_chosen_clause_applies_to_any_format() {
    assert_eq!(
        ct("text/plain;version=0.0.4;escaping=allow-utf-8"),
        TEXT_UTF8
    );
    assert_eq!(ct("*/*;escaping=allow-utf-8"), TEXT_UTF8);
}

#[test]
fn highest_q_wins_regardless_of_order() {
    assert_eq!(
        ct("text/plain;q=0.5,application/openmetrics-text;q=0.9"),
        OM
    );
    assert_eq!(
        ct("application/openmetrics-text;q=0.5,text/plain;q=0.9"),
        TEXT
    );
    assert_eq!(
        ct("*/*;q=0.1,application/openmetrics-text;version=0.0.1;q=0.11"),
        OM001
    );
    assert_eq!(
        ct("text/plain;q=0.001,application/openmetrics-text;q=0.002"),
        OM
    );
    // No q means 1.
    assert_eq!(ct("text/plain;q=0.999,application/openmetrics-text"), OM);
}

#[test]
fn ties_go_to_the_earlier_clause() {
    assert_eq!(ct("text/plain,application/openmetrics-text"), TEXT);
    assert_eq!(ct("application/openmetrics-text,text/plain"), OM);
    assert_eq!(
        ct("application/openmetrics-text;q=0.5,text/plain;q=0.500"),
        OM
    );
    assert_eq!(
        ct("text/plain;version=1.0.0;q=1.0,text/plain;version=0.0.4;q=1"),
        TEXT1
    );
}

#[test]
fn q_zero_is_not_acceptable() {
    assert_eq!(ct("application/openmetrics-text;q=0"), TEXT);
    assert_eq!(
        ct("application/openmetrics-text;q=0.000,text/plain;version=1.0.0;q=0.1"),
        TEXT1
    );
    // A q=0 clause rules out what it names for wildcard and versionless clauses.
    assert_eq!(ct("text/plain;q=0,*/*"), OM);
    assert_eq!(ct("text/plain;version=0.0.4;q=0,text/plain"), TEXT1);
    assert_eq!(
        ct("application/openmetrics-text;version=1.0.0;q=0,application/*"),
        OM001
    );
    assert_eq!(ct("text/*;q=0,application/*;q=0,*/*"), TEXT);
    // ... unless a more specific clause accepts it.
    assert_eq!(ct("*/*;q=0,text/plain;version=0.0.4;q=0.5"), TEXT);
    assert_eq!(ct("text/*;q=0,text/plain;version=1.0.0;q=0.2"), TEXT1);
    // Everything excluded: default answer.
    assert_eq!(
        ct("*/*;q=0,application/openmetrics-text;escaping=dots;q=0"),
        TEXT
    );
}

#[test]
fn malformed_q_drops_the_clause() {
    for q in [
        "1.5", "2", "-0.5", "0.1234", ".5", "0,5", "1.001", "0.5x", "", "\"0.5\"", "0x1", "+0.5",
        "1e-1", "0..5",
    ] {
        let header = format!("application/openmetrics-text;q={q},text/plain;version=1.0.0;q=0.1");
        assert_eq!(ct(&header), TEXT1, "q={q}");
    }
    // A malformed q=0 clause does not exclude anything either.
    assert_eq!(ct("text/plain;q=0.0000,*/*"), TEXT);
}

#[test]
fn whitespace_and_case_variations() {
    assert_eq!(ct("  Application/OpenMetrics-Text ; Version=1.0.0 ; ESCAPING=allow-utf-8 ; Q=0.9 , text/plain ; q=0.5 "), OM_UTF8);
    assert_eq!(ct("\ttext/plain;\tversion = 1.0.0\t"), TEXT1);
    assert_eq!(ct("TEXT/PLAIN;CHARSET=UTF-8;VERSION=0.0.4"), TEXT);
    assert_eq!(
        ct("application/openmetrics-text; version=1.0.0, text/plain; version=0.0.4; q=0.5"),
        OM
    );
    // Whitespace inside the media range is not allowed.
    assert_eq!(ct("application / openmetrics-text"), TEXT);
}

#[test]
fn quoted_parameter_values() {
    assert_eq!(
        ct("application/openmetrics-text;version=\"0.0.1\";escaping=\"allow-utf-8\""),
        "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=allow-utf-8"
    );
    assert_eq!(ct("text/plain;version=\"1.0\\.0\""), TEXT1);
    assert_eq!(ct("text/plain;version=1.0.0;charset=\"UTF-8\""), TEXT1);
    // Separators inside quotes do not split the header.
    assert_eq!(ct("text/plain;x=\"a,b;c\";version=1.0.0"), TEXT1);
    // Unterminated or trailing text after the quote: clause skipped.
    assert_eq!(ct("application/openmetrics-text;version=\"1.0.0"), TEXT);
    assert_eq!(
        ct("application/openmetrics-text;version=\"1.0.0\"x,text/plain;version=1.0.0;q=0.1"),
        TEXT1
    );
}

#[test]
fn empty_clauses_and_parameters() {
    assert_eq!(ct(""), TEXT);
    assert_eq!(ct(",,"), TEXT);
    assert_eq!(ct(" , ,application/openmetrics-text,,"), OM);
    assert_eq!(ct("application/openmetrics-text;;version=0.0.1;"), OM001);
}

#[test]
fn malformed_clauses_are_skipped() {
    let bad = [
        "application/openmetrics-text;version",
        "application/openmetrics-text;=1.0.0",
        "application/openmetrics-text;version=1.0.0;version=0.0.1",
        "application/openmetrics-text;q=0.9;q=0.8",
        "application/openmetrics-text;escaping=dots;escaping=values",
        "application/openmetrics-text/x",
        "/openmetrics-text",
        "application/",
        "*/openmetrics-text",
        "application",
        "/",
        "*",
        "application/openmetrics-text;vers ion=1.0.0",
        "application/openmetrics-text;version=1.0 .0",
    ];
    for clause in bad {
        assert_eq!(
            ct(&format!("{clause},text/plain;version=1.0.0;q=0.1")),
            TEXT1,
            "{clause}"
        );
    }
}

#[test]
fn version_on_a_wildcard_is_ignored() {
    assert_eq!(ct("*/*;version=1.0.0"), TEXT);
    assert_eq!(ct("application/*;version=0.0.1"), OM);
}

#[test]
fn proto_and_unknown_parameters_do_not_matter() {
    assert_eq!(
        ct("application/openmetrics-text;proto=x;encoding=delimited;foo=bar"),
        OM
    );
}

#[test]
fn garbage_is_the_default() {
    for header in [
        "garbage",
        "\u{0}\u{7f}",
        "é/é",
        "text/plaín",
        "text/plain;version=0.0.4\u{0}",
        ";;;",
        "\"",
        "\"text/plain\"",
        "q=1",
        "text/plain;version=1.0.0;escaping=allow-utf-8é",
    ] {
        assert_eq!(ct(header), TEXT, "{header:?}");
    }
}

#[test]
fn non_ascii_in_other_clauses_is_harmless() {
    assert_eq!(
        ct("tëxt/plain, application/openmetrics-text;x=\"ünïcode\""),
        OM
    );
    assert_eq!(
        ct("application/openmetrics-text;version=1.0.0;escaping=\"allow-utf-8\u{e9}\""),
        OM
    );
}

#[test]
fn very_long_garbage() {
    let long = "x".repeat(1 << 20);
    assert_eq!(ct(&long), TEXT);
    let commas = ",;=\"".repeat(1 << 18);
    assert_eq!(ct(&commas), TEXT);
    let many = "text/plain;q=0,".repeat(50_000) + "application/openmetrics-text;q=0.1";
    assert_eq!(ct(&many), OM);
    let tail = format!("{PROM3},{}", "\u{fffd}".repeat(100_000));
    assert_eq!(ct(&tail), OM_UTF8);
}

#[test]
fn request_text_is_never_echoed() {
    let n = negotiate(Some(
        "text/plain;version=1.0.0;escaping=\"allow-utf-8\r\nX-Evil: 1\"",
    ));
    assert!(CONTENT_TYPES.contains(&n.content_type()));
    assert!(!n.content_type().contains("Evil"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn check(header: &str) {
        let n = negotiate(Some(header));
        let ct = n.content_type();
        assert!(CONTENT_TYPES.contains(&ct), "{ct}");
        assert!(ct.ends_with(n.escaping().as_str()));
        let om = ct.starts_with("application/openmetrics-text;");
        assert_eq!(om, n.format() == Format::OpenMetrics);
        // Protobuf only for a clause that names it in full.
        if n.format() == Format::PrometheusProtobuf {
            assert!(
                header.contains("proto=io.prometheus.client.MetricFamily"),
                "{header}"
            );
            assert!(header.contains("encoding=delimited"), "{header}");
        }
    }

    /// Headers assembled from realistic pieces, so the search reaches the
    /// interesting branches more often than random text does.
    fn header() -> impl Strategy<Value = String> {
        let range = prop::sample::select(vec![
            "text/plain",
            "application/openmetrics-text",
            "*/*",
            "text/*",
            "application/*",
            "application/vnd.google.protobuf",
            "TEXT/Plain",
            "x",
            "",
        ]);
        let param = prop::sample::select(vec![
            "version=0.0.4",
            "version=1.0.0",
            "version=0.0.1",
            "version=\"1.0.0\"",
            "escaping=allow-utf-8",
            "escaping=dots",
            "escaping=values",
            "q=0",
            "q=0.5",
            "q=1",
            "q=0.25",
            "q=2",
            "charset=utf-8",
            "proto=io.prometheus.client.MetricFamily",
            "encoding=delimited",
            "encoding=text",
            "",
            " ",
            "\"",
            "é",
        ]);
        let clause = (range, prop::collection::vec(param, 0..4))
            .prop_map(|(r, ps)| ps.iter().fold(r.to_owned(), |acc, p| acc + ";" + p));
        prop::collection::vec(clause, 0..6).prop_map(|cs| cs.join(","))
    }

    proptest! {
        #[test]
        fn any_string_gives_a_table_content_type(s in any::<String>()) {
            check(&s);
        }

        #[test]
        fn any_bytes_lossy_gives_a_table_content_type(b in prop::collection::vec(any::<u8>(), 0..256)) {
            check(&String::from_utf8_lossy(&b));
        }

        #[test]
        fn assembled_headers_give_a_table_content_type(h in header()) {
            check(&h);
        }

        #[test]
        fn repeating_the_header_changes_nothing(a in header(), b in header()) {
            // Holds when quotes are balanced; a stray `"` swallows the rest
            // of the header, so it can pair with one in the copy.
            if a.bytes().filter(|&c| c == b'"').count() % 2 == 0 {
                let once = negotiate(Some(&a));
                let twice = negotiate(Some(&format!("{a},{a}")));
                prop_assert_eq!(once, twice);
            }
            check(&format!("{a},{b}"));
        }
    }
}
