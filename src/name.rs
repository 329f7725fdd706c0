//! Metric and label name translation.
//!
//! Two separate steps turn an OpenTelemetry name into the bytes on the wire
//! (spec digest P-2):
//!
//! 1. the *translation strategy* ([`metric_name`], [`label_name`]): sanitizing
//!    to the legacy character set (escaping strategies only), namespace, unit
//!    and `_total` suffixes;
//! 2. the negotiated *escaping scheme* ([`escape_name`]), applied by the encoder
//!    only to names that fail [`is_legacy_metric_name`] / [`is_legacy_label_name`].
//!
//! Everything here only appends to the caller's `String`s: no other allocation.
//!
//! Decisions where the specification is silent or ambiguous (see spec digest
//! §2, §3, §4, X-12); where the "spec reading" column of X-12 differs, the
//! rules below win:
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
//!   every label name starting with `_`; Go keeps `__x__` names. The UTF-8
//!   strategies keep label names as they are, except `__name__` (it would
//!   rename the series on ingestion): it becomes `key__name__`.

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

/// Main UCUM unit table (spec digest U-1, plus `KBy` and unit-less `1`/empty).
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

/// Rate denominator table (spec digest U-4, Go's per-unit map plus `min`).
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

/// Appends the word for a UCUM unit (spec digest §3) to `out`, which must be empty.
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
        // An empty key, or `__name__` (which would set the metric name on
        // ingestion), cannot stand as it is: prefix `key` as below.
        if key.is_empty() || key == "__name__" {
            out.push_str(if key.is_empty() {
                "key_"
            } else {
                "key__name__"
            });
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
/// Schemes follow Go's `EscapeName` (spec digest C-9): `Underscores` turns each
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
mod tests {
    use super::*;

    const ALL: [TranslationStrategy; 4] = [
        TranslationStrategy::UnderscoreEscapingWithSuffixes,
        TranslationStrategy::UnderscoreEscapingWithoutSuffixes,
        TranslationStrategy::NoUtf8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ];

    fn cfg(strategy: TranslationStrategy) -> Config {
        Config::default().with_translation_strategy(strategy)
    }

    fn run(
        config: &Config,
        name: &str,
        unit: &str,
        kind: NameKind,
    ) -> (String, String, Translated) {
        // Pre-filled buffers: `metric_name` must clear them.
        let mut out = String::from("junk");
        let mut unit_out = String::from("junk");
        let t = metric_name(config, name, unit, kind, &mut out, &mut unit_out);
        (out, unit_out, t)
    }

    /// Default strategy (underscore escaping with suffixes).
    fn def(name: &str, unit: &str, kind: NameKind) -> String {
        let (out, _, t) = run(&Config::default(), name, unit, kind);
        assert!(t.valid, "{name:?} {unit:?}");
        out
    }

    fn unit_of(unit: &str) -> String {
        run(&Config::default(), "x", unit, NameKind::Gauge).1
    }

    use NameKind::{Counter, Gauge, Histogram};

    #[test]
    fn sanitizing_splits_on_non_token_characters() {
        assert_eq!(def("_foo__bar_", "", Gauge), "foo_bar");
        assert_eq!(
            def("http.server.duration", "", Gauge),
            "http_server_duration"
        );
        assert_eq!(def("a-b/c", "", Gauge), "a_b_c");
        assert_eq!(def("日本.x", "", Gauge), "x");
        assert_eq!(def("a:b", "", Gauge), "a:b");
        assert_eq!(def("x日本y", "", Gauge), "x_y");
        assert_eq!(def("A..b--C", "", Gauge), "A_b_C");
    }

    #[test]
    fn leading_digit_gets_underscore() {
        assert_eq!(def("2xx.count", "", Counter), "_2xx_count_total");
        assert_eq!(def("-9", "", Gauge), "_9");
        let (out, _, t) = run(&Config::default(), "2xx", "", Gauge);
        assert_eq!(out, "_2xx");
        assert!(t.valid && t.sanitized);
    }

    #[test]
    fn sanitized_flag() {
        let c = Config::default();
        assert!(!run(&c, "foo_bar", "", Gauge).2.sanitized);
        assert!(!run(&c, "foo_bar", "s", Counter).2.sanitized);
        assert!(!run(&c, "requests_total", "", Counter).2.sanitized);
        assert!(run(&c, "foo.bar", "", Gauge).2.sanitized);
        assert!(run(&c, "_foo", "", Gauge).2.sanitized);
        let ns = Config::default().with_namespace("my-app");
        assert!(!run(&ns, "foo", "", Gauge).2.sanitized);
        assert!(run(&ns, "foo.x", "", Gauge).2.sanitized);
        for s in [
            TranslationStrategy::NoUtf8EscapingWithSuffixes,
            TranslationStrategy::NoTranslation,
        ] {
            let t = run(&cfg(s), "foo.bar", "", Gauge).2;
            assert!(t.valid && !t.sanitized);
        }
    }

    #[test]
    fn empty_names_are_invalid() {
        for s in ALL {
            let (out, unit_out, t) = run(&cfg(s), "", "s", Counter);
            assert!(!t.valid, "{s:?}");
            assert_eq!((out.as_str(), unit_out.as_str()), ("", ""));
        }
        for name in ["_", "___", "..", "日本", "-/-"] {
            let (out, _, t) = run(&Config::default(), name, "s", Counter);
            assert!(!t.valid, "{name:?}");
            assert_eq!(out, "");
            // A namespace does not rescue an empty name.
            let ns = Config::default().with_namespace("app");
            assert!(!run(&ns, name, "", Gauge).2.valid);
        }
        // Under UTF-8 strategies only the empty name is invalid.
        let t = run(&cfg(TranslationStrategy::NoTranslation), "_", "", Gauge).2;
        assert!(t.valid);
    }

    #[test]
    fn namespace() {
        let c = Config::default().with_namespace("my-app");
        assert_eq!(run(&c, "x", "", Gauge).0, "my_app_x");
        assert_eq!(run(&c, "a.b", "By", Counter).0, "my_app_a_b_bytes_total");
        // Sanitizes to nothing: ignored.
        let c = Config::default().with_namespace("..");
        assert_eq!(run(&c, "x", "", Gauge).0, "x");
        assert_eq!(run(&c, "2x", "", Gauge).0, "_2x");
        // The leading-digit rule applies to the combined name.
        let c = Config::default().with_namespace("1app");
        assert_eq!(run(&c, "x", "", Gauge).0, "_1app_x");
        let c = Config::default().with_namespace("app");
        assert_eq!(run(&c, "2xx", "", Gauge).0, "app_2xx");
        // UTF-8 strategies: verbatim.
        let c = cfg(TranslationStrategy::NoTranslation).with_namespace("my-app");
        assert_eq!(run(&c, "x.y", "", Gauge).0, "my-app_x.y");
        let c = cfg(TranslationStrategy::NoUtf8EscapingWithSuffixes).with_namespace("my-app");
        assert_eq!(run(&c, "x.y", "s", Counter).0, "my-app_x.y_seconds_total");
    }

    #[test]
    fn utf8_strategies_keep_names() {
        let c = cfg(TranslationStrategy::NoTranslation);
        assert_eq!(run(&c, "foo.bar", "By", Counter).0, "foo.bar");
        assert_eq!(run(&c, "_foo__bar_", "", Gauge).0, "_foo__bar_");
        assert_eq!(run(&c, "2xx", "", Gauge).0, "2xx");
        assert_eq!(run(&c, "日本", "", Gauge).0, "日本");
        assert_eq!(run(&c, "requests_total", "", Counter).0, "requests_total");
        // No suffixes: no unit word either.
        assert_eq!(run(&c, "foo", "s", Gauge).1, "");
        let c = cfg(TranslationStrategy::NoUtf8EscapingWithSuffixes);
        assert_eq!(run(&c, "foo.bar", "By", Counter).0, "foo.bar_bytes_total");
        assert_eq!(run(&c, "foo.bar", "", Counter).0, "foo.bar_total");
        assert_eq!(run(&c, "my.metric", "", Counter).0, "my.metric_total");
        assert_eq!(run(&c, "日本", "s", Gauge).0, "日本_seconds");
        // Unknown units are kept verbatim minus `{...}`.
        assert_eq!(
            run(&c, "x", "my.unit{a}", Gauge),
            (
                "x_my.unit".into(),
                "my.unit".into(),
                Translated {
                    valid: true,
                    sanitized: false
                }
            )
        );
        assert_eq!(run(&c, "x", "a-b/q", Gauge).0, "x_a-b_per_q");
    }

    #[test]
    fn interaction_table_c10() {
        // Counter `foo.bar`, unit `By`, before wire escaping.
        let expected = [
            "foo_bar_bytes_total",
            "foo_bar",
            "foo.bar_bytes_total",
            "foo.bar",
        ];
        for (s, want) in ALL.into_iter().zip(expected) {
            assert_eq!(run(&cfg(s), "foo.bar", "By", Counter).0, want, "{s:?}");
        }
    }

    #[test]
    fn total_suffix() {
        assert_eq!(def("requests", "", Counter), "requests_total");
        assert_eq!(def("requests_total", "", Counter), "requests_total");
        assert_eq!(def("requests.total", "", Counter), "requests_total");
        assert_eq!(def("foo_total", "s", Counter), "foo_seconds_total");
        assert_eq!(def("foo_seconds_total", "s", Counter), "foo_seconds_total");
        assert_eq!(
            def("process.cpu.time", "s", Counter),
            "process_cpu_time_seconds_total"
        );
        assert_eq!(def("total.requests", "", Counter), "total_requests_total");
        assert_eq!(def("total", "", Counter), "total_total");
        // Only counters.
        assert_eq!(def("requests", "", Gauge), "requests");
        assert_eq!(def("requests_total", "", Gauge), "requests_total");
        assert_eq!(def("requests", "", Histogram), "requests");
        // Disabled.
        let c = Config::default().without_counter_suffixes();
        assert_eq!(run(&c, "requests", "s", Counter).0, "requests_seconds");
        assert_eq!(run(&c, "requests_total", "", Counter).0, "requests_total");
    }

    #[test]
    fn unit_suffix_placement() {
        assert_eq!(def("duration_seconds", "s", Gauge), "duration_seconds");
        assert_eq!(def("duration_seconds", "s", Histogram), "duration_seconds");
        assert_eq!(def("seconds", "s", Gauge), "seconds");
        assert_eq!(def("seconds", "s", Counter), "seconds_total");
        assert_eq!(def("duration", "s", Histogram), "duration_seconds");
        assert_eq!(
            def("durationseconds", "s", Gauge),
            "durationseconds_seconds"
        );
        // The unit word is reported even when already present.
        let (out, unit, _) = run(&Config::default(), "duration_seconds", "s", Gauge);
        assert_eq!(
            (out.as_str(), unit.as_str()),
            ("duration_seconds", "seconds")
        );
        let (out, unit, _) = run(&Config::default(), "x", "", Gauge);
        assert_eq!((out.as_str(), unit.as_str()), ("x", ""));
        // Units disabled: no suffix, no unit word.
        let c = Config::default().without_units();
        assert_eq!(
            run(&c, "x", "s", Counter),
            (
                "x_total".into(),
                String::new(),
                Translated {
                    valid: true,
                    sanitized: false
                }
            )
        );
        let c = cfg(TranslationStrategy::UnderscoreEscapingWithoutSuffixes);
        assert_eq!(
            run(&c, "x.y", "s", Counter),
            (
                "x_y".into(),
                String::new(),
                Translated {
                    valid: true,
                    sanitized: true
                }
            )
        );
    }

    #[test]
    fn x12_corner_cases() {
        assert_eq!(
            def("http.server.requests", "{request}", Counter),
            "http_server_requests_total"
        );
        assert_eq!(
            def("network.io.rate", "By/s", Gauge),
            "network_io_rate_bytes_per_second"
        );
        assert_eq!(def("cpu.utilization", "1", Gauge), "cpu_utilization");
        assert_eq!(def("disk.io", "KiBy", Counter), "disk_io_kibibytes_total");
        assert_eq!(def("foo_total", "s", Counter), "foo_seconds_total");
        // Ours: `_total` is only handled as a suffix (Go: `requests_total`).
        assert_eq!(def("total.requests", "", Counter), "total_requests_total");
        // Ours: the unit is only skipped as a suffix (Go: `seconds_in_queue`).
        assert_eq!(
            def("seconds.in.queue", "s", Gauge),
            "seconds_in_queue_seconds"
        );
        assert_eq!(def("bytes_per_second", "By/s", Gauge), "bytes_per_second");
        assert_eq!(def("2xx.count", "", Counter), "_2xx_count_total");
        // Ours (Go's): edge underscores vanish (spec reading: `_foo_bar_`).
        assert_eq!(def("_foo__bar_", "", Gauge), "foo_bar");
        assert_eq!(
            def("data.rate", "By/m", Gauge),
            "data_rate_bytes_per_minute"
        );
    }

    #[test]
    fn unit_table() {
        let table = [
            ("d", "days"),
            ("h", "hours"),
            ("min", "minutes"),
            ("s", "seconds"),
            ("ms", "milliseconds"),
            ("us", "microseconds"),
            ("ns", "nanoseconds"),
            ("By", "bytes"),
            ("KiBy", "kibibytes"),
            ("MiBy", "mebibytes"),
            ("GiBy", "gibibytes"),
            ("TiBy", "tebibytes"),
            ("kBy", "kilobytes"),
            ("KBy", "kilobytes"),
            ("MBy", "megabytes"),
            ("GBy", "gigabytes"),
            ("TBy", "terabytes"),
            ("m", "meters"),
            ("V", "volts"),
            ("A", "amperes"),
            ("J", "joules"),
            ("W", "watts"),
            ("g", "grams"),
            ("Cel", "celsius"),
            ("Hz", "hertz"),
            ("%", "percent"),
        ];
        for (ucum, word) in table {
            assert_eq!(unit_of(ucum), word, "{ucum}");
            assert_eq!(def("x", ucum, Counter), format!("x_{word}_total"));
        }
    }

    #[test]
    fn unit_rates() {
        assert_eq!(unit_of("m/s"), "meters_per_second");
        assert_eq!(unit_of("By/s"), "bytes_per_second");
        assert_eq!(unit_of("By/m"), "bytes_per_minute");
        assert_eq!(unit_of("By/min"), "bytes_per_minute");
        assert_eq!(unit_of("By/h"), "bytes_per_hour");
        assert_eq!(unit_of("By/d"), "bytes_per_day");
        assert_eq!(unit_of("By/w"), "bytes_per_week");
        assert_eq!(unit_of("By/mo"), "bytes_per_month");
        assert_eq!(unit_of("By/y"), "bytes_per_year");
        // Other denominators: main table, else sanitized text.
        assert_eq!(unit_of("J/By"), "joules_per_bytes");
        assert_eq!(unit_of("By/{x}"), "bytes");
        assert_eq!(unit_of("By/1"), "bytes");
        assert_eq!(unit_of("By/"), "bytes");
        assert_eq!(unit_of("{packet}/s"), "per_second");
        assert_eq!(unit_of("/s"), "per_second");
        assert_eq!(unit_of("1/s"), "per_second");
        assert_eq!(unit_of("foo/bar.baz"), "foo_per_bar_baz");
        assert_eq!(unit_of("By/s/x"), "bytes_per_s_x");
        assert_eq!(unit_of("{a/b}By"), "bytes");
        assert_eq!(unit_of("{}"), "");
        assert_eq!(unit_of("{packet}/{s}"), "");
        assert_eq!(
            def("packets", "{packet}/s", Counter),
            "packets_per_second_total"
        );
    }

    #[test]
    fn unit_annotations_and_unknown_units() {
        assert_eq!(unit_of("{request}"), "");
        assert_eq!(unit_of("1"), "");
        assert_eq!(unit_of(""), "");
        assert_eq!(unit_of("k{b}By"), "kilobytes");
        assert_eq!(unit_of("By{x}"), "bytes");
        assert_eq!(unit_of("{x}By"), "bytes");
        assert_eq!(unit_of("By{unclosed"), "bytes");
        assert_eq!(unit_of("{verylongannotation}ms"), "milliseconds");
        assert_eq!(unit_of("widgets"), "widgets");
        assert_eq!(unit_of("_a..b-c_"), "a_b_c");
        assert_eq!(unit_of("a.{x}b"), "a_b");
        assert_eq!(unit_of("a{x}.b"), "a_b");
        assert_eq!(unit_of("a{x}b"), "ab");
        assert_eq!(unit_of("日本"), "");
        assert_eq!(unit_of("x:y"), "x:y");
        assert_eq!(def("foo", "日本", Gauge), "foo");
        assert_eq!(def("foo", "my unit", Counter), "foo_my_unit_total");
    }

    fn label(strategy: TranslationStrategy, key: &str) -> (String, bool) {
        let mut out = String::from("junk");
        let changed = label_name(strategy, key, &mut out);
        (out, changed)
    }

    #[test]
    fn label_names_escaping() {
        let s = TranslationStrategy::UnderscoreEscapingWithSuffixes;
        let cases = [
            ("http.method", "http_method", true),
            ("http_method", "http_method", false),
            ("a..b", "a_b", true),
            ("a__b", "a_b", true),
            ("a:b", "a_b", true),
            ("a_", "a_", false),
            ("a.", "a_", true),
            ("123abc", "key_123abc", true),
            ("_x", "key_x", true),
            ("__name__", "key_name_", true),
            (".x", "key_x", true),
            ("", "key_", true),
            ("_", "key_", true),
            ("日本", "key_", true),
            ("ключ.имя", "key_", true),
            ("x日本y", "x_y", true),
            ("a\"b\\c\nd", "a_b_c_d", true),
            ("Key9", "Key9", false),
            ("key_", "key_", false),
        ];
        for (key, want, changed) in cases {
            assert_eq!(label(s, key), (want.to_string(), changed), "{key:?}");
            assert_eq!(
                label(TranslationStrategy::UnderscoreEscapingWithoutSuffixes, key).0,
                want
            );
        }
    }

    #[test]
    fn label_names_utf8() {
        for s in [
            TranslationStrategy::NoUtf8EscapingWithSuffixes,
            TranslationStrategy::NoTranslation,
        ] {
            assert_eq!(label(s, "http.method"), ("http.method".into(), false));
            assert_eq!(label(s, "__name__"), ("key__name__".into(), true));
            assert_eq!(label(s, "__name"), ("__name".into(), false));
            assert_eq!(label(s, "a\"b\\c\nd"), ("a\"b\\c\nd".into(), false));
            assert_eq!(label(s, "日本"), ("日本".into(), false));
            assert_eq!(label(s, ""), ("key_".into(), true));
        }
    }

    #[test]
    fn legacy_checks() {
        for ok in [
            "a",
            "_",
            ":",
            "a:b_c9",
            "Z_9:",
            "__name__",
            "http_server_requests_total",
        ] {
            assert!(is_legacy_metric_name(ok), "{ok}");
        }
        for bad in ["", "9a", "a.b", "a-b", "日本", "a b", "a\n"] {
            assert!(!is_legacy_metric_name(bad), "{bad:?}");
        }
        for ok in ["a", "_", "a_b9", "__name__", "Z"] {
            assert!(is_legacy_label_name(ok), "{ok}");
        }
        for bad in ["", ":", "a:b", "9a", "a.b", "é", "a b"] {
            assert!(!is_legacy_label_name(bad), "{bad:?}");
        }
    }

    fn esc(name: &str, scheme: Escaping, label: bool) -> String {
        let mut out = String::from(">");
        escape_name(name, scheme, label, &mut out);
        assert!(out.starts_with('>'), "appends");
        out[1..].to_string()
    }

    #[test]
    fn escape_x11() {
        assert_eq!(
            esc("my.metric_total", Escaping::Underscores, false),
            "my_metric_total"
        );
        assert_eq!(
            esc("my.metric_total", Escaping::Dots, false),
            "my_dot_metric__total"
        );
        assert_eq!(
            esc("my.metric_total", Escaping::Values, false),
            "U__my_2e_metric__total"
        );
        assert_eq!(
            esc("my.metric_total", Escaping::AllowUtf8, false),
            "my.metric_total"
        );
        assert_eq!(
            esc("http.method", Escaping::Underscores, true),
            "http_method"
        );
        assert_eq!(esc("http.method", Escaping::Dots, true), "http_dot_method");
        assert_eq!(
            esc("http.method", Escaping::Values, true),
            "U__http_2e_method"
        );
        assert_eq!(esc("http.method", Escaping::AllowUtf8, true), "http.method");
        assert_eq!(esc("my.metric", Escaping::Values, false), "U__my_2e_metric");
    }

    #[test]
    fn escape_underscores() {
        // No collapsing; one `_` per character, multi-byte ones included.
        assert_eq!(esc("a..b", Escaping::Underscores, false), "a__b");
        assert_eq!(esc("日本", Escaping::Underscores, false), "__");
        assert_eq!(esc("1a", Escaping::Underscores, false), "_a");
        assert_eq!(esc("1a", Escaping::Underscores, true), "_a");
        assert_eq!(esc("a1.", Escaping::Underscores, false), "a1_");
        assert_eq!(esc(":a.b", Escaping::Underscores, false), ":a_b");
        assert_eq!(esc(":a.b", Escaping::Underscores, true), "_a_b");
        assert_eq!(esc("a:b.c", Escaping::Underscores, true), "a_b_c");
    }

    #[test]
    fn escape_dots() {
        assert_eq!(esc("a-b", Escaping::Dots, false), "a__b");
        assert_eq!(esc("a_b.c", Escaping::Dots, false), "a__b_dot_c");
        assert_eq!(esc("a:b.c", Escaping::Dots, false), "a:b_dot_c");
        assert_eq!(esc("a:b.c", Escaping::Dots, true), "a__b_dot_c");
        assert_eq!(esc("1.x", Escaping::Dots, false), "___dot_x");
        assert_eq!(esc("é.", Escaping::Dots, false), "___dot_");
    }

    #[test]
    fn escape_values() {
        assert_eq!(esc("1.x", Escaping::Values, false), "U__1_2e_x");
        assert_eq!(esc("a-b", Escaping::Values, false), "U__a_2d_b");
        assert_eq!(esc("a:b", Escaping::Values, false), "U__a:b");
        assert_eq!(esc("a:b", Escaping::Values, true), "U__a_3a_b");
        assert_eq!(esc("é", Escaping::Values, false), "U___e9_");
        assert_eq!(esc("日", Escaping::Values, false), "U___65e5_");
        assert_eq!(esc("😀", Escaping::Values, false), "U___1f600_");
        assert_eq!(esc("a\"\\\n", Escaping::Values, true), "U__a_22__5c__a_");
        assert_eq!(
            esc("service.name", Escaping::Values, true),
            "U__service_2e_name"
        );
    }

    #[test]
    fn escape_allow_utf8_copies() {
        for name in ["my.metric", "日本", "a\"b\\c\nd", "1x"] {
            assert_eq!(esc(name, Escaping::AllowUtf8, false), name);
            assert_eq!(esc(name, Escaping::AllowUtf8, true), name);
        }
    }

    #[test]
    fn escaped_names_are_legacy() {
        for name in ["my.metric_total", "1.x", "日本", "a:b-c", "é.", "__x"] {
            for scheme in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
                assert!(
                    is_legacy_metric_name(&esc(name, scheme, false)),
                    "{name} {scheme:?}"
                );
                assert!(
                    is_legacy_label_name(&esc(name, scheme, true)),
                    "{name} {scheme:?}"
                );
            }
        }
    }
}
