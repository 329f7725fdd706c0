//! Reading an encoding back through the strict checker and comparing it
//! with the model: every series once with its exact value, or counted as
//! dropped; nothing else written.

use std::collections::{BTreeMap, HashSet};

use otel_expfmt::check::{check_with, Exposition, MetricType, NativeHistogram};
use otel_expfmt::{DropReason, EncodeStats, Escaping, Format, RenameReason};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::case::{as_f64, Case, Val};
use crate::model::{Expected, ModelSeries};
use crate::names::{
    escape, expected_labels, label_name, merge, metric_name, wire_label_name, Labels,
};
use crate::tables::{Cfg, KEYS, RESOURCE_KEYS};

#[derive(Debug)]
pub struct Out {
    pub name: String,
    pub labels: Labels,
    pub le: Option<String>,
    pub value_text: String,
    pub histogram: bool,
    pub native: Option<NativeHistogram>,
    pub used: bool,
}

pub fn samples(exposition: &Exposition) -> Vec<Out> {
    let mut out = Vec::new();
    for f in &exposition.families {
        for s in &f.samples {
            let mut labels = Vec::new();
            let mut le = None;
            for (n, v) in &s.labels {
                if n == "le" && f.kind == MetricType::Histogram {
                    le = Some(v.clone());
                } else {
                    labels.push((n.clone(), v.clone()));
                }
            }
            labels.sort();
            out.push(Out {
                name: s.name.clone(),
                labels,
                le,
                value_text: s.value_text.clone(),
                histogram: f.kind == MetricType::Histogram,
                native: s.native.clone(),
                used: false,
            });
        }
    }
    out
}

pub fn float_matches(text: &str, want: f64) -> bool {
    match text.parse::<f64>() {
        Ok(got) if want == 0.0 => got == 0.0,
        Ok(got) => got.to_bits() == want.to_bits(),
        Err(_) => false,
    }
}

/// Whether a written value is the recorded one: integers exactly in the
/// text formats; in protobuf, whose values are doubles, as the double
/// Prometheus stores for them.
pub fn value_matches(text: &str, want: &Expected, pb: bool) -> bool {
    match want {
        Expected::U(u) if pb => float_matches(text, *u as f64),
        Expected::I(i) if pb => float_matches(text, *i as f64),
        Expected::U(u) => text == u.to_string(),
        Expected::I(i) => text == i.to_string(),
        Expected::F(f) => float_matches(text, *f),
        Expected::Histogram { .. } => false,
    }
}

/// Whether a native histogram holds exactly `values`: its count and sum,
/// the zero bucket, and each bucket counting the values in its range.
pub fn native_matches(h: &NativeHistogram, values: &[f64], sum: f64) -> bool {
    let zt = h.zero_threshold;
    let in_zero = values.iter().filter(|v| v.abs() <= zt).count() as u64;
    let in_range = |lower: f64, upper: f64, negative: bool| {
        values
            .iter()
            .filter(|&&v| {
                if negative {
                    v >= -upper && v < -lower && v.abs() > zt
                } else {
                    v > lower && v <= upper && v > zt
                }
            })
            .count() as u64
    };
    h.count == values.len() as u64
        && float_matches(&format!("{:?}", h.sum), sum)
        && h.zero_count == in_zero
        && h.positive.iter().all(|&(i, c)| {
            let (lower, upper) = NativeHistogram::positive_bounds(h.schema, i);
            c == in_range(lower, upper, false)
        })
        && h.negative.iter().all(|&(i, c)| {
            let (lower, upper) = NativeHistogram::positive_bounds(h.schema, i);
            c == in_range(lower, upper, true)
        })
}

/// The names a metric's samples and family can occupy in either format.
pub fn occupied(name: &str) -> HashSet<String> {
    const SUFFIXES: [&str; 7] = [
        "", "_total", "_bucket", "_count", "_sum", "_created", "_info",
    ];
    let mut out = HashSet::new();
    for base in [Some(name), name.strip_suffix("_total")]
        .into_iter()
        .flatten()
    {
        for s in SUFFIXES {
            out.insert(format!("{base}{s}"));
        }
    }
    out
}

/// Names related in a way that lets the encoder drop one of two metrics
/// (a type conflict, or an OpenMetrics name clash).
pub fn related(a: &str, b: &str) -> bool {
    !occupied(a).is_disjoint(&occupied(b))
}

pub const SERIES_DROPS: [DropReason; 7] = [
    DropReason::DeltaTemporality,
    DropReason::InvalidName,
    DropReason::TypeConflict,
    DropReason::NameClash,
    DropReason::DuplicateSeries,
    DropReason::ExponentialHistogram,
    DropReason::InvalidCounterValue,
];

/// Checks one encoding against the model.
pub fn verify(
    case: &Case,
    series: &[ModelSeries],
    cfg: Cfg,
    format: Format,
    escaping: Escaping,
    body: &[u8],
    stats: &EncodeStats,
) -> Result<(), TestCaseError> {
    let om = format == Format::OpenMetrics;
    let pb = format == Format::PrometheusProtobuf;
    let text = &*String::from_utf8_lossy(body);
    let exposition = check_with(body, format, escaping)
        .map_err(|e| TestCaseError::fail(format!("checker: {e}\n{text}")))?;
    let mut out = samples(&exposition);
    let names: Vec<String> = case
        .insts
        .iter()
        .map(|i| escape(&metric_name(cfg, i), escaping, false))
        .collect();

    // Group model series by what identifies them on the wire.
    let mut groups: BTreeMap<(String, Labels, bool), Vec<usize>> = BTreeMap::new();
    let mut merged = 0u64;
    let mut reserved = 0u64;
    for (i, s) in series.iter().enumerate() {
        let (labels, m) = expected_labels(case, cfg, escaping, s);
        merged += m as u64;
        let inst = &case.insts[s.inst];
        // An empty value is no label, so nothing to rename.
        for (k, v) in &s.attrs {
            let (raw, sanitized) = KEYS[*k];
            if v.text().is_empty() {
                continue;
            }
            if wire_label_name(cfg, escaping, raw, sanitized).1
                || (inst.kind.histogram() && raw == "le")
            {
                reserved += 1;
            }
        }
        groups
            .entry((names[s.inst].clone(), labels, inst.kind.histogram()))
            .or_default()
            .push(i);
    }
    prop_assert_eq!(stats.renamed(RenameReason::LabelMerged), merged);
    prop_assert_eq!(stats.renamed(RenameReason::ReservedLabel), reserved);

    let mut present = 0u64;
    for ((name, labels, histogram), members) in &groups {
        let histogram = *histogram;
        let find = |out: &[Out], sample: &str| -> Vec<usize> {
            out.iter()
                .enumerate()
                .filter(|(_, o)| {
                    o.name == sample && o.labels == *labels && o.histogram == histogram
                })
                .map(|(i, _)| i)
                .collect()
        };
        if !histogram {
            let hits = find(&out, name);
            prop_assert!(hits.len() <= 1, "{name} {labels:?} written twice\n{text}");
            if let Some(&h) = hits.first() {
                let got = &out[h].value_text;
                prop_assert!(
                    members
                        .iter()
                        .any(|&m| value_matches(got, &series[m].value, pb)),
                    "{name} {labels:?}: got {got}, recorded {:?}\n{text}",
                    members
                        .iter()
                        .map(|&m| &series[m].value)
                        .collect::<Vec<_>>()
                );
                out[h].used = true;
                present += 1;
            }
            continue;
        }
        // In protobuf an exponential histogram is a native histogram.
        let exponential = members
            .iter()
            .any(|&m| matches!(&series[m].value, Expected::Histogram { bounds: None, .. }));
        // (A classic histogram of the same name wins the type conflict:
        // then the classic path below finds it.)
        let natives: Vec<usize> = find(&out, name)
            .into_iter()
            .filter(|&i| out[i].native.is_some())
            .collect();
        if pb && exponential && !natives.is_empty() {
            let hits = natives;
            prop_assert!(hits.len() <= 1, "{name} {labels:?} written twice\n{text}");
            if let Some(&h) = hits.first() {
                let native = out[h].native.as_ref().expect("native");
                let ok = members.iter().any(|&m| match &series[m].value {
                    Expected::Histogram { values, sum, .. } => {
                        native_matches(native, values, as_f64(*sum))
                    }
                    _ => false,
                });
                prop_assert!(
                    ok,
                    "native {name} {labels:?} does not hold what was recorded: {native:?}"
                );
                out[h].used = true;
                present += 1;
            }
            continue;
        }
        let buckets = find(&out, &format!("{name}_bucket"));
        if buckets.is_empty() {
            continue;
        }
        present += 1;
        // Every member of a group shares the name and labels; one survives.
        let mut ok_member = false;
        for &m in members {
            let Expected::Histogram {
                values,
                sum,
                bounds,
            } = &series[m].value
            else {
                unreachable!()
            };
            let mut les = Vec::new();
            let mut good = true;
            for &b in &buckets {
                let o = &out[b];
                let le = o.le.as_deref().unwrap_or_default();
                let want = if le == "+Inf" {
                    values.len()
                } else {
                    let x: f64 = le.parse().unwrap_or(f64::NAN);
                    les.push(x);
                    values.iter().filter(|&&v| v <= x).count()
                };
                good &= o.value_text == want.to_string();
            }
            if let Some(bounds) = bounds {
                // Classic buckets: exactly the configured bounds, then +Inf.
                good &=
                    les.len() == bounds.len() && les.iter().zip(bounds.iter()).all(|(a, b)| a == b);
            }
            // Exponential histograms: any finite bounds (the checker sees
            // that they increase), as long as each counts exactly the
            // recorded values at or below it (`want` above).
            good &= buckets.len() == les.len() + 1;
            let sums = find(&out, &format!("{name}_sum"));
            let counts = find(&out, &format!("{name}_count"));
            let negative = les.first().is_some_and(|&x| x < 0.0) || as_f64(*sum) < 0.0;
            if om && negative {
                good &= sums.is_empty() && counts.is_empty();
            } else {
                good &= sums.len() == 1 && counts.len() == 1;
                if let (Some(&s), Some(&c)) = (sums.first(), counts.first()) {
                    good &= match sum {
                        Val::U(u) if !pb => out[s].value_text == u.to_string(),
                        v => float_matches(&out[s].value_text, as_f64(*v)),
                    };
                    good &= out[c].value_text == values.len().to_string();
                }
            }
            ok_member |= good;
        }
        prop_assert!(
            ok_member,
            "histogram {name} {labels:?} does not match what was recorded\n{text}"
        );
        for suffix in ["_bucket", "_sum", "_count"] {
            for i in find(&out, &format!("{name}{suffix}")) {
                out[i].used = true;
            }
        }
    }

    // target_info carries exactly the resource attributes.
    let mut target = 0;
    // Empty values are no labels; without any label there is no target_info.
    if case.resource.iter().any(|(_, v)| !v.is_empty()) {
        let want: Labels = merge(
            case.resource
                .iter()
                .map(|(k, v)| {
                    let (raw, sanitized) = RESOURCE_KEYS[*k];
                    (
                        label_name(cfg, escaping, raw, sanitized),
                        raw.to_string(),
                        v.clone(),
                    )
                })
                .collect(),
        )
        .0;
        let hits: Vec<&mut Out> = out.iter_mut().filter(|o| o.name == "target_info").collect();
        prop_assert_eq!(hits.len(), 1, "one target_info\n{}", text);
        for o in hits {
            prop_assert_eq!(&o.labels, &want);
            prop_assert!(o.value_text == "1" || o.value_text == "1.0");
            o.used = true;
        }
        target = 1;
        let family = if om { "target" } else { "target_info" };
        let kind = if om {
            MetricType::Info
        } else {
            MetricType::Gauge
        };
        prop_assert_eq!(exposition.family(family).map(|f| f.kind), Some(kind));
    }

    // Nothing else was written.
    let extra: Vec<&Out> = out.iter().filter(|o| !o.used).collect();
    prop_assert!(extra.is_empty(), "unexpected samples {extra:?}\n{text}");

    // Every recorded series is written or accounted for.
    let drops: u64 = SERIES_DROPS.iter().map(|&r| stats.dropped(r)).sum();
    prop_assert_eq!(
        series.len() as u64,
        present + drops,
        "recorded = written + dropped ({:?})\n{}",
        stats,
        text
    );
    prop_assert_eq!(stats.series, present + target);
    prop_assert_eq!(stats.families, exposition.families.len() as u64);
    prop_assert_eq!(stats.bytes, body.len() as u64);
    // Only metrics whose names clash with another one's may lose series.
    for ((name, _, _), members) in &groups {
        let inst = series[members[0]].inst;
        let written = out
            .iter()
            .any(|o| o.name == *name || o.name == format!("{name}_bucket"));
        if !written && members.len() == 1 {
            let clash = (0..case.insts.len()).any(|j| j != inst && related(&names[j], name));
            prop_assert!(clash, "{name} dropped without a clash\n{text}");
        }
    }
    prop_assert_eq!(stats.dropped(DropReason::InvalidCounterValue), 0);

    // HELP is one of the family's descriptions; UNIT is a suffix of the name.
    for f in &exposition.families {
        if let Some(help) = &f.help {
            if f.name == "target" || f.name == "target_info" {
                continue;
            }
            // 0.0.4 cannot carry leading blanks in HELP: parsers skip them.
            let written = |d: &str| {
                if om || pb {
                    d.to_string()
                } else {
                    d.trim_start_matches([' ', '\t']).to_string()
                }
            };
            prop_assert!(
                case.insts.iter().any(|i| written(&i.description) == *help),
                "HELP {help:?} of {} was never recorded",
                f.name
            );
        }
        if let Some(unit) = &f.unit {
            // In protobuf a counter family is named with `_total`, after the unit.
            let base = match f.name.strip_suffix("_total") {
                Some(base) if pb && f.kind == MetricType::Counter => base,
                _ => &f.name,
            };
            prop_assert!(
                !unit.is_empty() && base.ends_with(&format!("_{unit}")),
                "UNIT {unit} of {}",
                f.name
            );
        }
    }
    Ok(())
}
