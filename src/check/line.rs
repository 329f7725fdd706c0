//! The line grammars: 0.0.4 (lenient about blanks, strict about the rest) and
//! OpenMetrics (the ABNF: single spaces, nothing trailing).

use super::lex::{self, Cursor, Escapes};
use super::{CheckError, CheckErrorKind as K, Exemplar, MetricType, Sample};

/// The code-point budget of an exemplar's label names and values.
const EXEMPLAR_MAX_CHARS: usize = 128;

/// One parsed line.
#[derive(Debug)]
pub(super) enum Line {
    /// A blank line or a plain comment (0.0.4 only).
    Nothing,
    /// `# HELP name text`.
    Help { name: String, text: String },
    /// `# TYPE name type`.
    Type { name: String, kind: MetricType },
    /// `# UNIT name unit` (OpenMetrics only).
    Unit { name: String, unit: String },
    /// `# EOF` (OpenMetrics only).
    Eof,
    /// A sample line.
    Sample(Box<Parsed>),
}

/// A sample with the columns later checks point at.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) sample: Sample,
    /// Column of each label's name, parallel to `sample.labels`.
    pub(super) label_cols: Vec<usize>,
    pub(super) value_col: usize,
    pub(super) timestamp_col: usize,
    /// Column of the exemplar's `#`.
    pub(super) exemplar_col: usize,
}

/// Parses one line (without its newline).
pub(super) fn parse(text: &str, line: usize, om: bool, utf8: bool) -> Result<Line, CheckError> {
    let mut c = Cursor::new(text, line);
    let g = Grammar { om, utf8 };
    if om {
        match c.peek() {
            None => Err(c.err(K::BlankLine)),
            Some(b'#') => g.om_comment(&mut c),
            Some(_) => g.sample(&mut c).map(|s| Line::Sample(Box::new(s))),
        }
    } else {
        c.skip_blanks();
        match c.peek() {
            None => Ok(Line::Nothing),
            Some(b'#') => g.prom_comment(&mut c),
            Some(_) => g.sample(&mut c).map(|s| Line::Sample(Box::new(s))),
        }
    }
}

#[derive(Clone, Copy)]
struct Grammar {
    om: bool,
    utf8: bool,
}

impl Grammar {
    /// Token separators: a space in OpenMetrics, a space or tab in 0.0.4.
    fn seps(self) -> &'static [u8] {
        if self.om {
            b" "
        } else {
            b" \t"
        }
    }

    /// Between tokens: exactly one space (OpenMetrics) or at least one blank.
    fn separator(self, c: &mut Cursor<'_>) -> Result<(), CheckError> {
        if self.om {
            c.expect(b' ')
        } else if c.skip_blanks() == 0 {
            Err(c.unexpected())
        } else {
            Ok(())
        }
    }

    /// Optional blanks (0.0.4 only).
    fn blanks(self, c: &mut Cursor<'_>) {
        if !self.om {
            c.skip_blanks();
        }
    }

    fn prom_comment(self, c: &mut Cursor<'_>) -> Result<Line, CheckError> {
        c.expect(b'#')?;
        c.skip_blanks();
        let keyword = c.take_until(b" \t");
        if keyword != "HELP" && keyword != "TYPE" {
            return Ok(Line::Nothing);
        }
        self.separator(c)?;
        let name = self.metadata_name(c)?;
        if keyword == "HELP" {
            if !c.at_end() {
                self.separator(c)?;
            }
            let text = c.text_to_end(Escapes::PromHelp)?;
            return Ok(Line::Help { name, text });
        }
        self.separator(c)?;
        let at = c.pos();
        let word = c.take_until(b" \t");
        c.skip_blanks();
        if !c.at_end() {
            return Err(c.err(K::UnexpectedChar));
        }
        let kind = [
            MetricType::Counter,
            MetricType::Gauge,
            MetricType::Histogram,
            MetricType::Summary,
            MetricType::Untyped,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(word))
        .ok_or_else(|| c.err_at(at, K::InvalidMetricType))?;
        Ok(Line::Type { name, kind })
    }

    fn om_comment(self, c: &mut Cursor<'_>) -> Result<Line, CheckError> {
        c.expect(b'#')?;
        if !c.eat(b' ') {
            return Err(c.err_at(0, K::UnknownComment));
        }
        let at = c.pos();
        let keyword = c.take_until(b" ");
        match keyword {
            "EOF" if c.at_end() => return Ok(Line::Eof),
            "EOF" => return Err(c.err(K::TextAfterEof)),
            _ if keyword.starts_with("EOF") => return Err(c.err_at(at + 3, K::TextAfterEof)),
            "HELP" | "TYPE" | "UNIT" => {}
            _ => return Err(c.err_at(0, K::UnknownComment)),
        }
        c.expect(b' ')?;
        let name = self.metadata_name(c)?;
        c.expect(b' ')?;
        match keyword {
            "HELP" => {
                let text = c.text_to_end(Escapes::Quoted)?;
                Ok(Line::Help { name, text })
            }
            "TYPE" => {
                let at = c.pos();
                let word = c.take_rest();
                let kind = [
                    MetricType::Counter,
                    MetricType::Gauge,
                    MetricType::Histogram,
                    MetricType::GaugeHistogram,
                    MetricType::StateSet,
                    MetricType::Info,
                    MetricType::Summary,
                    MetricType::Unknown,
                ]
                .into_iter()
                .find(|k| k.as_str() == word)
                .ok_or_else(|| c.err_at(at, K::InvalidMetricType))?;
                Ok(Line::Type { name, kind })
            }
            _ => {
                let unit = c.take_while(lex::is_name_char).to_string();
                if c.at_end() {
                    Ok(Line::Unit { name, unit })
                } else {
                    Err(c.err(K::UnexpectedChar))
                }
            }
        }
    }

    /// The name after `# HELP`/`# TYPE`/`# UNIT`: legacy, or quoted with UTF-8.
    fn metadata_name(self, c: &mut Cursor<'_>) -> Result<String, CheckError> {
        let at = c.pos();
        if c.peek() == Some(b'"') {
            return self.quoted_name(c);
        }
        let token = c.take_until(self.seps());
        if token.is_empty() {
            Err(c.unexpected())
        } else if lex::is_legacy_metric_name(token) {
            Ok(token.to_string())
        } else {
            Err(c.err_at(at, K::InvalidName))
        }
    }

    /// A quoted (UTF-8) name; only with `Escaping::AllowUtf8`.
    fn quoted_name(self, c: &mut Cursor<'_>) -> Result<String, CheckError> {
        let at = c.pos();
        if !self.utf8 {
            return Err(c.err(K::InvalidName));
        }
        let name = c.quoted(Escapes::Quoted)?;
        if name.is_empty() {
            return Err(c.err_at(at, K::InvalidName));
        }
        Ok(name)
    }

    fn sample(self, c: &mut Cursor<'_>) -> Result<Parsed, CheckError> {
        let start = c.pos();
        let mut name = None;
        let mut blanks_after_name = 0;
        if c.peek().is_some_and(lex::is_name_start) {
            name = Some(c.take_while(lex::is_name_char).to_string());
            if c.peek().is_some_and(|b| b.is_ascii_graphic() && b != b'{') {
                return Err(c.err_at(start, K::InvalidName));
            }
            if !self.om {
                blanks_after_name = c.skip_blanks();
            }
        } else if c.peek() != Some(b'{') {
            let graphic = c.peek().is_some_and(|b| b.is_ascii_graphic() || b >= 0x80);
            return Err(c.err(if graphic {
                K::InvalidName
            } else {
                K::UnexpectedChar
            }));
        }
        let mut labels = Vec::new();
        let mut label_cols = Vec::new();
        let had_braces = c.peek() == Some(b'{');
        if had_braces {
            let quoted = self.labels(c, &mut labels, &mut label_cols, name.is_none())?;
            if quoted.is_some() {
                name = quoted;
            }
        }
        let name = name.ok_or_else(|| c.err_at(start, K::InvalidName))?;
        if self.om {
            c.expect(b' ')?;
        } else if had_braces {
            c.skip_blanks();
        } else if blanks_after_name == 0 {
            return Err(c.unexpected());
        }
        let value_col = c.col();
        let value_text = c.take_until(self.seps());
        if value_text.is_empty() {
            return Err(c.unexpected());
        }
        let value = lex::parse_number(value_text)
            .filter(|v| self.om || v.is_finite() || !lex::is_decimal(value_text))
            .ok_or_else(|| c.err_at(value_col - 1, K::InvalidValue))?;
        let mut parsed = Parsed {
            sample: Sample {
                name,
                labels,
                value,
                value_text: value_text.to_string(),
                timestamp: None,
                exemplar: None,
                native: None,
                created: None,
            },
            label_cols,
            value_col,
            timestamp_col: 0,
            exemplar_col: 0,
        };
        if self.om {
            self.om_tail(c, &mut parsed)?;
        } else {
            self.prom_tail(c, &mut parsed)?;
        }
        Ok(parsed)
    }

    /// 0.0.4 after the value: `[blanks ms-timestamp] [blanks]`.
    fn prom_tail(self, c: &mut Cursor<'_>, parsed: &mut Parsed) -> Result<(), CheckError> {
        c.skip_blanks();
        if c.at_end() {
            return Ok(());
        }
        if c.peek() == Some(b'#') {
            return Err(c.err(K::ExemplarNotAllowed));
        }
        parsed.timestamp_col = c.col();
        let text = c.take_until(b" \t");
        let millis = lex::parse_millis(text)
            .ok_or_else(|| c.err_at(parsed.timestamp_col - 1, K::InvalidTimestamp))?;
        #[allow(clippy::cast_precision_loss)] // documented: timestamps are reported as f64
        let millis = millis as f64;
        parsed.sample.timestamp = Some(millis);
        c.skip_blanks();
        match c.peek() {
            None => Ok(()),
            Some(b'#') => Err(c.err(K::ExemplarNotAllowed)),
            Some(_) => Err(c.err(K::UnexpectedChar)),
        }
    }

    /// OpenMetrics after the value: `[SP timestamp] [SP # SP exemplar]`.
    fn om_tail(self, c: &mut Cursor<'_>, parsed: &mut Parsed) -> Result<(), CheckError> {
        if c.at_end() {
            return Ok(());
        }
        c.expect(b' ')?;
        if c.peek() != Some(b'#') {
            parsed.timestamp_col = c.col();
            parsed.sample.timestamp = Some(self.om_timestamp(c)?);
            if c.at_end() {
                return Ok(());
            }
            c.expect(b' ')?;
            if c.peek() != Some(b'#') {
                return Err(c.err(K::UnexpectedChar));
            }
        }
        parsed.exemplar_col = c.col();
        c.expect(b'#')?;
        c.expect(b' ')?;
        if c.peek() != Some(b'{') {
            return Err(c.unexpected());
        }
        let mut labels = Vec::new();
        self.labels(c, &mut labels, &mut Vec::new(), false)?;
        let chars: usize = labels
            .iter()
            .map(|(n, v)| n.chars().count() + v.chars().count())
            .sum();
        if chars > EXEMPLAR_MAX_CHARS {
            return Err(c.err_at(parsed.exemplar_col - 1, K::ExemplarTooLong));
        }
        c.expect(b' ')?;
        let at = c.pos();
        let value_text = c.take_until(b" ");
        let value = lex::parse_number(value_text).ok_or_else(|| c.err_at(at, K::InvalidValue))?;
        let mut exemplar = Exemplar {
            labels,
            value,
            value_text: value_text.to_string(),
            timestamp: None,
            exact_timestamp: None,
        };
        if !c.at_end() {
            c.expect(b' ')?;
            exemplar.timestamp = Some(self.om_timestamp(c)?);
            if !c.at_end() {
                return Err(c.err(K::UnexpectedChar));
            }
        }
        parsed.sample.exemplar = Some(exemplar);
        Ok(())
    }

    /// An OpenMetrics timestamp: a finite `realnumber` of seconds.
    fn om_timestamp(self, c: &mut Cursor<'_>) -> Result<f64, CheckError> {
        let at = c.pos();
        let text = c.take_until(b" ");
        lex::parse_decimal(text)
            .filter(|t| t.is_finite())
            .ok_or_else(|| c.err_at(at, K::InvalidTimestamp))
    }

    /// `{…}`: appends the labels and returns a quoted metric name written as
    /// the first item (only when `allow_name`).
    fn labels(
        self,
        c: &mut Cursor<'_>,
        labels: &mut Vec<(String, String)>,
        cols: &mut Vec<usize>,
        allow_name: bool,
    ) -> Result<Option<String>, CheckError> {
        c.expect(b'{')?;
        let mut name = None;
        let mut first = true;
        loop {
            self.blanks(c);
            // `{}`, and in 0.0.4 a trailing comma.
            if (first || !self.om) && c.eat(b'}') {
                return Ok(name);
            }
            let at = c.pos();
            let (label, quoted) = if c.peek() == Some(b'"') {
                (self.quoted_name(c)?, true)
            } else {
                let token = c.take_while(lex::is_label_char);
                if token.is_empty() {
                    return Err(c.unexpected());
                }
                if !lex::is_legacy_label_name(token) {
                    return Err(c.err_at(at, K::InvalidName));
                }
                (token.to_string(), false)
            };
            self.blanks(c);
            if quoted && matches!(c.peek(), Some(b',' | b'}')) {
                if !(allow_name && first) {
                    return Err(c.err(K::UnexpectedChar));
                }
                name = Some(label);
            } else {
                c.expect(b'=')?;
                self.blanks(c);
                if c.peek() != Some(b'"') {
                    return Err(c.unexpected());
                }
                let value = c.quoted(Escapes::Quoted)?;
                if label.starts_with("__") {
                    return Err(c.err_at(at, K::ReservedLabelName));
                }
                if labels.iter().any(|(n, _)| *n == label) {
                    return Err(c.err_at(at, K::DuplicateLabel));
                }
                labels.push((label, value));
                cols.push(at + 1);
            }
            first = false;
            self.blanks(c);
            if !c.eat(b',') {
                c.expect(b'}')?;
                return Ok(name);
            }
        }
    }
}
