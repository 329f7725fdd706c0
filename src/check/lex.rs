//! Byte-level pieces shared by both grammars: a cursor over one line, names,
//! quoted strings with their escapes, and numbers.

use super::{CheckError, CheckErrorKind as K};

/// Which backslash sequences a string accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Escapes {
    /// `\\`, `\"`, `\n`: label values and quoted names in both formats, and
    /// OpenMetrics HELP text. (The OpenMetrics ABNF also admits `BS
    /// normal-char`, but its text says a single backslash SHOULD NOT be used
    /// for undefined escape sequences: refused here.)
    Quoted,
    /// 0.0.4 HELP text: `\\`, `\n`.
    PromHelp,
}

/// A cursor over one line (without its newline). Never panics: every access
/// goes through `get`.
#[derive(Debug)]
pub(super) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str, line: usize) -> Self {
        Cursor { text, pos: 0, line }
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// 1-based column of the current position.
    pub(super) fn col(&self) -> usize {
        self.pos + 1
    }

    pub(super) fn err(&self, kind: K) -> CheckError {
        CheckError::new(self.line, self.col(), kind)
    }

    pub(super) fn err_at(&self, pos: usize, kind: K) -> CheckError {
        CheckError::new(self.line, pos + 1, kind)
    }

    /// The error for "something else expected here".
    pub(super) fn unexpected(&self) -> CheckError {
        if self.at_end() {
            self.err(K::UnexpectedEndOfLine)
        } else {
            self.err(K::UnexpectedChar)
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub(super) fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    pub(super) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, byte: u8) -> Result<(), CheckError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Skips blanks and tabs (0.0.4 only); returns how many.
    pub(super) fn skip_blanks(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Takes bytes up to (not including) the first one in `stops`, or the end.
    pub(super) fn take_until(&mut self, stops: &[u8]) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if stops.contains(&b) {
                break;
            }
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// Takes bytes while `keep` holds (ASCII classes only, so slicing is on
    /// character boundaries).
    pub(super) fn take_while(&mut self, keep: fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(keep) {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// Takes the rest of the line.
    pub(super) fn take_rest(&mut self) -> &'a str {
        let rest = self.rest();
        self.pos = self.text.len();
        rest
    }

    /// Reads a quoted string starting at the opening `"` and returns it unescaped.
    pub(super) fn quoted(&mut self, escapes: Escapes) -> Result<String, CheckError> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let run = self.take_until(b"\"\\");
            out.push_str(run);
            match self.peek() {
                None => return Err(self.err(K::UnexpectedEndOfLine)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => self.escape(escapes, &mut out)?,
            }
        }
    }

    /// Reads unquoted text to the end of the line and returns it unescaped.
    pub(super) fn text_to_end(&mut self, escapes: Escapes) -> Result<String, CheckError> {
        let mut out = String::new();
        loop {
            out.push_str(self.take_until(b"\\"));
            if self.at_end() {
                return Ok(out);
            }
            self.escape(escapes, &mut out)?;
        }
    }

    /// At a backslash: appends the unescaped sequence to `out`.
    fn escape(&mut self, escapes: Escapes, out: &mut String) -> Result<(), CheckError> {
        let start = self.pos;
        self.pos += 1;
        let Some(next) = self.rest().chars().next() else {
            return Err(self.err_at(start, K::InvalidEscape));
        };
        match (next, escapes) {
            ('\\', _) => out.push('\\'),
            ('n', _) => out.push('\n'),
            ('"', Escapes::Quoted) => out.push('"'),
            _ => return Err(self.err_at(start, K::InvalidEscape)),
        }
        self.pos += next.len_utf8();
        Ok(())
    }
}

pub(super) fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

pub(super) fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

pub(super) fn is_label_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub(super) fn is_legacy_metric_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(|&c| is_name_start(c)) && b.iter().all(|&c| is_name_char(c))
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
pub(super) fn is_legacy_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        && b.iter().all(|&c| is_label_char(c))
}

/// A decimal number: `[+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?`. This is
/// both the OpenMetrics `realnumber` and Go's decimal `ParseFloat` syntax
/// (without underscores, hexadecimal or special values).
pub(super) fn is_decimal(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = count_digits(b, i);
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(b, i);
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let exp_digits = count_digits(b, i);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == b.len()
}

fn count_digits(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// A finite decimal; `None` if the syntax is wrong.
pub(super) fn parse_decimal(text: &str) -> Option<f64> {
    if is_decimal(text) {
        text.parse().ok()
    } else {
        None
    }
}

/// Any number of either format: a decimal, `[+-]inf`, `[+-]infinity` or
/// `nan`, the words in any case (Go's `ParseFloat`; RFC 5234 strings in the
/// OpenMetrics ABNF are case-insensitive too).
pub(super) fn parse_number(text: &str) -> Option<f64> {
    if let Some(v) = parse_decimal(text) {
        return Some(v);
    }
    let (sign, word) = match text.as_bytes().first() {
        Some(b'+') => (1.0, text.get(1..)?),
        Some(b'-') => (-1.0, text.get(1..)?),
        _ => (0.0, text),
    };
    if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("infinity") {
        Some(if sign < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        })
    } else if sign == 0.0 && word.eq_ignore_ascii_case("nan") {
        Some(f64::NAN)
    } else {
        None
    }
}

/// 0.0.4 timestamp: an `int64` of milliseconds, optionally signed.
pub(super) fn parse_millis(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

/// The value as an exact unsigned integer when written as plain digits
/// (optionally with a `.0…` fraction of zeros), for exact count comparisons.
pub(super) fn exact_uint(text: &str) -> Option<u128> {
    let text = text.strip_prefix('+').unwrap_or(text);
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b == b'0')
    {
        return None;
    }
    int.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_syntax() {
        for ok in [
            "1", "-1", "+1.5", "1.", ".5", "1e5", "1E-5", "1.e+5", "007", "0.0",
        ] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in [
            "", "+", ".", "e5", "1e", "1e+", "1_0", "0x1", "1.2.3", " 1", "1 ", "--1",
        ] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn special_numbers() {
        assert_eq!(parse_number("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_number("-infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_number("INF"), Some(f64::INFINITY));
        assert!(parse_number("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_number("+NaN"), None);
        assert_eq!(parse_number("infin"), None);
        assert_eq!(parse_number("0x1p-3"), None);
    }

    #[test]
    fn millis_and_exact_integers() {
        assert_eq!(parse_millis("+12"), Some(12));
        assert_eq!(parse_millis("-12"), Some(-12));
        assert_eq!(parse_millis("1.5"), None);
        assert_eq!(parse_millis("99999999999999999999"), None);
        assert_eq!(parse_millis("+-1"), None);
        assert_eq!(parse_millis("+"), None);
        assert_eq!(exact_uint("17.0"), Some(17));
        assert_eq!(exact_uint("1e3"), None);
        assert_eq!(exact_uint("1.5"), None);
        assert_eq!(exact_uint("++5"), None);
        assert_eq!(exact_uint(".0"), None);
        assert_eq!(
            exact_uint("18446744073709551617"),
            Some(18_446_744_073_709_551_617)
        );
    }

    #[test]
    fn names_may_start_with_underscore_or_colon() {
        for name in ["_a", ":a", "a", "a:_1"] {
            assert!(is_legacy_metric_name(name), "{name}");
        }
        for name in ["1a", "", "-a", "a-b"] {
            assert!(!is_legacy_metric_name(name), "{name}");
        }
        assert!(is_legacy_label_name("_a") && !is_legacy_label_name(":a"));
    }

    #[test]
    fn blanks_are_counted() {
        let mut c = Cursor::new("ab \t c", 1);
        assert_eq!(c.take_while(is_name_char), "ab");
        assert_eq!(c.skip_blanks(), 3);
        assert_eq!(c.skip_blanks(), 0);
        assert_eq!(c.col(), 6);
    }

    #[test]
    fn cursor_unescapes_and_reports_columns() {
        let mut c = Cursor::new(r#""a\"b\\c\nd" x"#, 3);
        assert_eq!(c.quoted(Escapes::Quoted).unwrap(), "a\"b\\c\nd");
        assert_eq!(c.col(), 13);
        let mut c = Cursor::new(r#""a\qb""#, 1);
        let e = c.quoted(Escapes::Quoted).unwrap_err();
        assert_eq!((e.line, e.column, e.kind), (1, 3, K::InvalidEscape));
        let mut c = Cursor::new(r"a\tb", 1);
        let e = c.text_to_end(Escapes::Quoted).unwrap_err();
        assert_eq!((e.line, e.column, e.kind), (1, 2, K::InvalidEscape));
        let mut c = Cursor::new(r#"a\"b\\\n"#, 1);
        assert_eq!(c.text_to_end(Escapes::Quoted).unwrap(), "a\"b\\\n");
        let mut c = Cursor::new(r#"a\"b"#, 1);
        let e = c.text_to_end(Escapes::PromHelp).unwrap_err();
        assert_eq!((e.line, e.column, e.kind), (1, 2, K::InvalidEscape));
        let mut c = Cursor::new("x\\", 1);
        assert_eq!(
            c.text_to_end(Escapes::Quoted).unwrap_err().kind,
            K::InvalidEscape
        );
        let mut c = Cursor::new("\"open", 1);
        assert_eq!(
            c.quoted(Escapes::Quoted).unwrap_err().kind,
            K::UnexpectedEndOfLine
        );
    }
}
