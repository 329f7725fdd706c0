//! Arbitrary bytes into the strict checker, for both formats and every
//! escaping scheme: `Ok` or a typed error, never a panic. The legacy schemes
//! accept the same language; `allow-utf-8` accepts a superset of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otel_expfmt::check::check_with;
use otel_expfmt::{Escaping, Format};

fuzz_target!(|data: &[u8]| {
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        // Compared through `Debug`: NaN values are not `==` to themselves.
        let legacy = check_with(data, format, Escaping::Underscores);
        let shown = format!("{legacy:?}");
        for scheme in [Escaping::Dots, Escaping::Values] {
            let other = check_with(data, format, scheme);
            assert_eq!(shown, format!("{other:?}"), "{format:?} {scheme:?}");
        }
        let utf8 = check_with(data, format, Escaping::AllowUtf8);
        let again = check_with(data, format, Escaping::AllowUtf8);
        assert_eq!(
            format!("{utf8:?}"),
            format!("{again:?}"),
            "not deterministic"
        );
        match (&legacy, &utf8) {
            (Ok(a), Ok(b)) => assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "{format:?}: legacy and UTF-8 parse differ"
            ),
            (Ok(_), Err(e)) => panic!("{format:?}: legacy accepts, allow-utf-8 rejects: {e}"),
            (Err(e), _) => {
                assert!(e.line >= 1 && e.column >= 1, "position {e:?}");
                let _ = e.to_string();
            }
        }
        if let Ok(exposition) = &legacy {
            for family in &exposition.families {
                for sample in &family.samples {
                    // value_text is what was written; value is its parse.
                    assert!(!sample.value_text.is_empty());
                }
            }
        }
    }
});
