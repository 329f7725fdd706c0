//! Property tests: generated instrument sets recorded through a real
//! `SdkMeterProvider`, encoded in both formats, every escaping scheme and
//! several configs, parsed back by the strict checker and compared with an
//! independent model of what was recorded (sums per attribute set, last
//! gauge values, bucket counts computed from the recorded values).
//!
//! Expected names come from hand-written tables (the compatibility
//! specification's name, unit and label rules) and a small implementation of
//! Prometheus' escaping schemes; nothing expected is taken from the encoder's
//! own output.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use opentelemetry::metrics::{Counter, Gauge, Histogram, MeterProvider as _, UpDownCounter};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, Stream, Temporality};
use opentelemetry_sdk::Resource;
use otel_expfmt::check::{check_with, Exposition, MetricType, NativeHistogram};
use otel_expfmt::{
    Config, DropReason, EncodeStats, Escaping, Format, RenameReason, TranslationStrategy,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---- tables: inputs and their expected translations, written by hand ------

/// Instrument names and their form under the escaping strategies (N-2, N-3:
/// characters outside `[A-Za-z0-9:]` separate tokens, `_` prefixed to a
/// leading digit).
const NAMES: &[(&str, &str)] = &[
    ("requests", "requests"),
    ("http.server.duration", "http_server_duration"),
    ("queue-depth", "queue_depth"),
    ("a.b", "a_b"),
    ("a/b", "a_b"),
    ("a_b", "a_b"),
    ("jobs", "jobs"),
    ("jobs_total", "jobs_total"),
    ("2xx.count", "_2xx_count"),
    ("ünï.x", "n_x"),
    ("h", "h"),
    ("h_count", "h_count"),
];

/// UCUM units and their words (U-1..U-4); `furlong` is unknown and kept.
const UNITS: &[(&str, &str)] = &[
    ("", ""),
    ("s", "seconds"),
    ("ms", "milliseconds"),
    ("By", "bytes"),
    ("KiBy", "kibibytes"),
    ("By/s", "bytes_per_second"),
    ("{request}", ""),
    ("1", ""),
    ("%", "percent"),
    ("Cel", "celsius"),
    ("m/s", "meters_per_second"),
    ("furlong", "furlong"),
];

/// Attribute keys and their label names under the escaping strategies (L-2,
/// and the crate's documented `key` prefix for a leading `_` or digit).
const KEYS: &[(&str, &str)] = &[
    ("method", "method"),
    ("http.route", "http_route"),
    ("a.b", "a_b"),
    ("a/b", "a_b"),
    ("a_b", "a_b"),
    ("le", "le"),
    ("ünï", "key_n_"),
    ("2xx", "key_2xx"),
    ("Status Code", "Status_Code"),
    ("_hidden", "key_hidden"),
    ("__tenant__", "key_tenant_"),
    // Two keys that escape to one name under every scheme but `values`.
    ("ключ", "key_"),
    ("слов", "key_"),
];

/// Scope attribute keys and their `otel_scope_` labels (escaping strategies).
const SCOPE_KEYS: &[(&str, &str)] = &[
    ("team", "otel_scope_team"),
    ("region.zone", "otel_scope_region_zone"),
];

/// Resource attribute keys and their `target_info` labels (escaping strategies).
const RESOURCE_KEYS: &[(&str, &str)] = &[("service.name", "service_name"), ("host.id", "host_id")];

/// Histogram bounds: SDK default, empty, one, negative, several (all dyadic,
/// so sums stay exact in any order).
const BOUNDS: &[Option<&[f64]>] = &[
    None,
    Some(&[]),
    Some(&[1.0]),
    Some(&[-5.0, -1.0, 0.0, 2.5]),
    Some(&[-1024.0, -0.5]),
    Some(&[0.125, 0.5, 1.0, 1024.0]),
];

const SDK_DEFAULT_BOUNDS: &[f64] = &[
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

/// Exponents for f64 sum values `k * 2^e` (`k < 2^20`): subnormal, small,
/// plain and huge, every sum exact.
const F64_EXPONENTS: &[i32] = &[-1060, -3, 0, 900];

/// Exponential aggregations as (max_size, max_scale): the SDK defaults, a
/// coarse fixed scale, and bucket limits small enough to push the scale
/// below zero (down to the SDK's minimum, -10). A `max_size` below 3 would
/// let the SDK drop values that fit no bucket even at scale -10.
const EXPO_CONFIGS: &[(u32, i8)] = &[(160, 20), (160, 0), (8, 20), (4, 20), (3, 5)];

const ESCAPINGS: [Escaping; 4] = [
    Escaping::Underscores,
    Escaping::AllowUtf8,
    Escaping::Dots,
    Escaping::Values,
];

const FORMATS: [Format; 3] = [
    Format::PrometheusText,
    Format::OpenMetrics,
    Format::PrometheusProtobuf,
];

// ---- the configurations under test ------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cfg {
    Default,
    NoScope,
    Utf8,
    NoSuffixes,
}

const CFGS: [Cfg; 4] = [Cfg::Default, Cfg::NoScope, Cfg::Utf8, Cfg::NoSuffixes];

impl Cfg {
    fn config(self) -> Config {
        match self {
            Cfg::Default => Config::default(),
            Cfg::NoScope => Config::default().without_scope_info(),
            Cfg::Utf8 => Config::default()
                .with_translation_strategy(TranslationStrategy::NoUtf8EscapingWithSuffixes),
            Cfg::NoSuffixes => Config::default()
                .with_translation_strategy(TranslationStrategy::UnderscoreEscapingWithoutSuffixes),
        }
    }
    fn escapes(self) -> bool {
        self != Cfg::Utf8
    }
    fn suffixes(self) -> bool {
        self != Cfg::NoSuffixes
    }
    fn scope_info(self) -> bool {
        self != Cfg::NoScope
    }
}

// ---- Prometheus' escaping schemes, written from their rules ----

fn legal(c: char, first: bool, label: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!label && c == ':') || (!first && c.is_ascii_digit())
}

fn is_legacy(name: &str, label: bool) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => legal(c, true, label) && chars.all(|c| legal(c, false, label)),
        None => false,
    }
}

/// A UTF-8 name as written on the wire with `escaping` (the checker gives
/// quoted names back unquoted, so `AllowUtf8` is the name itself).
fn escape(name: &str, escaping: Escaping, label: bool) -> String {
    if is_legacy(name, label) || escaping == Escaping::AllowUtf8 {
        return name.to_string();
    }
    let mut out = String::new();
    match escaping {
        Escaping::Underscores => {
            for (i, c) in name.chars().enumerate() {
                out.push(if legal(c, i == 0, label) { c } else { '_' });
            }
        }
        // Go (and this crate) write `__` for other characters (C-9 ⚠).
        Escaping::Dots => {
            for (i, c) in name.chars().enumerate() {
                match c {
                    '.' => out.push_str("_dot_"),
                    '_' => out.push_str("__"),
                    c if legal(c, i == 0, label) => out.push(c),
                    _ => out.push_str("__"),
                }
            }
        }
        // Lowercase hex as Go; a leading digit is kept after `U__`.
        _ => {
            out.push_str("U__");
            for c in name.chars() {
                match c {
                    '_' => out.push_str("__"),
                    c if legal(c, false, label) => out.push(c),
                    c => out.push_str(&format!("_{:x}_", c as u32)),
                }
            }
        }
    }
    out
}

// ---- the generated case --------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    F64Exponential,
}

const KINDS: [Kind; 10] = [
    Kind::U64Counter,
    Kind::F64Counter,
    Kind::I64UpDown,
    Kind::F64UpDown,
    Kind::U64Gauge,
    Kind::I64Gauge,
    Kind::F64Gauge,
    Kind::U64Histogram,
    Kind::F64Histogram,
    Kind::F64Exponential,
];

impl Kind {
    fn counter(self) -> bool {
        matches!(self, Kind::U64Counter | Kind::F64Counter)
    }
    fn histogram(self) -> bool {
        matches!(
            self,
            Kind::U64Histogram | Kind::F64Histogram | Kind::F64Exponential
        )
    }
    fn gauge(self) -> bool {
        matches!(self, Kind::U64Gauge | Kind::I64Gauge | Kind::F64Gauge)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum AttrValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl AttrValue {
    fn value(&self) -> opentelemetry::Value {
        match self {
            AttrValue::Str(s) => s.clone().into(),
            AttrValue::Int(i) => (*i).into(),
            AttrValue::Bool(b) => (*b).into(),
        }
    }
    /// The label value (L-1).
    fn text(&self) -> String {
        match self {
            AttrValue::Str(s) => s.clone(),
            AttrValue::Int(i) => i.to_string(),
            AttrValue::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
struct ScopeDef {
    name: String,
    version: Option<String>,
    schema_url: Option<String>,
    attributes: Vec<(usize, String)>,
}

#[derive(Clone, Debug)]
struct Inst {
    scope: usize,
    kind: Kind,
    name: usize,
    unit: usize,
    description: String,
    bounds: usize,
    exponent: i32,
    /// Index into `EXPO_CONFIGS` (exponential histograms only).
    expo: usize,
}

/// One measurement: instrument, attribute set, and raw bits turned into a
/// value by the instrument's kind.
#[derive(Clone, Debug)]
struct Rec {
    inst: usize,
    set: usize,
    pick: u8,
    bits: u64,
}

#[derive(Clone, Debug)]
struct Case {
    resource: Vec<(usize, String)>,
    scopes: Vec<ScopeDef>,
    insts: Vec<Inst>,
    /// Attribute sets: distinct keys (indexes into KEYS) with values.
    sets: Vec<Vec<(usize, AttrValue)>>,
    recs: Vec<Rec>,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "(?s).{0,12}",
        1 => Just(String::new()),
        1 => Just("quote\" backslash\\ newline\n tab\t end".to_string()),
        1 => "[\"\\\\\n]{1,6}",
        1 => Just("é\u{1F600}".repeat(700)),
    ]
}

fn attr_value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        6 => text().prop_map(AttrValue::Str),
        1 => any::<i64>().prop_map(AttrValue::Int),
        1 => any::<bool>().prop_map(AttrValue::Bool),
    ]
}

fn keyed(max_key: usize, max: usize) -> impl Strategy<Value = Vec<(usize, String)>> {
    proptest::collection::vec((0..max_key, text()), 0..=max).prop_map(|mut v| {
        let mut seen = HashSet::new();
        v.retain(|(k, _)| seen.insert(*k));
        v
    })
}

fn case() -> impl Strategy<Value = Case> {
    let scope = (
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        keyed(SCOPE_KEYS.len(), 2),
    )
        .prop_map(|(name, version, schema_url, attributes)| ScopeDef {
            name,
            version,
            schema_url,
            attributes,
        });
    let inst = (
        0..3usize,
        0..KINDS.len(),
        0..NAMES.len(),
        0..UNITS.len(),
        prop_oneof![2 => Just(String::new()), 3 => text()],
        0..BOUNDS.len(),
        0..F64_EXPONENTS.len(),
        0..EXPO_CONFIGS.len(),
    );
    let set = proptest::collection::vec((0..KEYS.len(), attr_value()), 0..=4);
    let rec = (0..8usize, 0..4usize, any::<u8>(), any::<u64>());
    (
        keyed(RESOURCE_KEYS.len(), 2),
        proptest::collection::vec(scope, 1..=3),
        proptest::collection::vec(inst, 1..=7),
        proptest::collection::vec(set, 1..=4),
        proptest::collection::vec(rec, 0..=24),
    )
        .prop_map(|(resource, mut scopes, insts, sets, recs)| {
            // Distinct scope names (one meter per scope).
            let mut names = HashSet::new();
            scopes.retain(|s| names.insert(s.name.clone()));
            // One instrument per (scope, name): the SDK merges the rest.
            let mut seen = HashSet::new();
            let insts: Vec<Inst> = insts
                .into_iter()
                .map(
                    |(scope, kind, name, unit, description, bounds, e, expo)| Inst {
                        scope: scope % scopes.len(),
                        kind: KINDS[kind],
                        name,
                        unit,
                        description,
                        bounds,
                        exponent: F64_EXPONENTS[e],
                        expo,
                    },
                )
                .filter(|i| seen.insert((i.scope, i.name)))
                .collect();
            let sets: Vec<Vec<(usize, AttrValue)>> = sets
                .into_iter()
                .map(|mut s| {
                    let mut keys = HashSet::new();
                    s.retain(|(k, _)| keys.insert(*k));
                    s
                })
                .collect();
            let recs = recs
                .into_iter()
                .map(|(inst, set, pick, bits)| Rec {
                    inst: inst % insts.len(),
                    set: set % sets.len(),
                    pick,
                    bits,
                })
                .collect();
            Case {
                resource,
                scopes,
                insts,
                sets,
                recs,
            }
        })
}

// ---- values --------------------------------------------------------------------

/// `2^e`, exactly (subnormal included).
fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    U(u64),
    I(i64),
    F(f64),
}

fn value_of(case: &Case, rec: &Rec) -> Val {
    let inst = &case.insts[rec.inst];
    let b = rec.bits;
    let dyadic = |e: i32| ((b % (1 << 20)) as f64) * pow2(e);
    match inst.kind {
        Kind::U64Counter => Val::U(match rec.pick % 4 {
            0 => 0,
            1 => b % 1000,
            2 => b >> 8,
            _ => 1,
        }),
        Kind::F64Counter => Val::F(if rec.pick % 4 == 0 {
            0.0
        } else {
            dyadic(inst.exponent)
        }),
        Kind::I64UpDown => Val::I(match rec.pick % 4 {
            0 => 0,
            1 => (b as i64) >> 8,
            2 => -((b % 100) as i64),
            _ => (b % 100) as i64,
        }),
        Kind::F64UpDown => {
            let v = dyadic(inst.exponent);
            Val::F(if rec.pick % 2 == 0 { v } else { -v })
        }
        Kind::U64Gauge => Val::U(match rec.pick % 4 {
            0 => 0,
            1 => u64::MAX,
            2 => b,
            _ => b % 10,
        }),
        Kind::I64Gauge => Val::I(match rec.pick % 5 {
            0 => i64::MIN,
            1 => i64::MAX,
            2 => b as i64,
            3 => 0,
            _ => -1,
        }),
        Kind::F64Gauge => Val::F(match rec.pick % 8 {
            0 => f64::from_bits(b),
            1 => 5e-324,
            2 => f64::MAX,
            3 => -0.0,
            4 => 1e-300,
            5 => 0.1,
            6 => -f64::MAX,
            _ => 123456789.125,
        }),
        Kind::U64Histogram => Val::U(match rec.pick % 3 {
            0 => 0,
            1 => b % 20,
            _ => b >> 8,
        }),
        Kind::F64Histogram => {
            let bounds = bounds_of(inst);
            Val::F(match rec.pick % 4 {
                0 => 0.0,
                1 => dyadic(-3),
                2 if !bounds.is_empty() => bounds[(b % bounds.len() as u64) as usize],
                _ => -dyadic(-3),
            })
        }
        Kind::F64Exponential => {
            // Zero, exact powers of two (a bucket boundary at every scale)
            // and values between boundaries, over 30 octaves (enough for a
            // small `max_size` to push the scale below zero). Sums stay exact
            // in any order: 12-bit mantissas, 2^-22 to 2^21.
            let k = (b % 31) as i32 - 10;
            let v = match (rec.pick / 2) % 4 {
                0 => 0.0,
                1 => pow2(k),
                2 => 1.5 * pow2(k),
                _ => (1.0 + ((b >> 8) % (1 << 12)) as f64 / (1 << 12) as f64) * pow2(k),
            };
            Val::F(if rec.pick % 2 == 0 { v } else { -v })
        }
    }
}

fn bounds_of(inst: &Inst) -> &'static [f64] {
    BOUNDS[inst.bounds].unwrap_or(SDK_DEFAULT_BOUNDS)
}

fn as_f64(v: Val) -> f64 {
    match v {
        Val::U(u) => u as f64,
        Val::I(i) => i as f64,
        Val::F(f) => f,
    }
}

// ---- recording through the SDK ---------------------------------------------------

enum Handle {
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
struct Order {
    seed: u64,
}

impl Order {
    fn permutation(&self, n: usize, salt: u64) -> Vec<usize> {
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

fn record(case: &Case, order: Option<Order>) -> ResourceMetrics {
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
fn recording_order(case: &Case, order: Option<Order>) -> Vec<usize> {
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

// ---- the model of what was recorded -----------------------------------------------

/// A series as the SDK aggregates it: instrument and attribute set content.
type SeriesKey = (usize, Vec<(usize, String)>);

fn series_key(case: &Case, rec: usize) -> SeriesKey {
    let r = &case.recs[rec];
    let mut attrs: Vec<(usize, String)> = case.sets[r.set]
        .iter()
        .map(|(k, v)| (*k, format!("{v:?}")))
        .collect();
    attrs.sort();
    (r.inst, attrs)
}

#[derive(Clone, Debug)]
enum Expected {
    U(u64),
    I(i64),
    F(f64),
    Histogram {
        values: Vec<f64>,
        sum: Val,
        bounds: Option<&'static [f64]>,
    },
}

#[derive(Clone, Debug)]
struct ModelSeries {
    inst: usize,
    attrs: Vec<(usize, AttrValue)>,
    value: Expected,
}

fn model(case: &Case) -> Vec<ModelSeries> {
    let mut index: HashMap<SeriesKey, usize> = HashMap::new();
    let mut out: Vec<ModelSeries> = Vec::new();
    for (r, rec) in case.recs.iter().enumerate() {
        let inst = &case.insts[rec.inst];
        let v = value_of(case, rec);
        // The SDK ignores NaN and infinite measurements.
        if !as_f64(v).is_finite() {
            continue;
        }
        let key = series_key(case, r);
        let at = *index.entry(key).or_insert_with(|| {
            out.push(ModelSeries {
                inst: rec.inst,
                attrs: case.sets[rec.set].clone(),
                value: match inst.kind {
                    k if k.histogram() => Expected::Histogram {
                        values: Vec::new(),
                        sum: match k {
                            Kind::U64Histogram => Val::U(0),
                            _ => Val::F(0.0),
                        },
                        bounds: match k {
                            Kind::F64Exponential => None,
                            _ => Some(bounds_of(inst)),
                        },
                    },
                    _ => match v {
                        Val::U(_) => Expected::U(0),
                        Val::I(_) => Expected::I(0),
                        Val::F(_) => Expected::F(0.0),
                    },
                },
            });
            out.len() - 1
        });
        let gauge = inst.kind.gauge();
        match (&mut out[at].value, v) {
            (Expected::U(s), Val::U(x)) => *s = if gauge { x } else { *s + x },
            (Expected::I(s), Val::I(x)) => *s = if gauge { x } else { *s + x },
            (Expected::F(s), Val::F(x)) => *s = if gauge { x } else { *s + x },
            (Expected::Histogram { values, sum, .. }, x) => {
                values.push(as_f64(x));
                *sum = match (*sum, x) {
                    (Val::U(a), Val::U(b)) => Val::U(a + b),
                    (Val::F(a), Val::F(b)) => Val::F(a + b),
                    _ => unreachable!(),
                };
            }
            _ => unreachable!("value type follows the kind"),
        }
    }
    out
}

/// The metric name before the negotiated escaping (N-2..N-9).
fn metric_name(cfg: Cfg, inst: &Inst) -> String {
    let (raw, sanitized) = NAMES[inst.name];
    let word = UNITS[inst.unit].1;
    let mut n = if cfg.escapes() { sanitized } else { raw }.to_string();
    if cfg.suffixes() {
        if inst.kind.counter() && n.ends_with("_total") {
            n.truncate(n.len() - "_total".len());
        }
        if !word.is_empty() && n != word && !n.ends_with(&format!("_{word}")) {
            n.push('_');
            n.push_str(word);
        }
        if inst.kind.counter() {
            n.push_str("_total");
        }
    }
    n
}

/// A label name for an attribute or scope key, on the wire.
fn label_name(cfg: Cfg, escaping: Escaping, raw: &str, sanitized: &str) -> String {
    wire_label_name(cfg, escaping, raw, sanitized).0
}

/// The label name for attribute key `raw`, and whether it got the `key`
/// prefix that keeps final names from starting with `_` (reserved by
/// OpenMetrics, `__` by Prometheus).
fn wire_label_name(cfg: Cfg, escaping: Escaping, raw: &str, sanitized: &str) -> (String, bool) {
    let name = if cfg.escapes() {
        sanitized.to_string()
    } else {
        escape(raw, escaping, true)
    };
    if name.starts_with('_') {
        (format!("key{name}"), true)
    } else {
        (name, false)
    }
}

type Labels = Vec<(String, String)>;

/// Labels as Prometheus stores them: an empty value is no label at all;
/// values of labels with one name are joined with `;` in the order of
/// their original keys.
fn merge(mut labels: Vec<(String, String, String)>) -> (Labels, bool) {
    labels.retain(|(_, _, value)| !value.is_empty());
    labels.sort();
    let mut out: Labels = Vec::new();
    let mut merged = false;
    for (name, _, value) in labels {
        match out.last_mut() {
            Some((n, v)) if *n == name => {
                v.push(';');
                v.push_str(&value);
                merged = true;
            }
            _ => out.push((name, value)),
        }
    }
    (out, merged)
}

fn expected_labels(
    case: &Case,
    cfg: Cfg,
    escaping: Escaping,
    series: &ModelSeries,
) -> (Labels, bool) {
    let inst = &case.insts[series.inst];
    let mut labels = Vec::new();
    for (k, v) in &series.attrs {
        let (raw, sanitized) = KEYS[*k];
        let mut name = label_name(cfg, escaping, raw, sanitized);
        if inst.kind.histogram() && name == "le" {
            name = "exported_le".to_string();
        }
        labels.push((name, raw.to_string(), v.text()));
    }
    if cfg.scope_info() {
        let scope = &case.scopes[inst.scope];
        for (label, value) in [
            ("otel_scope_name", Some(&scope.name)),
            ("otel_scope_version", scope.version.as_ref()),
            ("otel_scope_schema_url", scope.schema_url.as_ref()),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                labels.push((label.to_string(), label.to_string(), v.clone()));
            }
        }
        for (k, v) in &scope.attributes {
            let (raw, sanitized) = SCOPE_KEYS[*k];
            let prefixed = format!("otel_scope_{raw}");
            labels.push((
                label_name(cfg, escaping, &prefixed, sanitized),
                prefixed,
                v.clone(),
            ));
        }
    }
    merge(labels)
}

// ---- reading the output back ------------------------------------------------------------

#[derive(Debug)]
struct Out {
    name: String,
    labels: Labels,
    le: Option<String>,
    value_text: String,
    histogram: bool,
    native: Option<NativeHistogram>,
    used: bool,
}

fn samples(exposition: &Exposition) -> Vec<Out> {
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

fn float_matches(text: &str, want: f64) -> bool {
    match text.parse::<f64>() {
        Ok(got) if want == 0.0 => got == 0.0,
        Ok(got) => got.to_bits() == want.to_bits(),
        Err(_) => false,
    }
}

/// Whether a written value is the recorded one: integers exactly in the
/// text formats; in protobuf, whose values are doubles, as the double
/// Prometheus stores for them.
fn value_matches(text: &str, want: &Expected, pb: bool) -> bool {
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
fn native_matches(h: &NativeHistogram, values: &[f64], sum: f64) -> bool {
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
fn occupied(name: &str) -> HashSet<String> {
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
fn related(a: &str, b: &str) -> bool {
    !occupied(a).is_disjoint(&occupied(b))
}

const SERIES_DROPS: [DropReason; 7] = [
    DropReason::DeltaTemporality,
    DropReason::InvalidName,
    DropReason::TypeConflict,
    DropReason::NameClash,
    DropReason::DuplicateSeries,
    DropReason::ExponentialHistogram,
    DropReason::InvalidCounterValue,
];

/// Checks one encoding against the model.
fn verify(
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

static KEPT: AtomicUsize = AtomicUsize::new(0);

fn encode_all(rm: &ResourceMetrics) -> Vec<(Cfg, Format, Escaping, Vec<u8>, EncodeStats)> {
    let mut all = Vec::new();
    for cfg in CFGS {
        for format in FORMATS {
            for escaping in ESCAPINGS {
                let (body, stats) = encode_bytes(cfg.config(), rm, format, escaping);
                all.push((cfg, format, escaping, body, stats));
            }
        }
    }
    all
}

fn run_case(case: &Case, seed: u64) -> Result<(), TestCaseError> {
    let rm = record(case, None);
    let series = model(case);
    let first = encode_all(&rm);
    for (cfg, format, escaping, text, stats) in &first {
        verify(case, &series, *cfg, *format, *escaping, text, stats)
            .map_err(|e| TestCaseError::fail(format!("{cfg:?} {format:?} {escaping:?}: {e}")))?;
    }
    // Encoding twice gives the same bytes.
    prop_assert!(encode_all(&rm)
        .iter()
        .zip(&first)
        .all(|(a, b)| a.3 == b.3 && a.4 == b.4));
    // The same data recorded in another order gives the same bytes (in
    // protobuf, the same content but for the created timestamps: they are
    // the start times of another provider).
    let again = encode_all(&record(case, Some(Order { seed })));
    for (a, b) in again.iter().zip(&first) {
        if a.1 == Format::PrometheusProtobuf {
            let without_created = |body: &[u8]| {
                let mut e = check_with(body, a.1, a.2).expect("checked above");
                for f in &mut e.families {
                    for s in &mut f.samples {
                        s.created = None;
                    }
                }
                e
            };
            prop_assert_eq!(
                without_created(&a.3),
                without_created(&b.3),
                "{:?} {:?} {:?}: order changed the output",
                a.0,
                a.1,
                a.2
            );
            continue;
        }
        prop_assert_eq!(
            &a.3,
            &b.3,
            "{:?} {:?} {:?}: order changed the output",
            a.0,
            a.1,
            a.2
        );
    }
    let n = KEPT.fetch_add(1, Ordering::Relaxed);
    if n < 5 {
        for (cfg, format, escaping, text, _) in &first {
            if *cfg == Cfg::Default && *escaping == Escaping::Underscores {
                keep_bytes(&format!("props_{n}"), *format, *escaping, text);
            }
            if *cfg == Cfg::Utf8 && *escaping == Escaping::AllowUtf8 {
                keep_bytes(&format!("props_{n}"), *format, *escaping, text);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(96),
        max_shrink_iters: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sdk_recordings_come_back_exactly(case in case(), seed in any::<u64>()) {
        run_case(&case, seed)?;
    }
}

// ---- arbitrary names ------------------------------------------------------------------

/// Any UTF-8 instrument name (name validation is disabled for tests), any
/// ASCII unit the SDK accepts (at most 63 characters).
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "(?s).{0,16}",
        1 => Just(String::new()),
        1 => "[_.:/ 0-9-]{1,6}",
        1 => "[a-z]{1,4}(_total|_count|_sum|_bucket|_created|_info)",
        1 => Just("target_info".to_string()),
        1 => Just("\u{1F600}.😀".repeat(40)),
    ]
}

fn any_unit() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (0..UNITS.len()).prop_map(|i| UNITS[i].0.to_string()),
        1 => "[ -~]{0,63}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Instruments with arbitrary names and units, one series each, told
    /// apart by an `inst` attribute: every output passes the checker, and each
    /// series is written once with its value or counted as dropped.
    #[test]
    fn arbitrary_names_are_written_or_accounted_for(
        insts in proptest::collection::vec(
            (any_name(), any_unit(), 0..KINDS.len(), any::<u32>(), text()),
            1..=6,
        ),
    ) {
        let (provider, reader) = provider();
        let meter = provider.meter("app");
        let mut expected = Vec::new();
        let mut seen = HashSet::new();
        for (i, (name, unit, kind, v, description)) in insts.iter().enumerate() {
            // One instrument per name: the SDK merges identical ones.
            if !seen.insert(name.to_lowercase()) {
                continue;
            }
            let attrs = [KeyValue::new("inst", i.to_string())];
            let v = u64::from(*v);
            let kind = KINDS[*kind];
            macro_rules! b {
                ($m:ident) => {
                    meter
                        .$m(name.clone())
                        .with_unit(unit.clone())
                        .with_description(description.clone())
                        .build()
                };
            }
            match kind {
                Kind::U64Counter => b!(u64_counter).add(v, &attrs),
                Kind::F64Counter => b!(f64_counter).add(v as f64 / 4.0, &attrs),
                Kind::I64UpDown => b!(i64_up_down_counter).add(-(v as i64), &attrs),
                Kind::F64UpDown => b!(f64_up_down_counter).add(v as f64 / -8.0, &attrs),
                Kind::U64Gauge => b!(u64_gauge).record(v, &attrs),
                Kind::I64Gauge => b!(i64_gauge).record(v as i64, &attrs),
                Kind::F64Gauge => b!(f64_gauge).record(v as f64 * 1e290, &attrs),
                Kind::U64Histogram => b!(u64_histogram).record(v, &attrs),
                Kind::F64Histogram | Kind::F64Exponential => {
                    b!(f64_histogram).record(v as f64 / 2.0, &attrs)
                }
            }
            let value = match kind {
                Kind::U64Counter | Kind::U64Gauge => v.to_string(),
                Kind::I64UpDown => (-(v as i64)).to_string(),
                Kind::I64Gauge => v.to_string(),
                Kind::F64Counter => format!("{}", v as f64 / 4.0),
                Kind::F64UpDown => format!("{}", v as f64 / -8.0),
                Kind::F64Gauge => format!("{}", v as f64 * 1e290),
                _ => String::new(),
            };
            expected.push((i.to_string(), kind.histogram(), value));
        }
        let rm = snapshot(&reader);
        for cfg in CFGS {
            for format in FORMATS {
                for escaping in ESCAPINGS {
                    let (body, stats) = encode_bytes(cfg.config(), &rm, format, escaping);
                    let text = &*String::from_utf8_lossy(&body);
                    let exposition = check_with(&body, format, escaping)
                        .map_err(|e| TestCaseError::fail(format!(
                            "{cfg:?} {format:?} {escaping:?}: checker: {e}\n{text}"
                        )))?;
                    let (again, _) = encode_bytes(cfg.config(), &rm, format, escaping);
                    prop_assert_eq!(&again, &body);
                    let mut present = 0u64;
                    for (id, histogram, value) in &expected {
                        let hits: Vec<_> = exposition
                            .families
                            .iter()
                            .flat_map(|f| f.samples.iter())
                            .filter(|s| {
                                s.labels.iter().any(|(n, v)| n == "inst" && v == id)
                                    && (!histogram || s.name.ends_with("_count")
                                        || s.name.ends_with("_bucket"))
                            })
                            .collect();
                        if hits.is_empty() {
                            continue;
                        }
                        present += 1;
                        if *histogram {
                            // One +Inf bucket holding the one observation.
                            let inf: Vec<_> = hits
                                .iter()
                                .filter(|s| s.labels.iter().any(|(n, v)| n == "le" && v == "+Inf"))
                                .collect();
                            prop_assert_eq!(inf.len(), 1, "{}\n{}", id, text);
                            prop_assert_eq!(&inf[0].value_text, "1");
                        } else {
                            prop_assert_eq!(hits.len(), 1, "{}\n{}", id, text);
                            let got = &hits[0].value_text;
                            let want: f64 = value.parse().unwrap();
                            prop_assert!(
                                got == value || float_matches(got, want),
                                "{cfg:?} {format:?} {escaping:?} inst {id}: {got} != {value}\n{text}"
                            );
                        }
                    }
                    let drops: u64 = SERIES_DROPS.iter().map(|&r| stats.dropped(r)).sum();
                    prop_assert_eq!(
                        expected.len() as u64,
                        present + drops,
                        "{:?} {:?} {:?}: {:?}\n{}",
                        cfg,
                        format,
                        escaping,
                        stats,
                        text
                    );
                    prop_assert_eq!(stats.series, present);
                    prop_assert_eq!(stats.families, exposition.families.len() as u64);
                }
            }
        }
    }
}
