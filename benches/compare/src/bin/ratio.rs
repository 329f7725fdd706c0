//! Full-scrape speed ratio, measured in alternation so that both contestants
//! see the same machine conditions.
//!
//! `cargo run --release -p otel-expfmt-compare --bin ratio -- [w1|w2|w3] [rounds]`
//!
//! Each round times a batch of `opentelemetry-prometheus` scrapes
//! (`registry.gather()` + `TextEncoder`) and a batch of otel-expfmt scrapes
//! (`PrometheusReader::encode`: SDK collect + encode) in the same round, in
//! an order that changes every round (see below). The ratio of the two
//! batch times is one sample; the median, quartiles and extremes of
//! the samples are printed. On a shared machine the absolute times drift
//! between runs far more than this ratio does.
//!
//! A third batch in each round runs only the SDK collect of otel-expfmt's
//! scrape (same provider, same pipeline), the part of the scrape that is
//! not the encoder's. `opentelemetry-prometheus`'s time over it is the
//! ratio an encoder that cost nothing would reach in the same process; it
//! is printed too. The three batches run in all six orders in turn (use a
//! round count divisible by 6 for each order to weigh the same).

use std::hint::black_box;
use std::time::{Duration, Instant};

use opentelemetry_sdk::metrics::data::ResourceMetrics;
use otel_expfmt::Format;
use otel_expfmt_compare::{OtelPrometheus, OursScrape};

fn timed(batch: usize, mut f: impl FnMut()) -> Duration {
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
        .unwrap_or(30);
    // The same number of scrapes per batch on both sides: tens of ms (ours)
    // to hundreds of ms (theirs) per batch.
    let batch = (200_000 / plan.series()).max(2);

    let ours = OursScrape::new(plan);
    let theirs = OtelPrometheus::new(plan);
    let mut buf = Vec::new();
    let mut ours_run = || {
        black_box(ours.scrape(Format::PrometheusText, &mut buf));
    };
    let mut their_buf = Vec::new();
    let mut theirs_run = || {
        theirs.scrape(&mut their_buf);
        black_box(&their_buf);
    };
    let mut snapshot = ResourceMetrics::default();
    let mut collect_run = || {
        ours.collect_only(&mut snapshot);
        black_box(&snapshot);
    };
    // Warm-up: buffers, snapshots and caches reach their steady state.
    timed(batch, &mut ours_run);
    timed(batch, &mut theirs_run);
    timed(batch, &mut collect_run);

    let mut ratio = Vec::with_capacity(rounds);
    let mut ceiling = Vec::with_capacity(rounds);
    let (mut ours_total, mut theirs_total, mut collect_total) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [0, 2, 1],
        [2, 1, 0],
        [1, 0, 2],
    ];
    for round in 0..rounds {
        let mut times = [Duration::ZERO; 3];
        for which in ORDERS[round % ORDERS.len()] {
            times[which] = match which {
                0 => timed(batch, &mut ours_run),
                1 => timed(batch, &mut theirs_run),
                _ => timed(batch, &mut collect_run),
            };
        }
        let [o, t, c] = times;
        ours_total += o;
        theirs_total += t;
        collect_total += c;
        ratio.push(t.as_secs_f64() / o.as_secs_f64());
        ceiling.push(t.as_secs_f64() / c.as_secs_f64());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e3 / (rounds * batch) as f64;
    println!(
        "{}: {rounds} rounds of {batch} scrapes each; otel-expfmt {:.3} ms, \
         opentelemetry-prometheus {:.3} ms, SDK collect alone {:.3} ms per scrape (means)",
        plan.id,
        per(ours_total),
        per(theirs_total),
        per(collect_total),
    );
    println!(
        "full-scrape ratio (opentelemetry-prometheus / otel-expfmt): {}",
        summary(&mut ratio)
    );
    println!(
        "with an encoder that cost nothing (opentelemetry-prometheus / SDK collect): {}",
        summary(&mut ceiling)
    );
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
