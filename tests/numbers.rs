//! Property tests for the number writers and escapers.

use otel_expfmt::__private::{
    write_f64, write_help, write_i64, write_label_value, write_u64, write_unix_seconds,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn render_f64(v: f64, om: bool) -> String {
    let mut out = Vec::new();
    write_f64(&mut out, v, om);
    String::from_utf8(out).expect("float output is ASCII")
}

/// `POW10[i]` is the double nearest to `10^(i - 324)` (0.0 for `10^-324`),
/// parsed from an exact decimal literal, independent of the writer.
fn pow10_table() -> &'static [f64] {
    static T: OnceLock<Vec<f64>> = OnceLock::new();
    T.get_or_init(|| {
        (-324..=308)
            .map(|k| format!("1e{k}").parse::<f64>().unwrap())
            .collect()
    })
}

/// Decimal exponent of the first significant digit of the shortest
/// round-trip representation of finite, non-zero `v`: the largest `k` with
/// `|v| >= double(10^k)`. (If `double(10^k) <= |v|`, every decimal that rounds
/// to `|v|` is at least `10^k`, and vice versa for the upper bound.)
fn decimal_exponent(v: f64) -> i32 {
    let a = v.abs();
    let t = pow10_table();
    let idx = t.partition_point(|&p| p <= a);
    idx as i32 - 1 - 324
}

/// Any finite double, sampled uniformly over bit patterns (so subnormals,
/// huge and tiny magnitudes all appear), plus "human" values.
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>()
            .prop_map(f64::from_bits)
            .prop_filter("finite", |v| v.is_finite()),
        (-1_000_000_000i64..1_000_000_000, 0u32..12)
            .prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
        (-2_000_000i64..2_000_000).prop_map(|m| m as f64),
        // Integral values around the 2^53 fast-path boundary.
        (-(1i64 << 54)..(1i64 << 54)).prop_map(|m| m as f64),
        (1i64..100_000, 0i32..16).prop_map(|(m, e)| m as f64 * 10f64.powi(e)),
        (1u32..10, -12i32..12).prop_map(|(d, e)| d as f64 * 10f64.powi(e)),
    ]
}

fn naive_unix_seconds(nanos: i128) -> String {
    let abs = nanos.unsigned_abs();
    let sign = if nanos < 0 { "-" } else { "" };
    let s = format!("{sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn naive_label_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn naive_help(s: &str, om: bool) -> String {
    let s = s.replace('\\', "\\\\");
    let s = if om { s.replace('"', "\\\"") } else { s };
    s.replace('\n', "\\n")
}

/// Strings rich in the bytes that matter, plus arbitrary Unicode.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just('\\'),
                Just('"'),
                Just('\n'),
                Just('\r'),
                Just('\t'),
                Just('\0'),
                Just('a'),
                Just('é'),
                Just('🎉'),
            ],
            0..40
        )
        .prop_map(|v| v.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn u64_round_trips(v in any::<u64>()) {
        let mut out = Vec::new();
        write_u64(&mut out, v);
        let s = std::str::from_utf8(&out).unwrap();
        prop_assert_eq!(s.parse::<u64>().unwrap(), v);
        prop_assert!(s == "0" || !s.starts_with('0'), "leading zero in {}", s);
    }

    #[test]
    fn i64_round_trips(v in any::<i64>()) {
        let mut out = b"prefix".to_vec();
        write_i64(&mut out, v);
        let s = std::str::from_utf8(&out[6..]).unwrap();
        prop_assert_eq!(s.parse::<i64>().unwrap(), v);
        prop_assert_eq!(&out[..6], b"prefix");
    }

    #[test]
    fn f64_round_trips_bit_exactly(v in finite_f64(), om in any::<bool>()) {
        let s = render_f64(v, om);
        let back: f64 = s.parse().unwrap();
        if v == 0.0 {
            prop_assert_eq!(s, if om { "0.0" } else { "0" });
        } else {
            prop_assert_eq!(back.to_bits(), v.to_bits(), "{} -> {}", v, s);
        }
    }

    #[test]
    fn f64_openmetrics_always_has_dot_or_e(v in finite_f64()) {
        let s = render_f64(v, true);
        prop_assert!(s.contains('.') || s.contains('e'), "{}", s);
        // OpenMetrics only differs by the `.0` suffix on plain integers.
        let p = render_f64(v, false);
        if p.contains('.') || p.contains('e') {
            prop_assert_eq!(s, p);
        } else {
            prop_assert_eq!(s, format!("{p}.0"));
        }
    }

    #[test]
    fn f64_layout_follows_go_g_rule(v in finite_f64()) {
        prop_assume!(v != 0.0);
        let s = render_f64(v, false);
        let exp = decimal_exponent(v);
        let body = s.strip_prefix('-').unwrap_or(&s);
        prop_assert_eq!(s.starts_with('-'), v < 0.0);
        if !(-4..6).contains(&exp) {
            // d[.ddd]e±XX with the sign always present and >= 2 exponent digits.
            let (mant, e) = body.split_once('e').expect("exponent form");
            let (sign, digits) = e.split_at(1);
            prop_assert!(sign == "+" || sign == "-");
            prop_assert!(digits.len() >= 2 && digits.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(digits.len() == 2 || !digits.starts_with('0'));
            let e: i32 = e.parse().unwrap();
            prop_assert_eq!(e, exp, "{}", s);
            let m = mant.as_bytes();
            prop_assert!(m[0].is_ascii_digit() && m[0] != b'0');
            if m.len() > 1 {
                prop_assert_eq!(m[1], b'.');
                prop_assert!(m.len() > 2 && !mant.ends_with('0'));
                prop_assert!(m[2..].iter().all(u8::is_ascii_digit));
            }
        } else {
            prop_assert!(!body.contains('e'), "{}", s);
            if exp < 0 {
                let zeros = "0".repeat((-exp - 1) as usize);
                let lead = format!("0.{zeros}");
                prop_assert!(body.starts_with(&lead), "{}", s);
                prop_assert!(body.as_bytes()[lead.len()] != b'0');
            } else {
                let int_part = body.split('.').next().unwrap();
                prop_assert_eq!(int_part.len() as i32, exp + 1, "{}", s);
                prop_assert!(!int_part.starts_with('0'));
            }
            if body.contains('.') {
                prop_assert!(!body.ends_with('0'), "{}", s);
            }
        }
    }

    #[test]
    fn unix_seconds_match_naive(nanos in -(1i128 << 100)..(1i128 << 100)) {
        let mut out = Vec::new();
        write_unix_seconds(&mut out, nanos);
        prop_assert_eq!(String::from_utf8(out).unwrap(), naive_unix_seconds(nanos));
    }

    #[test]
    fn unix_seconds_match_naive_full_range(nanos in any::<i128>()) {
        let mut out = Vec::new();
        write_unix_seconds(&mut out, nanos);
        prop_assert_eq!(String::from_utf8(out).unwrap(), naive_unix_seconds(nanos));
    }

    #[test]
    fn unix_seconds_realistic(secs in -4_000_000_000i64..4_000_000_000, frac in 0u32..1_000_000_000) {
        let nanos = i128::from(secs) * 1_000_000_000 + i128::from(frac);
        let mut out = Vec::new();
        write_unix_seconds(&mut out, nanos);
        prop_assert_eq!(String::from_utf8(out).unwrap(), naive_unix_seconds(nanos));
    }

    #[test]
    fn label_value_matches_naive(s in tricky_string()) {
        let mut out = Vec::new();
        write_label_value(&mut out, &s);
        let got = String::from_utf8(out).unwrap();
        prop_assert!(!got.contains('\n'));
        // Every `"` must be preceded by an odd number of backslashes.
        let b = got.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'"' {
                let run = b[..i].iter().rev().take_while(|&&x| x == b'\\').count();
                prop_assert!(run % 2 == 1, "unescaped quote in {:?}", got);
            }
        }
        prop_assert_eq!(got, naive_label_value(&s));
    }

    #[test]
    fn help_matches_naive(s in tricky_string(), om in any::<bool>()) {
        let mut out = Vec::new();
        write_help(&mut out, &s, om);
        let got = String::from_utf8(out).unwrap();
        prop_assert!(!got.contains('\n'));
        prop_assert_eq!(got, naive_help(&s, om));
    }
}

#[test]
fn decimal_exponent_reference_is_sane() {
    assert_eq!(decimal_exponent(1.0), 0);
    assert_eq!(decimal_exponent(9.99), 0);
    assert_eq!(decimal_exponent(1e6), 6);
    assert_eq!(decimal_exponent(999999.0), 5);
    assert_eq!(decimal_exponent(0.0001), -4);
    assert_eq!(decimal_exponent(0.000099), -5);
    assert_eq!(decimal_exponent(1e23), 23);
    assert_eq!(decimal_exponent(5e-324), -324);
    assert_eq!(decimal_exponent(f64::MAX), 308);
    assert_eq!(decimal_exponent(-1.5e-7), -7);
}
