//! `Accept-Encoding` negotiation and, with the `gzip` feature, the gzip
//! compressor the reader reuses across scrapes.
//!
//! The negotiation follows RFC 9110, section 12.5.3: a comma-separated list
//! of content codings, each with an optional weight `;q=`; `identity` is
//! acceptable unless excluded by `identity;q=0` or by `*;q=0` without an
//! `identity` entry; `*` stands for every coding not named. Like
//! [`negotiate`](crate::negotiate), it works on the header's bytes, allocates
//! nothing, never panics and never fails.

use crate::header::{is_token, parse_q, trim, Segments, Value};

/// The content coding of a response body (RFC 9110, section 8.4.1): what the
/// bytes of any format (text, OpenMetrics, or another) are wrapped in.
///
/// The `Gzip` variant exists only when the crate is built with the `gzip`
/// cargo feature; the enum is `#[non_exhaustive]`, so code that matches on
/// it compiles either way.
///
/// ```
/// use otel_expfmt::ContentEncoding;
///
/// assert_eq!(ContentEncoding::default(), ContentEncoding::Identity);
/// assert_eq!(ContentEncoding::Identity.header_value(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentEncoding {
    /// The body as encoded, uncompressed. No `Content-Encoding` header is sent.
    #[default]
    Identity,
    /// gzip (RFC 1952) at a fast compression level (1). Cargo feature `gzip`.
    #[cfg(feature = "gzip")]
    #[cfg_attr(docsrs, doc(cfg(feature = "gzip")))]
    Gzip,
}

impl ContentEncoding {
    /// The `Content-Encoding` header value to send with a body in this
    /// coding, or `None` when no header is to be sent (identity).
    ///
    /// ```
    /// use otel_expfmt::ContentEncoding;
    ///
    /// assert_eq!(ContentEncoding::Identity.header_value(), None);
    /// #[cfg(feature = "gzip")]
    /// assert_eq!(ContentEncoding::Gzip.header_value(), Some("gzip"));
    /// ```
    #[must_use]
    pub const fn header_value(self) -> Option<&'static str> {
        match self {
            ContentEncoding::Identity => None,
            #[cfg(feature = "gzip")]
            ContentEncoding::Gzip => Some("gzip"),
        }
    }
}

/// Chooses the content coding of a scrape's answer from the request's
/// `Accept-Encoding` header (`None` when the request has none).
///
/// The header is a comma-separated list of codings, each optionally
/// followed by a weight `;q=` (`0` to `1`, at most three decimals); names are
/// case-insensitive and `x-gzip` means `gzip`. A clause with any other
/// parameter or a malformed weight is skipped; when a coding is listed more
/// than once, its first clause counts. The answer is gzip when the crate was
/// built with the `gzip` feature and gzip is acceptable (its own weight, or
/// else that of `*`, is above zero) and weighs at least as much as
/// `identity` (its own weight, or else that of `*`; an `identity` that is not
/// mentioned at all is acceptable but preferred last). Otherwise it is
/// [`ContentEncoding::Identity`].
///
/// Identity is also the answer when the header rules out everything we can
/// send (`identity;q=0` without gzip): RFC 9110 lets a server disregard the
/// header rather than answer 406, and a scrape is better served uncompressed
/// than not at all. No header means no preference: identity, as the
/// Prometheus client libraries answer.
///
/// **Built without the `gzip` feature, it always answers
/// [`ContentEncoding::Identity`]**, whatever the header says.
///
/// It runs in time linear in the header's length, allocates nothing, never
/// panics and never fails.
///
/// ```
/// use otel_expfmt::{negotiate_encoding, ContentEncoding};
///
/// // What Prometheus sends; `curl --compressed` sends a longer list.
/// let prometheus = negotiate_encoding(Some("gzip"));
/// let curl = negotiate_encoding(Some("deflate, gzip, br, zstd"));
/// assert_eq!(prometheus, curl);
/// if cfg!(feature = "gzip") {
///     assert_eq!(prometheus.header_value(), Some("gzip"));
/// } else {
///     assert_eq!(prometheus, ContentEncoding::Identity);
/// }
///
/// // Never compressed: no header, an empty one, gzip refused or weighed lower.
/// for header in [None, Some(""), Some("gzip;q=0"), Some("gzip;q=0.5, identity"), Some("br")] {
///     assert_eq!(negotiate_encoding(header), ContentEncoding::Identity, "{header:?}");
/// }
/// ```
#[must_use]
pub fn negotiate_encoding(accept_encoding: Option<&str>) -> ContentEncoding {
    #[cfg(feature = "gzip")]
    if let Some(header) = accept_encoding {
        if prefers_gzip(header.as_bytes()) {
            return ContentEncoding::Gzip;
        }
    }
    #[cfg(not(feature = "gzip"))]
    let _ = accept_encoding;
    ContentEncoding::Identity
}

/// The codings a clause can name, as far as the choice is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "gzip"), allow(dead_code))]
enum Coding {
    Gzip,
    Identity,
    Any,
    Other,
}

/// Parses one clause: `coding [ OWS ";" OWS "q=" qvalue ]`, with its weight
/// in thousandths (1000 without a weight).
#[cfg_attr(not(feature = "gzip"), allow(dead_code))]
fn parse_coding(raw: &[u8]) -> Option<(Coding, u16)> {
    let mut parts = Segments::new(raw, b';');
    let name = trim(parts.next()?);
    if !is_token(name) {
        return None;
    }
    let coding = if name == b"*" {
        Coding::Any
    } else if name.eq_ignore_ascii_case(b"gzip") || name.eq_ignore_ascii_case(b"x-gzip") {
        Coding::Gzip
    } else if name.eq_ignore_ascii_case(b"identity") {
        Coding::Identity
    } else {
        Coding::Other
    };
    let q = match parts.next() {
        None => 1000,
        Some(param) => {
            let (key, value) = split_param(trim(param))?;
            if !key.eq_ignore_ascii_case(b"q") {
                return None;
            }
            parse_q(Value::parse(value)?)?
        }
    };
    if parts.next().is_some() {
        return None; // a weight is the only parameter a coding has
    }
    Some((coding, q))
}

/// `name=value`, with optional whitespace around `=`.
#[cfg_attr(not(feature = "gzip"), allow(dead_code))]
fn split_param(param: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = param.iter().position(|&b| b == b'=')?;
    Some((trim(&param[..eq]), trim(&param[eq + 1..])))
}

/// Whether gzip is acceptable and weighs at least as much as identity (see
/// [`negotiate_encoding`]).
// Compiled and unit-tested in every build; used only with the `gzip` feature.
#[cfg_attr(not(feature = "gzip"), allow(dead_code))]
fn prefers_gzip(header: &[u8]) -> bool {
    let (mut gzip, mut identity, mut any) = (None, None, None);
    for (coding, q) in Segments::new(header, b',').filter_map(parse_coding) {
        let slot = match coding {
            Coding::Gzip => &mut gzip,
            Coding::Identity => &mut identity,
            Coding::Any => &mut any,
            Coding::Other => continue,
        };
        slot.get_or_insert(q);
    }
    let gzip = gzip.or(any).unwrap_or(0);
    // An identity that is not mentioned (neither by name nor by `*`) is
    // acceptable, but below any weight gzip can have.
    let identity = identity.or(any).unwrap_or(0);
    gzip > 0 && gzip >= identity
}

#[cfg(feature = "gzip")]
pub(crate) use gzip::{compress, Gzip};

#[cfg(feature = "gzip")]
mod gzip {
    use flate2::{Compress, Compression, FlushCompress, Status};

    /// The compression level: the fastest. The fast levels of zlib-rs and
    /// miniz_oxide were measured on the benchmark workloads (see
    /// `benches/README.md`, "Compression").
    const LEVEL: u32 = 1;

    /// A gzip compressor's state and the buffer it writes scrapes into,
    /// both reused from one body to the next.
    pub(crate) struct Gzip {
        pub state: Compress,
        pub out: Vec<u8>,
    }

    impl Gzip {
        pub fn new() -> Self {
            Gzip {
                // 15: the largest DEFLATE window (32 KiB).
                state: Compress::new_gzip(Compression::new(LEVEL), 15),
                out: Vec::new(),
            }
        }
    }

    /// Appends the gzip member (RFC 1952: header, DEFLATE stream, CRC-32
    /// and length) of `input` to `out`, with `state` reset first. Allocates
    /// only when `out` has too little spare capacity.
    pub(crate) fn compress(
        state: &mut Compress,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        state.reset();
        loop {
            let consumed = usize::try_from(state.total_in()).unwrap_or(input.len());
            let rest = input.get(consumed..).unwrap_or_default();
            // Text expositions shrink to well under a quarter at this level;
            // if not, the next round makes more room.
            out.reserve(rest.len() / 4 + 64);
            let status = state
                .compress_vec(rest, out, FlushCompress::Finish)
                .map_err(std::io::Error::other)?;
            if status == Status::StreamEnd {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests;
