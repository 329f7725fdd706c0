//! A `/metrics` endpoint on the standard library only, with a realistic demo.
//!
//! ```text
//! cargo run --release --example serve            # http://127.0.0.1:9464/metrics
//! cargo run --release --example serve --features gzip   # gzip when the client accepts it
//! cargo run --release --example serve 127.0.0.1:9000
//! OTEL_EXPFMT_ADDR=127.0.0.1:9000 cargo run --release --example serve
//! curl -H 'Accept: application/openmetrics-text' http://127.0.0.1:9464/metrics
//! curl --compressed 'http://127.0.0.1:9464/metrics?format=prometheus'
//! curl -o metrics.pb 'http://127.0.0.1:9464/metrics?format=protobuf'
//! ```
//!
//! HTTP handling: `GET` and `HEAD` on `/metrics` (anything else: 404; other
//! methods there: 405 with `Allow: GET, HEAD`), the format negotiated from
//! `Accept` unless `?format=prometheus`, `?format=openmetrics` or
//! `?format=protobuf` (Prometheus' delimited protobuf exposition) forces it,
//! the body gzip-compressed when built with the `gzip` feature and
//! `Accept-Encoding` allows it (`Content-Encoding: gzip`, `Vary: Accept,
//! Accept-Encoding`), exact `Content-Type` and `Content-Length`,
//! `Connection: close`, a 5 s deadline for the request head and a write
//! timeout, and 400 for a malformed request line, a header section over 8
//! KiB, or non-UTF-8.
//!
//! At most 32 connections are handled at once. When all 32 are taken, a new
//! connection closes the one that has waited longest for its request head
//! (an idle or trickling client), so that clients holding connections open
//! cannot starve a scraper that sends its request at once; only when all 32
//! are past their head (being answered) is the new one answered 503.
//! Scrapes that arrive while another one's collect runs share that collect
//! (see `PrometheusReader`).
//!
//! The demo updates counters, up-down counters, gauges, an observable gauge,
//! histograms and an exponential histogram (via a view) every 100 ms, in two
//! scopes that share the metric name `demo.requests`, with attribute values
//! containing quotes, backslashes, newlines and non-ASCII text.
//!
//! Known values, recorded once at start and never changed (checked by
//! `tests/e2e/prometheus.sh`):
//!
//! - counter `demo.e2e.checks` (scope `demo.shop`): 42, with attribute
//!   `path` = `C:\tmp\"quoted"` + newline + `line2 ünïcødé`
//!   → `demo_e2e_checks_total{path="C:\\tmp\\\"quoted\"\nline2 ünïcødé"} 42`
//! - histogram `demo.e2e.latency`, unit `s`, bounds 0.125, 0.5, 1, 5, attribute
//!   `case="known"`, values 0.0625, 0.25, 0.25, 2 and 7.5
//!   → `demo_e2e_latency_seconds` buckets 1, 3, 3, 4, 5 (+Inf), sum 10.0625, count 5
//! - exponential histogram `demo.e2e.sizes` (scope `demo.shop`), unit `By`,
//!   attribute `case="known"`, through a view with
//!   `Aggregation::Base2ExponentialHistogram { max_scale: 2, max_size: 40 }`,
//!   values 0, 0, 1, 3, 3, 4, 100, -1, -3 and -10 → `demo_e2e_sizes_bytes`,
//!   count 10, sum 97. The SDK only lowers the scale when a side needs more
//!   than `max_size` buckets; these values need 28 positive and 15 negative
//!   ones at scale 2, so the scale stays 2. As a native histogram (schema 2,
//!   base 2^(1/4)), positive bucket `i` holds (2^((i-1)/4), 2^(i/4)], i.e. a
//!   value `v > 0` is in bucket ceil(4·log2 v); negative bucket `i` holds
//!   [-2^(i/4), -2^((i-1)/4)); 0 is in the zero bucket [-2^-128, 2^-128]
//!   (the SDK's zero threshold is 0, so the encoder's default applies):
//!
//!   | bucket | range | values | count |
//!   |---|---|---|---|
//!   | negative 14 | [-2^3.5, -2^3.25) = [-11.314, -9.514) | -10 | 1 |
//!   | negative 7 | [-2^1.75, -2^1.5) = [-3.364, -2.828) | -3 | 1 |
//!   | negative 0 | [-1, -2^-0.25) = [-1, -0.841) | -1 | 1 |
//!   | zero | [-2^-128, 2^-128] | 0, 0 | 2 |
//!   | positive 0 | (2^-0.25, 1] = (0.841, 1] | 1 | 1 |
//!   | positive 7 | (2^1.5, 2^1.75] = (2.828, 3.364] | 3, 3 | 2 |
//!   | positive 8 | (2^1.75, 2^2] = (3.364, 4] | 4 | 1 |
//!   | positive 27 | (2^6.5, 2^6.75] = (90.51, 107.63] | 100 | 1 |
//!
//!   In text and OpenMetrics the same buckets are classic buckets bounded by
//!   these edges (on the negative side by the largest float below each edge,
//!   as those edges are excluded), so each cumulative count is the number of
//!   values at or below its `le` (e.g. 2 just below -1, 3 just below
//!   -2^-0.25, 5 at 0, 6 at 1, 10 at 2^6.75).

use std::env;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::{Aggregation, Instrument, SdkMeterProvider, Stream};
use opentelemetry_sdk::Resource;
use otel_expfmt::{
    negotiate, negotiate_encoding, Config, Error, Escaping, Format, Negotiated, PrometheusReader,
};

const DEFAULT_ADDR: &str = "127.0.0.1:9464";
const MAX_CONNECTIONS: usize = 32;
const MAX_HEAD: usize = 8 * 1024;
/// The whole request head must arrive within this time.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

fn main() {
    let addr = env::args()
        .nth(1)
        .or_else(|| env::var("OTEL_EXPFMT_ADDR").ok())
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());

    let reader = PrometheusReader::new(Config::default());
    let provider = demo::provider(&reader);
    demo::record_known_values(&provider);
    demo::start(&provider);

    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("serve: cannot listen on {addr}: {e}");
            process::exit(1);
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("serving http://{local}/metrics"),
        Err(_) => println!("serving http://{addr}/metrics"),
    }

    let slots = Arc::new(Slots::default());
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // E.g. out of file descriptors: back off instead of spinning.
                eprintln!("serve: accept failed: {e}");
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let Some(slot) = Slots::take(&slots, &stream) else {
            reject_busy(stream);
            continue;
        };
        let reader = reader.clone();
        let spawned = thread::Builder::new()
            .name("metrics-conn".into())
            .spawn(move || handle(stream, &reader, slot));
        if let Err(e) = spawned {
            // The closure (and its slot) was dropped: the count is already right.
            eprintln!("serve: cannot spawn a connection thread: {e}");
        }
    }
}

/// The connections being handled, and which of them still wait for their
/// request head.
#[derive(Default)]
struct Slots {
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    active: usize,
    next_id: u64,
    /// Connections still reading their head: id, since when, and a handle
    /// to close them with.
    waiting: Vec<(u64, Instant, TcpStream)>,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for `stream`, waiting for its head. When all are taken, the
    /// connection that has waited longest for its head is closed to make
    /// room (its thread then ends and releases its slot); `None` when every
    /// slot is past its head.
    fn take(slots: &Arc<Slots>, stream: &TcpStream) -> Option<Slot> {
        let handle = stream.try_clone().ok()?;
        let mut state = slots.lock();
        if state.active >= MAX_CONNECTIONS {
            let oldest = (0..state.waiting.len()).min_by_key(|&i| state.waiting[i].1)?;
            let (_, _, evicted) = state.waiting.swap_remove(oldest);
            let _ = evicted.shutdown(Shutdown::Both);
        }
        state.active += 1;
        state.next_id += 1;
        let id = state.next_id;
        state.waiting.push((id, Instant::now(), handle));
        Some(Slot {
            slots: Arc::clone(slots),
            id,
        })
    }
}

/// One connection's slot; released on drop, even if the connection thread
/// panics.
struct Slot {
    slots: Arc<Slots>,
    id: u64,
}

impl Slot {
    /// The head has arrived: the connection can no longer be closed to make
    /// room for another.
    fn head_read(&self) {
        self.slots
            .lock()
            .waiting
            .retain(|(id, _, _)| *id != self.id);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        state.active -= 1;
        state.waiting.retain(|(id, _, _)| *id != self.id);
    }
}

/// Answers 503 on the accepting thread, bounded by a short write timeout.
fn reject_busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = write_response(
        &mut stream,
        "503 Service Unavailable",
        "text/plain; charset=utf-8",
        &[("Retry-After", "1")],
        b"too many connections\n",
        false,
    );
    close(stream);
}

struct Request {
    method: String,
    target: String,
    accept: Option<String>,
    accept_encoding: Option<String>,
}

enum HeadError {
    /// The peer closed the connection or the socket failed: nothing to answer.
    Gone,
    TimedOut,
    Malformed(&'static str),
}

fn handle(mut stream: TcpStream, reader: &PrometheusReader, slot: Slot) {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let started = Instant::now();
    let request = read_request(&mut stream, started + HEAD_TIMEOUT);
    slot.head_read();
    let request = match request {
        Ok(request) => request,
        Err(HeadError::Gone) => return,
        Err(HeadError::TimedOut) => {
            let _ = plain(
                &mut stream,
                "408 Request Timeout",
                &[],
                "request timed out\n",
                false,
            );
            close(stream);
            return;
        }
        Err(HeadError::Malformed(why)) => {
            let _ = plain(
                &mut stream,
                "400 Bad Request",
                &[],
                &format!("{why}\n"),
                false,
            );
            eprintln!("serve: 400 {why}");
            close(stream);
            return;
        }
    };
    let (status, detail) = respond(&mut stream, reader, &request);
    eprintln!(
        "serve: {} {} -> {status} {detail} in {:?}",
        request.method,
        request.target,
        started.elapsed()
    );
    close(stream);
}

/// Routes one parsed request and writes the answer; returns the status and a
/// short detail for the log line.
fn respond(
    stream: &mut TcpStream,
    reader: &PrometheusReader,
    request: &Request,
) -> (&'static str, String) {
    let (path, query) = match request.target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.target.as_str(), None),
    };
    if path != "/metrics" {
        let _ = plain(
            stream,
            "404 Not Found",
            &[],
            "not found; try /metrics\n",
            false,
        );
        return ("404 Not Found", String::new());
    }
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let allow = [("Allow", "GET, HEAD")];
            let _ = plain(
                stream,
                "405 Method Not Allowed",
                &allow,
                "use GET or HEAD\n",
                false,
            );
            return ("405 Method Not Allowed", String::new());
        }
    };
    let negotiated = match forced_format(query) {
        Ok(Some(format)) => Negotiated::new(format, Escaping::Underscores),
        Ok(None) => negotiate(request.accept.as_deref()),
        Err(why) => {
            let _ = plain(stream, "400 Bad Request", &[], why, head_only);
            return ("400 Bad Request", why.trim_end().to_owned());
        }
    };
    // Identity unless built with the `gzip` feature and the client accepts gzip.
    let negotiated =
        negotiated.with_encoding(negotiate_encoding(request.accept_encoding.as_deref()));
    let content_type = negotiated.content_type();
    let mut headers = vec![("Vary", "Accept, Accept-Encoding")];
    if let Some(coding) = negotiated.content_encoding() {
        headers.push(("Content-Encoding", coding));
    }
    let scraped = reader.scrape(negotiated, |body| {
        let written = write_response(stream, "200 OK", content_type, &headers, body, head_only);
        (written, body.len())
    });
    match scraped {
        Ok((Ok(()), len)) => {
            let coding = negotiated.content_encoding().unwrap_or("identity");
            ("200 OK", format!("{content_type} {len} bytes {coding}"))
        }
        Ok((Err(e), _)) => ("200 OK", format!("(write failed: {e})")),
        Err(e) => {
            let status = match e {
                Error::Collect(_) | Error::Io(_) => "500 Internal Server Error",
                _ => "503 Service Unavailable",
            };
            let _ = plain(stream, status, &[], &format!("{e}\n"), head_only);
            (status, e.to_string())
        }
    }
}

/// `?format=prometheus`, `?format=openmetrics` or `?format=protobuf` (other
/// parameters are ignored).
fn forced_format(query: Option<&str>) -> Result<Option<Format>, &'static str> {
    let mut forced = None;
    for pair in query.unwrap_or("").split('&') {
        if let Some(value) = pair.strip_prefix("format=") {
            forced = Some(match value {
                "prometheus" | "text" => Format::PrometheusText,
                "openmetrics" => Format::OpenMetrics,
                "protobuf" => Format::PrometheusProtobuf,
                _ => return Err("format must be prometheus, openmetrics or protobuf\n"),
            });
        }
    }
    Ok(forced)
}

/// Reads and parses the request line and headers (the body, if any, is not
/// read), all of which must arrive before `deadline`.
fn read_request(stream: &mut TcpStream, deadline: Instant) -> Result<Request, HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(end) = find_head_end(&head) {
            break end;
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::Malformed("header section larger than 8 KiB"));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(if head.is_empty() {
                HeadError::Gone
            } else {
                HeadError::TimedOut
            });
        }
        match stream.read(&mut chunk) {
            Ok(0) if head.is_empty() => return Err(HeadError::Gone),
            Ok(0) => return Err(HeadError::Malformed("incomplete request head")),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(if head.is_empty() {
                    HeadError::Gone
                } else {
                    HeadError::TimedOut
                });
            }
            Err(_) => return Err(HeadError::Gone),
        }
    };
    if end > MAX_HEAD {
        return Err(HeadError::Malformed("header section larger than 8 KiB"));
    }
    let head = std::str::from_utf8(&head[..end])
        .map_err(|_| HeadError::Malformed("request head is not UTF-8"))?;
    parse_head(head).map_err(HeadError::Malformed)
}

/// The length of the head including its terminating empty line, if complete.
/// Bare `\n` line ends are accepted as well as `\r\n`.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let line = &buf[line_start..i];
            if line.is_empty() || line == b"\r" {
                return Some(i + 1);
            }
            line_start = i + 1;
        }
    }
    None
}

fn parse_head(head: &str) -> Result<Request, &'static str> {
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line");
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("malformed method");
    }
    if !target.starts_with('/') || target.bytes().any(|b| b.is_ascii_control()) {
        return Err("malformed request target");
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err("unsupported HTTP version");
    }
    let mut accept: Option<String> = None;
    let mut accept_encoding: Option<String> = None;
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err("malformed header line");
        };
        let is_token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(is_token) {
            return Err("malformed header name");
        }
        let list = if name.eq_ignore_ascii_case("accept") {
            &mut accept
        } else if name.eq_ignore_ascii_case("accept-encoding") {
            &mut accept_encoding
        } else {
            continue;
        };
        // Several headers of one name are one comma-separated list.
        let value = value.trim();
        *list = Some(match list.take() {
            Some(previous) => format!("{previous}, {value}"),
            None => value.to_owned(),
        });
    }
    Ok(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        accept,
        accept_encoding,
    })
}

fn plain(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &str,
    head_only: bool,
) -> io::Result<()> {
    write_response(
        stream,
        status,
        "text/plain; charset=utf-8",
        headers,
        body.as_bytes(),
        head_only,
    )
}

fn write_response(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut head = String::with_capacity(160);
    let _ = write!(
        head,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// Closes after the response: shut down our side, then drain briefly what
/// the client may still send (an unread request body would make the kernel
/// reset the connection and could cut off the response).
fn close(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < 64 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

mod demo {
    use super::*;

    /// The attribute value of the known counter: a backslash path with
    /// quotes, a newline and non-ASCII text.
    pub const E2E_PATH: &str = "C:\\tmp\\\"quoted\"\nline2 ünïcødé";

    pub fn provider(reader: &PrometheusReader) -> SdkMeterProvider {
        let resource = Resource::builder()
            .with_service_name("otel-expfmt-demo")
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        SdkMeterProvider::builder()
            .with_resource(resource)
            .with_reader(reader.clone())
            .with_view(|instrument: &Instrument| {
                let (max_size, max_scale) = match instrument.name() {
                    "demo.payload.size" => (40, 20),
                    // Scale 2 at most, and room for every known value at it.
                    "demo.e2e.sizes" => (40, 2),
                    _ => return None,
                };
                Stream::builder()
                    .with_aggregation(Aggregation::Base2ExponentialHistogram {
                        max_size,
                        max_scale,
                        record_min_max: true,
                    })
                    .build()
                    .ok()
            })
            .build()
    }

    fn shop(provider: &SdkMeterProvider) -> opentelemetry::metrics::Meter {
        provider.meter_with_scope(
            InstrumentationScope::builder("demo.shop")
                .with_version("1.4.0")
                .build(),
        )
    }

    fn billing(provider: &SdkMeterProvider) -> opentelemetry::metrics::Meter {
        provider.meter_with_scope(
            InstrumentationScope::builder("demo.billing")
                .with_version("0.9.1")
                .build(),
        )
    }

    /// The values `tests/e2e/prometheus.sh` checks; recorded once, never changed.
    pub fn record_known_values(provider: &SdkMeterProvider) {
        let meter = shop(provider);
        meter
            .u64_counter("demo.e2e.checks")
            .with_description("Recorded once with a known value for the end-to-end test.")
            .build()
            .add(42, &[KeyValue::new("path", E2E_PATH)]);
        let latency = meter
            .f64_histogram("demo.e2e.latency")
            .with_unit("s")
            .with_description("Recorded once with known values for the end-to-end test.")
            .with_boundaries(vec![0.125, 0.5, 1.0, 5.0])
            .build();
        for value in [0.0625, 0.25, 0.25, 2.0, 7.5] {
            latency.record(value, &[KeyValue::new("case", "known")]);
        }
        let sizes = meter
            .f64_histogram("demo.e2e.sizes")
            .with_unit("By")
            .with_description(
                "Recorded once with known values, negative ones and zeros included, \
                 for the end-to-end test (exponential histogram).",
            )
            .build();
        for value in [0.0, 0.0, 1.0, 3.0, 3.0, 4.0, 100.0, -1.0, -3.0, -10.0] {
            sizes.record(value, &[KeyValue::new("case", "known")]);
        }
    }

    /// Starts the background thread that updates the demo every 100 ms.
    pub fn start(provider: &SdkMeterProvider) {
        let shop = shop(provider);
        let billing = billing(provider);

        let requests = shop
            .u64_counter("demo.requests")
            .with_description("HTTP requests served.")
            .build();
        let invoiced = billing
            .u64_counter("demo.requests")
            .with_description("HTTP requests served.")
            .build();
        let amount = billing
            .f64_counter("demo.invoice.amount")
            .with_unit("{EUR}")
            .with_description("Invoiced amount.")
            .build();
        let sessions = shop
            .i64_up_down_counter("demo.sessions.active")
            .with_description("Open sessions.")
            .build();
        let temperature = shop
            .f64_gauge("demo.temperature")
            .with_unit("Cel")
            .with_description(
                "Room temperature, \"as measured\".\nSecond line with a \\ backslash.",
            )
            .build();
        let duration = shop
            .f64_histogram("demo.request.duration")
            .with_unit("s")
            .with_description("Request latency.")
            .with_boundaries(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
            .build();
        let payload = shop
            .u64_histogram("demo.payload.size")
            .with_unit("By")
            .with_description("Response payload sizes (exponential histogram).")
            .build();
        let queue = Arc::new(AtomicI64::new(0));
        let observed = Arc::clone(&queue);
        let queue_gauge = shop
            .i64_observable_gauge("demo.queue.depth")
            .with_description("Jobs waiting.")
            .with_callback(move |observer| {
                let depth = observed.load(Ordering::Relaxed);
                observer.observe(depth, &[KeyValue::new("queue", "default")]);
                observer.observe(
                    depth / 3,
                    &[KeyValue::new("queue", "bulk \"low priority\"")],
                );
            })
            .build();

        let routes = [
            "/",
            "/search?q=\"rust\"",
            "/files/C:\\reports\\",
            "/ünïcødé/straße",
        ];
        let methods = ["GET", "POST"];
        let rooms = ["Küche", "Server \"A\"", "line1\nline2"];
        let spawned = thread::Builder::new().name("demo".into()).spawn(move || {
            let _keep_alive = queue_gauge;
            let mut rng = 0x2545_f491_4f6c_dd1d_u64;
            let mut next = move || {
                // xorshift64: deterministic, no dependency.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let mut tick = 0u64;
            loop {
                for _ in 0..1 + next() % 5 {
                    let route = routes[(next() % routes.len() as u64) as usize];
                    let method = methods[(next() % 2) as usize];
                    let status = if next() % 10 == 0 { 500 } else { 200 };
                    let attrs = [
                        KeyValue::new("http.request.method", method),
                        KeyValue::new("http.route", route),
                        KeyValue::new("http.response.status_code", status),
                    ];
                    requests.add(1, &attrs);
                    duration.record((next() % 2_000) as f64 / 1_000.0, &attrs[..2]);
                    payload.record(next() % 100_000, &[KeyValue::new("http.route", route)]);
                }
                invoiced.add(next() % 3, &[KeyValue::new("http.route", "/invoices")]);
                amount.add(
                    (next() % 10_000) as f64 / 100.0,
                    &[KeyValue::new("currency", "€")],
                );
                sessions.add(
                    if next() % 2 == 0 { 1 } else { -1 },
                    &[KeyValue::new("tier", "free")],
                );
                for (i, room) in rooms.iter().enumerate() {
                    let celsius = 18.0 + i as f64 + (next() % 400) as f64 / 100.0;
                    temperature.record(celsius, &[KeyValue::new("room", *room)]);
                }
                queue.store((tick % 50) as i64, Ordering::Relaxed);
                tick += 1;
                thread::sleep(Duration::from_millis(100));
            }
        });
        if let Err(e) = spawned {
            eprintln!("serve: cannot start the demo thread: {e}");
        }
    }
}
