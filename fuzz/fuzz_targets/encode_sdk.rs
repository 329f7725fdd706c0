//! Arbitrary bytes → a script of scopes, instruments, views and measurements →
//! a real `SdkMeterProvider` → both formats with a fuzzed escaping scheme and
//! fuzzed options → the strict checker must accept, and nothing may panic.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use fuzz_common::{assert_valid, attributes, float, Options, Text, FORMATS};
use libfuzzer_sys::fuzz_target;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, SdkMeterProvider, Stream, Temporality};
use opentelemetry_sdk::Resource;
use otel_expfmt::__private::SharedManualReader;
use otel_expfmt::Encoder;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    U64Counter,
    F64Counter,
    I64UpDown,
    F64UpDown,
    U64Gauge,
    I64Gauge,
    F64Gauge,
    U64Histogram,
    F64Histogram,
    F64ObservableCounter,
    U64ObservableGauge,
    I64ObservableUpDown,
}

#[derive(Debug)]
struct Scope {
    name: String,
    version: Option<String>,
    schema_url: Option<String>,
    attributes: Vec<KeyValue>,
}

#[derive(Debug)]
struct Spec {
    scope: usize,
    kind: Kind,
    name: String,
    unit: Option<String>,
    description: Option<String>,
    bounds: Option<Vec<f64>>,
    /// A view turning this histogram into an exponential one.
    exponential: Option<(u32, i8)>,
}

#[derive(Debug)]
struct Measure {
    instrument: usize,
    bits: u64,
    float: f64,
    attributes: Vec<KeyValue>,
}

#[derive(Debug)]
struct Script {
    options: Options,
    temporality_delta: bool,
    resource: Vec<KeyValue>,
    scopes: Vec<Scope>,
    specs: Vec<Spec>,
    measures: Vec<Measure>,
}

fn opt_text(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<String>> {
    Ok(if u.arbitrary()? {
        Some(Text::arbitrary(u)?.0)
    } else {
        None
    })
}

impl<'a> Arbitrary<'a> for Script {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let options = Options::arbitrary(u)?;
        let temporality_delta = u.ratio(1u8, 16)?;
        let mut resource = attributes(u, 4)?;
        options.known_bugs_filter(&mut resource);
        let scopes = (0..u.int_in_range(1usize..=3)?)
            .map(|_| {
                Ok(Scope {
                    name: Text::arbitrary(u)?.0,
                    version: opt_text(u)?,
                    schema_url: opt_text(u)?,
                    attributes: attributes(u, 3)?,
                })
            })
            .collect::<arbitrary::Result<Vec<_>>>()?;
        let specs = (0..u.int_in_range(1usize..=8)?)
            .map(|_| {
                let bounds = if u.arbitrary()? {
                    let n = u.int_in_range(0usize..=6)?;
                    Some((0..n).map(|_| float(u)).collect::<arbitrary::Result<_>>()?)
                } else {
                    None
                };
                // A max scale of 20 overflows an `i32` subtraction inside the
                // SDK (`scale_change`) for values spanning the f64 range, a
                // panic with overflow checks on: scales up to 19 (and invalid
                // ones below -10) are fuzzed.
                let exponential = if u.ratio(1u8, 4)? {
                    Some((u.int_in_range(0u32..=200)?, u.int_in_range(-12i8..=19)?))
                } else {
                    None
                };
                Ok(Spec {
                    scope: u.int_in_range(0..=scopes.len() - 1)?,
                    kind: u.arbitrary()?,
                    name: Text::arbitrary(u)?.0,
                    unit: opt_text(u)?,
                    description: opt_text(u)?,
                    bounds,
                    exponential,
                })
            })
            .collect::<arbitrary::Result<Vec<_>>>()?;
        let n = specs.len();
        let measures = (0..u.int_in_range(0usize..=24)?)
            .map(|_| {
                Ok(Measure {
                    instrument: u.int_in_range(0..=n - 1)?,
                    bits: u.arbitrary()?,
                    float: float(u)?,
                    attributes: attributes(u, 3)?,
                })
            })
            .collect::<arbitrary::Result<Vec<_>>>()?;
        Ok(Script {
            options,
            temporality_delta,
            resource,
            scopes,
            specs,
            measures,
        })
    }
}

fn run(script: Script) {
    let temporality = if script.temporality_delta {
        Temporality::Delta
    } else {
        Temporality::Cumulative
    };
    let reader = SharedManualReader::with_temporality(temporality);
    let mut builder = SdkMeterProvider::builder()
        .with_resource(
            Resource::builder_empty()
                .with_attributes(script.resource.clone())
                .build(),
        )
        .with_reader(reader.clone());
    for spec in &script.specs {
        if let Some((max_size, max_scale)) = spec.exponential {
            let name = spec.name.clone();
            builder = builder.with_view(move |i: &Instrument| {
                (i.name() == name.as_str()).then(|| {
                    Stream::builder()
                        .with_aggregation(Aggregation::Base2ExponentialHistogram {
                            max_size,
                            max_scale,
                            record_min_max: false,
                        })
                        .build()
                        .ok()
                })?
            });
        }
    }
    let provider = builder.build();
    let meters: Vec<_> = script
        .scopes
        .iter()
        .map(|s| {
            let mut b =
                InstrumentationScope::builder(s.name.clone()).with_attributes(s.attributes.clone());
            if let Some(v) = &s.version {
                b = b.with_version(v.clone());
            }
            if let Some(v) = &s.schema_url {
                b = b.with_schema_url(v.clone());
            }
            provider.meter_with_scope(b.build())
        })
        .collect();

    // The SDK adds histogram sums with `+=` (an overflow panics with debug
    // assertions): integers that may end in a histogram are made small enough
    // that 24 of them cannot overflow.
    let histogram_like = |i: usize| {
        let spec = &script.specs[i];
        matches!(spec.kind, Kind::U64Histogram)
            || script
                .specs
                .iter()
                .any(|s| s.exponential.is_some() && s.name == spec.name)
    };
    // Observable instruments report every measurement aimed at them.
    let observed = |i: usize| -> Vec<(u64, f64, Vec<KeyValue>)> {
        script
            .measures
            .iter()
            .filter(|m| m.instrument == i)
            .map(|m| {
                let shift = if histogram_like(i) { 6 } else { 0 };
                (m.bits >> shift, m.float, m.attributes.clone())
            })
            .collect()
    };
    enum Sync {
        U64Counter(opentelemetry::metrics::Counter<u64>),
        F64Counter(opentelemetry::metrics::Counter<f64>),
        I64UpDown(opentelemetry::metrics::UpDownCounter<i64>),
        F64UpDown(opentelemetry::metrics::UpDownCounter<f64>),
        U64Gauge(opentelemetry::metrics::Gauge<u64>),
        I64Gauge(opentelemetry::metrics::Gauge<i64>),
        F64Gauge(opentelemetry::metrics::Gauge<f64>),
        U64Histogram(opentelemetry::metrics::Histogram<u64>),
        F64Histogram(opentelemetry::metrics::Histogram<f64>),
        Observable,
    }
    let mut keep_alive: Vec<Box<dyn std::any::Any>> = Vec::new();
    let instruments: Vec<Sync> = script
        .specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let meter = &meters[spec.scope];
            let name = spec.name.clone();
            let unit = spec.unit.clone().unwrap_or_default();
            let desc = spec.description.clone().unwrap_or_default();
            macro_rules! build {
                ($b:expr) => {
                    $b.with_unit(unit).with_description(desc)
                };
            }
            match spec.kind {
                Kind::U64Counter => Sync::U64Counter(build!(meter.u64_counter(name)).build()),
                Kind::F64Counter => Sync::F64Counter(build!(meter.f64_counter(name)).build()),
                Kind::I64UpDown => Sync::I64UpDown(build!(meter.i64_up_down_counter(name)).build()),
                Kind::F64UpDown => Sync::F64UpDown(build!(meter.f64_up_down_counter(name)).build()),
                Kind::U64Gauge => Sync::U64Gauge(build!(meter.u64_gauge(name)).build()),
                Kind::I64Gauge => Sync::I64Gauge(build!(meter.i64_gauge(name)).build()),
                Kind::F64Gauge => Sync::F64Gauge(build!(meter.f64_gauge(name)).build()),
                Kind::U64Histogram => {
                    let mut b = build!(meter.u64_histogram(name));
                    if let Some(bounds) = &spec.bounds {
                        b = b.with_boundaries(bounds.clone());
                    }
                    Sync::U64Histogram(b.build())
                }
                Kind::F64Histogram => {
                    let mut b = build!(meter.f64_histogram(name));
                    if let Some(bounds) = &spec.bounds {
                        b = b.with_boundaries(bounds.clone());
                    }
                    Sync::F64Histogram(b.build())
                }
                Kind::F64ObservableCounter => {
                    let obs = observed(i);
                    let c = build!(meter.f64_observable_counter(name))
                        .with_callback(move |o| {
                            for (_, f, a) in &obs {
                                o.observe(*f, a);
                            }
                        })
                        .build();
                    keep_alive.push(Box::new(c));
                    Sync::Observable
                }
                Kind::U64ObservableGauge => {
                    let obs = observed(i);
                    let g = build!(meter.u64_observable_gauge(name))
                        .with_callback(move |o| {
                            for (b, _, a) in &obs {
                                o.observe(*b, a);
                            }
                        })
                        .build();
                    keep_alive.push(Box::new(g));
                    Sync::Observable
                }
                Kind::I64ObservableUpDown => {
                    let obs = observed(i);
                    let c = build!(meter.i64_observable_up_down_counter(name))
                        .with_callback(move |o| {
                            for (b, _, a) in &obs {
                                o.observe(*b as i64 >> 6, a);
                            }
                        })
                        .build();
                    keep_alive.push(Box::new(c));
                    Sync::Observable
                }
            }
        })
        .collect();
    let record_all = || {
        for m in &script.measures {
            let a = &m.attributes;
            let shift = if histogram_like(m.instrument) { 6 } else { 0 };
            let (u, i) = (m.bits >> shift, (m.bits as i64) >> shift);
            match &instruments[m.instrument] {
                Sync::U64Counter(c) => c.add(u, a),
                Sync::F64Counter(c) => c.add(m.float, a),
                Sync::I64UpDown(c) => c.add(i, a),
                Sync::F64UpDown(c) => c.add(m.float, a),
                Sync::U64Gauge(g) => g.record(u, a),
                Sync::I64Gauge(g) => g.record(i, a),
                Sync::F64Gauge(g) => g.record(m.float, a),
                Sync::U64Histogram(h) => h.record(u, a),
                Sync::F64Histogram(h) => h.record(m.float, a),
                Sync::Observable => {}
            }
        }
    };
    record_all();
    let mut rm = ResourceMetrics::default();
    reader.collect(&mut rm).expect("collect");

    let escaping = script.options.escaping;
    let config = &script.options.config;
    let mut encoder = Encoder::new(config.clone());
    for format in FORMATS {
        let mut out = Vec::new();
        let stats = encoder.encode_with(&rm, format, escaping, &mut out);
        let mut again = Vec::new();
        encoder.encode_with(&rm, format, escaping, &mut again);
        assert_valid(&out, &again, &stats, format, escaping);
    }

    // The same measurements again: (mostly) the same shape with new values.
    // An encoder that encoded the first snapshot (and may replay it, see
    // `src/encode/replay.rs`) must write what a fresh encoder writes.
    record_all();
    let mut next = ResourceMetrics::default();
    reader.collect(&mut next).expect("collect");
    for format in FORMATS {
        let mut warm = Encoder::new(config.clone());
        warm.encode_with(&rm, format, escaping, &mut Vec::new());
        let mut got = Vec::new();
        let got_stats = warm.encode_with(&next, format, escaping, &mut got);
        let mut want = Vec::new();
        let want_stats = Encoder::new(config.clone()).encode_with(&next, format, escaping, &mut want);
        assert!(
            got == want,
            "{format:?}: a warm encoder wrote\n{}\na fresh one\n{}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want)
        );
        assert_eq!(got_stats, want_stats, "{format:?}: stats");
    }
    drop(keep_alive);
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(script) = Script::arbitrary(&mut u) {
        run(script);
    }
});
