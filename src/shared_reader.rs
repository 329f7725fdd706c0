//! A `ManualReader` that can be kept after registering it, for this
//! crate's tests, benchmarks and fuzzers (reached through `__private`).
//!
//! The SDK's `MeterProviderBuilder::with_reader` takes its reader by value
//! and `ManualReader` is not `Clone`, so collecting snapshots by hand needs
//! a handle that shares one reader. [`PrometheusReader`](crate::PrometheusReader)
//! is such a handle too, but it asks for cumulative temporality only; tests
//! also record delta data.

use std::sync::{Arc, Weak};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

/// A clonable handle over one `ManualReader`: give a clone to the provider,
/// collect through another. Every `MetricReader` method forwards to it.
#[derive(Clone, Debug)]
pub struct SharedManualReader(Arc<ManualReader>);

impl SharedManualReader {
    /// A reader with cumulative temporality for every instrument kind.
    pub fn new() -> Self {
        Self::with_temporality(Temporality::Cumulative)
    }

    /// A reader that prefers `temporality` (the SDK then decides per
    /// instrument kind, as for any `ManualReader`).
    pub fn with_temporality(temporality: Temporality) -> Self {
        SharedManualReader(Arc::new(
            ManualReader::builder()
                .with_temporality(temporality)
                .build(),
        ))
    }
}

impl Default for SharedManualReader {
    fn default() -> Self {
        Self::new()
    }
}

impl MetricReader for SharedManualReader {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.0.register_pipeline(pipeline);
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.0.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.0.temporality(kind)
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    use opentelemetry_sdk::metrics::SdkMeterProvider;

    use super::*;

    /// The values of the `u64` sums in `rm`.
    fn sums(rm: &ResourceMetrics) -> Vec<u64> {
        let mut out = Vec::new();
        for metric in rm.scope_metrics().flat_map(|s| s.metrics()) {
            if let AggregatedMetrics::U64(MetricData::Sum(sum)) = metric.data() {
                out.extend(sum.data_points().map(|p| p.value()));
            }
        }
        out
    }

    #[test]
    fn temporality_is_the_managed_readers() {
        let delta = SharedManualReader::with_temporality(Temporality::Delta);
        // A delta preference keeps up-down counters cumulative.
        assert_eq!(
            delta.temporality(InstrumentKind::Counter),
            Temporality::Delta
        );
        assert_eq!(
            delta.temporality(InstrumentKind::UpDownCounter),
            Temporality::Cumulative
        );
        for reader in [SharedManualReader::new(), SharedManualReader::default()] {
            assert_eq!(
                reader.temporality(InstrumentKind::Counter),
                Temporality::Cumulative
            );
        }
    }

    #[test]
    fn a_clone_collects_what_the_provider_recorded() {
        let reader = SharedManualReader::with_temporality(Temporality::Delta);
        let provider = SdkMeterProvider::builder()
            .with_reader(reader.clone())
            .build();
        let counter = provider.meter("m").u64_counter("c").build();
        let mut rm = ResourceMetrics::default();
        for (added, collected) in [(2, vec![2]), (3, vec![3])] {
            counter.add(added, &[]);
            reader.collect(&mut rm).unwrap();
            assert_eq!(sums(&rm), collected);
        }
        reader.force_flush().unwrap();
        provider.shutdown().unwrap();
        // The shutdown reached the shared reader: collecting now fails.
        assert!(reader.collect(&mut rm).is_err());
    }
}
