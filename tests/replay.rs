//! The steady-state fast path ("replay", `src/encode/replay.rs`): an encoder
//! that has encoded earlier snapshots must write exactly what a fresh encoder
//! writes, whatever changed in between. Recordings, collections and formats
//! are generated; after every collection the long-lived encoder is compared
//! with a new one, byte for byte and stat for stat.

mod common;

use common::*;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, Stream};
use opentelemetry_sdk::Resource;
use otel_expfmt::{Config, DropReason, EncodeStats, Encoder, Escaping, Format};
use proptest::prelude::*;

/// What a step of a run does.
#[derive(Clone, Debug)]
enum Step {
    /// Record `value` into instrument `instrument` with attribute set `set`.
    Record {
        instrument: usize,
        set: usize,
        value: f64,
    },
    /// Collect, then encode in format/escaping number `how` with the
    /// long-lived encoder and with a fresh one.
    Scrape { how: usize },
}

const SETS: usize = 4;
const HOWS: [(Format, Escaping); 5] = [
    (Format::PrometheusText, Escaping::Underscores),
    (Format::OpenMetrics, Escaping::Underscores),
    (Format::OpenMetrics, Escaping::AllowUtf8),
    (Format::PrometheusProtobuf, Escaping::Underscores),
    (Format::PrometheusProtobuf, Escaping::AllowUtf8),
];

fn attributes(set: usize) -> Vec<KeyValue> {
    match set {
        0 => vec![],
        1 => vec![KeyValue::new("method", "GET")],
        // Two attributes given unsorted: the SDK hands them over in either order.
        2 => vec![
            KeyValue::new("status", 200),
            KeyValue::new("method", "P\"U\\T\n"),
        ],
        _ => vec![
            KeyValue::new("le", "x"),
            KeyValue::new("a.b", true),
            KeyValue::new("a_b", 1.5),
        ],
    }
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..1e6f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-2.5),
        1 => Just(0.0),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..9usize, 0..SETS, value()).prop_map(|(instrument, set, value)| Step::Record {
            instrument,
            set,
            value
        }),
        2 => (0..HOWS.len()).prop_map(|how| Step::Scrape { how }),
    ]
}

fn run(
    steps: &[Step],
    config: Config,
    stable: bool,
    exponential: bool,
) -> Result<(), TestCaseError> {
    let (provider, reader) = provider_with(
        Resource::builder_empty()
            .with_attribute(KeyValue::new("service.name", "svc"))
            .build(),
        opentelemetry_sdk::metrics::Temporality::Cumulative,
        |b| {
            // One histogram with other bounds; one exponential histogram,
            // which is never replayed.
            b.with_view(|i: &Instrument| {
                (i.name() == "h.custom").then(|| {
                    Stream::builder()
                        .with_aggregation(Aggregation::ExplicitBucketHistogram {
                            boundaries: vec![-1.0, 0.5, 10.0],
                            record_min_max: false,
                        })
                        .build()
                        .expect("view")
                })
            })
            .with_view(exponential_view)
        },
    );
    let meter = provider.meter("app");
    let other = provider.meter("other");
    let u_counter = meter.u64_counter("requests").with_unit("1").build();
    let f_counter = meter.f64_counter("energy").with_unit("J").build();
    // A second stream of the same name and kind: duplicate series.
    let f_counter_twin = other.f64_counter("energy").with_unit("J").build();
    let updown = meter.i64_up_down_counter("queue").build();
    let gauge = meter
        .f64_gauge("temperature")
        .with_description("°C \\ \"now\"")
        .build();
    let histogram = meter.f64_histogram("latency").with_unit("s").build();
    let custom = meter.f64_histogram("h.custom").build();
    let exp = meter.f64_histogram("h.exp").build();
    let u_gauge = other.u64_gauge("size").build();

    let mut long_lived = Encoder::new(config.clone());
    let mut out = Vec::new();
    // The format and escaping of the previous scrape, when nothing was
    // recorded since and the long-lived encoder then replayed or kept a
    // print of that snapshot: the same scrape again must replay.
    let mut replayable: Option<(Format, Escaping)> = None;
    let mut exponential_recorded = false;
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::Record {
                instrument,
                set,
                value,
            } => {
                replayable = None;
                let attrs = attributes(set);
                let whole = if value.is_finite() {
                    value.abs() as u64
                } else {
                    7
                };
                match instrument {
                    0 => u_counter.add(whole, &attrs),
                    1 => f_counter.add(value, &attrs),
                    2 => f_counter_twin.add(value, &attrs),
                    3 => updown.add(whole as i64 - 3, &attrs),
                    4 => gauge.record(value, &attrs),
                    5 => histogram.record(value, &attrs),
                    6 => custom.record(value, &attrs),
                    7 if exponential && value.is_finite() => {
                        exponential_recorded = true;
                        exp.record(value.clamp(-1e6, 1e6), &attrs)
                    }
                    _ => u_gauge.record(whole, &attrs),
                }
            }
            Step::Scrape { how } => {
                let (format, escaping) = HOWS[how];
                // `stable`: every scrape in the same format, so most of them replay.
                let (format, escaping) = if stable { HOWS[1] } else { (format, escaping) };
                let rm = snapshot(&reader);
                out.clear();
                let got = long_lived.encode_with(&rm, format, escaping, &mut out);
                let mut want_out = Vec::new();
                let want =
                    Encoder::new(config.clone()).encode_with(&rm, format, escaping, &mut want_out);
                prop_assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&want_out),
                    "step {} ({:?} {:?})",
                    i,
                    format,
                    escaping
                );
                prop_assert_eq!(got, want, "stats at step {}", i);
                let misses = debug_field(&long_lived, "misses");
                if replayable == Some((format, escaping)) {
                    prop_assert_eq!(misses, 0, "no replay at step {}", i);
                }
                // A full encode keeps a print unless the snapshot holds an
                // exponential histogram, duplicate series or counters
                // OpenMetrics refuses, or it follows four or more full
                // encodes in a row (then only every sixteenth does).
                let clean = !exponential_recorded
                    && got.dropped(DropReason::DuplicateSeries) == 0
                    && got.dropped(DropReason::InvalidCounterValue) == 0;
                let kept = misses == 0 || (clean && (misses <= 4 || misses % 16 == 0));
                replayable = kept.then_some((format, escaping));
            }
        }
    }
    Ok(())
}

/// Instrument `h.exp` aggregated as a base-2 exponential histogram.
fn exponential_view(i: &Instrument) -> Option<Stream> {
    (i.name() == "h.exp").then(|| {
        Stream::builder()
            .with_aggregation(Aggregation::Base2ExponentialHistogram {
                max_size: 20,
                max_scale: 5,
                record_min_max: false,
            })
            .build()
            .expect("view")
    })
}

/// The number after `name: ` in the encoder's `Debug` output: `misses` is 0
/// right after a replay and at least 1 after a full encode; `print_bytes`
/// is the size of the print kept for the next replay.
fn debug_field(e: &Encoder, name: &str) -> usize {
    let debug = format!("{e:?}");
    let at = debug.find(&format!("{name}: ")).expect(name) + name.len() + 2;
    let digits: String = debug[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect(name)
}

/// Encodes `rm` with `long_lived` and with a fresh encoder of `config`,
/// asserts that both wrote the same, and that `long_lived` replayed exactly
/// when `replays`; returns its stats.
fn encode_and_compare(
    long_lived: &mut Encoder,
    config: &Config,
    rm: &ResourceMetrics,
    format: Format,
    replays: bool,
    what: &str,
) -> EncodeStats {
    let mut got = Vec::new();
    let stats = long_lived.encode(rm, format, &mut got);
    let mut want = Vec::new();
    Encoder::new(config.clone()).encode(rm, format, &mut want);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want),
        "{what}"
    );
    let misses = debug_field(long_lived, "misses");
    assert_eq!(misses == 0, replays, "{what}: misses {misses}");
    stats
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases(64)))]

    #[test]
    fn a_long_lived_encoder_writes_what_a_fresh_one_writes(
        steps in prop::collection::vec(step(), 1..60),
        created in any::<bool>(),
        stable in any::<bool>(),
        exponential in any::<bool>(),
    ) {
        let config = Config::default().with_created_timestamps(created);
        run(&steps, config, stable, exponential)?;
    }
}

/// The values of a steady state change between scrapes, nothing else, so
/// the long-lived encoder replays: histogram buckets move, and a counter
/// goes negative (OpenMetrics drops that series) and back.
#[test]
fn values_moving_between_scrapes_are_written() {
    let record = |instrument, set, value| Step::Record {
        instrument,
        set,
        value,
    };
    let scrape = Step::Scrape { how: 1 };
    let mut steps = vec![
        record(0, 1, 1.0),
        record(4, 2, 20.5),
        record(5, 1, 0.2),
        record(6, 0, 3.0),
        record(1, 3, 3.0),
        scrape.clone(),
    ];
    for (i, value) in [0.7, 12.0, -3.0, 0.2].into_iter().enumerate() {
        steps.extend([
            record(5, 1, value),
            record(6, 0, value * 2.0),
            record(0, 1, i as f64),
            scrape.clone(),
        ]);
    }
    steps.extend([
        record(1, 3, -10.0),
        scrape.clone(),
        scrape.clone(),
        record(1, 3, 20.0),
        scrape.clone(),
        record(4, 2, f64::NAN),
        scrape,
        Step::Scrape { how: 0 },
        Step::Scrape { how: 0 },
    ]);
    run(&steps, Config::default(), true, false).unwrap();
}

/// One encoder, snapshots of two providers that differ only in an attribute
/// value, a description, a unit or histogram bounds: the same number of
/// scopes, metrics and points in the same places, so only the print's
/// contents can tell them apart.
#[test]
fn snapshots_of_one_shape_from_different_providers_are_not_confused() {
    type Variant = (&'static str, &'static str, &'static str, Vec<f64>);
    let variants: [Variant; 5] = [
        ("GET", "Requests.", "s", vec![1.0, 2.0]),
        ("PUT", "Requests.", "s", vec![1.0, 2.0]),
        ("PUT", "Requests!", "s", vec![1.0, 2.0]),
        ("PUT", "Requests!", "ms", vec![1.0, 2.0]),
        ("PUT", "Requests!", "ms", vec![1.0, 3.0]),
    ];
    let snapshots: Vec<_> = variants
        .iter()
        .map(|(method, description, unit, bounds)| {
            let (provider, reader) = provider();
            let meter = provider.meter("app");
            let attrs = [KeyValue::new("method", *method)];
            meter
                .u64_counter("requests")
                .with_description(*description)
                .build()
                .add(1, &attrs);
            meter
                .f64_histogram("latency")
                .with_unit(*unit)
                .with_boundaries(bounds.clone())
                .build()
                .record(1.5, &attrs);
            (provider, snapshot(&reader))
        })
        .collect();
    let mut long_lived = Encoder::new(Config::default());
    // Forwards, backwards and each twice in a row (the second one replays).
    let order = (0..snapshots.len())
        .chain((0..snapshots.len()).rev())
        .flat_map(|i| [i, i]);
    for i in order {
        let rm = &snapshots[i].1;
        let mut got = Vec::new();
        long_lived.encode_with(rm, Format::OpenMetrics, Escaping::Underscores, &mut got);
        let mut want = Vec::new();
        Encoder::new(Config::default()).encode_with(
            rm,
            Format::OpenMetrics,
            Escaping::Underscores,
            &mut want,
        );
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap(),
            "variant {i}"
        );
    }
}

/// A snapshot whose print is large (over the 256 KiB above which the replay
/// reads each metric's attributes ahead of comparing them): values move and
/// replay, then a series appears in the last metric (a full encode), then
/// values move again (a replay); every encode matches a fresh encoder's.
/// The encoder's `Debug` output tells whether it replayed and how large its
/// print is.
#[test]
fn a_large_snapshot_replays_and_notices_a_late_change() {
    let (provider, reader) = provider();
    let meter = provider.meter("app");
    let counters: Vec<_> = (0..30)
        .map(|i| meter.u64_counter(format!("requests.c{i}")).build())
        .collect();
    // 30 × 100 series with ~100-byte attribute values: a print of ~430 KB.
    let attrs = |set: usize, tag: &str| {
        [
            KeyValue::new("route", format!("/api/{set}/{}", "x".repeat(90))),
            KeyValue::new("tag", tag.to_string()),
        ]
    };
    let record = |round: u64, late_tag: &str| {
        for (i, c) in counters.iter().enumerate() {
            for set in 0..100 {
                let tag = if i == 29 && set == 99 { late_tag } else { "a" };
                c.add(round + set as u64, &attrs(set, tag));
            }
        }
    };
    let mut long_lived = Encoder::new(Config::default());
    let field = debug_field;
    let mut check = |step: &str, replayed: bool| {
        let rm = snapshot(&reader);
        let mut got = Vec::new();
        long_lived.encode(&rm, Format::PrometheusText, &mut got);
        let mut want = Vec::new();
        Encoder::new(Config::default()).encode(&rm, Format::PrometheusText, &mut want);
        assert!(got == want, "{step}: the long-lived encoder differs");
        let print = field(&long_lived, "print_bytes");
        assert!(print > 256 * 1024, "{step}: print of {print} bytes");
        // `misses` is 0 right after a replay, at least 1 after a full encode.
        let misses = field(&long_lived, "misses");
        assert_eq!(misses == 0, replayed, "{step}: misses {misses}");
    };
    for round in 1..4 {
        record(round, "a");
        check(&format!("round {round}"), round > 1);
    }
    record(4, "b"); // a new series in the last metric
    check("new series", false);
    record(5, "b");
    check("after the new series", true);
}

/// Long descriptions shared by several metrics are printed once and later
/// compared by content: a snapshot where one of them differs (same length,
/// last byte changed) is no replay, the same one again is, and every encode
/// matches a fresh one.
#[test]
fn shared_long_descriptions_are_compared_by_content() {
    let shared: &'static str =
        Box::leak(format!("{}.", "Shared help ".repeat(20)).into_boxed_str());
    let changed: &'static str =
        Box::leak(format!("{}!", "Shared help ".repeat(20)).into_boxed_str());
    let snapshot_with = |second: &'static str| {
        let (provider, reader) = provider();
        let meter = provider.meter("app");
        for (name, description) in [("a", shared), ("b", second), ("c", shared)] {
            meter
                .u64_counter(name)
                .with_description(description)
                .build()
                .add(1, &[]);
        }
        (provider, snapshot(&reader))
    };
    let snapshots = [snapshot_with(shared), snapshot_with(changed)];
    let mut long_lived = Encoder::new(Config::default());
    // A snapshot encoded again replays; the other one is a full encode.
    for (i, replays) in [
        (0, false),
        (0, true),
        (1, false),
        (1, true),
        (0, false),
        (0, true),
    ] {
        let what = format!("snapshot {i}");
        let config = Config::default();
        let rm = &snapshots[i].1;
        encode_and_compare(
            &mut long_lived,
            &config,
            rm,
            Format::PrometheusText,
            replays,
            &what,
        );
    }
}

/// Records, through the plain-value sink, counters `(name, [(attribute
/// key, value)])`, each point with attribute `key="x"`.
fn counters(encoder: &mut Encoder, metrics: &[(&str, &[(&str, u64)])]) -> String {
    use opentelemetry::Value;
    use otel_expfmt::__private::{MetricInfo, MetricKind, Number, Parts};
    let x = Value::from("x");
    let mut out = Vec::new();
    encoder.encode_parts(
        Format::PrometheusText,
        Escaping::Underscores,
        &mut out,
        |p: &mut Parts<'_>| {
            p.scope("app", None, None, std::iter::empty());
            for &(name, points) in metrics {
                p.metric(MetricInfo {
                    name,
                    description: "",
                    unit: "",
                    kind: MetricKind::Counter,
                    temporality: opentelemetry_sdk::metrics::Temporality::Cumulative,
                    start_time: None,
                });
                for &(key, v) in points {
                    p.number([(key, &x)], Number::U64(v));
                }
            }
        },
    );
    String::from_utf8(out).unwrap()
}

/// Each encode first tries the series order the previous one ended with:
/// reused only if it still names this encode's series, in sorted order.
#[test]
fn the_previous_series_order_is_reused_only_where_it_still_sorts() {
    let config = || Config::default().without_scope_info().without_target_info();
    let check = |before: &[(&str, &[(&str, u64)])], now: &[(&str, &[(&str, u64)])], want: &str| {
        let mut encoder = Encoder::new(config());
        counters(&mut encoder, before);
        assert_eq!(counters(&mut encoder, now), want);
        assert_eq!(counters(&mut Encoder::new(config()), now), want);
    };
    // Before: `b` holds series 0 and 1, `a` series 2; written a, b, so the
    // order was [2, 0, 1]. Now `a` holds series 0 and 1: the first two
    // entries of the old order name a series that no longer exists.
    check(
        &[("b", &[("k", 1), ("l", 2)]), ("a", &[("k", 3)])],
        &[("a", &[("k", 4), ("l", 5)])],
        "# TYPE a_total counter\na_total{k=\"x\"} 4\na_total{l=\"x\"} 5\n",
    );
    // `a.b` and `a/b` are both `a_b`: one series, the smaller value kept.
    // Before, that was the first point; now it is the second.
    check(
        &[("j", &[("a.b", 1), ("a/b", 2)])],
        &[("j", &[("a.b", 2), ("a/b", 1)])],
        "# TYPE j_total counter\nj_total{a_b=\"x\"} 1\n",
    );
}

/// Metrics the full encode leaves out (here an exponential histogram with
/// `ExponentialHistograms::Drop`) are walked past by the replay: a
/// snapshot with one still replays, writes what a fresh encoder writes and
/// counts the drop each time.
#[test]
fn a_metric_left_out_does_not_stop_the_replay() {
    use opentelemetry_sdk::metrics::Temporality;
    use otel_expfmt::ExponentialHistograms;
    let (provider, reader) = provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        |b| b.with_view(exponential_view),
    );
    let meter = provider.meter("app");
    let counter = meter.u64_counter("requests").build();
    let exp = meter.f64_histogram("h.exp").build();
    let config = Config::default().with_exponential_histograms(ExponentialHistograms::Drop);
    let mut long_lived = Encoder::new(config.clone());
    for (round, replays) in [(1, false), (2, true), (3, true)] {
        counter.add(round, &[KeyValue::new("k", "v")]);
        exp.record(round as f64, &[]);
        let rm = snapshot(&reader);
        let what = format!("round {round}");
        let stats = encode_and_compare(
            &mut long_lived,
            &config,
            &rm,
            Format::OpenMetrics,
            replays,
            &what,
        );
        assert_eq!(stats.dropped(DropReason::ExponentialHistogram), 1);
    }
}

/// After four full encodes in a row (snapshots whose shape changes every
/// time), only every sixteenth full encode keeps a print for replaying.
#[test]
fn a_shape_that_keeps_changing_is_printed_only_now_and_then() {
    let (provider, reader) = provider();
    let meter = provider.meter("app");
    let counter = meter.u64_counter("requests").build();
    let mut encoder = Encoder::new(Config::default());
    for k in 1..=20u32 {
        // A new attribute set each time: a new series, so no replay.
        counter.add(1, &[KeyValue::new("k", k.to_string())]);
        let rm = snapshot(&reader);
        encoder.encode(&rm, Format::PrometheusText, &mut Vec::new());
        assert_eq!(debug_field(&encoder, "misses"), k as usize);
        let printed = !format!("{encoder:?}").contains("ready: None");
        assert_eq!(printed, k <= 4 || k % 16 == 0, "full encode {k}");
    }
}

/// Attribute values of equal length that differ only inside (not in their
/// first or last eight bytes) are different snapshots: no replay, and the
/// new value is written. Likewise for values of up to 16 bytes differing
/// in one byte anywhere.
#[test]
fn values_differing_inside_are_noticed() {
    let route = |len: usize, at: usize, c: char| {
        let mut v: Vec<char> = "r".repeat(len).chars().collect();
        v[at] = c;
        v.into_iter().collect::<String>()
    };
    let cases = [(40, 20), (17, 8), (16, 8), (12, 6), (8, 4), (5, 2), (3, 1)];
    for (len, at) in cases {
        let snapshot_with = |value: String| {
            let (provider, reader) = provider();
            provider
                .meter("app")
                .u64_counter("requests")
                .build()
                .add(1, &[KeyValue::new("route", value)]);
            (provider, snapshot(&reader))
        };
        let a = snapshot_with(route(len, at, 'a'));
        let b = snapshot_with(route(len, at, 'b'));
        let mut long_lived = Encoder::new(Config::default());
        for (rm, replays) in [(&a.1, false), (&a.1, true), (&b.1, false)] {
            let (config, what) = (Config::default(), format!("length {len}"));
            encode_and_compare(
                &mut long_lived,
                &config,
                rm,
                Format::PrometheusText,
                replays,
                &what,
            );
        }
    }
}

/// A counter and an up-down counter of one name and number type, with the
/// same attributes and value, are different snapshots (a counter family against a gauge).
#[test]
fn a_counter_and_an_up_down_counter_are_told_apart() {
    let counter = {
        let (provider, reader) = provider();
        let c = provider.meter("app").f64_counter("jobs").build();
        c.add(1.0, &[KeyValue::new("k", "v")]);
        (provider, snapshot(&reader))
    };
    let up_down = {
        let (provider, reader) = provider();
        let c = provider.meter("app").f64_up_down_counter("jobs").build();
        c.add(1.0, &[KeyValue::new("k", "v")]);
        (provider, snapshot(&reader))
    };
    for order in [[&counter.1, &up_down.1], [&up_down.1, &counter.1]] {
        let mut long_lived = Encoder::new(Config::default());
        for (rm, replays) in [(order[0], false), (order[0], true), (order[1], false)] {
            let config = Config::default();
            encode_and_compare(
                &mut long_lived,
                &config,
                rm,
                Format::PrometheusText,
                replays,
                "",
            );
        }
    }
}
