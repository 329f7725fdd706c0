//! Micro-benchmarks of the number writers and escapers against `std::fmt`.
//!
//! Run briefly with
//! `cargo bench --bench primitives -- --warm-up-time 1 --measurement-time 2`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use otel_expfmt::__private::{write_f64, write_label_value, write_u64};
use std::hint::black_box;
use std::io::Write as _;

fn bench_u64(c: &mut Criterion) {
    let mut g = c.benchmark_group("u64");
    for (name, v) in [("0", 0u64), ("mid", 1_234_567_890), ("max", u64::MAX)] {
        g.bench_with_input(BenchmarkId::new("ours", name), &v, |b, &v| {
            let mut out = Vec::with_capacity(64);
            b.iter(|| {
                out.clear();
                write_u64(&mut out, black_box(v));
                black_box(&out);
            });
        });
        g.bench_with_input(BenchmarkId::new("std_fmt", name), &v, |b, &v| {
            let mut out = Vec::with_capacity(64);
            b.iter(|| {
                out.clear();
                write!(out, "{}", black_box(v)).unwrap();
                black_box(&out);
            });
        });
    }
    g.finish();
}

fn bench_f64(c: &mut Criterion) {
    let mut g = c.benchmark_group("f64");
    let cases = [
        ("integer", 1_234_567.0f64),
        ("small_int", 42.0),
        ("decimal", 0.1),
        ("long_decimal", 0.1 + 0.2),
        ("exponent", 1.5e-7),
    ];
    for (name, v) in cases {
        g.bench_with_input(BenchmarkId::new("ours", name), &v, |b, &v| {
            let mut out = Vec::with_capacity(64);
            b.iter(|| {
                out.clear();
                write_f64(&mut out, black_box(v), false);
                black_box(&out);
            });
        });
        // `{}` is std's shortest round-trip Display (no Go layout): the
        // baseline cost of getting the digits at all.
        g.bench_with_input(BenchmarkId::new("std_fmt", name), &v, |b, &v| {
            let mut out = Vec::with_capacity(64);
            b.iter(|| {
                out.clear();
                write!(out, "{}", black_box(v)).unwrap();
                black_box(&out);
            });
        });
    }
    g.finish();
}

/// The obvious `std::fmt` escaper: one `write!`/push per char.
fn naive_escape(out: &mut Vec<u8>, s: &str) {
    for ch in s.chars() {
        match ch {
            '\\' => out.extend_from_slice(b"\\\\"),
            '"' => out.extend_from_slice(b"\\\""),
            '\n' => out.extend_from_slice(b"\\n"),
            c => write!(out, "{c}").unwrap(),
        }
    }
}

fn bench_escape(c: &mut Criterion) {
    let mut g = c.benchmark_group("label_value");
    let clean = "GET /api/v1/query_range?service=checkout-frontend&region=eu-west-1";
    let heavy = "C:\\\"quoted\"\\path\nline\\two\"\n\\\\\"\"end\\";
    for (name, s) in [("clean_ascii", clean), ("escape_heavy", heavy)] {
        g.bench_with_input(BenchmarkId::new("ours", name), &s, |b, &s| {
            let mut out = Vec::with_capacity(256);
            b.iter(|| {
                out.clear();
                write_label_value(&mut out, black_box(s));
                black_box(&out);
            });
        });
        g.bench_with_input(BenchmarkId::new("std_fmt_per_char", name), &s, |b, &s| {
            let mut out = Vec::with_capacity(256);
            b.iter(|| {
                out.clear();
                naive_escape(&mut out, black_box(s));
                black_box(&out);
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench_u64, bench_f64, bench_escape);
criterion_main!(benches);
