//! Contestants for the comparison benchmark, each fed the same [`workloads::Plan`].
//!
//! * [`Ours`]: `otel_expfmt::Encoder` on a snapshot collected beforehand.
//! * [`OursScrape`]: collect + encode through `otel_expfmt::PrometheusReader`.
//! * [`OtelPrometheus`]: `opentelemetry-prometheus` registered into a
//!   `prometheus::Registry`; a scrape is `registry.gather()` + `prometheus::TextEncoder`.
//! * [`PromClient`]: a `prometheus-client` registry holding the same series and
//!   values, encoded with `prometheus_client::encoding::text::encode` (OpenMetrics only).

use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use otel_expfmt::{Config, EncodeStats, Encoder, Format};
use prometheus::Encoder as _;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

pub mod gzip;

#[path = "../../workloads.rs"]
pub mod workloads;

use workloads::{Kind, Plan};

/// `otel_expfmt::Encoder` over a snapshot taken once through a cumulative `ManualReader`.
pub struct Ours {
    _provider: SdkMeterProvider,
    snapshot: ResourceMetrics,
    encoder: Encoder,
}

impl Ours {
    pub fn new(plan: &Plan) -> Self {
        let (provider, snapshot) = workloads::snapshot(plan);
        Ours {
            _provider: provider,
            snapshot,
            encoder: Encoder::new(Config::default()),
        }
    }

    /// Clears `out` and encodes the snapshot into it.
    pub fn encode(&mut self, format: Format, out: &mut Vec<u8>) -> EncodeStats {
        out.clear();
        self.encoder.encode(&self.snapshot, format, out)
    }

    /// An approximate lower bound for any encoder of this snapshot: see
    /// [`read_snapshot`](crate::read_snapshot).
    pub fn read_snapshot(&self) -> u64 {
        read_snapshot(&self.snapshot)
    }

    /// The output size in `format`.
    pub fn size(&mut self, format: Format) -> usize {
        let mut out = Vec::new();
        self.encode(format, &mut out);
        out.len()
    }
}

/// Only the SDK's collection into a reused `ResourceMetrics` through a cumulative
/// `ManualReader`: the part of any full scrape that no encoder can save.
pub struct SdkCollect {
    _provider: SdkMeterProvider,
    reader: workloads::SharedManualReader,
    metrics: ResourceMetrics,
}

impl SdkCollect {
    pub fn new(plan: &Plan) -> Self {
        let reader = workloads::SharedManualReader::new();
        let provider = workloads::provider(plan, reader.clone());
        SdkCollect {
            _provider: provider,
            reader,
            metrics: ResourceMetrics::default(),
        }
    }

    pub fn collect(&mut self) -> &ResourceMetrics {
        use opentelemetry_sdk::metrics::reader::MetricReader as _;
        self.reader.collect(&mut self.metrics).expect("SDK collect");
        &self.metrics
    }

    /// The snapshot of the last collect.
    pub fn snapshot(&self) -> &ResourceMetrics {
        &self.metrics
    }
}

/// A full scrape (collect + encode) through `otel_expfmt::PrometheusReader`.
pub struct OursScrape {
    _provider: SdkMeterProvider,
    reader: otel_expfmt::PrometheusReader,
}

impl OursScrape {
    pub fn new(plan: &Plan) -> Self {
        let reader = otel_expfmt::PrometheusReader::new(Config::default());
        let provider = workloads::provider(plan, reader.clone());
        OursScrape {
            _provider: provider,
            reader,
        }
    }

    /// Clears `out` and scrapes into it.
    pub fn scrape(&self, format: Format, out: &mut Vec<u8>) -> EncodeStats {
        out.clear();
        self.reader
            .encode(format, out)
            .expect("PrometheusReader scrape")
    }

    /// Clears `out` and scrapes into it as `negotiated` says (format,
    /// escaping and content coding).
    pub fn scrape_negotiated(
        &self,
        negotiated: otel_expfmt::Negotiated,
        out: &mut Vec<u8>,
    ) -> EncodeStats {
        out.clear();
        self.reader
            .encode_negotiated(negotiated, out)
            .expect("PrometheusReader scrape")
    }

    /// Only the SDK's collect of a scrape, from the same provider and
    /// pipeline as [`OursScrape::scrape`], into a reused snapshot as the
    /// reader does: what a scrape would cost with an encoder that cost
    /// nothing.
    pub fn collect_only(&self, into: &mut ResourceMetrics) {
        use opentelemetry_sdk::metrics::reader::MetricReader as _;
        self.reader.collect(into).expect("SDK collect");
    }
}

/// `opentelemetry-prometheus` 0.33 with default options, its own provider.
pub struct OtelPrometheus {
    _provider: SdkMeterProvider,
    registry: prometheus::Registry,
    encoder: prometheus::TextEncoder,
}

impl OtelPrometheus {
    pub fn new(plan: &Plan) -> Self {
        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .build()
            .expect("building the opentelemetry-prometheus exporter");
        let provider = workloads::provider(plan, exporter);
        OtelPrometheus {
            _provider: provider,
            registry,
            encoder: prometheus::TextEncoder::new(),
        }
    }

    /// A full scrape: collect and convert (`gather`), then encode text 0.0.4 into `out` (cleared first).
    pub fn scrape(&self, out: &mut Vec<u8>) {
        out.clear();
        let families = self.registry.gather();
        self.encoder
            .encode(&families, out)
            .expect("prometheus TextEncoder");
    }

    /// Only the collect-and-convert half of a scrape.
    pub fn gather(&self) -> Vec<prometheus::proto::MetricFamily> {
        self.registry.gather()
    }

    /// Only the encoding half of a scrape, on families gathered beforehand.
    pub fn encode_gathered(&self, families: &[prometheus::proto::MetricFamily], out: &mut Vec<u8>) {
        out.clear();
        self.encoder
            .encode(families, out)
            .expect("prometheus TextEncoder");
    }
}

/// Label set of the `prometheus-client` side: the series' attributes plus the
/// scope labels `opentelemetry-prometheus` and `otel-expfmt` add by default.
pub type Labels = Vec<(&'static str, String)>;

fn new_histogram() -> Histogram {
    Histogram::new(workloads::DEFAULT_BOUNDS)
}

/// A `prometheus-client` 0.25 registry holding the same series and values.
pub struct PromClient {
    registry: Registry,
}

impl PromClient {
    pub fn new(plan: &Plan) -> Self {
        let mut registry = Registry::default();
        let resource: Labels = plan.resource.iter().map(|(k, v)| (*k, v.clone())).collect();
        // `target_info{...} 1`, as the OpenTelemetry encoders write the resource.
        registry.register(
            "target",
            "Target metadata",
            Info::new(
                resource
                    .into_iter()
                    .map(|(k, v)| (k.replace('.', "_"), v))
                    .collect::<Vec<_>>(),
            ),
        );
        for scope in &plan.scopes {
            for ins in &scope.instruments {
                let labels = |attrs: &[(&'static str, String)]| -> Labels {
                    let mut l: Labels = attrs.to_vec();
                    l.push(("otel_scope_name", scope.name.clone()));
                    if let Some(v) = &scope.version {
                        l.push(("otel_scope_version", v.clone()));
                    }
                    l
                };
                let name = ins.prom_name();
                let help = ins.description.clone();
                let unit = ins.prom_unit.map(|u| Unit::Other(u.to_string()));
                macro_rules! register {
                    ($family:expr) => {
                        match unit.clone() {
                            Some(u) => {
                                registry.register_with_unit(name.clone(), help.clone(), u, $family)
                            }
                            None => registry.register(name.clone(), help.clone(), $family),
                        }
                    };
                }
                match ins.kind {
                    Kind::Counter => {
                        let family = Family::<Labels, Counter>::default();
                        for s in &ins.series {
                            let total: u64 = s.measurements.iter().map(|v| *v as u64).sum();
                            family.get_or_create(&labels(&s.attributes)).inc_by(total);
                        }
                        register!(family);
                    }
                    Kind::UpDownCounter => {
                        let family = Family::<Labels, Gauge>::default();
                        for s in &ins.series {
                            let total: i64 = s.measurements.iter().map(|v| *v as i64).sum();
                            family.get_or_create(&labels(&s.attributes)).set(total);
                        }
                        register!(family);
                    }
                    Kind::Gauge => {
                        let family =
                            Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
                        for s in &ins.series {
                            let last = *s.measurements.last().expect("a gauge measurement");
                            family.get_or_create(&labels(&s.attributes)).set(last);
                        }
                        register!(family);
                    }
                    Kind::Histogram => {
                        let family =
                            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
                                new_histogram,
                            );
                        for s in &ins.series {
                            let h = family.get_or_create(&labels(&s.attributes));
                            for v in &s.measurements {
                                h.observe(*v);
                            }
                        }
                        register!(family);
                    }
                }
            }
        }
        PromClient { registry }
    }

    /// Encodes OpenMetrics text into `out` (cleared first).
    pub fn encode(&self, out: &mut String) {
        out.clear();
        prometheus_client::encoding::text::encode(out, &self.registry)
            .expect("prometheus-client encode");
    }
}

/// Sample lines (not comments, not blank) in an exposition.
pub fn sample_lines(text: &[u8]) -> usize {
    text.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .count()
}

/// Sample lines a plan yields with classic histograms (buckets incl. `+Inf`, `_sum`, `_count`)
/// and no `_created` samples, `target_info` included.
pub fn expected_sample_lines(plan: &Plan) -> usize {
    let per_histogram = workloads::DEFAULT_BOUNDS.len() + 1 + 2;
    1 + plan
        .instruments()
        .map(|i| match i.kind {
            Kind::Histogram => i.series.len() * per_histogram,
            _ => i.series.len(),
        })
        .sum::<usize>()
}

/// Peak and current resident set size of this process (`VmHWM`, `VmRSS`), in KiB (Linux only).
pub fn rss_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Resets the peak RSS (`VmHWM`) to the current RSS (Linux ≥ 4.0); `false` if not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The standard workload named `w1`, `w2` or `w3` (`default` when `name` is
/// `None`), for the command-line binaries. Panics on another name.
pub fn standard_workload(name: Option<&str>, default: &str) -> Plan {
    let index = match name.unwrap_or(default) {
        "w1" => 0,
        "w2" => 1,
        "w3" => 2,
        other => panic!("unknown workload {other} (w1, w2 or w3)"),
    };
    workloads::standard().swap_remove(index)
}

/// Visits every data point of `metrics` and folds every attribute key and
/// string value byte (and every number) into a checksum, writing nothing:
/// roughly the reading any encoder of the snapshot must do. Non-string
/// attribute values, exemplars and exponential histograms are skipped.
pub fn read_snapshot(metrics: &ResourceMetrics) -> u64 {
    use opentelemetry::Value;
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};

    fn attrs<'a>(acc: &mut u64, kvs: impl Iterator<Item = &'a opentelemetry::KeyValue>) {
        for kv in kvs {
            *acc = kv
                .key
                .as_str()
                .bytes()
                .fold(*acc, |a, b| a.wrapping_add(u64::from(b)));
            if let Value::String(s) = &kv.value {
                *acc = s
                    .as_str()
                    .bytes()
                    .fold(*acc, |a, b| a.wrapping_add(u64::from(b)));
            }
        }
    }
    fn data<T: Copy + Bits>(acc: &mut u64, d: &MetricData<T>) {
        match d {
            MetricData::Sum(s) => s.data_points().for_each(|p| {
                attrs(acc, p.attributes());
                *acc ^= p.value().bits();
            }),
            MetricData::Gauge(g) => g.data_points().for_each(|p| {
                attrs(acc, p.attributes());
                *acc ^= p.value().bits();
            }),
            MetricData::Histogram(h) => h.data_points().for_each(|p| {
                attrs(acc, p.attributes());
                *acc ^= p
                    .bounds()
                    .chain(p.bucket_counts().map(|c| c as f64))
                    .fold(p.sum().bits(), |a, x| a ^ x.to_bits());
            }),
            MetricData::ExponentialHistogram(_) => {}
        }
    }
    trait Bits {
        fn bits(self) -> u64;
    }
    impl Bits for f64 {
        fn bits(self) -> u64 {
            self.to_bits()
        }
    }
    impl Bits for u64 {
        fn bits(self) -> u64 {
            self
        }
    }
    impl Bits for i64 {
        fn bits(self) -> u64 {
            self as u64
        }
    }
    let mut acc = 0u64;
    for sm in metrics.scope_metrics() {
        for m in sm.metrics() {
            match m.data() {
                AggregatedMetrics::F64(d) => data(&mut acc, d),
                AggregatedMetrics::U64(d) => data(&mut acc, d),
                AggregatedMetrics::I64(d) => data(&mut acc, d),
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Vec<Plan> {
        vec![
            workloads::counters(10, 10),
            workloads::histograms(4, 50),
            workloads::mixed(1_000, 50, 3, 10),
        ]
    }

    #[test]
    fn opentelemetry_prometheus_writes_every_series() {
        for plan in small() {
            let c = OtelPrometheus::new(&plan);
            let mut out = Vec::new();
            c.scrape(&mut out);
            assert_eq!(
                sample_lines(&out),
                expected_sample_lines(&plan),
                "{}",
                plan.id
            );
        }
    }

    #[test]
    fn otel_expfmt_writes_every_series_in_encode_and_scrape() {
        for plan in small() {
            let mut ours = Ours::new(&plan);
            let scrape = OursScrape::new(&plan);
            let mut encoded = Vec::new();
            let mut scraped = Vec::new();
            ours.encode(Format::PrometheusText, &mut encoded);
            scrape.scrape(Format::PrometheusText, &mut scraped);
            assert_eq!(
                sample_lines(&encoded),
                expected_sample_lines(&plan),
                "{}",
                plan.id
            );
            assert_eq!(scraped, encoded, "{}", plan.id);
        }
    }

    #[test]
    fn prometheus_client_writes_every_series() {
        for plan in small() {
            let c = PromClient::new(&plan);
            let mut out = String::new();
            c.encode(&mut out);
            assert!(out.ends_with("# EOF\n"));
            assert_eq!(
                sample_lines(out.as_bytes()),
                expected_sample_lines(&plan),
                "{}",
                plan.id
            );
        }
    }

    #[test]
    fn standard_sizes_match_the_issue() {
        let plans = workloads::standard();
        assert_eq!(plans[0].series(), 1_000);
        assert_eq!(plans[1].series(), 1_000);
        assert_eq!(plans[2].series(), 10_000);
        assert_eq!(plans[2].scopes.len(), 3);
        assert_eq!(plans[2].resource.len(), 10);
        for plan in &plans {
            let kinds: std::collections::HashSet<_> = plan
                .instruments()
                .map(|i| format!("{:?}", i.kind))
                .collect();
            if plan.id.starts_with("w3") {
                assert_eq!(kinds.len(), 4);
            }
        }
    }
}
