//! Peak memory of one scrape, per contestant (Linux: `/proc/self/status`).
//!
//! `cargo run --release -p otel-expfmt-compare --bin peak_rss -- <contestant> [w1|w2|w3]`
//! with contestant one of `opentelemetry_prometheus`, `prometheus_client`,
//! `otel_expfmt` (encode alone) or `otel_expfmt_scrape` (feature `reader`).
//!
//! After setup (recording every measurement), the peak RSS is reset to the
//! current RSS, one scrape runs into a fresh buffer, and the growth of the
//! peak over the baseline is printed; then again for a second scrape into the
//! reused buffer (the steady state of a server that keeps its buffer).

use otel_expfmt::Format;
use otel_expfmt_compare::{reset_peak_rss, rss_kib, workloads, OtelPrometheus, Ours, PromClient};

fn measure(label: &str, mut scrape: impl FnMut() -> usize) {
    for pass in ["first scrape, new buffer", "second scrape, reused buffer"] {
        assert!(
            reset_peak_rss(),
            "cannot reset the peak RSS (/proc/self/clear_refs)"
        );
        let (_, before) = rss_kib().expect("reading /proc/self/status");
        let bytes = scrape();
        let (peak, after) = rss_kib().expect("reading /proc/self/status");
        println!(
            "{label}: {pass}: output {bytes} B, RSS before {before} KiB, peak {peak} KiB \
             (+{} KiB during the scrape), after {after} KiB",
            peak.saturating_sub(before)
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let contestant = args
        .next()
        .unwrap_or_else(|| "opentelemetry_prometheus".into());
    let plans = workloads::standard();
    let plan = match args.next().as_deref().unwrap_or("w3") {
        "w1" => &plans[0],
        "w2" => &plans[1],
        "w3" => &plans[2],
        other => panic!("unknown workload {other} (w1, w2 or w3)"),
    };
    let label = format!("{contestant} {}", plan.id);
    match contestant.as_str() {
        "opentelemetry_prometheus" => {
            let c = OtelPrometheus::new(plan);
            let mut buf = Vec::new();
            measure(&label, || {
                c.scrape(&mut buf);
                buf.len()
            });
        }
        "prometheus_client" => {
            let c = PromClient::new(plan);
            let mut buf = String::new();
            measure(&label, || {
                c.encode(&mut buf);
                buf.len()
            });
        }
        "otel_expfmt" => {
            let mut c = Ours::new(plan);
            let mut buf = Vec::new();
            measure(&label, || {
                c.encode(Format::PrometheusText, &mut buf);
                buf.len()
            });
        }
        // TODO(reader): enabled by the `reader` feature until `PrometheusReader` is merged.
        #[cfg(feature = "reader")]
        "otel_expfmt_scrape" => {
            let c = otel_expfmt_compare::OursScrape::new(plan);
            let mut buf = Vec::new();
            measure(&label, || {
                c.scrape(Format::PrometheusText, &mut buf);
                buf.len()
            });
        }
        other => panic!("unknown contestant {other}"),
    }
}
