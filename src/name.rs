//! TEMPORARY placeholder in main; replaced by the `names` branch at merge.
#![allow(dead_code)]
use crate::{Config, Escaping, TranslationStrategy};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameKind {
    Counter,
    Gauge,
    Histogram,
}
#[derive(Clone, Copy, Debug)]
pub(crate) struct Translated {
    pub valid: bool,
    pub sanitized: bool,
}

pub(crate) fn metric_name(
    config: &Config,
    name: &str,
    unit: &str,
    kind: NameKind,
    out: &mut String,
    unit_out: &mut String,
) -> Translated {
    out.clear();
    unit_out.clear();
    for piece in name
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(piece);
    }
    if out.is_empty() {
        return Translated {
            valid: false,
            sanitized: true,
        };
    }
    let u = match unit {
        "s" => "seconds",
        "By" => "bytes",
        "Cel" => "celsius",
        _ => "",
    };
    unit_out.push_str(u);
    let total = kind == NameKind::Counter && config.total_suffix();
    if total && out.ends_with("_total") {
        out.truncate(out.len() - 6);
    }
    if !u.is_empty() && config.unit_suffixes() && !out.ends_with(&format!("_{u}")) {
        out.push('_');
        out.push_str(u);
    }
    if total {
        out.push_str("_total");
    }
    Translated {
        valid: true,
        sanitized: false,
    }
}
pub(crate) fn label_name(_strategy: TranslationStrategy, key: &str, out: &mut String) -> bool {
    out.clear();
    for c in key.chars() {
        out.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        });
    }
    out != key
}
pub(crate) fn is_legacy_metric_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}
pub(crate) fn is_legacy_label_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}
pub(crate) fn escape_name(name: &str, _scheme: Escaping, _label: bool, out: &mut String) {
    for c in name.chars() {
        out.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        });
    }
}
