//! Shared test helpers: record through a real `SdkMeterProvider`, encode, and
//! keep every output under `target/expositions/` for the independent
//! validators that `.ci/run` runs.
#![allow(dead_code)]

use std::path::PathBuf;

use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{SdkMeterProvider, Temporality};
use opentelemetry_sdk::Resource;
/// The `ManualReader` handle a test keeps after registering a clone.
pub use otel_expfmt::__private::SharedManualReader;
use otel_expfmt::{Config, EncodeStats, Encoder, Escaping, Format};

/// A provider with an empty resource (so `target_info` appears only where a
/// test gives attributes) and a reader to collect from.
pub fn provider_with(
    resource: Resource,
    temporality: Temporality,
    build: impl FnOnce(
        opentelemetry_sdk::metrics::MeterProviderBuilder,
    ) -> opentelemetry_sdk::metrics::MeterProviderBuilder,
) -> (SdkMeterProvider, SharedManualReader) {
    let reader = SharedManualReader::with_temporality(temporality);
    let builder = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_reader(reader.clone());
    (build(builder).build(), reader)
}

pub fn provider() -> (SdkMeterProvider, SharedManualReader) {
    provider_with(
        Resource::builder_empty().build(),
        Temporality::Cumulative,
        |b| b,
    )
}

pub fn snapshot(reader: &SharedManualReader) -> ResourceMetrics {
    let mut rm = ResourceMetrics::default();
    reader.collect(&mut rm).expect("collect");
    rm
}

pub fn encode(
    config: Config,
    rm: &ResourceMetrics,
    format: Format,
    escaping: Escaping,
) -> (String, EncodeStats) {
    let (out, stats) = encode_bytes(config, rm, format, escaping);
    (String::from_utf8(out).expect("UTF-8 output"), stats)
}

/// [`encode`] for any format (protobuf is not text).
pub fn encode_bytes(
    config: Config,
    rm: &ResourceMetrics,
    format: Format,
    escaping: Escaping,
) -> (Vec<u8>, EncodeStats) {
    let mut out = Vec::new();
    let stats = Encoder::new(config).encode_with(rm, format, escaping, &mut out);
    (out, stats)
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::OpenMetrics => "om",
        Format::PrometheusProtobuf => "pb",
        _ => "prom",
    }
}

pub fn expositions_dir() -> PathBuf {
    std::env::var_os("OTEL_EXPFMT_EXPOSITIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join("expositions")
        })
}

/// Keeps `text` for the external validators and checks it with the crate's
/// own strict checker.
#[cfg(feature = "check")]
pub fn keep(name: &str, format: Format, escaping: Escaping, text: &str) {
    keep_bytes(name, format, escaping, text.as_bytes());
}

/// [`keep`] for any body (protobuf is not text).
#[cfg(feature = "check")]
pub fn keep_bytes(name: &str, format: Format, escaping: Escaping, body: &[u8]) {
    let dir = expositions_dir();
    std::fs::create_dir_all(&dir).expect("create expositions dir");
    // Quoted UTF-8 names are not legacy syntax: the external parsers only get
    // the legacy-escaped outputs.
    let suffix = if escaping == Escaping::AllowUtf8 {
        "utf8."
    } else {
        ""
    };
    std::fs::write(
        dir.join(format!("{name}.{suffix}{}", extension(format))),
        body,
    )
    .expect("write exposition");
    if let Err(e) = otel_expfmt::check::check_with(body, format, escaping) {
        let shown = String::from_utf8_lossy(body);
        panic!("strict checker rejects {name} ({format:?}): {e}\n{shown}");
    }
}

/// Cases per property test: `default`, or `OTEL_EXPFMT_PROPTEST_CASES` for longer runs.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("OTEL_EXPFMT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Decodes one gzip member (RFC 1952) as written by the `gzip` feature:
/// a 10-byte header without optional fields, a DEFLATE stream, and the
/// CRC-32 and length of the original bytes. The DEFLATE stream is inflated
/// by `miniz_oxide` (not the compressor's library) and the CRC-32 computed
/// here from its definition; panics on anything invalid.
pub fn gunzip(member: &[u8]) -> Vec<u8> {
    assert!(
        member.len() >= 18,
        "too short for gzip: {} bytes",
        member.len()
    );
    assert_eq!(&member[..2], &[0x1f, 0x8b], "gzip magic");
    assert_eq!(member[2], 8, "compression method deflate");
    assert_eq!(member[3], 0, "no optional header fields");
    let (deflate, trailer) = member[10..].split_at(member.len() - 18);
    let data = miniz_oxide::inflate::decompress_to_vec(deflate).expect("a valid DEFLATE stream");
    let crc = u32::from_le_bytes(trailer[..4].try_into().unwrap());
    let len = u32::from_le_bytes(trailer[4..].try_into().unwrap());
    assert_eq!(crc, crc32(&data), "CRC-32 of the data");
    assert_eq!(len as usize, data.len() % (1 << 32), "ISIZE");
    data
}

/// CRC-32 as gzip defines it (RFC 1952, section 8): reflected polynomial
/// 0xEDB88320, initial value and final xor all ones; bit by bit.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
