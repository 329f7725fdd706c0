//! The generated case (scopes, instruments, attribute sets and
//! measurements, as indexes into the tables) and the value each
//! measurement records.

use std::collections::HashSet;

use proptest::prelude::*;

use crate::tables::{
    BOUNDS, EXPO_CONFIGS, F64_EXPONENTS, KEYS, NAMES, RESOURCE_KEYS, SCOPE_KEYS,
    SDK_DEFAULT_BOUNDS, UNITS,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
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

pub const KINDS: [Kind; 10] = [
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
    pub fn counter(self) -> bool {
        matches!(self, Kind::U64Counter | Kind::F64Counter)
    }
    pub fn histogram(self) -> bool {
        matches!(
            self,
            Kind::U64Histogram | Kind::F64Histogram | Kind::F64Exponential
        )
    }
    pub fn gauge(self) -> bool {
        matches!(self, Kind::U64Gauge | Kind::I64Gauge | Kind::F64Gauge)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl AttrValue {
    pub fn value(&self) -> opentelemetry::Value {
        match self {
            AttrValue::Str(s) => s.clone().into(),
            AttrValue::Int(i) => (*i).into(),
            AttrValue::Bool(b) => (*b).into(),
        }
    }
    /// The label value (L-1).
    pub fn text(&self) -> String {
        match self {
            AttrValue::Str(s) => s.clone(),
            AttrValue::Int(i) => i.to_string(),
            AttrValue::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ScopeDef {
    pub name: String,
    pub version: Option<String>,
    pub schema_url: Option<String>,
    pub attributes: Vec<(usize, String)>,
}

#[derive(Clone, Debug)]
pub struct Inst {
    pub scope: usize,
    pub kind: Kind,
    pub name: usize,
    pub unit: usize,
    pub description: String,
    pub bounds: usize,
    pub exponent: i32,
    /// Index into `EXPO_CONFIGS` (exponential histograms only).
    pub expo: usize,
}

/// One measurement: instrument, attribute set, and raw bits turned into a
/// value by the instrument's kind.
#[derive(Clone, Debug)]
pub struct Rec {
    pub inst: usize,
    pub set: usize,
    pub pick: u8,
    pub bits: u64,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub resource: Vec<(usize, String)>,
    pub scopes: Vec<ScopeDef>,
    pub insts: Vec<Inst>,
    /// Attribute sets: distinct keys (indexes into KEYS) with values.
    pub sets: Vec<Vec<(usize, AttrValue)>>,
    pub recs: Vec<Rec>,
}

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "(?s).{0,12}",
        1 => Just(String::new()),
        1 => Just("quote\" backslash\\ newline\n tab\t end".to_string()),
        1 => "[\"\\\\\n]{1,6}",
        1 => Just("é\u{1F600}".repeat(700)),
    ]
}

pub fn attr_value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        6 => text().prop_map(AttrValue::Str),
        1 => any::<i64>().prop_map(AttrValue::Int),
        1 => any::<bool>().prop_map(AttrValue::Bool),
    ]
}

pub fn keyed(max_key: usize, max: usize) -> impl Strategy<Value = Vec<(usize, String)>> {
    proptest::collection::vec((0..max_key, text()), 0..=max).prop_map(|mut v| {
        let mut seen = HashSet::new();
        v.retain(|(k, _)| seen.insert(*k));
        v
    })
}

pub fn case() -> impl Strategy<Value = Case> {
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
pub fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    U(u64),
    I(i64),
    F(f64),
}

pub fn value_of(case: &Case, rec: &Rec) -> Val {
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

pub fn bounds_of(inst: &Inst) -> &'static [f64] {
    BOUNDS[inst.bounds].unwrap_or(SDK_DEFAULT_BOUNDS)
}

pub fn as_f64(v: Val) -> f64 {
    match v {
        Val::U(u) => u as f64,
        Val::I(i) => i as f64,
        Val::F(f) => f,
    }
}
