use super::*;

/// Expected answers written from RFC 9110, section 12.5.3 (and the header
/// values real clients send); `true` = gzip preferred.
const CASES: &[(&str, bool)] = &[
    // Prometheus' scrape requests, Go's and Python's HTTP clients.
    ("gzip", true),
    // curl --compressed (7.x and 8.x), browsers.
    ("deflate, gzip", true),
    ("deflate, gzip, br, zstd", true),
    ("gzip, deflate, br", true),
    // Case-insensitive names, x-gzip is gzip, whitespace around separators.
    ("GZIP", true),
    ("x-gzip", true),
    ("X-Gzip ;  q=0.5", true),
    ("  gzip\t,identity", true),
    // Weights: gzip wins when not lower than identity.
    ("gzip;q=1.0, identity;q=0.5", true),
    ("gzip;q=0.5, identity;q=0.5", true),
    ("gzip;q=0.5, identity", false),
    ("identity, gzip;q=0.999", false),
    ("gzip;q=0.001", true),
    // Refused outright.
    ("gzip;q=0", false),
    ("gzip;q=0.000", false),
    ("gzip;q=0, *", false),
    // Wildcard: stands for gzip and identity unless they are named.
    ("*", true),
    ("*;q=0.5", true),
    ("*;q=0", false),
    ("*, gzip;q=0", false),
    ("*;q=0.5, identity", false),
    ("*;q=0.5, identity;q=0.4", true),
    ("identity;q=0, *;q=0.1", true),
    // Neither gzip nor a wildcard: identity (also when identity is refused:
    // the header is then disregarded).
    ("", false),
    (",,", false),
    ("br", false),
    ("deflate, br;q=1, zstd", false),
    ("identity", false),
    ("identity;q=0", false),
    ("gzipx", false),
    ("gzi", false),
    // The first clause of a coding counts.
    ("gzip;q=0, gzip", false),
    ("gzip, x-gzip;q=0", true),
    // Malformed clauses are skipped, whatever the rest says.
    ("gzip;q=2", false),
    ("gzip;q=1.5", false),
    ("gzip;q=0.5000", false),
    ("gzip;q=", false),
    ("gzip;q", false),
    ("gzip;q=\"1\"", false),
    ("gzip;level=9", false),
    ("gzip;q=1;q=1", false),
    ("gzip;q=abc, identity", false),
    ("gz ip", false),
    ("gzip;q=0.5 , identity;q=x", true),
    ("\"gzip\"", false),
    // `*` gives identity its weight here.
    ("gzip;q=0.5, *;q=0.6", false),
    ("gzip;q=0.7, *;q=0.6", true),
];

#[test]
fn prefers_gzip_follows_rfc_9110() {
    for &(header, expected) in CASES {
        assert_eq!(prefers_gzip(header.as_bytes()), expected, "{header:?}");
    }
}

#[test]
fn negotiate_encoding_answers_gzip_only_when_built_with_it() {
    assert_eq!(negotiate_encoding(None), ContentEncoding::Identity);
    for &(header, gzip) in CASES {
        let answer = negotiate_encoding(Some(header));
        #[cfg(feature = "gzip")]
        let expected = if gzip {
            ContentEncoding::Gzip
        } else {
            ContentEncoding::Identity
        };
        #[cfg(not(feature = "gzip"))]
        let expected = {
            let _ = gzip;
            ContentEncoding::Identity
        };
        assert_eq!(answer, expected, "{header:?}");
        assert_eq!(
            answer.header_value(),
            if expected == ContentEncoding::Identity {
                None
            } else {
                Some("gzip")
            }
        );
    }
}

#[test]
fn clauses_parse_to_coding_and_weight() {
    assert_eq!(parse_coding(b"gzip"), Some((Coding::Gzip, 1000)));
    assert_eq!(
        parse_coding(b" x-GZIP ; Q = 0.25 "),
        Some((Coding::Gzip, 250))
    );
    assert_eq!(parse_coding(b"identity;q=0"), Some((Coding::Identity, 0)));
    assert_eq!(parse_coding(b"*;q=1.000"), Some((Coding::Any, 1000)));
    assert_eq!(parse_coding(b"br;q=0.9"), Some((Coding::Other, 900)));
    for bad in [
        &b""[..],
        b" ",
        b";q=1",
        b"gzip;",
        b"gzip;q=1;",
        b"g zip",
        b"gzip;x=1",
    ] {
        assert_eq!(
            parse_coding(bad),
            None,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[cfg(feature = "gzip")]
mod gzip {
    use super::super::{compress, Gzip};
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("a valid gzip member");
        out
    }

    #[test]
    fn compress_appends_one_gzip_member_that_decodes_to_the_input() {
        let mut gz = Gzip::new();
        let mut input = Vec::new();
        for i in 0..50_000u32 {
            input.extend_from_slice(
                format!("requests_total{{route=\"/r/{}\"}} {i}\n", i % 300).as_bytes(),
            );
        }
        for body in [&input[..], b"", b"x", &input[..1000]] {
            let mut out = b"prefix".to_vec();
            compress(&mut gz.state, body, &mut out).expect("compress");
            assert!(out.starts_with(b"prefix"));
            let member = &out[6..];
            // RFC 1952: magic, deflate, and the trailer's CRC-32 and length.
            assert_eq!(&member[..3], &[0x1f, 0x8b, 8]);
            let n = member.len();
            let isize = u32::from_le_bytes(member[n - 4..].try_into().unwrap());
            assert_eq!(isize as usize, body.len());
            assert_eq!(gunzip(member), body);
        }
        // Repetitive text compresses well even at the fast level.
        let mut out = Vec::new();
        compress(&mut gz.state, &input, &mut out).expect("compress");
        assert!(
            out.len() * 4 < input.len(),
            "{} of {}",
            out.len(),
            input.len()
        );
    }

    #[test]
    fn the_output_grows_when_input_does_not_compress() {
        // Pseudo-random bytes: the gzip member is longer than the input.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let input: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut gz = Gzip::new();
        let mut out = Vec::new();
        compress(&mut gz.state, &input, &mut out).expect("compress");
        assert!(out.len() > input.len());
        assert_eq!(gunzip(&out), input);
    }
}
