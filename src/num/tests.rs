use super::*;

fn u(v: u64) -> String {
    let mut out = Vec::new();
    write_u64(&mut out, v);
    String::from_utf8(out).unwrap()
}

fn i(v: i64) -> String {
    let mut out = Vec::new();
    write_i64(&mut out, v);
    String::from_utf8(out).unwrap()
}

fn f(v: f64, om: bool) -> String {
    let mut out = Vec::new();
    write_f64(&mut out, v, om);
    String::from_utf8(out).unwrap()
}

fn ts(n: i128) -> String {
    let mut out = Vec::new();
    write_unix_seconds(&mut out, n);
    String::from_utf8(out).unwrap()
}

#[test]
fn digit_pair_table() {
    assert_eq!(&DIGIT_PAIRS[..6], b"000102");
    assert_eq!(&DIGIT_PAIRS[20..22], b"10");
    assert_eq!(&DIGIT_PAIRS[198..], b"99");
}

#[test]
fn u64_rows() {
    let rows: &[(u64, &str)] = &[
        (0, "0"),
        (1, "1"),
        (9, "9"),
        (10, "10"),
        (11, "11"),
        (99, "99"),
        (100, "100"),
        (101, "101"),
        (999, "999"),
        (1000, "1000"),
        (9999, "9999"),
        (10000, "10000"),
        (10001, "10001"),
        (65535, "65535"),
        (123456789, "123456789"),
        (4294967295, "4294967295"),
        (4294967296, "4294967296"),
        (9007199254740993, "9007199254740993"),
        (10000000000000000000, "10000000000000000000"),
        (18446744073709551614, "18446744073709551614"),
        (u64::MAX, "18446744073709551615"),
    ];
    for &(v, want) in rows {
        assert_eq!(u(v), want, "u64 {v}");
    }
}

#[test]
fn u64_powers_of_ten_and_neighbours() {
    // Expected strings are built by hand from the definition, not by std.
    let mut p: u64 = 1;
    for k in 0..=19u32 {
        let ten_k = format!("1{}", "0".repeat(k as usize));
        assert_eq!(u(p), ten_k, "10^{k}");
        let nines = "9".repeat(k as usize);
        if k > 0 {
            assert_eq!(u(p - 1), nines, "10^{k}-1");
        }
        let plus_one = if k == 0 {
            "2".to_string()
        } else {
            format!("1{}1", "0".repeat(k as usize - 1))
        };
        assert_eq!(u(p + 1), plus_one, "10^{k}+1");
        if k < 19 {
            p *= 10;
        }
    }
}

#[test]
fn i64_rows() {
    let rows: &[(i64, &str)] = &[
        (0, "0"),
        (-1, "-1"),
        (-9, "-9"),
        (-10, "-10"),
        (-99, "-99"),
        (-100, "-100"),
        (-10001, "-10001"),
        (42, "42"),
        (i64::MAX, "9223372036854775807"),
        (i64::MIN, "-9223372036854775808"),
        (i64::MIN + 1, "-9223372036854775807"),
        (-1000000000000000000, "-1000000000000000000"),
    ];
    for &(v, want) in rows {
        assert_eq!(i(v), want, "i64 {v}");
    }
}

#[test]
fn writers_append() {
    let mut out = b"x=".to_vec();
    write_u64(&mut out, 12);
    out.push(b' ');
    write_i64(&mut out, -3);
    out.push(b' ');
    write_f64(&mut out, 2.5, false);
    out.push(b' ');
    write_unix_seconds(&mut out, 1_500_000_000);
    assert_eq!(out, b"x=12 -3 2.5 1.5");
}

/// Rows are Go `strconv.FormatFloat(v, 'g', -1, 64)` outputs.
#[test]
fn f64_go_rows() {
    let rows: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (1.5, "1.5"),
        (-2.5, "-2.5"),
        (10.0, "10"),
        (100000.0, "100000"),
        (999999.0, "999999"),
        (100000.5, "100000.5"),
        (123456.7, "123456.7"),
        (1e6, "1e+06"),
        (-1e6, "-1e+06"),
        (1234567.0, "1.234567e+06"),
        (12345678.9, "1.23456789e+07"),
        (1e10, "1e+10"),
        (1e21, "1e+21"),
        (1e23, "1e+23"),
        (1e100, "1e+100"),
        (0.1, "0.1"),
        (0.5, "0.5"),
        (0.001, "0.001"),
        (0.0001, "0.0001"),
        (0.000123, "0.000123"),
        (0.00001, "1e-05"),
        (0.0000123, "1.23e-05"),
        (1e-7, "1e-07"),
        (1.5e-7, "1.5e-07"),
        (-1.5e-7, "-1.5e-07"),
        (1e-300, "1e-300"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (2.0 / 3.0, "0.6666666666666666"),
        (9007199254740992.0, "9.007199254740992e+15"),
        (9007199254740994.0, "9.007199254740994e+15"),
        (9007199254740991.0, "9.007199254740991e+15"),
        (-9007199254740991.0, "-9.007199254740991e+15"),
        (1e15, "1e+15"),
        (120000000.0, "1.2e+08"),
        (-1234567.0, "-1.234567e+06"),
        (4503599627370497.0, "4.503599627370497e+15"),
        (12345.0, "12345"),
        (-100.0, "-100"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::MIN, "-1.7976931348623157e+308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
        (f64::EPSILON, "2.220446049250313e-16"),
        (u64::MAX as f64, "1.8446744073709552e+19"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
    ];
    for &(v, want) in rows {
        assert_eq!(f(v, false), want, "prometheus {v:e}");
    }
}

#[test]
fn f64_powers_of_ten() {
    // 10^k for k in -20..=25: plain for -4 <= k < 6, exponent form otherwise.
    let plain = [
        (-4, "0.0001"),
        (-3, "0.001"),
        (-2, "0.01"),
        (-1, "0.1"),
        (0, "1"),
        (1, "10"),
        (2, "100"),
        (3, "1000"),
        (4, "10000"),
        (5, "100000"),
    ];
    for (k, want) in plain {
        let v: f64 = format!("1e{k}").parse().unwrap();
        assert_eq!(f(v, false), want, "10^{k}");
    }
    for k in (-20i32..-4).chain(6..=25) {
        let v: f64 = format!("1e{k}").parse().unwrap();
        let sign = if k < 0 { '-' } else { '+' };
        let want = format!("1e{sign}{:02}", k.abs());
        assert_eq!(f(v, false), want, "10^{k}");
    }
}

/// The OpenMetrics 1.0 canonical number test vector, plus specials.
#[test]
fn f64_openmetrics_rows() {
    let rows: &[(f64, &str)] = &[
        (0.0, "0.0"),
        (-0.0, "0.0"),
        (0.001, "0.001"),
        (0.01, "0.01"),
        (0.1, "0.1"),
        (0.9, "0.9"),
        (0.95, "0.95"),
        (0.99, "0.99"),
        (0.999, "0.999"),
        (1.0, "1.0"),
        (1.7, "1.7"),
        (10.0, "10.0"),
        (1e-10, "1e-10"),
        (1e-09, "1e-09"),
        (1e-05, "1e-05"),
        (0.0001, "0.0001"),
        (100000.0, "100000.0"),
        (1e6, "1e+06"),
        (1e10, "1e+10"),
        (-5.0, "-5.0"),
        (5.0, "5.0"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
    ];
    for &(v, want) in rows {
        assert_eq!(f(v, true), want, "openmetrics {v:e}");
    }
}

/// The digits of `write_f64` must be those of `core`'s shortest
/// formatting (the `{:e}` path it replaces for common magnitudes).
fn check_against_core(v: f64) {
    for om in [false, true] {
        let mut fast = Vec::new();
        write_f64(&mut fast, v, om);
        let mut reference = Vec::new();
        if v.is_finite() && v != 0.0 && v.abs().trunc() != v.abs() {
            write_f64_core(&mut reference, v.abs(), v < 0.0, om);
        } else {
            write_f64(&mut reference, v, om);
        }
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(reference).unwrap(),
            "{v:e} (bits {:#x})",
            v.to_bits()
        );
    }
}

#[test]
fn shortest_fraction_agrees_with_core() {
    // SplitMix64, so the cases are the same on every run.
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let n = if cfg!(debug_assertions) {
        40_000
    } else {
        2_000_000
    };
    for _ in 0..n {
        let r = next();
        // Arbitrary bit patterns across the handled exponents and beyond.
        let exp = 1023 - 80 + (r % 120);
        check_against_core(f64::from_bits((exp << 52) | (next() >> 12)));
        // Short decimals, thirds, sevenths and their sums: typical readings.
        let n = (r >> 8) % 100_000_000;
        let k = (r % 12) as i32;
        check_against_core(n as f64 / 10f64.powi(k));
        check_against_core(n as f64 / 70.0);
        check_against_core(n as f64 / 3.0 + 0.1);
        check_against_core(-(n as f64) / 1e9);
    }
    for k in -25..25 {
        let p = 10f64.powi(k);
        for v in [
            p,
            p * 1.5,
            p / 3.0,
            p * (1.0 + f64::EPSILON),
            p * (1.0 - f64::EPSILON / 2.0),
        ] {
            check_against_core(v);
        }
    }
    // Powers of two (asymmetric rounding interval) and their neighbours.
    for e in -80..40 {
        let p = 2f64.powi(e);
        for v in [
            p,
            f64::from_bits(p.to_bits() - 1),
            f64::from_bits(p.to_bits() + 1),
        ] {
            check_against_core(v);
            check_against_core(v * 3.0);
        }
    }
    for v in [
        0.1,
        0.2,
        0.3,
        0.1 + 0.2,
        1.0 / 3.0,
        2.0 / 3.0,
        123456.7,
        0.000123,
        5e-324,
    ] {
        check_against_core(v);
    }
}

#[test]
fn unix_seconds_rows() {
    let rows: &[(i128, &str)] = &[
        (0, "0"),
        (1, "0.000000001"),
        (-1, "-0.000000001"),
        (10, "0.00000001"),
        (999_999_999, "0.999999999"),
        (1_000_000_000, "1"),
        (1_000_000_001, "1.000000001"),
        (1_500_000_000, "1.5"),
        (-1_500_000_000, "-1.5"),
        (-500_000_000, "-0.5"),
        (-1_000_000_000, "-1"),
        (1_767_225_600_000_000_000, "1767225600"),
        (1_767_225_600_123_000_000, "1767225600.123"),
        (1_767_225_600_123_456_789, "1767225600.123456789"),
        (i64::MAX as i128, "9223372036.854775807"),
        (i64::MIN as i128, "-9223372036.854775808"),
        // Seconds above u64::MAX exercise the split path.
        (
            18_446_744_073_709_551_616_000_000_000,
            "18446744073709551616",
        ),
        (
            100_000_000_000_000_000_000_000_000_050_000_000,
            "100000000000000000000000000.05",
        ),
        (i128::MAX, "170141183460469231731687303715.884105727"),
        (i128::MIN, "-170141183460469231731687303715.884105728"),
    ];
    for &(n, want) in rows {
        assert_eq!(ts(n), want, "nanos {n}");
    }
}
