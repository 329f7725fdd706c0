//! Phase 2: group metrics into families, resolve conflicts, sort series and
//! write them in the chosen format.

use std::cmp::Ordering;

use super::labels::write_label_name;
use super::parts::Number;
use super::scratch::{ExemplarEntry, Group, Scratch, SeriesEntry, SeriesValue, Span, WireType};
use crate::escape::{write_help, write_label_value};
use crate::num::{write_f64, write_i64, write_u64, write_unix_seconds};
use crate::{Config, DropReason, EncodeStats, Format};

/// Group id reserved for `target_info` in name-clash detection (it always wins).
const TARGET: u32 = 0;

fn write_number(out: &mut Vec<u8>, n: Number, om: bool) {
    match n {
        Number::U64(v) => write_u64(out, v),
        Number::I64(v) => write_i64(out, v),
        Number::F64(v) => write_f64(out, v, om),
    }
}

/// Sorts metrics into families and marks what loses a conflict.
fn group_metrics(s: &mut Scratch, om: bool, target_info: bool, stats: &mut EncodeStats) {
    let Scratch {
        arena,
        metrics,
        order,
        groups,
        sample_names,
        ..
    } = s;
    order.clear();
    order.extend(0..metrics.len() as u32);
    order.sort_unstable_by(|&a, &b| {
        let (ma, mb) = (&metrics[a as usize], &metrics[b as usize]);
        ma.family
            .get(arena)
            .cmp(mb.family.get(arena))
            .then_with(|| ma.wire.cmp(&mb.wire))
            .then_with(|| ma.tiebreak.get(arena).cmp(mb.tiebreak.get(arena)))
            .then_with(|| a.cmp(&b))
    });
    groups.clear();
    for (rank, &i) in order.iter().enumerate() {
        let i = i as usize;
        let new_group = match groups.last() {
            Some(g) => metrics[g.metric as usize].family.get(arena) != metrics[i].family.get(arena),
            None => true,
        };
        if new_group {
            groups.push(Group {
                metric: i as u32,
                dropped: false,
            });
        }
        let gi = groups.len() - 1;
        let winner = groups[gi].metric as usize;
        metrics[i].rank = rank as u32;
        metrics[i].group = gi as u32 + 1;
        if winner != i {
            let (w, m) = (&metrics[winner], &metrics[i]);
            let series = u64::from(m.end - m.first);
            if w.wire != m.wire {
                metrics[i].dropped = true;
                stats.drop(DropReason::TypeConflict, series);
                continue;
            }
            if !m.help.is_empty() && m.help.get(arena) != w.help.get(arena) {
                stats.drop(DropReason::ConflictingHelp, 1);
            }
            if m.unit.get(arena) != w.unit.get(arena) {
                stats.drop(DropReason::ConflictingUnit, 1);
            }
        }
    }

    // Name clashes between families: a family name or generated sample name
    // of one family must not be a name of another family.
    sample_names.clear();
    if target_info {
        const OM_NAMES: [&[u8]; 2] = [b"target", b"target_info"];
        let names: &[&[u8]] = if om { &OM_NAMES } else { &OM_NAMES[1..] };
        for name in names {
            let span = Span::new(arena.len(), arena.len() + name.len());
            arena.extend_from_slice(name);
            sample_names.push((span, TARGET));
        }
    }
    for gi in 0..groups.len() {
        let m = &metrics[groups[gi].metric as usize];
        let family = m.family;
        let wire = m.wire;
        let id = gi as u32 + 1;
        let base_start = family.start as usize;
        let base_end = family.end as usize;
        // Copy the family name out of the arena region it lives in.
        let mut add = |suffix: &str| {
            let start = arena.len();
            arena.extend_from_within(base_start..base_end);
            arena.extend_from_slice(suffix.as_bytes());
            sample_names.push((Span::new(start, arena.len()), id));
        };
        add("");
        match (wire, om) {
            (WireType::Counter, true) => {
                add("_total");
                add("_created");
            }
            (WireType::Histogram, _) => {
                add("_bucket");
                add("_sum");
                add("_count");
                if om {
                    add("_created");
                }
            }
            _ => {}
        }
    }
    sample_names.sort_unstable_by(|a, b| a.0.get(arena).cmp(b.0.get(arena)).then(a.1.cmp(&b.1)));
    let mut i = 0;
    while i < sample_names.len() {
        let (name, winner) = sample_names[i];
        let mut j = i + 1;
        while j < sample_names.len() && sample_names[j].0.get(arena) == name.get(arena) {
            let loser = sample_names[j].1;
            if loser != winner && loser != TARGET {
                groups[loser as usize - 1].dropped = true;
            }
            j += 1;
        }
        i = j;
    }
    for m in metrics.iter_mut() {
        if !m.dropped && groups[m.group as usize - 1].dropped {
            m.dropped = true;
            stats.drop(DropReason::NameClash, u64::from(m.end - m.first));
        }
    }
}

/// Whether the series is written at all (OpenMetrics counters must be >= 0 and not NaN).
fn series_valid(s: &Scratch, e: &SeriesEntry, om: bool) -> Result<(), DropReason> {
    let m = &s.metrics[e.metric as usize];
    if om && m.wire == WireType::Counter {
        if let SeriesValue::Number(n) = e.value {
            if n.is_nan_or_negative() {
                return Err(DropReason::InvalidCounterValue);
            }
        }
    }
    Ok(())
}

fn sort_series(s: &mut Scratch, om: bool, stats: &mut EncodeStats) {
    s.order.clear();
    for (i, e) in s.series.iter().enumerate() {
        if s.metrics[e.metric as usize].dropped {
            continue;
        }
        match series_valid(s, e, om) {
            Ok(()) => s.order.push(i as u32),
            Err(reason) => stats.drop(reason, 1),
        }
    }
    let Scratch {
        arena,
        metrics,
        series,
        order,
        ..
    } = s;
    let key = |i: u32| {
        let e = &series[i as usize];
        let m = &metrics[e.metric as usize];
        (m.group, e.labels, m.rank)
    };
    order.sort_unstable_by(|&a, &b| {
        let (ga, la, ra) = key(a);
        let (gb, lb, rb) = key(b);
        ga.cmp(&gb)
            .then_with(|| la.get(arena).cmp(lb.get(arena)))
            .then_with(|| ra.cmp(&rb))
    });
    // Drop later duplicates (same family, same labels).
    let mut kept = 0;
    for k in 0..order.len() {
        let i = order[k];
        if kept > 0 {
            let prev = order[kept - 1];
            let (gp, lp, _) = key(prev);
            let (gi, li, _) = key(i);
            if gp == gi && lp.get(arena).cmp(li.get(arena)) == Ordering::Equal {
                stats.drop(DropReason::DuplicateSeries, 1);
                continue;
            }
        }
        order[kept] = i;
        kept += 1;
    }
    order.truncate(kept);
}

/// Writes a sample name with its labels, up to (not including) the value.
fn sample_head(
    out: &mut Vec<u8>,
    family: &[u8],
    suffix: &str,
    quoted: bool,
    labels: &[u8],
    le: Option<&[u8]>,
) {
    if quoted {
        out.extend_from_slice(b"{\"");
        write_label_value(out, std::str::from_utf8(family).unwrap_or_default());
        out.extend_from_slice(suffix.as_bytes());
        out.push(b'"');
        if !labels.is_empty() {
            out.push(b',');
            out.extend_from_slice(labels);
        }
    } else {
        out.extend_from_slice(family);
        out.extend_from_slice(suffix.as_bytes());
        if labels.is_empty() && le.is_none() {
            out.push(b' ');
            return;
        }
        out.push(b'{');
        out.extend_from_slice(labels);
    }
    if let Some(le) = le {
        if quoted || !labels.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"le=\"");
        out.extend_from_slice(le);
        out.push(b'"');
    }
    out.extend_from_slice(b"} ");
}

fn meta_name(out: &mut Vec<u8>, family: &[u8], quoted: bool) {
    write_label_name(out, family, quoted);
}

fn write_metadata(out: &mut Vec<u8>, s: &Scratch, metric: usize, om: bool) {
    let m = &s.metrics[metric];
    let family = m.family.get(&s.arena);
    let help = m.help.get(&s.arena);
    let help = std::str::from_utf8(help).unwrap_or_default();
    let type_name = match m.wire {
        WireType::Counter => "counter",
        WireType::Unknown => "unknown",
        WireType::Gauge => "gauge",
        WireType::Histogram => "histogram",
    };
    if !om && !help.is_empty() {
        out.extend_from_slice(b"# HELP ");
        meta_name(out, family, m.quoted);
        out.push(b' ');
        write_help(out, help, false);
        out.push(b'\n');
    }
    out.extend_from_slice(b"# TYPE ");
    meta_name(out, family, m.quoted);
    out.push(b' ');
    out.extend_from_slice(type_name.as_bytes());
    out.push(b'\n');
    if om {
        let unit = m.unit.get(&s.arena);
        let has_suffix = !unit.is_empty()
            && family.len() > unit.len()
            && family.ends_with(unit)
            && family[family.len() - unit.len() - 1] == b'_'
            // OpenMetrics 1.0 has no quoted units: only `[a-zA-Z0-9_:]` can be written.
            && unit.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
        if has_suffix {
            out.extend_from_slice(b"# UNIT ");
            meta_name(out, family, m.quoted);
            out.push(b' ');
            out.extend_from_slice(unit);
            out.push(b'\n');
        }
        if !help.is_empty() {
            out.extend_from_slice(b"# HELP ");
            meta_name(out, family, m.quoted);
            out.push(b' ');
            write_help(out, help, true);
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

/// The latest exemplar of `series` that `pick` accepts.
fn latest_exemplar(
    exemplars: &[ExemplarEntry],
    series: &SeriesEntry,
    pick: impl Fn(f64) -> bool,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for i in series.exemplars.start as usize..series.exemplars.end as usize {
        let e = &exemplars[i];
        if pick(e.value.as_f64()) && best.is_none_or(|b| e.time >= exemplars[b].time) {
            best = Some(i);
        }
    }
    best
}

fn write_created(
    out: &mut Vec<u8>,
    family: &[u8],
    quoted: bool,
    labels: &[u8],
    start: Option<i128>,
) {
    if let Some(ns) = start {
        sample_head(out, family, "_created", quoted, labels, None);
        write_unix_seconds(out, ns);
        out.push(b'\n');
    }
}

fn write_target_info(out: &mut Vec<u8>, s: &mut Scratch, om: bool) {
    if om {
        out.extend_from_slice(b"# TYPE target info\n# HELP target Target metadata\n");
    } else {
        out.extend_from_slice(b"# HELP target_info Target metadata\n# TYPE target_info gauge\n");
    }
    let start = s.arena.len();
    let Scratch {
        target_labels,
        fixed,
        arena,
        ..
    } = s;
    super::labels::render(target_labels, &[], fixed, arena);
    let labels = Span::new(start, arena.len());
    sample_head(out, b"target_info", "", false, labels.get(arena), None);
    out.extend_from_slice(b"1\n");
}

pub(super) fn finish(
    config: &Config,
    format: Format,
    s: &mut Scratch,
    stats: &mut EncodeStats,
    out: &mut Vec<u8>,
) {
    let om = format == Format::OpenMetrics;
    let start_len = out.len();
    let target_info = config.target_info && !s.target_labels.is_empty();
    group_metrics(s, om, target_info, stats);
    sort_series(s, om, stats);
    if target_info {
        write_target_info(out, s, om);
        stats.families += 1;
        stats.series += 1;
    }
    let mut current_group = u32::MAX;
    for k in 0..s.order.len() {
        let e = s.series[s.order[k] as usize];
        let m = &s.metrics[e.metric as usize];
        if m.group != current_group {
            current_group = m.group;
            let winner = s.groups[m.group as usize - 1].metric as usize;
            write_metadata(out, s, winner, om);
            stats.families += 1;
        }
        // Names and types come from the family's winning metric.
        let w = &s.metrics[s.groups[m.group as usize - 1].metric as usize];
        let (family, quoted, wire) = (w.family.get(&s.arena), w.quoted, w.wire);
        let labels = e.labels.get(&s.arena);
        let start_time = m.start_time;
        stats.series += 1;
        match e.value {
            SeriesValue::Number(n) => {
                let suffix = if om && wire == WireType::Counter {
                    "_total"
                } else {
                    ""
                };
                sample_head(out, family, suffix, quoted, labels, None);
                write_number(out, n, om);
                let mut written = 0;
                if om && wire == WireType::Counter {
                    if let Some(x) = latest_exemplar(&s.exemplars, &e, |_| true) {
                        write_exemplar(out, &s.exemplars, &s.arena, x);
                        written = 1;
                    }
                }
                stats.drop(
                    DropReason::Exemplar,
                    u64::from(e.exemplars.end - e.exemplars.start) - written,
                );
                out.push(b'\n');
                if om && wire == WireType::Counter {
                    write_created(out, family, quoted, labels, start_time);
                }
            }
            SeriesValue::Histogram {
                buckets,
                count,
                sum,
            } => {
                let family = w.family;
                write_histogram(out, s, &e, family, quoted, om, buckets, count, sum, stats);
                if om {
                    write_created(
                        out,
                        family.get(&s.arena),
                        quoted,
                        e.labels.get(&s.arena),
                        start_time,
                    );
                }
            }
        }
    }
    if om {
        out.extend_from_slice(b"# EOF\n");
    }
    stats.bytes += (out.len() - start_len) as u64;
}

#[allow(clippy::too_many_arguments)]
fn write_histogram(
    out: &mut Vec<u8>,
    s: &mut Scratch,
    e: &SeriesEntry,
    family: Span,
    quoted: bool,
    om: bool,
    buckets: Span,
    count: u64,
    sum: Number,
    stats: &mut EncodeStats,
) {
    let Scratch {
        arena,
        bounds,
        cumulative,
        exemplars,
        le_text,
        le_spans,
        le_bounds,
        ..
    } = s;
    let (b0, b1) = (buckets.start as usize, buckets.end as usize);
    let bounds = &bounds[b0..b1];
    // Render the `le` values once per distinct bound list.
    if le_bounds.as_slice() != bounds || le_spans.is_empty() {
        le_bounds.clear();
        le_bounds.extend_from_slice(bounds);
        le_text.clear();
        le_spans.clear();
        for &b in bounds {
            let start = le_text.len();
            write_f64(le_text, b, om);
            le_spans.push(Span::new(start, le_text.len()));
        }
        let start = le_text.len();
        le_text.extend_from_slice(b"+Inf");
        le_spans.push(Span::new(start, le_text.len()));
    }
    let family = family.get(arena);
    let labels = e.labels.get(arena);
    let n = bounds.len();
    let mut written = 0;
    for i in 0..=n {
        let le = le_spans[i].get(le_text);
        sample_head(out, family, "_bucket", quoted, labels, Some(le));
        let value = if i < n { cumulative[b0 + i] } else { count };
        write_u64(out, value);
        if om && !e.exemplars.is_empty() {
            let lower = if i == 0 {
                f64::NEG_INFINITY
            } else {
                bounds[i - 1]
            };
            let upper = if i < n { bounds[i] } else { f64::INFINITY };
            if let Some(x) = latest_exemplar(exemplars, e, |v| v > lower && v <= upper) {
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
    sample_head(out, family, "_sum", quoted, labels, None);
    write_number(out, sum, om);
    out.push(b'\n');
    sample_head(out, family, "_count", quoted, labels, None);
    write_u64(out, count);
    out.push(b'\n');
}
