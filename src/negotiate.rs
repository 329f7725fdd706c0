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

use crate::{ContentEncoding, Escaping, Format};

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

/// Which of our representations a clause names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Range {
    /// A media type with a supported version.
    Exact(Media),
    /// `text/plain` without a version.
    TextPlain,
    /// `application/openmetrics-text` without a version.
    OpenMetrics,
    /// `text/*`.
    TextAny,
    /// `application/*`.
    ApplicationAny,
    /// `*/*`.
    Any,
}

impl Range {
    /// Larger is more specific (RFC 9110 §12.5.1 precedence).
    fn specificity(self) -> u8 {
        match self {
            Range::Exact(_) => 3,
            Range::TextPlain | Range::OpenMetrics => 2,
            Range::TextAny | Range::ApplicationAny => 1,
            Range::Any => 0,
        }
    }

    /// What this range would be answered with, best first.
    fn candidates(self) -> &'static [Media] {
        match self {
            Range::Exact(Media::Text004) => &[Media::Text004],
            Range::Exact(Media::Text100) => &[Media::Text100],
            Range::Exact(Media::Om100) => &[Media::Om100],
            Range::Exact(Media::Om001) => &[Media::Om001],
            Range::Exact(Media::Proto) => &[Media::Proto],
            Range::TextPlain | Range::TextAny => &[Media::Text004, Media::Text100],
            Range::OpenMetrics | Range::ApplicationAny => &[Media::Om100, Media::Om001],
            Range::Any => &[Media::Text004, Media::Om100, Media::Text100, Media::Om001],
        }
    }

    fn matches(self, media: Media) -> bool {
        self.candidates().contains(&media)
    }
}

/// A usable clause of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Clause {
    range: Range,
    /// Weight in thousandths, 0..=1000.
    q: u16,
    escaping: Escaping,
}

/// The media type of a clause, before its parameters are read.
enum Kind {
    TextPlain,
    OpenMetrics,
    Protobuf,
    Wildcard(Range),
}

/// Parses one comma-separated clause; `None` when it is malformed or names
/// nothing this crate can produce.
fn parse_clause(raw: &[u8]) -> Option<Clause> {
    let mut parts = Segments::new(raw, b';');
    let media_range = trim(parts.next()?);
    let slash = media_range.iter().position(|&b| b == b'/')?;
    let (kind, subtype) = (&media_range[..slash], &media_range[slash + 1..]);
    if !is_token(kind) || !is_token(subtype) {
        return None;
    }
    let kind = if kind == b"*" {
        if subtype != b"*" {
            return None;
        }
        Kind::Wildcard(Range::Any)
    } else if kind.eq_ignore_ascii_case(b"text") {
        if subtype == b"*" {
            Kind::Wildcard(Range::TextAny)
        } else if subtype.eq_ignore_ascii_case(b"plain") {
            Kind::TextPlain
        } else {
            return None;
        }
    } else if kind.eq_ignore_ascii_case(b"application") {
        if subtype == b"*" {
            Kind::Wildcard(Range::ApplicationAny)
        } else if subtype.eq_ignore_ascii_case(b"openmetrics-text") {
            Kind::OpenMetrics
        } else if subtype.eq_ignore_ascii_case(b"vnd.google.protobuf") {
            Kind::Protobuf
        } else {
            return None;
        }
    } else {
        return None;
    };

    let mut q = None;
    let mut version = None;
    let mut escaping = None;
    let mut charset = None;
    let mut proto = None;
    let mut encoding = None;
    for param in parts {
        let param = trim(param);
        if param.is_empty() {
            continue; // RFC 9110 allows empty parameters (`;;`).
        }
        let eq = param.iter().position(|&b| b == b'=')?;
        let name = trim(&param[..eq]);
        let value = Value::parse(trim(&param[eq + 1..]))?;
        if !is_token(name) {
            return None;
        }
        let slot = if name.eq_ignore_ascii_case(b"q") {
            &mut q
        } else if name.eq_ignore_ascii_case(b"version") {
            &mut version
        } else if name.eq_ignore_ascii_case(b"escaping") {
            &mut escaping
        } else if name.eq_ignore_ascii_case(b"charset") {
            &mut charset
        } else if name.eq_ignore_ascii_case(b"proto") {
            &mut proto
        } else if name.eq_ignore_ascii_case(b"encoding") {
            &mut encoding
        } else {
            continue; // Unknown parameters do not matter here.
        };
        if slot.replace(value).is_some() {
            return None; // Repeated parameter: ambiguous.
        }
    }

    let q = match q {
        None => 1000,
        Some(value) => parse_q(value)?,
    };
    if charset.is_some_and(|c| !c.is_ignoring_case(b"utf-8")) {
        return None;
    }
    let range = match kind {
        Kind::Wildcard(range) => range,
        Kind::TextPlain => match version {
            None => Range::TextPlain,
            Some(v) if v.is(b"0.0.4") => Range::Exact(Media::Text004),
            Some(v) if v.is(b"1.0.0") => Range::Exact(Media::Text100),
            Some(_) => return None,
        },
        Kind::OpenMetrics => match version {
            None => Range::OpenMetrics,
            Some(v) if v.is(b"1.0.0") => Range::Exact(Media::Om100),
            Some(v) if v.is(b"0.0.1") => Range::Exact(Media::Om001),
            Some(_) => return None,
        },
        // Only the delimited encoding of `MetricFamily` messages, named in full.
        Kind::Protobuf => match (proto, encoding) {
            (Some(p), Some(e))
                if p.is(b"io.prometheus.client.MetricFamily") && e.is(b"delimited") =>
            {
                Range::Exact(Media::Proto)
            }
            _ => return None,
        },
    };
    let escaping = match escaping {
        Some(v) if v.is(b"allow-utf-8") => Escaping::AllowUtf8,
        Some(v) if v.is(b"dots") => Escaping::Dots,
        Some(v) if v.is(b"values") => Escaping::Values,
        _ => Escaping::Underscores,
    };
    Some(Clause { range, q, escaping })
}

/// A weight: `0`, `0.d`, `0.dd`, `0.ddd`, `1`, `1.`, `1.0`, `1.00` or
/// `1.000` (RFC 9110 §12.4.2), in thousandths. Quoted weights are rejected.
pub(crate) fn parse_q(value: Value<'_>) -> Option<u16> {
    if value.quoted {
        return None;
    }
    let (&first, rest) = value.raw.split_first()?;
    let whole: u16 = match first {
        b'0' => 0,
        b'1' => 1000,
        _ => return None,
    };
    let decimals = match rest.split_first() {
        None => return Some(whole),
        Some((b'.', decimals)) if decimals.len() <= 3 => decimals,
        Some(_) => return None,
    };
    let mut fraction = 0u16;
    let mut scale = 100u16;
    for &d in decimals {
        if !d.is_ascii_digit() {
            return None;
        }
        fraction += u16::from(d - b'0') * scale;
        scale /= 10;
    }
    if whole == 1000 && fraction != 0 {
        return None;
    }
    Some(whole + fraction)
}

/// A parameter value as written: a token, or a quoted string (`raw` is then
/// the text between the quotes, still with its `\` escapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Value<'a> {
    raw: &'a [u8],
    quoted: bool,
}

impl<'a> Value<'a> {
    pub(crate) fn parse(text: &'a [u8]) -> Option<Self> {
        let Some(inner) = text.strip_prefix(b"\"") else {
            return is_token(text).then_some(Value {
                raw: text,
                quoted: false,
            });
        };
        // The whole value must be one quoted string: `"` qdtext/quoted-pair `"`.
        let mut escaped = false;
        for (i, &b) in inner.iter().enumerate() {
            let allowed = b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80;
            if !allowed {
                return None;
            }
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                return (i + 1 == inner.len()).then_some(Value {
                    raw: &inner[..i],
                    quoted: true,
                });
            }
        }
        None // Unterminated.
    }

    /// Whether the value, unquoted, is exactly `expected`.
    fn is(self, expected: &[u8]) -> bool {
        self.unquoted_eq(expected, u8::eq)
    }

    /// Whether the value, unquoted, is `expected` up to ASCII case.
    fn is_ignoring_case(self, expected: &[u8]) -> bool {
        self.unquoted_eq(expected, u8::eq_ignore_ascii_case)
    }

    fn unquoted_eq(self, expected: &[u8], same: fn(&u8, &u8) -> bool) -> bool {
        let mut expected = expected.iter();
        let mut raw = self.raw.iter();
        while let Some(mut b) = raw.next() {
            if self.quoted && *b == b'\\' {
                // `Value::parse` guarantees a byte after every `\`.
                let Some(next) = raw.next() else { return false };
                b = next;
            }
            if !expected.next().is_some_and(|e| same(b, e)) {
                return false;
            }
        }
        expected.next().is_none()
    }
}

/// Splits at `sep` bytes that are outside quoted strings.
pub(crate) struct Segments<'a> {
    rest: Option<&'a [u8]>,
    sep: u8,
}

impl<'a> Segments<'a> {
    pub(crate) fn new(text: &'a [u8], sep: u8) -> Self {
        Segments {
            rest: Some(text),
            sep,
        }
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let text = self.rest?;
        let mut in_quotes = false;
        let mut escaped = false;
        for (i, &b) in text.iter().enumerate() {
            if in_quotes {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_quotes = false;
                }
            } else if b == b'"' {
                in_quotes = true;
            } else if b == self.sep {
                self.rest = Some(&text[i + 1..]);
                return Some(&text[..i]);
            }
        }
        self.rest = None;
        Some(text)
    }
}

/// Strips optional whitespace (spaces and tabs) from both ends.
pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// RFC 9110 `token`: one or more `tchar`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

#[cfg(test)]
mod tests;
