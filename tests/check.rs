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

#[test]
fn zz_debug_reasons() {
    let root = data("openmetrics-testdata/tests/testdata/parsers");
    let mut cases: Vec<_> = fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    for case in &cases {
        let metrics = fs::read(case.join("metrics")).unwrap();
        if let Err(e) = check(&metrics, Format::OpenMetrics) {
            println!("{:45} {}:{} {:?}", case.file_name().unwrap().to_string_lossy(), e.line, e.column, e.kind);
        }
    }
}
