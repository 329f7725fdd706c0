//! Grouping the model's metrics into families: deterministic order,
//! conflicts resolved (types, names that clash with another family's
//! samples), series sorted by label set and duplicates dropped. Counts
//! every drop in [`EncodeStats`].

use std::cmp::Ordering;

use super::model::{
    Dialect, ExemplarEntry, FamilyType, Group, MetricEntry, Model, Number, SeriesEntry,
    SeriesValue, Span,
};
use crate::{DropReason, EncodeStats};

/// Group id reserved for `target_info` in name-clash detection (it always wins).
const TARGET: u32 = 0;

/// Orders metrics by everything their output depends on apart from their
/// points. Two SDK streams can tie on all of it (a counter and an observable
/// counter of one name, say): they then get the same rank, so that their
/// points' values, not the SDK's order, decide between duplicate series.
fn identity(metrics: &[MetricEntry], arena: &[u8], a: u32, b: u32) -> Ordering {
    let (ma, mb) = (&metrics[a as usize], &metrics[b as usize]);
    ma.family
        .get(arena)
        .cmp(mb.family.get(arena))
        .then_with(|| ma.kind.cmp(&mb.kind))
        .then_with(|| ma.identity.cmp(&mb.identity, arena))
        .then_with(|| ma.number.cmp(&mb.number))
        .then_with(|| ma.start_time.cmp(&mb.start_time))
}

/// Sorts metrics into families and marks what loses a conflict.
fn group_metrics(m: &mut Model, dialect: &Dialect, stats: &mut EncodeStats) {
    let Model {
        arena,
        metrics,
        metric_order: order,
        groups,
        sample_names,
        target,
        ..
    } = m;
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
            if w.kind != m.kind {
                metrics[i].dropped = true;
                stats.drop(DropReason::TypeConflict, series);
                continue;
            }
            if !m.help.is_empty() && m.help != w.help && m.help.get(arena) != w.help.get(arena) {
                stats.drop(DropReason::ConflictingHelp, 1);
            }
            if m.unit.get(arena) != w.unit.get(arena) {
                stats.drop(DropReason::ConflictingUnit, 1);
            }
        }
    }

    // Name clashes between families: a family name or generated sample name
    // of one family must not be a name of another family. Each name is a
    // family name (in the arena) followed by a suffix.
    sample_names.clear();
    if target.is_some() {
        for name in dialect.target_info_names {
            sample_names.push((Span::default(), name, TARGET));
        }
    }
    for (gi, g) in groups.iter().enumerate() {
        let m = &metrics[g.metric as usize];
        let id = gi as u32 + 1;
        sample_names.push((m.family, "", id));
        let suffixes = match m.kind {
            FamilyType::Counter => dialect.counter_suffixes,
            // A native histogram reserves the classic names too: a scraper
            // that does not ingest native histograms reads it as classic.
            FamilyType::Histogram | FamilyType::NativeHistogram => dialect.histogram_suffixes,
            FamilyType::Unknown | FamilyType::Gauge => &[],
        };
        for suffix in suffixes {
            sample_names.push((m.family, suffix, id));
        }
    }
    let arena: &[u8] = arena;
    fn name<'a>(
        arena: &'a [u8],
        entry: &(Span, &'static str, u32),
    ) -> impl Iterator<Item = &'a u8> {
        entry.0.get(arena).iter().chain(entry.1.as_bytes())
    }
    let name = |entry: &(Span, &'static str, u32)| name(arena, entry);
    sample_names.sort_unstable_by(|a, b| name(a).cmp(name(b)).then(a.2.cmp(&b.2)));
    // Of the families sharing a name, the one with the lowest id keeps it
    // (`target_info` first); the others are dropped. A family's own names
    // are distinct, so the others' ids are above the keeper's, never TARGET.
    for same in sample_names.chunk_by(|a, b| name(a).eq(name(b))) {
        for &(_, _, loser) in &same[1..] {
            groups[loser as usize - 1].dropped = true;
        }
    }
    for m in metrics.iter_mut() {
        if !m.dropped && groups[m.group as usize - 1].dropped {
            m.dropped = true;
            stats.drop(DropReason::NameClash, u64::from(m.end - m.first));
        }
    }
}

/// Whether the series is written at all (with `counters_non_negative`,
/// counter values must not be NaN or negative).
fn series_valid(
    m: &MetricEntry,
    e: &SeriesEntry,
    counters_non_negative: bool,
) -> Result<(), DropReason> {
    if counters_non_negative && m.kind == FamilyType::Counter {
        if let SeriesValue::Number(n) = e.value {
            if n.is_nan_or_negative() {
                return Err(DropReason::InvalidCounterValue);
            }
        }
    }
    Ok(())
}

/// Whether every series of a metric that is written passes [`series_valid`]
/// (only counters can fail it, and only with `counters_non_negative`).
pub(super) fn all_series_valid(m: &Model, dialect: &Dialect) -> bool {
    let check = dialect.counters_non_negative;
    !check
        || m.metrics
            .iter()
            .filter(|e| !e.dropped && e.kind == FamilyType::Counter)
            .all(|e| {
                m.series[e.first as usize..e.end as usize]
                    .iter()
                    .all(|s| series_valid(e, s, check).is_ok())
            })
}

pub(super) fn cmp_numbers(a: Number, b: Number) -> Ordering {
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

/// A total order on series values (numbers; classic histograms by count,
/// sum, cumulative counts and bounds; native histograms by count, sum and
/// their buckets), used only to break ties deterministically.
fn cmp_values(a: &SeriesValue, b: &SeriesValue, m: &Model) -> Ordering {
    let rank = |v: &SeriesValue| match v {
        SeriesValue::Number(_) => 0,
        SeriesValue::Histogram { .. } => 1,
        SeriesValue::Native(_) => 2,
    };
    let floats = |x: &[f64], y: &[f64]| {
        x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|(p, q)| p.total_cmp(q))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    };
    match (a, b) {
        (SeriesValue::Number(x), SeriesValue::Number(y)) => cmp_numbers(*x, *y),
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
        ) => ca
            .cmp(cb)
            .then_with(|| cmp_numbers(*sa, *sb))
            .then_with(|| m.cumulative[ba.range()].cmp(&m.cumulative[bb.range()]))
            .then_with(|| floats(&m.bounds[ba.range()], &m.bounds[bb.range()])),
        (SeriesValue::Native(x), SeriesValue::Native(y)) => {
            let (x, y) = (&m.natives[*x as usize], &m.natives[*y as usize]);
            let counts = |s: Span| &m.native_counts[s.range()];
            x.count
                .cmp(&y.count)
                .then_with(|| cmp_numbers(x.sum, y.sum))
                .then_with(|| x.schema.cmp(&y.schema))
                .then_with(|| x.zero_threshold.total_cmp(&y.zero_threshold))
                .then_with(|| x.zero_count.cmp(&y.zero_count))
                .then_with(|| x.positive_offset.cmp(&y.positive_offset))
                .then_with(|| counts(x.positive).cmp(counts(y.positive)))
                .then_with(|| x.negative_offset.cmp(&y.negative_offset))
                .then_with(|| counts(x.negative).cmp(counts(y.negative)))
        }
        _ => rank(a).cmp(&rank(b)),
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
fn sort_series(model: &mut Model, dialect: &Dialect, stats: &mut EncodeStats) {
    let check = dialect.counters_non_negative;
    let mut order = std::mem::take(&mut model.order);
    let mut previous_order = std::mem::take(&mut model.previous_order);
    let mut dedup = std::mem::take(&mut model.duplicate_families);
    let m = &*model;
    let Model {
        arena,
        metrics,
        metric_order,
        series,
        exemplars,
        ..
    } = m;
    order.clear();
    dedup.clear();
    let valid = |i: usize| {
        let e = &series[i];
        let m = &metrics[e.metric as usize];
        !m.dropped && series_valid(m, e, check).is_ok()
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
            .then_with(|| cmp_values(&ea.value, &eb.value, m))
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
                    match series_valid(m, e, check) {
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
    previous_order.extend_from_slice(&order);
    // Drop later duplicates (same labels within a family), in the families
    // that have any.
    if !dedup.is_empty() {
        let mut kept = 0;
        let mut k = 0;
        let n = order.len();
        // Each family with duplicates, then an empty one at the end.
        for &(from, to) in dedup.iter().chain(&[(n, n)]) {
            // Families without duplicates: moved as they are.
            order.copy_within(k..from, kept);
            kept += from - k;
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
        }
        order.truncate(kept);
    }
    model.order = order;
    model.previous_order = previous_order;
    model.duplicate_families = dedup;
}

/// Groups the metrics into families, resolves conflicts and orders the
/// series. Everything a writer needs is then in `m`.
pub(super) fn prepare(m: &mut Model, dialect: &Dialect, stats: &mut EncodeStats) {
    group_metrics(m, dialect, stats);
    sort_series(m, dialect, stats);
}

/// The latest exemplar of `series` that `pick` accepts.
pub(super) fn latest_exemplar(
    exemplars: &[ExemplarEntry],
    arena: &[u8],
    series: &SeriesEntry,
    pick: impl Fn(&ExemplarEntry) -> bool,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for i in series.exemplars.range() {
        let e = &exemplars[i];
        let later = |b: usize| cmp_exemplars(arena, e, &exemplars[b]) == Ordering::Greater;
        if pick(e) && best.is_none_or(later) {
            best = Some(i);
        }
    }
    best
}

/// Exemplars by time, then labels, then value: a total order, so the latest
/// one is the same whatever order a point's exemplars came in.
pub(super) fn cmp_exemplars(arena: &[u8], a: &ExemplarEntry, b: &ExemplarEntry) -> Ordering {
    a.time
        .cmp(&b.time)
        .then_with(|| a.labels.get(arena).cmp(b.labels.get(arena)))
        .then_with(|| cmp_numbers(a.value, b.value))
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
