//! The writer of Prometheus' protobuf exposition: length-delimited
//! `io.prometheus.client.MetricFamily` messages (prometheus/client_model's
//! `metrics.proto`), written by hand from the field table below.
//!
//! | message | fields written (number, wire type) |
//! |---|---|
//! | `MetricFamily` | name (1, len), help (2, len), type (3, varint), metric (4, len), unit (5, len) |
//! | `Metric` | label (1, len), gauge (2, len), counter (3, len), histogram (7, len) |
//! | `LabelPair` | name (1, len), value (2, len) |
//! | `Gauge` | value (1, 64-bit) |
//! | `Counter` | value (1, 64-bit), exemplar (2, len), created timestamp (3, len) |
//! | `Histogram` | sample_count (1), sample_sum (2), bucket (3), schema (5, zig-zag), zero_threshold (6), zero_count (7), negative_span (9), negative_delta (10, packed zig-zag), positive_span (12), positive_delta (13, packed zig-zag), created timestamp (15), exemplars (16) |
//! | `Bucket` | cumulative_count (1, varint), upper_bound (2, 64-bit), exemplar (3, len) |
//! | `BucketSpan` | offset (1, zig-zag), length (2, varint) |
//! | `Exemplar` | label (1, len), value (2, 64-bit), timestamp (3, len) |
//! | `Timestamp` | seconds (1, varint), nanos (2, varint) |
//!
//! Every length is computed before its message is written (sizes are pure
//! arithmetic on the model), so nothing is written twice or moved.
//!
//! A classic histogram lists its finite buckets and an explicit `+Inf` one.
//! A native histogram has integer counts only (deltas), a zero threshold
//! above 0 (so Prometheus 2.40 to 2.46 see it as native even when empty)
//! and spans built as Prometheus' Go client builds them: a gap of at most
//! two empty buckets is filled with zeros, a longer one starts a new span.

use super::families::{cmp_exemplars, latest_exemplar};
use super::model::{
    Dialect, ExemplarEntry, FamilyType, Model, NativeEntry, SeriesEntry, SeriesValue, Span,
};
use crate::{Config, DropReason, EncodeStats};

/// What the protobuf format needs from the model: counter families named
/// like their samples (`jobs_total`), start times and exemplars wherever the
/// format has fields for them, exponential histograms as native ones.
pub(super) fn dialect(config: &Config) -> Dialect {
    Dialect {
        counter_family_without_total: false,
        counters_need_total: false,
        counters_non_negative: false,
        exemplars: config.exemplars,
        // A field, not a series: Prometheus ignores it unless asked to use it.
        start_times: true,
        native_histograms: true,
        counter_suffixes: &[],
        histogram_suffixes: &["_bucket", "_sum", "_count"],
        target_info_names: &["target_info"],
    }
}

/// Buffers the writer keeps between calls.
#[derive(Debug, Default)]
pub(super) struct Cache {
    /// Each series' label block as `Metric.label` fields, for the model
    /// they were made from (see [`Cache::labels_for`]).
    labels: Vec<u8>,
    spans: Vec<Span>,
    /// The `generation` of the model `labels` belongs to.
    generation: Option<u64>,
    /// The sizes of the family being written, by series.
    sizes: Vec<Sized>,
    /// The span and delta fields of its native histograms.
    native: Vec<u8>,
    /// One label block as `LabelPair` fields (an exemplar's, `target_info`'s).
    tmp: Vec<u8>,
}

impl Cache {
    /// Converts every series' label block, unless the model is the one of
    /// the previous call (`generation` is the encoder's count of full
    /// encodes: a replay writes the same series with new values).
    fn labels_for(&mut self, model: &Model, generation: u64) {
        if self.generation == Some(generation) {
            return;
        }
        self.generation = Some(generation);
        self.labels.clear();
        self.spans.clear();
        for e in &model.series {
            let start = self.labels.len();
            label_fields(&mut self.labels, e.labels.get(&model.arena));
            self.spans.push(Span::new(start, self.labels.len()));
        }
    }
}

// Tags: (field number << 3) | wire type (0 varint, 1 64-bit, 2 length-delimited).
const FAMILY_NAME: u8 = 0x0a;
const FAMILY_HELP: u8 = 0x12;
const FAMILY_TYPE: u8 = 0x18;
const FAMILY_METRIC: u8 = 0x22;
const FAMILY_UNIT: u8 = 0x2a;
const METRIC_LABEL: u8 = 0x0a;
const METRIC_GAUGE: u8 = 0x12;
const METRIC_COUNTER: u8 = 0x1a;
const METRIC_HISTOGRAM: u8 = 0x3a;
const PAIR_NAME: u8 = 0x0a;
const PAIR_VALUE: u8 = 0x12;
const VALUE: u8 = 0x09;
const COUNTER_EXEMPLAR: u8 = 0x12;
const COUNTER_CREATED: u8 = 0x1a;
const HISTOGRAM_COUNT: u8 = 0x08;
const HISTOGRAM_SUM: u8 = 0x11;
const HISTOGRAM_BUCKET: u8 = 0x1a;
const HISTOGRAM_SCHEMA: u8 = 0x28;
const HISTOGRAM_ZERO_THRESHOLD: u8 = 0x31;
const HISTOGRAM_ZERO_COUNT: u8 = 0x38;
const HISTOGRAM_NEGATIVE_SPAN: u8 = 0x4a;
const HISTOGRAM_NEGATIVE_DELTA: u8 = 0x52;
const HISTOGRAM_POSITIVE_SPAN: u8 = 0x62;
const HISTOGRAM_POSITIVE_DELTA: u8 = 0x6a;
const HISTOGRAM_CREATED: u8 = 0x7a;
/// Field 16 needs a two-byte tag.
const HISTOGRAM_EXEMPLARS: [u8; 2] = [0x82, 0x01];
const BUCKET_COUNT: u8 = 0x08;
const BUCKET_BOUND: u8 = 0x11;
const BUCKET_EXEMPLAR: u8 = 0x1a;
const SPAN_OFFSET: u8 = 0x08;
const SPAN_LENGTH: u8 = 0x10;
const EXEMPLAR_LABEL: u8 = 0x0a;
const EXEMPLAR_VALUE: u8 = 0x11;
const EXEMPLAR_TIMESTAMP: u8 = 0x1a;
const SECONDS: u8 = 0x08;
const NANOS: u8 = 0x10;

// `MetricType` values.
const COUNTER: u64 = 0;
const GAUGE: u64 = 1;
const HISTOGRAM: u64 = 4;

/// The most empty buckets a span bridges with zeros instead of a new span.
const MAX_GAP: u64 = 2;

/// Appends `v` as a base-128 varint.
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The length of `v` as a varint.
fn varint_len(v: u64) -> usize {
    // 7 bits a byte: (bits * 9 + 64) / 64 is bits / 7 rounded up, or 1 for 0.
    let bits = 64 - v.leading_zeros() as usize;
    (bits * 9 + 64) / 64
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// A length-delimited field: tag, length, then `len` bytes of body.
fn open(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    varint(out, len as u64);
}

/// The size of a length-delimited field with a one-byte tag and a body of `len`.
fn field(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

fn bytes(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
    open(out, tag, b.len());
    out.extend_from_slice(b);
}

/// A `google.protobuf.Timestamp` message of `ns` nanoseconds since the
/// epoch, encoded: whole seconds (rounded down) and the nanoseconds after
/// them, each left out when 0.
#[derive(Clone, Copy, Debug)]
struct Stamp {
    body: [u8; 22],
    len: u8,
}

/// The seconds a `google.protobuf.Timestamp` can hold: from
/// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const TIMESTAMP_SECONDS: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;

impl Stamp {
    /// `None` for a time outside [`TIMESTAMP_SECONDS`]: such a start time
    /// is left out, such an exemplar not written (and counted).
    fn new(ns: i128) -> Option<Stamp> {
        // Every valid time fits an `i64` of nanoseconds until 2262; beyond
        // that, `i128` division.
        let (seconds, nanos) = match i64::try_from(ns) {
            Ok(ns) => (
                ns.div_euclid(1_000_000_000),
                ns.rem_euclid(1_000_000_000) as u64,
            ),
            Err(_) => {
                let seconds = i64::try_from(ns.div_euclid(1_000_000_000)).ok()?;
                (seconds, ns.rem_euclid(1_000_000_000) as u64)
            }
        };
        if !TIMESTAMP_SECONDS.contains(&seconds) {
            return None;
        }
        let mut stamp = Stamp {
            body: [0; 22],
            len: 0,
        };
        let mut put = |b: u8| {
            stamp.body[stamp.len as usize] = b;
            stamp.len += 1;
        };
        let mut varint_into = |tag: u8, mut v: u64| {
            put(tag);
            while v >= 0x80 {
                put(v as u8 | 0x80);
                v >>= 7;
            }
            put(v as u8);
        };
        if seconds != 0 {
            varint_into(SECONDS, seconds as u64);
        }
        if nanos != 0 {
            varint_into(NANOS, nanos);
        }
        Some(stamp)
    }

    fn bytes(&self) -> &[u8] {
        &self.body[..self.len as usize]
    }

    /// As a length-delimited field with `tag`.
    fn write(&self, out: &mut Vec<u8>, tag: u8) {
        bytes(out, tag, self.bytes());
    }

    fn field_len(&self) -> usize {
        field(self.len as usize)
    }
}

/// A label block in the model's notation (`name="value",...`, values and
/// quoted names escaped) as `Metric.label` (or `Exemplar.label`, the same
/// tag) fields: `LabelPair { name, value }`, unescaped. One pass: each text
/// is unescaped straight into `out` behind one-byte lengths, which are
/// fixed afterwards (moving the bytes in the rare case of a label of 128
/// bytes or more).
fn label_fields(out: &mut Vec<u8>, block: &[u8]) {
    let mut rest = block;
    while !rest.is_empty() {
        let at = out.len();
        out.extend_from_slice(&[METRIC_LABEL, 0, PAIR_NAME, 0]);
        rest = copy_text(out, rest, b'=');
        let name = out.len() - at - 4;
        out.extend_from_slice(&[PAIR_VALUE, 0]);
        rest = copy_text(out, rest, b',');
        let value = out.len() - at - 6 - name;
        let pair = field(name) + field(value);
        if pair < 0x80 {
            out[at + 1] = pair as u8;
            out[at + 3] = name as u8;
            out[at + 5 + name] = value as u8;
        } else {
            widen_pair(out, at, name, value);
        }
    }
}

/// Rewrites the pair at `out[at..]`, written with one-byte lengths, with
/// the lengths its `name` and `value` bytes need.
fn widen_pair(out: &mut Vec<u8>, at: usize, name: usize, value: usize) {
    let pair = field(name) + field(value);
    let (k_pair, k_name, k_value) = (
        varint_len(pair as u64),
        varint_len(name as u64),
        varint_len(value as u64),
    );
    let old_value = at + 6 + name;
    let new_value = at + 1 + k_pair + 1 + k_name + name + 1 + k_value;
    let new_name = at + 1 + k_pair + 1 + k_name;
    out.resize(new_value + value, 0);
    out.copy_within(old_value..old_value + value, new_value);
    out.copy_within(at + 4..at + 4 + name, new_name);
    let mut header = [0u8; 32];
    let mut n = 0;
    for (tag, len) in [(METRIC_LABEL, pair), (PAIR_NAME, name)] {
        header[n] = tag;
        n += 1;
        n += put_varint(&mut header[n..], len as u64);
    }
    out[at..at + n].copy_from_slice(&header[..n]);
    out[new_name + name] = PAIR_VALUE;
    put_varint(&mut out[new_name + name + 1..], value as u64);
}

/// Writes `v` as a varint at the start of `buf`; returns its length.
fn put_varint(buf: &mut [u8], mut v: u64) -> usize {
    let mut n = 0;
    while v >= 0x80 {
        buf[n] = v as u8 | 0x80;
        v >>= 7;
        n += 1;
    }
    buf[n] = v as u8;
    n + 1
}

/// Appends the first name or value of `s` to `out`, unescaped: a bare name
/// up to `end`, or a quoted text (`\\`, `\"`, `\n` escapes) up to its
/// closing quote. Returns what follows it and the `end` byte after it.
fn copy_text<'a>(out: &mut Vec<u8>, s: &'a [u8], end: u8) -> &'a [u8] {
    let Some(quoted) = s.strip_prefix(b"\"") else {
        let at = s.iter().position(|&b| b == end).unwrap_or(s.len());
        out.extend_from_slice(&s[..at]);
        return s.get(at + 1..).unwrap_or_default();
    };
    let mut rest = quoted;
    loop {
        let at = crate::escape::quote_or_backslash(rest);
        out.extend_from_slice(&rest[..at]);
        match rest.get(at) {
            Some(b'\\') => {
                if let Some(&c) = rest.get(at + 1) {
                    out.push(if c == b'n' { b'\n' } else { c });
                }
                rest = rest.get(at + 2..).unwrap_or_default();
            }
            // The closing quote, then `end` if it follows.
            Some(_) => {
                let after = &rest[at + 1..];
                return after.strip_prefix(&[end]).unwrap_or(after);
            }
            None => return &[],
        }
    }
}

/// Splits off one name or value: a bare name up to `=`, or a quoted text
/// up to its closing quote. Returns the text (between quotes, still
/// escaped) and what follows the byte `end` after it.
fn take_text(s: &[u8], end: u8) -> (&[u8], &[u8]) {
    if s.first() != Some(&b'"') {
        let at = s.iter().position(|&b| b == end).unwrap_or(s.len());
        return (&s[..at], s.get(at + 1..).unwrap_or_default());
    }
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => break,
            _ => i += 1,
        }
    }
    let text = &s[1..i.min(s.len())];
    // Past the closing quote; then past `end` if it follows.
    let mut next = (i + 1).min(s.len());
    if s.get(next) == Some(&end) {
        next += 1;
    }
    (text, &s[next..])
}

/// The length of an escaped text once unescaped: each `\x` is one byte.
fn unescaped_len(text: &[u8]) -> usize {
    let mut escapes = 0;
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            escapes += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    text.len() - escapes
}

/// Writes the prepared families and series.
pub(super) fn write(
    model: &Model,
    generation: u64,
    cache: &mut Cache,
    stats: &mut EncodeStats,
    out: &mut Vec<u8>,
) {
    let start_len = out.len();
    cache.labels_for(model, generation);
    if let Some(target) = model.target {
        write_target_info(out, target.get(&model.arena), &mut cache.tmp);
        stats.families += 1;
        stats.series += 1;
    }
    let order = &model.order;
    let mut k = 0;
    while k < order.len() {
        let group = model.metrics[model.series[order[k] as usize].metric as usize].group;
        let mut end = k;
        while end < order.len()
            && model.metrics[model.series[order[end] as usize].metric as usize].group == group
        {
            end += 1;
        }
        write_family(out, model, cache, &order[k..end], group, stats);
        stats.families += 1;
        stats.series += (end - k) as u64;
        k = end;
    }
    stats.bytes += (out.len() - start_len) as u64;
}

fn write_target_info(out: &mut Vec<u8>, labels: &[u8], pairs: &mut Vec<u8>) {
    const NAME: &[u8] = b"target_info";
    const HELP: &[u8] = b"Target metadata";
    pairs.clear();
    label_fields(pairs, labels);
    let metric = pairs.len() + field(9);
    let family = field(NAME.len()) + field(HELP.len()) + 2 + field(metric);
    varint(out, family as u64);
    bytes(out, FAMILY_NAME, NAME);
    bytes(out, FAMILY_HELP, HELP);
    out.push(FAMILY_TYPE);
    varint(out, GAUGE);
    open(out, FAMILY_METRIC, metric);
    out.extend_from_slice(pairs);
    open(out, METRIC_GAUGE, 9);
    double(out, VALUE, 1.0);
}

/// What a series' `Metric` message needs to be written: its size, the size
/// of its value message, and (native histograms) its spans and deltas,
/// encoded once into [`Cache::native`].
#[derive(Clone, Copy, Debug)]
struct Sized {
    metric: usize,
    value: usize,
    native: Span,
    created: Option<Stamp>,
}

/// Writes one `MetricFamily`, framed by its length: first every series'
/// size, then the bytes.
fn write_family(
    out: &mut Vec<u8>,
    model: &Model,
    cache: &mut Cache,
    series: &[u32],
    group: u32,
    stats: &mut EncodeStats,
) {
    let w = model.winner(group);
    let arena = &model.arena;
    let name = w.family.get(arena);
    let help = w.help.get(arena);
    let unit = unit_of(name, w.unit.get(arena), w.kind);
    let kind = match w.kind {
        FamilyType::Counter | FamilyType::Unknown => COUNTER,
        FamilyType::Gauge => GAUGE,
        FamilyType::Histogram | FamilyType::NativeHistogram => HISTOGRAM,
    };
    let gauge = w.kind == FamilyType::Gauge;
    let Cache {
        labels,
        spans,
        sizes,
        native,
        tmp,
        ..
    } = cache;
    sizes.clear();
    native.clear();
    let mut body = field(name.len()) + 1 + varint_len(kind);
    if !help.is_empty() {
        body += field(help.len());
    }
    if !unit.is_empty() {
        body += field(unit.len());
    }
    // The created timestamp is per metric, shared by its series.
    let mut stamp: Option<(u32, Option<Stamp>)> = None;
    let mut created = |metric: u32| match stamp {
        Some((m, s)) if m == metric => s,
        _ => {
            let s = model.metrics[metric as usize]
                .start_time
                .and_then(Stamp::new);
            stamp = Some((metric, s));
            s
        }
    };
    for &i in series {
        let e = &model.series[i as usize];
        let sized = sized(model, native, e, gauge, created(e.metric));
        let sized = Sized {
            metric: spans[i as usize].len() + field(sized.value),
            ..sized
        };
        sizes.push(sized);
        body += field(sized.metric);
    }
    varint(out, body as u64);
    bytes(out, FAMILY_NAME, name);
    if !help.is_empty() {
        bytes(out, FAMILY_HELP, help);
    }
    out.push(FAMILY_TYPE);
    varint(out, kind);
    for (sized, &i) in sizes.iter().zip(series) {
        let e = &model.series[i as usize];
        open(out, FAMILY_METRIC, sized.metric);
        out.extend_from_slice(spans[i as usize].get(labels));
        write_value(out, model, tmp, native, e, sized, gauge, stats);
    }
    if !unit.is_empty() {
        bytes(out, FAMILY_UNIT, unit);
    }
}

/// The family's unit, if it is written: as in OpenMetrics, only when the
/// name ends with it (before `_total` on a counter). Prometheus rejects a
/// unit that is not such a suffix.
fn unit_of<'a>(name: &[u8], unit: &'a [u8], kind: FamilyType) -> &'a [u8] {
    let base = match name.strip_suffix(b"_total") {
        Some(base) if kind == FamilyType::Counter => base,
        _ => name,
    };
    let suffix = base
        .strip_suffix(unit)
        .is_some_and(|rest| rest.ends_with(b"_"));
    if suffix {
        unit
    } else {
        &[]
    }
}

/// The size of a series' value message (gauge, counter or histogram);
/// a native histogram's spans and deltas are encoded into `native` on the way.
fn sized(
    model: &Model,
    native: &mut Vec<u8>,
    e: &SeriesEntry,
    gauge: bool,
    created: Option<Stamp>,
) -> Sized {
    let stamp = created.map_or(0, |s| s.field_len());
    let mut span = Span::default();
    let value = match e.value {
        SeriesValue::Number(_) if gauge => 9,
        SeriesValue::Number(_) => {
            let exemplar = latest(model, e, f64::NEG_INFINITY, f64::INFINITY);
            9 + exemplar.map_or(0, |x| field(exemplar_len(model, &model.exemplars[x]))) + stamp
        }
        SeriesValue::Histogram { buckets, count, .. } => {
            let mut len = 1 + varint_len(count) + 9 + stamp;
            if e.exemplars.is_empty() {
                // Each bucket's message is shorter than 128 bytes: a
                // one-byte tag, a one-byte length, then `BUCKET_COUNT`,
                // the count, `BUCKET_BOUND` and 8 bytes.
                for &c in &model.cumulative[buckets.range()] {
                    len += 12 + varint_len(c);
                }
                len += 12 + varint_len(count);
            } else {
                for_each_bucket(model, buckets, count, |bound, cumulative, lower| {
                    let exemplar = latest(model, e, lower, bound);
                    len += field(bucket_len(model, cumulative, exemplar));
                });
            }
            len
        }
        SeriesValue::Native(n) => {
            let h = &model.natives[n as usize];
            let start = native.len();
            native_buckets(native, model, h);
            span = Span::new(start, native.len());
            let mut len = 1 + varint_len(h.count) + 9;
            len += 1 + varint_len(zigzag(i64::from(h.schema)));
            len += 9 + 1 + varint_len(h.zero_count) + span.len() + stamp;
            // The exemplars `next_exemplar` yields: all with a valid time.
            for x in &model.exemplars[e.exemplars.range()] {
                if Stamp::new(x.time).is_some() {
                    let exemplar = exemplar_len(model, x);
                    len += 2 + varint_len(exemplar as u64) + exemplar;
                }
            }
            len
        }
    };
    Sized {
        metric: 0,
        value,
        native: span,
        created,
    }
}

/// Appends a bucket without exemplar (fewer than 22 bytes) in one go.
fn write_bucket(out: &mut Vec<u8>, cumulative: u64, bound: f64) {
    let mut b = [0u8; 24];
    b[0] = HISTOGRAM_BUCKET;
    b[2] = BUCKET_COUNT;
    let mut n = 3;
    let mut v = cumulative;
    while v >= 0x80 {
        b[n] = v as u8 | 0x80;
        v >>= 7;
        n += 1;
    }
    b[n] = v as u8;
    b[n + 1] = BUCKET_BOUND;
    b[n + 2..n + 10].copy_from_slice(&bound.to_le_bytes());
    b[1] = (n + 8) as u8;
    out.extend_from_slice(&b[..n + 10]);
}

/// Appends a tag and a double in one go.
fn double(out: &mut Vec<u8>, tag: u8, v: f64) {
    let mut b = [0u8; 9];
    b[0] = tag;
    b[1..].copy_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&b);
}

#[allow(clippy::too_many_arguments)]
fn write_value(
    out: &mut Vec<u8>,
    model: &Model,
    tmp: &mut Vec<u8>,
    native: &[u8],
    e: &SeriesEntry,
    sized: &Sized,
    gauge: bool,
    stats: &mut EncodeStats,
) {
    let created = sized.created;
    match e.value {
        SeriesValue::Number(n) if gauge => {
            let mut b = [0u8; 11];
            b[0] = METRIC_GAUGE;
            b[1] = 9;
            b[2] = VALUE;
            b[3..].copy_from_slice(&n.as_f64().to_le_bytes());
            out.extend_from_slice(&b);
        }
        SeriesValue::Number(n) if e.exemplars.is_empty() => {
            // Without exemplar, at most 2 + 9 + 2 + 22 bytes: one append.
            let mut b = [0u8; 40];
            b[0] = METRIC_COUNTER;
            b[1] = sized.value as u8;
            b[2] = VALUE;
            b[3..11].copy_from_slice(&n.as_f64().to_le_bytes());
            let mut end = 11;
            if let Some(stamp) = created {
                let t = stamp.bytes();
                b[11] = COUNTER_CREATED;
                b[12] = t.len() as u8;
                b[13..13 + t.len()].copy_from_slice(t);
                end = 13 + t.len();
            }
            out.extend_from_slice(&b[..end]);
        }
        SeriesValue::Number(n) => {
            open(out, METRIC_COUNTER, sized.value);
            double(out, VALUE, n.as_f64());
            let written = match latest(model, e, f64::NEG_INFINITY, f64::INFINITY) {
                Some(x) => {
                    write_exemplar(out, model, tmp, COUNTER_EXEMPLAR, &model.exemplars[x]);
                    1
                }
                None => 0,
            };
            stats.drop(DropReason::Exemplar, e.exemplars.len() as u64 - written);
            if let Some(stamp) = created {
                stamp.write(out, COUNTER_CREATED);
            }
        }
        SeriesValue::Histogram {
            buckets,
            count,
            sum,
        } => {
            open(out, METRIC_HISTOGRAM, sized.value);
            out.push(HISTOGRAM_COUNT);
            varint(out, count);
            double(out, HISTOGRAM_SUM, sum.as_f64());
            if e.exemplars.is_empty() {
                let bounds = &model.bounds[buckets.range()];
                let cumulative = &model.cumulative[buckets.range()];
                for (&bound, &c) in bounds.iter().zip(cumulative) {
                    write_bucket(out, c, bound);
                }
                write_bucket(out, count, f64::INFINITY);
            } else {
                let mut written = 0;
                for_each_bucket(model, buckets, count, |bound, cumulative, lower| {
                    let exemplar = latest(model, e, lower, bound);
                    open(
                        out,
                        HISTOGRAM_BUCKET,
                        bucket_len(model, cumulative, exemplar),
                    );
                    out.push(BUCKET_COUNT);
                    varint(out, cumulative);
                    double(out, BUCKET_BOUND, bound);
                    if let Some(x) = exemplar {
                        write_exemplar(out, model, tmp, BUCKET_EXEMPLAR, &model.exemplars[x]);
                        written += 1;
                    }
                });
                stats.drop(DropReason::Exemplar, e.exemplars.len() as u64 - written);
            }
            if let Some(stamp) = created {
                stamp.write(out, HISTOGRAM_CREATED);
            }
        }
        SeriesValue::Native(n) => {
            let h = &model.natives[n as usize];
            open(out, METRIC_HISTOGRAM, sized.value);
            out.push(HISTOGRAM_COUNT);
            varint(out, h.count);
            double(out, HISTOGRAM_SUM, h.sum.as_f64());
            out.push(HISTOGRAM_SCHEMA);
            varint(out, zigzag(i64::from(h.schema)));
            double(out, HISTOGRAM_ZERO_THRESHOLD, h.zero_threshold);
            out.push(HISTOGRAM_ZERO_COUNT);
            varint(out, h.zero_count);
            out.extend_from_slice(sized.native.get(native));
            if let Some(stamp) = created {
                stamp.write(out, HISTOGRAM_CREATED);
            }
            // Every exemplar, oldest first.
            let mut previous = None;
            let mut written = 0;
            while let Some(x) = next_exemplar(model, e, previous) {
                out.extend_from_slice(&HISTOGRAM_EXEMPLARS);
                let len = exemplar_len(model, &model.exemplars[x]);
                varint(out, len as u64);
                write_exemplar_body(out, model, tmp, &model.exemplars[x]);
                previous = Some(x);
                written += 1;
            }
            stats.drop(DropReason::Exemplar, e.exemplars.len() as u64 - written);
        }
    }
}

/// A native histogram's span and delta fields, negative side first.
fn native_buckets(out: &mut Vec<u8>, model: &Model, h: &NativeEntry) {
    let sides = [
        (
            h.negative_offset,
            h.negative,
            HISTOGRAM_NEGATIVE_SPAN,
            HISTOGRAM_NEGATIVE_DELTA,
        ),
        (
            h.positive_offset,
            h.positive,
            HISTOGRAM_POSITIVE_SPAN,
            HISTOGRAM_POSITIVE_DELTA,
        ),
    ];
    for (offset, counts, span_tag, delta_tag) in sides {
        let counts = &model.native_counts[counts.range()];
        for_each_span(offset, counts, |offset, length| {
            open(out, span_tag, span_len(offset, length));
            out.push(SPAN_OFFSET);
            varint(out, zigzag(offset));
            out.push(SPAN_LENGTH);
            varint(out, length);
        });
        // Packed deltas, their length first.
        let mut len = 0;
        for_each_delta(counts, |d| len += varint_len(zigzag(d)));
        if len > 0 {
            open(out, delta_tag, len);
            for_each_delta(counts, |d| varint(out, zigzag(d)));
        }
    }
}

/// The latest exemplar of `e` whose value lies in `(lower, upper]` and
/// whose time a `Timestamp` can hold.
fn latest(model: &Model, e: &SeriesEntry, lower: f64, upper: f64) -> Option<usize> {
    if e.exemplars.is_empty() {
        return None;
    }
    latest_exemplar(&model.exemplars, &model.arena, e, |x| {
        let v = x.value.as_f64();
        v > lower && v <= upper && Stamp::new(x.time).is_some()
    })
}

/// The exemplar of `e` that follows `after` in the order of time, labels,
/// value and position (the first one for `None`): a native histogram's
/// exemplars are written in that order, whatever order they came in.
fn next_exemplar(model: &Model, e: &SeriesEntry, after: Option<usize>) -> Option<usize> {
    let order = |a: usize, b: usize| {
        cmp_exemplars(&model.arena, &model.exemplars[a], &model.exemplars[b]).then(a.cmp(&b))
    };
    e.exemplars
        .range()
        .filter(|&x| Stamp::new(model.exemplars[x].time).is_some())
        .filter(|&x| after.is_none_or(|a| order(x, a).is_gt()))
        .min_by(|&a, &b| order(a, b))
}

/// Calls `f(upper bound, cumulative count, lower bound)` for each bucket of
/// a classic histogram, the `+Inf` one last.
fn for_each_bucket(model: &Model, buckets: Span, count: u64, mut f: impl FnMut(f64, u64, f64)) {
    let bounds = &model.bounds[buckets.range()];
    let cumulative = &model.cumulative[buckets.range()];
    let mut lower = f64::NEG_INFINITY;
    for (&bound, &c) in bounds.iter().zip(cumulative) {
        f(bound, c, lower);
        lower = bound;
    }
    f(f64::INFINITY, count, lower);
}

fn bucket_len(model: &Model, cumulative: u64, exemplar: Option<usize>) -> usize {
    let mut len = 1 + varint_len(cumulative) + 9;
    if let Some(x) = exemplar {
        len += field(exemplar_len(model, &model.exemplars[x]));
    }
    len
}

/// Calls `f(offset, length)` for each span of a native histogram side whose
/// buckets are `counts` from index `first`: a span starts at the first
/// non-empty bucket and after each run of more than [`MAX_GAP`] empty
/// buckets, and covers the empty buckets of shorter runs. Its offset is the
/// index of its first bucket for the first span, the number of buckets
/// skipped since the previous span for the others.
fn for_each_span(first: i32, counts: &[u64], mut f: impl FnMut(i64, u64)) {
    let mut span: Option<(i64, u64)> = None;
    // One past the last bucket of the span so far.
    let mut end = 0i64;
    let mut gap = 0u64;
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            gap += 1;
            continue;
        }
        let index = i64::from(first) + i as i64;
        span = match span {
            None => Some((index, 1)),
            Some((offset, length)) if gap <= MAX_GAP => Some((offset, length + gap + 1)),
            Some(done) => {
                f(done.0, done.1);
                Some((index - end, 1))
            }
        };
        end = index + 1;
        gap = 0;
    }
    if let Some((offset, length)) = span {
        f(offset, length);
    }
}

fn span_len(offset: i64, length: u64) -> usize {
    2 + varint_len(zigzag(offset)) + varint_len(length)
}

/// Calls `f(delta)` for each bucket the spans of [`for_each_span`] cover,
/// in order: its count minus the previous covered bucket's (the first
/// against 0), as Prometheus reads them back.
fn for_each_delta(counts: &[u64], mut f: impl FnMut(i64)) {
    let mut previous = 0i64;
    let mut started = false;
    let mut gap = 0u64;
    for &c in counts {
        if c == 0 {
            gap += 1;
            continue;
        }
        if started && gap <= MAX_GAP {
            for _ in 0..gap {
                f(previous.wrapping_neg());
                previous = 0;
            }
        }
        let c = c as i64;
        f(c.wrapping_sub(previous));
        previous = c;
        started = true;
        gap = 0;
    }
}

fn exemplar_len(model: &Model, x: &ExemplarEntry) -> usize {
    let stamp = Stamp::new(x.time).map_or(0, |s| s.field_len());
    label_fields_len(x.labels.get(&model.arena)) + 9 + stamp
}

/// The size of [`label_fields`]' output for `block`.
fn label_fields_len(block: &[u8]) -> usize {
    let mut len = 0;
    let mut rest = block;
    while !rest.is_empty() {
        let (name, after) = take_text(rest, b'=');
        let (value, after) = take_text(after, b',');
        len += field(field(unescaped_len(name)) + field(unescaped_len(value)));
        rest = after;
    }
    len
}

fn write_exemplar(out: &mut Vec<u8>, model: &Model, tmp: &mut Vec<u8>, tag: u8, x: &ExemplarEntry) {
    open(out, tag, exemplar_len(model, x));
    write_exemplar_body(out, model, tmp, x);
}

fn write_exemplar_body(out: &mut Vec<u8>, model: &Model, tmp: &mut Vec<u8>, x: &ExemplarEntry) {
    tmp.clear();
    label_fields(tmp, x.labels.get(&model.arena));
    // `Exemplar.label` has the same tag as `Metric.label`.
    debug_assert_eq!(EXEMPLAR_LABEL, METRIC_LABEL);
    out.extend_from_slice(tmp);
    double(out, EXEMPLAR_VALUE, x.value.as_f64());
    if let Some(stamp) = Stamp::new(x.time) {
        stamp.write(out, EXEMPLAR_TIMESTAMP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(first: i32, counts: &[u64]) -> Vec<(i64, u64)> {
        let mut v = Vec::new();
        for_each_span(first, counts, |o, l| v.push((o, l)));
        v
    }

    fn deltas(counts: &[u64]) -> Vec<i64> {
        let mut v = Vec::new();
        for_each_delta(counts, |d| v.push(d));
        v
    }

    #[test]
    fn short_gaps_are_filled_long_gaps_start_a_span() {
        // The compatibility specification's example: offset 3, counts
        // 10, 0, 0, 20, 5, 2 are buckets 4..=9. A gap of two is bridged
        // with zeros: one span of six, deltas against the previous bucket.
        assert_eq!(spans(4, &[10, 0, 0, 20, 5, 2]), [(4, 6)]);
        assert_eq!(deltas(&[10, 0, 0, 20, 5, 2]), [10, -10, 0, 20, -15, -3]);
        // A gap of three starts a new span whose offset is the gap.
        assert_eq!(spans(4, &[10, 0, 0, 0, 20]), [(4, 1), (3, 1)]);
        assert_eq!(deltas(&[10, 0, 0, 0, 20]), [10, 10]);
        // Leading and trailing empty buckets are no part of any span.
        assert_eq!(spans(-2, &[0, 0, 3, 0, 1, 0, 0, 0]), [(0, 3)]);
        assert_eq!(deltas(&[0, 0, 3, 0, 1, 0, 0, 0]), [3, -3, 1]);
        // Negative first index; a gap of exactly two after a gap of five.
        assert_eq!(
            spans(-5, &[1, 0, 0, 0, 0, 0, 2, 0, 0, 4]),
            [(-5, 1), (5, 4)]
        );
        assert_eq!(deltas(&[1, 0, 0, 0, 0, 0, 2, 0, 0, 4]), [1, 1, -2, 0, 4]);
        // Nothing recorded: no span, no delta.
        assert_eq!(spans(7, &[0, 0]), []);
        assert_eq!(spans(7, &[]), []);
        assert_eq!(deltas(&[0, 0]), []);
    }

    #[test]
    fn varints_and_zigzag_follow_the_protobuf_encoding() {
        let enc = |v: u64| {
            let mut out = Vec::new();
            varint(&mut out, v);
            out
        };
        assert_eq!(enc(0), [0]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(300), [0xac, 0x02]);
        assert_eq!(enc(u64::MAX).len(), 10);
        for v in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, u64::MAX] {
            assert_eq!(varint_len(v), enc(v).len(), "{v}");
        }
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(i64::MAX), u64::MAX - 1);
        assert_eq!(zigzag(i64::MIN), u64::MAX);
    }

    /// `LabelPair` fields built by hand, with lengths of any size.
    fn pair(n: &[u8], v: &[u8]) -> Vec<u8> {
        let mut body = vec![PAIR_NAME];
        varint(&mut body, n.len() as u64);
        body.extend_from_slice(n);
        body.push(PAIR_VALUE);
        varint(&mut body, v.len() as u64);
        body.extend_from_slice(v);
        let mut f = vec![METRIC_LABEL];
        varint(&mut f, body.len() as u64);
        f.extend(body);
        f
    }

    #[test]
    fn long_labels_get_longer_lengths() {
        // A pair of 128 bytes or more needs two-byte lengths: the bytes,
        // written behind one-byte ones, move.
        for (n, v) in [
            (1, 122),
            (1, 123),
            (1, 126),
            (3, 200),
            (130, 2),
            (200, 300),
            (0, 0),
        ] {
            let name = "n".repeat(n);
            let value = "v\"".repeat(v / 2) + &"w".repeat(v % 2);
            let escaped = value.replace('"', "\\\"");
            let block = format!("\"{name}\"=\"{escaped}\",b=\"x\"");
            let mut out = vec![7];
            label_fields(&mut out, block.as_bytes());
            let mut want = vec![7];
            want.extend(pair(name.as_bytes(), value.as_bytes()));
            want.extend(pair(b"b", b"x"));
            assert_eq!(out, want, "name {n}, value {v}");
            assert_eq!(label_fields_len(block.as_bytes()), want.len() - 1);
        }
    }

    #[test]
    fn label_blocks_become_unescaped_label_pairs() {
        // name="value" pairs, a quoted UTF-8 name, escapes and a comma in a value.
        let block = br#"a="x,y",b="q\"\\\nz","c.d"="v""#;
        let mut out = Vec::new();
        label_fields(&mut out, block);
        let mut want = pair(b"a", b"x,y");
        want.extend(pair(b"b", b"q\"\\\nz"));
        want.extend(pair(b"c.d", b"v"));
        assert_eq!(out, want);
        assert_eq!(label_fields_len(block), want.len());
        let mut empty = Vec::new();
        label_fields(&mut empty, b"");
        assert!(empty.is_empty());
    }

    #[test]
    fn a_block_cut_short_is_sized_as_it_is_written() {
        // A quoted value without its closing quote ends the block; a
        // backslash with nothing after it escapes nothing. The size must
        // still be that of the fields written, and nothing may panic.
        for (block, value) in [
            (&br#"a="xy"#[..], &b"xy"[..]),
            (br#"a="x\"#, b"x"),
            (br#"a="x\\"#, b"x\\"),
            (br#"a=""#, b""),
        ] {
            let mut out = Vec::new();
            label_fields(&mut out, block);
            assert_eq!(out, pair(b"a", value), "{block:?}");
            assert_eq!(label_fields_len(block), out.len(), "{block:?}");
        }
    }

    #[test]
    fn timestamps_round_down_to_whole_seconds() {
        let body = |ns: i128| Stamp::new(ns).map(|s| s.bytes().to_vec());
        // 1.5 s after the epoch: seconds 1, nanos 500000000.
        assert_eq!(
            body(1_500_000_000),
            Some(vec![SECONDS, 1, NANOS, 0x80, 0xca, 0xb5, 0xee, 0x01])
        );
        // 0.5 s before the epoch: seconds -1 (ten-byte varint), nanos 5e8.
        let before = body(-500_000_000).unwrap();
        assert_eq!(
            before[..11],
            [SECONDS, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        assert_eq!(before[11..], [NANOS, 0x80, 0xca, 0xb5, 0xee, 0x01]);
        // The epoch itself: an empty message.
        assert_eq!(body(0), Some(vec![]));
        // The ends of what a Timestamp holds, and beyond.
        let first = -62_135_596_800i128 * 1_000_000_000;
        let last = 253_402_300_799i128 * 1_000_000_000 + 999_999_999;
        assert!(Stamp::new(first).is_some());
        assert!(Stamp::new(first - 1).is_none());
        assert!(Stamp::new(last).is_some());
        assert!(Stamp::new(last + 1).is_none());
        assert!(Stamp::new(i128::MAX).is_none());
    }
}
