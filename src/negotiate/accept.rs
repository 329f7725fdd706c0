//! One clause of an `Accept` header: its media range, read into the
//! [`Range`] of representations it names, and the parameters that matter
//! here (`q`, `version`, `escaping`, `charset`, and `proto` and `encoding`
//! for protobuf). [`negotiate`](super::negotiate) weighs the clauses.

use super::Media;
use crate::header::{is_token, parse_q, trim, Segments, Value};
use crate::Escaping;

/// Which of our representations a clause names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Range {
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
    pub(super) fn specificity(self) -> u8 {
        match self {
            Range::Exact(_) => 3,
            Range::TextPlain | Range::OpenMetrics => 2,
            Range::TextAny | Range::ApplicationAny => 1,
            Range::Any => 0,
        }
    }

    /// What this range would be answered with, best first.
    pub(super) fn candidates(self) -> &'static [Media] {
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

    pub(super) fn matches(self, media: Media) -> bool {
        self.candidates().contains(&media)
    }
}

/// A usable clause of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Clause {
    pub range: Range,
    /// Weight in thousandths, 0..=1000.
    pub q: u16,
    pub escaping: Escaping,
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
pub(super) fn parse_clause(raw: &[u8]) -> Option<Clause> {
    let mut parts = Segments::new(raw, b';');
    let media_range = trim(parts.next()?);
    let slash = media_range.iter().position(|&b| b == b'/')?;
    // Type and subtype must be tokens: each is compared with tokens below,
    // so anything else is refused there.
    let (kind, subtype) = (&media_range[..slash], &media_range[slash + 1..]);
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
