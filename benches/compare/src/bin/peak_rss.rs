//! Peak memory of one scrape, per contestant (Linux: `/proc/self/status`).
//!
//! `cargo run --release -p otel-expfmt-compare --bin peak_rss -- <contestant> [w1|w2|w3]`
//! with contestant one of `opentelemetry_prometheus`, `prometheus_client`,
//! `otel_expfmt` (encode alone) or `otel_expfmt_scrape` (collect + encode through `PrometheusReader`).
//!
//! After setup (recording every measurement), the peak RSS is reset to the
//! current RSS, one scrape runs into a fresh buffer, and the growth of the
//! peak over the baseline is printed; then again for a second scrape into the
//! reused buffer (the steady state of a server that keeps its buffer).
//!
//! RSS rarely shrinks (the allocator keeps freed pages), so the second
//! scrape's RSS growth understates its transient memory. A counting global
//! allocator therefore also reports the heap's peak above the live bytes
//! before each scrape, and the number of allocations the scrape made.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use otel_expfmt::Format;
use otel_expfmt_compare::{reset_peak_rss, rss_kib, OtelPrometheus, Ours, PromClient};

/// The system allocator, counting live bytes, their peak, and allocations.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        grew(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        grew(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` was allocated by `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        // Count the worst case of a moving realloc: old and new blocks both live.
        grew(new_size);
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: as for `dealloc`; `new_size` is valid per the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn measure(label: &str, mut scrape: impl FnMut() -> usize) {
    for pass in ["first scrape, new buffer", "second scrape, reused buffer"] {
        assert!(
            reset_peak_rss(),
            "cannot reset the peak RSS (/proc/self/clear_refs)"
        );
        let (_, before) = rss_kib().expect("reading /proc/self/status");
        let live_before = LIVE.load(Relaxed);
        PEAK.store(live_before, Relaxed);
        let allocations_before = ALLOCATIONS.load(Relaxed);
        let bytes = scrape();
        let heap_peak = PEAK.load(Relaxed) - live_before;
        let heap_kept = LIVE.load(Relaxed) as isize - live_before as isize;
        let allocations = ALLOCATIONS.load(Relaxed) - allocations_before;
        let (peak, after) = rss_kib().expect("reading /proc/self/status");
        println!("{label}: {pass}: output {bytes} B");
        println!(
            "  heap: peak +{} KiB over the live bytes before, {:+} KiB kept after, {allocations} allocations",
            heap_peak / 1024,
            heap_kept / 1024
        );
        println!(
            "  RSS:  before {before} KiB, peak {peak} KiB (+{} KiB), after {after} KiB",
            peak.saturating_sub(before)
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let contestant = args
        .next()
        .unwrap_or_else(|| "opentelemetry_prometheus".into());
    let plan = &otel_expfmt_compare::standard_workload(args.next().as_deref(), "w3");
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
