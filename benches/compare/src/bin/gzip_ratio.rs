//! Time ratios of the gzip candidates, measured in alternation so that both
//! sides of a ratio see the same machine conditions (a shared machine drifts
//! between criterion runs far more than within one round).
//!
//! `cargo run --release -p otel-expfmt-compare --bin gzip_ratio -- [w1|w2|w3] [rounds]`
//!
//! Each round compresses the workload's text body a batch of times with
//! each candidate, in an order rotated every round, and divides every
//! candidate's batch time by that of `zlib_rs/1`. Prints the median and
//! quartiles of those ratios (above 1: slower than zlib-rs level 1).

use std::time::{Duration, Instant};

use otel_expfmt::Format;
use otel_expfmt_compare::{gzip, Ours};

fn main() {
    let mut args = std::env::args().skip(1);
    let plan = otel_expfmt_compare::standard_workload(args.next().as_deref(), "w3");
    let rounds: usize = args
        .next()
        .map(|n| n.parse().expect("round count"))
        .unwrap_or(30);
    let mut body = Vec::new();
    Ours::new(&plan).encode(Format::PrometheusText, &mut body);
    let batch = (20_000_000 / body.len()).clamp(2, 200);
    let mut candidates = gzip::candidates();
    let mut out = Vec::new();
    // Warm-up: states and buffers reach their steady size.
    for c in &mut candidates {
        c.compress(&body, &mut out);
    }
    let n = candidates.len();
    let mut ratios = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        let mut times = vec![Duration::ZERO; n];
        for k in 0..n {
            let i = (k + round) % n;
            let start = Instant::now();
            for _ in 0..batch {
                candidates[i].compress(&body, &mut out);
            }
            times[i] = start.elapsed();
        }
        for i in 0..n {
            ratios[i].push(times[i].as_secs_f64() / times[0].as_secs_f64());
        }
    }
    println!(
        "{}: {} rounds of {batch} bodies of {} bytes; time / zlib_rs/1 time:",
        plan.id,
        rounds,
        body.len()
    );
    for (c, r) in candidates.iter().zip(&mut ratios) {
        r.sort_by(f64::total_cmp);
        let q = |p: f64| r[((r.len() - 1) as f64 * p).round() as usize];
        println!(
            "  {:<16} median {:.2}  quartiles {:.2}-{:.2}",
            c.name(),
            q(0.5),
            q(0.25),
            q(0.75)
        );
    }
}
