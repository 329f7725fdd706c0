//! The HTTP field syntax (RFC 9110, section 5.6) that both negotiations
//! read: comma- and semicolon-separated lists ([`Segments`]) that respect
//! quoted strings, optional whitespace ([`trim`]), tokens ([`is_token`]),
//! parameter values ([`Value`]) and weights ([`parse_q`]).
//!
//! [`negotiate`](crate::negotiate) reads `Accept` and
//! [`negotiate_encoding`](crate::negotiate_encoding) reads `Accept-Encoding`
//! with these. Everything works on the header's bytes, allocates nothing and
//! never panics.

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
    pub(crate) fn is(self, expected: &[u8]) -> bool {
        self.unquoted_eq(expected, u8::eq)
    }

    /// Whether the value, unquoted, is `expected` up to ASCII case.
    pub(crate) fn is_ignoring_case(self, expected: &[u8]) -> bool {
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
mod tests {
    use super::{parse_q, Value};

    #[test]
    fn quoted_strings_hold_tabs_visible_and_non_ascii_bytes_only() {
        let quoted = |raw: &'static [u8]| Some(Value { raw, quoted: true });
        // qdtext: HTAB, SP, visible ASCII and obs-text (0x80 and above).
        assert_eq!(Value::parse(b"\"a\tb\""), quoted(b"a\tb"));
        assert_eq!(Value::parse("\"é ~\"".as_bytes()), quoted("é ~".as_bytes()));
        assert_eq!(Value::parse(b"\"a\\\"b\""), quoted(b"a\\\"b"));
        for control in [0x00u8, 0x01, b'\n', b'\r', 0x1f, 0x7f] {
            assert_eq!(
                Value::parse(&[b'"', b'a', control, b'"']),
                None,
                "{control:#x}"
            );
            assert_eq!(
                Value::parse(&[b'"', b'\\', control, b'"']),
                None,
                "{control:#x}"
            );
        }
        // One quoted string, terminated, and nothing after it.
        assert_eq!(Value::parse(b"\"ab"), None);
        assert_eq!(Value::parse(b"\"a\"b"), None);
    }

    #[test]
    fn well_formed_q_values() {
        let cases = [
            ("0", Some(0)),
            ("0.", Some(0)),
            ("0.5", Some(500)),
            ("0.05", Some(50)),
            ("0.123", Some(123)),
            ("1", Some(1000)),
            ("1.", Some(1000)),
            ("1.000", Some(1000)),
            ("1.01", None),
        ];
        for (q, expected) in cases {
            assert_eq!(
                parse_q(Value {
                    raw: q.as_bytes(),
                    quoted: false
                }),
                expected,
                "{q}"
            );
        }
    }
}
