//! otel-expfmt against opentelemetry-prometheus 0.33 and prometheus-client 0.25
//! on the three standard workloads, in text and protobuf, and W4 (exponential
//! histograms) for otel-expfmt alone and prometheus-client's native
//! histograms. See `benches/compare/README.md`.
//!
//! Every benchmark of a workload reports throughput as the size of
//! otel-expfmt's text 0.0.4 output for that workload, so MB/s compare directly
//! (higher = faster for the same data). Each contestant's real output size is
//! printed to stderr before the workload runs.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use otel_expfmt::Format;
use otel_expfmt_compare::{workloads, OtelPrometheus, Ours, PromClient, SdkCollect};

fn compare(c: &mut Criterion) {
    for plan in workloads::standard() {
        let mut ours = Ours::new(&plan);
        let otel_prom = OtelPrometheus::new(&plan);
        let prom_client = PromClient::new(&plan);
        let mut sdk = SdkCollect::new(&plan);
        let ours_scrape = otel_expfmt_compare::OursScrape::new(&plan);

        let mut buf = Vec::new();
        let mut text = String::new();
        otel_prom.scrape(&mut buf);
        let otel_prom_size = buf.len();
        prom_client.encode(&mut text);
        let prom_client_size = text.len();
        let our_text = ours.size(Format::PrometheusText);
        let our_om = ours.size(Format::OpenMetrics);
        let our_protobuf = ours.size(Format::PrometheusProtobuf);
        // Gathered once: only `ProtobufEncoder::encode` is timed.
        let families = otel_prom.gather();
        otel_prom.encode_gathered_protobuf(&families, &mut buf);
        let otel_prom_protobuf = buf.len();
        prom_client.encode_openmetrics_protobuf(&mut buf);
        let prom_client_om_protobuf = buf.len();
        prom_client.encode_prometheus_protobuf(&mut buf);
        let prom_client_protobuf = buf.len();
        eprintln!("\n{} ({} series) output bytes:", plan.id, plan.series());
        eprintln!("  otel_expfmt text 0.0.4            {our_text}");
        eprintln!("  otel_expfmt OpenMetrics           {our_om}");
        eprintln!("  opentelemetry_prometheus 0.0.4    {otel_prom_size}");
        eprintln!("  prometheus_client OpenMetrics     {prom_client_size}");
        eprintln!("  otel_expfmt protobuf              {our_protobuf}");
        eprintln!("  opentelemetry_prometheus protobuf {otel_prom_protobuf}");
        eprintln!("  prometheus_client OM protobuf     {prom_client_om_protobuf}");
        eprintln!("  prometheus_client protobuf        {prom_client_protobuf}");
        let reference = our_text;

        let mut group = c.benchmark_group(&plan.id);
        group.throughput(Throughput::Bytes(reference as u64));
        if plan.series() > 5_000 {
            group.sample_size(20);
        }

        for (name, format) in [
            ("otel_expfmt/encode_text", Format::PrometheusText),
            ("otel_expfmt/encode_openmetrics", Format::OpenMetrics),
            ("otel_expfmt/encode_protobuf", Format::PrometheusProtobuf),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| black_box(ours.encode(format, &mut buf)))
            });
        }

        group.bench_function("otel_expfmt/scrape_text", |b| {
            b.iter(|| black_box(ours_scrape.scrape(Format::PrometheusText, &mut buf)))
        });

        // The SDK's share of any full scrape (ours and opentelemetry-prometheus alike).
        group.bench_function("sdk/collect_only", |b| {
            b.iter(|| black_box(sdk.collect()).scope_metrics().count())
        });

        group.bench_function("opentelemetry_prometheus/scrape_text", |b| {
            b.iter(|| {
                otel_prom.scrape(&mut buf);
                black_box(&buf);
            })
        });
        // The two halves of its scrape, to show where the time goes.
        group.bench_function("opentelemetry_prometheus/gather_only", |b| {
            b.iter(|| black_box(otel_prom.gather()))
        });
        group.bench_function("opentelemetry_prometheus/text_encoder_only", |b| {
            b.iter(|| {
                otel_prom.encode_gathered(&families, &mut buf);
                black_box(&buf);
            })
        });
        // `prometheus::ProtobufEncoder` on the same gathered families.
        group.bench_function("opentelemetry_prometheus/protobuf_encoder_only", |b| {
            b.iter(|| {
                otel_prom.encode_gathered_protobuf(&families, &mut buf);
                black_box(&buf);
            })
        });

        group.bench_function("prometheus_client/encode_openmetrics", |b| {
            b.iter(|| {
                prom_client.encode(&mut text);
                black_box(&text);
            })
        });
        // Its protobuf encoders build prost messages from the registry, then
        // serialize them into the reused `buf`.
        group.bench_function("prometheus_client/encode_openmetrics_protobuf", |b| {
            b.iter(|| {
                prom_client.encode_openmetrics_protobuf(&mut buf);
                black_box(&buf);
            })
        });
        group.bench_function("prometheus_client/encode_prometheus_protobuf", |b| {
            b.iter(|| {
                prom_client.encode_prometheus_protobuf(&mut buf);
                black_box(&buf);
            })
        });

        // Roughly what any encoder must at least do: read every point and attribute byte.
        group.bench_function("reference/read_snapshot", |b| {
            b.iter(|| black_box(ours.read_snapshot()))
        });

        let source = vec![b'x'; reference];
        group.bench_function("memcpy/floor", |b| {
            b.iter(|| {
                buf.clear();
                buf.extend_from_slice(black_box(&source));
                black_box(&buf);
            })
        });

        group.finish();
    }
    exponential(c);
}

/// W4: exponential histograms, which opentelemetry-prometheus drops. Ours in
/// the three formats (text and OpenMetrics with the exact classic buckets,
/// protobuf with native histograms), and prometheus-client's native
/// histograms (its client_model protobuf encoder: its text encoders reject
/// native-only histograms). Throughput is our protobuf body's size.
fn exponential(c: &mut Criterion) {
    let plan = workloads::w4();
    let mut ours = Ours::new(&plan);
    let prom_client = PromClient::new(&plan);
    let ours_scrape = otel_expfmt_compare::OursScrape::new(&plan);
    let mut buf = Vec::new();
    let our_text = ours.size(Format::PrometheusText);
    let our_om = ours.size(Format::OpenMetrics);
    let our_protobuf = ours.size(Format::PrometheusProtobuf);
    prom_client.encode_prometheus_protobuf(&mut buf);
    let prom_client_protobuf = buf.len();
    eprintln!("\n{} ({} series) output bytes:", plan.id, plan.series());
    eprintln!("  otel_expfmt text 0.0.4            {our_text}");
    eprintln!("  otel_expfmt OpenMetrics           {our_om}");
    eprintln!("  otel_expfmt protobuf              {our_protobuf}");
    eprintln!("  prometheus_client protobuf        {prom_client_protobuf}");

    let mut group = c.benchmark_group(&plan.id);
    group.throughput(Throughput::Bytes(our_protobuf as u64));
    for (name, format) in [
        ("otel_expfmt/encode_text", Format::PrometheusText),
        ("otel_expfmt/encode_openmetrics", Format::OpenMetrics),
        ("otel_expfmt/encode_protobuf", Format::PrometheusProtobuf),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(ours.encode(format, &mut buf)))
        });
    }
    group.bench_function("otel_expfmt/scrape_protobuf", |b| {
        b.iter(|| black_box(ours_scrape.scrape(Format::PrometheusProtobuf, &mut buf)))
    });
    group.bench_function("prometheus_client/encode_prometheus_protobuf", |b| {
        b.iter(|| {
            prom_client.encode_prometheus_protobuf(&mut buf);
            black_box(&buf);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = compare
}
criterion_main!(benches);
