//! Compression on the three workloads. See `benches/README.md`, "Compression".
//!
//! * `<workload>/gzip_<format>/<candidate>/<level>`: the gzip candidates'
//!   time to compress one body (into a reused output buffer, from a reused
//!   compressor state); the compressed sizes go to stderr.
//! * `<workload>/scrape/...`: full scrapes (SDK collect + encode, and
//!   compression where named) through `PrometheusReader`, next to
//!   `opentelemetry-prometheus`'s scrape, which cannot compress.
//!
//! `cargo bench --manifest-path benches/compare/Cargo.toml --bench gzip [-- scrape]`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otel_expfmt::{ContentEncoding, Escaping, Format, Negotiated};
use otel_expfmt_compare::{gzip, workloads, OtelPrometheus, Ours, OursScrape};

fn candidates(c: &mut Criterion) {
    for plan in workloads::standard() {
        let mut ours = Ours::new(&plan);
        for (label, format) in [
            ("text", Format::PrometheusText),
            ("openmetrics", Format::OpenMetrics),
        ] {
            let mut body = Vec::new();
            ours.encode(format, &mut body);
            let mut group = c.benchmark_group(format!("{}/gzip_{label}", plan.id));
            group.throughput(Throughput::Bytes(body.len() as u64));
            if body.len() > 1 << 20 {
                group.sample_size(20);
            }
            let mut out = Vec::new();
            for mut candidate in gzip::candidates() {
                candidate.compress(&body, &mut out);
                eprintln!(
                    "{} {label} {}: {} -> {} bytes, ratio {:.2}",
                    plan.id,
                    candidate.name(),
                    body.len(),
                    out.len(),
                    body.len() as f64 / out.len() as f64
                );
                group.bench_function(candidate.name(), |b| {
                    b.iter(|| {
                        candidate.compress(black_box(&body), &mut out);
                        black_box(out.len())
                    })
                });
            }
            group.finish();
        }
    }
}

fn scrapes(c: &mut Criterion) {
    for plan in workloads::standard() {
        let ours = OursScrape::new(&plan);
        let theirs = OtelPrometheus::new(&plan);
        let contestants = [
            (
                "otel_expfmt/text",
                Format::PrometheusText,
                ContentEncoding::Identity,
            ),
            (
                "otel_expfmt/text_gzip",
                Format::PrometheusText,
                ContentEncoding::Gzip,
            ),
            (
                "otel_expfmt/openmetrics",
                Format::OpenMetrics,
                ContentEncoding::Identity,
            ),
            (
                "otel_expfmt/openmetrics_gzip",
                Format::OpenMetrics,
                ContentEncoding::Gzip,
            ),
        ];
        let mut out = Vec::new();
        eprintln!("\n{} scrape body bytes:", plan.id);
        for (name, format, encoding) in contestants {
            let negotiated = Negotiated::new(format, Escaping::Underscores).with_encoding(encoding);
            ours.scrape_negotiated(negotiated, &mut out);
            eprintln!("  {name:<36} {}", out.len());
        }
        theirs.scrape(&mut out);
        eprintln!("  {:<36} {}", "opentelemetry_prometheus/text", out.len());

        let mut group = c.benchmark_group(format!("{}/scrape", plan.id));
        if plan.series() > 5_000 {
            group.sample_size(20);
        }
        for (name, format, encoding) in contestants {
            let negotiated = Negotiated::new(format, Escaping::Underscores).with_encoding(encoding);
            group.bench_function(name, |b| {
                b.iter(|| black_box(ours.scrape_negotiated(negotiated, &mut out)))
            });
        }
        group.bench_function("opentelemetry_prometheus/text", |b| {
            b.iter(|| {
                theirs.scrape(&mut out);
                black_box(out.len())
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = candidates, scrapes
}
criterion_main!(benches);
