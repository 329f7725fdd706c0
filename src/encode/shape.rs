//! Label-block plans ("shapes"), cached per attribute-key sequence.
//!
//! Most data points of a metric, and usually of a whole scope, carry the
//! same attribute keys in the same order (the SDK sorts them). For such a
//! point, everything about its label block except the attribute values is
//! already decided by the keys: the translated (and escaped) label names,
//! their sorted order among the scope and resource labels, the rendered
//! scope and resource labels themselves, and the rename counts. A [`Shape`]
//! records that as literal text with holes for the values, so a point of a
//! known shape is rendered by copying literals and escaping its values, with
//! no name translation, no sorting and no collision checks.
//!
//! A shape is only built from a label set whose names are all distinct
//! (nothing to merge): then the sorted order depends on the names alone.
//! Shapes depend on the scope and resource labels, the strategy and the
//! escaping, so they are forgotten whenever one of those may change (a new
//! scope, the resource, a new encode call); their buffers are kept.

use opentelemetry::Value;

use super::labels::{write_label_name, Label};
use super::model::Span;
use super::scratch::Store;
use crate::escape::{write_label_value, write_label_value_bytes};
use crate::num::write_i64;
use crate::{EncodeStats, RenameReason};

/// Shapes kept at a time; more distinct key sequences in one scope than this
/// are served in turn (the least recently built one is replaced).
const MAX_SHAPES: usize = 8;

/// Renames a point of a shape counts, in this order.
pub(crate) const SHAPE_RENAMES: [RenameReason; 3] = [
    RenameReason::LabelName,
    RenameReason::Escaped,
    RenameReason::ReservedLabel,
];

/// One label-block plan.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Whether this slot holds a plan for the current scope.
    valid: bool,
    /// Built for a histogram point (`le` is renamed there).
    histogram: bool,
    /// The attribute keys, concatenated; key `i` ends at `key_ends[i]`.
    keys: Vec<u8>,
    key_ends: Vec<usize>,
    /// Address and length of each key the shape was built from: while the
    /// input is borrowed for the whole call (see [`Shapes::start_call`]),
    /// an equal address and length mean equal bytes.
    key_addrs: Vec<(usize, usize)>,
    /// Literal text of the block: for each step, what precedes the value.
    text: Vec<u8>,
    /// In output order: the literal before a value, and the attribute index of that value.
    steps: Vec<(Span, u32)>,
    /// The literal after the last value (or the whole block without attributes).
    tail: Span,
    /// Renames per point, by [`SHAPE_RENAMES`].
    renames: [u64; 3],
}

impl Shape {
    fn matches(&self, histogram: bool, keys: &[(&str, &Value)], by_address: bool) -> bool {
        if !self.valid || self.histogram != histogram || self.key_ends.len() != keys.len() {
            return false;
        }
        let mut start = 0;
        for ((&end, &addr), (key, _)) in self.key_ends.iter().zip(&self.key_addrs).zip(keys) {
            let (begin, end) = (start, end);
            start = end;
            if by_address && addr == address(key) {
                continue;
            }
            // Lengths first: distinct keys mostly differ there already.
            if end - begin != key.len() || &self.keys[begin..end] != key.as_bytes() {
                return false;
            }
        }
        true
    }
}

fn address(key: &str) -> (usize, usize) {
    (key.as_ptr() as usize, key.len())
}

/// The shapes of the current scope.
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    slots: Vec<Shape>,
    /// The slot that matched or was built last: tried first.
    last: usize,
    /// The slot the next new shape goes to.
    next: usize,
    /// Whether keys may be matched by address (see [`Shapes::start_call`]).
    by_address: bool,
    /// Tests: never use or build shapes (the reference path).
    #[cfg(test)]
    pub disabled: bool,
}

impl Shapes {
    /// Forgets every plan, keeping the buffers.
    pub fn invalidate(&mut self) {
        for s in &mut self.slots {
            s.valid = false;
        }
        self.last = 0;
        self.next = 0;
    }

    /// Starts an encode call: forgets every plan. With `keys_outlive_call`
    /// the caller promises that every attribute key passed during the call
    /// stays borrowed (alive and unchanged) until it ends, as an SDK snapshot
    /// does. Keys are then first matched by address and length, which for
    /// static and shared keys spares comparing their bytes. Plain-value
    /// callers make no such promise: their keys may be freed, and the memory
    /// reused for other text, between two points.
    pub fn start_call(&mut self, keys_outlive_call: bool) {
        self.invalidate();
        self.by_address = keys_outlive_call;
    }

    /// The shape for these attribute keys, if one was built.
    pub fn find(&mut self, histogram: bool, attributes: &[(&str, &Value)]) -> Option<&Shape> {
        let n = self.slots.len();
        #[cfg(test)]
        if self.disabled {
            return None;
        }
        if n == 0 {
            return None;
        }
        let last = self.last.min(n - 1);
        let found = std::iter::once(last)
            .chain((0..n).filter(|&i| i != last))
            .find(|&i| self.slots[i].matches(histogram, attributes, self.by_address))?;
        self.last = found;
        Some(&self.slots[found])
    }

    /// Builds a shape from a rendered point: `attributes` as given, `labels`
    /// sorted by name with distinct names (each point label's `index` is its
    /// attribute's position), `renames` what rendering one such point counted.
    pub fn build(
        &mut self,
        histogram: bool,
        attributes: &[(&str, &Value)],
        labels: &[Label],
        point: &[u8],
        fixed: &[u8],
        renames: [u64; 3],
    ) {
        if self.slots.len() < MAX_SHAPES && self.next == self.slots.len() {
            self.slots.push(Shape::default());
        }
        let slot = self.next;
        self.next = (self.next + 1) % MAX_SHAPES;
        self.last = slot;
        let shape = &mut self.slots[slot];
        shape.valid = true;
        shape.histogram = histogram;
        shape.renames = renames;
        shape.keys.clear();
        shape.key_ends.clear();
        shape.key_addrs.clear();
        for (key, _) in attributes {
            shape.keys.extend_from_slice(key.as_bytes());
            shape.key_ends.push(shape.keys.len());
            shape.key_addrs.push(address(key));
        }
        shape.text.clear();
        shape.steps.clear();
        let mut literal = 0;
        for (j, l) in labels.iter().enumerate() {
            let buf = match l.store {
                Store::Point => point,
                Store::Fixed => fixed,
            };
            if j > 0 {
                shape.text.push(b',');
            }
            write_label_name(&mut shape.text, l.name.get(buf), l.quoted);
            shape.text.extend_from_slice(b"=\"");
            match l.store {
                Store::Fixed => {
                    write_label_value_bytes(&mut shape.text, l.value.get(buf));
                }
                Store::Point => {
                    shape
                        .steps
                        .push((Span::new(literal, shape.text.len()), l.index));
                    literal = shape.text.len();
                }
            }
            shape.text.push(b'"');
        }
        shape.tail = Span::new(literal, shape.text.len());
    }
}

/// Renders a point of a known shape into `out` and counts its renames;
/// false, with nothing written, when an attribute value is empty (no label
/// then: the point takes the general path).
pub(crate) fn render(
    shape: &Shape,
    attributes: &[(&str, &Value)],
    tmp: &mut String,
    out: &mut Vec<u8>,
    stats: &mut EncodeStats,
) -> bool {
    let empty = |v: &Value| matches!(v, Value::String(s) if s.as_str().is_empty());
    if attributes.iter().any(|(_, v)| empty(v)) {
        return false;
    }
    for &(literal, index) in &shape.steps {
        out.extend_from_slice(literal.get(&shape.text));
        write_value_escaped(attributes[index as usize].1, tmp, out);
    }
    out.extend_from_slice(shape.tail.get(&shape.text));
    for (reason, n) in SHAPE_RENAMES.into_iter().zip(shape.renames) {
        if n != 0 {
            stats.rename(reason, n);
        }
    }
    true
}

/// Appends an attribute value as an escaped label value; strings, booleans
/// and integers directly, everything else through `tmp`.
pub(crate) fn write_value_escaped(value: &Value, tmp: &mut String, out: &mut Vec<u8>) {
    match value {
        Value::String(s) => write_label_value(out, s.as_str()),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::I64(i) => write_i64(out, *i),
        other => {
            tmp.clear();
            crate::value::write_value(other, tmp);
            write_label_value(out, tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::{Array, KeyValue, StringValue};
    use opentelemetry_sdk::metrics::Temporality;

    use super::super::{Encoder, MetricInfo, MetricKind, Number, Parts};
    use crate::{Config, EncodeStats, Escaping, Format, ResourceSelector, TranslationStrategy};

    fn kv(kvs: &[KeyValue]) -> impl Iterator<Item = (&str, &opentelemetry::Value)> {
        kvs.iter().map(|kv| (kv.key.as_str(), &kv.value))
    }

    fn info(name: &str, kind: MetricKind) -> MetricInfo<'_> {
        MetricInfo {
            name,
            description: "",
            unit: "",
            kind,
            temporality: Temporality::Cumulative,
            start_time: None,
        }
    }

    /// Attribute sets that exercise shape lookups: repeated, alternating (more
    /// than MAX_SHAPES distinct key lists), reordered, prefix-related keys,
    /// renamed and colliding names, `le`, UTF-8 names, non-string values,
    /// none at all, and more than SHAPED attributes.
    fn sets() -> Vec<Vec<KeyValue>> {
        let mut sets = Vec::new();
        for i in 0..3 {
            sets.push(vec![
                KeyValue::new("method", "GET"),
                KeyValue::new("route", format!("/r/{i}")),
            ]);
        }
        for i in 0..12 {
            // Alternating key lists: k0, k1, ... k11, then again.
            sets.push(vec![KeyValue::new(format!("k{}", i % 10), i as i64)]);
            sets.push(vec![KeyValue::new("method", "PUT")]);
        }
        sets.push(vec![
            KeyValue::new("route", "/x"),
            KeyValue::new("method", "GET"),
        ]);
        sets.push(vec![KeyValue::new("ab", "1"), KeyValue::new("c", "2")]);
        sets.push(vec![KeyValue::new("a", "1"), KeyValue::new("bc", "2")]);
        sets.push(vec![KeyValue::new("a.b", "dot"), KeyValue::new("x", "y")]);
        sets.push(vec![KeyValue::new("a.b", "dot"), KeyValue::new("a_b", "u")]);
        sets.push(vec![KeyValue::new("a.b", "d2"), KeyValue::new("a_b", "u2")]);
        sets.push(vec![KeyValue::new("le", "5"), KeyValue::new("q", "\"\\\n")]);
        sets.push(vec![KeyValue::new("otel_scope_name", "shadow")]);
        sets.push(vec![KeyValue::new("service.name", "shadow")]);
        sets.push(vec![KeyValue::new("日本", "語"), KeyValue::new("2x", "v")]);
        sets.push(vec![
            KeyValue::new("_under", "v"),
            KeyValue::new("", "empty"),
        ]);
        sets.push(vec![
            KeyValue::new("b", true),
            KeyValue::new("f", 1.5),
            KeyValue::new("i", -7i64),
            KeyValue::new(
                "s",
                opentelemetry::Value::Array(Array::String(vec![StringValue::from("a\"b")])),
            ),
        ]);
        sets.push(vec![]);
        sets.push(
            (0..20)
                .map(|i| KeyValue::new(format!("z{i:02}"), i))
                .collect(),
        );
        sets.push(
            (0..16)
                .map(|i| KeyValue::new(format!("y{i:02}"), i))
                .collect(),
        );
        sets
    }

    fn record(p: &mut Parts<'_>, sets: &[Vec<KeyValue>], resource: &[KeyValue]) {
        p.resource(kv(resource));
        let scope_attrs = [KeyValue::new("tier", "a")];
        for (scope, version) in [("s1", Some("1.0")), ("s2", None), ("s1", Some("2.0"))] {
            p.scope(scope, version, None, kv(&scope_attrs));
            for (m, kind) in [
                ("c", MetricKind::Counter),
                ("h", MetricKind::Histogram),
                ("g", MetricKind::Gauge),
            ]
            .into_iter()
            .enumerate()
            .map(|(i, (n, k))| (format!("{n}{i}.{scope}"), k))
            {
                p.metric(info(&m, kind));
                for (i, set) in sets.iter().enumerate() {
                    if kind == MetricKind::Histogram {
                        p.histogram(kv(set), [1.0, 2.0], [1, 2, 3], 6, Number::F64(i as f64));
                    } else {
                        p.number(kv(set), Number::U64(i as u64));
                    }
                }
            }
        }
        // `le` on a counter, then right away on a histogram.
        p.scope("s3", None, None, kv(&[]));
        let le = [KeyValue::new("le", "x")];
        p.metric(info("c.le", MetricKind::Counter));
        p.number(kv(&le), Number::U64(1));
        p.metric(info("h.le", MetricKind::Histogram));
        p.histogram(kv(&le), [1.0], [1, 1], 2, Number::U64(3));
        p.metric(info("g.le", MetricKind::Gauge));
        p.number(kv(&le), Number::U64(1));
    }

    /// With `by_address`, keys are matched by address as for an SDK
    /// snapshot: `sets` outlives the call, so the promise holds.
    fn encode(
        e: &mut Encoder,
        format: Format,
        escaping: Escaping,
        resource: &[KeyValue],
        by_address: bool,
    ) -> (String, EncodeStats) {
        let sets = sets();
        let mut out = Vec::new();
        let stats = e.encode_inner(format, escaping, &mut out, by_address, |p| {
            record(p, &sets, resource)
        });
        (String::from_utf8(out).unwrap(), stats)
    }

    #[test]
    fn shaped_output_equals_the_general_path() {
        let resource = [
            KeyValue::new("service.name", "svc"),
            KeyValue::new("host.name", "h\"1"),
        ];
        let strategies = [
            TranslationStrategy::UnderscoreEscapingWithSuffixes,
            TranslationStrategy::NoTranslation,
        ];
        for strategy in strategies {
            for selector in [ResourceSelector::None, ResourceSelector::All] {
                let config = Config::default()
                    .with_translation_strategy(strategy)
                    .with_resource_selector(selector.clone());
                // One shaped encoder across every format and escaping: shapes
                // from an earlier call must not leak into the next one.
                let mut shaped = Encoder::new(config.clone());
                for format in [Format::PrometheusText, Format::OpenMetrics] {
                    for escaping in [Escaping::Underscores, Escaping::Values, Escaping::AllowUtf8] {
                        let mut reference = Encoder::without_shapes(config.clone());
                        let want = encode(&mut reference, format, escaping, &resource, false);
                        for (pass, by_address) in [(0, false), (1, false), (2, true), (3, true)] {
                            let got = encode(&mut shaped, format, escaping, &resource, by_address);
                            assert_eq!(
                                got.0, want.0,
                                "{strategy:?} {selector:?} {format:?} {escaping:?} pass {pass}"
                            );
                            assert_eq!(got.1, want.1, "stats");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_new_encode_call_invalidates_shapes() {
        // No resource or scope call: only the new call may forget the shape
        // built under the previous call's escaping.
        let set = [KeyValue::new("a.b", "v")];
        let config = Config::default()
            .without_target_info()
            .with_translation_strategy(TranslationStrategy::NoTranslation);
        let mut e = Encoder::new(config);
        for (escaping, want) in [
            (Escaping::Underscores, "m{a_b=\"v\"} 1\n"),
            (Escaping::AllowUtf8, "m{\"a.b\"=\"v\"} 1\n"),
            (Escaping::Underscores, "m{a_b=\"v\"} 1\n"),
        ] {
            let mut out = Vec::new();
            e.encode_parts(Format::PrometheusText, escaping, &mut out, |p| {
                p.metric(info("m", MetricKind::Gauge));
                p.number(kv(&set), Number::I64(1));
            });
            let text = String::from_utf8(out).unwrap();
            assert!(text.ends_with(want), "{escaping:?}: {text}");
        }
    }

    #[test]
    fn a_new_resource_or_scope_invalidates_shapes() {
        // Same keys everywhere; only the scope and resource labels differ.
        let set = [KeyValue::new("k", "v")];
        let mut e = Encoder::new(Config::default().with_resource_selector(ResourceSelector::All));
        let mut out = Vec::new();
        for resource in ["r1", "r2"] {
            let res = [KeyValue::new("res", resource)];
            out.clear();
            e.encode_parts(
                Format::PrometheusText,
                Escaping::Underscores,
                &mut out,
                |p| {
                    p.resource(kv(&res));
                    for scope in ["a", "b"] {
                        p.scope(scope, None, None, kv(&[]));
                        p.metric(info(&format!("m.{scope}"), MetricKind::Gauge));
                        p.number(kv(&set), Number::I64(1));
                    }
                },
            );
            let text = String::from_utf8(out.clone()).unwrap();
            for scope in ["a", "b"] {
                let line = format!(
                    "m_{scope}{{k=\"v\",otel_scope_name=\"{scope}\",res=\"{resource}\"}} 1\n"
                );
                assert!(text.contains(&line), "{line} missing from\n{text}");
            }
        }
    }

    #[test]
    fn plain_value_keys_are_never_matched_by_address() {
        // A plain-value caller may rewrite a key in place between two points:
        // same address, same length, other text. The second point must get
        // its own label name, not the shape built for the first.
        let value = opentelemetry::Value::from("v");
        let mut key = String::from("aa");
        let mut e = Encoder::new(Config::default().without_target_info());
        let mut out = Vec::new();
        e.encode_parts(
            Format::PrometheusText,
            Escaping::Underscores,
            &mut out,
            |p| {
                p.metric(info("m", MetricKind::Gauge));
                p.number([(key.as_str(), &value)], Number::I64(1));
                key.replace_range(.., "bb");
                p.number([(key.as_str(), &value)], Number::I64(2));
            },
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# TYPE m gauge\nm{aa=\"v\"} 1\nm{bb=\"v\"} 2\n"
        );
    }
}
