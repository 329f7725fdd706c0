//! The protobuf checker against byte vectors written by hand from client_model's
//! `io/prometheus/client/metrics.proto` and the protobuf encoding rules: a good
//! vector for every type and a bad one for every rule.
//!
//! Good vectors are also written to `target/expositions/checker-*.pb` (or
//! `$OTEL_EXPFMT_EXPOSITIONS`), for Go's reference decoder.

// Needs the strict checker: on in the repository (the crate's dev-dependency
// on itself); in the published package, run `cargo test --all-features`.
#![cfg(feature = "check")]

use std::path::PathBuf;

use otel_expfmt::check::{
    check_protobuf, CheckErrorKind as K, Exposition, HistogramRule as H, MetricType,
    NativeHistogram, ProtobufRule as P, Sample, Timestamp,
};
use otel_expfmt::Escaping;

// ---- a tiny protobuf writer, from the encoding rules -------------------------

/// A message being written: fields appended in order.
#[derive(Clone, Debug, Default)]
struct Msg(Vec<u8>);

fn uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Msg {
    fn new() -> Self {
        Msg(Vec::new())
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn tag(mut self, field: u32, wire_type: u8) -> Self {
        uvarint(&mut self.0, (u64::from(field) << 3) | u64::from(wire_type));
        self
    }
    /// `uint64`, `uint32`, enums: wire type 0.
    fn uint(self, field: u32, v: u64) -> Self {
        let mut m = self.tag(field, 0);
        uvarint(&mut m.0, v);
        m
    }
    /// `int64`, `int32`: two's complement in a varint.
    fn int(self, field: u32, v: i64) -> Self {
        self.uint(field, v as u64)
    }
    /// `sint64`, `sint32`: zig-zag.
    fn sint(self, field: u32, v: i64) -> Self {
        self.uint(field, ((v << 1) ^ (v >> 63)) as u64)
    }
    /// `double`: wire type 1, little-endian.
    fn double(self, field: u32, v: f64) -> Self {
        let mut m = self.tag(field, 1);
        m.0.extend_from_slice(&v.to_bits().to_le_bytes());
        m
    }
    /// Wire type 2.
    fn bytes(self, field: u32, b: &[u8]) -> Self {
        let mut m = self.tag(field, 2);
        uvarint(&mut m.0, b.len() as u64);
        m.0.extend_from_slice(b);
        m
    }
    fn string(self, field: u32, s: &str) -> Self {
        self.bytes(field, s.as_bytes())
    }
    fn msg(self, field: u32, m: Msg) -> Self {
        self.bytes(field, &m.0)
    }
    /// A packed repeated `sint64`.
    fn packed_sint(self, field: u32, vs: &[i64]) -> Self {
        let mut payload = Vec::new();
        for &v in vs {
            uvarint(&mut payload, ((v << 1) ^ (v >> 63)) as u64);
        }
        self.bytes(field, &payload)
    }
    /// A packed repeated `double`.
    fn packed_double(self, field: u32, vs: &[f64]) -> Self {
        let payload: Vec<u8> = vs.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect();
        self.bytes(field, &payload)
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
}

/// The delimited body: each family prefixed with its length as a varint.
fn body(families: &[Msg]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in families {
        uvarint(&mut out, f.len() as u64);
        out.extend_from_slice(&f.0);
    }
    out
}

// Field numbers of metrics.proto.
const COUNTER: u64 = 0;
const GAUGE: u64 = 1;
const SUMMARY: u64 = 2;
const UNTYPED: u64 = 3;
const HISTOGRAM: u64 = 4;
const GAUGE_HISTOGRAM: u64 = 5;

/// `MetricFamily { name, type }`; add metrics with `.msg(4, …)`.
fn family(name: &str, kind: u64) -> Msg {
    Msg::new().string(1, name).uint(3, kind)
}

/// `Metric { label… }`; add the value with `.msg(2..=5 | 7, …)`.
fn metric(labels: &[(&str, &str)]) -> Msg {
    labels
        .iter()
        .fold(Msg::new(), |m, (n, v)| m.msg(1, label(n, v)))
}

fn label(name: &str, value: &str) -> Msg {
    Msg::new().string(1, name).string(2, value)
}

/// `google.protobuf.Timestamp`.
fn ts(seconds: i64, nanos: i64) -> Msg {
    Msg::new().int(1, seconds).int(2, nanos)
}

fn exemplar(labels: &[(&str, &str)], value: f64, at: Option<Msg>) -> Msg {
    let m = labels
        .iter()
        .fold(Msg::new(), |m, (n, v)| m.msg(1, label(n, v)))
        .double(2, value);
    match at {
        Some(t) => m.msg(3, t),
        None => m,
    }
}

fn gauge(v: f64) -> Msg {
    Msg::new().double(1, v)
}

fn bucket(upper: f64, count: u64) -> Msg {
    Msg::new().uint(1, count).double(2, upper)
}

fn span(offset: i64, length: u64) -> Msg {
    Msg::new().sint(1, offset).uint(2, length)
}

/// A gauge family `g` with one metric of value 1: a valid frame to put
/// around a broken one.
fn ok_gauge(name: &str) -> Msg {
    family(name, GAUGE).msg(4, metric(&[]).msg(2, gauge(1.0)))
}

// ---- running the checker -----------------------------------------------------

fn expositions_dir() -> PathBuf {
    std::env::var_os("OTEL_EXPFMT_EXPOSITIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/expositions"))
}

thread_local! {
    /// The good vectors checked on this thread, for the mutation test.
    static GOOD: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks a good body and keeps it for Go's reference decoder.
fn good(name: &str, bytes: &[u8]) -> Exposition {
    GOOD.with(|g| g.borrow_mut().push(bytes.to_vec()));
    let dir = expositions_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("checker-{name}.pb")), bytes).unwrap();
    match check_protobuf(bytes, Escaping::Underscores) {
        Ok(e) => {
            // Legacy names are valid UTF-8 names too.
            let utf8 = check_protobuf(bytes, Escaping::AllowUtf8).unwrap();
            assert_eq!(format!("{e:?}"), format!("{utf8:?}"));
            e
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

/// The kind, line and column of the error for `bytes`.
fn bad(bytes: &[u8]) -> (K, usize, usize) {
    let e = check_protobuf(bytes, Escaping::AllowUtf8).expect_err("must be rejected");
    (e.kind, e.line, e.column)
}

fn pb(rule: P) -> K {
    K::Protobuf(rule)
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A sample's `le` label as a number.
fn le(sample: &Sample) -> f64 {
    let text = &sample.labels.iter().find(|(n, _)| n == "le").unwrap().1;
    if text == "+Inf" {
        f64::INFINITY
    } else {
        text.parse().unwrap()
    }
}

/// Offset of the first byte of the family at `index` (0-based) in `families`'
/// body, plus 1 for its length byte (all test frames are under 128 bytes
/// unless said otherwise): the 1-based column of the message's first byte.
fn column_in(families: &[Msg], index: usize, offset: usize) -> usize {
    let before: usize = families[..index].iter().map(|f| 1 + f.len()).sum();
    before + 1 + offset + 1
}

// ---- good vectors --------------------------------------------------------------

#[test]
fn counter_with_exemplar_and_created_timestamp() {
    let counter = Msg::new()
        .double(1, 3.0)
        .msg(
            2,
            exemplar(
                &[("trace_id", "ab"), ("span_id", "cd")],
                1.5,
                Some(ts(1_700_000_000, 500_000_000)),
            ),
        )
        .msg(3, ts(1_699_999_999, 123_456_789));
    let f = family("jobs_total", COUNTER)
        .string(2, "Jobs \"done\".\n")
        .msg(4, metric(&[("queue", "a\"b\\c\nd")]).msg(3, counter))
        .msg(
            4,
            metric(&[("queue", "")]).msg(3, Msg::new().double(1, 0.5)),
        );
    let e = good("counter", &body(&[f]));
    let family = &e.families[0];
    assert_eq!(
        (family.name.as_str(), family.kind),
        ("jobs_total", MetricType::Counter)
    );
    assert_eq!(family.help.as_deref(), Some("Jobs \"done\".\n"));
    assert_eq!(family.unit, None);
    let s = &family.samples[0];
    assert_eq!(s.name, "jobs_total");
    assert_eq!(s.labels, labels(&[("queue", "a\"b\\c\nd")]));
    assert_eq!((s.value, s.value_text.as_str()), (3.0, "3.0"));
    assert_eq!(s.created, Some(Timestamp::new(1_699_999_999, 123_456_789)));
    let x = s.exemplar.as_ref().unwrap();
    assert_eq!(x.labels, labels(&[("trace_id", "ab"), ("span_id", "cd")]));
    assert_eq!((x.value, x.value_text.as_str()), (1.5, "1.5"));
    assert_eq!(
        x.exact_timestamp,
        Some(Timestamp::new(1_700_000_000, 500_000_000))
    );
    assert_eq!(x.timestamp, Some(1_700_000_000.5));
    let s = &family.samples[1];
    assert_eq!(
        (s.value_text.as_str(), s.exemplar.is_none(), s.created),
        ("0.5", true, None)
    );
    assert_eq!(s.labels, labels(&[("queue", "")]));
    assert!(s.native.is_none() && s.timestamp.is_none());
}

#[test]
fn gauges_and_untyped_keep_exact_values() {
    let values = [
        (f64::NAN, "NaN"),
        (f64::NEG_INFINITY, "-Inf"),
        (f64::INFINITY, "+Inf"),
        (1e-7, "1e-7"),
        (-0.0, "-0.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456789.0, "123456789.0"),
    ];
    let f = values.iter().enumerate().fold(
        family("mem_bytes", GAUGE).string(5, "bytes").string(2, ""),
        |f, (i, (v, _))| f.msg(4, metric(&[("i", &i.to_string())]).msg(2, gauge(*v))),
    );
    let u = family("loose", UNTYPED).msg(4, metric(&[]).msg(5, gauge(-2.5)));
    let e = good("gauge-untyped", &body(&[f, u]));
    let g = &e.families[0];
    assert_eq!(
        (g.kind, g.unit.as_deref(), g.help.as_deref()),
        (MetricType::Gauge, Some("bytes"), Some(""))
    );
    for (s, (v, text)) in g.samples.iter().zip(values) {
        assert_eq!(s.value_text, text);
        assert_eq!(s.value.to_bits(), v.to_bits(), "{text}");
        assert_eq!(s.name, "mem_bytes");
    }
    let u = &e.families[1];
    assert_eq!(
        (u.kind, u.help.as_deref(), u.samples[0].value),
        (MetricType::Untyped, None, -2.5)
    );
    assert!(check_protobuf(&[], Escaping::Underscores)
        .unwrap()
        .families
        .is_empty());
}

#[test]
fn classic_histogram_is_flattened_like_prometheus() {
    let h = Msg::new()
        .uint(1, 4)
        .double(2, 2.5)
        .msg(
            3,
            bucket(0.5, 1).msg(3, exemplar(&[("trace_id", "t")], 0.25, Some(ts(5, 0)))),
        )
        .msg(3, bucket(1.0, 3))
        .msg(15, ts(100, 1));
    let f = family("h_seconds", HISTOGRAM)
        .string(5, "seconds")
        .msg(4, metric(&[("path", "/")]).msg(7, h));
    // An explicit +Inf bucket, and a histogram without buckets.
    let h2 = Msg::new()
        .uint(1, 2)
        .double(2, -1.0)
        .msg(3, bucket(-1.0, 1))
        .msg(3, bucket(f64::INFINITY, 2));
    let g = family("g", GAUGE_HISTOGRAM)
        .msg(4, metric(&[("a", "1")]).msg(7, h2))
        .msg(4, metric(&[("a", "2")]).msg(7, Msg::new()));
    let e = good("classic", &body(&[f, g]));
    let s = &e.families[0].samples;
    let got: Vec<_> = s
        .iter()
        .map(|s| (s.name.as_str(), s.value_text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("h_seconds_bucket", "1"),
            ("h_seconds_bucket", "3"),
            ("h_seconds_bucket", "4"),
            ("h_seconds_sum", "2.5"),
            ("h_seconds_count", "4"),
        ]
    );
    assert_eq!(s[0].labels[0], ("path".to_string(), "/".to_string()));
    assert_eq!([le(&s[0]), le(&s[1]), le(&s[2])], [0.5, 1.0, f64::INFINITY]);
    assert_eq!(s[2].labels[1].1, "+Inf");
    assert_eq!(s[3].labels, labels(&[("path", "/")]));
    assert_eq!(s[0].exemplar.as_ref().unwrap().value, 0.25);
    assert!(s[1].exemplar.is_none());
    assert!(s.iter().all(|s| s.created == Some(Timestamp::new(100, 1))));
    let s = &e.families[1].samples;
    assert_eq!(e.families[1].kind, MetricType::GaugeHistogram);
    let got: Vec<_> = s
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.labels[0].1.as_str(),
                s.value_text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("g_bucket", "1", "1"),
            ("g_bucket", "1", "2"),
            ("g_sum", "1", "-1.0"),
            ("g_count", "1", "2"),
            ("g_bucket", "2", "0"),
            ("g_sum", "2", "0.0"),
            ("g_count", "2", "0"),
        ]
    );
    assert_eq!(
        [le(&s[0]), le(&s[1]), le(&s[4])],
        [-1.0, f64::INFINITY, f64::INFINITY]
    );
}

#[test]
fn summary_is_flattened_like_prometheus() {
    let s = Msg::new()
        .uint(1, 7)
        .double(2, 12.5)
        .msg(3, Msg::new().double(1, 0.5).double(2, 1.25))
        .msg(3, Msg::new().double(1, 0.99).double(2, f64::NAN))
        .msg(4, ts(9, 9));
    let f = family("rpc", SUMMARY).msg(4, metric(&[("m", "x")]).msg(4, s));
    let e = good("summary", &body(&[f]));
    let got: Vec<_> = e.families[0]
        .samples
        .iter()
        .map(|s| (s.name.as_str(), s.labels.len(), s.value_text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("rpc", 2, "1.25"),
            ("rpc", 2, "NaN"),
            ("rpc_sum", 1, "12.5"),
            ("rpc_count", 1, "7")
        ]
    );
    assert_eq!(
        e.families[0].samples[1].labels[1],
        ("quantile".to_string(), "0.99".to_string())
    );
    assert!(e.families[0]
        .samples
        .iter()
        .all(|s| s.created == Some(Timestamp::new(9, 9))));
}

fn native_of(e: &Exposition, family: usize, sample: usize) -> NativeHistogram {
    e.families[family].samples[sample].native.clone().unwrap()
}

/// Schema 0, zero bucket, one negative bucket (unpacked delta), two positive
/// spans (packed deltas): `[-1,-0.5)=4, zero=1, (1,2]=2, (16,32]=3`.
fn native_basic() -> Msg {
    Msg::new()
        .uint(1, 10)
        .double(2, 25.5)
        .sint(5, 0)
        .double(6, 0.0)
        .uint(7, 1)
        .msg(9, span(0, 1))
        .sint(10, 4)
        .msg(12, span(1, 1))
        .msg(12, span(3, 1))
        .packed_sint(13, &[2, 1])
        .msg(15, ts(1_700_000_000, 0))
}

#[test]
fn native_histogram_with_both_sides_and_a_zero_bucket() {
    let f = family("nh", HISTOGRAM).msg(4, metric(&[("k", "v")]).msg(7, native_basic()));
    let e = good("native-basic", &body(&[f]));
    let s = &e.families[0].samples[0];
    assert_eq!((s.name.as_str(), s.value_text.as_str()), ("nh", "10"));
    assert_eq!(s.labels, labels(&[("k", "v")]));
    assert_eq!(s.created, Some(Timestamp::new(1_700_000_000, 0)));
    let n = s.native.as_ref().unwrap();
    assert_eq!((n.schema, n.zero_threshold, n.zero_count), (0, 0.0, 1));
    assert_eq!((n.count, n.sum), (10, 25.5));
    assert_eq!(n.negative, [(0, 4)]);
    assert_eq!(n.positive, [(1, 2), (5, 3)]);
    assert_eq!(NativeHistogram::negative_bounds(n.schema, 0), (-1.0, -0.5));
    assert_eq!(NativeHistogram::positive_bounds(n.schema, 1), (1.0, 2.0));
    assert_eq!(NativeHistogram::positive_bounds(n.schema, 5), (16.0, 32.0));
    assert!(n.exemplars.is_empty());
}

#[test]
fn native_histogram_with_several_spans_and_zero_buckets() {
    // Schema 3 (base 2^(1/8)); negative indexes -2, -1 and 1 hold 1, 0, 5;
    // positive 0, 1, 2 hold 2, 2, 0 (zero counts written, as OTel's dense
    // buckets are); a zero threshold of 2^-128 and an empty zero bucket.
    let h = Msg::new()
        .uint(1, 10)
        .double(2, 3.0)
        .sint(5, 3)
        .double(6, 2f64.powi(-128))
        .msg(9, span(-2, 2))
        .msg(9, span(1, 1))
        .packed_sint(10, &[1, -1, 5])
        .msg(12, span(0, 3))
        .sint(13, 2)
        .sint(13, 0)
        .sint(13, -2)
        .msg(16, exemplar(&[("trace_id", "1")], -3.0, Some(ts(1, 2))))
        .msg(16, exemplar(&[], 1.0, Some(ts(1, 3))));
    let f = family("nh", GAUGE_HISTOGRAM).msg(4, metric(&[]).msg(7, h));
    let e = good("native-spans", &body(&[f]));
    let n = native_of(&e, 0, 0);
    assert_eq!(
        (n.schema, n.zero_threshold, n.zero_count, n.count),
        (3, 2f64.powi(-128), 0, 10)
    );
    assert_eq!(n.negative, [(-2, 1), (-1, 0), (1, 5)]);
    assert_eq!(n.positive, [(0, 2), (1, 2), (2, 0)]);
    let (lower, upper) = NativeHistogram::negative_bounds(3, -2);
    assert!((lower + 2f64.powf(-0.25)).abs() < 1e-15 && (upper + 2f64.powf(-0.375)).abs() < 1e-15);
    assert_eq!(n.exemplars.len(), 2);
    assert_eq!(n.exemplars[0].exact_timestamp, Some(Timestamp::new(1, 2)));
    assert_eq!(n.exemplars[1].labels, []);
}

#[test]
fn empty_native_histograms_with_a_zero_threshold() {
    let zt = 2f64.powi(-128);
    let plain = Msg::new().double(6, zt);
    // The no-op span a client adds to an empty native histogram.
    let noop = Msg::new().double(6, zt).msg(12, span(0, 0));
    let f = family("empty", HISTOGRAM)
        .msg(4, metric(&[("a", "1")]).msg(7, plain))
        .msg(4, metric(&[("a", "2")]).msg(7, noop));
    let e = good("native-empty", &body(&[f]));
    for i in 0..2 {
        let n = native_of(&e, 0, i);
        assert_eq!(
            (n.count, n.sum, n.zero_threshold, n.zero_count),
            (0, 0.0, zt, 0)
        );
        assert!(n.positive.is_empty() && n.negative.is_empty());
    }
    // A zero bucket alone (threshold 0) is native too.
    let f = family("z", HISTOGRAM).msg(4, metric(&[]).msg(7, Msg::new().uint(1, 3).uint(7, 3)));
    assert_eq!(
        native_of(&good("native-zero-only", &body(&[f])), 0, 0).zero_count,
        3
    );
}

#[test]
fn packed_and_unpacked_deltas_decode_alike() {
    let base = || {
        Msg::new()
            .uint(1, 5)
            .double(2, 6.0)
            .double(6, 1e-128)
            .msg(12, span(-1, 3))
    };
    let packed =
        family("p", HISTOGRAM).msg(4, metric(&[]).msg(7, base().packed_sint(13, &[1, 1, 0])));
    let unpacked = family("p", HISTOGRAM).msg(
        4,
        metric(&[]).msg(7, base().sint(13, 1).sint(13, 1).sint(13, 0)),
    );
    let mixed = family("p", HISTOGRAM).msg(
        4,
        metric(&[]).msg(7, base().sint(13, 1).packed_sint(13, &[1, 0])),
    );
    let a = good("native-packed", &body(&[packed]));
    let b = good("native-unpacked", &body(&[unpacked]));
    let c = good("native-mixed-packing", &body(&[mixed]));
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(native_of(&a, 0, 0).positive, [(-1, 1), (0, 2), (1, 2)]);
}

#[test]
fn native_count_may_exceed_buckets_when_the_sum_is_nan() {
    let h = Msg::new()
        .uint(1, 5)
        .double(2, f64::NAN)
        .double(6, 1e-128)
        .msg(12, span(0, 1))
        .sint(13, 3);
    let f = family("nan", HISTOGRAM).msg(4, metric(&[]).msg(7, h));
    let n = native_of(&good("native-nan-sum", &body(&[f])), 0, 0);
    assert!(n.sum.is_nan());
    assert_eq!((n.count, n.positive.as_slice()), (5, [(0, 3)].as_slice()));
}

#[test]
fn utf8_names_need_allow_utf8() {
    let f = family("my.metric", GAUGE).msg(4, metric(&[("http.method", "GET")]).msg(2, gauge(1.0)));
    let bytes = body(&[f]);
    let e = check_protobuf(&bytes, Escaping::AllowUtf8).unwrap();
    assert_eq!(e.families[0].name, "my.metric");
    assert_eq!(
        e.families[0].samples[0].labels,
        labels(&[("http.method", "GET")])
    );
    for escaping in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
        let e = check_protobuf(&bytes, escaping).unwrap_err();
        assert_eq!((e.kind, e.line, e.column), (K::InvalidName, 1, 2));
    }
    let f = family("m", GAUGE).msg(4, metric(&[("http.method", "GET")]).msg(2, gauge(1.0)));
    let e = check_protobuf(&body(&[f]), Escaping::Underscores).unwrap_err();
    assert_eq!((e.kind, e.line), (K::InvalidName, 1));
}

// ---- bad vectors: framing and wire format ----------------------------------------

#[test]
fn framing_errors() {
    let one = body(&[ok_gauge("a")]);
    let n = one.len();
    // Truncated anywhere inside the frame.
    for cut in 1..n {
        let (kind, line, column) = bad(&one[..cut]);
        assert_eq!((kind, line), (pb(P::Truncated), 1), "cut at {cut}");
        assert!(
            column >= 1 && column <= cut,
            "cut at {cut}: column {column}"
        );
    }
    assert_eq!(bad(&one[..n - 1]), (pb(P::Truncated), 1, 1));
    // Trailing garbage is a frame that does not fit.
    let mut two = one.clone();
    two.extend_from_slice(&[0x05, 0x0a]);
    assert_eq!(bad(&two), (pb(P::Truncated), 2, n + 1));
    // A zero byte after the last frame is an empty message: no name.
    let mut zero = one.clone();
    zero.push(0);
    assert_eq!(bad(&zero), (K::InvalidName, 2, n + 1));
    // A length longer than 5 bytes.
    let mut long = vec![0x80 | (n as u8 - 1), 0x80, 0x80, 0x80, 0x80, 0x00];
    long.extend_from_slice(&one[1..]);
    assert_eq!(bad(&long), (pb(P::FrameLengthTooLong), 1, 1));
    // Five bytes are allowed.
    let mut five = vec![0x80 | (n as u8 - 1), 0x80, 0x80, 0x80, 0x00];
    five.extend_from_slice(&one[1..]);
    assert_eq!(
        check_protobuf(&five, Escaping::Underscores).unwrap(),
        check_protobuf(&one, Escaping::Underscores).unwrap()
    );
}

#[test]
fn wire_errors() {
    let name = Msg::new().string(1, "a").uint(3, GAUGE);
    let m = Msg::new().msg(2, gauge(1.0));
    let with = |extra: Msg| body(&[name.clone().msg(4, m.clone()).raw(&extra.0)]);
    let at = 1 + name.len() + 2 + m.len() + 1; // column of the extra bytes
                                               // A varint of 11 bytes.
    let mut eleven = Msg::new().tag(3, 0);
    eleven.0.extend_from_slice(&[0xff; 10]);
    eleven.0.push(0x01);
    assert_eq!(bad(&with(eleven)), (pb(P::VarintTooLong), 1, at));
    // Field number 0; a group (wire type 3).
    assert_eq!(
        bad(&with(Msg::new().raw(&[0x00, 0x01]))),
        (pb(P::InvalidTag), 1, at)
    );
    assert_eq!(bad(&with(Msg::new().tag(6, 3))), (pb(P::InvalidTag), 1, at));
    // The name as a varint; the type as a double.
    assert_eq!(
        bad(&with(Msg::new().uint(2, 1))),
        (pb(P::WrongWireType), 1, at)
    );
    assert_eq!(
        bad(&with(Msg::new().double(3, 1.0))),
        (pb(P::WrongWireType), 1, at)
    );
    // Unknown fields: MetricFamily 6, and a 32-bit field.
    assert_eq!(
        bad(&with(Msg::new().uint(6, 1))),
        (pb(P::UnknownField), 1, at)
    );
    assert_eq!(
        bad(&with(Msg::new().tag(1, 5).raw(&[0, 0, 0, 0]))),
        (pb(P::WrongWireType), 1, at)
    );
    // A second name, help or type.
    assert_eq!(
        bad(&with(Msg::new().string(1, "b"))),
        (pb(P::DuplicateField), 1, at)
    );
    assert_eq!(
        bad(&with(Msg::new().string(2, "x").string(2, "y"))),
        (pb(P::DuplicateField), 1, at + 3)
    );
    assert_eq!(
        bad(&with(Msg::new().uint(3, GAUGE))),
        (pb(P::DuplicateField), 1, at)
    );
    // Invalid UTF-8 in help.
    assert_eq!(
        bad(&with(Msg::new().bytes(2, b"\xff"))),
        (K::InvalidUtf8, 1, at)
    );
    // Nested: an unknown Metric field, a second gauge, a gauge field twice.
    let nested = |metric: Msg| body(&[name.clone().msg(4, metric)]);
    let m_at = 1 + name.len() + 2 + 1; // column of the metric's first field
    assert_eq!(
        bad(&nested(Msg::new().uint(8, 1))),
        (pb(P::UnknownField), 1, m_at)
    );
    let twice = Msg::new().msg(2, gauge(1.0)).msg(2, gauge(2.0));
    assert_eq!(bad(&nested(twice)), (pb(P::DuplicateField), 1, m_at + 11));
    let inner = Msg::new().msg(2, gauge(1.0).double(1, 2.0));
    assert_eq!(
        bad(&nested(inner)),
        (pb(P::DuplicateField), 1, m_at + 2 + 9)
    );
    // A label value that is not UTF-8.
    let l = Msg::new()
        .msg(1, Msg::new().string(1, "a").bytes(2, b"\xc3"))
        .msg(2, gauge(1.0));
    assert_eq!(bad(&nested(l)), (K::InvalidUtf8, 1, m_at + 2 + 3));
    // A packed double field whose length is not a multiple of 8.
    for length in [7, 15, 17] {
        let packed = Msg::new().bytes(14, &vec![0; length]);
        let h = family("h", HISTOGRAM).msg(4, metric(&[]).msg(7, packed));
        assert_eq!(bad(&body(&[h])).0, pb(P::Truncated), "{length}");
    }
}

#[test]
fn integers_must_fit_their_fields() {
    let hist = |h: Msg| body(&[family("h", HISTOGRAM).msg(4, metric(&[]).msg(7, h))]);
    let h_at = 1 + family("h", HISTOGRAM).len() + 2 + 2 + 1; // histogram's first field
                                                             // sint32 schema above 32 bits, either sign.
    for raw in [1 << 32, (1 << 32) + 1, u64::MAX] {
        let big = Msg::new().uint(5, raw).double(6, 1.0);
        assert_eq!(
            bad(&hist(big)),
            (pb(P::IntegerOutOfRange), 1, h_at),
            "{raw}"
        );
    }
    // The smallest sint32 as a first offset.
    let min = Msg::new()
        .uint(1, 1)
        .double(6, 1.0)
        .msg(12, span(i32::MIN.into(), 1))
        .sint(13, 1);
    assert_eq!(
        good("native-min-index", &hist(min)).families[0].samples[0]
            .native
            .as_ref()
            .unwrap()
            .positive,
        [(i32::MIN, 1)]
    );
    // uint32 span length above 32 bits.
    let span_big = Msg::new().msg(12, Msg::new().uint(2, 1 << 32));
    assert_eq!(
        bad(&hist(span_big)),
        (pb(P::IntegerOutOfRange), 1, h_at + 2)
    );
    // int32 nanos above 32 bits; the enum type.
    let c = family("c", COUNTER).msg(
        4,
        metric(&[]).msg(3, Msg::new().msg(3, Msg::new().int(2, 1 << 40))),
    );
    assert_eq!(bad(&body(&[c])).0, pb(P::IntegerOutOfRange));
    let t = Msg::new()
        .string(1, "t")
        .int(3, 1 << 40)
        .msg(4, Msg::new().msg(3, Msg::new()));
    assert_eq!(bad(&body(&[t])), (pb(P::IntegerOutOfRange), 1, 5));
    // Negative int32 values are 10-byte varints, and decode.
    let t = Msg::new()
        .string(1, "t")
        .int(3, -1)
        .msg(4, Msg::new().msg(3, Msg::new()));
    assert_eq!(bad(&body(&[t])), (K::InvalidMetricType, 1, 5));
    // An absolute bucket count above 64 bits.
    let over = Msg::new()
        .double(6, 1.0)
        .msg(12, span(0, 3))
        .packed_sint(13, &[i64::MAX; 3]);
    assert_eq!(bad(&hist(over)).0, pb(P::IntegerOutOfRange));
}

// ---- bad vectors: families, metrics, labels ---------------------------------------

#[test]
fn family_rules() {
    let m = || metric(&[]).msg(2, gauge(1.0));
    // No name, an empty name, an invalid legacy name.
    let no_name = Msg::new().uint(3, GAUGE).msg(4, m());
    assert_eq!(bad(&body(&[no_name])), (K::InvalidName, 1, 1));
    assert_eq!(
        bad(&body(&[family("", GAUGE).msg(4, m())])),
        (K::InvalidName, 1, 2)
    );
    let e = check_protobuf(
        &body(&[family("1a", GAUGE).msg(4, m())]),
        Escaping::Underscores,
    );
    assert_eq!(e.unwrap_err().kind, K::InvalidName);
    // Unknown type.
    let f = family("a", 6).msg(4, m());
    assert_eq!(bad(&body(&[f])), (K::InvalidMetricType, 1, 5));
    // A missing type is COUNTER, its default.
    let f = Msg::new()
        .string(1, "c")
        .msg(4, metric(&[]).msg(3, Msg::new().double(1, 1.0)));
    assert_eq!(
        good("default-type", &body(&[f])).families[0].kind,
        MetricType::Counter
    );
    // No metrics.
    let fams = [ok_gauge("a"), family("b", GAUGE)];
    assert_eq!(
        bad(&body(&fams)),
        (pb(P::EmptyFamily), 2, column_in(&fams, 1, 0) - 1)
    );
    // Units: a suffix of the name (before `_total` for counters).
    let unit = |name: &str, kind: u64, unit: &str, value: Msg| {
        body(&[family(name, kind).string(5, unit).msg(4, value)])
    };
    let c = || metric(&[]).msg(3, Msg::new());
    good("units", &unit("x_bytes_total", COUNTER, "bytes", c()));
    good("units-gauge", &unit("x_bytes", GAUGE, "bytes", m()));
    good("units-empty", &unit("x", GAUGE, "", m()));
    assert_eq!(
        bad(&unit("x_total", COUNTER, "bytes", c())).0,
        K::UnitNotSuffix
    );
    assert_eq!(bad(&unit("mem", GAUGE, "bytes", m())).0, K::UnitNotSuffix);
    assert_eq!(
        bad(&unit("membytes", GAUGE, "bytes", m())).0,
        K::UnitNotSuffix
    );
    assert_eq!(
        bad(&unit("x_bytes_total", GAUGE, "bytes", m())).0,
        K::UnitNotSuffix
    );
}

#[test]
fn family_names_are_unique_and_do_not_clash() {
    let h = || family("h", HISTOGRAM).msg(4, metric(&[]).msg(7, Msg::new()));
    let s = || family("s", SUMMARY).msg(4, metric(&[]).msg(4, Msg::new()));
    let col = |fams: &[Msg]| column_in(fams, fams.len() - 1, 0);
    let fams = [ok_gauge("a"), ok_gauge("b"), ok_gauge("a")];
    assert_eq!(bad(&body(&fams)), (pb(P::DuplicateFamily), 3, col(&fams)));
    for (first, second) in [
        (h(), ok_gauge("h_count")),
        (h(), ok_gauge("h_bucket")),
        (ok_gauge("h_sum"), h()),
        (s(), ok_gauge("s_count")),
        (ok_gauge("s_sum"), s()),
    ] {
        let fams = [first, second];
        assert_eq!(bad(&body(&fams)), (K::ClashingName, 2, col(&fams)));
    }
    // Counters, gauges and summaries claim no `_bucket`.
    good(
        "no-clash",
        &body(&[
            s(),
            ok_gauge("s_bucket"),
            ok_gauge("h"),
            ok_gauge("h_total"),
        ]),
    );
}

#[test]
fn metric_rules() {
    let f = || family("a", GAUGE);
    let m_at = 1 + f().len() + 1; // column of the metric field
    let one = |m: Msg| body(&[f().msg(4, m)]);
    let counter = Msg::new().double(1, 1.0);
    // No value, the wrong value, two values.
    assert_eq!(bad(&one(metric(&[]))), (pb(P::ValueTypeMismatch), 1, m_at));
    assert_eq!(
        bad(&one(Msg::new().msg(3, counter.clone()))),
        (pb(P::ValueTypeMismatch), 1, m_at + 2)
    );
    let two = Msg::new().msg(2, gauge(1.0)).msg(5, gauge(1.0));
    assert_eq!(bad(&one(two)), (pb(P::ValueTypeMismatch), 1, m_at + 2 + 11));
    for (kind, field) in [
        (COUNTER, 2),
        (GAUGE, 5),
        (UNTYPED, 2),
        (SUMMARY, 7),
        (HISTOGRAM, 4),
        (GAUGE_HISTOGRAM, 3),
    ] {
        let f = family("a", kind).msg(4, Msg::new().msg(field, Msg::new()));
        assert_eq!(
            bad(&body(&[f])).0,
            pb(P::ValueTypeMismatch),
            "{kind} {field}"
        );
    }
    // A timestamp.
    let stamped = Msg::new().msg(2, gauge(1.0)).int(6, 1_700_000_000_000);
    assert_eq!(bad(&one(stamped)), (pb(P::TimestampMs), 1, m_at + 2 + 11));
    // A timestamp of 0 is still written.
    let zero = Msg::new().msg(2, gauge(1.0)).int(6, 0);
    assert_eq!(bad(&one(zero)).0, pb(P::TimestampMs));
}

#[test]
fn label_rules() {
    let f = || family("a", GAUGE);
    let m_at = 1 + f().len() + 2 + 1; // column of the metric's first label
    let with = |pairs: &[(&str, &str)]| body(&[f().msg(4, metric(pairs).msg(2, gauge(1.0)))]);
    assert_eq!(bad(&with(&[("", "x")])), (K::InvalidName, 1, m_at));
    let e = check_protobuf(&with(&[("a.b", "x")]), Escaping::Underscores).unwrap_err();
    assert_eq!((e.kind, e.column), (K::InvalidName, m_at));
    let e = check_protobuf(&with(&[("1a", "x")]), Escaping::Dots).unwrap_err();
    assert_eq!((e.kind, e.column), (K::InvalidName, m_at));
    for reserved in ["__name__", "__x", "__"] {
        assert_eq!(
            bad(&with(&[(reserved, "x")])),
            (K::ReservedLabelName, 1, m_at)
        );
    }
    good("label-underscore", &with(&[("_x", "1"), ("x__", "2")]));
    let second = m_at + label("a", "1").len() + 2;
    assert_eq!(
        bad(&with(&[("a", "1"), ("a", "2")])),
        (K::DuplicateLabel, 1, second)
    );
    // A label without a value is the empty value.
    let f2 = f().msg(
        4,
        Msg::new()
            .msg(1, Msg::new().string(1, "a"))
            .msg(2, gauge(1.0)),
    );
    assert_eq!(
        good("label-no-value", &body(&[f2])).families[0].samples[0].labels,
        labels(&[("a", "")])
    );
    // `le` on histograms, `quantile` on summaries (fine on other types).
    let h = family("h", HISTOGRAM).msg(4, metric(&[("le", "1")]).msg(7, Msg::new()));
    assert_eq!(
        bad(&body(&[h])),
        (
            K::InvalidBoundLabel,
            1,
            1 + family("h", HISTOGRAM).len() + 2 + 1
        )
    );
    let g = family("g", GAUGE_HISTOGRAM).msg(4, metric(&[("le", "1")]).msg(7, Msg::new()));
    assert_eq!(bad(&body(&[g])).0, K::InvalidBoundLabel);
    let s = family("s", SUMMARY).msg(4, metric(&[("quantile", "1")]).msg(4, Msg::new()));
    assert_eq!(bad(&body(&[s])).0, K::InvalidBoundLabel);
    good("le-on-gauge", &with(&[("le", "1"), ("quantile", "x")]));
}

#[test]
fn label_sets_are_unique_with_empty_values_as_absent() {
    let fam = |sets: &[&[(&str, &str)]]| {
        sets.iter().fold(family("a", GAUGE), |f, set| {
            f.msg(4, metric(set).msg(2, gauge(1.0)))
        })
    };
    let second_at = |sets: &[&[(&str, &str)]]| {
        let first = fam(&sets[..1]);
        1 + first.len() + 1
    };
    for sets in [
        &[&[("a", "1"), ("b", "2")][..], &[("b", "2"), ("a", "1")]][..],
        &[&[][..], &[]],
        &[&[("a", ""), ("b", "x")][..], &[("b", "x")]],
        &[&[("b", "x")][..], &[("b", "x"), ("a", "")]],
        &[&[("a", "")][..], &[("c", "")]],
    ] {
        assert_eq!(
            bad(&body(&[fam(sets)])),
            (K::DuplicateSeries, 1, second_at(sets)),
            "{sets:?}"
        );
    }
    good(
        "label-sets",
        &body(&[fam(&[&[("a", "")], &[("a", "1")], &[("b", "1")]])]),
    );
}

// ---- bad vectors: histograms -------------------------------------------------------

/// A histogram family `h` with one metric holding `h`, and the column of the
/// histogram's first field (frames under 128 bytes).
fn hist(h: Msg) -> (Vec<u8>, usize) {
    let f = family("h", HISTOGRAM);
    let at = 1 + f.len() + 2 + 2 + 1;
    (body(&[f.msg(4, metric(&[]).msg(7, h))]), at)
}

#[test]
fn classic_histogram_rules() {
    let b = |upper: f64, count: u64| bucket(upper, count);
    let blen = b(1.0, 1).len() + 2;
    let three = |x: Msg, y: Msg, count: u64| Msg::new().uint(1, count).msg(3, x).msg(3, y);
    let (bytes, at) = hist(three(b(2.0, 1), b(1.0, 1), 1));
    assert_eq!(
        bad(&bytes),
        (K::HistogramRule(H::BucketsOutOfOrder), 1, at + 2 + blen)
    );
    let (bytes, _) = hist(three(b(1.0, 1), b(1.0, 1), 1));
    assert_eq!(bad(&bytes).0, K::HistogramRule(H::BucketsOutOfOrder));
    let (bytes, _) = hist(three(b(1.0, 1), b(f64::NAN, 1), 1));
    assert_eq!(bad(&bytes).0, K::HistogramRule(H::BucketsOutOfOrder));
    let (bytes, at) = hist(Msg::new().msg(3, b(f64::NAN, 0)));
    assert_eq!(bad(&bytes), (K::HistogramRule(H::BucketsOutOfOrder), 1, at));
    // Bounds rise from -Inf, so -Inf cannot be one (Go's checker agrees).
    let (bytes, _) = hist(Msg::new().msg(3, b(f64::NEG_INFINITY, 0)));
    assert_eq!(bad(&bytes).0, K::HistogramRule(H::BucketsOutOfOrder));
    let (bytes, at) = hist(three(b(1.0, 2), b(2.0, 1), 2));
    assert_eq!(
        bad(&bytes),
        (K::HistogramRule(H::NotCumulative), 1, at + 2 + blen)
    );
    // The count: at least the last bucket, equal to a +Inf bucket.
    let (bytes, at) = hist(three(b(1.0, 1), b(2.0, 3), 2));
    assert_eq!(bad(&bytes), (K::HistogramRule(H::CountMismatch), 1, at));
    let (bytes, at) = hist(three(b(1.0, 1), b(f64::INFINITY, 3), 4));
    assert_eq!(bad(&bytes), (K::HistogramRule(H::CountMismatch), 1, at));
    let (bytes, at) = hist(Msg::new().msg(3, b(1.0, 1)));
    assert_eq!(bad(&bytes), (K::HistogramRule(H::CountMismatch), 1, at - 2));
    // Good: the count above the last finite bucket; equal cumulative counts.
    let (bytes, _) = hist(three(b(1.0, 1), b(2.0, 3), 9));
    good("classic-count-above", &bytes);
    let (bytes, _) = hist(three(b(1.0, 2), b(2.0, 2), 2));
    good("classic-equal-counts", &bytes);
    // Float counts, anywhere.
    for h in [
        Msg::new().double(4, 1.0),
        Msg::new().double(8, 1.0),
        Msg::new().double(11, 1.0),
        Msg::new().packed_double(14, &[1.0]),
        Msg::new().double(6, 1.0).packed_double(14, &[]),
        Msg::new().uint(1, 1).msg(3, b(1.0, 1).double(4, 1.0)),
    ] {
        assert_eq!(bad(&hist(h).0).0, pb(P::FloatCounts));
    }
    // Exemplars: at most the bucket's bound.
    let ex = |v: f64| exemplar(&[("t", "1")], v, None);
    let (bytes, _) = hist(Msg::new().uint(1, 1).msg(3, b(1.0, 1).msg(3, ex(1.0))));
    good("classic-exemplar-at-bound", &bytes);
    let (bytes, at) = hist(Msg::new().uint(1, 1).msg(3, b(1.0, 1).msg(3, ex(1.5))));
    assert_eq!(
        bad(&bytes),
        (K::ExemplarOutOfBucket, 1, at + 2 + 2 + b(1.0, 1).len())
    );
    let (bytes, _) = hist(Msg::new().uint(1, 1).msg(3, b(1.0, 1).msg(3, ex(f64::NAN))));
    assert_eq!(bad(&bytes).0, K::ExemplarOutOfBucket);
}

#[test]
fn classic_and_native_do_not_mix() {
    let classic = || Msg::new().uint(1, 1).msg(3, bucket(1.0, 1));
    let (bytes, at) = hist(classic().msg(12, span(0, 1)).sint(13, 1));
    assert_eq!(bad(&bytes), (pb(P::MixedHistogram), 1, at + 2));
    let (bytes, _) = hist(classic().double(6, 1e-128));
    assert_eq!(bad(&bytes).0, pb(P::MixedHistogram));
    // Native-only fields on a classic histogram: schema, a zero threshold
    // of 0 written, exemplars.
    let at_after = 2 + classic().len();
    for extra in [
        Msg::new().sint(5, 0),
        Msg::new().double(6, 0.0),
        Msg::new().uint(7, 0),
        Msg::new().msg(16, exemplar(&[], 1.0, Some(ts(1, 0)))),
    ] {
        let (bytes, at) = hist(classic().raw(&extra.0));
        assert_eq!(
            bad(&bytes),
            (pb(P::MixedHistogram), 1, at + at_after - 2),
            "{extra:?}"
        );
    }
}

#[test]
fn native_histogram_rules() {
    let zt = || Msg::new().double(6, 1e-128);
    // The extremes of sint32 decode, and are out of range.
    for schema in [-5, 9, 52, i32::MIN.into(), i32::MAX.into()] {
        let (bytes, at) = hist(Msg::new().sint(5, schema).double(6, 1.0));
        assert_eq!(bad(&bytes), (pb(P::SchemaOutOfRange), 1, at), "{schema}");
    }
    for schema in [-4, 8] {
        good(
            &format!("schema{schema}"),
            &hist(Msg::new().sint(5, schema).double(6, 1.0)).0,
        );
    }
    for threshold in [f64::INFINITY, f64::NAN, -1.0] {
        let (bytes, at) = hist(Msg::new().double(6, threshold).msg(12, span(0, 0)));
        assert_eq!(
            bad(&bytes),
            (pb(P::InvalidZeroThreshold), 1, at),
            "{threshold}"
        );
    }
    // Spans and deltas.
    let (bytes, at) = hist(zt().msg(12, span(0, 2)).sint(13, 1));
    assert_eq!(bad(&bytes), (pb(P::SpanDeltaMismatch), 1, at + 9));
    let (bytes, at) = hist(zt().uint(1, 1).sint(10, 1));
    assert_eq!(bad(&bytes), (pb(P::SpanDeltaMismatch), 1, at + 9 + 2));
    // Deltas alone make a histogram native (Prometheus 2.40-2.46 read them).
    let (bytes, at) = hist(Msg::new().uint(1, 1).sint(13, 1));
    assert_eq!(bad(&bytes), (pb(P::SpanDeltaMismatch), 1, at + 2));
    let (bytes, at) = hist(Msg::new().uint(1, 1).sint(10, 1));
    assert_eq!(bad(&bytes), (pb(P::SpanDeltaMismatch), 1, at + 2));
    // One side's deltas are enough for those versions, without a zero bucket.
    let (bytes, _) = hist(Msg::new().uint(1, 2).msg(9, span(-3, 1)).sint(10, 2));
    assert_eq!(
        native_of(&good("native-negative-only", &bytes), 0, 0).negative,
        [(-3, 2)]
    );
    let (bytes, _) = hist(Msg::new().uint(1, 2).msg(12, span(7, 1)).sint(13, 2));
    assert_eq!(
        native_of(&good("native-positive-only", &bytes), 0, 0).positive,
        [(7, 2)]
    );
    let (bytes, at) = hist(
        zt().uint(1, 2)
            .msg(9, span(0, 1))
            .msg(9, span(-1, 1))
            .packed_sint(10, &[1, 0]),
    );
    assert_eq!(
        bad(&bytes),
        (
            pb(P::NegativeSpanOffset),
            1,
            at + 9 + 2 + 2 + span(0, 1).len()
        )
    );
    // A later offset of 0 and an empty span are legal.
    let (bytes, _) = hist(
        zt().uint(1, 2)
            .msg(9, span(0, 1))
            .msg(9, span(0, 0))
            .msg(9, span(0, 1))
            .packed_sint(10, &[1, 0]),
    );
    assert_eq!(
        native_of(&good("native-zero-offset", &bytes), 0, 0).negative,
        [(0, 1), (1, 1)]
    );
    let (bytes, at) = hist(
        zt().uint(1, 0)
            .msg(12, span(0, 2))
            .packed_sint(13, &[1, -2]),
    );
    assert_eq!(
        bad(&bytes),
        (
            pb(P::NegativeBucketCount),
            1,
            at + 9 + 2 + 2 + span(0, 2).len()
        )
    );
    let (bytes, at) = hist(
        zt().msg(12, span(i32::MAX.into(), 2))
            .packed_sint(13, &[0, 0]),
    );
    assert_eq!(bad(&bytes), (pb(P::BucketIndexOutOfRange), 1, at + 9));
    let (bytes, _) = hist(zt().msg(12, span(i32::MAX.into(), 1)).packed_sint(13, &[0]));
    assert_eq!(
        native_of(&good("native-max-index", &bytes), 0, 0).positive,
        [(i32::MAX, 0)]
    );
    // The count: zero count plus all buckets.
    let h = |count: u64, sum: f64| {
        zt().uint(1, count)
            .double(2, sum)
            .uint(7, 1)
            .msg(12, span(0, 1))
            .sint(13, 2)
            .msg(9, span(0, 1))
            .sint(10, 3)
    };
    good("native-count", &hist(h(6, 1.0)).0);
    for (count, sum) in [(5, 1.0), (7, 1.0), (5, f64::NAN)] {
        let (bytes, at) = hist(h(count, sum));
        assert_eq!(
            bad(&bytes),
            (pb(P::NativeCountMismatch), 1, at + 9),
            "{count} {sum}"
        );
    }
    let (bytes, at) = hist(zt().uint(7, 1));
    assert_eq!(bad(&bytes), (pb(P::NativeCountMismatch), 1, at - 2));
    // Read as classic by Prometheus 2.40-2.46: no deltas, zero count or threshold.
    let (bytes, at) = hist(Msg::new().msg(12, span(0, 0)));
    assert_eq!(bad(&bytes), (pb(P::NativeLooksClassic), 1, at - 2));
    let (bytes, _) = hist(Msg::new().msg(9, span(3, 0)).double(6, 0.0).uint(7, 0));
    assert_eq!(bad(&bytes).0, pb(P::NativeLooksClassic));
    // Exemplars need timestamps.
    let (bytes, at) = hist(zt().msg(16, exemplar(&[], 1.0, None)));
    assert_eq!(bad(&bytes), (pb(P::ExemplarWithoutTimestamp), 1, at + 9));
}

#[test]
fn exemplar_and_timestamp_rules() {
    let counter =
        |e: Msg| body(&[family("c", COUNTER).msg(4, metric(&[]).msg(3, Msg::new().msg(2, e)))]);
    let e_at = 1 + family("c", COUNTER).len() + 2 + 2 + 1;
    let long = "x".repeat(127);
    good(
        "exemplar-128",
        &counter(exemplar(&[("t", &long)], 1.0, None)),
    );
    let long = "é".repeat(127);
    good(
        "exemplar-128-wide",
        &counter(exemplar(&[("t", &long)], 1.0, None)),
    );
    let long = "x".repeat(128);
    // The frame, metric and counter lengths take two bytes each here.
    let long_at = e_at + 3;
    assert_eq!(
        bad(&counter(exemplar(&[("t", &long)], 1.0, None))),
        (K::ExemplarTooLong, 1, long_at)
    );
    assert_eq!(
        bad(&counter(exemplar(&[("__t", "1")], 1.0, None))),
        (K::ReservedLabelName, 1, e_at + 2)
    );
    assert_eq!(
        bad(&counter(exemplar(&[("t", "1"), ("t", "2")], 1.0, None))).0,
        K::DuplicateLabel
    );
    assert_eq!(
        bad(&counter(exemplar(&[("", "1")], 1.0, None))).0,
        K::InvalidName
    );
    // Any value, as Prometheus stores it.
    for v in [f64::NAN, f64::INFINITY, -1.0] {
        good("exemplar-values", &counter(exemplar(&[], v, None)));
    }
    // Timestamps: nanos in 0..1e9, seconds from year 1 to 9999.
    for (seconds, nanos) in [
        (0, 1_000_000_000),
        (0, -1),
        (-62_135_596_801, 0),
        (253_402_300_800, 0),
    ] {
        let e = exemplar(&[], 1.0, Some(ts(seconds, nanos)));
        let extra = exemplar(&[], 1.0, None).len() + 2;
        assert_eq!(
            bad(&counter(e)),
            (K::InvalidTimestamp, 1, e_at + extra),
            "{seconds} {nanos}"
        );
    }
    for (seconds, nanos) in [
        (-62_135_596_800, 0),
        (253_402_300_799, 999_999_999),
        (-1, 5),
    ] {
        good(
            "exemplar-ts",
            &counter(exemplar(&[], 1.0, Some(ts(seconds, nanos)))),
        );
    }
    // Created timestamps too.
    let created =
        body(&[family("c", COUNTER).msg(4, metric(&[]).msg(3, Msg::new().msg(3, ts(0, -5))))]);
    assert_eq!(bad(&created), (K::InvalidTimestamp, 1, e_at));
    let (bytes, at) = hist(Msg::new().msg(15, ts(0, 1_000_000_000)));
    assert_eq!(bad(&bytes), (K::InvalidTimestamp, 1, at));
}

#[test]
fn summary_rules() {
    let s = |q: Msg| body(&[family("s", SUMMARY).msg(4, metric(&[]).msg(4, Msg::new().msg(3, q)))]);
    let q_at = 1 + family("s", SUMMARY).len() + 2 + 2 + 1;
    for q in [-0.1, 1.5, f64::NAN] {
        assert_eq!(
            bad(&s(Msg::new().double(1, q).double(2, 1.0))),
            (K::InvalidBoundLabel, 1, q_at),
            "{q}"
        );
    }
    let two = body(&[family("s", SUMMARY).msg(
        4,
        metric(&[]).msg(
            4,
            Msg::new()
                .msg(3, Msg::new().double(1, 0.5))
                .msg(3, Msg::new().double(1, 0.5)),
        ),
    )]);
    assert_eq!(bad(&two), (K::DuplicateSeries, 1, q_at + 11));
}

/// Arbitrary bytes never panic: mutations of every good vector here, with a
/// fixed-seed generator; errors point into the input.
#[test]
fn never_panics_on_mutated_inputs() {
    // Collect the good vectors by running their tests on this thread.
    counter_with_exemplar_and_created_timestamp();
    gauges_and_untyped_keep_exact_values();
    classic_histogram_is_flattened_like_prometheus();
    summary_is_flattened_like_prometheus();
    native_histogram_with_both_sides_and_a_zero_bucket();
    native_histogram_with_several_spans_and_zero_buckets();
    empty_native_histograms_with_a_zero_threshold();
    packed_and_unpacked_deltas_decode_alike();
    native_count_may_exceed_buckets_when_the_sum_is_nan();
    family_rules();
    label_rules();
    exemplar_and_timestamp_rules();
    let inputs = GOOD.with(|g| g.take());
    assert!(inputs.len() > 20, "{}", inputs.len());
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = [
        0x00, 0x01, 0x02, 0x08, 0x0a, 0x12, 0x7f, 0x80, 0xff, 0x3f, 0xf0,
    ];
    for round in 0..40 {
        for input in &inputs {
            let mut bytes = input.clone();
            for _ in 0..=round % 4 {
                let at = (next() as usize) % (bytes.len() + 1);
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ => bytes.insert(at, byte),
                }
            }
            for escaping in [Escaping::Underscores, Escaping::AllowUtf8] {
                if let Err(e) = check_protobuf(&bytes, escaping) {
                    assert!(
                        e.line >= 1 && (1..=bytes.len()).contains(&e.column),
                        "{e:?}"
                    );
                }
            }
        }
    }
}
