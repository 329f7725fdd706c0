//! A fixed number of iterations of one contestant on one workload, for
//! instruction counts under `valgrind --tool=callgrind` (or `perf record`).
//!
//! `cargo build --release -p otel-expfmt-compare --bin profile`, then
//! `valgrind --tool=callgrind target/release/profile <what> <w1|w2|w3|w4> <iterations>`
//! with `<what>` one of `encode_text`, `encode_openmetrics`, `encode_protobuf`,
//! `scrape_text`, `scrape_protobuf`,
//! `collect`, `collect_encode` (a fresh SDK collect, then `Encoder::encode`
//! on it, outside the reader), `collect_encode_split` (the same, timing
//! each half: median and quartiles of each), `read_snapshot` (roughly the
//! least any encoder reads: every point and attribute byte),
//! `opentelemetry_prometheus`, `opentelemetry_prometheus_protobuf` (its
//! `ProtobufEncoder` alone, on families gathered once), `prometheus_client`,
//! `prometheus_client_protobuf` (client_model protobuf) and
//! `prometheus_client_openmetrics_protobuf`. W4 (exponential histograms)
//! has no opentelemetry-prometheus contestant, and prometheus-client's only
//! on `prometheus_client_protobuf`.
//!
//! Setup (recording the workload, first encode) costs the same whatever the
//! iteration count, so the instructions of one iteration are
//! `(I(n + k) - I(n)) / k` for two runs with different counts.

use std::hint::black_box;
use std::time::{Duration, Instant};

use otel_expfmt::Format;
use otel_expfmt_compare::{OtelPrometheus, Ours, OursScrape, PromClient, SdkCollect};

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "encode_text".into());
    let plan = &otel_expfmt_compare::standard_workload(args.next().as_deref(), "w1");
    let iterations: usize = args
        .next()
        .map(|n| n.parse().expect("iteration count"))
        .unwrap_or(10);
    let mut buf = Vec::new();
    let mut bytes = 0;
    match what.as_str() {
        "encode_text" | "encode_openmetrics" | "encode_protobuf" => {
            let format = match what.as_str() {
                "encode_text" => Format::PrometheusText,
                "encode_openmetrics" => Format::OpenMetrics,
                _ => Format::PrometheusProtobuf,
            };
            let mut c = Ours::new(plan);
            c.encode(format, &mut buf);
            for _ in 0..iterations {
                black_box(c.encode(format, &mut buf));
                bytes = buf.len();
            }
        }
        "scrape_text" | "scrape_protobuf" => {
            let format = if what == "scrape_text" {
                Format::PrometheusText
            } else {
                Format::PrometheusProtobuf
            };
            let c = OursScrape::new(plan);
            c.scrape(format, &mut buf);
            for _ in 0..iterations {
                black_box(c.scrape(format, &mut buf));
                bytes = buf.len();
            }
        }
        "read_snapshot" => {
            let c = Ours::new(plan);
            for _ in 0..iterations {
                bytes = black_box(c.read_snapshot()) as usize & 1;
            }
        }
        "collect_encode" => {
            let mut c = SdkCollect::new(plan);
            let mut e = otel_expfmt::Encoder::new(otel_expfmt::Config::default());
            for _ in 0..iterations {
                buf.clear();
                let m = c.collect();
                black_box(e.encode(m, Format::PrometheusText, &mut buf));
                bytes = buf.len();
            }
        }
        "collect_encode_split" => {
            // `collect_encode`, each half timed on its own, so the encode is
            // measured in the cache state a collect leaves; with
            // `ONE_COLLECT=1` set, the encode runs again on one snapshot
            // instead (the encode-alone loop's cache state), in the same
            // harness. With `MEMCPY=1` a copy of as many bytes as the text
            // output replaces the encode: the physical floor, in the
            // same cache state.
            let one_collect = std::env::var_os("ONE_COLLECT").is_some();
            let mut c = SdkCollect::new(plan);
            let mut e = otel_expfmt::Encoder::new(otel_expfmt::Config::default());
            let (mut collect, mut encode) = (Vec::new(), Vec::new());
            let memcpy_src = std::env::var_os("MEMCPY").map(|_| {
                e.encode(c.collect(), Format::PrometheusText, &mut buf);
                vec![b'x'; buf.len()]
            });
            for i in 0..iterations + 2 {
                buf.clear();
                let t0 = Instant::now();
                if i == 0 || !one_collect {
                    c.collect();
                }
                let t1 = Instant::now();
                if let Some(src) = &memcpy_src {
                    buf.extend_from_slice(src);
                    black_box(&buf);
                } else {
                    black_box(e.encode(c.snapshot(), Format::PrometheusText, &mut buf));
                }
                let t2 = Instant::now();
                // The first two are warm-up.
                if i >= 2 {
                    collect.push(t1 - t0);
                    encode.push(t2 - t1);
                }
                bytes = buf.len();
            }
            let second = if memcpy_src.is_some() {
                "copy"
            } else {
                "encode"
            };
            let when = if one_collect {
                "on the same snapshot again"
            } else {
                "right after the collect"
            };
            if !one_collect {
                println!("collect: {}", quartiles(&mut collect));
            }
            println!("{second} {when}: {}", quartiles(&mut encode));
        }
        "collect" => {
            let mut c = SdkCollect::new(plan);
            c.collect();
            for _ in 0..iterations {
                black_box(c.collect());
            }
        }
        "opentelemetry_prometheus" => {
            let c = OtelPrometheus::new(plan);
            for _ in 0..iterations {
                c.scrape(&mut buf);
                bytes = buf.len();
            }
        }
        "opentelemetry_prometheus_protobuf" => {
            let c = OtelPrometheus::new(plan);
            let families = c.gather();
            c.encode_gathered_protobuf(&families, &mut buf);
            for _ in 0..iterations {
                c.encode_gathered_protobuf(&families, &mut buf);
                bytes = buf.len();
            }
        }
        "prometheus_client" => {
            let c = PromClient::new(plan);
            let mut text = String::new();
            for _ in 0..iterations {
                c.encode(&mut text);
                bytes = text.len();
            }
        }
        "prometheus_client_protobuf" | "prometheus_client_openmetrics_protobuf" => {
            let c = PromClient::new(plan);
            let openmetrics = what == "prometheus_client_openmetrics_protobuf";
            let run = |buf: &mut Vec<u8>| {
                if openmetrics {
                    c.encode_openmetrics_protobuf(buf)
                } else {
                    c.encode_prometheus_protobuf(buf)
                }
            };
            run(&mut buf);
            for _ in 0..iterations {
                run(&mut buf);
                bytes = buf.len();
            }
        }
        other => panic!("unknown contestant {other}"),
    }
    if std::env::var_os("DUMP").is_some() {
        std::io::Write::write_all(&mut std::io::stdout(), &buf).unwrap();
    }
    println!("{what} {}: {iterations} iterations, {bytes} bytes", plan.id);
}

/// Median and quartiles of `times` in ms, e.g.
/// `median 2.610 ms (quartiles 2.480-2.770)`.
fn quartiles(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "no iterations".into();
    }
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() - 1) as f64 * q).round() as usize;
        times[i].as_secs_f64() * 1e3
    };
    format!(
        "median {:.3} ms (quartiles {:.3}-{:.3})",
        at(0.5),
        at(0.25),
        at(0.75)
    )
}
