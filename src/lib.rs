//! Prometheus text 0.0.4, OpenMetrics 1.0 and the Prometheus protobuf
//! exposition (with native histograms) for the OpenTelemetry Rust SDK.
//!
//! `otel-expfmt` writes an `opentelemetry_sdk` metrics snapshot straight into a
//! `Vec<u8>` in any of the three formats Prometheus scrapes, following the
//! OpenTelemetry "Prometheus and OpenMetrics compatibility" specification. It depends on nothing but
//! `opentelemetry` and `opentelemetry_sdk` (and `flate2` with the optional
//! `gzip` feature).
//!
//! - [`PrometheusReader`] is the usual entry point: register a clone with your
//!   `SdkMeterProvider`, keep one to scrape. It reuses its snapshot, encoder
//!   scratch and output buffer across scrapes.
//! - [`negotiate`] turns a request's `Accept` header into a [`Negotiated`]
//!   format, name escaping and exact `Content-Type`; [`negotiate_encoding`]
//!   turns its `Accept-Encoding` header into a [`ContentEncoding`] (gzip with
//!   the `gzip` feature) for [`Negotiated::with_encoding`].
//! - [`Encoder`] encodes a snapshot you collected yourself; [`Config`] holds
//!   the options; [`EncodeStats`] counts what was written, dropped and renamed.
//!
//! ```
//! use opentelemetry::metrics::MeterProvider as _;
//! use opentelemetry::KeyValue;
//! use opentelemetry_sdk::metrics::SdkMeterProvider;
//! use opentelemetry_sdk::Resource;
//! use otel_expfmt::{Config, Format, PrometheusReader};
//!
//! let reader = PrometheusReader::new(Config::default().without_scope_info());
//! let provider = SdkMeterProvider::builder()
//!     .with_resource(Resource::builder_empty().with_service_name("shop").build())
//!     .with_reader(reader.clone())
//!     .build();
//! let latency = provider
//!     .meter("shop")
//!     .f64_histogram("http.server.request.duration")
//!     .with_unit("s")
//!     .with_boundaries(vec![0.1, 1.0])
//!     .build();
//! latency.record(0.25, &[KeyValue::new("http.route", "/cart")]);
//!
//! let mut out = Vec::new();
//! reader.encode(Format::PrometheusText, &mut out)?;
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "# HELP target_info Target metadata\n\
//!      ## TYPE target_info gauge\n\
//!      target_info{service_name=\"shop\"} 1\n\
//!      ## TYPE http_server_request_duration_seconds histogram\n\
//!      http_server_request_duration_seconds_bucket{http_route=\"/cart\",le=\"0.1\"} 0\n\
//!      http_server_request_duration_seconds_bucket{http_route=\"/cart\",le=\"1\"} 1\n\
//!      http_server_request_duration_seconds_bucket{http_route=\"/cart\",le=\"+Inf\"} 1\n\
//!      http_server_request_duration_seconds_sum{http_route=\"/cart\"} 0.25\n\
//!      http_server_request_duration_seconds_count{http_route=\"/cart\"} 1\n"
//! );
//! # Ok::<(), otel_expfmt::Error>(())
//! ```
//!
//! # Formats
//!
//! | [`Format`] | `Content-Type` |
//! |---|---|
//! | `PrometheusText` | `text/plain; version=0.0.4; charset=utf-8` |
//! | `OpenMetrics` | `application/openmetrics-text; version=1.0.0; charset=utf-8` |
//! | `PrometheusProtobuf` | `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited` |
//!
//! The text formats are written with `\n` line ends, UTF-8, and no
//! timestamps on samples. Values: integers exact, floats in the shortest
//! round-trip form that Prometheus' Go clients use (`1e+06`, `0.001`), `NaN`,
//! `+Inf`, `-Inf`. The protobuf format carries doubles, the start time as
//! created timestamp, and exponential histograms as native histograms (the
//! only format in which Prometheus reads them); it is negotiated only when
//! the scraper asks for it (Prometheus does when native histograms are
//! enabled).
//!
//! # Cargo features
//!
//! Both are off by default; without them the crate depends on
//! `opentelemetry` and `opentelemetry_sdk` only.
//!
//! - `gzip`: `ContentEncoding::Gzip`, chosen by [`negotiate_encoding`] from
//!   a request's `Accept-Encoding` (adds `flate2` on its pure-Rust zlib-rs
//!   backend).
//! - `check`: the `otel_expfmt::check` module, a strict and independent
//!   parser of all three formats, which this crate's tests and fuzzers use
//!   as their oracle (adds no dependency).
//!
//! # Performance
//!
//! Encoding builds a model of families and series in reusable arenas, then
//! writes it; once warmed up it allocates nothing (asserted by a test with a
//! counting allocator). The README has the
//! measured comparison with `opentelemetry-prometheus` and `prometheus-client`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod encode;
mod encoding;
mod error;
mod escape;
mod format;
mod header;
mod name;
mod negotiate;
mod num;
mod reader;
mod shared_reader;
mod stats;
mod value;
mod window;

#[cfg(feature = "check")]
#[cfg_attr(docsrs, doc(cfg(feature = "check")))]
pub mod check;

pub use config::{Config, ExponentialHistograms, ResourceSelector, TranslationStrategy};
pub use encode::Encoder;
pub use encoding::{negotiate_encoding, ContentEncoding};
pub use error::Error;
pub use format::{Escaping, Format};
pub use negotiate::{negotiate, Negotiated};
pub use reader::PrometheusReader;
pub use stats::{DropReason, EncodeStats, RenameReason};

// The README's Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Internals for this crate's tests, fuzzers and benchmarks. Not part of the
/// public API: no semver guarantees.
#[doc(hidden)]
pub mod __private {
    pub use crate::encode::{ExponentialData, MetricInfo, MetricKind, Number, Parts};
    pub use crate::escape::{write_help, write_label_value};
    pub use crate::num::{write_f64, write_i64, write_u64, write_unix_seconds};
    pub use crate::shared_reader::SharedManualReader;
}
