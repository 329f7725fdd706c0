//! TEMPORARY stand-in for `src/negotiate.rs` (reader branch only).
//!
//! DELETE THIS FILE AT MERGE, together with the three marked lines in
//! `src/lib.rs`: the real `negotiate` module provides the same API. Only what
//! the reader, its example and its tests use is here, and negotiation is
//! deliberately crude (OpenMetrics if the `Accept` header mentions it).

use crate::{Escaping, Format};

/// The outcome of content negotiation (TEMPORARY stand-in).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Negotiated {
    format: Format,
    escaping: Escaping,
}

impl Negotiated {
    /// A negotiated format and escaping scheme.
    pub const fn new(format: Format, escaping: Escaping) -> Self {
        Negotiated { format, escaping }
    }

    /// The format to write.
    pub const fn format(self) -> Format {
        self.format
    }

    /// The name escaping scheme to use.
    pub const fn escaping(self) -> Escaping {
        self.escaping
    }

    /// The `Content-Type` header value of the response.
    pub const fn content_type(self) -> &'static str {
        match (self.format, self.escaping) {
            (f, Escaping::Underscores) => f.content_type(),
            (Format::PrometheusText, _) => Format::PrometheusText.content_type(),
            (Format::OpenMetrics, _) => Format::OpenMetrics.content_type(),
        }
    }
}

/// Picks a format from an `Accept` header (TEMPORARY, crude stand-in).
pub fn negotiate(accept: Option<&str>) -> Negotiated {
    match accept {
        Some(a) if a.contains("application/openmetrics-text") => {
            Negotiated::new(Format::OpenMetrics, Escaping::Underscores)
        }
        _ => Negotiated::default(),
    }
}
