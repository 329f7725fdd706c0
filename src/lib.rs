//! Prometheus text 0.0.4 and OpenMetrics 1.0 for the OpenTelemetry Rust SDK.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod encode;
mod error;
mod escape;
mod format;
mod name;
mod negotiate;
mod num;
mod reader;
mod stats;
mod value;

#[cfg(feature = "check")]
pub mod check;

pub use config::{Config, ExponentialHistograms, ResourceSelector, TranslationStrategy};
pub use encode::Encoder;
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
}
