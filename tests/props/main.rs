//! Property tests: generated instrument sets recorded through a real
//! `SdkMeterProvider`, encoded in both formats, every escaping scheme and
//! several configs, parsed back by the strict checker and compared with an
//! independent model of what was recorded (sums per attribute set, last
//! gauge values, bucket counts computed from the recorded values).
//!
//! Expected names come from hand-written tables (the compatibility
//! specification's name, unit and label rules) and a small implementation of
//! Prometheus' escaping schemes; nothing expected is taken from the encoder's
//! own output.
//!
//! The parts: [`tables`] (inputs and their expected translations),
//! [`case`] (the generated case and its values), [`record`] (recording it
//! through the SDK), [`model`] (what the SDK should hold), [`names`]
//! (expected names and labels) and [`verify`] (one encoding read back and
//! compared with the model). The two properties are below.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

#[path = "../common/mod.rs"]
mod common;

mod case;
mod model;
mod names;
mod record;
mod tables;
mod verify;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use otel_expfmt::check::check_with;
use otel_expfmt::{EncodeStats, Escaping, Format};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use case::{case, text, Case, Kind, KINDS};
use model::model;
use record::{record, Order};
use tables::{Cfg, CFGS, ESCAPINGS, FORMATS, UNITS};
use verify::{float_matches, verify, SERIES_DROPS};

static KEPT: AtomicUsize = AtomicUsize::new(0);

fn encode_all(rm: &ResourceMetrics) -> Vec<(Cfg, Format, Escaping, Vec<u8>, EncodeStats)> {
    let mut all = Vec::new();
    for cfg in CFGS {
        for format in FORMATS {
            for escaping in ESCAPINGS {
                let (body, stats) = encode_bytes(cfg.config(), rm, format, escaping);
                all.push((cfg, format, escaping, body, stats));
            }
        }
    }
    all
}

fn run_case(case: &Case, seed: u64) -> Result<(), TestCaseError> {
    let rm = record(case, None);
    let series = model(case);
    let first = encode_all(&rm);
    for (cfg, format, escaping, text, stats) in &first {
        verify(case, &series, *cfg, *format, *escaping, text, stats)
            .map_err(|e| TestCaseError::fail(format!("{cfg:?} {format:?} {escaping:?}: {e}")))?;
    }
    // Encoding twice gives the same bytes.
    prop_assert!(encode_all(&rm)
        .iter()
        .zip(&first)
        .all(|(a, b)| a.3 == b.3 && a.4 == b.4));
    // The same data recorded in another order gives the same bytes (in
    // protobuf, the same content but for the created timestamps: they are
    // the start times of another provider).
    let again = encode_all(&record(case, Some(Order { seed })));
    for (a, b) in again.iter().zip(&first) {
        if a.1 == Format::PrometheusProtobuf {
            let without_created = |body: &[u8]| {
                let mut e = check_with(body, a.1, a.2).expect("checked above");
                for f in &mut e.families {
                    for s in &mut f.samples {
                        s.created = None;
                    }
                }
                e
            };
            prop_assert_eq!(
                without_created(&a.3),
                without_created(&b.3),
                "{:?} {:?} {:?}: order changed the output",
                a.0,
                a.1,
                a.2
            );
            continue;
        }
        prop_assert_eq!(
            &a.3,
            &b.3,
            "{:?} {:?} {:?}: order changed the output",
            a.0,
            a.1,
            a.2
        );
    }
    let n = KEPT.fetch_add(1, Ordering::Relaxed);
    if n < 5 {
        for (cfg, format, escaping, text, _) in &first {
            if *cfg == Cfg::Default && *escaping == Escaping::Underscores {
                keep_bytes(&format!("props_{n}"), *format, *escaping, text);
            }
            if *cfg == Cfg::Utf8 && *escaping == Escaping::AllowUtf8 {
                keep_bytes(&format!("props_{n}"), *format, *escaping, text);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(96),
        max_shrink_iters: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sdk_recordings_come_back_exactly(case in case(), seed in any::<u64>()) {
        run_case(&case, seed)?;
    }
}

// ---- arbitrary names ------------------------------------------------------------------

/// Any UTF-8 instrument name (name validation is disabled for tests), any
/// ASCII unit the SDK accepts (at most 63 characters).
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "(?s).{0,16}",
        1 => Just(String::new()),
        1 => "[_.:/ 0-9-]{1,6}",
        1 => "[a-z]{1,4}(_total|_count|_sum|_bucket|_created|_info)",
        1 => Just("target_info".to_string()),
        1 => Just("\u{1F600}.😀".repeat(40)),
    ]
}

fn any_unit() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (0..UNITS.len()).prop_map(|i| UNITS[i].0.to_string()),
        1 => "[ -~]{0,63}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Instruments with arbitrary names and units, one series each, told
    /// apart by an `inst` attribute: every output passes the checker, and each
    /// series is written once with its value or counted as dropped.
    #[test]
    fn arbitrary_names_are_written_or_accounted_for(
        insts in proptest::collection::vec(
            (any_name(), any_unit(), 0..KINDS.len(), any::<u32>(), text()),
            1..=6,
        ),
    ) {
        let (provider, reader) = provider();
        let meter = provider.meter("app");
        let mut expected = Vec::new();
        let mut seen = HashSet::new();
        for (i, (name, unit, kind, v, description)) in insts.iter().enumerate() {
            // One instrument per name: the SDK merges identical ones.
            if !seen.insert(name.to_lowercase()) {
                continue;
            }
            let attrs = [KeyValue::new("inst", i.to_string())];
            let v = u64::from(*v);
            let kind = KINDS[*kind];
            macro_rules! b {
                ($m:ident) => {
                    meter
                        .$m(name.clone())
                        .with_unit(unit.clone())
                        .with_description(description.clone())
                        .build()
                };
            }
            match kind {
                Kind::U64Counter => b!(u64_counter).add(v, &attrs),
                Kind::F64Counter => b!(f64_counter).add(v as f64 / 4.0, &attrs),
                Kind::I64UpDown => b!(i64_up_down_counter).add(-(v as i64), &attrs),
                Kind::F64UpDown => b!(f64_up_down_counter).add(v as f64 / -8.0, &attrs),
                Kind::U64Gauge => b!(u64_gauge).record(v, &attrs),
                Kind::I64Gauge => b!(i64_gauge).record(v as i64, &attrs),
                Kind::F64Gauge => b!(f64_gauge).record(v as f64 * 1e290, &attrs),
                Kind::U64Histogram => b!(u64_histogram).record(v, &attrs),
                Kind::F64Histogram | Kind::F64Exponential => {
                    b!(f64_histogram).record(v as f64 / 2.0, &attrs)
                }
            }
            let value = match kind {
                Kind::U64Counter | Kind::U64Gauge => v.to_string(),
                Kind::I64UpDown => (-(v as i64)).to_string(),
                Kind::I64Gauge => v.to_string(),
                Kind::F64Counter => format!("{}", v as f64 / 4.0),
                Kind::F64UpDown => format!("{}", v as f64 / -8.0),
                Kind::F64Gauge => format!("{}", v as f64 * 1e290),
                _ => String::new(),
            };
            expected.push((i.to_string(), kind.histogram(), value));
        }
        let rm = snapshot(&reader);
        for cfg in CFGS {
            for format in FORMATS {
                for escaping in ESCAPINGS {
                    let (body, stats) = encode_bytes(cfg.config(), &rm, format, escaping);
                    let text = &*String::from_utf8_lossy(&body);
                    let exposition = check_with(&body, format, escaping)
                        .map_err(|e| TestCaseError::fail(format!(
                            "{cfg:?} {format:?} {escaping:?}: checker: {e}\n{text}"
                        )))?;
                    let (again, _) = encode_bytes(cfg.config(), &rm, format, escaping);
                    prop_assert_eq!(&again, &body);
                    let mut present = 0u64;
                    for (id, histogram, value) in &expected {
                        let hits: Vec<_> = exposition
                            .families
                            .iter()
                            .flat_map(|f| f.samples.iter())
                            .filter(|s| {
                                s.labels.iter().any(|(n, v)| n == "inst" && v == id)
                                    && (!histogram || s.name.ends_with("_count")
                                        || s.name.ends_with("_bucket"))
                            })
                            .collect();
                        if hits.is_empty() {
                            continue;
                        }
                        present += 1;
                        if *histogram {
                            // One +Inf bucket holding the one observation.
                            let inf: Vec<_> = hits
                                .iter()
                                .filter(|s| s.labels.iter().any(|(n, v)| n == "le" && v == "+Inf"))
                                .collect();
                            prop_assert_eq!(inf.len(), 1, "{}\n{}", id, text);
                            prop_assert_eq!(&inf[0].value_text, "1");
                        } else {
                            prop_assert_eq!(hits.len(), 1, "{}\n{}", id, text);
                            let got = &hits[0].value_text;
                            let want: f64 = value.parse().unwrap();
                            prop_assert!(
                                got == value || float_matches(got, want),
                                "{cfg:?} {format:?} {escaping:?} inst {id}: {got} != {value}\n{text}"
                            );
                        }
                    }
                    let drops: u64 = SERIES_DROPS.iter().map(|&r| stats.dropped(r)).sum();
                    prop_assert_eq!(
                        expected.len() as u64,
                        present + drops,
                        "{:?} {:?} {:?}: {:?}\n{}",
                        cfg,
                        format,
                        escaping,
                        stats,
                        text
                    );
                    prop_assert_eq!(stats.series, present);
                    prop_assert_eq!(stats.families, exposition.families.len() as u64);
                }
            }
        }
    }
}
