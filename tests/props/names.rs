//! Expected names and labels, written from the rules: Prometheus' escaping
//! schemes, metric names with unit and `_total` suffixes, label names and
//! how labels of one name merge.

use otel_expfmt::Escaping;

use crate::case::{Case, Inst};
use crate::model::ModelSeries;
use crate::tables::{Cfg, KEYS, NAMES, SCOPE_KEYS, UNITS};

pub fn legal(c: char, first: bool, label: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!label && c == ':') || (!first && c.is_ascii_digit())
}

pub fn is_legacy(name: &str, label: bool) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => legal(c, true, label) && chars.all(|c| legal(c, false, label)),
        None => false,
    }
}

/// A UTF-8 name as written on the wire with `escaping` (the checker gives
/// quoted names back unquoted, so `AllowUtf8` is the name itself).
pub fn escape(name: &str, escaping: Escaping, label: bool) -> String {
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

/// The metric name before the negotiated escaping (N-2..N-9).
pub fn metric_name(cfg: Cfg, inst: &Inst) -> String {
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
pub fn label_name(cfg: Cfg, escaping: Escaping, raw: &str, sanitized: &str) -> String {
    wire_label_name(cfg, escaping, raw, sanitized).0
}

/// The label name for attribute key `raw`, and whether it got the `key`
/// prefix that keeps final names from starting with `_` (reserved by
/// OpenMetrics, `__` by Prometheus).
pub fn wire_label_name(cfg: Cfg, escaping: Escaping, raw: &str, sanitized: &str) -> (String, bool) {
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

pub type Labels = Vec<(String, String)>;

/// Labels as Prometheus stores them: an empty value is no label at all;
/// values of labels with one name are joined with `;` in the order of
/// their original keys.
pub fn merge(mut labels: Vec<(String, String, String)>) -> (Labels, bool) {
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

pub fn expected_labels(
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
