use super::*;

const ALL: [TranslationStrategy; 4] = [
    TranslationStrategy::UnderscoreEscapingWithSuffixes,
    TranslationStrategy::UnderscoreEscapingWithoutSuffixes,
    TranslationStrategy::NoUtf8EscapingWithSuffixes,
    TranslationStrategy::NoTranslation,
];

fn cfg(strategy: TranslationStrategy) -> Config {
    Config::default().with_translation_strategy(strategy)
}

fn run(config: &Config, name: &str, unit: &str, kind: NameKind) -> (String, String, Translated) {
    // Pre-filled buffers: `metric_name` must clear them.
    let mut out = String::from("junk");
    let mut unit_out = String::from("junk");
    let t = metric_name(config, name, unit, kind, &mut out, &mut unit_out);
    (out, unit_out, t)
}

/// Default strategy (underscore escaping with suffixes).
fn def(name: &str, unit: &str, kind: NameKind) -> String {
    let (out, _, t) = run(&Config::default(), name, unit, kind);
    assert!(t.valid, "{name:?} {unit:?}");
    out
}

fn unit_of(unit: &str) -> String {
    run(&Config::default(), "x", unit, NameKind::Gauge).1
}

use NameKind::{Counter, Gauge, Histogram};

#[test]
fn sanitizing_splits_on_non_token_characters() {
    assert_eq!(def("_foo__bar_", "", Gauge), "foo_bar");
    assert_eq!(
        def("http.server.duration", "", Gauge),
        "http_server_duration"
    );
    assert_eq!(def("a-b/c", "", Gauge), "a_b_c");
    assert_eq!(def("日本.x", "", Gauge), "x");
    assert_eq!(def("a:b", "", Gauge), "a:b");
    assert_eq!(def("x日本y", "", Gauge), "x_y");
    assert_eq!(def("A..b--C", "", Gauge), "A_b_C");
}

#[test]
fn leading_digit_gets_underscore() {
    assert_eq!(def("2xx.count", "", Counter), "_2xx_count_total");
    assert_eq!(def("-9", "", Gauge), "_9");
    let (out, _, t) = run(&Config::default(), "2xx", "", Gauge);
    assert_eq!(out, "_2xx");
    assert!(t.valid && t.sanitized);
}

#[test]
fn sanitized_flag() {
    let c = Config::default();
    assert!(!run(&c, "foo_bar", "", Gauge).2.sanitized);
    assert!(!run(&c, "foo_bar", "s", Counter).2.sanitized);
    assert!(!run(&c, "requests_total", "", Counter).2.sanitized);
    assert!(run(&c, "foo.bar", "", Gauge).2.sanitized);
    assert!(run(&c, "_foo", "", Gauge).2.sanitized);
    let ns = Config::default().with_namespace("my-app");
    assert!(!run(&ns, "foo", "", Gauge).2.sanitized);
    assert!(run(&ns, "foo.x", "", Gauge).2.sanitized);
    for s in [
        TranslationStrategy::NoUtf8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ] {
        let t = run(&cfg(s), "foo.bar", "", Gauge).2;
        assert!(t.valid && !t.sanitized);
    }
}

#[test]
fn empty_names_are_invalid() {
    for s in ALL {
        let (out, unit_out, t) = run(&cfg(s), "", "s", Counter);
        assert!(!t.valid, "{s:?}");
        assert_eq!((out.as_str(), unit_out.as_str()), ("", ""));
    }
    for name in ["_", "___", "..", "日本", "-/-"] {
        let (out, _, t) = run(&Config::default(), name, "s", Counter);
        assert!(!t.valid, "{name:?}");
        assert_eq!(out, "");
        // A namespace does not rescue an empty name.
        let ns = Config::default().with_namespace("app");
        assert!(!run(&ns, name, "", Gauge).2.valid);
    }
    // Under UTF-8 strategies only the empty name is invalid.
    let t = run(&cfg(TranslationStrategy::NoTranslation), "_", "", Gauge).2;
    assert!(t.valid);
}

#[test]
fn namespace() {
    let c = Config::default().with_namespace("my-app");
    assert_eq!(run(&c, "x", "", Gauge).0, "my_app_x");
    assert_eq!(run(&c, "a.b", "By", Counter).0, "my_app_a_b_bytes_total");
    // Sanitizes to nothing: ignored.
    let c = Config::default().with_namespace("..");
    assert_eq!(run(&c, "x", "", Gauge).0, "x");
    assert_eq!(run(&c, "2x", "", Gauge).0, "_2x");
    // The leading-digit rule applies to the combined name.
    let c = Config::default().with_namespace("1app");
    assert_eq!(run(&c, "x", "", Gauge).0, "_1app_x");
    let c = Config::default().with_namespace("app");
    assert_eq!(run(&c, "2xx", "", Gauge).0, "app_2xx");
    // UTF-8 strategies: verbatim.
    let c = cfg(TranslationStrategy::NoTranslation).with_namespace("my-app");
    assert_eq!(run(&c, "x.y", "", Gauge).0, "my-app_x.y");
    let c = cfg(TranslationStrategy::NoUtf8EscapingWithSuffixes).with_namespace("my-app");
    assert_eq!(run(&c, "x.y", "s", Counter).0, "my-app_x.y_seconds_total");
}

#[test]
fn utf8_strategies_keep_names() {
    let c = cfg(TranslationStrategy::NoTranslation);
    assert_eq!(run(&c, "foo.bar", "By", Counter).0, "foo.bar");
    assert_eq!(run(&c, "_foo__bar_", "", Gauge).0, "_foo__bar_");
    assert_eq!(run(&c, "2xx", "", Gauge).0, "2xx");
    assert_eq!(run(&c, "日本", "", Gauge).0, "日本");
    assert_eq!(run(&c, "requests_total", "", Counter).0, "requests_total");
    // No suffixes: no unit word either.
    assert_eq!(run(&c, "foo", "s", Gauge).1, "");
    let c = cfg(TranslationStrategy::NoUtf8EscapingWithSuffixes);
    assert_eq!(run(&c, "foo.bar", "By", Counter).0, "foo.bar_bytes_total");
    assert_eq!(run(&c, "foo.bar", "", Counter).0, "foo.bar_total");
    assert_eq!(run(&c, "my.metric", "", Counter).0, "my.metric_total");
    assert_eq!(run(&c, "日本", "s", Gauge).0, "日本_seconds");
    // Unknown units are kept verbatim minus `{...}`.
    assert_eq!(
        run(&c, "x", "my.unit{a}", Gauge),
        (
            "x_my.unit".into(),
            "my.unit".into(),
            Translated {
                valid: true,
                sanitized: false
            }
        )
    );
    assert_eq!(run(&c, "x", "a-b/q", Gauge).0, "x_a-b_per_q");
}

#[test]
fn interaction_table_c10() {
    // Counter `foo.bar`, unit `By`, before wire escaping.
    let expected = [
        "foo_bar_bytes_total",
        "foo_bar",
        "foo.bar_bytes_total",
        "foo.bar",
    ];
    for (s, want) in ALL.into_iter().zip(expected) {
        assert_eq!(run(&cfg(s), "foo.bar", "By", Counter).0, want, "{s:?}");
    }
}

#[test]
fn total_suffix() {
    assert_eq!(def("requests", "", Counter), "requests_total");
    assert_eq!(def("requests_total", "", Counter), "requests_total");
    assert_eq!(def("requests.total", "", Counter), "requests_total");
    assert_eq!(def("foo_total", "s", Counter), "foo_seconds_total");
    assert_eq!(def("foo_seconds_total", "s", Counter), "foo_seconds_total");
    assert_eq!(
        def("process.cpu.time", "s", Counter),
        "process_cpu_time_seconds_total"
    );
    assert_eq!(def("total.requests", "", Counter), "total_requests_total");
    assert_eq!(def("total", "", Counter), "total_total");
    // Only counters.
    assert_eq!(def("requests", "", Gauge), "requests");
    assert_eq!(def("requests_total", "", Gauge), "requests_total");
    assert_eq!(def("requests", "", Histogram), "requests");
    // Disabled.
    let c = Config::default().without_counter_suffixes();
    assert_eq!(run(&c, "requests", "s", Counter).0, "requests_seconds");
    assert_eq!(run(&c, "requests_total", "", Counter).0, "requests_total");
}

#[test]
fn unit_suffix_placement() {
    assert_eq!(def("duration_seconds", "s", Gauge), "duration_seconds");
    assert_eq!(def("duration_seconds", "s", Histogram), "duration_seconds");
    assert_eq!(def("seconds", "s", Gauge), "seconds");
    assert_eq!(def("seconds", "s", Counter), "seconds_total");
    assert_eq!(def("duration", "s", Histogram), "duration_seconds");
    assert_eq!(
        def("durationseconds", "s", Gauge),
        "durationseconds_seconds"
    );
    // The unit word is reported even when already present.
    let (out, unit, _) = run(&Config::default(), "duration_seconds", "s", Gauge);
    assert_eq!(
        (out.as_str(), unit.as_str()),
        ("duration_seconds", "seconds")
    );
    let (out, unit, _) = run(&Config::default(), "x", "", Gauge);
    assert_eq!((out.as_str(), unit.as_str()), ("x", ""));
    // Units disabled: no suffix, no unit word.
    let c = Config::default().without_units();
    assert_eq!(
        run(&c, "x", "s", Counter),
        (
            "x_total".into(),
            String::new(),
            Translated {
                valid: true,
                sanitized: false
            }
        )
    );
    let c = cfg(TranslationStrategy::UnderscoreEscapingWithoutSuffixes);
    assert_eq!(
        run(&c, "x.y", "s", Counter),
        (
            "x_y".into(),
            String::new(),
            Translated {
                valid: true,
                sanitized: true
            }
        )
    );
}

#[test]
fn corner_cases() {
    assert_eq!(
        def("http.server.requests", "{request}", Counter),
        "http_server_requests_total"
    );
    assert_eq!(
        def("network.io.rate", "By/s", Gauge),
        "network_io_rate_bytes_per_second"
    );
    assert_eq!(def("cpu.utilization", "1", Gauge), "cpu_utilization");
    assert_eq!(def("disk.io", "KiBy", Counter), "disk_io_kibibytes_total");
    assert_eq!(def("foo_total", "s", Counter), "foo_seconds_total");
    // Ours: `_total` is only handled as a suffix (Go: `requests_total`).
    assert_eq!(def("total.requests", "", Counter), "total_requests_total");
    // Ours: the unit is only skipped as a suffix (Go: `seconds_in_queue`).
    assert_eq!(
        def("seconds.in.queue", "s", Gauge),
        "seconds_in_queue_seconds"
    );
    assert_eq!(def("bytes_per_second", "By/s", Gauge), "bytes_per_second");
    assert_eq!(def("2xx.count", "", Counter), "_2xx_count_total");
    // Ours (Go's): edge underscores vanish (spec reading: `_foo_bar_`).
    assert_eq!(def("_foo__bar_", "", Gauge), "foo_bar");
    assert_eq!(
        def("data.rate", "By/m", Gauge),
        "data_rate_bytes_per_minute"
    );
}

#[test]
fn unit_table() {
    let table = [
        ("d", "days"),
        ("h", "hours"),
        ("min", "minutes"),
        ("s", "seconds"),
        ("ms", "milliseconds"),
        ("us", "microseconds"),
        ("ns", "nanoseconds"),
        ("By", "bytes"),
        ("KiBy", "kibibytes"),
        ("MiBy", "mebibytes"),
        ("GiBy", "gibibytes"),
        ("TiBy", "tebibytes"),
        ("kBy", "kilobytes"),
        ("KBy", "kilobytes"),
        ("MBy", "megabytes"),
        ("GBy", "gigabytes"),
        ("TBy", "terabytes"),
        ("m", "meters"),
        ("V", "volts"),
        ("A", "amperes"),
        ("J", "joules"),
        ("W", "watts"),
        ("g", "grams"),
        ("Cel", "celsius"),
        ("Hz", "hertz"),
        ("%", "percent"),
    ];
    for (ucum, word) in table {
        assert_eq!(unit_of(ucum), word, "{ucum}");
        assert_eq!(def("x", ucum, Counter), format!("x_{word}_total"));
    }
}

#[test]
fn unit_rates() {
    assert_eq!(unit_of("m/s"), "meters_per_second");
    assert_eq!(unit_of("By/s"), "bytes_per_second");
    assert_eq!(unit_of("By/m"), "bytes_per_minute");
    assert_eq!(unit_of("By/min"), "bytes_per_minute");
    assert_eq!(unit_of("By/h"), "bytes_per_hour");
    assert_eq!(unit_of("By/d"), "bytes_per_day");
    assert_eq!(unit_of("By/w"), "bytes_per_week");
    assert_eq!(unit_of("By/mo"), "bytes_per_month");
    assert_eq!(unit_of("By/y"), "bytes_per_year");
    // Other denominators: main table, else sanitized text.
    assert_eq!(unit_of("J/By"), "joules_per_bytes");
    assert_eq!(unit_of("By/{x}"), "bytes");
    assert_eq!(unit_of("By/1"), "bytes");
    assert_eq!(unit_of("By/"), "bytes");
    assert_eq!(unit_of("{packet}/s"), "per_second");
    assert_eq!(unit_of("/s"), "per_second");
    assert_eq!(unit_of("1/s"), "per_second");
    assert_eq!(unit_of("foo/bar.baz"), "foo_per_bar_baz");
    assert_eq!(unit_of("By/s/x"), "bytes_per_s_x");
    assert_eq!(unit_of("{a/b}By"), "bytes");
    assert_eq!(unit_of("{}"), "");
    assert_eq!(unit_of("{packet}/{s}"), "");
    assert_eq!(
        def("packets", "{packet}/s", Counter),
        "packets_per_second_total"
    );
}

#[test]
fn unit_annotations_and_unknown_units() {
    assert_eq!(unit_of("{request}"), "");
    assert_eq!(unit_of("1"), "");
    assert_eq!(unit_of(""), "");
    assert_eq!(unit_of("k{b}By"), "kilobytes");
    assert_eq!(unit_of("By{x}"), "bytes");
    assert_eq!(unit_of("{x}By"), "bytes");
    assert_eq!(unit_of("By{unclosed"), "bytes");
    assert_eq!(unit_of("{verylongannotation}ms"), "milliseconds");
    assert_eq!(unit_of("widgets"), "widgets");
    assert_eq!(unit_of("_a..b-c_"), "a_b_c");
    assert_eq!(unit_of("a.{x}b"), "a_b");
    assert_eq!(unit_of("a{x}.b"), "a_b");
    assert_eq!(unit_of("a{x}b"), "ab");
    assert_eq!(unit_of("日本"), "");
    assert_eq!(unit_of("x:y"), "x:y");
    assert_eq!(def("foo", "日本", Gauge), "foo");
    assert_eq!(def("foo", "my unit", Counter), "foo_my_unit_total");
}

fn label(strategy: TranslationStrategy, key: &str) -> (String, bool) {
    let mut out = String::from("junk");
    let changed = label_name(strategy, key, &mut out);
    (out, changed)
}

#[test]
fn label_names_escaping() {
    let s = TranslationStrategy::UnderscoreEscapingWithSuffixes;
    let cases = [
        ("http.method", "http_method", true),
        ("http_method", "http_method", false),
        ("a..b", "a_b", true),
        ("a__b", "a_b", true),
        ("a:b", "a_b", true),
        ("a_", "a_", false),
        ("a.", "a_", true),
        ("123abc", "key_123abc", true),
        ("_x", "key_x", true),
        ("__name__", "key_name_", true),
        (".x", "key_x", true),
        ("", "key_", true),
        ("_", "key_", true),
        ("日本", "key_", true),
        ("ключ.имя", "key_", true),
        ("x日本y", "x_y", true),
        ("a\"b\\c\nd", "a_b_c_d", true),
        ("Key9", "Key9", false),
        ("key_", "key_", false),
    ];
    for (key, want, changed) in cases {
        assert_eq!(label(s, key), (want.to_string(), changed), "{key:?}");
        assert_eq!(
            label(TranslationStrategy::UnderscoreEscapingWithoutSuffixes, key).0,
            want
        );
    }
}

#[test]
fn label_names_utf8() {
    for s in [
        TranslationStrategy::NoUtf8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ] {
        assert_eq!(label(s, "http.method"), ("http.method".into(), false));
        // Kept here; the encoder renames it once the wire name is final.
        assert_eq!(label(s, "__name__"), ("__name__".into(), false));
        assert_eq!(label(s, "__name"), ("__name".into(), false));
        assert_eq!(label(s, "a\"b\\c\nd"), ("a\"b\\c\nd".into(), false));
        assert_eq!(label(s, "日本"), ("日本".into(), false));
        assert_eq!(label(s, ""), ("key_".into(), true));
    }
}

#[test]
fn legacy_checks() {
    for ok in [
        "a",
        "_",
        ":",
        "a:b_c9",
        "Z_9:",
        "__name__",
        "http_server_requests_total",
    ] {
        assert!(is_legacy_metric_name(ok), "{ok}");
    }
    for bad in ["", "9a", "a.b", "a-b", "日本", "a b", "a\n"] {
        assert!(!is_legacy_metric_name(bad), "{bad:?}");
    }
    for ok in ["a", "_", "a_b9", "__name__", "Z"] {
        assert!(is_legacy_label_name(ok), "{ok}");
    }
    for bad in ["", ":", "a:b", "9a", "a.b", "é", "a b"] {
        assert!(!is_legacy_label_name(bad), "{bad:?}");
    }
}

fn esc(name: &str, scheme: Escaping, label: bool) -> String {
    let mut out = String::from(">");
    escape_name(name, scheme, label, &mut out);
    assert!(out.starts_with('>'), "appends");
    out[1..].to_string()
}

#[test]
fn escape_x11() {
    assert_eq!(
        esc("my.metric_total", Escaping::Underscores, false),
        "my_metric_total"
    );
    assert_eq!(
        esc("my.metric_total", Escaping::Dots, false),
        "my_dot_metric__total"
    );
    assert_eq!(
        esc("my.metric_total", Escaping::Values, false),
        "U__my_2e_metric__total"
    );
    assert_eq!(
        esc("my.metric_total", Escaping::AllowUtf8, false),
        "my.metric_total"
    );
    assert_eq!(
        esc("http.method", Escaping::Underscores, true),
        "http_method"
    );
    assert_eq!(esc("http.method", Escaping::Dots, true), "http_dot_method");
    assert_eq!(
        esc("http.method", Escaping::Values, true),
        "U__http_2e_method"
    );
    assert_eq!(esc("http.method", Escaping::AllowUtf8, true), "http.method");
    assert_eq!(esc("my.metric", Escaping::Values, false), "U__my_2e_metric");
}

#[test]
fn escape_underscores() {
    // No collapsing; one `_` per character, multi-byte ones included.
    assert_eq!(esc("a..b", Escaping::Underscores, false), "a__b");
    assert_eq!(esc("日本", Escaping::Underscores, false), "__");
    assert_eq!(esc("1a", Escaping::Underscores, false), "_a");
    assert_eq!(esc("1a", Escaping::Underscores, true), "_a");
    assert_eq!(esc("a1.", Escaping::Underscores, false), "a1_");
    assert_eq!(esc(":a.b", Escaping::Underscores, false), ":a_b");
    assert_eq!(esc(":a.b", Escaping::Underscores, true), "_a_b");
    assert_eq!(esc("a:b.c", Escaping::Underscores, true), "a_b_c");
}

#[test]
fn escape_dots() {
    assert_eq!(esc("a-b", Escaping::Dots, false), "a__b");
    assert_eq!(esc("a_b.c", Escaping::Dots, false), "a__b_dot_c");
    assert_eq!(esc("a:b.c", Escaping::Dots, false), "a:b_dot_c");
    assert_eq!(esc("a:b.c", Escaping::Dots, true), "a__b_dot_c");
    assert_eq!(esc("1.x", Escaping::Dots, false), "___dot_x");
    assert_eq!(esc("é.", Escaping::Dots, false), "___dot_");
}

#[test]
fn escape_values() {
    assert_eq!(esc("1.x", Escaping::Values, false), "U__1_2e_x");
    assert_eq!(esc("a-b", Escaping::Values, false), "U__a_2d_b");
    assert_eq!(esc("a:b", Escaping::Values, false), "U__a:b");
    assert_eq!(esc("a:b", Escaping::Values, true), "U__a_3a_b");
    assert_eq!(esc("é", Escaping::Values, false), "U___e9_");
    assert_eq!(esc("日", Escaping::Values, false), "U___65e5_");
    assert_eq!(esc("😀", Escaping::Values, false), "U___1f600_");
    assert_eq!(esc("a\"\\\n", Escaping::Values, true), "U__a_22__5c__a_");
    assert_eq!(
        esc("service.name", Escaping::Values, true),
        "U__service_2e_name"
    );
}

#[test]
fn escape_allow_utf8_copies() {
    for name in ["my.metric", "日本", "a\"b\\c\nd", "1x"] {
        assert_eq!(esc(name, Escaping::AllowUtf8, false), name);
        assert_eq!(esc(name, Escaping::AllowUtf8, true), name);
    }
}

#[test]
fn escaped_names_are_legacy() {
    for name in ["my.metric_total", "1.x", "日本", "a:b-c", "é.", "__x"] {
        for scheme in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
            assert!(
                is_legacy_metric_name(&esc(name, scheme, false)),
                "{name} {scheme:?}"
            );
            assert!(
                is_legacy_label_name(&esc(name, scheme, true)),
                "{name} {scheme:?}"
            );
        }
    }
}
