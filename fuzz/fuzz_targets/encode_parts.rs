//! Arbitrary plain values through `Encoder::encode_parts`: what the SDK never
//! produces (NaN, ±Inf, exemplars with any ids, attributes and times, delta
//! temporality, unsorted/NaN/duplicate bounds, extreme exponential scales and
//! offsets, duplicate keys, points before any metric) → the checker must accept.
#![no_main]

use std::time::{Duration, SystemTime};

use arbitrary::{Arbitrary, Unstructured};
use fuzz_common::{assert_valid, attributes, float, Options, Text, FORMATS};
use libfuzzer_sys::fuzz_target;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::Temporality;
use otel_expfmt::__private::{ExponentialData, MetricInfo, MetricKind, Number, Parts};
use otel_expfmt::Encoder;

fn number(u: &mut Unstructured<'_>) -> arbitrary::Result<Number> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => Number::U64(u.arbitrary()?),
        1 => Number::I64(u.arbitrary()?),
        _ => Number::F64(float(u)?),
    })
}

fn time(u: &mut Unstructured<'_>) -> arbitrary::Result<SystemTime> {
    let epoch = SystemTime::UNIX_EPOCH;
    let secs = u.arbitrary::<u64>()? >> u.int_in_range(0u32..=63)?;
    let d = Duration::new(secs, u.arbitrary::<u32>()? % 1_000_000_000);
    let t = match u.int_in_range(0u8..=3)? {
        0 => epoch.checked_sub(d),
        1 => Some(epoch),
        _ => epoch.checked_add(d),
    };
    Ok(t.unwrap_or(epoch))
}

fn small_counts(u: &mut Unstructured<'_>, max: usize) -> arbitrary::Result<Vec<u64>> {
    let n = u.int_in_range(0..=max)?;
    (0..n)
        .map(|_| {
            Ok(if u.ratio(1u8, 8)? {
                u.arbitrary::<u64>()?
            } else {
                u.int_in_range(0u64..=5)?
            })
        })
        .collect()
}

#[derive(Debug)]
enum Event {
    Scope {
        name: String,
        version: Option<String>,
        schema_url: Option<String>,
        attributes: Vec<KeyValue>,
    },
    Metric {
        name: String,
        description: String,
        unit: String,
        kind: MetricKind,
        temporality: Temporality,
        start_time: Option<SystemTime>,
    },
    Number(Vec<KeyValue>, Number),
    Histogram {
        attributes: Vec<KeyValue>,
        bounds: Vec<f64>,
        counts: Vec<u64>,
        count: u64,
        sum: Number,
    },
    Exponential {
        attributes: Vec<KeyValue>,
        scale: i8,
        zero_count: u64,
        zero_threshold: f64,
        positive_offset: i32,
        positive_counts: Vec<u64>,
        negative_offset: i32,
        negative_counts: Vec<u64>,
        count: u64,
        sum: Number,
    },
    Exemplar {
        value: Number,
        time: SystemTime,
        trace_id: [u8; 16],
        span_id: [u8; 8],
        attributes: Vec<KeyValue>,
    },
}

fn opt_text(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<String>> {
    Ok(if u.arbitrary()? {
        Some(Text::arbitrary(u)?.0)
    } else {
        None
    })
}

fn offset(u: &mut Unstructured<'_>) -> arbitrary::Result<i32> {
    Ok(if u.ratio(1u8, 4)? {
        u.arbitrary()?
    } else {
        u.int_in_range(-40i32..=40)?
    })
}

impl<'a> Arbitrary<'a> for Event {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.int_in_range(0u8..=9)? {
            0 => Event::Scope {
                name: Text::arbitrary(u)?.0,
                version: opt_text(u)?,
                schema_url: opt_text(u)?,
                attributes: attributes(u, 3)?,
            },
            1 | 2 => Event::Metric {
                name: Text::arbitrary(u)?.0,
                description: Text::arbitrary(u)?.0,
                unit: Text::arbitrary(u)?.0,
                kind: *u.choose(&[
                    MetricKind::Counter,
                    MetricKind::UpDownCounter,
                    MetricKind::Gauge,
                    MetricKind::Histogram,
                    MetricKind::ExponentialHistogram,
                ])?,
                temporality: if u.ratio(1u8, 8)? {
                    Temporality::Delta
                } else {
                    Temporality::Cumulative
                },
                start_time: if u.arbitrary()? { Some(time(u)?) } else { None },
            },
            3 | 4 => Event::Number(attributes(u, 3)?, number(u)?),
            5 | 6 => {
                let n = u.int_in_range(0usize..=6)?;
                Event::Histogram {
                    attributes: attributes(u, 3)?,
                    bounds: (0..n).map(|_| float(u)).collect::<arbitrary::Result<_>>()?,
                    counts: small_counts(u, 8)?,
                    count: if u.arbitrary()? {
                        u.arbitrary()?
                    } else {
                        u.int_in_range(0u64..=20)?
                    },
                    sum: number(u)?,
                }
            }
            7 => Event::Exponential {
                attributes: attributes(u, 3)?,
                scale: u.arbitrary()?,
                zero_count: u.int_in_range(0u64..=3)?,
                zero_threshold: if u.arbitrary()? { 0.0 } else { float(u)? },
                positive_offset: offset(u)?,
                positive_counts: small_counts(u, 6)?,
                negative_offset: offset(u)?,
                negative_counts: small_counts(u, 6)?,
                count: u.int_in_range(0u64..=20)?,
                sum: number(u)?,
            },
            _ => Event::Exemplar {
                value: number(u)?,
                time: time(u)?,
                trace_id: if u.arbitrary()? {
                    [0; 16]
                } else {
                    u.arbitrary()?
                },
                span_id: if u.arbitrary()? {
                    [0; 8]
                } else {
                    u.arbitrary()?
                },
                attributes: attributes(u, 4)?,
            },
        })
    }
}

#[derive(Debug)]
struct Script {
    options: Options,
    resource: Vec<KeyValue>,
    events: Vec<Event>,
}

impl<'a> Arbitrary<'a> for Script {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let options = Options::arbitrary(u)?;
        let mut resource = attributes(u, 4)?;
        options.known_bugs_filter(&mut resource);
        let n = u.int_in_range(0usize..=40)?;
        let events = (0..n)
            .map(|_| Event::arbitrary(u))
            .collect::<arbitrary::Result<_>>()?;
        Ok(Script {
            options,
            resource,
            events,
        })
    }
}

fn kv(list: &[KeyValue]) -> impl Iterator<Item = (&str, &Value)> {
    list.iter().map(|kv| (kv.key.as_str(), &kv.value))
}

/// Feeds the script. `Parts` expects a metric's points to match its kind
/// (numbers for sums and gauges, histogram points for histograms), as the SDK
/// walker guarantees; points of the other kind are left out. Points before
/// any metric, or right after a scope, are fed (they must be ignored).
fn feed(script: &Script, p: &mut Parts<'_>) {
    p.resource(kv(&script.resource));
    let mut current: Option<MetricKind> = None;
    for event in &script.events {
        let histogram = matches!(
            current,
            Some(MetricKind::Histogram | MetricKind::ExponentialHistogram)
        );
        match event {
            Event::Number(..) if current.is_some() && histogram => continue,
            Event::Histogram { .. } | Event::Exponential { .. }
                if current.is_some() && !histogram =>
            {
                continue
            }
            Event::Scope { .. } => current = None,
            Event::Metric { kind, .. } => current = Some(*kind),
            _ => {}
        }
        match event {
            Event::Scope {
                name,
                version,
                schema_url,
                attributes,
            } => p.scope(
                name,
                version.as_deref(),
                schema_url.as_deref(),
                kv(attributes),
            ),
            Event::Metric {
                name,
                description,
                unit,
                kind,
                temporality,
                start_time,
            } => p.metric(MetricInfo {
                name,
                description,
                unit,
                kind: *kind,
                temporality: *temporality,
                start_time: *start_time,
            }),
            Event::Number(attributes, n) => p.number(kv(attributes), *n),
            Event::Histogram {
                attributes,
                bounds,
                counts,
                count,
                sum,
            } => p.histogram(
                kv(attributes),
                bounds.iter().copied(),
                counts.iter().copied(),
                *count,
                *sum,
            ),
            Event::Exponential {
                attributes,
                scale,
                zero_count,
                zero_threshold,
                positive_offset,
                positive_counts,
                negative_offset,
                negative_counts,
                count,
                sum,
            } => p.exponential_histogram(
                kv(attributes),
                ExponentialData {
                    scale: *scale,
                    zero_count: *zero_count,
                    zero_threshold: *zero_threshold,
                    positive_offset: *positive_offset,
                    positive_counts: positive_counts.iter().copied(),
                    negative_offset: *negative_offset,
                    negative_counts: negative_counts.iter().copied(),
                },
                *count,
                *sum,
            ),
            Event::Exemplar {
                value,
                time,
                trace_id,
                span_id,
                attributes,
            } => p.exemplar(*value, *time, *trace_id, *span_id, kv(attributes)),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(script) = Script::arbitrary(&mut u) else {
        return;
    };
    let escaping = script.options.escaping;
    let mut encoder = Encoder::new(script.options.config.clone());
    for format in FORMATS {
        let mut out = Vec::new();
        let stats = encoder.encode_parts(format, escaping, &mut out, |p| feed(&script, p));
        let mut again = Vec::new();
        encoder.encode_parts(format, escaping, &mut again, |p| feed(&script, p));
        assert_valid(&out, &again, &stats, format, escaping);
    }
});
