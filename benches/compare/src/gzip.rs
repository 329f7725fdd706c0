//! Gzip compressors compared on the workloads' exposition bodies
//! (`benches/gzip.rs`, `bin/gzip_sizes.rs`).
//!
//! Each candidate keeps its compression state and output buffer across
//! bodies, as a server compressing every scrape would. Both write a complete
//! gzip member (RFC 1952): the 10-byte header, the DEFLATE stream (RFC 1951)
//! and the CRC-32 and length trailer.

use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};

/// A reusable gzip compressor.
pub trait Gzip {
    /// `backend/level`, for benchmark ids.
    fn name(&self) -> String;
    /// Replaces `out` with the gzip member of `input`.
    fn compress(&mut self, input: &[u8], out: &mut Vec<u8>);
}

/// `flate2::Compress` in gzip mode with the `zlib-rs` backend (pure Rust).
pub struct ZlibRs {
    level: u32,
    state: flate2::Compress,
}

impl ZlibRs {
    pub fn new(level: u32) -> Self {
        ZlibRs {
            level,
            state: flate2::Compress::new_gzip(flate2::Compression::new(level), 15),
        }
    }
}

impl Gzip for ZlibRs {
    fn name(&self) -> String {
        format!("zlib_rs/{}", self.level)
    }

    fn compress(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.clear();
        self.state.reset();
        let mut consumed = 0;
        loop {
            out.reserve((input.len() - consumed) / 4 + 64);
            let before = self.state.total_in();
            let status = self
                .state
                .compress_vec(&input[consumed..], out, flate2::FlushCompress::Finish)
                .expect("zlib-rs deflate");
            consumed += (self.state.total_in() - before) as usize;
            if status == flate2::Status::StreamEnd {
                return;
            }
        }
    }
}

/// `miniz_oxide` (flate2's default, pure-Rust backend) called directly, with
/// `crc32fast` for the trailer, as flate2's `GzEncoder` does on that backend.
pub struct Miniz {
    level: u8,
    state: Box<CompressorOxide>,
}

impl Miniz {
    pub fn new(level: u8) -> Self {
        // Negative window bits: a raw DEFLATE stream, framed here.
        let flags = create_comp_flags_from_zip_params(level.into(), -15, 0);
        Miniz {
            level,
            state: Box::new(CompressorOxide::new(flags)),
        }
    }
}

impl Gzip for Miniz {
    fn name(&self) -> String {
        format!("miniz_oxide/{}", self.level)
    }

    fn compress(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.clear();
        self.state.reset();
        // Header: magic, CM=8 (deflate), no flags, no mtime, XFL, OS=255 (unknown).
        let xfl = match self.level {
            1 => 4,
            9 => 2,
            _ => 0,
        };
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
        let mut consumed = 0;
        loop {
            let start = out.len();
            out.resize(start + (input.len() - consumed) / 4 + 64, 0);
            let (status, read, written) = compress(
                &mut self.state,
                &input[consumed..],
                &mut out[start..],
                TDEFLFlush::Finish,
            );
            consumed += read;
            out.truncate(start + written);
            match status {
                TDEFLStatus::Done => break,
                TDEFLStatus::Okay => {}
                other => panic!("miniz_oxide deflate: {other:?}"),
            }
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(input);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&(input.len() as u32).to_le_bytes());
    }
}

/// Every candidate at the fastest levels (1 and 2) and at the default level
/// of zlib and of Go's `compress/gzip` (6).
pub fn candidates() -> Vec<Box<dyn Gzip>> {
    vec![
        Box::new(ZlibRs::new(1)),
        Box::new(Miniz::new(1)),
        Box::new(ZlibRs::new(2)),
        Box::new(Miniz::new(2)),
        Box::new(ZlibRs::new(6)),
        Box::new(Miniz::new(6)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn every_candidate_writes_gzip_that_decodes_to_the_input() {
        let mut input = Vec::new();
        for i in 0..20_000u32 {
            input
                .extend_from_slice(format!("metric_total{{id=\"{}\"}} {}\n", i % 97, i).as_bytes());
        }
        for mut gz in candidates() {
            let mut out = Vec::new();
            // Twice: the second body comes from the reset state.
            for _ in 0..2 {
                gz.compress(&input, &mut out);
                let mut decoded = Vec::new();
                flate2::read::GzDecoder::new(&out[..])
                    .read_to_end(&mut decoded)
                    .expect("valid gzip");
                assert_eq!(decoded, input, "{}", gz.name());
                assert!(out.len() < input.len() / 4, "{}: {}", gz.name(), out.len());
            }
        }
    }
}
