//! The `io.prometheus.client` messages (client_model's `metrics.proto`),
//! decoded with the offsets later rules point at. Every field is checked
//! against the schema: its wire type, that a singular field appears once,
//! that strings are UTF-8 and that integers fit their declared type.

use super::super::{CheckErrorKind as K, ProtobufRule as P};
use super::wire::{self, Fault, Field, Fields, Raw};

/// A `google.protobuf.Timestamp`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stamp {
    pub(super) at: usize,
    pub(super) seconds: i64,
    pub(super) nanos: i32,
}

/// `LabelPair`; a missing name or value is the empty string.
#[derive(Debug)]
pub(super) struct Label {
    pub(super) at: usize,
    pub(super) name: String,
    pub(super) value: String,
}

/// `Exemplar`.
#[derive(Debug)]
pub(super) struct Exemplar {
    pub(super) at: usize,
    pub(super) labels: Vec<Label>,
    pub(super) value: f64,
    pub(super) timestamp: Option<Stamp>,
}

/// `Counter`.
#[derive(Debug, Default)]
pub(super) struct Counter {
    pub(super) value: f64,
    pub(super) exemplar: Option<Exemplar>,
    pub(super) created: Option<Stamp>,
}

/// `Quantile`.
#[derive(Debug)]
pub(super) struct Quantile {
    pub(super) at: usize,
    pub(super) quantile: f64,
    pub(super) value: f64,
}

/// `Summary`.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub(super) count: u64,
    pub(super) sum: f64,
    pub(super) quantiles: Vec<Quantile>,
    pub(super) created: Option<Stamp>,
}

/// `Bucket` (classic).
#[derive(Debug)]
pub(super) struct Bucket {
    pub(super) at: usize,
    pub(super) count: u64,
    pub(super) upper: f64,
    pub(super) exemplar: Option<Exemplar>,
    /// Offset of `cumulative_count_float`, if written.
    pub(super) count_float: Option<usize>,
}

/// `BucketSpan`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    pub(super) at: usize,
    pub(super) offset: i32,
    pub(super) length: u32,
}

/// One side of a native histogram.
#[derive(Debug, Default)]
pub(super) struct Side {
    pub(super) spans: Vec<Span>,
    pub(super) deltas: Vec<i64>,
    /// Offset of the first `*_delta` field.
    pub(super) deltas_at: Option<usize>,
    /// Offset of the first `*_count` (float) field.
    pub(super) counts_at: Option<usize>,
}

/// `Histogram`, classic and native parts; `Some` fields were written.
#[derive(Debug, Default)]
pub(super) struct Histogram {
    pub(super) count: Option<(usize, u64)>,
    pub(super) sum: f64,
    pub(super) buckets: Vec<Bucket>,
    pub(super) schema: Option<(usize, i32)>,
    pub(super) zero_threshold: Option<(usize, f64)>,
    pub(super) zero_count: Option<(usize, u64)>,
    pub(super) negative: Side,
    pub(super) positive: Side,
    pub(super) created: Option<Stamp>,
    pub(super) exemplars: Vec<Exemplar>,
    /// Offset of the first float count (`sample_count_float`,
    /// `zero_count_float`, `*_count`), if any.
    pub(super) float_at: Option<usize>,
    /// Offset of the first field that only native histograms use (5-16 but
    /// the float counts and `created_timestamp`), if any.
    pub(super) native_at: Option<usize>,
}

/// The value message of a metric.
#[derive(Debug)]
pub(super) enum Value {
    Gauge(f64),
    Counter(Counter),
    Summary(Summary),
    Untyped(f64),
    Histogram(Box<Histogram>),
}

/// `Metric`.
#[derive(Debug)]
pub(super) struct Metric {
    pub(super) at: usize,
    pub(super) labels: Vec<Label>,
    /// Every value message written, with its offset.
    pub(super) values: Vec<(usize, Value)>,
    pub(super) timestamp_ms: Option<usize>,
}

/// `MetricFamily`.
#[derive(Debug, Default)]
pub(super) struct Family {
    pub(super) name: Option<(usize, String)>,
    pub(super) help: Option<String>,
    /// The `type` enum as written (absent means `COUNTER`, its default).
    pub(super) kind: Option<(usize, i64)>,
    pub(super) metrics: Vec<Metric>,
    pub(super) unit: Option<(usize, String)>,
}

type Out<T> = Result<T, Fault>;

fn fault<T>(field: &Field, rule: P) -> Out<T> {
    Err((field.at, K::Protobuf(rule)))
}

/// Sets a singular field; a second occurrence is an error.
fn once<T>(slot: &mut Option<T>, field: &Field, value: T) -> Out<()> {
    if slot.is_some() {
        return fault(field, P::DuplicateField);
    }
    *slot = Some(value);
    Ok(())
}

fn varint(field: &Field) -> Out<u64> {
    match field.raw {
        Raw::Varint(v) => Ok(v),
        _ => fault(field, P::WrongWireType),
    }
}

fn double(field: &Field) -> Out<f64> {
    match field.raw {
        Raw::Fixed64(bits) => Ok(f64::from_bits(bits)),
        _ => fault(field, P::WrongWireType),
    }
}

fn bytes(field: &Field) -> Out<(usize, usize)> {
    match field.raw {
        Raw::Bytes { start, end } => Ok((start, end)),
        _ => fault(field, P::WrongWireType),
    }
}

fn string(input: &[u8], field: &Field) -> Out<String> {
    let (start, end) = bytes(field)?;
    let data = input.get(start..end).unwrap_or_default();
    std::str::from_utf8(data)
        .map(str::to_string)
        .map_err(|_| (field.at, K::InvalidUtf8))
}

/// `int32` (and enums): a sign-extended varint that must fit 32 bits.
fn int32(field: &Field) -> Out<i32> {
    // Two's complement: negative values are written as 64-bit varints.
    let value = varint(field)? as i64;
    i32::try_from(value).or_else(|_| fault(field, P::IntegerOutOfRange))
}

/// `uint32`.
fn uint32(field: &Field) -> Out<u32> {
    u32::try_from(varint(field)?).or_else(|_| fault(field, P::IntegerOutOfRange))
}

/// `sint32`: zig-zag, within 32 bits (a varint above 32 bits decodes to a
/// value outside them).
fn sint32(field: &Field) -> Out<i32> {
    i32::try_from(wire::zigzag(varint(field)?)).or_else(|_| fault(field, P::IntegerOutOfRange))
}

/// A repeated `sint64`, packed (one length-delimited field) or not.
fn sint64s(input: &[u8], field: &Field, out: &mut Vec<i64>) -> Out<()> {
    match field.raw {
        Raw::Varint(v) => out.push(wire::zigzag(v)),
        Raw::Bytes { start, end } => {
            let mut pos = start;
            while pos < end {
                let (v, size) = wire::varint(input, pos, end).map_err(|(_, k)| (field.at, k))?;
                out.push(wire::zigzag(v));
                pos += size;
            }
        }
        _ => return fault(field, P::WrongWireType),
    }
    Ok(())
}

/// A repeated `double`, packed or not: checked, then only its presence kept.
fn doubles(input: &[u8], field: &Field) -> Out<()> {
    match field.raw {
        Raw::Fixed64(_) => Ok(()),
        Raw::Bytes { start, end } => {
            let mut pos = start;
            while pos < end {
                wire::fixed64(input, pos, end).map_err(|(_, k)| (field.at, k))?;
                pos += 8;
            }
            Ok(())
        }
        _ => fault(field, P::WrongWireType),
    }
}

fn unknown<T>(field: &Field) -> Out<T> {
    fault(field, P::UnknownField)
}

/// `MetricFamily` at `input[start..end]`.
pub(super) fn family(input: &[u8], start: usize, end: usize) -> Out<Family> {
    let mut f = Family::default();
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut f.name, &field, (field.at, string(input, &field)?))?,
            2 => once(&mut f.help, &field, string(input, &field)?)?,
            3 => once(&mut f.kind, &field, (field.at, i64::from(int32(&field)?)))?,
            4 => f.metrics.push(metric(input, &field)?),
            5 => once(&mut f.unit, &field, (field.at, string(input, &field)?))?,
            _ => return unknown(&field),
        }
    }
    Ok(f)
}

fn metric(input: &[u8], outer: &Field) -> Out<Metric> {
    let (start, end) = bytes(outer)?;
    let mut m = Metric {
        at: outer.at,
        labels: Vec::new(),
        values: Vec::new(),
        timestamp_ms: None,
    };
    for field in Fields::new(input, start, end) {
        let field = field?;
        let value = match field.number {
            1 => {
                m.labels.push(label(input, &field)?);
                continue;
            }
            2 => Value::Gauge(single_double(input, &field)?),
            3 => Value::Counter(counter(input, &field)?),
            4 => Value::Summary(summary(input, &field)?),
            5 => Value::Untyped(single_double(input, &field)?),
            6 => {
                varint(&field)?;
                once(&mut m.timestamp_ms, &field, field.at)?;
                continue;
            }
            7 => Value::Histogram(Box::new(histogram(input, &field)?)),
            _ => return unknown(&field),
        };
        if m.values.iter().any(|(_, v)| same_kind(v, &value)) {
            return fault(&field, P::DuplicateField);
        }
        m.values.push((field.at, value));
    }
    Ok(m)
}

fn same_kind(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn label(input: &[u8], outer: &Field) -> Out<Label> {
    let (start, end) = bytes(outer)?;
    let (mut name, mut value) = (None, None);
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut name, &field, string(input, &field)?)?,
            2 => once(&mut value, &field, string(input, &field)?)?,
            _ => return unknown(&field),
        }
    }
    Ok(Label {
        at: outer.at,
        name: name.unwrap_or_default(),
        value: value.unwrap_or_default(),
    })
}

/// `Gauge` and `Untyped`: one `double value = 1`.
fn single_double(input: &[u8], outer: &Field) -> Out<f64> {
    let (start, end) = bytes(outer)?;
    let mut value = None;
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut value, &field, double(&field)?)?,
            _ => return unknown(&field),
        }
    }
    Ok(value.unwrap_or(0.0))
}

fn counter(input: &[u8], outer: &Field) -> Out<Counter> {
    let (start, end) = bytes(outer)?;
    let mut value = None;
    let mut c = Counter::default();
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut value, &field, double(&field)?)?,
            2 => once(&mut c.exemplar, &field, exemplar(input, &field)?)?,
            3 => once(&mut c.created, &field, timestamp(input, &field)?)?,
            _ => return unknown(&field),
        }
    }
    c.value = value.unwrap_or(0.0);
    Ok(c)
}

fn summary(input: &[u8], outer: &Field) -> Out<Summary> {
    let (start, end) = bytes(outer)?;
    let (mut count, mut sum) = (None, None);
    let mut s = Summary::default();
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut count, &field, varint(&field)?)?,
            2 => once(&mut sum, &field, double(&field)?)?,
            3 => s.quantiles.push(quantile(input, &field)?),
            4 => once(&mut s.created, &field, timestamp(input, &field)?)?,
            _ => return unknown(&field),
        }
    }
    s.count = count.unwrap_or(0);
    s.sum = sum.unwrap_or(0.0);
    Ok(s)
}

fn quantile(input: &[u8], outer: &Field) -> Out<Quantile> {
    let (start, end) = bytes(outer)?;
    let (mut q, mut v) = (None, None);
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut q, &field, double(&field)?)?,
            2 => once(&mut v, &field, double(&field)?)?,
            _ => return unknown(&field),
        }
    }
    Ok(Quantile {
        at: outer.at,
        quantile: q.unwrap_or(0.0),
        value: v.unwrap_or(0.0),
    })
}

fn histogram(input: &[u8], outer: &Field) -> Out<Histogram> {
    let (start, end) = bytes(outer)?;
    let mut h = Histogram::default();
    let mut sum = None;
    let (mut count_float, mut zero_float) = (None, None);
    for field in Fields::new(input, start, end) {
        let field = field?;
        let at = field.at;
        let native = match field.number {
            1 => {
                once(&mut h.count, &field, (at, varint(&field)?))?;
                false
            }
            2 => {
                once(&mut sum, &field, double(&field)?)?;
                false
            }
            3 => {
                h.buckets.push(bucket(input, &field)?);
                false
            }
            4 => {
                once(&mut count_float, &field, double(&field)?)?;
                h.float_at.get_or_insert(at);
                false
            }
            5 => {
                once(&mut h.schema, &field, (at, sint32(&field)?))?;
                true
            }
            6 => {
                once(&mut h.zero_threshold, &field, (at, double(&field)?))?;
                true
            }
            7 => {
                once(&mut h.zero_count, &field, (at, varint(&field)?))?;
                true
            }
            8 => {
                once(&mut zero_float, &field, double(&field)?)?;
                h.float_at.get_or_insert(at);
                false
            }
            9 => {
                h.negative.spans.push(span(input, &field)?);
                true
            }
            10 => {
                sint64s(input, &field, &mut h.negative.deltas)?;
                h.negative.deltas_at.get_or_insert(at);
                true
            }
            11 => {
                doubles(input, &field)?;
                h.negative.counts_at.get_or_insert(at);
                h.float_at.get_or_insert(at);
                false
            }
            12 => {
                h.positive.spans.push(span(input, &field)?);
                true
            }
            13 => {
                sint64s(input, &field, &mut h.positive.deltas)?;
                h.positive.deltas_at.get_or_insert(at);
                true
            }
            14 => {
                doubles(input, &field)?;
                h.positive.counts_at.get_or_insert(at);
                h.float_at.get_or_insert(at);
                false
            }
            15 => {
                once(&mut h.created, &field, timestamp(input, &field)?)?;
                false
            }
            16 => {
                h.exemplars.push(exemplar(input, &field)?);
                true
            }
            _ => return unknown(&field),
        };
        if native {
            h.native_at.get_or_insert(at);
        }
    }
    h.sum = sum.unwrap_or(0.0);
    Ok(h)
}

fn bucket(input: &[u8], outer: &Field) -> Out<Bucket> {
    let (start, end) = bytes(outer)?;
    let (mut count, mut upper, mut count_float) = (None, None, None);
    let mut exemplar_slot = None;
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut count, &field, varint(&field)?)?,
            2 => once(&mut upper, &field, double(&field)?)?,
            3 => once(&mut exemplar_slot, &field, exemplar(input, &field)?)?,
            4 => {
                double(&field)?;
                once(&mut count_float, &field, field.at)?;
            }
            _ => return unknown(&field),
        }
    }
    Ok(Bucket {
        at: outer.at,
        count: count.unwrap_or(0),
        upper: upper.unwrap_or(0.0),
        exemplar: exemplar_slot,
        count_float,
    })
}

fn span(input: &[u8], outer: &Field) -> Out<Span> {
    let (start, end) = bytes(outer)?;
    let (mut offset, mut length) = (None, None);
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => once(&mut offset, &field, sint32(&field)?)?,
            2 => once(&mut length, &field, uint32(&field)?)?,
            _ => return unknown(&field),
        }
    }
    Ok(Span {
        at: outer.at,
        offset: offset.unwrap_or(0),
        length: length.unwrap_or(0),
    })
}

fn exemplar(input: &[u8], outer: &Field) -> Out<Exemplar> {
    let (start, end) = bytes(outer)?;
    let mut e = Exemplar {
        at: outer.at,
        labels: Vec::new(),
        value: 0.0,
        timestamp: None,
    };
    let mut value = None;
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            1 => e.labels.push(label(input, &field)?),
            2 => once(&mut value, &field, double(&field)?)?,
            3 => once(&mut e.timestamp, &field, timestamp(input, &field)?)?,
            _ => return unknown(&field),
        }
    }
    e.value = value.unwrap_or(0.0);
    Ok(e)
}

fn timestamp(input: &[u8], outer: &Field) -> Out<Stamp> {
    let (start, end) = bytes(outer)?;
    let (mut seconds, mut nanos) = (None, None);
    for field in Fields::new(input, start, end) {
        let field = field?;
        match field.number {
            // int64: the varint's bits are the two's complement value.
            1 => once(&mut seconds, &field, varint(&field)? as i64)?,
            2 => once(&mut nanos, &field, int32(&field)?)?,
            _ => return unknown(&field),
        }
    }
    Ok(Stamp {
        at: outer.at,
        seconds: seconds.unwrap_or(0),
        nanos: nanos.unwrap_or(0),
    })
}
