//! Output formats and name-escaping schemes.

/// The exposition format written by [`Encoder::encode`](crate::Encoder::encode).
///
/// ```
/// use otel_expfmt::Format;
/// assert_eq!(
///     Format::OpenMetrics.content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text exposition format, version 0.0.4.
    #[default]
    PrometheusText,
    /// OpenMetrics 1.0.0 text format (ends with `# EOF`, carries exemplars and `# UNIT`).
    OpenMetrics,
    /// Prometheus' protobuf exposition: length-delimited
    /// `io.prometheus.client.MetricFamily` messages. The only format in
    /// which Prometheus reads native histograms: exponential histograms are
    /// written as such.
    PrometheusProtobuf,
}

impl Format {
    /// The exact `Content-Type` value for this format with the default
    /// ([`Escaping::Underscores`]) name escaping. Use
    /// [`Negotiated::content_type`](crate::Negotiated::content_type) when the
    /// escaping scheme was negotiated.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::PrometheusText => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::PrometheusProtobuf => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
            }
        }
    }
}

/// How metric and label names that are not valid "legacy" Prometheus names
/// (`[a-zA-Z_:][a-zA-Z0-9_:]*`) are written on the wire.
///
/// A name that is already legacy-valid is never changed by any scheme. With
/// the default translation strategy every name is legacy-valid, so the scheme
/// only matters with the UTF-8 strategies
/// ([`TranslationStrategy::NoUtf8EscapingWithSuffixes`](crate::TranslationStrategy::NoUtf8EscapingWithSuffixes),
/// [`TranslationStrategy::NoTranslation`](crate::TranslationStrategy::NoTranslation)).
///
/// ```
/// use otel_expfmt::Escaping;
/// assert_eq!(Escaping::default(), Escaping::Underscores);
/// assert_eq!(Escaping::AllowUtf8.as_str(), "allow-utf-8");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Escaping {
    /// Every character outside the legacy set becomes `_` (`my.metric` → `my_metric`).
    #[default]
    Underscores,
    /// Names are written as they are; names outside the legacy set are quoted
    /// (`{"my.metric","http.method"="GET"} 1`).
    AllowUtf8,
    /// `.` → `_dot_`, `_` → `__`, other characters outside the legacy set → `_`.
    Dots,
    /// Prefix `U__`; `_` → `__`; other characters outside the legacy set →
    /// `_<lowercase hex code point>_` (`my.metric` → `U__my_2e_metric`).
    Values,
}

impl Escaping {
    /// The value of the `escaping=` media-type parameter for this scheme.
    pub const fn as_str(self) -> &'static str {
        match self {
            Escaping::Underscores => "underscores",
            Escaping::AllowUtf8 => "allow-utf-8",
            Escaping::Dots => "dots",
            Escaping::Values => "values",
        }
    }
}
