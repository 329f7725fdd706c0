//! Metric and label name translation.
//!
//! Two separate steps turn an OpenTelemetry name into the bytes on the wire
//! (OpenTelemetry "Prometheus and OpenMetrics Compatibility", "Metric Metadata";
//! Prometheus "Escaping schemes"):
//!
//! 1. the *translation strategy* ([`metric_name`], [`label_name`]): sanitizing
//!    to the legacy character set (escaping strategies only), namespace, unit
//!    and `_total` suffixes;
//! 2. the negotiated *escaping scheme* ([`escape_name`]), applied by the encoder
//!    only to names that fail [`is_legacy_metric_name`] / [`is_legacy_label_name`].
//!
//! Everything here only appends to the caller's `String`s: no other allocation.
//!
//! Decisions where the specification is silent or ambiguous; where a literal
//! reading of the specification differs, the rules below win:
//!
//! * Metric names are sanitized the way Go's `normalizeName` does: split on
//!   every character outside `[A-Za-z0-9:]` (`_` included), drop empty pieces,
//!   join with `_`. Leading and trailing `_` therefore vanish
//!   (`_foo__bar_` → `foo_bar`, where the spec reading keeps `_foo_bar_`).
//!   A result starting with a digit gets a `_` prefix (`2xx.count` →
//!   `_2xx_count_total`).
//! * `_total` is stripped and re-appended after the unit (`foo_total` with
//!   unit `s` → `foo_seconds_total`), but only as a *suffix*: `total.requests`
//!   → `total_requests_total` (Go would drop every `total` token).
//! * The unit is skipped only when the name already *ends* with `_<unit>` or
//!   equals it (`seconds.in.queue`, `s` → `seconds_in_queue_seconds`;
//!   `bytes_per_second`, `By/s` → `bytes_per_second`), not when the unit word
//!   appears anywhere in the name as Go does.
//! * Unit `1` means no suffix for every kind (no Go-style `_ratio`).
//! * Only the `{...}` portions of a unit are dropped (`k{b}By` → `kBy`), not
//!   the whole component as in Go. An unclosed `{` drops the rest of the unit.
//!   A `/` inside braces does not split the unit.
//! * A numerator `1` or empty numerator gives `per_<b>` (`1/s` → `per_second`);
//!   a denominator that is empty or `1` is ignored (`By/{x}` → `bytes`).
//! * Rate denominators use Go's per-unit table (`s` second, `m` minute, `min`
//!   minute, `h` hour, `d` day, `w` week, `mo` month, `y` year), then the main
//!   table (`By/By` → `bytes_per_bytes`), then the sanitized text.
//! * Label names: a leading `_` (after collapsing) is prefixed with `key`
//!   (`_x` → `key_x`, `__name__` → `key_name_`) since OpenMetrics reserves
//!   every label name starting with `_` and Prometheus those starting with
//!   `__`; Go keeps `__x__` names. The UTF-8 strategies keep label names as
//!   they are here, but the encoder applies the same prefix to any final
//!   wire name (after the negotiated escaping) that starts with `_`:
//!   `__tenant__` → `key__tenant__`, and `ключ` escaped to `____` →
//!   `key____`.

use core::fmt::Write as _;

use crate::config::{Config, TranslationStrategy};
use crate::format::Escaping;

/// The metric kinds that matter for naming (only counters get `_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum NameKind {
    /// A monotonic sum.
    Counter,
    /// A gauge or a non-monotonic sum.
    Gauge,
    /// A histogram (classic or exponential).
    Histogram,
}

/// What [`metric_name`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) struct Translated {
    /// `false` when the name translated to nothing; the metric must be dropped.
    pub valid: bool,
    /// The name itself (namespace and suffixes aside) was changed by the
    /// escaping strategy, leading-digit `_` included.
    pub sanitized: bool,
}

/// Builds a byte-class table: ASCII letters, digits when `digits`, and the `extra` bytes.
const fn class(extra: &[u8], digits: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphabetic() || (digits && b.is_ascii_digit());
        i += 1;
    }
    let mut j = 0;
    while j < extra.len() {
        table[extra[j] as usize] = true;
        j += 1;
    }
    table
}

/// `[a-zA-Z0-9_:]`: legacy metric-name characters.
static METRIC: [bool; 256] = class(b"_:", true);
/// `[a-zA-Z_:]`: legacy first character of a metric name.
static METRIC_FIRST: [bool; 256] = class(b"_:", false);
/// `[a-zA-Z0-9_]`: legacy label-name characters.
static LABEL: [bool; 256] = class(b"_", true);
/// `[a-zA-Z_]`: legacy first character of a label name.
static LABEL_FIRST: [bool; 256] = class(b"_", false);
/// `[a-zA-Z0-9:]`: the characters kept by metric-name (and unit) sanitizing;
/// everything else, `_` included, separates pieces.
static TOKEN: [bool; 256] = class(b":", true);

/// Clears `out` and `unit_out`, writes the translated metric name (before wire
/// escaping) into `out` and the unit word (e.g. "seconds", "bytes_per_second",
/// or empty) into `unit_out`.
///
/// The unit word is written whenever unit suffixes are enabled and the unit
/// converts to a non-empty word, even when it was not appended because the
/// name already ends with it; with unit suffixes disabled it stays empty.
#[allow(dead_code)]
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
    let escapes = config.strategy.escapes();
    let namespace = config.namespace.as_deref().unwrap_or("");

    let sanitized = if escapes {
        // The leading-digit `_` applies to the combined name, so look at the
        // first character that survives sanitizing.
        let first = first_token_byte(namespace).or_else(|| first_token_byte(name));
        if first.is_some_and(|b| b.is_ascii_digit()) {
            out.push('_');
        }
        let ns_start = out.len();
        push_tokens(namespace, out, ns_start, &mut false);
        let compare_from = if out.len() > ns_start {
            out.push('_');
            out.len()
        } else {
            0
        };
        let name_start = out.len();
        push_tokens(name, out, name_start, &mut false);
        if out.len() == name_start {
            out.clear();
            return Translated {
                valid: false,
                sanitized: true,
            };
        }
        out[compare_from..] != *name
    } else {
        if name.is_empty() {
            return Translated {
                valid: false,
                sanitized: false,
            };
        }
        if !namespace.is_empty() {
            out.push_str(namespace);
            out.push('_');
        }
        out.push_str(name);
        false
    };

    let total = kind == NameKind::Counter && config.total_suffix();
    if total && out.ends_with("_total") {
        out.truncate(out.len() - "_total".len());
    }
    if config.unit_suffixes() {
        unit_word(unit, escapes, unit_out);
        if !unit_out.is_empty() && !ends_with_word(out, unit_out) {
            out.push('_');
            out.push_str(unit_out);
        }
    }
    if total {
        out.push_str("_total");
    }
    Translated {
        valid: true,
        sanitized,
    }
}

/// Whether `name` equals `word` or ends with `_<word>`.
fn ends_with_word(name: &str, word: &str) -> bool {
    name == word
        || (name.len() > word.len()
            && name.ends_with(word)
            && name.as_bytes()[name.len() - word.len() - 1] == b'_')
}

/// The first byte of `s` that metric-name sanitizing keeps.
fn first_token_byte(s: &str) -> Option<u8> {
    s.bytes().find(|&b| TOKEN[b as usize])
}

/// Appends the runs of `[A-Za-z0-9:]` in `s` to `out`, separated by single
/// `_`. `pending` carries "a separator was seen" across calls (for unit
/// pieces split by `{...}`); no `_` is written while `out` has nothing beyond
/// `start`, so the joined text never starts or ends with `_`.
fn push_tokens(s: &str, out: &mut String, start: usize, pending: &mut bool) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !TOKEN[bytes[i] as usize] {
            *pending = true;
            i += 1;
            continue;
        }
        let run = i;
        while i < bytes.len() && TOKEN[bytes[i] as usize] {
            i += 1;
        }
        if *pending && out.len() > start {
            out.push('_');
        }
        *pending = false;
        // Run edges are ASCII bytes, hence char boundaries.
        out.push_str(&s[run..i]);
    }
}

/// The pieces of a unit outside `{...}` annotations. An unclosed `{` hides
/// the rest; a stray `}` is an ordinary character.
struct Debraced<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Debraced<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while !self.rest.is_empty() {
            let piece = match self.rest.find('{') {
                Some(open) => {
                    let piece = &self.rest[..open];
                    self.rest = match self.rest[open..].find('}') {
                        Some(close) => &self.rest[open + close + 1..],
                        None => "",
                    };
                    piece
                }
                None => core::mem::take(&mut self.rest),
            };
            if !piece.is_empty() {
                return Some(piece);
            }
        }
        None
    }
}

/// Splits a unit at its first `/` outside braces.
fn split_rate(unit: &str) -> (&str, Option<&str>) {
    let mut in_braces = false;
    for (i, b) in unit.bytes().enumerate() {
        match b {
            b'{' => in_braces = true,
            b'}' => in_braces = false,
            b'/' if !in_braces => return (&unit[..i], Some(&unit[i + 1..])),
            _ => {}
        }
    }
    (unit, None)
}

/// Main UCUM unit table (the compatibility specification's unit table, plus
/// `KBy` and unit-less `1`/empty).
fn main_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "" | "1" => "",
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tebibytes",
        "kBy" | "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "%" => "percent",
        _ => return None,
    })
}

/// Rate denominator table for `a/b` units (the Go exporter's per-unit map plus `min`).
fn per_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "s" => "second",
        "m" | "min" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => return None,
    })
}

/// Looks up `part` with its `{...}` portions removed in `table`, without allocating.
fn lookup(part: &str, table: fn(&str) -> Option<&'static str>) -> Option<&'static str> {
    if !part.contains('{') {
        return table(part);
    }
    // Every table key is at most 4 bytes long; longer text is never found.
    let mut buf = [0u8; 8];
    let mut len = 0;
    for piece in (Debraced { rest: part }) {
        let end = len + piece.len();
        if end > buf.len() {
            return None;
        }
        buf[len..end].copy_from_slice(piece.as_bytes());
        len = end;
    }
    // Concatenated whole `str` pieces are valid UTF-8.
    table(core::str::from_utf8(&buf[..len]).ok()?)
}

/// Appends the word for one component of a unit: the table word, else the
/// text without `{...}`, sanitized (escaping strategies) or verbatim.
fn push_component(
    part: &str,
    table: fn(&str) -> Option<&'static str>,
    escapes: bool,
    out: &mut String,
) {
    if let Some(word) = lookup(part, table).or_else(|| lookup(part, main_unit)) {
        out.push_str(word);
        return;
    }
    let start = out.len();
    let mut pending = false;
    for piece in (Debraced { rest: part }) {
        if escapes {
            push_tokens(piece, out, start, &mut pending);
        } else {
            out.push_str(piece);
        }
    }
}

/// Appends the word for a UCUM unit to `out`, which must be empty.
fn unit_word(unit: &str, escapes: bool, out: &mut String) {
    let (numerator, denominator) = split_rate(unit);
    push_component(numerator, main_unit, escapes, out);
    if let Some(denominator) = denominator {
        let mark = out.len();
        out.push_str(if mark == 0 { "per_" } else { "_per_" });
        let word = out.len();
        push_component(denominator, per_unit, escapes, out);
        if out.len() == word {
            out.truncate(mark);
        }
    }
}

/// Clears `out`, writes the label name for attribute key `key`; returns true
/// when it differs from `key`.
#[allow(dead_code)]
pub(crate) fn label_name(strategy: TranslationStrategy, key: &str, out: &mut String) -> bool {
    out.clear();
    if !strategy.escapes() {
        // An empty key cannot stand as it is: `key_`, as below. (A name of
        // `__name__` is renamed once the wire escaping is applied.)
        if key.is_empty() {
            out.push_str("key_");
            return true;
        }
        out.push_str(key);
        return false;
    }
    let bytes = key.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !LABEL[b as usize] || b == b'_' {
            // A run of `_` and invalid bytes becomes one `_`.
            while i < bytes.len() && (!LABEL[bytes[i] as usize] || bytes[i] == b'_') {
                i += 1;
            }
            out.push_str(if out.is_empty() { "key_" } else { "_" });
            continue;
        }
        let run = i;
        while i < bytes.len() && LABEL[bytes[i] as usize] && bytes[i] != b'_' {
            i += 1;
        }
        if out.is_empty() && b.is_ascii_digit() {
            out.push_str("key_");
        }
        // Run edges are ASCII bytes, hence char boundaries.
        out.push_str(&key[run..i]);
    }
    if out.is_empty() {
        out.push_str("key_");
    }
    *out != *key
}

/// `^[a-zA-Z_:][a-zA-Z0-9_:]*$`
#[allow(dead_code)]
pub(crate) fn is_legacy_metric_name(s: &str) -> bool {
    match s.as_bytes().split_first() {
        Some((&first, rest)) => {
            METRIC_FIRST[first as usize] && rest.iter().all(|&b| METRIC[b as usize])
        }
        None => false,
    }
}

/// `^[a-zA-Z_][a-zA-Z0-9_]*$`
#[allow(dead_code)]
pub(crate) fn is_legacy_label_name(s: &str) -> bool {
    match s.as_bytes().split_first() {
        Some((&first, rest)) => {
            LABEL_FIRST[first as usize] && rest.iter().all(|&b| LABEL[b as usize])
        }
        None => false,
    }
}

/// Appends `name` escaped for the wire with `scheme`. Callers pass only names
/// that fail the legacy check (`label` selects which check: label names may
/// not contain ':').
///
/// Schemes follow Prometheus' "Escaping schemes" and Go's `EscapeName`: `Underscores` turns each
/// non-legacy character into `_` (no collapsing; a leading digit is replaced);
/// `Dots` writes `.` as `_dot_`, `_` as `__` and other non-legacy characters
/// (a leading digit included) as `__`; `Values` writes `U__`, then `_` as `__`
/// and other non-legacy characters as `_<lowercase hex code point>_` — a
/// leading digit is kept, since it is no longer first after `U__` (Go would
/// hex it; both unescape to the same name); `AllowUtf8` copies the name.
#[allow(dead_code)]
pub(crate) fn escape_name(name: &str, scheme: Escaping, label: bool, out: &mut String) {
    let (first_class, class) = if label {
        (&LABEL_FIRST, &LABEL)
    } else {
        (&METRIC_FIRST, &METRIC)
    };
    // Whether `c` at char position `first`/not may stay as it is.
    let legal = |c: char, first: bool| {
        let table = if first { first_class } else { class };
        c.is_ascii() && table[c as usize]
    };
    match scheme {
        Escaping::Underscores => {
            for (i, c) in name.chars().enumerate() {
                out.push(if legal(c, i == 0) { c } else { '_' });
            }
        }
        Escaping::Dots => {
            for (i, c) in name.chars().enumerate() {
                match c {
                    '.' => out.push_str("_dot_"),
                    '_' => out.push_str("__"),
                    c if legal(c, i == 0) => out.push(c),
                    _ => out.push_str("__"),
                }
            }
        }
        Escaping::Values => {
            out.push_str("U__");
            for c in name.chars() {
                match c {
                    '_' => out.push_str("__"),
                    c if legal(c, false) => out.push(c),
                    c => {
                        // Writing to a `String` cannot fail.
                        let _ = write!(out, "_{:x}_", u32::from(c));
                    }
                }
            }
        }
        Escaping::AllowUtf8 => out.push_str(name),
    }
}

#[cfg(test)]
mod tests;
