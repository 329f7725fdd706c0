//! TEMPORARY placeholder in main; replaced by the `names` branch at merge.
pub(crate) fn write_value(v: &opentelemetry::Value, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}
