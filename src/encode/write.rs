//! Phase 2: group metrics into families, resolve conflicts, sort series and
//! write them in the chosen format.

use std::cmp::Ordering;

use super::labels::write_label_name;
use super::parts::Number;
use super::scratch::{
    ExemplarEntry, Group, MetricEntry, Scratch, SeriesEntry, SeriesValue, Span, WireType,
};
use crate::escape::{write_help_bytes, write_label_value_bytes};
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

/// Orders metrics by everything their output depends on apart from their
/// points. Two SDK streams can tie on all of it (a counter and an observable
/// counter of one name, say): they then get the same rank, so that their
/// points' values, not the SDK's order, decide between duplicate series.
fn identity(metrics: &[MetricEntry], arena: &[u8], a: u32, b: u32) -> Ordering {
    let (ma, mb) = (&metrics[a as usize], &metrics[b as usize]);
    ma.family
        .get(arena)
        .cmp(mb.family.get(arena))
        .then_with(|| ma.wire.cmp(&mb.wire))
        .then_with(|| ma.tiebreak.get(arena).cmp(mb.tiebreak.get(arena)))
        .then_with(|| ma.number.cmp(&mb.number))
        .then_with(|| ma.start_time.cmp(&mb.start_time))
}

/// Sorts metrics into families and marks what loses a conflict.
fn group_metrics(s: &mut Scratch, om: bool, target_info: bool, stats: &mut EncodeStats) {
    let Scratch {
        arena,
        metrics,
        metric_order: order,
        groups,
        sample_names,
        ..
    } = s;
    order.clear();
    order.extend(0..metrics.len() as u32);
    order.sort_unstable_by(|&a, &b| identity(metrics, arena, a, b).then_with(|| a.cmp(&b)));
    groups.clear();
    for (position, &i) in order.iter().enumerate() {
        let rank = match position.checked_sub(1).map(|p| order[p]) {
            Some(before) if identity(metrics, arena, before, i) == Ordering::Equal => {
                metrics[before as usize].rank
            }
            _ => position as u32,
        };
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
        metrics[i].rank = rank;
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
fn series_valid(m: &MetricEntry, e: &SeriesEntry, om: bool) -> Result<(), DropReason> {
    if om && m.wire == WireType::Counter {
        if let SeriesValue::Number(n) = e.value {
            if n.is_nan_or_negative() {
                return Err(DropReason::InvalidCounterValue);
            }
        }
    }
    Ok(())
}

/// Whether every series of a metric that is written passes [`series_valid`]
/// (only OpenMetrics counters can fail it).
pub(super) fn all_series_valid(s: &Scratch, om: bool) -> bool {
    !om || s
        .metrics
        .iter()
        .filter(|m| !m.dropped && m.wire == WireType::Counter)
        .all(|m| {
            s.series[m.first as usize..m.end as usize]
                .iter()
                .all(|e| series_valid(m, e, om).is_ok())
        })
}

fn cmp_numbers(a: Number, b: Number) -> Ordering {
    match (a, b) {
        (Number::U64(x), Number::U64(y)) => x.cmp(&y),
        (Number::I64(x), Number::I64(y)) => x.cmp(&y),
        (Number::F64(x), Number::F64(y)) => x.total_cmp(&y),
        // Different number types: any fixed order will do.
        (Number::U64(_), _) => Ordering::Less,
        (_, Number::U64(_)) => Ordering::Greater,
        (Number::I64(_), _) => Ordering::Less,
        (_, Number::I64(_)) => Ordering::Greater,
    }
}

/// A total order on series values (numbers; histograms by count, sum,
/// cumulative counts and bounds), used only to break ties deterministically.
fn cmp_values(a: &SeriesValue, b: &SeriesValue, bounds: &[f64], cumulative: &[u64]) -> Ordering {
    match (a, b) {
        (SeriesValue::Number(x), SeriesValue::Number(y)) => cmp_numbers(*x, *y),
        (SeriesValue::Number(_), _) => Ordering::Less,
        (_, SeriesValue::Number(_)) => Ordering::Greater,
        (
            SeriesValue::Histogram {
                buckets: ba,
                count: ca,
                sum: sa,
            },
            SeriesValue::Histogram {
                buckets: bb,
                count: cb,
                sum: sb,
            },
        ) => {
            let range = |s: &Span| s.start as usize..s.end as usize;
            ca.cmp(cb)
                .then_with(|| cmp_numbers(*sa, *sb))
                .then_with(|| cumulative[range(ba)].cmp(&cumulative[range(bb)]))
                .then_with(|| {
                    let (x, y) = (&bounds[range(ba)], &bounds[range(bb)]);
                    x.len().cmp(&y.len()).then_with(|| {
                        x.iter()
                            .zip(y)
                            .map(|(p, q)| p.total_cmp(q))
                            .find(|o| o.is_ne())
                            .unwrap_or(Ordering::Equal)
                    })
                })
        }
    }
}

/// Orders the series to write: by family, then label set, then the rank of
/// their metric, then recording order (a total order, so the result is
/// unique), and drops later duplicates (same family, same labels).
///
/// Series of one family are contiguous, so each family's series are sorted
/// on their own. In steady state a scrape sees the same series in the same
/// order as the one before, so each family first tries the order the previous
/// call ended with: if it is a strictly increasing list of this family's
/// series, it is the sorted order (n - 1 comparisons instead of a sort).
fn sort_series(s: &mut Scratch, om: bool, stats: &mut EncodeStats) {
    let Scratch {
        arena,
        metrics,
        metric_order,
        series,
        order,
        previous_order,
        duplicate_families: dedup,
        bounds,
        cumulative,
        exemplars,
        ..
    } = s;
    order.clear();
    dedup.clear();
    let valid = |i: usize| {
        let e = &series[i];
        let m = &metrics[e.metric as usize];
        !m.dropped && series_valid(m, e, om).is_ok()
    };
    // Compares the label sets first; the tie-breaks only run on equal labels.
    let cmp = |a: u32, b: u32| {
        let (ea, eb) = (&series[a as usize], &series[b as usize]);
        ea.labels
            .get(arena)
            .cmp(eb.labels.get(arena))
            .then_with(|| {
                let ra = metrics[ea.metric as usize].rank;
                let rb = metrics[eb.metric as usize].rank;
                ra.cmp(&rb)
            })
            // Two points of one metric can render the same labels (`a.b` and
            // `a/b` both become `a_b`): order them by value, then exemplars,
            // so which one survives as the duplicate does not depend on
            // arrival order.
            .then_with(|| cmp_values(&ea.value, &eb.value, bounds, cumulative))
            // Then by how many exemplars they carry and the latest of them
            // (what a counter writes): neither depends on the lists' order.
            .then_with(|| {
                let (na, nb) = (ea.exemplars.len(), eb.exemplars.len());
                na.cmp(&nb).then_with(|| {
                    let latest = |e: &SeriesEntry| latest_exemplar(exemplars, arena, e, |_| true);
                    match (latest(ea), latest(eb)) {
                        (Some(x), Some(y)) => cmp_exemplars(arena, &exemplars[x], &exemplars[y]),
                        _ => Ordering::Equal,
                    }
                })
            })
            .then_with(|| a.cmp(&b))
    };
    let mut k = 0;
    while k < metric_order.len() {
        // The metrics of one family: metric_order[k..next].
        let group = metrics[metric_order[k] as usize].group;
        let mut next = k;
        let start = order.len();
        while next < metric_order.len() && metrics[metric_order[next] as usize].group == group {
            let m = &metrics[metric_order[next] as usize];
            if !m.dropped {
                let range = m.first as usize..m.end as usize;
                for (i, e) in series[range.clone()].iter().enumerate() {
                    match series_valid(m, e, om) {
                        Ok(()) => order.push((range.start + i) as u32),
                        Err(reason) => stats.drop(reason, 1),
                    }
                }
            }
            next += 1;
        }
        k = next;
        let end = order.len();
        if end - start < 2 {
            continue;
        }
        // The previous order is reusable if it is a strictly increasing list
        // of this family's series; checking that also tells whether any two
        // neighbours share a label set (only then is there a duplicate).
        let mut equal_labels = false;
        let reusable = previous_order.get(start..end).is_some_and(|prev| {
            prev.iter().all(|&i| {
                (i as usize) < series.len()
                    && metrics[series[i as usize].metric as usize].group == group
                    && valid(i as usize)
            }) && prev.windows(2).all(|w| {
                let (a, b) = (&series[w[0] as usize], &series[w[1] as usize]);
                match a.labels.get(arena).cmp(b.labels.get(arena)) {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => {
                        equal_labels = true;
                        cmp(w[0], w[1]) == Ordering::Less
                    }
                }
            })
        });
        if reusable {
            order[start..end].copy_from_slice(&previous_order[start..end]);
        } else {
            order[start..end].sort_unstable_by(|&a, &b| cmp(a, b));
            equal_labels = order[start..end].windows(2).any(|w| {
                series[w[0] as usize].labels.get(arena) == series[w[1] as usize].labels.get(arena)
            });
        }
        if equal_labels {
            dedup.push((start, end));
        }
    }
    previous_order.clear();
    previous_order.extend_from_slice(order);
    // Drop later duplicates (same labels within a family), in the families
    // that have any.
    if dedup.is_empty() {
        return;
    }
    let mut kept = 0;
    let mut next_family = 0;
    let mut k = 0;
    while k < order.len() {
        let (from, to) = dedup
            .get(next_family)
            .copied()
            .unwrap_or((order.len(), order.len()));
        // Families without duplicates: moved as they are.
        order.copy_within(k..from, kept);
        kept += from - k;
        k = from;
        if k == order.len() {
            break;
        }
        let family_start = kept;
        for j in from..to {
            let i = order[j];
            if kept > family_start
                && series[order[kept - 1] as usize].labels.get(arena)
                    == series[i as usize].labels.get(arena)
            {
                stats.drop(DropReason::DuplicateSeries, 1);
                continue;
            }
            order[kept] = i;
            kept += 1;
        }
        k = to;
        next_family += 1;
    }
    order.truncate(kept);
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

fn write_metadata(out: &mut Vec<u8>, s: &Scratch, metric: usize, om: bool) {
    let m = &s.metrics[metric];
    let family = m.family.get(&s.arena);
    let help = m.help.get(&s.arena);
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
        write_help_bytes(out, help, false);
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

/// The latest exemplar of `series` that `pick` accepts.
fn latest_exemplar(
    exemplars: &[ExemplarEntry],
    arena: &[u8],
    series: &SeriesEntry,
    pick: impl Fn(f64) -> bool,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for i in series.exemplars.start as usize..series.exemplars.end as usize {
        let e = &exemplars[i];
        let later = |b: usize| cmp_exemplars(arena, e, &exemplars[b]) == Ordering::Greater;
        if pick(e.value.as_f64()) && best.is_none_or(later) {
            best = Some(i);
        }
    }
    best
}

/// Exemplars by time, then labels, then value: a total order, so the latest
/// one is the same whatever order a point's exemplars came in.
fn cmp_exemplars(arena: &[u8], a: &ExemplarEntry, b: &ExemplarEntry) -> Ordering {
    a.time
        .cmp(&b.time)
        .then_with(|| a.labels.get(arena).cmp(b.labels.get(arena)))
        .then_with(|| cmp_numbers(a.value, b.value))
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
    sample_head(out, b"target_info", "", false, labels.get(arena));
    out.extend_from_slice(b"1\n");
}

/// Phase 2a: groups metrics into families, resolves conflicts and orders
/// the series. Everything `write_out` needs is then in `s`.
pub(super) fn prepare(config: &Config, format: Format, s: &mut Scratch, stats: &mut EncodeStats) {
    let om = format == Format::OpenMetrics;
    group_metrics(s, om, target_info(config, s), stats);
    sort_series(s, om, stats);
}

fn target_info(config: &Config, s: &Scratch) -> bool {
    config.target_info && !s.target_labels.is_empty()
}

/// Phase 2b: writes the prepared families and series.
pub(super) fn write_out(
    config: &Config,
    format: Format,
    s: &mut Scratch,
    stats: &mut EncodeStats,
    out: &mut Vec<u8>,
) {
    let om = format == Format::OpenMetrics;
    let start_len = out.len();
    if target_info(config, s) {
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
                sample_head(out, family, suffix, quoted, labels);
                write_number(out, n, om);
                let mut written = 0;
                if om && wire == WireType::Counter {
                    if let Some(x) = latest_exemplar(&s.exemplars, &s.arena, &e, |_| true) {
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
        // Each with the `"} ` that follows it on the line.
        for &b in bounds {
            let start = le_text.len();
            write_f64(le_text, b, om);
            le_text.extend_from_slice(b"\"} ");
            le_spans.push(Span::new(start, le_text.len()));
        }
        let start = le_text.len();
        le_text.extend_from_slice(b"+Inf\"} ");
        le_spans.push(Span::new(start, le_text.len()));
    }
    let family = family.get(arena);
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
        out.extend_from_slice(le_spans[i].get(le_text));
        let value = if i < n { cumulative[b0 + i] } else { count };
        write_u64(out, value);
        if om && !e.exemplars.is_empty() {
            let lower = if i == 0 {
                f64::NEG_INFINITY
            } else {
                bounds[i - 1]
            };
            let upper = if i < n { bounds[i] } else { f64::INFINITY };
            if let Some(x) = latest_exemplar(exemplars, arena, e, |v| v > lower && v <= upper) {
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

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;
    use opentelemetry_sdk::metrics::Temporality;

    use super::super::{Encoder, MetricInfo, MetricKind, Number, Parts};
    use crate::{Config, EncodeStats, Escaping, Format};

    type Variant = Vec<(&'static str, MetricKind, Vec<(&'static str, f64)>)>;

    fn record(p: &mut Parts<'_>, variant: &Variant) {
        p.scope("s", None, None, std::iter::empty());
        for (name, kind, points) in variant {
            p.metric(MetricInfo {
                name,
                description: "",
                unit: "",
                kind: *kind,
                temporality: Temporality::Cumulative,
                start_time: None,
            });
            for (x, v) in points {
                let attrs = [KeyValue::new("x", *x)];
                p.number(
                    attrs.iter().map(|kv| (kv.key.as_str(), &kv.value)),
                    Number::F64(*v),
                );
            }
        }
    }

    fn encode(e: &mut Encoder, format: Format, variant: &Variant) -> (String, EncodeStats) {
        let mut out = Vec::new();
        let stats = e.encode_parts(format, Escaping::Underscores, &mut out, |p| {
            record(p, variant)
        });
        (String::from_utf8(out).unwrap(), stats)
    }

    fn variants() -> Vec<Variant> {
        use MetricKind::{Counter, Gauge};
        vec![
            vec![
                ("a", Gauge, vec![("1", 1.0), ("2", 2.0), ("3", 3.0)]),
                ("b", Counter, vec![("1", 1.0), ("2", 2.0)]),
            ],
            // Same shape, points in another order.
            vec![
                ("a", Gauge, vec![("3", 3.0), ("2", 2.0), ("1", 1.0)]),
                ("b", Counter, vec![("2", 2.0), ("1", 1.0)]),
            ],
            // Same counts, other label values.
            vec![
                ("a", Gauge, vec![("9", 1.0), ("0", 2.0), ("5", 3.0)]),
                ("b", Counter, vec![("1", 1.0), ("0", 2.0)]),
            ],
            // A duplicate series inside one metric: the first recorded wins.
            vec![
                ("a", Gauge, vec![("1", 10.0), ("1", 20.0), ("2", 3.0)]),
                ("b", Counter, vec![("1", 1.0), ("2", 2.0)]),
            ],
            // Two metrics of one family, and a type conflict that drops one.
            vec![
                ("a", Gauge, vec![("2", 1.0), ("1", 2.0)]),
                ("a", Gauge, vec![("3", 3.0)]),
                ("b", Counter, vec![("1", 1.0)]),
                ("b", Gauge, vec![("2", 2.0)]),
            ],
            // Invalid OpenMetrics counter values change which series are written.
            vec![
                ("a", Gauge, vec![("1", 1.0), ("2", 2.0), ("3", 3.0)]),
                ("b", Counter, vec![("1", f64::NAN), ("2", -2.0)]),
            ],
            // After variant 0: the previous order names series of the other family.
            vec![
                ("b", Counter, vec![("1", 1.0), ("2", 2.0)]),
                ("a", Gauge, vec![("3", 3.0), ("4", 4.0), ("5", 5.0)]),
            ],
            // After variant 0: the previous order names a series no longer written.
            vec![
                ("a", Gauge, vec![("1", 1.0), ("2", 2.0), ("3", 3.0)]),
                ("b", Counter, vec![("1", f64::NAN), ("2", 2.0), ("3", 3.0)]),
            ],
        ]
    }

    #[test]
    fn the_previous_order_is_used_only_when_it_still_sorts() {
        let variants = variants();
        let sequence = [
            0, 0, 1, 0, 2, 2, 3, 0, 4, 4, 0, 5, 0, 5, 1, 3, 0, 6, 0, 7, 7,
        ];
        for format in [Format::PrometheusText, Format::OpenMetrics] {
            let mut warm = Encoder::new(Config::default().without_scope_info());
            for (step, &v) in sequence.iter().enumerate() {
                let want = encode(
                    &mut Encoder::new(Config::default().without_scope_info()),
                    format,
                    &variants[v],
                );
                let got = encode(&mut warm, format, &variants[v]);
                assert_eq!(got, want, "{format:?} step {step}, variant {v}");
            }
        }
        let (text, stats) = encode(
            &mut Encoder::new(Config::default().without_scope_info()),
            Format::PrometheusText,
            &variants[3],
        );
        assert!(text.contains("a{x=\"1\"} 10\na{x=\"2\"} 3\n"), "{text}");
        assert_eq!(stats.dropped(crate::DropReason::DuplicateSeries), 1);
    }
}
