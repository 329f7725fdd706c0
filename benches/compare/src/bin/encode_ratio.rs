//! Protobuf encode speed ratios, measured in alternation so that every
//! contestant sees the same machine conditions (as `ratio` does for full
//! scrapes).
//!
//! `cargo run --release -p otel-expfmt-compare --bin encode_ratio -- [w1|w2|w3|w4] [rounds]`
//!
//! Contestants, each encoding into its own reused buffer:
//!
//! * otel-expfmt `Encoder::encode` with `Format::PrometheusProtobuf` on a
//!   snapshot collected beforehand (the reference: every ratio is another
//!   contestant's time over this one's);
//! * otel-expfmt text 0.0.4, the same way;
//! * W1-W3: `prometheus::ProtobufEncoder` on the families
//!   `opentelemetry-prometheus` gathered once; prometheus-client's
//!   OpenMetrics protobuf and client_model protobuf encoders (prost
//!   messages built and serialized);
//! * W4: prometheus-client's client_model protobuf encoder (native
//!   histograms) only; opentelemetry-prometheus drops exponential histograms.
//!
//! Each round times a batch of encodes of every contestant, in an order
//! that rotates every round and is reversed every other cycle of rotations
//! (use a round count divisible by twice the number of contestants for
//! each order to weigh the same). The per-round ratios' median, quartiles
//! and extremes are printed, and the mean time of each contestant.

use std::hint::black_box;
use std::time::{Duration, Instant};

use otel_expfmt::Format;
use otel_expfmt_compare::{OtelPrometheus, Ours, PromClient};

type Run<'a> = Box<dyn FnMut() + 'a>;

fn timed(batch: usize, f: &mut Run<'_>) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        f();
    }
    start.elapsed()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let plan = &otel_expfmt_compare::standard_workload(args.next().as_deref(), "w3");
    let rounds: usize = args
        .next()
        .map(|n| n.parse().expect("round count"))
        .unwrap_or(24);
    // Tens of ms per batch for our protobuf encode.
    let batch = (200_000 / plan.series()).max(2);
    let exponential = plan.id.starts_with("w4");

    let mut ours = Ours::new(plan);
    let mut ours_text = Ours::new(plan);
    let client = PromClient::new(plan);
    let theirs = (!exponential).then(|| {
        let c = OtelPrometheus::new(plan);
        let families = c.gather();
        (c, families)
    });

    let (mut b0, mut b1, mut b2, mut b3, mut b4) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut contestants: Vec<(&str, Run<'_>)> = vec![
        (
            "otel-expfmt protobuf",
            Box::new(|| {
                black_box(ours.encode(Format::PrometheusProtobuf, &mut b0));
            }),
        ),
        (
            "otel-expfmt text",
            Box::new(|| {
                black_box(ours_text.encode(Format::PrometheusText, &mut b1));
            }),
        ),
        (
            "prometheus-client client_model protobuf",
            Box::new(|| {
                client.encode_prometheus_protobuf(&mut b2);
                black_box(&b2);
            }),
        ),
    ];
    if let Some((c, families)) = &theirs {
        contestants.push((
            "prometheus ProtobufEncoder (opentelemetry-prometheus)",
            Box::new(|| {
                c.encode_gathered_protobuf(families, &mut b3);
                black_box(&b3);
            }),
        ));
        contestants.push((
            "prometheus-client OpenMetrics protobuf",
            Box::new(|| {
                client.encode_openmetrics_protobuf(&mut b4);
                black_box(&b4);
            }),
        ));
    }
    let n = contestants.len();
    // Warm-up: buffers, replay prints and caches reach their steady state.
    for (_, run) in &mut contestants {
        timed(batch, run);
    }

    let mut ratios = vec![Vec::with_capacity(rounds); n];
    let mut totals = vec![Duration::ZERO; n];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..n).map(|i| (i + round) % n).collect();
        if (round / n) % 2 == 1 {
            order.reverse();
        }
        let mut times = vec![Duration::ZERO; n];
        for i in order {
            times[i] = timed(batch, &mut contestants[i].1);
        }
        for i in 0..n {
            totals[i] += times[i];
            ratios[i].push(times[i].as_secs_f64() / times[0].as_secs_f64());
        }
    }
    println!(
        "{}: {rounds} rounds of {batch} encodes each; time per encode (mean), \
         and that time over otel-expfmt protobuf's in the same round",
        plan.id
    );
    for i in 0..n {
        let mean = totals[i].as_secs_f64() * 1e3 / (rounds * batch) as f64;
        let ratio = if i == 0 {
            String::new()
        } else {
            summary(&mut ratios[i])
        };
        println!("  {:<55} {mean:>9.4} ms  {ratio}", contestants[i].0);
    }
}

/// Median, quartiles and extremes of the per-round ratios.
fn summary(samples: &mut [f64]) -> String {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    format!(
        "median {:.2}x, quartiles {:.2}x..{:.2}x, range {:.2}x..{:.2}x",
        at(0.5),
        at(0.25),
        at(0.75),
        samples[0],
        samples[samples.len() - 1],
    )
}
