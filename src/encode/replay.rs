//! The steady state without re-rendering ("replay").
//!
//! Between two scrapes an application's metrics usually keep their shape:
//! the same scopes, instruments and attribute sets, handed over in the same
//! order; only the values move. After an encode done in full, the encoder
//! keeps a *print* of the snapshot: every input that encode read except the
//! values, in walk order. The next encode of a snapshot first walks it
//! against that print. If every byte matches, the label blocks, families and
//! series order left in the scratch by the previous encode are still exactly
//! right: only the values are refreshed and the lines written again. At the
//! first difference (a new series, another attribute value, a new
//! description, other bounds) the comparison stops and the encode is done in
//! full, which records a new print.
//!
//! An encode is only replayed if its output depended on the values at no
//! other place than where they are written: not with exemplars, duplicate
//! series (values break their ties), counter values that OpenMetrics cannot
//! carry (a new one would change which series are written) or exponential
//! histograms (their bucket layout moves with the values).

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::Temporality;

use super::model::{Model, Number, SeriesValue};
use super::parts::time_nanos;
use super::walk::{kv, ToNumber};
use crate::{EncodeStats, Escaping, Format};

/// Tags of the print's grammar: each element of a sequence starts with its
/// tag, each sequence ends with `END`, so the print is self-delimiting.
const END: u8 = 0;
const ITEM: u8 = 1;

/// Tags of a long text (a name, description or unit of at least
/// [`Strings::LONG`](super::model::Strings::LONG) bytes): its bytes follow
/// (`LITERAL`), or they are those of a text earlier in the print (`SAME`,
/// then that text's offset). A description shared by many metrics is
/// printed once, and compared with the bytes printed once.
const LITERAL: u8 = 1;
const SAME: u8 = 2;

/// Prints longer than this warm each metric's attributes up before
/// comparing them (see [`warm`]): their snapshots no longer fit in a core's
/// nearer caches, which the SDK's collect has just filled with other data.
/// Tuned on one machine (1 MiB of L2 per core): the W3 benchmark's print
/// (1.26 MB) gains, W1's (104 KB) would only pay; W2's (241 KB) stays
/// below and was not measured with warming.
const WARM_ABOVE: usize = 256 * 1024;

/// What the encoder keeps for replaying its last full encode.
#[derive(Default)]
pub(super) struct Replay {
    /// The format and escaping of the encode the print belongs to, when
    /// that encode can be replayed.
    pub ready: Option<(Format, Escaping)>,
    /// The print of the snapshot that encode read.
    pub print: Vec<u8>,
    /// Rendering space for array attribute values.
    pub text: String,
    /// Encodes in a row that could not replay (see [`Replay::worth_recording`]).
    pub misses: u32,
    /// Its stats once the series were ordered, before anything was written.
    pub stats: EncodeStats,
    /// Long texts printed so far by the recording walk: address, length
    /// and offset of their bytes in the print.
    pub long: Vec<(usize, usize, usize)>,
}

impl Replay {
    /// Whether to record a print after the full encode that is the
    /// `misses`-th in a row. A setup whose snapshots never replay (their shape
    /// changes every time, or they carry exemplars) would otherwise pay for a
    /// print and a failed comparison on every call: after four misses in a
    /// row, only every sixteenth full encode records.
    pub fn worth_recording(&self) -> bool {
        self.misses <= 4 || self.misses % 16 == 0
    }
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("ready", &self.ready)
            .field("print_bytes", &self.print.len())
            .field("misses", &self.misses)
            .finish_non_exhaustive()
    }
}

/// One side of the print: [`Recorder`] appends to it, [`Checker`] compares
/// the walk with it and refreshes the values. `None` stops the walk: a
/// snapshot that cannot be replayed, or one that differs from the print.
trait Print {
    /// Bytes of structure whose length the grammar fixes at this point.
    fn raw(&mut self, bytes: &[u8]) -> Option<()>;
    /// One byte of structure (a tag).
    fn byte(&mut self, b: u8) -> Option<()> {
        self.raw(&[b])
    }
    /// Eight bytes of structure (a length, a number).
    fn word(&mut self, w: u64) -> Option<()> {
        self.raw(&w.to_le_bytes())
    }
    /// A reusable buffer for rendering the rare attribute values that are
    /// neither strings nor numbers (arrays).
    fn text(&mut self) -> &mut String;
    /// Whether the `j`-th metric of the walk was recorded (or dropped) by the full encode.
    fn recorded(&mut self, j: usize) -> Option<bool>;
    /// Whether to [`warm`] each metric's attributes before walking them.
    fn warms(&self) -> bool {
        false
    }
    /// A number point of a recorded metric.
    fn number(&mut self, value: Number) -> Option<()>;
    /// A histogram point of a recorded metric; `bounds` and `counts` give
    /// its bounds and bucket counts afresh at each call.
    fn histogram<B, C>(
        &mut self,
        bounds: impl Fn() -> B,
        counts: impl Fn() -> C,
        count: u64,
        sum: Number,
    ) -> Option<()>
    where
        B: Iterator<Item = f64>,
        C: Iterator<Item = u64>;

    /// Variable-length bytes of structure: their length, then the bytes.
    fn piece(&mut self, bytes: &[u8]) -> Option<()> {
        self.word(bytes.len() as u64)?;
        self.raw(bytes)
    }

    /// A metric's name, description or unit: like [`Print::piece`], but a
    /// long one that repeats an earlier one is printed as a reference.
    fn text_piece(&mut self, text: &str) -> Option<()> {
        if text.len() < super::model::Strings::LONG {
            return self.piece(text.as_bytes());
        }
        self.word(text.len() as u64)?;
        self.long(text.as_bytes())
    }

    /// The rest of a long text after its length (see [`LITERAL`], [`SAME`]).
    fn long(&mut self, bytes: &[u8]) -> Option<()>;
}

/// Appends a print while it walks (after an encode done in full).
struct Recorder<'a> {
    print: &'a mut Vec<u8>,
    walked: &'a [bool],
    text: &'a mut String,
    long: &'a mut Vec<(usize, usize, usize)>,
}

impl Print for Recorder<'_> {
    fn raw(&mut self, bytes: &[u8]) -> Option<()> {
        self.print.extend_from_slice(bytes);
        Some(())
    }

    fn long(&mut self, bytes: &[u8]) -> Option<()> {
        // The snapshot is borrowed for the whole walk: a text at the address
        // and length of one printed before has its bytes.
        let key = (bytes.as_ptr() as usize, bytes.len());
        if let Some(&(_, _, at)) = self.long.iter().find(|&&(p, n, _)| (p, n) == key) {
            self.byte(SAME)?;
            return self.word(at as u64);
        }
        self.byte(LITERAL)?;
        self.long.push((key.0, key.1, self.print.len()));
        self.raw(bytes)
    }

    fn text(&mut self) -> &mut String {
        self.text
    }

    fn recorded(&mut self, j: usize) -> Option<bool> {
        self.walked.get(j).copied()
    }

    fn number(&mut self, _: Number) -> Option<()> {
        Some(())
    }

    fn histogram<B, C>(
        &mut self,
        _: impl Fn() -> B,
        _: impl Fn() -> C,
        _: u64,
        _: Number,
    ) -> Option<()>
    where
        B: Iterator<Item = f64>,
        C: Iterator<Item = u64>,
    {
        Some(())
    }
}

/// Compares a walk with the print and writes the new values into the
/// series of the previous encode, in the order it recorded them.
struct Checker<'a> {
    print: &'a [u8],
    at: usize,
    text: &'a mut String,
    /// Long texts of this walk found equal to the print's: address,
    /// length and offset of their bytes in the print.
    long: &'a mut Vec<(usize, usize, usize)>,
    m: &'a mut Model,
    /// The next series to refresh.
    series: usize,
    /// Whether to [`warm`] each metric's attributes first.
    warm: bool,
}

impl Print for Checker<'_> {
    fn raw(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.at + bytes.len();
        if !same(self.print.get(self.at..end)?, bytes) {
            return None;
        }
        self.at = end;
        Some(())
    }

    // Tags and lengths are most of the comparisons: without a `memcmp` call.
    fn byte(&mut self, b: u8) -> Option<()> {
        if *self.print.get(self.at)? != b {
            return None;
        }
        self.at += 1;
        Some(())
    }

    fn word(&mut self, w: u64) -> Option<()> {
        let end = self.at + 8;
        if word(self.print.get(self.at..end)?) != w {
            return None;
        }
        self.at = end;
        Some(())
    }

    fn long(&mut self, bytes: &[u8]) -> Option<()> {
        let tag = *self.print.get(self.at)?;
        self.at += 1;
        let key = (bytes.as_ptr() as usize, bytes.len());
        match tag {
            LITERAL => {
                let at = self.at;
                self.raw(bytes)?;
                self.long.push((key.0, key.1, at));
            }
            SAME => {
                let at = word(self.print.get(self.at..self.at + 8)?) as usize;
                self.at += 8;
                // The snapshot is borrowed for the whole walk: a text at
                // the address and length of one already found equal to
                // these print bytes is equal too.
                if !self.long.contains(&(key.0, key.1, at)) {
                    if !same(self.print.get(at..at.checked_add(bytes.len())?)?, bytes) {
                        return None;
                    }
                    self.long.push((key.0, key.1, at));
                }
            }
            _ => return None,
        }
        Some(())
    }

    fn text(&mut self) -> &mut String {
        self.text
    }

    fn recorded(&mut self, j: usize) -> Option<bool> {
        self.m.walked.get(j).copied()
    }

    fn warms(&self) -> bool {
        self.warm
    }

    fn number(&mut self, value: Number) -> Option<()> {
        let e = self.m.series.get_mut(self.series)?;
        let SeriesValue::Number(_) = e.value else {
            return None;
        };
        e.value = SeriesValue::Number(value);
        self.series += 1;
        Some(())
    }

    fn histogram<B, C>(
        &mut self,
        bounds: impl Fn() -> B,
        counts: impl Fn() -> C,
        count: u64,
        sum: Number,
    ) -> Option<()>
    where
        B: Iterator<Item = f64>,
        C: Iterator<Item = u64>,
    {
        let m = &mut *self.m;
        let e = m.series.get_mut(self.series)?;
        let SeriesValue::Histogram { buckets, .. } = e.value else {
            return None;
        };
        // The bounds are in the print. When the full encode kept every one
        // of them (no NaN, infinite or out-of-order bound merged away, which
        // the SDK does not let through), the cumulative counts are running
        // sums, written in place; otherwise this is no replay.
        let cumulative = &mut m.cumulative[buckets.range()];
        let mut counts_now = counts();
        let mut total = 0u64;
        let mut kept = 0;
        let mut extra = false;
        for _ in bounds() {
            if kept == cumulative.len() {
                extra = true;
                break;
            }
            total = total.saturating_add(counts_now.next().unwrap_or(0));
            cumulative[kept] = total;
            kept += 1;
        }
        if kept != cumulative.len() || extra {
            return None;
        }
        let count = counts_now
            .fold(total, |t, c| t.saturating_add(c))
            .max(count);
        e.value = SeriesValue::Histogram {
            buckets,
            count,
            sum,
        };
        self.series += 1;
        Some(())
    }
}

/// Eight bytes as a little-endian word (`bytes` is 8 long).
fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().expect("8 bytes"))
}

/// `a == b` for slices of equal length; short ones (most attribute keys and
/// values) without a `memcmp` call.
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        false
    } else if n < 8 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else if n <= 16 {
        // Two words, overlapping when shorter than 16.
        word(&a[..8]) == word(&b[..8]) && word(&a[n - 8..]) == word(&b[n - 8..])
    } else {
        a == b
    }
}

impl Replay {
    /// Records the print of `metrics`, just encoded in full into `m`; false
    /// when that encode cannot be replayed.
    pub fn record(&mut self, metrics: &ResourceMetrics, start_times: bool, m: &Model) -> bool {
        self.print.clear();
        self.long.clear();
        if !m.exemplars.is_empty() {
            return false;
        }
        let mut recorder = Recorder {
            print: &mut self.print,
            walked: &m.walked,
            text: &mut self.text,
            long: &mut self.long,
        };
        walk(metrics, start_times, &mut recorder) == Some(m.walked.len())
    }

    /// Walks `metrics` against the print, refreshing the values of the
    /// series in `m`. True if the snapshot matched the print in everything
    /// but values (the model is then ready to be written again); after
    /// false the model holds a mix of old and new values and must be rebuilt.
    pub fn check(&mut self, metrics: &ResourceMetrics, start_times: bool, m: &mut Model) -> bool {
        self.long.clear();
        let mut checker = Checker {
            print: &self.print,
            at: 0,
            text: &mut self.text,
            long: &mut self.long,
            m,
            series: 0,
            warm: self.print.len() > WARM_ABOVE,
        };
        walk(metrics, start_times, &mut checker).is_some()
            && checker.at == checker.print.len()
            && checker.series == checker.m.series.len()
    }
}

/// The walk of [`super::walk`], printing what the full encode reads apart
/// from values; returns how many metrics it visited.
fn walk<P: Print>(metrics: &ResourceMetrics, start_times: bool, p: &mut P) -> Option<usize> {
    attributes(p, metrics.resource().iter().map(|(k, v)| (k.as_str(), v)))?;
    let mut j = 0;
    for sm in metrics.scope_metrics() {
        p.byte(ITEM)?;
        let scope = sm.scope();
        p.piece(scope.name().as_bytes())?;
        for part in [scope.version(), scope.schema_url()] {
            match part {
                Some(text) => {
                    p.byte(ITEM)?;
                    p.piece(text.as_bytes())?;
                }
                None => p.byte(END)?,
            }
        }
        attributes(p, scope.attributes().map(kv))?;
        for metric in sm.metrics() {
            p.byte(ITEM)?;
            let recorded = p.recorded(j)?;
            j += 1;
            match metric.data() {
                AggregatedMetrics::F64(d) => data(p, metric, d, 3, recorded, start_times)?,
                AggregatedMetrics::U64(d) => data(p, metric, d, 1, recorded, start_times)?,
                AggregatedMetrics::I64(d) => data(p, metric, d, 2, recorded, start_times)?,
            }
        }
        p.byte(END)?;
    }
    p.byte(END)?;
    Some(j)
}

fn attributes<'a, P: Print>(
    p: &mut P,
    list: impl Iterator<Item = (&'a str, &'a Value)>,
) -> Option<()> {
    for (key, value) in list {
        p.byte(ITEM)?;
        p.piece(key.as_bytes())?;
        match value {
            Value::String(s) => {
                p.byte(1)?;
                p.piece(s.as_str().as_bytes())?;
            }
            Value::I64(i) => {
                p.byte(2)?;
                p.word(*i as u64)?;
            }
            Value::F64(f) => {
                p.byte(3)?;
                p.word(f.to_bits())?;
            }
            Value::Bool(b) => p.raw(&[4, u8::from(*b)])?,
            // Arrays (and whatever later versions add): as the encoder renders them.
            other => {
                let mut text = std::mem::take(p.text());
                text.clear();
                crate::value::write_value(other, &mut text);
                let same = p.byte(5).and_then(|()| p.piece(text.as_bytes()));
                *p.text() = text;
                same?;
            }
        }
    }
    p.byte(END)
}

fn data<P: Print, T: ToNumber>(
    p: &mut P,
    metric: &Metric,
    data: &MetricData<T>,
    number_type: u8,
    recorded: bool,
    start_times: bool,
) -> Option<()> {
    for text in [metric.name(), metric.description(), metric.unit()] {
        p.text_piece(text)?;
    }
    let (kind, temporality, start) = match data {
        MetricData::Gauge(_) => (0, Temporality::Cumulative, None),
        MetricData::Sum(s) if s.is_monotonic() => (1, s.temporality(), Some(s.start_time())),
        MetricData::Sum(s) => (2, s.temporality(), None),
        MetricData::Histogram(h) => (3, h.temporality(), Some(h.start_time())),
        MetricData::ExponentialHistogram(h) => (4, h.temporality(), Some(h.start_time())),
    };
    let temporality = match temporality {
        Temporality::Cumulative => 0,
        Temporality::Delta => 1,
        _ => 2,
    };
    p.raw(&[number_type, kind, temporality])?;
    // The start time only matters where the full encode writes it.
    match start.filter(|_| start_times) {
        Some(t) => {
            p.byte(ITEM)?;
            p.raw(&time_nanos(t).to_le_bytes())?;
        }
        None => p.byte(END)?,
    }
    if p.warms() {
        let mut acc = 0;
        match data {
            MetricData::Gauge(g) => g
                .data_points()
                .for_each(|pt| warm(&mut acc, pt.attributes())),
            MetricData::Sum(s) => s
                .data_points()
                .for_each(|pt| warm(&mut acc, pt.attributes())),
            MetricData::Histogram(h) => h
                .data_points()
                .for_each(|pt| warm(&mut acc, pt.attributes())),
            MetricData::ExponentialHistogram(_) => {}
        }
        std::hint::black_box(acc);
    }
    match data {
        MetricData::Gauge(g) => {
            for pt in g.data_points() {
                point(p, pt.attributes(), pt.exemplars().count())?;
                if recorded {
                    p.number(pt.value().number())?;
                }
            }
        }
        MetricData::Sum(s) => {
            for pt in s.data_points() {
                point(p, pt.attributes(), pt.exemplars().count())?;
                if recorded {
                    p.number(pt.value().number())?;
                }
            }
        }
        MetricData::Histogram(h) => {
            for pt in h.data_points() {
                point(p, pt.attributes(), pt.exemplars().count())?;
                for b in pt.bounds() {
                    p.byte(ITEM)?;
                    p.word(b.to_bits())?;
                }
                p.byte(END)?;
                p.word(pt.bucket_counts().count() as u64)?;
                if recorded {
                    p.histogram(
                        || pt.bounds(),
                        || pt.bucket_counts(),
                        pt.count(),
                        pt.sum().number(),
                    )?;
                }
            }
        }
        MetricData::ExponentialHistogram(h) => {
            if recorded {
                return None;
            }
            for pt in h.data_points() {
                point(p, pt.attributes(), pt.exemplars().count())?;
            }
        }
    }
    p.byte(END)
}

fn point<'a, P: Print>(
    p: &mut P,
    list: impl Iterator<Item = &'a KeyValue>,
    exemplars: usize,
) -> Option<()> {
    if exemplars != 0 {
        return None;
    }
    p.byte(ITEM)?;
    attributes(p, list.map(kv))
}

/// Reads the first byte of each string attribute value of a point into
/// `acc`: [`data`] does this for all points of a metric, ahead of comparing
/// them. (Touching a histogram point's bounds and counts as well made no
/// measurable difference.)
///
/// Attribute keys are not read: most are `&'static str`, which the SDK's
/// clone shares rather than copies.
///
/// Right after the SDK's collect the snapshot sits in freshly allocated
/// memory that a large collect has pushed out of the core's nearer caches.
/// The comparison reads it one dependent load after another (point,
/// attribute list, string) with enough work in between that few misses
/// overlap; this short loop has many in flight at once, and the comparison
/// then finds the lines in cache. Where the snapshot stays in cache it is
/// pure overhead, hence [`WARM_ABOVE`].
fn warm<'a>(acc: &mut u64, attributes: impl Iterator<Item = &'a KeyValue>) {
    for kv in attributes {
        if let Value::String(s) = &kv.value {
            *acc ^= u64::from(s.as_str().as_bytes().first().copied().unwrap_or(0));
        }
    }
}
