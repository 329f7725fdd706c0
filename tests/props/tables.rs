//! Hand-written tables: the inputs the cases draw from, with their
//! expected translations, and the configurations under test.

use otel_expfmt::{Config, Escaping, Format, TranslationStrategy};

/// Instrument names and their form under the escaping strategies (N-2, N-3:
/// characters outside `[A-Za-z0-9:]` separate tokens, `_` prefixed to a
/// leading digit).
pub const NAMES: &[(&str, &str)] = &[
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
pub const UNITS: &[(&str, &str)] = &[
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
pub const KEYS: &[(&str, &str)] = &[
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
pub const SCOPE_KEYS: &[(&str, &str)] = &[
    ("team", "otel_scope_team"),
    ("region.zone", "otel_scope_region_zone"),
];

/// Resource attribute keys and their `target_info` labels (escaping strategies).
pub const RESOURCE_KEYS: &[(&str, &str)] =
    &[("service.name", "service_name"), ("host.id", "host_id")];

/// Histogram bounds: SDK default, empty, one, negative, several (all dyadic,
/// so sums stay exact in any order).
pub const BOUNDS: &[Option<&[f64]>] = &[
    None,
    Some(&[]),
    Some(&[1.0]),
    Some(&[-5.0, -1.0, 0.0, 2.5]),
    Some(&[-1024.0, -0.5]),
    Some(&[0.125, 0.5, 1.0, 1024.0]),
];

pub const SDK_DEFAULT_BOUNDS: &[f64] = &[
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

/// Exponents for f64 sum values `k * 2^e` (`k < 2^20`): subnormal, small,
/// plain and huge, every sum exact.
pub const F64_EXPONENTS: &[i32] = &[-1060, -3, 0, 900];

/// Exponential aggregations as (max_size, max_scale): the SDK defaults, a
/// coarse fixed scale, and bucket limits small enough to push the scale
/// below zero (down to the SDK's minimum, -10). A `max_size` below 3 would
/// let the SDK drop values that fit no bucket even at scale -10.
pub const EXPO_CONFIGS: &[(u32, i8)] = &[(160, 20), (160, 0), (8, 20), (4, 20), (3, 5)];

pub const ESCAPINGS: [Escaping; 4] = [
    Escaping::Underscores,
    Escaping::AllowUtf8,
    Escaping::Dots,
    Escaping::Values,
];

pub const FORMATS: [Format; 3] = [
    Format::PrometheusText,
    Format::OpenMetrics,
    Format::PrometheusProtobuf,
];

// ---- the configurations under test ------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cfg {
    Default,
    NoScope,
    Utf8,
    NoSuffixes,
}

pub const CFGS: [Cfg; 4] = [Cfg::Default, Cfg::NoScope, Cfg::Utf8, Cfg::NoSuffixes];

impl Cfg {
    pub fn config(self) -> Config {
        match self {
            Cfg::Default => Config::default(),
            Cfg::NoScope => Config::default().without_scope_info(),
            Cfg::Utf8 => Config::default()
                .with_translation_strategy(TranslationStrategy::NoUtf8EscapingWithSuffixes),
            Cfg::NoSuffixes => Config::default()
                .with_translation_strategy(TranslationStrategy::UnderscoreEscapingWithoutSuffixes),
        }
    }
    pub fn escapes(self) -> bool {
        self != Cfg::Utf8
    }
    pub fn suffixes(self) -> bool {
        self != Cfg::NoSuffixes
    }
    pub fn scope_info(self) -> bool {
        self != Cfg::NoScope
    }
}
