//! Escaping of label values and HELP text.
//!
//! CONTRACT (filled in by the `num` work item; signatures are fixed):

/// Appends `s` escaped for use inside a double-quoted label value or quoted
/// name: `\` → `\\`, `"` → `\"`, line feed → `\n`; every other byte is copied.
pub fn write_label_value(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

/// Appends `s` escaped as HELP text: `\` → `\\` and line feed → `\n`; with
/// `openmetrics` also `"` → `\"` (OpenMetrics escapes HELP like label values).
pub fn write_help(out: &mut Vec<u8>, s: &str, openmetrics: bool) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' if openmetrics => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}
