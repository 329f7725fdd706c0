//! Label sets: sorting, collision merging, rendering, exemplar labels.

use opentelemetry::Value;

use super::model::Span;
use super::scratch::{Scratch, Store};
use crate::escape::write_label_value_bytes;
use crate::{Escaping, TranslationStrategy};

/// One label before rendering: its final wire name, the original key (the
/// collision-merge order), and its unescaped value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Label {
    pub store: Store,
    pub name: Span,
    pub key: Span,
    pub value: Span,
    /// The name is not legacy-valid and is written quoted (UTF-8 escaping).
    pub quoted: bool,
    /// A point label's attribute position (for shapes); 0 otherwise.
    pub index: u32,
}

impl Label {
    fn buf<'a>(&self, point: &'a [u8], fixed: &'a [u8]) -> &'a [u8] {
        match self.store {
            Store::Point => point,
            Store::Fixed => fixed,
        }
    }

    fn parts<'a>(&self, point: &'a [u8], fixed: &'a [u8]) -> (&'a [u8], &'a [u8], &'a [u8]) {
        let b = self.buf(point, fixed);
        (self.name.get(b), self.key.get(b), self.value.get(b))
    }
}

/// Writes a label name: bare when legacy-valid, else quoted and escaped.
pub(crate) fn write_label_name(out: &mut Vec<u8>, name: &[u8], quoted: bool) {
    if quoted {
        out.push(b'"');
        write_label_value_bytes(out, name);
        out.push(b'"');
    } else {
        out.extend_from_slice(name);
    }
}

/// Sorts labels by final name, then original key (the collision-merge
/// order), then value.
fn sort(labels: &mut [Label], point: &[u8], fixed: &[u8]) {
    labels.sort_unstable_by(|a, b| {
        let (an, ak, av) = a.parts(point, fixed);
        let (bn, bk, bv) = b.parts(point, fixed);
        an.cmp(bn).then_with(|| ak.cmp(bk)).then_with(|| av.cmp(bv))
    });
}

/// Sorts `labels` by name (then original key, then value), merges labels
/// with equal names by joining their values with `;` in that order, and
/// writes `name="value",...` (no braces) to `out`. Returns how many merges
/// happened (0 or 1 per call: one label set).
pub(crate) fn render(labels: &mut [Label], point: &[u8], fixed: &[u8], out: &mut Vec<u8>) -> u64 {
    sort(labels, point, fixed);
    let mut merged = 0;
    let mut prev: Option<&[u8]> = None;
    for l in labels.iter() {
        let (name, _, value) = l.parts(point, fixed);
        if prev == Some(name) {
            // Same name as the previous label: continue its value.
            out.pop(); // the closing quote
            out.push(b';');
            write_label_value_bytes(out, value);
            out.push(b'"');
            merged = 1;
            continue;
        }
        if prev.is_some() {
            out.push(b',');
        }
        write_label_name(out, name, l.quoted);
        out.extend_from_slice(b"=\"");
        write_label_value_bytes(out, value);
        out.push(b'"');
        prev = Some(name);
    }
    merged
}

/// Code points in UTF-8 bytes: every byte that is not a continuation byte.
fn code_points(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// OpenMetrics' exemplar label budget, in code points of names and values.
const EXEMPLAR_BUDGET: usize = 128;

fn hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
    }
}

/// Renders an exemplar's label set into `arena`: `trace_id` and `span_id`
/// (when not all-zero), then the filtered attributes sorted by label name
/// while they fit the 128-code-point budget. Attributes whose label name is
/// `trace_id`, `span_id` or repeats an earlier one are left out. Returns how
/// many attributes were left out.
pub(crate) fn render_exemplar<'a>(
    strategy: TranslationStrategy,
    escaping: Escaping,
    trace_id: &[u8; 16],
    span_id: &[u8; 8],
    attributes: impl IntoIterator<Item = (&'a str, &'a Value)>,
    s: &mut Scratch,
    arena: &mut Vec<u8>,
) -> u64 {
    let mut used = 0;
    let mut first = true;
    if trace_id.iter().any(|&b| b != 0) {
        arena.extend_from_slice(b"trace_id=\"");
        hex(arena, trace_id);
        arena.push(b'"');
        used += "trace_id".len() + 32;
        first = false;
    }
    if span_id.iter().any(|&b| b != 0) {
        if !first {
            arena.push(b',');
        }
        arena.extend_from_slice(b"span_id=\"");
        hex(arena, span_id);
        arena.push(b'"');
        used += "span_id".len() + 16;
        first = false;
    }
    s.point.clear();
    s.labels.clear();
    let mut stats = crate::EncodeStats::default();
    for (key, value) in attributes {
        if let Some(l) = s.push_point_attr(strategy, escaping, key, value, false, &mut stats) {
            s.labels.push(l);
        }
    }
    let point = &s.point;
    sort(&mut s.labels, point, &[]);
    let mut dropped = 0;
    let mut prev: Option<&[u8]> = None;
    for l in s.labels.iter() {
        let (name, _, value) = l.parts(point, &[]);
        let is_id = (name == b"trace_id" && trace_id.iter().any(|&b| b != 0))
            || (name == b"span_id" && span_id.iter().any(|&b| b != 0));
        if is_id || prev == Some(name) {
            dropped += 1;
            continue;
        }
        let cost = code_points(name) + code_points(value);
        if used + cost > EXEMPLAR_BUDGET {
            dropped += 1;
            continue;
        }
        used += cost;
        if !first {
            arena.push(b',');
        }
        first = false;
        write_label_name(arena, name, l.quoted);
        arena.extend_from_slice(b"=\"");
        write_label_value_bytes(arena, value);
        arena.push(b'"');
        prev = Some(name);
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::code_points;

    #[test]
    fn code_points_count_characters_not_bytes() {
        assert_eq!(code_points(b""), 0);
        assert_eq!(code_points("abc".as_bytes()), 3);
        // é is 2 bytes, 日 3, 🦀 4: 4 characters in 10 bytes.
        assert_eq!(code_points("é日🦀x".as_bytes()), 4);
    }
}
