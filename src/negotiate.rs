//! `Accept`-header content negotiation.
//!
//! [`negotiate`] reads a scrape request's `Accept` header and picks the
//! exposition format, its version label and the name-escaping scheme.
//! [`Negotiated::content_type`] then gives the exact `Content-Type` of the
//! answer, always one of a fixed set of `&'static str` values: nothing from
//! the request is ever copied into the response.
//!
//! The parser works on the header's bytes, allocates nothing, never panics and
//! never fails: whatever it cannot use is skipped, and a header with nothing
//! usable gets the default answer (text 0.0.4, `underscores`).
//!
//! This file holds the answers (the representations, their `Content-Type`
//! table, [`Negotiated`]) and the choice between clauses ([`negotiate`]);
//! [`accept`] reads one clause, and [`crate::header`] has the field syntax
//! shared with `Accept-Encoding`.

mod accept;

use crate::header::Segments;
use crate::{ContentEncoding, Escaping, Format};
use accept::parse_clause;

/// A concrete representation this crate can answer with: a format plus the
/// version written in the `Content-Type` (the body does not depend on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Media {
    /// `text/plain; version=0.0.4`.
    Text004 = 0,
    /// `text/plain; version=1.0.0` (same line grammar as 0.0.4).
    Text100 = 1,
    /// `application/openmetrics-text; version=1.0.0`.
    Om100 = 2,
    /// `application/openmetrics-text; version=0.0.1` (same body as 1.0.0).
    Om001 = 3,
    /// `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`.
    Proto = 4,
}

impl Media {
    const ALL: [Media; 5] = [
        Media::Text004,
        Media::Text100,
        Media::Om100,
        Media::Om001,
        Media::Proto,
    ];

    const fn format(self) -> Format {
        match self {
            Media::Text004 | Media::Text100 => Format::PrometheusText,
            Media::Om100 | Media::Om001 => Format::OpenMetrics,
            Media::Proto => Format::PrometheusProtobuf,
        }
    }
}

/// Position of a scheme in a row of [`CONTENT_TYPES`].
const fn escaping_index(escaping: Escaping) -> usize {
    match escaping {
        Escaping::Underscores => 0,
        Escaping::AllowUtf8 => 1,
        Escaping::Dots => 2,
        Escaping::Values => 3,
    }
}

/// Every `Content-Type` this crate answers with: one row per [`Media`] (in
/// discriminant order), one column per [`Escaping`] (in [`escaping_index`] order).
const CONTENT_TYPES: [&str; 20] = [
    "text/plain; version=0.0.4; charset=utf-8; escaping=underscores",
    "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8",
    "text/plain; version=0.0.4; charset=utf-8; escaping=dots",
    "text/plain; version=0.0.4; charset=utf-8; escaping=values",
    "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
    "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
    "text/plain; version=1.0.0; charset=utf-8; escaping=values",
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores",
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=dots",
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=values",
    "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=underscores",
    "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=allow-utf-8",
    "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=dots",
    "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=values",
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores",
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=allow-utf-8",
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=dots",
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=values",
];

/// What to answer a scrape with: the [`Format`] to encode, the [`Escaping`]
/// scheme for names, and the exact `Content-Type` to send; and the
/// [`ContentEncoding`] the body is compressed with (identity unless set with
/// [`with_encoding`](Negotiated::with_encoding)).
///
/// Build it with [`negotiate`] from the request's `Accept` header, or with
/// [`Negotiated::new`] when the format is fixed by configuration.
///
/// ```
/// use otel_expfmt::{negotiate, Escaping, Format, Negotiated};
///
/// let answer = negotiate(Some("application/openmetrics-text;version=1.0.0"));
/// assert_eq!(answer, Negotiated::new(Format::OpenMetrics, Escaping::Underscores));
/// assert_eq!(negotiate(None), Negotiated::default());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Negotiated {
    media: Media,
    escaping: Escaping,
    encoding: ContentEncoding,
}

impl Negotiated {
    /// An answer in `format` with names escaped by `escaping`, labelled with
    /// the format's default version (text `0.0.4`, OpenMetrics `1.0.0`).
    ///
    /// ```
    /// use otel_expfmt::{Escaping, Format, Negotiated};
    ///
    /// let n = Negotiated::new(Format::OpenMetrics, Escaping::AllowUtf8);
    /// assert_eq!(
    ///     n.content_type(),
    ///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    /// );
    /// ```
    #[must_use]
    pub const fn new(format: Format, escaping: Escaping) -> Self {
        let media = match format {
            Format::PrometheusText => Media::Text004,
            Format::OpenMetrics => Media::Om100,
            Format::PrometheusProtobuf => Media::Proto,
        };
        Negotiated {
            media,
            escaping,
            encoding: ContentEncoding::Identity,
        }
    }

    /// The same answer with its body compressed in `encoding`, typically
    /// the result of [`negotiate_encoding`](crate::negotiate_encoding) on
    /// the request's `Accept-Encoding` header. The reader's scrape methods
    /// then write the compressed bytes; send
    /// [`content_encoding`](Self::content_encoding) with them.
    ///
    /// ```
    /// use otel_expfmt::{negotiate, negotiate_encoding, ContentEncoding};
    ///
    /// let n = negotiate(Some("text/plain")).with_encoding(negotiate_encoding(Some("gzip")));
    /// assert_eq!(n.content_type(), "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
    /// assert_eq!(n.encoding(), negotiate_encoding(Some("gzip")));
    /// assert_eq!(n.with_encoding(ContentEncoding::Identity), negotiate(Some("text/plain")));
    /// ```
    #[must_use]
    pub const fn with_encoding(self, encoding: ContentEncoding) -> Self {
        Negotiated { encoding, ..self }
    }

    /// The content coding the body is compressed with.
    ///
    /// ```
    /// use otel_expfmt::{negotiate, ContentEncoding};
    ///
    /// assert_eq!(negotiate(None).encoding(), ContentEncoding::Identity);
    /// ```
    #[must_use]
    pub const fn encoding(self) -> ContentEncoding {
        self.encoding
    }

    /// The `Content-Encoding` header value to send with the body, or `None`
    /// when no such header is to be sent (the body is not compressed).
    ///
    /// ```
    /// use otel_expfmt::{negotiate, negotiate_encoding};
    ///
    /// let n = negotiate(None).with_encoding(negotiate_encoding(Some("gzip")));
    /// let expected = if cfg!(feature = "gzip") { Some("gzip") } else { None };
    /// assert_eq!(n.content_encoding(), expected);
    /// assert_eq!(negotiate(None).content_encoding(), None);
    /// ```
    #[must_use]
    pub const fn content_encoding(self) -> Option<&'static str> {
        self.encoding.header_value()
    }

    /// The format to encode the body in.
    ///
    /// ```
    /// use otel_expfmt::{negotiate, Format};
    ///
    /// assert_eq!(negotiate(Some("text/plain")).format(), Format::PrometheusText);
    /// // OpenMetrics 0.0.1 is answered with the same body as 1.0.0.
    /// let om = negotiate(Some("application/openmetrics-text; version=0.0.1"));
    /// assert_eq!(om.format(), Format::OpenMetrics);
    /// ```
    #[must_use]
    pub const fn format(self) -> Format {
        self.media.format()
    }

    /// The scheme for writing metric and label names that are not valid
    /// legacy Prometheus names.
    ///
    /// ```
    /// use otel_expfmt::{negotiate, Escaping};
    ///
    /// let n = negotiate(Some("text/plain;version=1.0.0;escaping=allow-utf-8"));
    /// assert_eq!(n.escaping(), Escaping::AllowUtf8);
    /// assert_eq!(negotiate(Some("text/plain")).escaping(), Escaping::Underscores);
    /// ```
    #[must_use]
    pub const fn escaping(self) -> Escaping {
        self.escaping
    }

    /// The exact `Content-Type` header value for the answer: media type,
    /// version (or protobuf message and encoding), `charset=utf-8` for the
    /// text formats, and the escaping scheme. It is one of twenty fixed
    /// strings, never built from request text.
    ///
    /// ```
    /// use otel_expfmt::negotiate;
    ///
    /// assert_eq!(
    ///     negotiate(Some("text/plain;version=0.0.4")).content_type(),
    ///     "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
    /// );
    /// assert_eq!(
    ///     negotiate(Some("application/openmetrics-text;version=0.0.1;escaping=dots")).content_type(),
    ///     "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=dots"
    /// );
    /// ```
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        CONTENT_TYPES[self.media as usize * 4 + escaping_index(self.escaping)]
    }
}

/// The answer when the request says nothing usable: Prometheus text 0.0.4
/// with `underscores` escaping, the default of Prometheus' content negotiation.
///
/// ```
/// use otel_expfmt::{Escaping, Format, Negotiated};
///
/// let n = Negotiated::default();
/// assert_eq!(n.format(), Format::PrometheusText);
/// assert_eq!(n.escaping(), Escaping::Underscores);
/// assert_eq!(n.content_type(), "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
/// ```
impl Default for Negotiated {
    fn default() -> Self {
        Negotiated::new(Format::PrometheusText, Escaping::Underscores)
    }
}

/// Chooses the format and name escaping from a request's `Accept` header
/// (`None` when the request has none).
///
/// The header is a comma-separated list of media ranges, each
/// `type/subtype` followed by `;`-separated `name=value` parameters. Type,
/// subtype and parameter names are case-insensitive; whitespace is allowed
/// around `,`, `;` and `=`; values may be quoted strings. Supported ranges:
///
/// | media range | answer |
/// |---|---|
/// | `text/plain`, `version=0.0.4` or no version | text, `version=0.0.4` |
/// | `text/plain; version=1.0.0` | text, `version=1.0.0` (same body) |
/// | `application/openmetrics-text`, `version=1.0.0` or no version | OpenMetrics, `version=1.0.0` |
/// | `application/openmetrics-text; version=0.0.1` | OpenMetrics, `version=0.0.1` (same body) |
/// | `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited` | Prometheus protobuf |
/// | `text/*`, `*/*` | text, `version=0.0.4` |
/// | `application/*` | OpenMetrics, `version=1.0.0` |
///
/// Protobuf is answered only to a clause that names it with both
/// parameters (what Prometheus sends when it scrapes native histograms),
/// never to a wildcard: a Prometheus that did not ask for it fails the
/// whole scrape on a native histogram. Anything else (other protobuf
/// messages or encodings such as `encoding=text`, other versions, other
/// types, a `charset` other than `utf-8`) is skipped. So is a clause that is malformed: a bad media
/// range, a parameter without `=`, an unterminated quoted string, a repeated
/// `q`, `version`, `escaping` or `charset`, or a `q` that is not a plain
/// `0`..`1` with at most three decimals. A `version` on a wildcard range is
/// ignored. Commas and semicolons inside a quoted string do not separate
/// anything, so an unbalanced `"` makes the rest of the header unusable.
///
/// The answer comes from the supported clause with the highest `q` (default
/// 1); on a tie the earlier clause wins. `q=0` means "not acceptable": such a
/// clause is never chosen, and it rules out what it names for wildcard and
/// versionless clauses too (the most specific matching clause decides, as in
/// RFC 9110), e.g. `text/plain;version=0.0.4;q=0, text/plain` answers with
/// text `version=1.0.0`. With no usable clause, or no header, the answer is
/// [`Negotiated::default`] (text 0.0.4, `underscores`).
///
/// It runs in time linear in the header's length, allocates nothing, never
/// panics and never fails.
///
/// The escaping scheme is the chosen clause's `escaping` parameter:
/// `allow-utf-8`, `underscores`, `dots` or `values`, matched exactly. A
/// missing or unknown value means `underscores`; an `escaping` on any other
/// clause is ignored.
///
/// ```
/// use otel_expfmt::{negotiate, Escaping, Format};
///
/// // What Prometheus 3 sends by default.
/// let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
///               application/openmetrics-text;version=0.0.1;q=0.5,\
///               text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
///               text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// let n = negotiate(Some(accept));
/// assert_eq!(n.format(), Format::OpenMetrics);
/// assert_eq!(n.escaping(), Escaping::AllowUtf8);
/// assert_eq!(
///     n.content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
/// );
///
/// // What Prometheus sends with native histograms enabled: protobuf.
/// let accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
///               encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;q=0.5";
/// assert_eq!(negotiate(Some(accept)).format(), Format::PrometheusProtobuf);
///
/// // Protobuf without the message and encoding named: skipped.
/// let n = negotiate(Some("application/vnd.google.protobuf;q=0.9, text/plain;q=0.5"));
/// assert_eq!(n.format(), Format::PrometheusText);
///
/// // No header, or nothing usable in it: text 0.0.4 with underscores.
/// assert_eq!(negotiate(None).content_type(), negotiate(Some("image/png")).content_type());
/// ```
#[must_use]
pub fn negotiate(accept: Option<&str>) -> Negotiated {
    let Some(header) = accept else {
        return Negotiated::default();
    };
    let header = header.as_bytes();

    // Pass 1: for each representation, the q of the most specific clause
    // naming it (the first one among equally specific clauses).
    let mut decisive: [Option<(u8, u16)>; Media::ALL.len()] = [None; Media::ALL.len()];
    for clause in Segments::new(header, b',').filter_map(parse_clause) {
        let specificity = clause.range.specificity();
        for media in Media::ALL {
            if !clause.range.matches(media) {
                continue;
            }
            let slot = &mut decisive[media as usize];
            if slot.is_none_or(|(s, _)| s < specificity) {
                *slot = Some((specificity, clause.q));
            }
        }
    }
    let acceptable = |media: Media| decisive[media as usize].is_some_and(|(_, q)| q > 0);

    // Pass 2: the highest-q clause that names an acceptable representation.
    let mut chosen: Option<(u16, Negotiated)> = None;
    for clause in Segments::new(header, b',').filter_map(parse_clause) {
        if clause.q == 0 || chosen.is_some_and(|(q, _)| q >= clause.q) {
            continue;
        }
        let pick = clause
            .range
            .candidates()
            .iter()
            .copied()
            .find(|&m| acceptable(m));
        if let Some(media) = pick {
            let answer = Negotiated {
                media,
                escaping: clause.escaping,
                encoding: ContentEncoding::Identity,
            };
            chosen = Some((clause.q, answer));
        }
    }
    chosen.map_or_else(Negotiated::default, |(_, answer)| answer)
}

#[cfg(test)]
mod tests;
