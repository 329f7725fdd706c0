//! `Encoder::encode` alone, per workload (W1 to W4) and format, on a snapshot collected
//! beforehand through a cumulative `ManualReader`. Throughput is the size of
//! the output of each format. Comparisons with other libraries live in the
//! `benches/compare` workspace member.
//!
//! Run: `cargo bench --bench encode` (filter e.g. `-- w3_mixed`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otel_expfmt::{Config, Encoder, Format};

#[path = "workloads.rs"]
mod workloads;

const FORMATS: [(&str, Format); 3] = [
    ("prometheus_text", Format::PrometheusText),
    ("openmetrics", Format::OpenMetrics),
    ("protobuf", Format::PrometheusProtobuf),
];

fn encode(c: &mut Criterion) {
    for plan in workloads::all() {
        let (_provider, snapshot) = workloads::snapshot(&plan);
        let mut encoder = Encoder::new(Config::default());
        let mut group = c.benchmark_group(format!("encode/{}", plan.id));
        if plan.series() > 5_000 {
            group.sample_size(20);
        }
        for (name, format) in FORMATS {
            let mut out = Vec::new();
            let stats = encoder.encode(&snapshot, format, &mut out);
            eprintln!(
                "encode/{}/{name}: {} bytes, {} series, {} families",
                plan.id,
                out.len(),
                stats.series,
                stats.families
            );
            group.throughput(Throughput::Bytes(out.len() as u64));
            group.bench_function(name, |b| {
                b.iter(|| {
                    out.clear();
                    black_box(encoder.encode(black_box(&snapshot), format, &mut out));
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = encode
}
criterion_main!(benches);
