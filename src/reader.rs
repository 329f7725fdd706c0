//! The pull reader: an OpenTelemetry `MetricReader` that collects and encodes on demand.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

#[cfg(feature = "gzip")]
use crate::encoding::{compress, Gzip};
use crate::window::SizeWindow;
use crate::{Config, ContentEncoding, EncodeStats, Encoder, Error, Escaping, Format, Negotiated};

const UNREGISTERED: u8 = 0;
const REGISTERED: u8 = 1;
const SHUT_DOWN: u8 = 2;
/// Passed to a second provider: every scrape fails with [`Error::RegisteredTwice`].
const REGISTERED_TWICE: u8 = 3;

/// A pull [`MetricReader`] that writes Prometheus text 0.0.4, OpenMetrics 1.0 or the
/// Prometheus protobuf format on demand.
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
/// [`Error::Collect`] when the SDK fails otherwise. A reader belongs to one
/// provider: passed to a second one, every scrape returns
/// [`Error::RegisteredTwice`] from then on (the SDK would otherwise ignore
/// the second provider's metrics, and its shutdown would end the first's
/// scrapes). No method panics.
///
/// A panic raised inside the SDK's collection, for instance by an
/// observable instrument's callback, propagates to the scrape that ran the
/// callback. The reader's own lock is recovered, but the SDK's is not: the
/// panic poisons the provider's pipeline lock, so **every later scrape
/// returns [`Error::Collect`] ("Failed to lock pipeline") until the process
/// builds a new `SdkMeterProvider` with a new `PrometheusReader`** (a reader
/// cannot be moved to another provider). Callbacks should therefore not
/// panic: wrap fallible work in a callback in
/// [`std::panic::catch_unwind`] and observe nothing when it fails.
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
/// Compression, when negotiated, also runs after the lock is released.
///
/// Concurrent scrapes share one collect. A scrape that arrives while another
/// one's collect is running waits for that collect and is answered from the
/// same snapshot, encoded in its own negotiated format, instead of running
/// the SDK's collect (and every observable callback) again. A scrape that
/// arrives when no collect is running always gets a collect that started
/// after it arrived, so sequential scrapes never see stale data.
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
/// SDK's: it holds whatever the last collect produced. With the `gzip`
/// feature, a gzip compressor's state (about 300 KiB) is created by the
/// first compressed scrape and reused, as is the buffer it writes into,
/// which follows the output buffer's 8-scrape, 4× rule on the compressed
/// sizes. A scrape that finds them lent to a concurrent one creates its own.
#[derive(Clone)]
pub struct PrometheusReader {
    inner: Arc<Inner>,
}

struct Inner {
    manual: ManualReader,
    state: AtomicU8,
    /// Set by the first `register_pipeline`.
    registered: AtomicBool,
    config: Config,
    /// The number of collects started, times two, plus one while the last
    /// of them is running. Written only under the `scrape` lock.
    collects: AtomicU64,
    scrape: Mutex<ScrapeState>,
}

struct ScrapeState {
    metrics: ResourceMetrics,
    /// The number of the collect whose data `metrics` holds (0: none).
    collected: u64,
    encoder: Encoder,
    buf: Vec<u8>,
    sizes: SizeWindow,
    /// The compressor and its output buffer; `None` while lent out.
    #[cfg(feature = "gzip")]
    gzip: Option<Gzip>,
    /// Compressed body sizes, for the shrink rule of `gzip.out`.
    #[cfg(feature = "gzip")]
    gzip_sizes: SizeWindow,
}

impl ScrapeState {
    fn new(config: &Config) -> Self {
        ScrapeState {
            metrics: ResourceMetrics::default(),
            collected: 0,
            encoder: Encoder::new(config.clone()),
            buf: Vec::new(),
            sizes: SizeWindow::default(),
            #[cfg(feature = "gzip")]
            gzip: None,
            #[cfg(feature = "gzip")]
            gzip_sizes: SizeWindow::default(),
        }
    }
}

/// An encoded body taken out of the reader's state, used without its lock.
struct Lent {
    /// The body as encoded.
    buf: Vec<u8>,
    /// With gzip negotiated: the compressor, whose `out` holds the body.
    #[cfg(feature = "gzip")]
    gzip: Option<Gzip>,
}

impl Lent {
    /// The bytes to send.
    fn body(&self) -> &[u8] {
        #[cfg(feature = "gzip")]
        if let Some(gzip) = &self.gzip {
            return &gzip.out;
        }
        &self.buf
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
            REGISTERED_TWICE => "registered twice",
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
                registered: AtomicBool::new(false),
                collects: AtomicU64::new(0),
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

    /// Like [`encode`](Self::encode), with the format, name escaping and
    /// content coding of a negotiation result (see [`negotiate`](crate::negotiate)
    /// and [`Negotiated::with_encoding`]). On error nothing is appended.
    ///
    /// With a compressed [`Negotiated::encoding`], the body is encoded into
    /// the reader's buffer and compressed into `out` after the lock is
    /// released; the returned [`EncodeStats::bytes`] then counts the bytes
    /// before compression.
    ///
    /// ```
    /// use opentelemetry::metrics::MeterProvider as _;
    /// use opentelemetry_sdk::metrics::SdkMeterProvider;
    /// use otel_expfmt::{negotiate, negotiate_encoding, PrometheusReader};
    ///
    /// let reader = PrometheusReader::default();
    /// let provider = SdkMeterProvider::builder().with_reader(reader.clone()).build();
    /// provider.meter("shop").u64_counter("orders").build().add(2, &[]);
    ///
    /// let negotiated = negotiate(None).with_encoding(negotiate_encoding(Some("gzip")));
    /// let mut body = Vec::new();
    /// let stats = reader.encode_negotiated(negotiated, &mut body)?;
    /// match negotiated.content_encoding() {
    ///     // Built with the `gzip` feature: a gzip member (RFC 1952).
    ///     Some("gzip") => assert!(body.starts_with(&[0x1f, 0x8b])),
    ///     _ => assert_eq!(body.len() as u64, stats.bytes),
    /// }
    /// # Ok::<(), otel_expfmt::Error>(())
    /// ```
    pub fn encode_negotiated(
        &self,
        negotiated: Negotiated,
        out: &mut Vec<u8>,
    ) -> Result<EncodeStats, Error> {
        let wanted = self.wanted();
        let mut guard = self.lock();
        let state = &mut *guard;
        self.collect_for(wanted, state)?;
        match negotiated.encoding() {
            ContentEncoding::Identity => {
                let stats = state.encoder.encode_with(
                    &state.metrics,
                    negotiated.format(),
                    negotiated.escaping(),
                    out,
                );
                self.release_if_shut_down(state);
                Ok(stats)
            }
            #[cfg(feature = "gzip")]
            ContentEncoding::Gzip => {
                let (mut lent, stats) = self.encode_lent(negotiated, state);
                drop(guard);
                let gzip = lent.gzip.get_or_insert_with(Gzip::new);
                let len = out.len();
                let compressed = compress(&mut gzip.state, &lent.buf, out);
                if compressed.is_err() {
                    out.truncate(len);
                }
                self.give_back(lent);
                compressed?;
                Ok(stats)
            }
        }
    }

    /// Collects and encodes into the reader-owned buffer, then lends the bytes
    /// to `f` (e.g. to write an HTTP response body without a copy) and returns
    /// what `f` returns.
    ///
    /// `f` runs without the reader's lock held, so it may block on I/O, scrape
    /// again, or even shut the provider down. If `f` panics the reader stays
    /// usable (the buffer is simply reallocated by the next scrape).
    ///
    /// With a compressed [`Negotiated::encoding`], `f` gets the compressed
    /// bytes, from a reader-owned buffer too; send
    /// [`Negotiated::content_encoding`] with them.
    ///
    /// ```
    /// use opentelemetry::metrics::MeterProvider as _;
    /// use opentelemetry_sdk::metrics::SdkMeterProvider;
    /// use otel_expfmt::{negotiate, negotiate_encoding, PrometheusReader};
    ///
    /// let reader = PrometheusReader::default();
    /// let provider = SdkMeterProvider::builder().with_reader(reader.clone()).build();
    /// provider.meter("shop").u64_counter("orders").build().add(2, &[]);
    ///
    /// // From the request: `Accept` and `Accept-Encoding`.
    /// let negotiated = negotiate(Some("application/openmetrics-text"))
    ///     .with_encoding(negotiate_encoding(Some("gzip")));
    /// let (length, content_encoding) = reader.scrape(negotiated, |body| {
    ///     // A server writes the headers and `body` here.
    ///     (body.len(), negotiated.content_encoding())
    /// })?;
    /// assert!(length > 0);
    /// assert_eq!(content_encoding, if cfg!(feature = "gzip") { Some("gzip") } else { None });
    /// # Ok::<(), otel_expfmt::Error>(())
    /// ```
    pub fn scrape<R>(
        &self,
        negotiated: Negotiated,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, Error> {
        let (lent, _stats) = self.render(negotiated)?;
        let result = f(lent.body());
        self.give_back(lent);
        Ok(result)
    }

    /// Collects, encodes into the reader-owned buffer and writes the bytes to
    /// `w` with `write_all` (without holding the reader's lock). Does not flush `w`.
    /// With a compressed [`Negotiated::encoding`] it writes the compressed
    /// bytes, and [`EncodeStats::bytes`] counts the bytes before compression.
    pub fn write_to<W: io::Write + ?Sized>(
        &self,
        negotiated: Negotiated,
        w: &mut W,
    ) -> Result<EncodeStats, Error> {
        let (lent, stats) = self.render(negotiated)?;
        let written = w.write_all(lent.body());
        self.give_back(lent);
        written?;
        Ok(stats)
    }

    /// The capacity in bytes of the reader-owned output buffers right now:
    /// the encoded body's and, with the `gzip` feature once a compressed
    /// scrape ran, the compressed body's (see the shrink policy under
    /// "Memory" above). Zero after shutdown, and while the buffers are lent
    /// out by [`scrape`](Self::scrape) or [`write_to`](Self::write_to).
    pub fn buffer_capacity(&self) -> usize {
        let state = self.lock();
        #[cfg(feature = "gzip")]
        if let Some(gzip) = &state.gzip {
            return state.buf.capacity() + gzip.out.capacity();
        }
        state.buf.capacity()
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
                // A collect that panicked leaves its running bit set. That
                // is harmless: the fresh state holds no collect, so the
                // next scrape collects, and one that read the stale bit
                // accepts only collects numbered after the panicked one,
                // which all start after it arrived.
                self.inner.scrape.clear_poison();
                guard
            }
        }
    }

    /// The lowest collect number a scrape arriving now may be answered
    /// from: the collect running right now, or else the next one to start.
    fn wanted(&self) -> u64 {
        let collects = self.inner.collects.load(Ordering::SeqCst);
        let started = collects >> 1;
        if collects & 1 == 1 {
            started
        } else {
            started + 1
        }
    }

    /// Makes `state.metrics` hold a collect numbered `wanted` or later:
    /// the one already there if it qualifies, or else a new one.
    fn collect_for(&self, wanted: u64, state: &mut ScrapeState) -> Result<(), Error> {
        self.check_state()?;
        if state.collected >= wanted {
            return Ok(());
        }
        let number = (self.inner.collects.load(Ordering::SeqCst) >> 1) + 1;
        self.inner.collects.store(number << 1 | 1, Ordering::SeqCst);
        state.collected = 0;
        let collected = self.collect_into(&mut state.metrics);
        self.inner.collects.store(number << 1, Ordering::SeqCst);
        collected?;
        state.collected = number;
        Ok(())
    }

    /// Collects (or shares a running collect) and encodes into the
    /// reader-owned buffer, which is taken out of the state with the
    /// compressor, if one is negotiated; the lock is released and the body
    /// compressed before this returns. Hand them back with `give_back`.
    fn render(&self, negotiated: Negotiated) -> Result<(Lent, EncodeStats), Error> {
        let wanted = self.wanted();
        let mut guard = self.lock();
        self.collect_for(wanted, &mut guard)?;
        #[cfg_attr(not(feature = "gzip"), allow(unused_mut))]
        let (mut lent, stats) = self.encode_lent(negotiated, &mut guard);
        drop(guard);
        #[cfg(feature = "gzip")]
        if let Some(gzip) = &mut lent.gzip {
            gzip.out.clear();
            if let Err(e) = compress(&mut gzip.state, &lent.buf, &mut gzip.out) {
                self.give_back(lent);
                return Err(Error::Io(e));
            }
        }
        Ok((lent, stats))
    }

    /// Encodes the collected snapshot into the reader-owned buffer, taken
    /// out of the state, and takes the compressor out too if `negotiated`
    /// is compressed (a new one if it is lent out).
    fn encode_lent(&self, negotiated: Negotiated, state: &mut ScrapeState) -> (Lent, EncodeStats) {
        let mut buf = std::mem::take(&mut state.buf);
        buf.clear();
        let stats = state.encoder.encode_with(
            &state.metrics,
            negotiated.format(),
            negotiated.escaping(),
            &mut buf,
        );
        state.sizes.push(buf.len());
        let lent = Lent {
            buf,
            #[cfg(feature = "gzip")]
            gzip: match negotiated.encoding() {
                ContentEncoding::Gzip => Some(state.gzip.take().unwrap_or_else(Gzip::new)),
                ContentEncoding::Identity => None,
            },
        };
        (lent, stats)
    }

    /// Puts lent buffers back (keeping the larger output buffer, or the
    /// compressor already there, if a concurrent scrape put one back first)
    /// and applies the shrink policy.
    fn give_back(&self, lent: Lent) {
        let mut state = self.lock();
        if self.release_if_shut_down(&mut state) {
            return; // dropping `lent` frees it
        }
        let mut buf = lent.buf;
        if buf.capacity() > state.buf.capacity() {
            buf.clear();
            state.buf = buf;
        }
        let sizes = state.sizes;
        shrink(&sizes, &mut state.buf);
        #[cfg(feature = "gzip")]
        if let Some(gzip) = lent.gzip {
            if !gzip.out.is_empty() {
                state.gzip_sizes.push(gzip.out.len());
            }
            // A concurrent scrape may have put one back already: keep that.
            if state.gzip.is_none() {
                state.gzip = Some(gzip);
            }
        }
        #[cfg(feature = "gzip")]
        if let ScrapeState {
            gzip: Some(gzip),
            gzip_sizes,
            ..
        } = &mut *state
        {
            gzip.out.clear();
            shrink(gzip_sizes, &mut gzip.out);
        }
    }

    /// Frees the snapshot, encoder scratch and buffers if a shutdown (or a
    /// second registration) happened while a scrape was running (the
    /// shutdown could not take the lock then).
    fn release_if_shut_down(&self, state: &mut ScrapeState) -> bool {
        let shut_down = self.inner.state.load(Ordering::Acquire) != REGISTERED;
        if shut_down {
            *state = ScrapeState::new(&self.inner.config);
        }
        shut_down
    }

    fn check_state(&self) -> Result<(), Error> {
        match self.inner.state.load(Ordering::Acquire) {
            REGISTERED => Ok(()),
            UNREGISTERED => Err(Error::NotRegistered),
            REGISTERED_TWICE => Err(Error::RegisteredTwice),
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
    /// Registers the reader with its provider's pipeline. A second call
    /// (a second provider) is refused: from then on every scrape returns
    /// [`Error::RegisteredTwice`].
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        if self.inner.registered.swap(true, Ordering::AcqRel) {
            // The SDK's reader keeps the first pipeline only; the second
            // provider's metrics would silently be missing.
            self.inner.state.store(REGISTERED_TWICE, Ordering::Release);
            return;
        }
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
        match self.inner.state.load(Ordering::Acquire) {
            SHUT_DOWN => return Err(OTelSdkError::AlreadyShutdown),
            REGISTERED_TWICE => {
                return Err(OTelSdkError::InternalFailure(
                    Error::RegisteredTwice.to_string(),
                ))
            }
            _ => {}
        }
        self.inner.manual.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.manual.force_flush()
    }

    /// Shuts the reader down: every later scrape returns [`Error::Shutdown`]
    /// (or still [`Error::RegisteredTwice`] for a reader passed to two
    /// providers), and the reader-owned buffers are freed (right away unless
    /// a scrape is running, else when it finishes). Idempotent: a second
    /// call returns `Ok`.
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let _ = self
            .inner
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                (state != REGISTERED_TWICE).then_some(SHUT_DOWN)
            });
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
