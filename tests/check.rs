//! The strict checker against the OpenMetrics conformance suite, the
//! hand-written good/bad samples, and one test per error kind.

use std::fs;
use std::path::{Path, PathBuf};

use otel_expfmt::check::{check, check_with, CheckErrorKind as K, HistogramRule as H, MetricType};
use otel_expfmt::{Escaping, Format};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)
}

/// Reads `"shouldParse": true|false` from a suite case's tiny `test.json`.
fn should_parse(json: &str) -> bool {
    let key = "\"shouldParse\"";
    let at = json.find(key).expect("test.json has shouldParse");
    let rest = json[at + key.len()..].trim_start().strip_prefix(':').expect("colon").trim_start();
    if rest.starts_with("true") {
        true
    } else if rest.starts_with("false") {
        false
    } else {
        panic!("shouldParse is not a boolean: {rest}")
    }
}

#[test]
fn agrees_with_every_openmetrics_suite_case() {
    let root = data("openmetrics-testdata/tests/testdata/parsers");
    let mut cases: Vec<_> = fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    let mut disagreements = Vec::new();
    for case in &cases {
        let json = fs::read_to_string(case.join("test.json")).unwrap();
        let metrics = fs::read(case.join("metrics")).unwrap();
        let expected = should_parse(&json);
        let got = check(&metrics, Format::OpenMetrics);
        if got.is_ok() != expected {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
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
        let mut files: Vec<_> =
            fs::read_dir(data("samples").join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
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
                disagreements.push(format!("{folder}/{}: {got:?}", file.file_name().unwrap().to_string_lossy()));
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
    assert_eq!(om("# TYPE a untyped\n# EOF\n"), (K::InvalidMetricType, 1, 10));
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
    assert_eq!(om("# TYPE a gauge \n# EOF\n"), (K::InvalidMetricType, 1, 10));
    assert_eq!(om("# HELP a\n# EOF\n"), (K::UnexpectedEndOfLine, 1, 9));
    assert_eq!(om("# EOF \n"), (K::TextAfterEof, 1, 6));
}

#[test]
fn structure_errors_have_positions() {
    assert_eq!(prom("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n"), (K::DuplicateSeries, 2, 1));
    assert_eq!(prom("a 1 10\na 2 20\n"), (K::DuplicateSeries, 2, 1));
    assert_eq!(om("# TYPE a gauge\na 1\na 2\n# EOF\n"), (K::DuplicateSeries, 3, 1));
    assert_eq!(prom("a{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n"), (K::InterleavedFamily, 3, 1));
    assert_eq!(prom("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\ng 1\nh_count 1\n"), (K::InterleavedFamily, 4, 1));
    let text = "# TYPE a counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 1\na_created{x=\"1\"} 1\n# EOF\n";
    assert_eq!(om(text), (K::InterleavedMetric, 4, 1));
    assert_eq!(om("# TYPE a_created gauge\n# TYPE a counter\n# EOF\n"), (K::ClashingName, 2, 1));
    let text = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n# TYPE h_count gauge\n";
    assert_eq!(prom(text), (K::ClashingName, 3, 1));
    assert_eq!(prom("# TYPE a gauge\na 1\n# TYPE a gauge\n"), (K::DuplicateMetadata, 3, 1));
    assert_eq!(om("# HELP a x\n# HELP a x\n# EOF\n"), (K::DuplicateMetadata, 2, 1));
    assert_eq!(prom("# TYPE a gauge\na 1\n# HELP a x\n"), (K::MetadataAfterSamples, 3, 1));
    assert_eq!(om("# TYPE a_s gauge\n# UNIT a_s bytes\n# EOF\n"), (K::UnitNotSuffix, 2, 1));
    assert_eq!(om("# UNIT aseconds seconds\n# EOF\n"), (K::UnitNotSuffix, 1, 1));
    assert_eq!(om("# UNIT x_u u\n# TYPE x_u info\n# EOF\n"), (K::UnitNotAllowed, 2, 1));
    assert_eq!(om("a 1\n"), (K::MissingEof, 2, 1));
    assert_eq!(om("a 1"), (K::MissingEof, 1, 4));
    assert_eq!(om(""), (K::MissingEof, 1, 1));
    assert_eq!(om("a 1\n# EOF\na 2\n"), (K::TextAfterEof, 3, 1));
    assert_eq!(om("# EOF\n\n"), (K::TextAfterEof, 2, 1));
    assert_eq!(om("a 1\n# EOFa\n"), (K::TextAfterEof, 2, 6));
    assert_eq!(om("# TYPE a counter\na 1\n# EOF\n"), (K::InvalidSampleName, 2, 1));
    assert_eq!(prom("# TYPE h histogram\nh 1\n"), (K::InvalidSampleName, 2, 1));
    let text = "# TYPE a gauge\na 0 2\na 1 1\n# EOF\n";
    assert_eq!(om(text), (K::TimestampOutOfOrder, 3, 5));
}

#[test]
fn type_rules_have_positions() {
    assert_eq!(prom("# TYPE a counter\na -1\n"), (K::InvalidCounter, 2, 3));
    assert_eq!(om("# TYPE a counter\na_total NaN\n# EOF\n"), (K::InvalidCounter, 2, 9));
    assert_eq!(om("# TYPE a summary\na 0\n# EOF\n"), (K::MissingLabel, 2, 1));
    assert_eq!(om("# TYPE a stateset\na{b=\"x\"} 0\n# EOF\n"), (K::MissingLabel, 2, 1));
    assert_eq!(om("# TYPE a histogram\na_bucket 0\n# EOF\n"), (K::MissingLabel, 2, 1));
    let text = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"1\"} 1\n";
    assert_eq!(prom(text), (K::InvalidBoundLabel, 3, 7));
    assert_eq!(om("# TYPE a summary\na{quantile=\"1.5\"} 0\n# EOF\n"), (K::InvalidBoundLabel, 2, 3));
    assert_eq!(om("# TYPE a histogram\na_bucket{le=\"inf\"} 0\n# EOF\n"), (K::InvalidBoundLabel, 2, 10));
    assert_eq!(om("# TYPE a info\na_info 2\n# EOF\n"), (K::ValueNotAllowed, 2, 8));
    assert_eq!(om("# TYPE a stateset\na{a=\"x\"} 0.5\n# EOF\n"), (K::ValueNotAllowed, 2, 10));
    assert_eq!(om("# TYPE a summary\na_count -1\na_sum 1\n# EOF\n"), (K::ValueNotAllowed, 2, 9));
}

#[test]
fn histogram_rules_have_positions() {
    let h = "# TYPE h histogram\n";
    let e = |body: &str| prom(&format!("{h}{body}"));
    let o = |body: &str| om(&format!("{h}{body}# EOF\n"));
    assert_eq!(e("h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"), (hist(H::MissingInfBucket), 2, 1));
    assert_eq!(e("h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"), (hist(H::BucketsOutOfOrder), 3, 10));
    assert_eq!(e("h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\n"), (hist(H::BucketsOutOfOrder), 3, 10));
    assert_eq!(e("h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"), (hist(H::NotCumulative), 3, 21));
    // Counts above 2^53 are compared exactly.
    let big = "h_bucket{le=\"1\"} 9007199254740993\nh_bucket{le=\"+Inf\"} 9007199254740992\n";
    assert_eq!(e(big), (hist(H::NotCumulative), 3, 21));
    assert_eq!(e("h_bucket{le=\"+Inf\"} -1\n"), (hist(H::InvalidCount), 2, 21));
    assert_eq!(o("h_bucket{le=\"+Inf\"} 1.5\nh_sum 1\nh_count 1.5\n"), (hist(H::InvalidCount), 2, 21));
    assert_eq!(e("h_bucket{le=\"+Inf\"} 2\nh_count 3\n"), (hist(H::CountMismatch), 3, 9));
    assert_eq!(o("h_bucket{le=\"+Inf\"} 2\nh_sum -1\nh_count 2\n"), (hist(H::InvalidSum), 3, 7));
    assert_eq!(o("h_bucket{le=\"+Inf\"} 2\nh_sum 1\n"), (hist(H::SumWithoutCount), 3, 7));
    assert_eq!(o("h_bucket{le=\"+Inf\"} 2\nh_count 2\n"), (hist(H::CountWithoutSum), 3, 9));
    let negative = "h_bucket{le=\"-1.0\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 2\n";
    assert_eq!(o(negative), (hist(H::SumWithNegativeBucket), 4, 7));
    // 0.0.4 keeps a negative `_sum` (negative observations) and `_sum` without `_count`.
    check(format!("{h}{negative}").as_bytes(), Format::PrometheusText).unwrap();
    check(format!("{h}h_bucket{{le=\"+Inf\"}} 2\nh_sum -3\n").as_bytes(), Format::PrometheusText).unwrap();
    let gauge = "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gsum -1\ng_gcount 1\n# EOF\n";
    assert_eq!(om(gauge), (hist(H::InvalidSum), 3, 8));
}

#[test]
fn exemplar_rules_have_positions() {
    assert_eq!(prom("# TYPE a_total counter\na_total 1 # {t=\"1\"} 1\n"), (K::ExemplarNotAllowed, 2, 11));
    assert_eq!(om("# TYPE a gauge\na 1 # {t=\"1\"} 1\n# EOF\n"), (K::ExemplarNotAllowed, 2, 5));
    let h = "# TYPE h histogram\n";
    assert_eq!(om(&format!("{h}h_count 1 # {{}} 1\n# EOF\n")), (K::ExemplarNotAllowed, 2, 11));
    let long = format!("# TYPE a counter\na_total 1 # {{t=\"{}\"}} 1\n# EOF\n", "x".repeat(128));
    assert_eq!(om(&long), (K::ExemplarTooLong, 2, 11));
    let fits = format!("# TYPE a counter\na_total 1 # {{t=\"{}\"}} 1\n# EOF\n", "é".repeat(127));
    check(fits.as_bytes(), Format::OpenMetrics).unwrap();
    let above = format!("{h}h_bucket{{le=\"1.0\"}} 1 # {{}} 2\nh_bucket{{le=\"+Inf\"}} 1\n# EOF\n");
    assert_eq!(om(&above), (K::ExemplarOutOfBucket, 2, 22));
}
