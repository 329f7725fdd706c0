//! Contestants for the comparison benchmark, each fed the same [`workloads::Plan`].
//!
//! * [`Ours`]: `otel_expfmt::Encoder` on a snapshot collected beforehand.
//! * [`OursScrape`]: collect + encode through `otel_expfmt::PrometheusReader`.
//! * [`OtelPrometheus`]: `opentelemetry-prometheus` registered into a
//!   `prometheus::Registry`; a scrape is `registry.gather()` + `prometheus::TextEncoder`
//!   (or `prometheus::ProtobufEncoder`).
//! * [`PromClient`]: a `prometheus-client` registry holding the same series and
//!   values, encoded with `prometheus_client::encoding::text::encode` (OpenMetrics only),
//!   or as protobuf: OpenMetrics' data model (`encoding::protobuf`) or
//!   client_model's `MetricFamily` (`encoding::prometheus_protobuf`).

use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use otel_expfmt::{Config, EncodeStats, Encoder, Format};
use prometheus::Encoder as _;
use prometheus_client::encoding::prometheus_protobuf;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, NativeHistogramConfig};
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
    protobuf: prometheus::ProtobufEncoder,
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
            protobuf: prometheus::ProtobufEncoder::new(),
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

    /// The encoding half of a protobuf scrape on families gathered
    /// beforehand: `ProtobufEncoder` (length-delimited `MetricFamily`
    /// messages, the wire format of `Format::PrometheusProtobuf`) into `out`
    /// (cleared first).
    pub fn encode_gathered_protobuf(
        &self,
        families: &[prometheus::proto::MetricFamily],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        self.protobuf
            .encode(families, out)
            .expect("prometheus ProtobufEncoder");
    }
}

/// Label set of the `prometheus-client` side: the series' attributes plus the
/// scope labels `opentelemetry-prometheus` and `otel-expfmt` add by default.
pub type Labels = Vec<(&'static str, String)>;

fn new_histogram() -> Histogram {
    Histogram::new(workloads::DEFAULT_BOUNDS)
}

/// A native histogram alone, at the scale the SDK's exponential histograms
/// of W4 reach (so both hold the same buckets), with prometheus-client's
/// default zero threshold (2^-128, also ours).
fn new_native_histogram() -> Histogram {
    Histogram::new_native(NativeHistogramConfig::with_schema(
        workloads::EXPONENTIAL_SCALE,
    ))
}

/// A `prometheus-client` 0.25 registry holding the same series and values.
/// Exponential histograms are its native histograms alone, which only its
/// client_model protobuf encoder writes ([`PromClient::encode_prometheus_protobuf`]).
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
                    Kind::ExponentialHistogram => {
                        let family =
                            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
                                new_native_histogram,
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

    /// OpenMetrics protobuf (`prometheus_client::encoding::protobuf`, the
    /// `protobuf` feature): the registry as a prost `MetricSet`, serialized
    /// into `out` (cleared first), the body a server would send.
    /// prometheus-client 0.25 deprecates this data model in favour of
    /// client_model's ([`PromClient::encode_prometheus_protobuf`]).
    #[allow(deprecated)]
    pub fn encode_openmetrics_protobuf(&self, out: &mut Vec<u8>) {
        use prost::Message as _;
        out.clear();
        let set = prometheus_client::encoding::protobuf::encode(&self.registry)
            .expect("prometheus-client OpenMetrics protobuf encode");
        set.encode(out).expect("a Vec grows as needed");
    }

    /// Prometheus protobuf (`prometheus_client::encoding::prometheus_protobuf`,
    /// the `prometheus_protobuf` feature; the wire format of
    /// `Format::PrometheusProtobuf`): the registry as prost `MetricFamily`
    /// messages, each serialized length-delimited into `out` (cleared
    /// first), as its `encode_to_vec` does into a new `Vec`.
    pub fn encode_prometheus_protobuf(&self, out: &mut Vec<u8>) {
        use prost::Message as _;
        out.clear();
        let families = prometheus_protobuf::encode(&self.registry)
            .expect("prometheus-client Prometheus protobuf encode");
        for family in &families {
            family
                .encode_length_delimited(out)
                .expect("a Vec grows as needed");
        }
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
            Kind::ExponentialHistogram => {
                panic!("{}: exponential bucket counts depend on the data", plan.id)
            }
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

/// The standard workload named `w1`, `w2`, `w3` or `w4` (`default` when
/// `name` is `None`), for the command-line binaries. Panics on another name.
pub fn standard_workload(name: Option<&str>, default: &str) -> Plan {
    match name.unwrap_or(default) {
        "w1" => workloads::counters(100, 10),
        "w2" => workloads::histograms(20, 50),
        "w3" => workloads::mixed(10_000, 50, 3, 10),
        "w4" => workloads::w4(),
        other => panic!("unknown workload {other} (w1, w2, w3 or w4)"),
    }
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

    use prometheus_client::encoding::prometheus_protobuf::prometheus_data_model as pb;

    /// Length-delimited `MetricFamily` messages, decoded with prost's
    /// generated client_model types (prometheus-client's), not ours.
    fn decode_delimited(mut body: &[u8]) -> Vec<pb::MetricFamily> {
        use prost::Message as _;
        let mut families = Vec::new();
        while !body.is_empty() {
            families.push(pb::MetricFamily::decode_length_delimited(&mut body).expect("a family"));
        }
        families
    }

    /// (family name, metric count, bucket count of every classic histogram).
    fn protobuf_summary(families: &[pb::MetricFamily]) -> (usize, usize, usize) {
        let metrics = families.iter().map(|f| f.metric.len()).sum();
        let buckets = families
            .iter()
            .flat_map(|f| &f.metric)
            .filter_map(|m| m.histogram.as_ref())
            .map(|h| h.bucket.len())
            .sum();
        (families.len(), metrics, buckets)
    }

    /// Every contestant's protobuf body holds every series (and `target_info`),
    /// every classic histogram its 15 finite buckets and `+Inf` (implied by
    /// opentelemetry-prometheus).
    #[test]
    #[allow(deprecated)] // prometheus-client's OpenMetrics protobuf data model
    fn every_protobuf_body_holds_every_series() {
        use prost::Message as _;
        for plan in small() {
            let histograms: usize = plan
                .instruments()
                .filter(|i| i.kind == Kind::Histogram)
                .map(|i| i.series.len())
                .sum();
            let families = plan.instruments().count() + 1;
            let expected = (families, plan.series() + 1, histograms * 16);

            let mut ours = Ours::new(&plan);
            let mut out = Vec::new();
            ours.encode(Format::PrometheusProtobuf, &mut out);
            let our_families = decode_delimited(&out);
            assert_eq!(
                protobuf_summary(&our_families),
                expected,
                "{} ours",
                plan.id
            );

            let theirs = OtelPrometheus::new(&plan);
            let gathered = theirs.gather();
            theirs.encode_gathered_protobuf(&gathered, &mut out);
            // Its histograms leave the `+Inf` bucket to the sample count, as
            // client_golang does.
            assert_eq!(
                protobuf_summary(&decode_delimited(&out)),
                (expected.0, expected.1, histograms * 15),
                "{} opentelemetry-prometheus",
                plan.id
            );

            let client = PromClient::new(&plan);
            client.encode_prometheus_protobuf(&mut out);
            assert_eq!(
                protobuf_summary(&decode_delimited(&out)),
                expected,
                "{} prometheus-client",
                plan.id
            );

            use prometheus_client::encoding::openmetrics_protobuf::openmetrics_data_model as om;
            client.encode_openmetrics_protobuf(&mut out);
            let set = om::MetricSet::decode(out.as_slice()).expect("a MetricSet");
            let points: usize = set
                .metric_families
                .iter()
                .flat_map(|f| &f.metrics)
                .map(|m| m.metric_points.len())
                .sum();
            assert_eq!(
                (set.metric_families.len(), points),
                (families, plan.series() + 1),
                "{} prometheus-client OpenMetrics",
                plan.id
            );
        }
    }

    /// Labels sorted by name, for matching series across encoders.
    fn label_key(m: &pb::Metric) -> Vec<(String, String)> {
        let mut l: Vec<_> = m
            .label
            .iter()
            .map(|p| (p.name.clone(), p.value.clone()))
            .collect();
        l.sort();
        l
    }

    /// Bucket counts by Prometheus index, from spans and deltas.
    fn native_buckets(h: &pb::Histogram) -> Vec<(i32, i64)> {
        let mut buckets = Vec::new();
        let (mut index, mut count, mut deltas) = (0i32, 0i64, h.positive_delta.iter());
        for span in &h.positive_span {
            index += span.offset;
            for _ in 0..span.length {
                count += deltas.next().expect("a delta for every bucket");
                if count != 0 {
                    buckets.push((index, count));
                }
                index += 1;
            }
        }
        assert!(deltas.next().is_none(), "no delta beyond the spans");
        buckets
    }

    /// W4 (at a smaller size): the SDK settles on `EXPONENTIAL_SCALE` with
    /// 140-160 buckets a series, and our native histograms hold the same
    /// buckets as prometheus-client's, which bucket the same observations
    /// on their own; the classic text rendering has one line per bucket.
    #[test]
    fn w4_fills_about_160_buckets_and_native_histograms_agree() {
        use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
        let plan = workloads::exponential(2, 10);
        let (_provider, snapshot) = workloads::snapshot(&plan);
        let mut points = 0;
        for m in snapshot.scope_metrics().flat_map(|s| s.metrics()) {
            let AggregatedMetrics::F64(MetricData::ExponentialHistogram(h)) = m.data() else {
                panic!("{}: not an f64 exponential histogram", m.name());
            };
            for p in h.data_points() {
                assert_eq!(p.scale(), workloads::EXPONENTIAL_SCALE);
                let buckets = p.positive_bucket().counts().count();
                assert!((140..=160).contains(&buckets), "{buckets} buckets");
                assert_eq!(p.count(), workloads::EXPONENTIAL_OBSERVATIONS);
                points += 1;
            }
        }
        assert_eq!(points, 20);

        let mut ours = Ours::new(&plan);
        let mut out = Vec::new();
        ours.encode(Format::PrometheusProtobuf, &mut out);
        let our_families = decode_delimited(&out);
        let client = PromClient::new(&plan);
        client.encode_prometheus_protobuf(&mut out);
        let their_families = decode_delimited(&out);
        let mut compared = 0;
        for family in our_families.iter().filter(|f| f.name != "target_info") {
            let theirs = their_families
                .iter()
                .find(|f| f.name == family.name)
                .unwrap_or_else(|| panic!("prometheus-client has no {}", family.name));
            for m in &family.metric {
                let h = m.histogram.as_ref().expect("a histogram");
                let t = theirs
                    .metric
                    .iter()
                    .find(|t| label_key(t) == label_key(m))
                    .and_then(|t| t.histogram.as_ref())
                    .expect("the same series in prometheus-client");
                assert_eq!(h.schema, i32::from(workloads::EXPONENTIAL_SCALE));
                assert_eq!((h.schema, h.sample_count), (t.schema, t.sample_count));
                assert!(h.bucket.is_empty() && h.negative_span.is_empty());
                let buckets = native_buckets(h);
                assert_eq!(
                    buckets,
                    native_buckets(t),
                    "{} {:?}",
                    family.name,
                    label_key(m)
                );
                let total: i64 = buckets.iter().map(|b| b.1).sum();
                assert_eq!(total as u64 + h.zero_count, h.sample_count);
                compared += 1;
            }
        }
        assert_eq!(compared, 20);

        ours.encode(Format::PrometheusText, &mut out);
        let buckets_per_series = (sample_lines(&out) - 1) / 20 - 2;
        assert!(
            (141..=161).contains(&buckets_per_series),
            "{buckets_per_series} bucket lines a series"
        );
    }

    /// W4's classic bucket lines depend on the recorded values: no count is
    /// made up for it.
    #[test]
    #[should_panic(expected = "exponential bucket counts depend on the data")]
    fn expected_sample_lines_refuses_exponential_histograms() {
        expected_sample_lines(&workloads::exponential(1, 1));
    }

    #[test]
    fn standard_sizes_match_the_issue() {
        let plans = workloads::standard();
        assert_eq!(plans[0].series(), 1_000);
        assert_eq!(plans[1].series(), 1_000);
        assert_eq!(plans[2].series(), 10_000);
        assert_eq!(plans[2].scopes.len(), 3);
        assert_eq!(plans[2].resource.len(), 10);
        let w4 = workloads::w4();
        assert_eq!(w4.series(), 1_000);
        assert!(w4
            .instruments()
            .all(|i| i.kind == Kind::ExponentialHistogram));
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
