//! Arbitrary bytes into the protobuf checker, with every escaping scheme:
//! `Ok` or a typed error pointing into the input, never a panic. The legacy
//! schemes accept the same language; `allow-utf-8` accepts a superset of it.
//! What is accepted keeps the invariants the checker promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otel_expfmt::check::{check_protobuf, Exposition};
use otel_expfmt::Escaping;

/// Reads a `value_text` back: a decimal integer, `NaN`, `±Inf` or a decimal.
fn read_back(text: &str) -> f64 {
    match text {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => text
            .parse()
            .unwrap_or_else(|_| panic!("value_text {text:?}")),
    }
}

fn invariants(exposition: &Exposition) {
    for family in &exposition.families {
        assert!(!family.name.is_empty());
        for sample in &family.samples {
            assert!(sample.name.starts_with(family.name.as_str()));
            let back = read_back(&sample.value_text);
            assert!(
                back.to_bits() == sample.value.to_bits()
                    || (back.is_nan() && sample.value.is_nan()),
                "{sample:?}"
            );
            if let Some(n) = &sample.native {
                assert!((-4..=8).contains(&n.schema));
                assert!(n.zero_threshold >= 0.0 && n.zero_threshold.is_finite());
                let buckets: u128 = n
                    .positive
                    .iter()
                    .chain(&n.negative)
                    .map(|&(_, c)| u128::from(c))
                    .sum();
                let total = buckets + u128::from(n.zero_count);
                if n.sum.is_nan() {
                    assert!(u128::from(n.count) >= total);
                } else {
                    assert_eq!(u128::from(n.count), total);
                }
                assert!(n.exemplars.iter().all(|e| e.exact_timestamp.is_some()));
            }
            for (name, _) in &sample.labels {
                assert!(!name.is_empty() && !name.starts_with("__"));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Compared through `Debug`: NaN values are not `==` to themselves.
    let legacy = check_protobuf(data, Escaping::Underscores);
    let shown = format!("{legacy:?}");
    for scheme in [Escaping::Dots, Escaping::Values] {
        assert_eq!(
            shown,
            format!("{:?}", check_protobuf(data, scheme)),
            "{scheme:?}"
        );
    }
    let utf8 = check_protobuf(data, Escaping::AllowUtf8);
    match (&legacy, &utf8) {
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "legacy and UTF-8 differ"
        ),
        (Ok(_), Err(e)) => panic!("legacy accepts, allow-utf-8 rejects: {e}"),
        (Err(_), _) => {}
    }
    for result in [&legacy, &utf8] {
        match result {
            Ok(exposition) => invariants(exposition),
            Err(e) => {
                // Errors point at a frame or field inside the input.
                assert!(
                    e.line >= 1 && (1..=data.len()).contains(&e.column),
                    "position {e:?}"
                );
                let _ = e.to_string();
            }
        }
    }
});
