//! Allocation counts are deterministic, so they can be asserted: after two
//! warm-up calls, encoding a snapshot of unchanged shape allocates nothing.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{provider_with, snapshot};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::Resource;
use otel_expfmt::{Config, Encoder, Escaping, Format, ResourceSelector};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY-free: delegates to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts the allocations `f` makes on this thread's behalf (tests in this
/// file run one at a time: there is only one).
fn count(f: impl FnOnce()) -> u64 {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    f();
    COUNTING.store(false, Ordering::SeqCst);
    ALLOCATIONS.load(Ordering::SeqCst)
}

#[test]
fn warmed_up_encoder_allocates_nothing() {
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
        ];
        c.add(i, &attrs);
        g.record(i as f64 / 3.0, &attrs);
        h.record(i as f64 / 7.0, &attrs);
        u.add(-(i as i64), &attrs);
    }
    let rm = snapshot(&r);
    let keys: std::collections::HashSet<opentelemetry::Key> =
        ["service.name".into()].into_iter().collect();
    for format in [Format::PrometheusText, Format::OpenMetrics] {
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
