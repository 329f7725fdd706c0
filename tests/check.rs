//! The strict checker against the OpenMetrics conformance suite, the
//! hand-written good/bad samples, and one test per error kind.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

use std::fs;
use std::path::{Path, PathBuf};

use otel_expfmt::check::{check, check_with, CheckErrorKind as K, HistogramRule as H, MetricType};
use otel_expfmt::{Escaping, Format};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

/// Reads `"shouldParse": true|false` from a suite case's tiny `test.json`.
fn should_parse(json: &str) -> bool {
    let key = "\"shouldParse\"";
    let at = json.find(key).expect("test.json has shouldParse");
    let rest = json[at + key.len()..]
        .trim_start()
        .strip_prefix(':')
        .expect("colon")
        .trim_start();
    if rest.starts_with("true") {
        true
    } else if rest.starts_with("false") {
        false
    } else {
        panic!("shouldParse is not a boolean: {rest}")
    }
}

/// The suite cases that write a backslash before a character other than `\\`,
/// `"` or `n` (`\z`, `\t`, `\f`) and expect them kept as written (the ABNF's
/// `BS normal-char`). The checker refuses them on purpose: the specification's
/// text says a single backslash SHOULD NOT be used for undefined escape
/// sequences, and an encoder must never write one. Each is checked to fail
/// for that reason only.
const UNDEFINED_ESCAPE_CASES: [&str; 3] = ["escaping", "help_escaping", "label_escaping"];

/// `input` with every backslash that starts an undefined escape doubled.
fn double_undefined_escapes(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bytes = input.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        out.push(b);
        if b == b'\\' {
            match bytes.peek() {
                Some(b'\\' | b'"' | b'n') => out.extend(bytes.next()),
                _ => out.push(b'\\'),
            }
        }
    }
    out
}

#[test]
fn agrees_with_every_openmetrics_suite_case() {
    let root = data("openmetrics-testdata/tests/testdata/parsers");
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut disagreements = Vec::new();
    for case in &cases {
        let json = fs::read_to_string(case.join("test.json")).unwrap();
        let metrics = fs::read(case.join("metrics")).unwrap();
        let expected = should_parse(&json);
        let got = check(&metrics, Format::OpenMetrics);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if UNDEFINED_ESCAPE_CASES.contains(&name.as_str()) {
            assert!(expected, "{name} is a valid case of the suite");
            assert_eq!(got.map_err(|e| e.kind), Err(K::InvalidEscape), "{name}");
            let fixed = double_undefined_escapes(&metrics);
            assert_ne!(fixed, metrics);
            let fixed = check(&fixed, Format::OpenMetrics);
            assert!(fixed.is_ok(), "{name} with `\\\\` escapes: {fixed:?}");
            continue;
        }
        if got.is_ok() != expected {
            disagreements.push(format!("{name}: shouldParse={expected}, got {got:?}"));
        }
    }
    assert_eq!(cases.len(), 211, "the suite has 211 cases");
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

/// Every `good/*` sample passes and every `bad/*` sample fails, in the format
/// its extension names. `bad/duplicate-series.om` (`a 1` then `a 2`, no
/// timestamps) is bad: a Metric has one LabelSet, and repeated points of it
/// need timestamps (the suite accepts equal ones, `duplicate_timestamps_1`).
#[test]
fn agrees_with_every_hand_written_sample() {
    let mut seen = 0;
    let mut disagreements = Vec::new();
    for (folder, good) in [("good", true), ("bad", false)] {
        let mut files: Vec<_> = fs::read_dir(data("samples").join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let format = match file.extension().and_then(|e| e.to_str()) {
                Some("om") => Format::OpenMetrics,
                Some("prom") => Format::PrometheusText,
                _ => continue,
            };
            seen += 1;
            let got = check(&fs::read(&file).unwrap(), format);
            if got.is_ok() != good {
                disagreements.push(format!(
                    "{folder}/{}: {got:?}",
                    file.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert_eq!(seen, 29);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// The kind, line and column of the error for `input`.
fn error_of(input: &str, format: Format) -> (K, usize, usize) {
    let error = check(input.as_bytes(), format).expect_err(input);
    (error.kind, error.line, error.column)
}

fn prom(input: &str) -> (K, usize, usize) {
    error_of(input, Format::PrometheusText)
}

fn om(input: &str) -> (K, usize, usize) {
    error_of(input, Format::OpenMetrics)
}

fn hist(rule: H) -> K {
    K::HistogramRule(rule)
}

#[test]
fn syntax_errors_have_positions() {
    let e = check(b"a{x=\"\xff\"} 1\n", Format::PrometheusText).unwrap_err();
    assert_eq!((e.kind, e.line, e.column), (K::InvalidUtf8, 1, 6));
    assert_eq!(prom("a{x=\"1\"} 1 2 3\n"), (K::UnexpectedChar, 1, 14));
    assert_eq!(prom("a\n"), (K::UnexpectedEndOfLine, 1, 2));
    assert_eq!(prom("a{x=\"1} 1\n"), (K::UnexpectedEndOfLine, 1, 10));
    assert_eq!(prom("# TYPE a gauge\na 1"), (K::MissingFinalNewline, 2, 4));
    assert_eq!(prom("a 1\n# c"), (K::MissingFinalNewline, 2, 4));
    check(b"a 1\n \t", Format::PrometheusText).unwrap();
    assert_eq!(om("a 1\n\n# EOF\n"), (K::BlankLine, 2, 1));
    assert_eq!(om("# FOO a\n# EOF\n"), (K::UnknownComment, 1, 1));
    assert_eq!(om("#a_sum 0\n# EOF\n"), (K::UnknownComment, 1, 1));
    assert_eq!(prom("a{x=\"\\q\"} 1\n"), (K::InvalidEscape, 1, 6));
    // 0.0.4 HELP knows only `\\` and `\n` (Prometheus 2.x rejects `\"` there).
    assert_eq!(prom("# HELP a x\\\"y\n"), (K::InvalidEscape, 1, 11));
    assert_eq!(prom("a.b 1\n"), (K::InvalidName, 1, 1));
    assert_eq!(prom("a{1x=\"1\"} 1\n"), (K::InvalidName, 1, 3));
    assert_eq!(prom("{\"a.b\"} 1\n"), (K::InvalidName, 1, 2));
    assert_eq!(prom("# TYPE a-b gauge\n"), (K::InvalidName, 1, 8));
    assert_eq!(prom("a{__name__=\"x\"} 1\n"), (K::ReservedLabelName, 1, 3));
    assert_eq!(prom("a 1x\n"), (K::InvalidValue, 1, 3));
    assert_eq!(prom("a 0x1p-3\n"), (K::InvalidValue, 1, 3));
    assert_eq!(prom("a 1e999\n"), (K::InvalidValue, 1, 3)); // Go's ParseFloat: out of range
    assert_eq!(om("a 1_2\n# EOF\n"), (K::InvalidValue, 1, 3));
    assert_eq!(prom("a 1 1.5\n"), (K::InvalidTimestamp, 1, 5));
    assert_eq!(om("a 1 Inf\n# EOF\n"), (K::InvalidTimestamp, 1, 5));
    assert_eq!(prom("# TYPE a foo\n"), (K::InvalidMetricType, 1, 10));
    assert_eq!(prom("# TYPE a\n"), (K::UnexpectedEndOfLine, 1, 9));
    assert_eq!(prom("# TYPE a \n"), (K::InvalidMetricType, 1, 10));
    assert_eq!(
        om("# TYPE a untyped\n# EOF\n"),
        (K::InvalidMetricType, 1, 10)
    );
    assert_eq!(prom("a{x=\"1\",x=\"2\"} 1\n"), (K::DuplicateLabel, 1, 9));
    assert_eq!(om("a 1 # {} 1\n# EOF\n"), (K::ExemplarNotAllowed, 1, 5));
}

#[test]
fn openmetrics_whitespace_is_exact() {
    assert_eq!(om("a  1\n# EOF\n"), (K::UnexpectedChar, 1, 3));
    assert_eq!(om("a 1 \n# EOF\n"), (K::InvalidTimestamp, 1, 5));
    assert_eq!(om("a\t1\n# EOF\n"), (K::UnexpectedChar, 1, 2));
    assert_eq!(om(" a 1\n# EOF\n"), (K::UnexpectedChar, 1, 1));
    assert_eq!(om("a{x=\"1\",} 1\n# EOF\n"), (K::UnexpectedChar, 1, 9));
    assert_eq!(
        om("# TYPE a gauge \n# EOF\n"),
        (K::InvalidMetricType, 1, 10)
    );
    assert_eq!(om("# HELP a\n# EOF\n"), (K::UnexpectedEndOfLine, 1, 9));
    assert_eq!(om("# EOF \n"), (K::TextAfterEof, 1, 6));
}

#[test]
fn structure_errors_have_positions() {
    assert_eq!(
        prom("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n"),
        (K::DuplicateSeries, 2, 1)
    );
    assert_eq!(prom("a 1 10\na 2 20\n"), (K::DuplicateSeries, 2, 1));
    assert_eq!(
        om("# TYPE a gauge\na 1\na 2\n# EOF\n"),
        (K::DuplicateSeries, 3, 1)
    );
    assert_eq!(
        prom("a{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n"),
        (K::InterleavedFamily, 3, 1)
    );
    assert_eq!(
        prom("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\ng 1\nh_count 1\n"),
        (K::InterleavedFamily, 4, 1)
    );
    let text =
        "# TYPE a counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 1\na_created{x=\"1\"} 1\n# EOF\n";
    assert_eq!(om(text), (K::InterleavedMetric, 4, 1));
    assert_eq!(
        om("# TYPE a_created gauge\n# TYPE a counter\n# EOF\n"),
        (K::ClashingName, 2, 1)
    );
    let text = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n# TYPE h_count gauge\n";
    assert_eq!(prom(text), (K::ClashingName, 3, 1));
    assert_eq!(
        prom("# TYPE a gauge\na 1\n# TYPE a gauge\n"),
        (K::DuplicateMetadata, 3, 1)
    );
    assert_eq!(
        om("# HELP a x\n# HELP a x\n# EOF\n"),
        (K::DuplicateMetadata, 2, 1)
    );
    assert_eq!(
        prom("# TYPE a gauge\na 1\n# HELP a x\n"),
        (K::MetadataAfterSamples, 3, 1)
    );
    assert_eq!(
        om("# TYPE a_s gauge\n# UNIT a_s bytes\n# EOF\n"),
        (K::UnitNotSuffix, 2, 1)
    );
    assert_eq!(
        om("# UNIT aseconds seconds\n# EOF\n"),
        (K::UnitNotSuffix, 1, 1)
    );
    assert_eq!(
        om("# UNIT x_u u\n# TYPE x_u info\n# EOF\n"),
        (K::UnitNotAllowed, 2, 1)
    );
    assert_eq!(om("a 1\n"), (K::MissingEof, 2, 1));
    assert_eq!(om("a 1"), (K::MissingEof, 1, 4));
    assert_eq!(om(""), (K::MissingEof, 1, 1));
    assert_eq!(om("a 1\n# EOF\na 2\n"), (K::TextAfterEof, 3, 1));
    assert_eq!(om("# EOF\n\n"), (K::TextAfterEof, 2, 1));
    assert_eq!(om("a 1\n# EOFa\n"), (K::TextAfterEof, 2, 6));
    assert_eq!(
        om("# TYPE a counter\na 1\n# EOF\n"),
        (K::InvalidSampleName, 2, 1)
    );
    assert_eq!(
        prom("# TYPE h histogram\nh 1\n"),
        (K::InvalidSampleName, 2, 1)
    );
    let text = "# TYPE a gauge\na 0 2\na 1 1\n# EOF\n";
    assert_eq!(om(text), (K::TimestampOutOfOrder, 3, 5));
}

#[test]
fn type_rules_have_positions() {
    assert_eq!(
        om("# TYPE a counter\na_total -1\n# EOF\n"),
        (K::InvalidCounter, 2, 9)
    );
    assert_eq!(
        om("# TYPE a counter\na_total NaN\n# EOF\n"),
        (K::InvalidCounter, 2, 9)
    );
    assert_eq!(
        om("# TYPE a summary\na 0\n# EOF\n"),
        (K::MissingLabel, 2, 1)
    );
    assert_eq!(
        om("# TYPE a stateset\na{b=\"x\"} 0\n# EOF\n"),
        (K::MissingLabel, 2, 1)
    );
    assert_eq!(
        om("# TYPE a histogram\na_bucket 0\n# EOF\n"),
        (K::MissingLabel, 2, 1)
    );
    let text = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"1\"} 1\n";
    assert_eq!(prom(text), (K::InvalidBoundLabel, 3, 7));
    assert_eq!(
        om("# TYPE a summary\na{quantile=\"1.5\"} 0\n# EOF\n"),
        (K::InvalidBoundLabel, 2, 3)
    );
    assert_eq!(
        om("# TYPE a histogram\na_bucket{le=\"inf\"} 0\n# EOF\n"),
        (K::InvalidBoundLabel, 2, 10)
    );
    assert_eq!(
        om("# TYPE a info\na_info 2\n# EOF\n"),
        (K::ValueNotAllowed, 2, 8)
    );
    assert_eq!(
        om("# TYPE a stateset\na{a=\"x\"} 0.5\n# EOF\n"),
        (K::ValueNotAllowed, 2, 10)
    );
    assert_eq!(
        om("# TYPE a summary\na_count -1\na_sum 1\n# EOF\n"),
        (K::ValueNotAllowed, 2, 9)
    );
}

#[test]
fn histogram_rules_have_positions() {
    let h = "# TYPE h histogram\n";
    let e = |body: &str| prom(&format!("{h}{body}"));
    let o = |body: &str| om(&format!("{h}{body}# EOF\n"));
    assert_eq!(
        e("h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
        (hist(H::MissingInfBucket), 2, 1)
    );
    assert_eq!(
        e("h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"),
        (hist(H::BucketsOutOfOrder), 3, 10)
    );
    assert_eq!(
        e("h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\n"),
        (hist(H::BucketsOutOfOrder), 3, 10)
    );
    assert_eq!(
        e("h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"),
        (hist(H::NotCumulative), 3, 21)
    );
    // Counts above 2^53 are compared exactly.
    let big = "h_bucket{le=\"1\"} 9007199254740993\nh_bucket{le=\"+Inf\"} 9007199254740992\n";
    assert_eq!(e(big), (hist(H::NotCumulative), 3, 21));
    assert_eq!(
        e("h_bucket{le=\"+Inf\"} -1\n"),
        (hist(H::InvalidCount), 2, 21)
    );
    assert_eq!(
        o("h_bucket{le=\"+Inf\"} 1.5\nh_sum 1\nh_count 1.5\n"),
        (hist(H::InvalidCount), 2, 21)
    );
    assert_eq!(
        e("h_bucket{le=\"+Inf\"} 2\nh_count 3\n"),
        (hist(H::CountMismatch), 3, 9)
    );
    assert_eq!(
        o("h_bucket{le=\"+Inf\"} 2\nh_sum -1\nh_count 2\n"),
        (hist(H::InvalidSum), 3, 7)
    );
    assert_eq!(
        o("h_bucket{le=\"+Inf\"} 2\nh_sum 1\n"),
        (hist(H::SumWithoutCount), 3, 7)
    );
    assert_eq!(
        o("h_bucket{le=\"+Inf\"} 2\nh_count 2\n"),
        (hist(H::CountWithoutSum), 3, 9)
    );
    let negative = "h_bucket{le=\"-1.0\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 2\n";
    assert_eq!(o(negative), (hist(H::SumWithNegativeBucket), 4, 7));
    // 0.0.4 keeps a negative `_sum` (negative observations) and `_sum` without `_count`.
    check(format!("{h}{negative}").as_bytes(), Format::PrometheusText).unwrap();
    check(
        format!("{h}h_bucket{{le=\"+Inf\"}} 2\nh_sum -3\n").as_bytes(),
        Format::PrometheusText,
    )
    .unwrap();
    let gauge = "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gsum -1\ng_gcount 1\n# EOF\n";
    assert_eq!(om(gauge), (hist(H::InvalidSum), 3, 8));
}

#[test]
fn exemplar_rules_have_positions() {
    assert_eq!(
        prom("# TYPE a_total counter\na_total 1 # {t=\"1\"} 1\n"),
        (K::ExemplarNotAllowed, 2, 11)
    );
    assert_eq!(
        om("# TYPE a gauge\na 1 # {t=\"1\"} 1\n# EOF\n"),
        (K::ExemplarNotAllowed, 2, 5)
    );
    let h = "# TYPE h histogram\n";
    assert_eq!(
        om(&format!("{h}h_count 1 # {{}} 1\n# EOF\n")),
        (K::ExemplarNotAllowed, 2, 11)
    );
    let long = format!(
        "# TYPE a counter\na_total 1 # {{t=\"{}\"}} 1\n# EOF\n",
        "x".repeat(128)
    );
    assert_eq!(om(&long), (K::ExemplarTooLong, 2, 11));
    let fits = format!(
        "# TYPE a counter\na_total 1 # {{t=\"{}\"}} 1\n# EOF\n",
        "é".repeat(127)
    );
    check(fits.as_bytes(), Format::OpenMetrics).unwrap();
    let above = format!("{h}h_bucket{{le=\"1.0\"}} 1 # {{}} 2\nh_bucket{{le=\"+Inf\"}} 1\n# EOF\n");
    assert_eq!(om(&above), (K::ExemplarOutOfBucket, 2, 22));
}

#[test]
fn label_values_and_help_are_unescaped() {
    let text = "# HELP a x\\\\y\\nz \"q\"\na{p=\"q\\\"b\\\\c\\nd\",e=\"\"} 1\n";
    let exposition = check(text.as_bytes(), Format::PrometheusText).unwrap();
    let family = &exposition.families[0];
    assert_eq!(family.help.as_deref(), Some("x\\y\nz \"q\""));
    let labels = &family.samples[0].labels;
    assert_eq!(
        labels,
        &[
            ("p".to_string(), "q\"b\\c\nd".to_string()),
            ("e".to_string(), String::new())
        ]
    );
    // OpenMetrics accepts a raw `"` in HELP and knows `\"` there too.
    let text = "# HELP a h\\\"e\"l\\\\p\\n\na{foo=\"b\\\\a\\nz\\\"\"} 1\n# EOF\n";
    let exposition = check(text.as_bytes(), Format::OpenMetrics).unwrap();
    assert_eq!(exposition.families[0].help.as_deref(), Some("h\"e\"l\\p\n"));
    assert_eq!(exposition.families[0].samples[0].labels[0].1, "b\\a\nz\"");
}

/// OpenMetrics knows only `\\`, `\"` and `\n`; a backslash before anything
/// else is refused in label values, HELP text and quoted names.
#[test]
fn openmetrics_refuses_undefined_escapes() {
    assert_eq!(om("a{x=\"\\q\"} 1\n# EOF\n"), (K::InvalidEscape, 1, 6));
    assert_eq!(om("a{x=\"ok\\z\"} 1\n# EOF\n"), (K::InvalidEscape, 1, 8));
    assert_eq!(om("# HELP a x\\ty\n# EOF\n"), (K::InvalidEscape, 1, 11));
    assert_eq!(om("# HELP a x\\\n# EOF\n"), (K::InvalidEscape, 1, 11));
    // A backslash that ends a label value escapes its closing quote.
    assert_eq!(
        om("a{x=\"\\\"} 1\n# EOF\n"),
        (K::UnexpectedEndOfLine, 1, 11)
    );
    let utf8 = |t: &str| {
        let e = check_with(t.as_bytes(), Format::OpenMetrics, Escaping::AllowUtf8).unwrap_err();
        (e.kind, e.line, e.column)
    };
    assert_eq!(utf8("{\"a\\.b\"} 1\n# EOF\n"), (K::InvalidEscape, 1, 4));
    assert_eq!(
        utf8("# TYPE \"a\\.b\" gauge\n# EOF\n"),
        (K::InvalidEscape, 1, 10)
    );
    assert_eq!(
        utf8("a{\"x\\y\"=\"1\"} 1\n# EOF\n"),
        (K::InvalidEscape, 1, 5)
    );
    // The exemplar's label values too.
    let exemplar = "# TYPE a counter\na_total 1 # {t=\"\\w\"} 1\n# EOF\n";
    assert_eq!(om(exemplar), (K::InvalidEscape, 2, 17));
    // The three defined escapes, wherever strings are escaped.
    let text = "# TYPE \"a\\\\\\n\\\"\" gauge\n# HELP \"a\\\\\\n\\\"\" \\\\\\n\\\"\n\
                {\"a\\\\\\n\\\"\",\"l\\\\\\n\\\"\"=\"\\\\\\n\\\"\"} 1\n# EOF\n";
    let exposition = check_with(text.as_bytes(), Format::OpenMetrics, Escaping::AllowUtf8).unwrap();
    let family = &exposition.families[0];
    let three = "\\\n\"";
    assert_eq!(family.name, format!("a{three}"));
    assert_eq!(family.help.as_deref(), Some(three));
    assert_eq!(
        family.samples[0].labels,
        [(format!("l{three}"), three.to_string())]
    );
}

#[test]
fn values_keep_their_text() {
    let text =
        "a{x=\"1\"} 1e+06\na{x=\"2\"} 00012\na{x=\"3\"} +Inf\na{x=\"4\"} NaN\na{x=\"5\"} -0\n";
    let exposition = check(text.as_bytes(), Format::PrometheusText).unwrap();
    let samples = &exposition.families[0].samples;
    let texts: Vec<_> = samples.iter().map(|s| s.value_text.as_str()).collect();
    assert_eq!(texts, ["1e+06", "00012", "+Inf", "NaN", "-0"]);
    assert_eq!(samples[0].value, 1e6);
    assert_eq!(samples[1].value, 12.0);
    assert_eq!(samples[2].value, f64::INFINITY);
    assert!(samples[3].value.is_nan());
    assert!(samples[4].value == 0.0 && samples[4].value.is_sign_negative());
    let om = check(
        b"a 18446744073709551617 1.5e3\n# EOF\n",
        Format::OpenMetrics,
    )
    .unwrap();
    let sample = &om.families[0].samples[0];
    assert_eq!(
        (sample.value_text.as_str(), sample.timestamp),
        ("18446744073709551617", Some(1500.0))
    );
}

#[test]
fn exemplars_are_parsed() {
    let text = "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {trace_id=\"ab\",span_id=\"cd\"} 0.25 1767225600.123\n\
                h_bucket{le=\"+Inf\"} 2 # {} 7\nh_sum 3\nh_count 2\n# EOF";
    let exposition = check(text.as_bytes(), Format::OpenMetrics).unwrap();
    let samples = &exposition.families[0].samples;
    let exemplar = samples[0].exemplar.as_ref().unwrap();
    assert_eq!(
        exemplar.labels,
        [
            ("trace_id".into(), "ab".into()),
            ("span_id".into(), "cd".into())
        ]
    );
    assert_eq!(
        (exemplar.value, exemplar.value_text.as_str()),
        (0.25, "0.25")
    );
    assert_eq!(exemplar.timestamp, Some(1_767_225_600.123));
    let bare = samples[1].exemplar.as_ref().unwrap();
    assert!(bare.labels.is_empty() && bare.timestamp.is_none() && bare.value == 7.0);
    assert!(samples[2].exemplar.is_none());
}

#[test]
fn families_group_their_samples() {
    let text = "# TYPE c_seconds counter\n# UNIT c_seconds seconds\n# HELP c_seconds Time.\n\
                c_seconds_total{a=\"1\"} 1\nc_seconds_created{a=\"1\"} 2\n\
                # TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\nloose 1\n# EOF\n";
    let exposition = check(text.as_bytes(), Format::OpenMetrics).unwrap();
    let summary: Vec<_> = exposition
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.kind, f.samples.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("c_seconds", MetricType::Counter, 2),
            ("s", MetricType::Summary, 3),
            ("loose", MetricType::Untyped, 1)
        ]
    );
    assert_eq!(exposition.families[0].unit.as_deref(), Some("seconds"));
    // 0.0.4: the TYPE name is the full counter name; no TYPE means one family per name.
    let text = "# TYPE c_total counter\nc_total 1\nc_created 2\n# TYPE h histogram\n\
                h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n";
    let exposition = check(text.as_bytes(), Format::PrometheusText).unwrap();
    let summary: Vec<_> = exposition
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.kind, f.samples.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("c_total", MetricType::Counter, 1),
            ("c_created", MetricType::Untyped, 1),
            ("h", MetricType::Histogram, 3)
        ]
    );
}

#[test]
fn prometheus_text_has_no_rule_on_counter_values() {
    // The encoder keeps NaN and negative counter sums in 0.0.4 (only
    // OpenMetrics forbids them), so the checker must accept them there.
    let text = "# TYPE a_total counter\na_total{x=\"1\"} -1\na_total{x=\"2\"} NaN\n";
    let exposition = check(text.as_bytes(), Format::PrometheusText).unwrap();
    let values: Vec<&str> = exposition.families[0]
        .samples
        .iter()
        .map(|s| s.value_text.as_str())
        .collect();
    assert_eq!(values, ["-1", "NaN"]);
}

#[test]
fn prometheus_text_tolerates_what_the_format_allows() {
    let text =
        "\n# a plain comment\n  # HELP a\n#\tTYPE\ta\tGAUGE\n\ta { x = \"1\" , } \t 1 \t 5 \t\n\
                b{} 2\nc{x=\"1\",}3\n# EOF\n";
    let exposition = check(text.as_bytes(), Format::PrometheusText).unwrap();
    let a = exposition.family("a").unwrap();
    assert_eq!((a.kind, a.help.as_deref()), (MetricType::Gauge, Some("")));
    assert_eq!(a.samples[0].labels, [("x".into(), "1".into())]);
    assert_eq!(a.samples[0].timestamp, Some(5.0));
    assert_eq!(exposition.samples().count(), 3);
    assert!(check(b"", Format::PrometheusText)
        .unwrap()
        .families
        .is_empty());
    assert!(check(b"# EOF", Format::OpenMetrics)
        .unwrap()
        .families
        .is_empty());
    // Metadata without samples is a family of its own.
    let exposition = check(b"# HELP a x\n# TYPE b gauge\n", Format::PrometheusText).unwrap();
    assert_eq!(exposition.families.len(), 2);
}

#[test]
fn openmetrics_points_may_repeat_with_timestamps() {
    let text = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1 1\nh_count 1 1\nh_sum 1 1\n\
                h_bucket{le=\"+Inf\"} 2 2\nh_count 3 2\nh_sum 1 2\n# EOF\n";
    // The second point is checked on its own: its count differs from its +Inf bucket.
    assert_eq!(om(text), (hist(H::CountMismatch), 6, 9));
    let ok = text.replace("h_count 3 2", "h_count 2 2");
    assert_eq!(
        check(ok.as_bytes(), Format::OpenMetrics).unwrap().families[0]
            .samples
            .len(),
        6
    );
}

#[test]
fn quoted_utf8_names_need_allow_utf8() {
    let text = "# HELP \"my.metric\" Demo.\n# TYPE \"my.metric\" counter\n\
                {\"my.metric_total\",\"http.method\"=\"GET\",code=\"200\"} 1\n# EOF\n";
    let exposition = check_with(text.as_bytes(), Format::OpenMetrics, Escaping::AllowUtf8).unwrap();
    let family = &exposition.families[0];
    assert_eq!(
        (family.name.as_str(), family.kind),
        ("my.metric", MetricType::Counter)
    );
    assert_eq!(family.help.as_deref(), Some("Demo."));
    let sample = &family.samples[0];
    assert_eq!(sample.name, "my.metric_total");
    assert_eq!(
        sample.labels,
        [
            ("http.method".into(), "GET".into()),
            ("code".into(), "200".into())
        ]
    );
    for escaping in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
        let error = check_with(text.as_bytes(), Format::OpenMetrics, escaping).unwrap_err();
        assert_eq!(
            (error.kind, error.line, error.column),
            (K::InvalidName, 1, 8)
        );
    }
    let text = "# TYPE \"a.b\" gauge\n{\"a.b\"} 1\n{\"a.b\",x=\"1\",} 2\n";
    let exposition =
        check_with(text.as_bytes(), Format::PrometheusText, Escaping::AllowUtf8).unwrap();
    assert_eq!(exposition.families[0].samples.len(), 2);
    assert_eq!(
        exposition.families[0].samples[1].labels,
        [("x".into(), "1".into())]
    );
    let utf8 = |t: &str| {
        check_with(t.as_bytes(), Format::PrometheusText, Escaping::AllowUtf8).unwrap_err()
    };
    // A name before the braces and a quoted one inside, or the name not first.
    assert_eq!(utf8("a{\"b\"} 1\n").kind, K::UnexpectedChar);
    assert_eq!(utf8("{x=\"1\",\"b\"} 1\n").kind, K::UnexpectedChar);
    assert_eq!(utf8("{\"\"} 1\n").kind, K::InvalidName);
    assert_eq!(utf8("{x=\"1\"} 1\n").kind, K::InvalidName);
}

/// Arbitrary bytes never panic: mutations of every suite case and sample,
/// in both formats, with a fixed-seed generator.
#[test]
fn never_panics_on_mutated_inputs() {
    let mut inputs = Vec::new();
    let root = data("openmetrics-testdata/tests/testdata/parsers");
    for case in fs::read_dir(root).unwrap() {
        inputs.push(fs::read(case.unwrap().path().join("metrics")).unwrap());
    }
    for folder in ["good", "bad"] {
        for file in fs::read_dir(data("samples").join(folder)).unwrap() {
            inputs.push(fs::read(file.unwrap().path()).unwrap());
        }
    }
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b" \t\n\\\"{},=#.+-_:eE0129aINnfq\xff\xc3";
    for round in 0..20 {
        for input in &inputs {
            let mut bytes = input.clone();
            for _ in 0..=round % 4 {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 3 {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 if at < bytes.len() => {
                        bytes[at] = alphabet[(next() as usize) % alphabet.len()]
                    }
                    _ => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                }
            }
            for format in [Format::PrometheusText, Format::OpenMetrics] {
                for escaping in [Escaping::Underscores, Escaping::AllowUtf8] {
                    if let Err(e) = check_with(&bytes, format, escaping) {
                        assert!(e.line >= 1 && e.column >= 1, "{e:?}");
                    }
                }
            }
        }
    }
}

/// Series identity as Prometheus decides it: a label with an empty value is
/// no label (Prometheus drops it on ingestion; OpenMetrics: "Empty label
/// values SHOULD be treated as if the label was not present").
#[test]
fn empty_label_values_do_not_make_a_new_series() {
    for (text, at) in [
        ("m{a=\"\",b=\"x\"} 1\nm{b=\"x\"} 2\n", (2, 1)),
        ("m{b=\"x\"} 1\nm{b=\"x\",a=\"\"} 2\n", (2, 1)),
        ("m{a=\"\"} 1\nm 2\n", (2, 1)),
        ("m{a=\"\"} 1\nm{b=\"\"} 2\n", (2, 1)),
        ("m 1\nm{a=\"1\"} 2\nm{a=\"\",b=\"\"} 3\n", (3, 1)),
    ] {
        assert_eq!(prom(text), (K::DuplicateSeries, at.0, at.1), "{text}");
        let text = format!("# TYPE m gauge\n{text}# EOF\n");
        let e = om(&text);
        // In OpenMetrics the repeat is a duplicate or, when another label set
        // came between, an interleaved metric.
        assert!(
            matches!(e.0, K::DuplicateSeries | K::InterleavedMetric) && (e.1, e.2) == (at.0 + 1, 1),
            "{text}: {e:?}"
        );
    }
    assert_eq!(
        om("# TYPE m gauge\nm{a=\"\"} 1\nm{a=\"1\"} 2\nm 3\n# EOF\n"),
        (K::InterleavedMetric, 4, 1)
    );
    // Different non-empty values stay different series.
    let text = "m{a=\"\",b=\"x\"} 1\nm{b=\"y\"} 2\nm{a=\"z\",b=\"x\"} 3\n";
    assert_eq!(
        check(text.as_bytes(), Format::PrometheusText)
            .unwrap()
            .families[0]
            .samples
            .len(),
        3
    );
    let text = format!("# TYPE m gauge\n{text}# EOF\n");
    check(text.as_bytes(), Format::OpenMetrics).unwrap();
    // The empty label is kept in the sample as written.
    let exposition = check(b"m{a=\"\",b=\"x\"} 1\n", Format::PrometheusText).unwrap();
    assert_eq!(
        exposition.families[0].samples[0].labels,
        [("a".into(), String::new()), ("b".into(), "x".into())]
    );
}

/// The same identity groups the samples of a metric point: counters'
/// `_created`, histogram buckets with `_count`, OpenMetrics repeated points.
#[test]
fn empty_label_values_join_the_metric_point() {
    // OpenMetrics: `a_created` (no labels) belongs to `{x=""}`, which is no
    // longer the current metric.
    let text = "# TYPE a counter\na_total{x=\"\"} 1\na_total{y=\"1\"} 1\na_created 1\n# EOF\n";
    assert_eq!(om(text), (K::InterleavedMetric, 4, 1));
    let text = "# TYPE a counter\na_total{x=\"\"} 1\na_created 1\na_total{y=\"1\"} 1\n# EOF\n";
    check(text.as_bytes(), Format::OpenMetrics).unwrap();
    // Histogram buckets and `_count` with and without an empty label are one point.
    let h = "# TYPE h histogram\n";
    assert_eq!(
        prom(&format!(
            "{h}h_bucket{{le=\"+Inf\",x=\"\"}} 1\nh_sum 1\nh_count 2\n"
        )),
        (hist(H::CountMismatch), 4, 9)
    );
    assert_eq!(
        prom(&format!(
            "{h}h_bucket{{le=\"2\",x=\"\"}} 1\nh_bucket{{le=\"1\"}} 1\n"
        )),
        (hist(H::BucketsOutOfOrder), 3, 10)
    );
    assert_eq!(
        prom(&format!(
            "{h}h_bucket{{le=\"+Inf\"}} 2\nh_bucket{{x=\"\",le=\"+Inf\"}} 2\n"
        )),
        (K::DuplicateSeries, 3, 1)
    );
    let ok = format!("{h}h_bucket{{le=\"1\",x=\"\"}} 1\nh_bucket{{le=\"+Inf\"}} 1\nh_sum{{x=\"\"}} 1\nh_count 1\n# EOF\n");
    check(ok.as_bytes(), Format::PrometheusText).unwrap();
    check(ok.as_bytes(), Format::OpenMetrics).unwrap();
    // OpenMetrics: a later point of `{x=""}` may drop the empty label.
    let g = "# TYPE g gauge\n";
    check(
        format!("{g}g{{x=\"\"}} 1 1\ng 2 2\n# EOF\n").as_bytes(),
        Format::OpenMetrics,
    )
    .unwrap();
    assert_eq!(
        om(&format!("{g}g{{x=\"\"}} 1 2\ng 2 1\n# EOF\n")),
        (K::TimestampOutOfOrder, 3, 5)
    );
    // Summaries: the quantile and `_count` samples of one point.
    let s = "# TYPE s summary\ns{quantile=\"0.5\",x=\"\"} 1\ns_count 1\ns_sum{x=\"\"} 1\n";
    let exposition = check(format!("{s}# EOF\n").as_bytes(), Format::OpenMetrics).unwrap();
    assert_eq!(exposition.families[0].samples.len(), 3);
    let again = format!("{s}s{{quantile=\"0.5\"}} 2\n# EOF\n");
    assert_eq!(om(&again), (K::DuplicateSeries, 5, 1));
}

/// Label names starting with `__` are reserved by Prometheus (Python's client
/// rejects them in both parsers): in both formats, quoted or not, in samples
/// and exemplars. A single leading `_` is accepted (Python accepts it too).
#[test]
fn double_underscore_label_names_are_reserved() {
    for label in ["__x", "__", "__name__", "___"] {
        let text = format!("a{{{label}=\"1\"}} 1\n");
        assert_eq!(prom(&text), (K::ReservedLabelName, 1, 3), "{text}");
        assert_eq!(
            om(&format!("{text}# EOF\n")),
            (K::ReservedLabelName, 1, 3),
            "{text}"
        );
        let text = format!("a{{b=\"1\",{label}=\"\"}} 1\n");
        assert_eq!(prom(&text), (K::ReservedLabelName, 1, 9), "{text}");
    }
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let utf8 = |t: &str| check_with(t.as_bytes(), format, Escaping::AllowUtf8);
        let e = utf8("{\"a\",\"__x\"=\"1\"} 1\n# EOF\n").unwrap_err();
        assert_eq!((e.kind, e.line, e.column), (K::ReservedLabelName, 1, 6));
        let e = utf8("{\"a\",\"__.x\"=\"1\"} 1\n# EOF\n").unwrap_err();
        assert_eq!((e.kind, e.line, e.column), (K::ReservedLabelName, 1, 6));
        let ok = utf8("{\"a\",\"_.x\"=\"1\",\"x.__\"=\"2\"} 1\n# EOF\n").unwrap();
        assert_eq!(ok.families[0].samples[0].labels.len(), 2);
        let ok = check(
            b"a{_x=\"1\",x__=\"2\",x__y=\"3\",_=\"4\"} 1\n# EOF\n",
            format,
        )
        .unwrap();
        assert_eq!(ok.families[0].samples[0].labels[0].0, "_x");
    }
    let exemplar = "# TYPE a counter\na_total 1 # {__trace=\"1\"} 1\n# EOF\n";
    assert_eq!(om(exemplar), (K::ReservedLabelName, 2, 14));
    let exemplar = "# TYPE a counter\na_total 1 # {_trace=\"1\"} 1\n# EOF\n";
    check(exemplar.as_bytes(), Format::OpenMetrics).unwrap();
}

#[test]
fn errors_display_their_position_and_kind() {
    let e = check(b"a 1\na 2\n", Format::PrometheusText).unwrap_err();
    assert_eq!(e.to_string(), "line 2, column 1: duplicate series");
    let e = check(b"a{__x=\"1\"} 1\n", Format::PrometheusText).unwrap_err();
    assert_eq!(e.to_string(), "line 1, column 3: reserved label name");
    let e = check(
        b"# TYPE h histogram\nh_bucket{le=\"1\"} 1\n",
        Format::PrometheusText,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 1: histogram has no +Inf bucket"
    );
    let e = otel_expfmt::check::check_protobuf(&[3, 0x0a], Escaping::Underscores).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1, column 1: input ends inside a frame or field"
    );
    assert_eq!(
        K::Protobuf(otel_expfmt::check::ProtobufRule::NativeLooksClassic).to_string(),
        "native histogram without deltas, zero count or zero threshold"
    );
}
