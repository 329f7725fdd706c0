//! Records a small demo snapshot and prints it in both formats.
//!
//! ```text
//! cargo run --example print
//! ```

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::Resource;
use otel_expfmt::{Config, Format, PrometheusReader};

fn main() -> Result<(), otel_expfmt::Error> {
    let reader = PrometheusReader::new(Config::default());
    let provider = SdkMeterProvider::builder()
        .with_resource(
            Resource::builder_empty()
                .with_service_name("print-demo")
                .build(),
        )
        .with_reader(reader.clone())
        .build();
    let scope = InstrumentationScope::builder("shop")
        .with_version("1.0.0")
        .build();
    let meter = provider.meter_with_scope(scope);

    let requests = meter
        .u64_counter("http.server.requests")
        .with_unit("{request}")
        .with_description("Requests served.")
        .build();
    requests.add(
        7,
        &[
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.route", "/cart"),
        ],
    );
    requests.add(
        2,
        &[
            KeyValue::new("http.request.method", "POST"),
            KeyValue::new("http.route", "/cart"),
        ],
    );

    let queue = meter.i64_up_down_counter("jobs.queued").build();
    queue.add(5, &[]);
    queue.add(-2, &[]);

    let temperature = meter.f64_gauge("room.temperature").with_unit("Cel").build();
    temperature.record(21.5, &[KeyValue::new("room", "kitchen \"north\"")]);

    let latency = meter
        .f64_histogram("http.server.request.duration")
        .with_unit("s")
        .with_description("Time to first byte.")
        .with_boundaries(vec![0.01, 0.1, 1.0])
        .build();
    for v in [0.004, 0.02, 0.05, 0.3, 2.5] {
        latency.record(v, &[KeyValue::new("http.route", "/cart")]);
    }

    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut out = Vec::new();
        let stats = reader.encode(format, &mut out)?;
        println!(
            "==> {} ({} families, {} series, {} bytes)",
            format.content_type(),
            stats.families,
            stats.series,
            stats.bytes
        );
        print!("{}", String::from_utf8_lossy(&out));
        println!();
    }
    Ok(())
}
