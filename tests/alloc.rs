//! Allocation counts are deterministic, so they can be asserted: after two
//! warm-up calls, encoding a snapshot of unchanged shape allocates nothing
//! (whether it is replayed or, when the snapshot differs in more than its
//! values, encoded in full), and a `PrometheusReader` scrape allocates no
//! more than the SDK's own collect does, also when it compresses its body
//! (`gzip` feature: the compressor's state and output buffer are reused).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

use common::{provider_with, snapshot};
use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader as _;
use opentelemetry_sdk::metrics::{SdkMeterProvider, Temporality};
use opentelemetry_sdk::Resource;
use otel_expfmt::{
    negotiate, Config, Encoder, Escaping, Format, Negotiated, PrometheusReader, ResourceSelector,
};

struct Counting;

thread_local! {
    /// Set on the thread being measured only: the test harness's own thread
    /// (reporting another test that just finished) allocates at any time,
    /// and under load that used to land inside a measurement.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes allocated minus bytes freed by the measured thread.
static LIVE: AtomicI64 = AtomicI64::new(0);
/// The highest `LIVE` reached during the measurement.
static PEAK: AtomicI64 = AtomicI64::new(0);

fn grow(bytes: i64) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn counting() -> bool {
    // A `const`-initialised `Cell<bool>` needs no lazy set-up and no
    // destructor: reading it never allocates.
    COUNTING.get()
}

// SAFETY-free: delegates to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            grow(layout.size() as i64);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counting() {
            LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            // A reallocation may hold both blocks at once: counted as such.
            grow(new_size as i64);
            LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Held by every test of this file, so that they run one at a time and
/// count only their own allocations.
static SERIAL: Mutex<()> = Mutex::new(());

/// Counts the allocations `f` makes on this thread (the caller holds
/// `SERIAL`). Allocations on other threads are deliberately not counted;
/// none of the measured paths uses another thread.
fn count(f: impl FnOnce()) -> u64 {
    measure(f).0
}

/// The allocations `f` makes on this thread, and the bytes it leaves
/// allocated (negative: freed) on this thread.
fn measure(f: impl FnOnce()) -> (u64, i64) {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    COUNTING.set(true);
    f();
    COUNTING.set(false);
    (
        ALLOCATIONS.load(Ordering::SeqCst),
        LIVE.load(Ordering::SeqCst),
    )
}

#[test]
fn warmed_up_encoder_allocates_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let resource = Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "shop"),
            KeyValue::new("host.name", "h1"),
        ])
        .build();
    let (p, r) = provider_with(resource, Temporality::Cumulative, |b| b);
    let m = p.meter("app");
    let c = m
        .u64_counter("requests")
        .with_unit("{request}")
        .with_description("Requests \"served\".")
        .build();
    let g = m.f64_gauge("temperature").with_unit("Cel").build();
    let h = m.f64_histogram("latency").with_unit("s").build();
    let u = m.i64_up_down_counter("queue").build();
    for i in 0..50 {
        let attrs = [
            KeyValue::new("route", format!("/r/{i}")),
            KeyValue::new("method", if i % 2 == 0 { "GET" } else { "POST" }),
            KeyValue::new("note", "quote \" backslash \\ newline \n"),
            KeyValue::new("a.b", "merge"),
            KeyValue::new("a_b", "me"),
            KeyValue::new(
                "tags",
                opentelemetry::Value::Array(opentelemetry::Array::String(vec![
                    "x".into(),
                    "y\"".into(),
                ])),
            ),
        ];
        c.add(i, &attrs);
        g.record(i as f64 / 3.0, &attrs);
        h.record(i as f64 / 7.0, &attrs);
        u.add(-(i as i64), &attrs);
    }
    let rm = snapshot(&r);
    let keys: std::collections::HashSet<opentelemetry::Key> =
        ["service.name".into()].into_iter().collect();
    for format in [
        Format::PrometheusText,
        Format::OpenMetrics,
        Format::PrometheusProtobuf,
    ] {
        let config = Config::default()
            .with_resource_selector(ResourceSelector::KeyAllowList(keys.clone()))
            .with_created_timestamps(true);
        let mut encoder = Encoder::new(config);
        let mut out = Vec::new();
        for _ in 0..2 {
            out.clear();
            encoder.encode_with(&rm, format, Escaping::Underscores, &mut out);
        }
        let warm = out.clone();
        let n = count(|| {
            out.clear();
            encoder.encode_with(&rm, format, Escaping::Underscores, &mut out);
        });
        assert_eq!(out, warm);
        assert_eq!(n, 0, "{format:?}: allocations in a warmed-up encode");
    }
}

/// Two snapshots of one shape whose attribute values differ: encoding them in
/// turn can never replay the previous one, so every call is a full encode.
#[test]
fn warmed_up_full_encodes_allocate_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let snapshots: Vec<_> = ["/a", "/b"]
        .into_iter()
        .map(|prefix| {
            // `sizes` is an exponential histogram: native in protobuf.
            let (p, r) = provider_with(resource(), Temporality::Cumulative, |b| {
                b.with_view(|i: &opentelemetry_sdk::metrics::Instrument| {
                    (i.name() == "sizes").then(|| {
                        opentelemetry_sdk::metrics::Stream::builder()
                            .with_aggregation(
                                opentelemetry_sdk::metrics::Aggregation::Base2ExponentialHistogram {
                                    max_size: 160,
                                    max_scale: 20,
                                    record_min_max: false,
                                },
                            )
                            .build()
                            .expect("valid stream")
                    })
                })
            });
            let m = p.meter("app");
            let c = m.u64_counter("requests").build();
            let h = m.f64_histogram("latency").with_unit("s").build();
            let e = m.f64_histogram("sizes").with_unit("By").build();
            for i in 0..40 {
                let attrs = [KeyValue::new("route", format!("{prefix}/{i}"))];
                c.add(i, &attrs);
                h.record(i as f64 / 7.0, &attrs);
                e.record(f64::from(i as u32) * 1.5 - 20.0, &attrs);
                e.record(f64::from(i as u32).powi(3), &attrs);
            }
            (p, snapshot(&r))
        })
        .collect();
    for format in [
        Format::PrometheusText,
        Format::OpenMetrics,
        Format::PrometheusProtobuf,
    ] {
        let mut encoder = Encoder::new(Config::default());
        let mut out = Vec::new();
        for _ in 0..2 {
            for (_, rm) in &snapshots {
                out.clear();
                encoder.encode_with(rm, format, Escaping::Underscores, &mut out);
            }
        }
        for (i, (_, rm)) in snapshots.iter().enumerate() {
            let mut fresh = Vec::new();
            Encoder::new(Config::default()).encode_with(
                rm,
                format,
                Escaping::Underscores,
                &mut fresh,
            );
            let n = count(|| {
                out.clear();
                encoder.encode_with(rm, format, Escaping::Underscores, &mut out);
            });
            assert_eq!(out, fresh, "{format:?} snapshot {i}");
            assert_eq!(
                n, 0,
                "{format:?} snapshot {i}: allocations in a warmed-up full encode"
            );
        }
    }
}

fn resource() -> Resource {
    Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "shop"),
            KeyValue::new("host.name", "h1"),
        ])
        .build()
}

/// The same instruments and measurements on any provider: every instrument
/// kind, two scopes, 40 attribute sets.
fn record(meter: &Meter, other: &Meter) {
    let c = meter.u64_counter("requests").with_unit("{request}").build();
    let g = meter.f64_gauge("temperature").with_unit("Cel").build();
    let h = meter.f64_histogram("latency").with_unit("s").build();
    let u = other.i64_up_down_counter("queue").build();
    let e = other
        .f64_histogram("size")
        .with_boundaries(vec![1.0, 10.0, 100.0])
        .build();
    for i in 0..40 {
        let attrs = [
            KeyValue::new("method", if i % 2 == 0 { "GET" } else { "POST" }),
            KeyValue::new("route", format!("/r/{i}")),
        ];
        c.add(i, &attrs);
        g.record(i as f64 / 3.0, &attrs);
        h.record(i as f64 / 7.0, &attrs);
        u.add(-(i as i64), &attrs);
        e.record(i as f64 * 2.5, &attrs);
    }
}

fn meters(p: &SdkMeterProvider) -> (Meter, Meter) {
    (p.meter("app"), p.meter("lib"))
}

/// The fewest allocations `f` makes over three calls. The SDK's collect
/// occasionally makes one more allocation than usual (its hash maps are
/// randomly seeded); an allocation the reader adds would show in every call.
fn fewest(mut f: impl FnMut()) -> u64 {
    (0..3).map(|_| count(&mut f)).min().unwrap_or(0)
}

#[test]
fn reader_allocates_no_more_than_the_sdk_collect() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());

    // The bare SDK collect into a reused snapshot, on a provider of the same shape.
    let (bare, manual) = provider_with(resource(), Temporality::Cumulative, |b| b);
    let (m1, m2) = meters(&bare);
    record(&m1, &m2);
    let mut rm = ResourceMetrics::default();
    for _ in 0..2 {
        manual.collect(&mut rm).unwrap();
    }
    let collect = fewest(|| manual.collect(&mut rm).unwrap());
    assert!(collect > 0, "the SDK's collect is expected to allocate");

    let reader = PrometheusReader::new(Config::default());
    let provider = SdkMeterProvider::builder()
        .with_resource(resource())
        .with_reader(reader.clone())
        .build();
    let (m1, m2) = meters(&provider);
    record(&m1, &m2);

    #[allow(unused_mut)]
    let mut negotiated = vec![
        Negotiated::new(Format::PrometheusText, Escaping::Underscores),
        negotiate(Some("application/openmetrics-text; version=1.0.0")),
    ];
    #[cfg(feature = "gzip")]
    for n in negotiated.clone() {
        negotiated.push(n.with_encoding(otel_expfmt::ContentEncoding::Gzip));
    }
    for n in negotiated {
        let mut out = Vec::new();
        for _ in 0..2 {
            out.clear();
            reader.encode_negotiated(n, &mut out).unwrap();
        }
        let warm = out.clone();
        let encode = fewest(|| {
            out.clear();
            reader.encode_negotiated(n, &mut out).unwrap();
        });
        assert_eq!(out, warm);
        assert!(
            encode <= collect,
            "{n:?}: encode allocated {encode} times, the SDK collect alone {collect}"
        );

        for _ in 0..2 {
            reader.scrape(n, |body| body.len()).unwrap();
        }
        let scrape = fewest(|| {
            reader.scrape(n, |body| assert_eq!(body, warm)).unwrap();
        });
        assert!(
            scrape <= collect,
            "{n:?}: scrape allocated {scrape} times, the SDK collect alone {collect}"
        );

        let mut sink = Vec::with_capacity(warm.len());
        for _ in 0..2 {
            sink.clear();
            reader.write_to(n, &mut sink).unwrap();
        }
        let write = fewest(|| {
            sink.clear();
            reader.write_to(n, &mut sink).unwrap();
        });
        assert_eq!(sink, warm);
        assert!(
            write <= collect,
            "{n:?}: write_to allocated {write} times, the SDK collect alone {collect}"
        );
        eprintln!("{n:?}: allocations: SDK collect {collect}, encode {encode}, scrape {scrape}, write_to {write}");
    }
}

/// A snapshot of `counters` × 100 counter series whose label values are
/// about 100 bytes long: 50 counters need a few MiB of scratch space.
fn counters_snapshot(counters: usize) -> ResourceMetrics {
    let (p, r) = provider_with(resource(), Temporality::Cumulative, |b| b);
    let m = p.meter("app");
    for i in 0..counters {
        let c = m.u64_counter(format!("requests.c{i}")).build();
        for set in 0..100 {
            let route = format!("/api/{set}/{}", "x".repeat(90));
            c.add(set, &[KeyValue::new("route", route)]);
        }
    }
    snapshot(&r)
}

/// After one outsized snapshot, the encoder keeps its scratch space for
/// eight more encodes (a size that comes back within eight encodes must not
/// be freed and regrown), then frees it; the next encode allocates what it
/// needs again, and from then on nothing.
#[test]
fn scratch_space_is_freed_eight_encodes_after_an_outlier() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let big = counters_snapshot(50);
    let small = counters_snapshot(1);
    let mut encoder = Encoder::new(Config::default());
    let mut out = Vec::new();
    let mut encode = |encoder: &mut Encoder, rm: &ResourceMetrics| {
        measure(|| {
            out.clear();
            encoder.encode(rm, Format::PrometheusText, &mut out);
        })
    };
    encode(&mut encoder, &big);
    encode(&mut encoder, &big);
    // The first small encodes run in the big scratch space and free
    // nothing. (The first may allocate a few hundred bytes: the first point
    // of each label plan goes through the general label path, whose buffers
    // were sized by the big snapshot's first point; which point comes first
    // follows the SDK's hash order, and a longer route value grows them.)
    for i in 1..8 {
        let (_, live) = encode(&mut encoder, &small);
        assert!(live >= 0, "small encode {i} freed {} bytes", -live);
    }
    // The eighth sees only small sizes in its window: it frees the space.
    let (allocations, freed) = encode(&mut encoder, &small);
    assert_eq!(allocations, 0);
    assert!(
        freed < -(2 << 20),
        "the eighth small encode freed {} bytes",
        -freed
    );
    let (allocations, grown) = encode(&mut encoder, &small);
    assert!(allocations > 0, "the next encode grows its scratch again");
    assert!(grown < 1 << 20, "{grown} bytes for a 100-series snapshot");
    for _ in 0..20 {
        assert_eq!(encode(&mut encoder, &small), (0, 0));
    }
    // Freed and regrown, the encoder still writes what a fresh one writes.
    let mut again = Vec::new();
    encoder.encode(&small, Format::PrometheusText, &mut again);
    let mut fresh = Vec::new();
    Encoder::new(Config::default()).encode(&small, Format::PrometheusText, &mut fresh);
    assert!(!fresh.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&fresh)
    );
}

/// Big and small snapshots in turn: the big size recurs within the window,
/// so the scratch space is kept and nothing is allocated or freed.
#[test]
fn alternating_sizes_keep_their_scratch_space() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let big = counters_snapshot(50);
    let small = counters_snapshot(1);
    let mut encoder = Encoder::new(Config::default());
    let mut out = Vec::new();
    for rm in [&big, &small, &big, &small] {
        out.clear();
        encoder.encode(rm, Format::PrometheusText, &mut out);
    }
    let (allocations, live) = measure(|| {
        for round in 0..40 {
            out.clear();
            let rm = if round % 2 == 0 { &big } else { &small };
            encoder.encode(rm, Format::PrometheusText, &mut out);
        }
    });
    assert_eq!((allocations, live), (0, 0));
}

/// The most bytes `f` held allocated at once on this thread (beyond what
/// was allocated before it started).
fn peak(f: impl FnOnce()) -> i64 {
    measure(f);
    PEAK.load(Ordering::SeqCst)
}

/// Many metric streams sharing one long description (a `&'static str`, as
/// instruments usually get): the description costs its size once, not once
/// per stream (for the scratch space, the order of families and the replay
/// print). Peak memory stays in proportion to the output plus the
/// snapshot's distinct text.
#[test]
fn a_description_shared_by_many_streams_costs_its_size_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const MIB: usize = 1 << 20;
    let description: &'static str = Box::leak("d".repeat(MIB).into_boxed_str());
    let (p, r) = provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        |b| b,
    );
    // 300 streams of one family: one per scope, all named `jobs`.
    for i in 0..300 {
        p.meter_with_scope(opentelemetry::InstrumentationScope::builder(format!("s{i}")).build())
            .u64_counter("jobs")
            .with_description(description)
            .build()
            .add(1, &[]);
    }
    let rm = snapshot(&r);
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut encoder = Encoder::new(Config::default());
        // First encode (full, records the print), then a replayed one.
        for pass in 0..2 {
            let mut out = Vec::new();
            let bytes = peak(|| {
                encoder.encode_with(&rm, format, Escaping::Underscores, &mut out);
            });
            // One HELP line: the body is the description plus 300 short lines.
            assert!(
                out.len() < MIB + 100 * 1024,
                "{format:?} body {}",
                out.len()
            );
            // Held at once: the output, the description in the scratch
            // space and in the print (about three times body plus distinct
            // text); each buffer grows by doubling, so it may hold up to
            // twice what it uses, and briefly both blocks while it grows.
            // Without sharing it was 300 copies in each: about 900 MiB.
            let bound = 4 * (out.len() + MIB);
            assert!(
                bytes < bound as i64,
                "{format:?} pass {pass}: peak {bytes} bytes for a {} byte body",
                out.len()
            );
        }
    }
}
