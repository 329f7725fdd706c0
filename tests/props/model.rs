//! The model of what was recorded, computed from the case alone: each
//! series' sum, last value or histogram observations.

use std::collections::HashMap;

use crate::case::{as_f64, bounds_of, value_of, AttrValue, Case, Kind, Val};

/// A series as the SDK aggregates it: instrument and attribute set content.
pub type SeriesKey = (usize, Vec<(usize, String)>);

pub fn series_key(case: &Case, rec: usize) -> SeriesKey {
    let r = &case.recs[rec];
    let mut attrs: Vec<(usize, String)> = case.sets[r.set]
        .iter()
        .map(|(k, v)| (*k, format!("{v:?}")))
        .collect();
    attrs.sort();
    (r.inst, attrs)
}

#[derive(Clone, Debug)]
pub enum Expected {
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
pub struct ModelSeries {
    pub inst: usize,
    pub attrs: Vec<(usize, AttrValue)>,
    pub value: Expected,
}

pub fn model(case: &Case) -> Vec<ModelSeries> {
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
