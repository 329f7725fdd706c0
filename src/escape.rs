//! Escaping of label values and HELP text.
//!
//! Each escaper looks every byte up in a static 256-entry table whose entry is
//! `0` for bytes copied verbatim and otherwise the character that follows the
//! inserted backslash. Runs of clean bytes are appended with one
//! `extend_from_slice` each. Only ASCII bytes are ever escaped, so multi-byte
//! UTF-8 sequences are always copied intact.

/// Builds a class table escaping `\`, line feed and (optionally) `"`.
const fn table(quote: bool) -> [u8; 256] {
    let mut t = [0u8; 256];
    t[b'\\' as usize] = b'\\';
    t[b'\n' as usize] = b'n';
    if quote {
        t[b'"' as usize] = b'"';
    }
    t
}

/// Label values, quoted names and OpenMetrics HELP: `\`, `"`, LF.
static QUOTED: [u8; 256] = table(true);
/// Prometheus text 0.0.4 HELP: `\`, LF.
static HELP_TEXT: [u8; 256] = table(false);

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether any byte of `word` equals `byte` (exact: the classic
/// "has zero byte" test applied to `word ^ byte…byte`).
#[inline(always)]
fn has_byte(word: u64, byte: u8) -> bool {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

/// The position of the first `\\` or `"` in `bytes` (`bytes.len()` when
/// there is none): where an escaped label value has its next escape or its
/// closing quote. Clean 8-byte words are skipped whole.
pub(crate) fn quote_or_backslash(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_ne_bytes(chunk.try_into().expect("8 bytes"));
        if has_byte(word, b'\\') || has_byte(word, b'"') {
            break;
        }
        done += 8;
    }
    bytes[done..]
        .iter()
        .position(|&b| b == b'\\' || b == b'"')
        .map_or(bytes.len(), |i| done + i)
}

/// Where the first byte of `bytes` that `class` escapes may be: every byte
/// before the returned index is clean (`bytes.len()` when all are). Clean
/// 8-byte words are skipped without a table lookup per byte.
#[inline]
fn clean_prefix(bytes: &[u8], class: &[u8; 256]) -> usize {
    let quote = class[b'"' as usize] != 0;
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_ne_bytes(chunk.try_into().expect("8 bytes"));
        if has_byte(word, b'\\') || has_byte(word, b'\n') || (quote && has_byte(word, b'"')) {
            return done;
        }
        done += 8;
    }
    match chunks
        .remainder()
        .iter()
        .position(|&b| class[b as usize] != 0)
    {
        Some(i) => done + i,
        None => bytes.len(),
    }
}

#[inline]
fn escape_with(out: &mut Vec<u8>, bytes: &[u8], class: &[u8; 256]) {
    // Most text needs no escaping: skip clean 8-byte words without looking
    // up each byte, then go byte by byte from the first word that may not be.
    let clean = clean_prefix(bytes, class);
    if clean == bytes.len() {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(bytes.len());
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let esc = class[b as usize];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(&[b'\\', esc]);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `s` escaped for use inside a double-quoted label value or quoted
/// name: `\` → `\\`, `"` → `\"`, line feed → `\n`; every other byte is copied.
pub fn write_label_value(out: &mut Vec<u8>, s: &str) {
    write_label_value_bytes(out, s.as_bytes());
}

/// [`write_label_value`] for text the encoder keeps as bytes in its arenas
/// (always UTF-8: it was copied from `&str`), so it is not validated again.
pub(crate) fn write_label_value_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    escape_with(out, bytes, &QUOTED);
}

/// Appends `s` escaped as HELP text: `\` → `\\` and line feed → `\n`; with
/// `openmetrics` also `"` → `\"` (OpenMetrics escapes HELP like label values).
pub fn write_help(out: &mut Vec<u8>, s: &str, openmetrics: bool) {
    write_help_bytes(out, s.as_bytes(), openmetrics);
}

/// [`write_help`] for arena bytes (see [`write_label_value_bytes`]).
pub(crate) fn write_help_bytes(out: &mut Vec<u8>, bytes: &[u8], openmetrics: bool) {
    escape_with(out, bytes, if openmetrics { &QUOTED } else { &HELP_TEXT });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(s: &str) -> String {
        let mut out = Vec::new();
        write_label_value(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    fn help(s: &str, om: bool) -> String {
        let mut out = Vec::new();
        write_help(&mut out, s, om);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn tables_escape_only_the_three_bytes() {
        for b in 0..=255u8 {
            let q = QUOTED[b as usize];
            let h = HELP_TEXT[b as usize];
            match b {
                b'\\' => assert_eq!((q, h), (b'\\', b'\\')),
                b'\n' => assert_eq!((q, h), (b'n', b'n')),
                b'"' => assert_eq!((q, h), (b'"', 0)),
                _ => assert_eq!((q, h), (0, 0), "byte {b:#04x}"),
            }
        }
    }

    /// Escapes byte by byte, the obvious way: the reference for the word-wise scan.
    fn reference(s: &str, quote: bool) -> String {
        let mut r = String::new();
        for c in s.chars() {
            match c {
                '\\' => r.push_str("\\\\"),
                '\n' => r.push_str("\\n"),
                '"' if quote => r.push_str("\\\""),
                c => r.push(c),
            }
        }
        r
    }

    #[test]
    fn word_scan_finds_every_escaped_byte_at_every_position() {
        // Each special byte (and near misses that differ from it by one bit
        // or sit next to it in ASCII) at every position of strings up to 40
        // bytes long, around clean ASCII and multi-byte characters.
        let specials = ['\\', '\n', '"', ']', '\x0b', '\t', '!', '#', 'ü', '\u{7f}'];
        for len in 0..40 {
            for fill in ["a", "é"] {
                for at in 0..len {
                    for &c in &specials {
                        for &d in &specials {
                            let mut s: String = (0..len).map(|_| fill).collect();
                            s.insert(s.char_indices().nth(at).map_or(s.len(), |(i, _)| i), c);
                            s.push(d);
                            assert_eq!(lv(&s), reference(&s, true), "{s:?}");
                            assert_eq!(help(&s, false), reference(&s, false), "{s:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn label_value_rows() {
        let rows: &[(&str, &str)] = &[
            ("", ""),
            ("plain", "plain"),
            ("a\\b", r"a\\b"),
            ("say \"hi\"", r#"say \"hi\""#),
            ("line1\nline2", r"line1\nline2"),
            ("\n", r"\n"),
            ("\\", r"\\"),
            ("\"", r#"\""#),
            ("\\n", r"\\n"),
            ("\n\n\"\\", r#"\n\n\"\\"#),
            ("cr\r tab\t nul\0", "cr\r tab\t nul\0"),
            ("ünïcödé 日本 🎉", "ünïcödé 日本 🎉"),
            ("ü\"ü\nü", "ü\\\"ü\\nü"),
            ("C:\\path\\", r"C:\\path\\"),
        ];
        for &(input, want) in rows {
            assert_eq!(lv(input), want, "label value {input:?}");
        }
    }

    #[test]
    fn help_rows() {
        // (input, prometheus 0.0.4, openmetrics)
        let rows: &[(&str, &str, &str)] = &[
            ("", "", ""),
            ("Total requests.", "Total requests.", "Total requests."),
            ("a\\b", r"a\\b", r"a\\b"),
            ("two\nlines", r"two\nlines", r"two\nlines"),
            ("a \"quote\"", "a \"quote\"", r#"a \"quote\""#),
            ("\"\\\n", "\"\\\\\\n", r#"\"\\\n"#),
            ("tab\there\r", "tab\there\r", "tab\there\r"),
            ("héllo\n", r"héllo\n", r"héllo\n"),
        ];
        for &(input, prom, om) in rows {
            assert_eq!(help(input, false), prom, "help {input:?}");
            assert_eq!(help(input, true), om, "om help {input:?}");
        }
    }

    #[test]
    fn appends_to_existing_output() {
        let mut out = b"k=\"".to_vec();
        write_label_value(&mut out, "v\"");
        out.push(b'"');
        assert_eq!(out, b"k=\"v\\\"\"");
    }
}
