//! The pull reader: an OpenTelemetry `MetricReader` that collects and encodes on demand.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

use crate::window::SizeWindow;
use crate::{Config, EncodeStats, Encoder, Error, Escaping, Format, Negotiated};

const UNREGISTERED: u8 = 0;
const REGISTERED: u8 = 1;
const SHUT_DOWN: u8 = 2;

/// A pull [`MetricReader`] that writes Prometheus text 0.0.4 or OpenMetrics 1.0 on demand.
///
/// `PrometheusReader` is a cheap handle (an `Arc` inside): pass one clone to
/// [`MeterProviderBuilder::with_reader`](opentelemetry_sdk::metrics::MeterProviderBuilder::with_reader)
/// and keep another to scrape. It asks the SDK for cumulative temporality
/// for every instrument kind, as pull formats require.
///
/// Behind the handle it keeps, across scrapes, the collected
/// `ResourceMetrics`, an [`Encoder`] with its scratch space, and an output
/// buffer, so a steady-state scrape reuses memory instead of allocating it.
///
/// ```
/// use opentelemetry::metrics::MeterProvider as _;
/// use opentelemetry_sdk::metrics::SdkMeterProvider;
/// use otel_expfmt::{Config, Error, PrometheusReader};
///
/// let reader = PrometheusReader::new(Config::default());
/// let provider = SdkMeterProvider::builder().with_reader(reader.clone()).build();
/// let requests = provider.meter("shop").u64_counter("http.requests").build();
/// requests.add(1, &[]);
///
/// // A server would use `scrape` (no copy) or `write_to`; `encode` appends
/// // to a buffer of the caller's.
/// # fn scrape_it(reader: &PrometheusReader) -> Result<(), Error> {
/// let negotiated = otel_expfmt::negotiate(Some("application/openmetrics-text"));
/// let body_len = reader.scrape(negotiated, |body| body.len())?;
/// # let _ = body_len; Ok(()) }
///
/// provider.shutdown().unwrap();
/// // After shutdown a scrape reports it instead of serving stale data.
/// assert!(matches!(reader.encode(Default::default(), &mut Vec::new()), Err(Error::Shutdown)));
/// ```
///
/// # Errors and panics
///
/// Every scrape method returns [`Error::NotRegistered`] until the reader is
/// passed to a provider, [`Error::Shutdown`] once the reader or its provider
/// was shut down (dropping the last provider handle shuts it down too), and
/// [`Error::Collect`] when the SDK fails otherwise. No method panics. A panic
/// raised inside the SDK's collection (for instance by an observable
/// instrument's callback) propagates to the caller; the reader itself stays
/// usable afterwards: its lock is recovered rather than left poisoned.
///
/// # Concurrency
///
/// One lock guards the snapshot, the encoder and the output buffer while a
/// scrape collects and encodes. It is never held during the caller's I/O:
/// [`encode`](Self::encode) writes into the caller's `Vec`, and
/// [`scrape`](Self::scrape) and [`write_to`](Self::write_to) take the encoded
/// buffer out of the reader, release the lock, hand the bytes to the closure
/// or writer, and then put the buffer back. A slow client therefore never
/// blocks other scrapes; concurrent scrapes each get a complete, consistent
/// body (a scrape that finds the buffer lent out encodes into a new one).
///
/// # Memory
///
/// The reader-owned buffer grows to the largest body it has encoded, but does
/// not stay large forever after one unusually large scrape. The reader
/// remembers the body sizes of the last 8 scrapes; whenever the buffer's
/// capacity exceeds both 64 KiB and 4 × the largest of those sizes, it is shrunk
/// (`Vec::shrink_to`) to 2 × that size, but never below 64 KiB. So after an
/// outlier the memory is returned within 8 scrapes, while a workload whose size
/// varies with a period of up to 8 scrapes never reallocates in steady state.
/// [`buffer_capacity`](Self::buffer_capacity) reports the current capacity.
/// The encoder's scratch space follows the same 8-scrape, 4× rule, with a
/// floor of 1 MiB, but is freed rather than shrunk (see "Memory" on
/// [`Encoder`]). The collected snapshot itself is the
/// SDK's: it holds whatever the last collect produced.
#[derive(Clone)]
pub struct PrometheusReader {
    inner: Arc<Inner>,
}

struct Inner {
    manual: ManualReader,
    state: AtomicU8,
    config: Config,
    scrape: Mutex<ScrapeState>,
}

struct ScrapeState {
    metrics: ResourceMetrics,
    encoder: Encoder,
    buf: Vec<u8>,
    sizes: SizeWindow,
}

impl ScrapeState {
    fn new(config: &Config) -> Self {
        ScrapeState {
            metrics: ResourceMetrics::default(),
            encoder: Encoder::new(config.clone()),
            buf: Vec::new(),
            sizes: SizeWindow::default(),
        }
    }
}

impl Default for PrometheusReader {
    fn default() -> Self {
        PrometheusReader::new(Config::default())
    }
}

impl fmt::Debug for PrometheusReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.state.load(Ordering::Acquire) {
            UNREGISTERED => "unregistered",
            REGISTERED => "registered",
            _ => "shut down",
        };
        f.debug_struct("PrometheusReader")
            .field("state", &state)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl PrometheusReader {
    /// Creates a reader whose encoder uses `config`.
    pub fn new(config: Config) -> Self {
        PrometheusReader {
            inner: Arc::new(Inner {
                manual: ManualReader::builder()
                    .with_temporality(Temporality::Cumulative)
                    .build(),
                state: AtomicU8::new(UNREGISTERED),
                scrape: Mutex::new(ScrapeState::new(&config)),
                config,
            }),
        }
    }

    /// The encoder options this reader was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Collects and appends the metrics to `out` in `format`, with the default
    /// ([`Escaping::Underscores`]) name escaping. On error nothing is appended.
    ///
    /// The reader's lock is released before this returns, so the caller's I/O
    /// with `out` never blocks other scrapes.
    pub fn encode(&self, format: Format, out: &mut Vec<u8>) -> Result<EncodeStats, Error> {
        self.encode_negotiated(Negotiated::new(format, Escaping::Underscores), out)
    }

    /// Like [`encode`](Self::encode), with the format and name escaping of a
    /// negotiation result (see [`negotiate`](crate::negotiate)).
    pub fn encode_negotiated(
        &self,
        negotiated: Negotiated,
        out: &mut Vec<u8>,
    ) -> Result<EncodeStats, Error> {
        let mut guard = self.lock();
        let state = &mut *guard;
        self.collect_into(&mut state.metrics)?;
        let stats = state.encoder.encode_with(
            &state.metrics,
            negotiated.format(),
            negotiated.escaping(),
            out,
        );
        self.release_if_shut_down(state);
        Ok(stats)
    }

    /// Collects and encodes into the reader-owned buffer, then lends the bytes
    /// to `f` (e.g. to write an HTTP response body without a copy) and returns
    /// what `f` returns.
    ///
    /// `f` runs without the reader's lock held, so it may block on I/O, scrape
    /// again, or even shut the provider down. If `f` panics the reader stays
    /// usable (the buffer is simply reallocated by the next scrape).
    pub fn scrape<R>(
        &self,
        negotiated: Negotiated,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, Error> {
        let (buf, _stats) = self.render(negotiated)?;
        let result = f(&buf);
        self.give_back(buf);
        Ok(result)
    }

    /// Collects, encodes into the reader-owned buffer and writes the bytes to
    /// `w` with `write_all` (without holding the reader's lock). Does not flush `w`.
    pub fn write_to<W: io::Write + ?Sized>(
        &self,
        negotiated: Negotiated,
        w: &mut W,
    ) -> Result<EncodeStats, Error> {
        let (buf, stats) = self.render(negotiated)?;
        let written = w.write_all(&buf);
        self.give_back(buf);
        written?;
        Ok(stats)
    }

    /// The capacity in bytes of the reader-owned output buffer right now (see
    /// the shrink policy under "Memory" above). Zero after shutdown, and while
    /// the buffer is lent out by [`scrape`](Self::scrape) or
    /// [`write_to`](Self::write_to).
    pub fn buffer_capacity(&self) -> usize {
        self.lock().buf.capacity()
    }

    /// Locks the scrape state. A poisoned lock (a panic inside the SDK's
    /// collection or the encoder) is recovered: the snapshot and encoder that
    /// the panic may have left half-updated are replaced by fresh ones.
    fn lock(&self) -> MutexGuard<'_, ScrapeState> {
        match self.inner.scrape.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                *guard = ScrapeState::new(&self.inner.config);
                self.inner.scrape.clear_poison();
                guard
            }
        }
    }

    /// Collects and encodes into the reader-owned buffer, which is taken out
    /// of the state; hand it back with `give_back`.
    fn render(&self, negotiated: Negotiated) -> Result<(Vec<u8>, EncodeStats), Error> {
        let mut guard = self.lock();
        let state = &mut *guard;
        self.collect_into(&mut state.metrics)?;
        let mut buf = std::mem::take(&mut state.buf);
        buf.clear();
        let stats = state.encoder.encode_with(
            &state.metrics,
            negotiated.format(),
            negotiated.escaping(),
            &mut buf,
        );
        state.sizes.push(buf.len());
        Ok((buf, stats))
    }

    /// Puts a lent buffer back (keeping the larger one if a concurrent scrape
    /// already put one back) and applies the shrink policy.
    fn give_back(&self, mut buf: Vec<u8>) {
        let mut state = self.lock();
        if self.release_if_shut_down(&mut state) {
            return; // dropping `buf` frees it
        }
        if buf.capacity() > state.buf.capacity() {
            buf.clear();
            state.buf = buf;
        }
        let sizes = state.sizes;
        shrink(&sizes, &mut state.buf);
    }

    /// Frees the snapshot, encoder scratch and buffer if a shutdown happened
    /// while a scrape was running (the shutdown could not take the lock then).
    fn release_if_shut_down(&self, state: &mut ScrapeState) -> bool {
        let shut_down = self.inner.state.load(Ordering::Acquire) == SHUT_DOWN;
        if shut_down {
            *state = ScrapeState::new(&self.inner.config);
        }
        shut_down
    }

    fn check_state(&self) -> Result<(), Error> {
        match self.inner.state.load(Ordering::Acquire) {
            REGISTERED => Ok(()),
            UNREGISTERED => Err(Error::NotRegistered),
            _ => Err(Error::Shutdown),
        }
    }

    fn collect_into(&self, metrics: &mut ResourceMetrics) -> Result<(), Error> {
        self.check_state()?;
        match self.inner.manual.collect(metrics) {
            Ok(()) => Ok(()),
            // A shutdown racing with this scrape makes the SDK fail with an
            // opaque internal error; report it precisely.
            Err(e) => Err(self.check_state().err().unwrap_or(Error::Collect(e))),
        }
    }
}

impl MetricReader for PrometheusReader {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.inner.manual.register_pipeline(pipeline);
        // A reader shut down before it was registered stays shut down.
        let _ = self.inner.state.compare_exchange(
            UNREGISTERED,
            REGISTERED,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        if self.inner.state.load(Ordering::Acquire) == SHUT_DOWN {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.inner.manual.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.manual.force_flush()
    }

    /// Shuts the reader down: every later scrape returns [`Error::Shutdown`],
    /// and the reader-owned buffers are freed (right away unless a scrape is
    /// running, else when it finishes). Idempotent: a second call returns `Ok`.
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.state.store(SHUT_DOWN, Ordering::Release);
        // `try_lock`: never wait here, so a provider shut down from inside a
        // scrape (or concurrently with one) cannot deadlock.
        if let Ok(mut state) = self.inner.scrape.try_lock() {
            *state = ScrapeState::new(&self.inner.config);
        }
        self.inner.manual.shutdown_with_timeout(timeout)
    }

    fn temporality(&self, _kind: InstrumentKind) -> Temporality {
        Temporality::Cumulative
    }
}

/// Output buffers up to this capacity are never shrunk.
const BUFFER_FLOOR: usize = 64 * 1024;

/// The shrink policy for the output buffer, on the body sizes of the last
/// scrapes (documented on [`PrometheusReader`] under "Memory").
fn shrink(sizes: &SizeWindow, buf: &mut Vec<u8>) {
    if sizes.oversized(buf.capacity(), BUFFER_FLOOR) {
        buf.shrink_to(sizes.largest().saturating_mul(2).max(BUFFER_FLOOR));
    }
}

#[cfg(test)]
mod tests {
    use super::{shrink, SizeWindow, BUFFER_FLOOR};

    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;

    /// One simulated scrape: fill the buffer like an encoder would, record
    /// the size, apply the policy; returns the capacity kept.
    fn scrape(window: &mut SizeWindow, buf: &mut Vec<u8>, size: usize) -> usize {
        buf.clear();
        buf.resize(size, b'x');
        window.push(size);
        shrink(window, buf);
        buf.capacity()
    }

    #[test]
    fn outlier_is_released_after_the_window() {
        let mut window = SizeWindow::default();
        let mut buf = Vec::new();
        for _ in 0..3 {
            scrape(&mut window, &mut buf, 10 * KIB);
        }
        let huge = scrape(&mut window, &mut buf, 16 * MIB);
        assert!(huge >= 16 * MIB);
        // The outlier is still within the last 8 sizes: nothing is released.
        for _ in 0..SizeWindow::LEN - 1 {
            assert_eq!(scrape(&mut window, &mut buf, 10 * KIB), huge);
        }
        // The 8th small scrape pushes it out: back to the 64 KiB floor.
        let after = scrape(&mut window, &mut buf, 10 * KIB);
        assert!(after <= BUFFER_FLOOR, "capacity {after}");
        assert!(after >= 10 * KIB);
        for _ in 0..20 {
            assert_eq!(scrape(&mut window, &mut buf, 10 * KIB), after);
        }
    }

    #[test]
    fn large_steady_bodies_keep_at_most_twice_their_size() {
        let mut window = SizeWindow::default();
        let mut buf = Vec::new();
        scrape(&mut window, &mut buf, 64 * MIB);
        for _ in 0..SizeWindow::LEN {
            scrape(&mut window, &mut buf, 3 * MIB);
        }
        let cap = buf.capacity();
        assert!((3 * MIB..=6 * MIB).contains(&cap), "capacity {cap}");
        // Steady state: no further reallocation.
        for _ in 0..20 {
            assert_eq!(scrape(&mut window, &mut buf, 3 * MIB), cap);
        }
    }

    #[test]
    fn periodic_sizes_do_not_thrash() {
        let mut window = SizeWindow::default();
        let mut buf = Vec::new();
        // One big scrape every 8: the capacity never changes after the first.
        let cap = scrape(&mut window, &mut buf, 8 * MIB);
        for round in 0..10 {
            for _ in 0..SizeWindow::LEN - 1 {
                assert_eq!(scrape(&mut window, &mut buf, 4 * KIB), cap, "round {round}");
            }
            assert_eq!(scrape(&mut window, &mut buf, 8 * MIB), cap, "round {round}");
        }
    }

    #[test]
    fn small_buffers_are_never_shrunk() {
        let mut window = SizeWindow::default();
        let mut buf = Vec::with_capacity(BUFFER_FLOOR);
        for _ in 0..3 * SizeWindow::LEN {
            assert_eq!(scrape(&mut window, &mut buf, 10), BUFFER_FLOOR);
        }
    }
}
