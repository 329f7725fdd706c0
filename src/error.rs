//! The reader's error type.

use std::fmt;

use opentelemetry_sdk::error::OTelSdkError;

/// Why a scrape through `PrometheusReader` failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The reader was never passed to an `SdkMeterProvider`.
    NotRegistered,
    /// The reader (or its provider) was shut down.
    Shutdown,
    /// The SDK failed to collect.
    Collect(OTelSdkError),
    /// Writing the encoded bytes failed (or, with the `gzip` feature,
    /// compressing them, which does not happen with valid input).
    Io(std::io::Error),
    /// The reader was passed to more than one `SdkMeterProvider`. A reader
    /// serves one provider; the second registration makes every scrape fail
    /// with this error, since the SDK would otherwise ignore the second
    /// provider's metrics and shut the reader down with either provider.
    RegisteredTwice,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotRegistered => f.write_str("reader is not registered with a meter provider"),
            Error::Shutdown => f.write_str("reader is shut down"),
            Error::Collect(e) => write!(f, "metric collection failed: {e}"),
            Error::Io(e) => write!(f, "writing metrics failed: {e}"),
            Error::RegisteredTwice => f.write_str(
                "reader is registered with more than one meter provider; \
                 give each provider its own PrometheusReader",
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Collect(e) => Some(e),
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
