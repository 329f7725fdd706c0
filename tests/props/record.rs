//! Recording a case through a real `SdkMeterProvider`, in the generated
//! order or another one.

use std::collections::HashMap;

use opentelemetry::metrics::{Counter, Gauge, Histogram, MeterProvider as _, UpDownCounter};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, Stream, Temporality};
use opentelemetry_sdk::Resource;

use crate::case::{value_of, Case, Kind, Val};
use crate::common::{provider_with, snapshot};
use crate::model::{series_key, SeriesKey};
use crate::tables::{BOUNDS, EXPO_CONFIGS, KEYS, NAMES, RESOURCE_KEYS, SCOPE_KEYS, UNITS};

pub enum Handle {
    U64Counter(Counter<u64>),
    F64Counter(Counter<f64>),
    I64UpDown(UpDownCounter<i64>),
    F64UpDown(UpDownCounter<f64>),
    U64Gauge(Gauge<u64>),
    I64Gauge(Gauge<i64>),
    F64Gauge(Gauge<f64>),
    U64Histogram(Histogram<u64>),
    F64Histogram(Histogram<f64>),
}

/// How the second recording of the same data differs from the first.
#[derive(Clone, Copy, Debug)]
pub struct Order {
    pub seed: u64,
}

impl Order {
    pub fn permutation(&self, n: usize, salt: u64) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        let mut x = self.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for i in (1..n).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.swap(i, (x % (i as u64 + 1)) as usize);
        }
        v
    }
}

pub fn record(case: &Case, order: Option<Order>) -> ResourceMetrics {
    let resource: Vec<KeyValue> = case
        .resource
        .iter()
        .map(|(k, v)| KeyValue::new(RESOURCE_KEYS[*k].0, v.clone()))
        .collect();
    // Exponential histograms through a view, matched by name and scope.
    let exponential: Vec<(String, String, (u32, i8))> = case
        .insts
        .iter()
        .filter(|i| i.kind == Kind::F64Exponential)
        .map(|i| {
            (
                NAMES[i.name].0.to_string(),
                case.scopes[i.scope].name.clone(),
                EXPO_CONFIGS[i.expo],
            )
        })
        .collect();
    let (provider, reader) = provider_with(
        Resource::builder_empty().with_attributes(resource).build(),
        Temporality::Cumulative,
        move |b| {
            b.with_view(move |i: &Instrument| {
                let (_, _, (max_size, max_scale)) = exponential
                    .iter()
                    .find(|(n, s, _)| i.name() == n && i.scope().name() == s)?;
                Some(
                    Stream::builder()
                        .with_aggregation(Aggregation::Base2ExponentialHistogram {
                            max_size: *max_size,
                            max_scale: *max_scale,
                            record_min_max: false,
                        })
                        .build()
                        .expect("valid stream"),
                )
            })
        },
    );
    let n_scopes = case.scopes.len();
    let scope_order = match order {
        Some(o) => o.permutation(n_scopes, 1),
        None => (0..n_scopes).collect(),
    };
    let mut meters = vec![None; n_scopes];
    for &s in &scope_order {
        let def = &case.scopes[s];
        let mut b = InstrumentationScope::builder(def.name.clone()).with_attributes(
            def.attributes
                .iter()
                .map(|(k, v)| KeyValue::new(SCOPE_KEYS[*k].0, v.clone())),
        );
        if let Some(v) = &def.version {
            b = b.with_version(v.clone());
        }
        if let Some(v) = &def.schema_url {
            b = b.with_schema_url(v.clone());
        }
        meters[s] = Some(provider.meter_with_scope(b.build()));
    }
    let n = case.insts.len();
    let inst_order = match order {
        Some(o) => o.permutation(n, 2),
        None => (0..n).collect(),
    };
    let mut handles: Vec<Option<Handle>> = (0..n).map(|_| None).collect();
    for &i in &inst_order {
        let inst = &case.insts[i];
        let meter = meters[inst.scope].as_ref().expect("meter");
        let name = NAMES[inst.name].0;
        let unit = UNITS[inst.unit].0;
        let desc = inst.description.clone();
        macro_rules! build {
            ($m:ident) => {
                meter
                    .$m(name)
                    .with_unit(unit)
                    .with_description(desc)
                    .build()
            };
        }
        let bounds = BOUNDS[inst.bounds].map(|b| b.to_vec());
        handles[i] = Some(match inst.kind {
            Kind::U64Counter => Handle::U64Counter(build!(u64_counter)),
            Kind::F64Counter => Handle::F64Counter(build!(f64_counter)),
            Kind::I64UpDown => Handle::I64UpDown(build!(i64_up_down_counter)),
            Kind::F64UpDown => Handle::F64UpDown(build!(f64_up_down_counter)),
            Kind::U64Gauge => Handle::U64Gauge(build!(u64_gauge)),
            Kind::I64Gauge => Handle::I64Gauge(build!(i64_gauge)),
            Kind::F64Gauge => Handle::F64Gauge(build!(f64_gauge)),
            Kind::U64Histogram => {
                let mut b = meter
                    .u64_histogram(name)
                    .with_unit(unit)
                    .with_description(desc);
                if let Some(bounds) = bounds {
                    b = b.with_boundaries(bounds);
                }
                Handle::U64Histogram(b.build())
            }
            Kind::F64Histogram | Kind::F64Exponential => {
                let mut b = meter
                    .f64_histogram(name)
                    .with_unit(unit)
                    .with_description(desc);
                if let (Some(bounds), Kind::F64Histogram) = (bounds, inst.kind) {
                    b = b.with_boundaries(bounds);
                }
                Handle::F64Histogram(b.build())
            }
        });
    }
    for i in recording_order(case, order) {
        let rec = &case.recs[i];
        let mut attrs: Vec<KeyValue> = case.sets[rec.set]
            .iter()
            .map(|(k, v)| KeyValue::new(KEYS[*k].0, v.value()))
            .collect();
        if order.is_some() {
            attrs.reverse();
        }
        let v = value_of(case, rec);
        match (handles[rec.inst].as_ref().expect("handle"), v) {
            (Handle::U64Counter(h), Val::U(x)) => h.add(x, &attrs),
            (Handle::F64Counter(h), Val::F(x)) => h.add(x, &attrs),
            (Handle::I64UpDown(h), Val::I(x)) => h.add(x, &attrs),
            (Handle::F64UpDown(h), Val::F(x)) => h.add(x, &attrs),
            (Handle::U64Gauge(h), Val::U(x)) => h.record(x, &attrs),
            (Handle::I64Gauge(h), Val::I(x)) => h.record(x, &attrs),
            (Handle::F64Gauge(h), Val::F(x)) => h.record(x, &attrs),
            (Handle::U64Histogram(h), Val::U(x)) => h.record(x, &attrs),
            (Handle::F64Histogram(h), Val::F(x)) => h.record(x, &attrs),
            _ => unreachable!("value type follows the kind"),
        }
    }
    snapshot(&reader)
}

/// The recording order: as generated, or shuffled while every gauge series
/// keeps the relative order of its own measurements (its last value).
pub fn recording_order(case: &Case, order: Option<Order>) -> Vec<usize> {
    let n = case.recs.len();
    let Some(order) = order else {
        return (0..n).collect();
    };
    let mut shuffled = order.permutation(n, 3);
    let mut slots: HashMap<SeriesKey, Vec<usize>> = HashMap::new();
    for (pos, &r) in shuffled.iter().enumerate() {
        if case.insts[case.recs[r].inst].kind.gauge() {
            slots.entry(series_key(case, r)).or_default().push(pos);
        }
    }
    for positions in slots.values() {
        let mut recs: Vec<usize> = positions.iter().map(|&p| shuffled[p]).collect();
        recs.sort_unstable();
        for (&p, r) in positions.iter().zip(recs) {
            shuffled[p] = r;
        }
    }
    shuffled
}
