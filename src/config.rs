//! Encoder options.

use std::collections::HashSet;

use opentelemetry::Key;

/// How OpenTelemetry metric and label names become Prometheus names
/// (the OpenTelemetry Prometheus exporter's `translation_strategy`).
///
/// | strategy | names escaped to `[a-zA-Z0-9_:]` | unit and `_total` suffixes |
/// |---|---|---|
/// | `UnderscoreEscapingWithSuffixes` (default) | yes | yes |
/// | `UnderscoreEscapingWithoutSuffixes` | yes | no |
/// | `NoUtf8EscapingWithSuffixes` | no | yes |
/// | `NoTranslation` | no | no |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TranslationStrategy {
    /// Sanitize names to the legacy character set and add unit and `_total` suffixes.
    #[default]
    UnderscoreEscapingWithSuffixes,
    /// Sanitize names; add no unit and no `_total` suffix.
    UnderscoreEscapingWithoutSuffixes,
    /// Keep UTF-8 names as they are; add unit and `_total` suffixes.
    NoUtf8EscapingWithSuffixes,
    /// Keep names exactly as recorded.
    NoTranslation,
}

impl TranslationStrategy {
    /// Whether names are sanitized to the legacy character set.
    pub const fn escapes(self) -> bool {
        matches!(
            self,
            TranslationStrategy::UnderscoreEscapingWithSuffixes
                | TranslationStrategy::UnderscoreEscapingWithoutSuffixes
        )
    }

    /// Whether unit and `_total` suffixes are added.
    pub const fn adds_suffixes(self) -> bool {
        matches!(
            self,
            TranslationStrategy::UnderscoreEscapingWithSuffixes
                | TranslationStrategy::NoUtf8EscapingWithSuffixes
        )
    }
}

/// Which resource attributes are copied as labels onto every series
/// (they always stay on `target_info` too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceSelector {
    /// Copy no resource attribute (the default, as the specification asks).
    #[default]
    None,
    /// Copy every resource attribute.
    All,
    /// Copy the listed keys only.
    KeyAllowList(HashSet<Key>),
}

impl ResourceSelector {
    pub(crate) fn selects(&self, key: &str) -> bool {
        match self {
            ResourceSelector::None => false,
            ResourceSelector::All => true,
            ResourceSelector::KeyAllowList(keys) => keys.contains(key),
        }
    }
}

/// What to do with exponential-histogram data points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExponentialHistograms {
    /// Write them: in [`Format::PrometheusProtobuf`](crate::Format::PrometheusProtobuf)
    /// as native histograms; in the text formats, which have no native
    /// histograms, as classic histograms whose `le` bounds are the exact
    /// bucket boundaries (negative buckets and the zero bucket included:
    /// each `le` counts exactly the values at or below it).
    #[default]
    Buckets,
    /// Drop them, counted as [`DropReason::ExponentialHistogram`](crate::DropReason::ExponentialHistogram).
    Drop,
}

/// Encoder options, builder style. Option names follow
/// `opentelemetry-prometheus`, so a migration is mostly a rename.
///
/// ```
/// use otel_expfmt::{Config, TranslationStrategy};
/// let config = Config::default()
///     .with_namespace("shop")
///     .without_scope_info()
///     .with_translation_strategy(TranslationStrategy::UnderscoreEscapingWithSuffixes)
///     .with_created_timestamps(true);
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) namespace: Option<String>,
    pub(crate) units: bool,
    pub(crate) counter_suffixes: bool,
    pub(crate) target_info: bool,
    pub(crate) scope_info: bool,
    pub(crate) resource_selector: ResourceSelector,
    pub(crate) strategy: TranslationStrategy,
    pub(crate) exemplars: bool,
    pub(crate) created: bool,
    pub(crate) exponential: ExponentialHistograms,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: None,
            units: true,
            counter_suffixes: true,
            target_info: true,
            scope_info: true,
            resource_selector: ResourceSelector::None,
            strategy: TranslationStrategy::UnderscoreEscapingWithSuffixes,
            exemplars: true,
            created: false,
            exponential: ExponentialHistograms::Buckets,
        }
    }
}

impl Config {
    /// Prefix every metric name (not `target_info`) with `namespace` and `_`.
    /// The namespace is sanitized like a metric name (`my-app` → `my_app`)
    /// unless the translation strategy keeps UTF-8. An empty namespace is ignored.
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        let namespace = namespace.into();
        self.namespace = if namespace.is_empty() {
            None
        } else {
            Some(namespace)
        };
        self
    }

    /// Do not append unit suffixes (`_seconds`, `_bytes`, ...) to metric names.
    #[must_use]
    pub fn without_units(mut self) -> Self {
        self.units = false;
        self
    }

    /// Do not append `_total` to counter names. In OpenMetrics such a counter
    /// is written with type `unknown`, since an OpenMetrics counter sample must end in `_total`.
    #[must_use]
    pub fn without_counter_suffixes(mut self) -> Self {
        self.counter_suffixes = false;
        self
    }

    /// Do not write the `target_info` metric that carries the resource attributes.
    #[must_use]
    pub fn without_target_info(mut self) -> Self {
        self.target_info = false;
        self
    }

    /// Do not add the `otel_scope_name`, `otel_scope_version`,
    /// `otel_scope_schema_url` and `otel_scope_<attribute>` labels.
    #[must_use]
    pub fn without_scope_info(mut self) -> Self {
        self.scope_info = false;
        self
    }

    /// Copy the selected resource attributes as labels onto every series.
    #[must_use]
    pub fn with_resource_selector(mut self, selector: ResourceSelector) -> Self {
        self.resource_selector = selector;
        self
    }

    /// Choose how names are translated; see [`TranslationStrategy`]. The
    /// strategies without suffixes also disable unit and `_total` suffixes.
    #[must_use]
    pub fn with_translation_strategy(mut self, strategy: TranslationStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Write exemplars in OpenMetrics and protobuf output (default: on).
    /// Text 0.0.4 never carries exemplars.
    #[must_use]
    pub fn with_exemplars(mut self, enabled: bool) -> Self {
        self.exemplars = enabled;
        self
    }

    /// Write OpenMetrics `_created` samples from the data's start time
    /// (default: off: Prometheus 2.x stores each as a series of its own).
    /// The protobuf format always carries the start time, as the created
    /// timestamp field of counters and histograms, which costs no series.
    #[must_use]
    pub fn with_created_timestamps(mut self, enabled: bool) -> Self {
        self.created = enabled;
        self
    }

    /// Choose how exponential histograms are written; see [`ExponentialHistograms`].
    #[must_use]
    pub fn with_exponential_histograms(mut self, mode: ExponentialHistograms) -> Self {
        self.exponential = mode;
        self
    }

    pub(crate) fn unit_suffixes(&self) -> bool {
        self.units && self.strategy.adds_suffixes()
    }

    pub(crate) fn total_suffix(&self) -> bool {
        self.counter_suffixes && self.strategy.adds_suffixes()
    }
}
