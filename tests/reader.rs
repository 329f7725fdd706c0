//! `PrometheusReader`: lifecycle, errors, the three scrape paths, the buffer
//! shrink policy, compressed bodies (`gzip` feature), one collect shared by
//! concurrent scrapes, and concurrent scrapes while the application records.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

mod common;

use std::collections::HashMap;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, SdkMeterProvider, Temporality};
use otel_expfmt::{
    negotiate_encoding, Config, ContentEncoding, Error, Escaping, Format, Negotiated,
    PrometheusReader,
};

const KIB: usize = 1024;

/// A label set without `le`, sorted.
type SeriesKey = Vec<(String, String)>;

fn provider(reader: &PrometheusReader) -> SdkMeterProvider {
    SdkMeterProvider::builder()
        .with_reader(reader.clone())
        .build()
}

fn om() -> Negotiated {
    Negotiated::new(Format::OpenMetrics, Escaping::Underscores)
}

fn text() -> Negotiated {
    Negotiated::new(Format::PrometheusText, Escaping::Underscores)
}

// ---------------------------------------------------------------------------
// A small independent reader of the exposition, enough for these tests; every
// body also has to pass the crate's strict checker.

#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

impl Sample {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The labels without `le`, as a key to group histogram samples.
    fn series_key(&self) -> SeriesKey {
        let mut labels: Vec<_> = self
            .labels
            .iter()
            .filter(|(k, _)| k != "le")
            .cloned()
            .collect();
        labels.sort();
        labels
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| format!("no value: {line:?}"))?;
    let name = &line[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return Err(format!("bad metric name in {line:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        loop {
            // label name
            let mut key = String::new();
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                key.push(c);
            }
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("bad label name {key:?} in {line:?}"));
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label value not quoted in {line:?}"));
            }
            let mut value = String::new();
            loop {
                match chars.next().map(|(_, c)| c) {
                    Some('"') => break,
                    Some('\\') => match chars.next().map(|(_, c)| c) {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => return Err(format!("bad escape {other:?} in {line:?}")),
                    },
                    Some('\n') | None => return Err(format!("unterminated value in {line:?}")),
                    Some(c) => value.push(c),
                }
            }
            labels.push((key, value));
            match chars.next() {
                Some((_, ',')) if chars.peek().map(|(_, c)| *c) == Some('}') => {
                    let (i, _) = chars.next().unwrap_or((0, '}'));
                    rest = &after[i + 1..];
                    break;
                }
                Some((_, ',')) => {}
                Some((i, '}')) => {
                    rest = &after[i + 1..];
                    break;
                }
                _ => return Err(format!("bad label set in {line:?}")),
            }
        }
    }
    let mut fields = rest
        .strip_prefix(' ')
        .ok_or_else(|| format!("no space before the value in {line:?}"))?
        .split(' ');
    let value = match fields.next().unwrap_or("") {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v
            .parse()
            .map_err(|_| format!("bad value {v:?} in {line:?}"))?,
    };
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Checks what can be checked independently of the encoder's choices and
/// returns the samples.
fn check_body(body: &[u8], format: Format) -> Vec<Sample> {
    if let Err(e) = otel_expfmt::check::check(body, format) {
        panic!(
            "strict checker rejects a scrape: {e}\n{}",
            String::from_utf8_lossy(body)
        );
    }
    let text = std::str::from_utf8(body).expect("body is UTF-8");
    // An empty text 0.0.4 body is valid (nothing recorded yet, no target_info).
    assert!(
        text.ends_with('\n') || (text.is_empty() && format == Format::PrometheusText),
        "body does not end with a newline"
    );
    let mut lines: Vec<&str> = text.lines().collect();
    if format == Format::OpenMetrics {
        assert_eq!(
            lines.pop(),
            Some("# EOF"),
            "OpenMetrics body must end with # EOF"
        );
        assert!(!lines.contains(&"# EOF"), "# EOF before the end");
    }
    let mut types = HashMap::new();
    let mut samples = Vec::new();
    for line in lines {
        if let Some(comment) = line.strip_prefix("# ") {
            if let Some(t) = comment.strip_prefix("TYPE ") {
                let family = t.split(' ').next().unwrap_or("");
                assert!(
                    types.insert(family.to_owned(), ()).is_none(),
                    "two TYPE lines for {family}"
                );
            }
            continue;
        }
        assert!(
            !line.is_empty() || format == Format::PrometheusText,
            "empty line in OpenMetrics"
        );
        if line.is_empty() {
            continue;
        }
        samples.push(parse_sample(line).unwrap_or_else(|e| panic!("{e}")));
    }
    samples
}

fn value_of(samples: &[Sample], name: &str, label: (&str, &str)) -> Option<f64> {
    samples
        .iter()
        .find(|s| s.name == name && s.label(label.0) == Some(label.1))
        .map(|s| s.value)
}

/// Histogram invariants within one body: buckets cumulative and ending in
/// `+Inf`, whose count equals `_count`. Returns the `_count` per series.
fn check_histograms(samples: &[Sample], family: &str) -> HashMap<SeriesKey, f64> {
    let bucket = format!("{family}_bucket");
    let count = format!("{family}_count");
    let mut buckets: HashMap<SeriesKey, Vec<(f64, f64)>> = HashMap::new();
    let mut counts = HashMap::new();
    for s in samples {
        if s.name == bucket {
            let le: f64 = match s.label("le").expect("bucket without le") {
                "+Inf" => f64::INFINITY,
                v => v.parse().expect("le is a number"),
            };
            buckets
                .entry(s.series_key())
                .or_default()
                .push((le, s.value));
        } else if s.name == count {
            counts.insert(s.series_key(), s.value);
        }
    }
    assert_eq!(
        buckets.len(),
        counts.len(),
        "{family}: bucket series vs _count series"
    );
    for (key, mut bs) in buckets {
        bs.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(
            bs.windows(2).all(|w| w[0].1 <= w[1].1),
            "{family}{key:?}: buckets not cumulative: {bs:?}"
        );
        let last = bs.last().expect("at least one bucket");
        assert_eq!(last.0, f64::INFINITY, "{family}{key:?}: no +Inf bucket");
        assert_eq!(
            Some(&last.1),
            counts.get(&key),
            "{family}{key:?}: +Inf bucket != _count (torn snapshot)"
        );
    }
    counts
}

// ---------------------------------------------------------------------------
// Lifecycle and errors (independent of what the encoder writes).

#[test]
fn not_registered_until_passed_to_a_provider() {
    let reader = PrometheusReader::new(Config::default());
    let mut out = b"keep".to_vec();
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut out),
        Err(Error::NotRegistered)
    ));
    assert!(matches!(
        reader.encode_negotiated(om(), &mut out),
        Err(Error::NotRegistered)
    ));
    assert_eq!(out, b"keep", "nothing may be appended on error");
    let mut called = false;
    assert!(matches!(
        reader.scrape(text(), |_| called = true),
        Err(Error::NotRegistered)
    ));
    assert!(!called);
    let mut sink = Vec::new();
    assert!(matches!(
        reader.write_to(text(), &mut sink),
        Err(Error::NotRegistered)
    ));
    assert!(sink.is_empty());
    assert!(format!("{reader:?}").contains("unregistered"));
}

#[test]
fn provider_shutdown_is_reported_as_shutdown() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    provider.meter("m").u64_counter("c").build().add(1, &[]);
    provider.shutdown().expect("first shutdown succeeds");
    let mut out = Vec::new();
    assert!(matches!(
        reader.encode(Format::PrometheusText, &mut out),
        Err(Error::Shutdown)
    ));
    assert!(matches!(
        reader.scrape(om(), |b| b.len()),
        Err(Error::Shutdown)
    ));
    assert!(matches!(
        reader.write_to(om(), &mut out),
        Err(Error::Shutdown)
    ));
    assert!(out.is_empty());
    assert_eq!(reader.buffer_capacity(), 0);
}

#[test]
fn dropping_the_provider_shuts_the_reader_down() {
    let reader = PrometheusReader::default();
    drop(provider(&reader));
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut Vec::new()),
        Err(Error::Shutdown)
    ));
}

#[test]
fn reader_shutdown_is_idempotent_and_reported() {
    let reader = PrometheusReader::default();
    let _provider = provider(&reader);
    let other_handle = reader.clone();
    other_handle.shutdown().expect("shutdown");
    other_handle
        .shutdown()
        .expect("a second shutdown is not an error");
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut Vec::new()),
        Err(Error::Shutdown)
    ));
    // The SDK-facing collect reports it too.
    let mut rm = opentelemetry_sdk::metrics::data::ResourceMetrics::default();
    assert!(reader.collect(&mut rm).is_err());
}

#[test]
fn shut_down_before_registration_stays_shut_down() {
    let reader = PrometheusReader::default();
    reader.shutdown().expect("shutdown");
    let _provider = provider(&reader);
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut Vec::new()),
        Err(Error::Shutdown)
    ));
}

#[test]
fn asks_for_cumulative_temporality_for_every_kind() {
    let reader = PrometheusReader::default();
    for kind in [
        InstrumentKind::Counter,
        InstrumentKind::UpDownCounter,
        InstrumentKind::Histogram,
        InstrumentKind::ObservableCounter,
        InstrumentKind::ObservableUpDownCounter,
        InstrumentKind::Gauge,
        InstrumentKind::ObservableGauge,
    ] {
        assert_eq!(
            reader.temporality(kind),
            Temporality::Cumulative,
            "{kind:?}"
        );
    }
}

/// What the reader's docs say about a panicking callback: the panic reaches
/// the scrape that ran it, the SDK's pipeline lock stays poisoned, every
/// later scrape fails with a typed error (never a panic), and a new provider
/// with a new reader works again.
#[test]
fn panicking_callback_fails_later_scrapes_until_the_provider_is_rebuilt() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let counter = provider.meter("m").u64_counter("c").build();
    counter.add(1, &[]);
    let _gauge = provider
        .meter("m")
        .u64_observable_gauge("g")
        .with_callback(|_| panic!("callback failure"))
        .build();
    let first = catch_unwind(AssertUnwindSafe(|| {
        reader.encode(Format::OpenMetrics, &mut Vec::new())
    }));
    assert!(first.is_err(), "the callback's panic reaches the caller");
    // The SDK's own pipeline lock is poisoned now, so collection keeps
    // failing, but as a typed error rather than a panic.
    for _ in 0..3 {
        let later = reader.encode(Format::OpenMetrics, &mut Vec::new());
        match later {
            Err(Error::Collect(e)) => {
                assert!(e.to_string().contains("Failed to lock pipeline"), "{e}")
            }
            other => panic!("expected the SDK's poisoned-lock error, got {other:?}"),
        }
        counter.add(1, &[]);
    }
    assert!(matches!(
        reader.scrape(om(), |b| b.len()),
        Err(Error::Collect(_))
    ));
    let _ = provider.shutdown();
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut Vec::new()),
        Err(Error::Shutdown)
    ));
    // The remedy the docs name: a new provider with a new reader.
    let reader = PrometheusReader::default();
    let provider = self::provider(&reader);
    provider.meter("m").u64_counter("c").build().add(5, &[]);
    let body = reader
        .scrape(om(), |b| b.to_vec())
        .expect("a fresh provider scrapes");
    assert_eq!(
        value_of(
            &check_body(&body, Format::OpenMetrics),
            "c_total",
            ("otel_scope_name", "m")
        ),
        Some(5.0)
    );
}

/// A reader passed to two providers: without a check, the second provider's
/// metrics were silently missing and dropping the second provider shut the
/// reader down for the first. Every scrape now fails with a typed error.
#[test]
fn a_reader_registered_with_two_providers_refuses_to_scrape() {
    let reader = PrometheusReader::default();
    let first = provider(&reader);
    first.meter("a").u64_counter("first").build().add(1, &[]);
    reader
        .scrape(text(), |b| assert!(!b.is_empty()))
        .expect("one provider: scrapes work");
    let second = provider(&reader);
    second.meter("b").u64_counter("second").build().add(1, &[]);

    let assert_refused = |reader: &PrometheusReader| {
        let mut out = b"keep".to_vec();
        assert!(matches!(
            reader.encode(Format::PrometheusText, &mut out),
            Err(Error::RegisteredTwice)
        ));
        assert!(matches!(
            reader.encode_negotiated(om(), &mut out),
            Err(Error::RegisteredTwice)
        ));
        assert_eq!(out, b"keep", "nothing may be appended on error");
        let mut called = false;
        assert!(matches!(
            reader.scrape(om(), |_| called = true),
            Err(Error::RegisteredTwice)
        ));
        assert!(!called);
        let mut sink = Vec::new();
        assert!(matches!(
            reader.write_to(text(), &mut sink),
            Err(Error::RegisteredTwice)
        ));
        assert!(sink.is_empty());
        // The SDK-facing collect refuses too.
        let mut rm = opentelemetry_sdk::metrics::data::ResourceMetrics::default();
        assert!(reader.collect(&mut rm).is_err());
        assert!(format!("{reader:?}").contains("registered twice"));
    };
    assert_refused(&reader);
    let message = Error::RegisteredTwice.to_string();
    assert!(
        message.contains("more than one meter provider"),
        "{message}"
    );
    // Shutting either provider down does not hide the cause.
    drop(second);
    assert_refused(&reader);
    drop(first);
    assert_refused(&reader);
}

#[test]
fn a_reader_shut_down_before_two_registrations_reports_the_registrations() {
    let reader = PrometheusReader::default();
    reader.shutdown().expect("shutdown");
    let _first = provider(&reader);
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut Vec::new()),
        Err(Error::Shutdown)
    ));
    let _second = provider(&reader);
    assert!(matches!(
        reader.encode(Format::OpenMetrics, &mut Vec::new()),
        Err(Error::RegisteredTwice)
    ));
}

// ---------------------------------------------------------------------------
// Scrape paths (need the encoder).

#[test]
fn counter_values_are_cumulative_in_both_formats() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let counter = provider.meter("m").u64_counter("jobs.done").build();
    let attrs = [KeyValue::new("queue", "a\"b\\c\nd ü")];
    counter.add(3, &attrs);
    for negotiated in [om(), text()] {
        let body = reader.scrape(negotiated, |b| b.to_vec()).expect("scrape");
        let samples = check_body(&body, negotiated.format());
        assert_eq!(
            value_of(&samples, "jobs_done_total", ("queue", "a\"b\\c\nd ü")),
            Some(3.0)
        );
    }
    counter.add(4, &attrs);
    let mut out = Vec::new();
    reader
        .encode(Format::OpenMetrics, &mut out)
        .expect("encode");
    let samples = check_body(&out, Format::OpenMetrics);
    assert_eq!(
        value_of(&samples, "jobs_done_total", ("queue", "a\"b\\c\nd ü")),
        Some(7.0)
    );
}

#[test]
fn encode_appends_to_the_callers_buffer() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    provider.meter("m").u64_counter("c").build().add(1, &[]);
    let mut out = b"prefix\n".to_vec();
    let stats = reader
        .encode(Format::PrometheusText, &mut out)
        .expect("encode");
    assert!(out.starts_with(b"prefix\n"));
    assert_eq!(stats.bytes as usize, out.len() - 7);
    assert!(stats.series >= 1);
    check_body(&out[7..], Format::PrometheusText);
}

#[test]
fn all_paths_write_the_same_bytes() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let meter = provider.meter("m");
    meter
        .u64_counter("c")
        .build()
        .add(5, &[KeyValue::new("k", "v")]);
    meter.f64_histogram("h").build().record(0.3, &[]);
    for negotiated in [om(), text()] {
        let scraped = reader.scrape(negotiated, |b| b.to_vec()).expect("scrape");
        let mut written = Vec::new();
        let stats = reader.write_to(negotiated, &mut written).expect("write_to");
        let mut encoded = Vec::new();
        reader
            .encode_negotiated(negotiated, &mut encoded)
            .expect("encode");
        assert_eq!(scraped, written);
        assert_eq!(scraped, encoded);
        assert_eq!(stats.bytes as usize, written.len());
        check_body(&scraped, negotiated.format());
    }
}

struct FailingWriter;

impl io::Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "peer went away"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn io_errors_and_panicking_closures_leave_the_reader_usable() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    provider.meter("m").u64_counter("c").build().add(2, &[]);
    let err = reader
        .write_to(om(), &mut FailingWriter)
        .expect_err("write fails");
    assert!(
        matches!(err, Error::Io(ref e) if e.kind() == io::ErrorKind::BrokenPipe),
        "{err:?}"
    );
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        reader.scrape(om(), |_| panic!("handler bug"))
    }));
    assert!(panicked.is_err());
    let body = reader
        .scrape(om(), |b| b.to_vec())
        .expect("scrape after a panic");
    assert_eq!(
        value_of(
            &check_body(&body, Format::OpenMetrics),
            "c_total",
            ("otel_scope_name", "m")
        ),
        Some(2.0)
    );
}

#[test]
fn scrape_after_shutdown_returns_the_error_not_stale_data() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    provider.meter("m").u64_counter("c").build().add(1, &[]);
    reader
        .scrape(om(), |b| assert!(!b.is_empty()))
        .expect("scrape");
    assert!(
        reader.buffer_capacity() > 0,
        "the buffer is kept between scrapes"
    );
    provider.shutdown().expect("shutdown");
    let mut called = false;
    assert!(matches!(
        reader.scrape(om(), |_| called = true),
        Err(Error::Shutdown)
    ));
    assert!(!called, "no stale body is lent out");
    assert_eq!(reader.buffer_capacity(), 0, "shutdown frees the buffer");
}

#[test]
fn buffer_shrinks_after_one_huge_scrape() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let big = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&big);
    let padding = "x".repeat(1000);
    let _gauge = provider
        .meter("m")
        .u64_observable_gauge("sizes")
        .with_callback(move |observer| {
            // Observable instruments report only the last callback's series.
            let n = if flag.load(Ordering::Relaxed) {
                1500
            } else {
                1
            };
            for i in 0..n {
                observer.observe(i, &[KeyValue::new("id", format!("{padding}{i}"))]);
            }
        })
        .build();
    let len = reader.scrape(text(), |b| b.len()).expect("huge scrape");
    assert!(len > 1500 * 1000, "huge body: {len} bytes");
    let huge = reader.buffer_capacity();
    assert!(huge >= len);
    big.store(false, Ordering::Relaxed);
    // Documented policy: the largest of the last 8 sizes counts, so the
    // capacity is kept for 7 small scrapes and released at the 8th.
    for i in 0..7 {
        let small = reader.scrape(text(), |b| b.len()).expect("small scrape");
        assert!(small < 16 * KIB, "small body: {small} bytes");
        assert_eq!(reader.buffer_capacity(), huge, "small scrape {i}");
    }
    reader.scrape(text(), |_| ()).expect("8th small scrape");
    let after = reader.buffer_capacity();
    assert!(after <= 64 * KIB, "capacity after the window: {after}");
    // Steady state: the buffer is reused as is.
    for _ in 0..5 {
        reader.scrape(om(), |_| ()).expect("scrape");
        assert_eq!(reader.buffer_capacity(), after);
    }
}

/// 8 threads scrape (every path, both formats, compressed or not) while 8
/// record: every body is valid, no counter goes backwards, histograms are
/// never torn, and in the end everything recorded is there.
#[test]
fn concurrent_scrapes_while_recording() {
    const RECORDERS: usize = 8;
    const OPS: u64 = 10_000;
    const SCRAPERS: usize = 8;
    const SCRAPES: usize = 25;

    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let meter = provider.meter("load");
    let counter = meter.u64_counter("test.ops").build();
    let histogram = meter
        .f64_histogram("test.latency")
        .with_boundaries(vec![1.0, 2.0, 5.0])
        .build();
    let start = Arc::new(Barrier::new(RECORDERS + SCRAPERS));
    let running = Arc::new(AtomicUsize::new(RECORDERS));
    let (done_tx, done_rx) = mpsc::channel::<thread::Result<()>>();

    for t in 0..RECORDERS {
        let (counter, histogram, start, running, done) = (
            counter.clone(),
            histogram.clone(),
            start.clone(),
            running.clone(),
            done_tx.clone(),
        );
        thread::spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| {
                start.wait();
                let attrs = [KeyValue::new("thread", t as i64)];
                for n in 0..OPS {
                    counter.add(1, &attrs);
                    histogram.record((n % 7) as f64, &attrs);
                    if n % 2_000 == 0 {
                        // New series keep appearing while scrapes run.
                        counter.add(
                            1,
                            &[
                                KeyValue::new("thread", t as i64),
                                KeyValue::new("phase", (n / 2_000) as i64),
                            ],
                        );
                    }
                }
            }));
            running.fetch_sub(1, Ordering::SeqCst);
            let _ = done.send(result);
        });
    }
    for s in 0..SCRAPERS {
        let (reader, start, running, done) = (
            reader.clone(),
            start.clone(),
            running.clone(),
            done_tx.clone(),
        );
        thread::spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| {
                start.wait();
                let mut last = [0.0f64; RECORDERS];
                let mut own = Vec::new();
                let mut i = 0;
                // Keep scraping at least SCRAPES times and until recording ends.
                while i < SCRAPES || running.load(Ordering::SeqCst) > 0 {
                    let negotiated = if (i + s) % 2 == 0 { om() } else { text() };
                    // Every other round of a scraper asks for gzip (identity
                    // without the feature).
                    let negotiated = if (i / 2 + s) % 2 == 0 {
                        negotiated.with_encoding(negotiate_encoding(Some("gzip")))
                    } else {
                        negotiated
                    };
                    let body = match i % 3 {
                        0 => reader.scrape(negotiated, |b| b.to_vec()).expect("scrape"),
                        1 => {
                            let mut w = Vec::new();
                            reader.write_to(negotiated, &mut w).expect("write_to");
                            w
                        }
                        _ => {
                            own.clear();
                            reader
                                .encode_negotiated(negotiated, &mut own)
                                .expect("encode");
                            own.clone()
                        }
                    };
                    let body = match negotiated.content_encoding() {
                        Some(_) => common::gunzip(&body),
                        None => body,
                    };
                    let samples = check_body(&body, negotiated.format());
                    for (t, last) in last.iter_mut().enumerate() {
                        let thread = t.to_string();
                        let now = samples
                            .iter()
                            .find(|x| {
                                x.name == "test_ops_total"
                                    && x.label("thread") == Some(&thread)
                                    && x.label("phase").is_none()
                            })
                            .map_or(0.0, |x| x.value);
                        assert!(now >= *last, "counter went back: {last} -> {now}");
                        assert!(now <= OPS as f64);
                        *last = now;
                    }
                    for count in check_histograms(&samples, "test_latency").values() {
                        assert!(*count <= OPS as f64);
                    }
                    i += 1;
                }
            }));
            let _ = done.send(result);
        });
    }
    drop(done_tx);
    for _ in 0..RECORDERS + SCRAPERS {
        match done_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(Ok(())) => {}
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => panic!("a scraper or recorder did not finish: deadlock?"),
        }
    }
    // Everything recorded is visible, exactly.
    let body = reader.scrape(om(), |b| b.to_vec()).expect("final scrape");
    let samples = check_body(&body, Format::OpenMetrics);
    for t in 0..RECORDERS {
        let thread = t.to_string();
        let total = samples
            .iter()
            .find(|x| {
                x.name == "test_ops_total"
                    && x.label("thread") == Some(&thread)
                    && x.label("phase").is_none()
            })
            .map(|x| x.value);
        assert_eq!(total, Some(OPS as f64), "thread {t}");
    }
    let counts = check_histograms(&samples, "test_latency");
    assert_eq!(counts.len(), RECORDERS);
    assert!(counts.values().all(|c| *c == OPS as f64), "{counts:?}");
}

// ---------------------------------------------------------------------------
// One collect for concurrent scrapes.

/// An observable gauge whose callback counts its calls, reports the call
/// number as its value, and (when `slow` is set) announces its first call on
/// `entered` and then waits for `go` plus `hold` before returning.
struct SlowGauge {
    calls: Arc<AtomicUsize>,
    _gauge: opentelemetry::metrics::ObservableGauge<u64>,
}

fn slow_gauge(
    provider: &SdkMeterProvider,
    hold: Duration,
    entered: mpsc::Sender<()>,
    go: mpsc::Receiver<()>,
) -> SlowGauge {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let go = std::sync::Mutex::new(go);
    let gauge = provider
        .meter("slow")
        .u64_observable_gauge("collect.number")
        .with_callback(move |observer| {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            if n == 1 {
                let _ = entered.send(());
                // Wait until the second scrape is on its way, then long
                // enough for it to arrive while this collect still runs.
                let _ = go.lock().unwrap().recv_timeout(Duration::from_secs(30));
                thread::sleep(hold);
            }
            observer.observe(n as u64, &[]);
        })
        .build();
    SlowGauge {
        calls,
        _gauge: gauge,
    }
}

#[test]
fn a_scrape_arriving_during_a_collect_shares_it() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    provider
        .meter("m")
        .u64_counter("c")
        .build()
        .add(7, &[KeyValue::new("k", "v")]);
    let (entered_tx, entered) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let gauge = slow_gauge(&provider, Duration::from_millis(300), entered_tx, go_rx);

    let started = std::time::Instant::now();
    let first = {
        let reader = reader.clone();
        thread::spawn(move || reader.scrape(om(), |b| b.to_vec()))
    };
    entered
        .recv_timeout(Duration::from_secs(30))
        .expect("the first scrape runs the callback");
    let second = {
        let reader = reader.clone();
        thread::spawn(move || {
            go.send(()).expect("the callback waits");
            let mut body = Vec::new();
            reader.encode_negotiated(text(), &mut body).map(|_| body)
        })
    };
    let first = first.join().expect("first scrape").expect("first body");
    let second = second.join().expect("second scrape").expect("second body");
    eprintln!("two concurrent scrapes took {:?}", started.elapsed());

    assert_eq!(
        gauge.calls.load(Ordering::SeqCst),
        1,
        "one collect for both"
    );
    let om_samples = check_body(&first, Format::OpenMetrics);
    let text_samples = check_body(&second, Format::PrometheusText);
    for samples in [&om_samples, &text_samples] {
        assert_eq!(
            value_of(samples, "collect_number", ("otel_scope_name", "slow")),
            Some(1.0)
        );
        assert_eq!(value_of(samples, "c_total", ("k", "v")), Some(7.0));
    }
    // Same snapshot: the same samples in either format (OpenMetrics may
    // order or name families' samples alike here: counters, a gauge).
    let key = |s: &Sample| format!("{} {:?} {}", s.name, s.labels, s.value);
    let mut a: Vec<_> = om_samples.iter().map(key).collect();
    let mut b: Vec<_> = text_samples.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn sequential_scrapes_each_collect_afresh() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let (entered_tx, _entered) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    go.send(()).unwrap();
    let gauge = slow_gauge(&provider, Duration::ZERO, entered_tx, go_rx);
    // Many, so that the collect numbering is exercised well past small values.
    for n in 1..=100 {
        let body = match n % 3 {
            0 => reader.scrape(text(), |b| b.to_vec()).expect("scrape"),
            1 => {
                let mut w = Vec::new();
                reader.write_to(text(), &mut w).expect("write_to");
                w
            }
            _ => {
                let mut out = Vec::new();
                reader
                    .encode(Format::PrometheusText, &mut out)
                    .expect("encode");
                out
            }
        };
        assert_eq!(gauge.calls.load(Ordering::SeqCst), n);
        assert_eq!(
            value_of(
                &check_body(&body, Format::PrometheusText),
                "collect_number",
                ("otel_scope_name", "slow")
            ),
            Some(n as f64)
        );
    }
}

// ---------------------------------------------------------------------------
// Compressed bodies.

#[test]
fn gzip_is_negotiated_only_when_the_feature_is_on() {
    let n = text().with_encoding(negotiate_encoding(Some("gzip")));
    if cfg!(feature = "gzip") {
        assert_eq!(n.content_encoding(), Some("gzip"));
    } else {
        assert_eq!(n.encoding(), ContentEncoding::Identity);
        assert_eq!(n.content_encoding(), None);
    }
}

#[cfg(feature = "gzip")]
fn gz(n: Negotiated) -> Negotiated {
    n.with_encoding(ContentEncoding::Gzip)
}

#[cfg(feature = "gzip")]
#[test]
fn every_path_writes_gzip_of_the_same_body() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let meter = provider.meter("m");
    meter
        .u64_counter("c")
        .build()
        .add(5, &[KeyValue::new("k", "v\"ü\n")]);
    meter.f64_histogram("h").build().record(0.3, &[]);
    for negotiated in [om(), text()] {
        let mut plain = Vec::new();
        reader
            .encode_negotiated(negotiated, &mut plain)
            .expect("identity");
        check_body(&plain, negotiated.format());
        for round in 0..3 {
            let scraped = reader
                .scrape(gz(negotiated), |b| b.to_vec())
                .expect("scrape");
            let mut written = Vec::new();
            let stats = reader
                .write_to(gz(negotiated), &mut written)
                .expect("write_to");
            let mut encoded = b"prefix".to_vec();
            let encode_stats = reader
                .encode_negotiated(gz(negotiated), &mut encoded)
                .expect("encode");
            assert!(encoded.starts_with(b"prefix"));
            for body in [&scraped[..], &written[..], &encoded[6..]] {
                assert_eq!(
                    String::from_utf8_lossy(&common::gunzip(body)),
                    String::from_utf8_lossy(&plain),
                    "round {round}"
                );
            }
            // The stats count the body before compression.
            assert_eq!(stats.bytes as usize, plain.len());
            assert_eq!(encode_stats.bytes as usize, plain.len());
        }
    }
    // HEAD: the length of what GET would send, compressed.
    let head = reader.scrape(gz(om()), |b| b.len()).expect("scrape");
    let get = reader.scrape(gz(om()), |b| b.to_vec()).expect("scrape");
    assert_eq!(head, get.len());
    assert!(get.len() < reader.scrape(om(), |b| b.len()).expect("scrape"));
}

#[cfg(feature = "gzip")]
#[test]
fn gzip_errors_and_panics_leave_the_reader_usable() {
    let reader = PrometheusReader::default();
    assert!(matches!(
        reader.scrape(gz(om()), |b| b.len()),
        Err(Error::NotRegistered)
    ));
    let provider = provider(&reader);
    provider.meter("m").u64_counter("c").build().add(2, &[]);
    let err = reader
        .write_to(gz(om()), &mut FailingWriter)
        .expect_err("write fails");
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        reader.scrape(gz(om()), |_| panic!("handler bug"))
    }));
    assert!(panicked.is_err());
    // A scrape inside another's closure finds the compressor lent out and
    // uses its own.
    let (outer, inner) = reader
        .scrape(gz(text()), |outer| {
            let inner = reader.scrape(gz(om()), |b| b.to_vec()).expect("inner");
            (outer.to_vec(), inner)
        })
        .expect("outer");
    check_body(&common::gunzip(&outer), Format::PrometheusText);
    let body = common::gunzip(&inner);
    assert_eq!(
        value_of(
            &check_body(&body, Format::OpenMetrics),
            "c_total",
            ("otel_scope_name", "m")
        ),
        Some(2.0)
    );
    provider.shutdown().expect("shutdown");
    assert!(matches!(
        reader.encode_negotiated(gz(om()), &mut Vec::new()),
        Err(Error::Shutdown)
    ));
}

#[test]
fn crc32_matches_its_check_value() {
    // The standard check value of CRC-32/ISO-HDLC (gzip's CRC).
    assert_eq!(common::crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(common::crc32(b""), 0);
}

/// The compressed body's buffer follows the output buffer's rule: kept
/// through 7 small scrapes after a huge one, shrunk at the 8th.
#[cfg(feature = "gzip")]
#[test]
fn compressed_buffer_shrinks_after_one_huge_scrape() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    let big = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&big);
    // Label values that hardly compress: 256 pseudo-random hex digits each.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let values: Vec<String> = (0..4000)
        .map(|_| {
            (0..16)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    format!("{x:016x}")
                })
                .collect()
        })
        .collect();
    let _gauge = provider
        .meter("m")
        .u64_observable_gauge("sizes")
        .with_callback(move |observer| {
            let n = if flag.load(Ordering::Relaxed) {
                4000
            } else {
                1
            };
            for (i, v) in values.iter().take(n).enumerate() {
                observer.observe(i as u64, &[KeyValue::new("id", v.clone())]);
            }
        })
        .build();
    // The same huge body, first uncompressed: only the output buffer counts.
    reader.scrape(text(), |_| ()).expect("huge scrape");
    let plain_only = reader.buffer_capacity();
    let compressed = reader.scrape(gz(text()), |b| b.len()).expect("huge scrape");
    assert!(
        compressed > 300 * KIB,
        "compressed body: {compressed} bytes"
    );
    let huge = reader.buffer_capacity();
    assert!(
        huge >= plain_only + compressed,
        "the compressed buffer is kept: {huge} < {plain_only} + {compressed}"
    );
    big.store(false, Ordering::Relaxed);
    for i in 0..7 {
        reader.scrape(gz(text()), |_| ()).expect("small scrape");
        assert_eq!(reader.buffer_capacity(), huge, "small scrape {i}");
    }
    reader.scrape(gz(text()), |_| ()).expect("8th small scrape");
    let after = reader.buffer_capacity();
    assert!(after <= 2 * 64 * KIB, "capacity after the window: {after}");
    for _ in 0..5 {
        reader.scrape(gz(om()), |_| ()).expect("scrape");
        assert_eq!(reader.buffer_capacity(), after);
    }
}

#[test]
fn debug_config_and_error_sources() {
    use std::error::Error as _;
    let config = Config::default().with_namespace("shop");
    let reader = PrometheusReader::new(config.clone());
    assert_eq!(format!("{:?}", reader.config()), format!("{config:?}"));
    assert!(format!("{reader:?}").contains("state: \"unregistered\""));
    let _provider = provider(&reader);
    assert!(
        format!("{reader:?}").contains("state: \"registered\""),
        "{reader:?}"
    );
    let io = Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "peer went away"));
    assert!(io
        .source()
        .is_some_and(|e| e.to_string() == "peer went away"));
    let collect = Error::Collect(opentelemetry_sdk::error::OTelSdkError::InternalFailure(
        "no pipeline".into(),
    ));
    assert!(collect
        .source()
        .is_some_and(|e| e.to_string().contains("no pipeline")));
    for plain in [
        Error::NotRegistered,
        Error::Shutdown,
        Error::RegisteredTwice,
    ] {
        assert!(plain.source().is_none(), "{plain:?}");
    }
}

/// A provider shut down from inside a scrape's closure (documented as
/// allowed): the lent buffer is freed when it comes back, not kept.
#[test]
fn shutdown_inside_a_scrape_frees_the_lent_buffer() {
    let reader = PrometheusReader::default();
    let provider = provider(&reader);
    provider.meter("m").u64_counter("c").build().add(1, &[]);
    reader.scrape(text(), |_| ()).expect("warm-up");
    assert!(reader.buffer_capacity() > 0);
    let len = reader
        .scrape(text(), |body| {
            provider.shutdown().expect("shutdown");
            body.len()
        })
        .expect("the scrape itself succeeds");
    assert!(len > 0);
    assert_eq!(reader.buffer_capacity(), 0, "nothing kept after shutdown");
    assert!(matches!(
        reader.scrape(text(), |b| b.len()),
        Err(Error::Shutdown)
    ));
}
