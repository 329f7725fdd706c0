//! The encoder (work in progress in the skeleton commit).

use opentelemetry_sdk::metrics::data::ResourceMetrics;

use crate::{Config, EncodeStats, Escaping, Format};

/// Writes `ResourceMetrics` snapshots as Prometheus text 0.0.4 or OpenMetrics 1.0.
#[derive(Debug)]
pub struct Encoder {
    config: Config,
}

impl Encoder {
    /// Creates an encoder with the given options.
    pub fn new(config: Config) -> Self {
        Encoder { config }
    }

    /// The options this encoder was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Appends `metrics` to `out` in `format`, with the default name escaping.
    pub fn encode(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        self.encode_with(metrics, format, Escaping::Underscores, out)
    }

    /// Appends `metrics` to `out` in `format`, with names escaped by `escaping`.
    pub fn encode_with(
        &mut self,
        metrics: &ResourceMetrics,
        format: Format,
        escaping: Escaping,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        let _ = (metrics, format, escaping, out);
        todo!()
    }
}
