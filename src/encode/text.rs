//! The writer of the two text formats: Prometheus text 0.0.4 and
//! OpenMetrics 1.0 (`om`). They share the line grammar; OpenMetrics adds
//! `# UNIT`, exemplars, `_created` samples and `# EOF`, names counter
//! families without `_total`, and writes floats canonically (`1.0`).

use super::families::latest_exemplar;
use super::labels::write_label_name;
use super::model::{
    Dialect, ExemplarEntry, FamilyType, Model, Number, SeriesEntry, SeriesValue, Span,
};
use crate::escape::{write_help_bytes, write_label_value_bytes};
use crate::num::{write_f64, write_i64, write_u64, write_unix_seconds};
use crate::{Config, DropReason, EncodeStats};

/// What the text formats need from the model.
pub(super) fn dialect(config: &Config, om: bool) -> Dialect {
    Dialect {
        counter_family_without_total: om,
        counters_need_total: om,
        counters_non_negative: om,
        exemplars: om && config.exemplars,
        start_times: om && config.created,
        native_histograms: false,
        counter_suffixes: if om { &["_total", "_created"] } else { &[] },
        histogram_suffixes: if om {
            &["_bucket", "_sum", "_count", "_created"]
        } else {
            &["_bucket", "_sum", "_count"]
        },
        target_info_names: if om {
            &["target", "target_info"]
        } else {
            &["target_info"]
        },
    }
}

/// The rendered `le` values of the bounds of the histogram written last:
/// most histograms of a family share their bounds.
#[derive(Debug, Default)]
pub(super) struct LeCache {
    text: Vec<u8>,
    spans: Vec<Span>,
    bounds: Vec<f64>,
    /// Rendered for OpenMetrics (`1.0`) rather than text 0.0.4 (`1`).
    om: bool,
}

fn write_number(out: &mut Vec<u8>, n: Number, om: bool) {
    match n {
        Number::U64(v) => write_u64(out, v),
        Number::I64(v) => write_i64(out, v),
        Number::F64(v) => write_f64(out, v, om),
    }
}

/// Writes a sample name with its labels, up to (not including) the value.
fn sample_head(out: &mut Vec<u8>, family: &[u8], suffix: &str, quoted: bool, labels: &[u8]) {
    if quoted {
        out.extend_from_slice(b"{\"");
        write_label_value_bytes(out, family);
        out.extend_from_slice(suffix.as_bytes());
        out.push(b'"');
        if !labels.is_empty() {
            out.push(b',');
            out.extend_from_slice(labels);
        }
    } else {
        out.extend_from_slice(family);
        out.extend_from_slice(suffix.as_bytes());
        if labels.is_empty() {
            out.push(b' ');
            return;
        }
        out.push(b'{');
        out.extend_from_slice(labels);
    }
    out.extend_from_slice(b"} ");
}

/// Writes `name_bucket{labels,le="` (the part of a bucket line before the bound).
fn bucket_head(out: &mut Vec<u8>, family: &[u8], quoted: bool, labels: &[u8]) {
    if quoted {
        out.extend_from_slice(b"{\"");
        write_label_value_bytes(out, family);
        out.extend_from_slice(b"_bucket\",");
        if !labels.is_empty() {
            out.extend_from_slice(labels);
            out.push(b',');
        }
    } else {
        out.extend_from_slice(family);
        out.extend_from_slice(b"_bucket{");
        if !labels.is_empty() {
            out.extend_from_slice(labels);
            out.push(b',');
        }
    }
    out.extend_from_slice(b"le=\"");
}

fn meta_name(out: &mut Vec<u8>, family: &[u8], quoted: bool) {
    write_label_name(out, family, quoted);
}

fn write_metadata(out: &mut Vec<u8>, model: &Model, group: u32, om: bool) {
    let m = model.winner(group);
    let arena = &model.arena;
    let family = m.family.get(arena);
    let help = m.help.get(arena);
    let type_name = match m.kind {
        FamilyType::Counter => "counter",
        FamilyType::Unknown => "unknown",
        FamilyType::Gauge => "gauge",
        FamilyType::Histogram | FamilyType::NativeHistogram => "histogram",
    };
    if !om && !help.is_empty() {
        out.extend_from_slice(b"# HELP ");
        meta_name(out, family, m.utf8);
        out.push(b' ');
        write_help_bytes(out, help, false);
        out.push(b'\n');
    }
    out.extend_from_slice(b"# TYPE ");
    meta_name(out, family, m.utf8);
    out.push(b' ');
    out.extend_from_slice(type_name.as_bytes());
    out.push(b'\n');
    if om {
        let unit = m.unit.get(arena);
        let has_suffix = !unit.is_empty()
            && family.len() > unit.len()
            && family.ends_with(unit)
            && family[family.len() - unit.len() - 1] == b'_'
            // OpenMetrics 1.0 has no quoted units: only `[a-zA-Z0-9_:]` can be written.
            && unit.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
        if has_suffix {
            out.extend_from_slice(b"# UNIT ");
            meta_name(out, family, m.utf8);
            out.push(b' ');
            out.extend_from_slice(unit);
            out.push(b'\n');
        }
        if !help.is_empty() {
            out.extend_from_slice(b"# HELP ");
            meta_name(out, family, m.utf8);
            out.push(b' ');
            write_help_bytes(out, help, true);
            out.push(b'\n');
        }
    }
}

/// Writes ` # {labels} value timestamp` for the chosen exemplar.
fn write_exemplar(out: &mut Vec<u8>, exemplars: &[ExemplarEntry], arena: &[u8], index: usize) {
    let e = &exemplars[index];
    out.extend_from_slice(b" # {");
    out.extend_from_slice(e.labels.get(arena));
    out.extend_from_slice(b"} ");
    write_number(out, e.value, true);
    out.push(b' ');
    write_unix_seconds(out, e.time);
}

fn write_created(
    out: &mut Vec<u8>,
    family: &[u8],
    quoted: bool,
    labels: &[u8],
    start: Option<i128>,
) {
    if let Some(ns) = start {
        sample_head(out, family, "_created", quoted, labels);
        write_unix_seconds(out, ns);
        out.push(b'\n');
    }
}

fn write_target_info(out: &mut Vec<u8>, labels: &[u8], om: bool) {
    if om {
        out.extend_from_slice(b"# TYPE target info\n# HELP target Target metadata\n");
    } else {
        out.extend_from_slice(b"# HELP target_info Target metadata\n# TYPE target_info gauge\n");
    }
    sample_head(out, b"target_info", "", false, labels);
    out.extend_from_slice(b"1\n");
}

/// Writes the prepared families and series.
pub(super) fn write(
    model: &Model,
    om: bool,
    le: &mut LeCache,
    stats: &mut EncodeStats,
    out: &mut Vec<u8>,
) {
    let start_len = out.len();
    let arena = &model.arena;
    if let Some(target) = model.target {
        write_target_info(out, target.get(arena), om);
        stats.families += 1;
        stats.series += 1;
    }
    let mut current_group = u32::MAX;
    for &i in &model.order {
        let e = &model.series[i as usize];
        let m = &model.metrics[e.metric as usize];
        if m.group != current_group {
            current_group = m.group;
            write_metadata(out, model, m.group, om);
            stats.families += 1;
        }
        // Names and types come from the family's winning metric.
        let w = model.winner(m.group);
        let (family, quoted, kind) = (w.family.get(arena), w.utf8, w.kind);
        let labels = e.labels.get(arena);
        stats.series += 1;
        match e.value {
            SeriesValue::Number(n) => {
                let counter = om && kind == FamilyType::Counter;
                let suffix = if counter { "_total" } else { "" };
                sample_head(out, family, suffix, quoted, labels);
                write_number(out, n, om);
                let mut written = 0;
                if counter {
                    if let Some(x) = latest_exemplar(&model.exemplars, arena, e, |_| true) {
                        write_exemplar(out, &model.exemplars, arena, x);
                        written = 1;
                    }
                }
                stats.drop(DropReason::Exemplar, e.exemplars.len() as u64 - written);
                out.push(b'\n');
                if counter {
                    write_created(out, family, quoted, labels, m.start_time);
                }
            }
            SeriesValue::Histogram {
                buckets,
                count,
                sum,
            } => {
                let h = Histogram {
                    family,
                    quoted,
                    buckets,
                    count,
                    sum,
                };
                write_histogram(out, model, le, e, &h, om, stats);
                if om {
                    write_created(out, family, quoted, labels, m.start_time);
                }
            }
            // The text formats' dialect asks for classic buckets only.
            SeriesValue::Native(_) => unreachable!("native histogram in a text format"),
        }
    }
    if om {
        out.extend_from_slice(b"# EOF\n");
    }
    stats.bytes += (out.len() - start_len) as u64;
}

/// A classic histogram series to write.
struct Histogram<'a> {
    family: &'a [u8],
    quoted: bool,
    buckets: Span,
    count: u64,
    sum: Number,
}

fn write_histogram(
    out: &mut Vec<u8>,
    model: &Model,
    le: &mut LeCache,
    e: &SeriesEntry,
    h: &Histogram<'_>,
    om: bool,
    stats: &mut EncodeStats,
) {
    let Model {
        arena,
        bounds,
        cumulative,
        exemplars,
        ..
    } = model;
    let Histogram {
        family,
        quoted,
        buckets,
        count,
        sum,
    } = *h;
    let b0 = buckets.start;
    let bounds = &bounds[buckets.range()];
    // Render the `le` values once per distinct bound list.
    if le.bounds.as_slice() != bounds || le.spans.is_empty() || le.om != om {
        le.om = om;
        le.bounds.clear();
        le.bounds.extend_from_slice(bounds);
        le.text.clear();
        le.spans.clear();
        // Each with the `"} ` that follows it on the line.
        for &b in bounds {
            let start = le.text.len();
            write_f64(&mut le.text, b, om);
            le.text.extend_from_slice(b"\"} ");
            le.spans.push(Span::new(start, le.text.len()));
        }
        let start = le.text.len();
        le.text.extend_from_slice(b"+Inf\"} ");
        le.spans.push(Span::new(start, le.text.len()));
    }
    let labels = e.labels.get(arena);
    let n = bounds.len();
    let mut written = 0;
    // Every bucket line starts with the same `name_bucket{labels,le="`:
    // written once, then copied within `out`.
    let head_start = out.len();
    bucket_head(out, family, quoted, labels);
    let head = head_start..out.len();
    for i in 0..=n {
        if i > 0 {
            out.extend_from_within(head.clone());
        }
        out.extend_from_slice(le.spans[i].get(&le.text));
        let value = if i < n { cumulative[b0 + i] } else { count };
        write_u64(out, value);
        if om && !e.exemplars.is_empty() {
            let lower = if i == 0 {
                f64::NEG_INFINITY
            } else {
                bounds[i - 1]
            };
            let upper = if i < n { bounds[i] } else { f64::INFINITY };
            if let Some(x) = latest_exemplar(exemplars, arena, e, |x| {
                let v = x.value.as_f64();
                v > lower && v <= upper
            }) {
                write_exemplar(out, exemplars, arena, x);
                written += 1;
            }
        }
        out.push(b'\n');
    }
    stats.drop(DropReason::Exemplar, e.exemplars.len() as u64 - written);
    let negative_bound = bounds.first().is_some_and(|&b| b < 0.0);
    if om && (negative_bound || sum.is_nan_or_negative()) {
        stats.drop(DropReason::HistogramSumAndCount, 1);
        return;
    }
    sample_head(out, family, "_sum", quoted, labels);
    write_number(out, sum, om);
    out.push(b'\n');
    sample_head(out, family, "_count", quoted, labels);
    write_u64(out, count);
    out.push(b'\n');
}
