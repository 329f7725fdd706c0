//! Attribute values as label-value strings.
//!
//! Follows the OpenTelemetry "AnyValue representation for non-OTLP protocols"
//! (OpenTelemetry common specification): strings verbatim, booleans `true`/`false`, integers in
//! decimal, doubles as JSON numbers (`NaN`, `Infinity`, `-Infinity` when not
//! finite), arrays as JSON arrays without spaces.
//!
//! Finite doubles use Rust's `Display`, which is the shortest text that
//! round-trips and never uses an exponent: `1.5`, `3` (for `3.0`), `0.1`,
//! `-0`, `0.0000001` for `1e-7`, and `1e300` as a 301-digit integer. All of
//! these are valid JSON numbers; the long forms are accepted as the price of
//! not formatting floats by hand.
//!
//! Only the caller's `out` grows; nothing else is allocated.

use core::fmt::Write as _;

use opentelemetry::{Array, Value};

/// Appends the label-value string for an attribute value (NOT escaped; the caller escapes).
#[allow(dead_code)]
pub(crate) fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s.as_str()),
        Value::Bool(b) => out.push_str(bool_str(*b)),
        Value::I64(i) => push_display(out, i),
        Value::F64(f) => {
            if f.is_finite() {
                push_display(out, f);
            } else {
                out.push_str(non_finite(*f));
            }
        }
        Value::Array(array) => write_array(array, out),
        // `Value` is non-exhaustive: a future variant falls back to its `Display`.
        other => push_display(out, other),
    }
}

fn write_array(array: &Array, out: &mut String) {
    match array {
        Array::Bool(values) => json_array(values, out, |b, out| out.push_str(bool_str(*b))),
        Array::I64(values) => json_array(values, out, |i, out| push_display(out, i)),
        Array::F64(values) => json_array(values, out, |f, out| {
            if f.is_finite() {
                push_display(out, f);
            } else {
                // JSON has no NaN or infinities: written as strings.
                out.push('"');
                out.push_str(non_finite(*f));
                out.push('"');
            }
        }),
        Array::String(values) => json_array(values, out, |s, out| json_string(s.as_str(), out)),
        // `Array` is non-exhaustive: a future variant falls back to its `Display`.
        other => push_display(out, other),
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `NaN`, `Infinity` or `-Infinity` for a non-finite `f`.
fn non_finite(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

fn push_display(out: &mut String, v: &impl core::fmt::Display) {
    // Writing to a `String` cannot fail.
    let _ = write!(out, "{v}");
}

/// Appends `[e1,e2,...]`, each element written by `element`.
fn json_array<T>(values: &[T], out: &mut String, element: impl Fn(&T, &mut String)) {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        element(v, out);
    }
    out.push(']');
}

/// Appends `s` as a JSON string: quoted, with `"`, `\` and control characters
/// escaped (`\b`, `\f`, `\n`, `\r`, `\t`, otherwise `\u00xx`).
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, hence a char boundary.
        out.push_str(&s[copied..i]);
        if short.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(short);
        }
        copied = i + 1;
    }
    out.push_str(&s[copied..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::StringValue;

    fn val(v: impl Into<Value>) -> String {
        // Appends: existing content is kept.
        let mut out = String::from(">");
        write_value(&v.into(), &mut out);
        assert!(out.starts_with('>'));
        out[1..].to_string()
    }

    fn strings(items: &[&'static str]) -> Value {
        Value::Array(Array::String(
            items.iter().map(|s| StringValue::from(*s)).collect(),
        ))
    }

    #[test]
    fn strings_are_verbatim() {
        assert_eq!(val("GET"), "GET");
        assert_eq!(val(""), "");
        assert_eq!(val("a\"b\\c\nd"), "a\"b\\c\nd");
        assert_eq!(val("日本 ✓"), "日本 ✓");
        assert_eq!(val(String::from("owned")), "owned");
    }

    #[test]
    fn scalars() {
        assert_eq!(val(true), "true");
        assert_eq!(val(false), "false");
        assert_eq!(val(0i64), "0");
        assert_eq!(val(-42i64), "-42");
        assert_eq!(val(i64::MAX), "9223372036854775807");
        assert_eq!(val(i64::MIN), "-9223372036854775808");
    }

    #[test]
    fn floats() {
        assert_eq!(val(1.5), "1.5");
        assert_eq!(val(3.0), "3");
        assert_eq!(val(0.1), "0.1");
        assert_eq!(val(-2.25), "-2.25");
        assert_eq!(val(0.0), "0");
        assert_eq!(val(-0.0), "-0");
        assert_eq!(val(1e-7), "0.0000001");
        assert_eq!(val(1e21), "1000000000000000000000");
        let big = val(1e300);
        assert_eq!(big.len(), 301);
        assert!(big.starts_with('1') && big[1..].bytes().all(|b| b == b'0'));
        assert_eq!(val(f64::NAN), "NaN");
        assert_eq!(val(f64::INFINITY), "Infinity");
        assert_eq!(val(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn scalar_arrays() {
        assert_eq!(val(Value::Array(Array::I64(vec![1, 2]))), "[1,2]");
        assert_eq!(val(Value::Array(Array::I64(vec![-1]))), "[-1]");
        assert_eq!(
            val(Value::Array(Array::Bool(vec![true, false]))),
            "[true,false]"
        );
        assert_eq!(
            val(Value::Array(Array::F64(vec![1.5, 3.0, -0.5]))),
            "[1.5,3,-0.5]"
        );
        assert_eq!(
            val(Value::Array(Array::F64(vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.1
            ]))),
            "[\"NaN\",\"Infinity\",\"-Infinity\",0.1]"
        );
    }

    #[test]
    fn empty_arrays() {
        assert_eq!(val(Value::Array(Array::I64(vec![]))), "[]");
        assert_eq!(val(Value::Array(Array::Bool(vec![]))), "[]");
        assert_eq!(val(Value::Array(Array::F64(vec![]))), "[]");
        assert_eq!(val(strings(&[])), "[]");
    }

    #[test]
    fn string_arrays_are_json_escaped() {
        assert_eq!(val(strings(&["a", "b\"c"])), "[\"a\",\"b\\\"c\"]");
        assert_eq!(val(strings(&[""])), "[\"\"]");
        assert_eq!(val(strings(&["C:\\x"])), "[\"C:\\\\x\"]");
        assert_eq!(
            val(strings(&["l1\nl2", "a\tb", "\r", "\u{8}\u{c}"])),
            "[\"l1\\nl2\",\"a\\tb\",\"\\r\",\"\\b\\f\"]"
        );
        assert_eq!(
            val(strings(&["\u{0}", "\u{1b}[0m", "\u{1f}"])),
            "[\"\\u0000\",\"\\u001b[0m\",\"\\u001f\"]"
        );
        // Non-ASCII and DEL are not escaped.
        assert_eq!(val(strings(&["日本", "é\u{7f}"])), "[\"日本\",\"é\u{7f}\"]");
        assert_eq!(val(strings(&["\"日\"\n"])), "[\"\\\"日\\\"\\n\"]");
    }
}
