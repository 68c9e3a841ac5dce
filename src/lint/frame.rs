//! Where a document's text stands in the file it was read from, so that a span of the text
//! (a finding's, a fix's) can be turned into the file's bytes and positions.
//!
//! A document is the file itself, a slice of it (an inline policy of an account snapshot, a
//! mapping in a JSON template), the decoded value of a JSON string in it (a Terraform plan's
//! `policy_document`, GetPolicy's `PolicyDocument`), or a rendering of part of it (a mapping
//! in a YAML template), which has no bytes of the file to map to.
//!
//! A decoded string maps through its escapes: between two escapes the decoded text is the
//! file's bytes, shifted by what the escapes before took; an escape (`\n`, `\"`, `\u00e9`, a
//! surrogate pair `\ud83d\ude00`) is one unit, so a span starting inside what it decodes to
//! starts at the escape, and one ending inside it ends after it.

use std::sync::Arc;

use super::Finding;
use crate::policy::{Source, Span};

/// How a document's text maps onto its file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// The text is the file (a plain document), or the spans are the file's already (the
    /// faults of a wrapper, the findings about an account snapshot as a whole).
    File,
    /// The text is the file's bytes from this offset on.
    Slice(usize),
    /// The text is the decoded value of a JSON string literal of the file.
    Escaped(Arc<Escapes>),
    /// The text is not a copy of the file's bytes (a rendering of YAML, a YAML string): no
    /// span maps.
    Rendered,
}

impl Frame {
    /// The frame of a document that is the decoded value `decoded` of the JSON string literal
    /// at `literal` (quotes included) of the file's text `file`: [`Frame::Escaped`], or
    /// [`Frame::Rendered`] should the literal not decode to the value, which the reader that
    /// gave both rules out.
    pub(crate) fn string(file: &str, literal: Span, decoded: &str) -> Frame {
        let raw = file
            .get(literal.start.saturating_add(1)..literal.end.saturating_sub(1))
            .filter(|_| literal.end >= literal.start + 2);
        match raw.and_then(|raw| Escapes::read(raw, literal.start + 1, decoded.len())) {
            Some(escapes) => Frame::Escaped(Arc::new(escapes)),
            None => Frame::Rendered,
        }
    }

    /// The frame of a document that is the value `decoded` of a YAML string scalar (a ROS
    /// `PolicyDocument: |` holding JSON) that starts at `at` of the file's text `file` (its
    /// indicator, quote or first character): the text mapped back through the scalar's line
    /// breaks and indentation, or its quotes' escapes. A scalar that cannot be followed exactly
    /// (folded lines, an escape YAML has and JSON lacks) has every offset placed at its start,
    /// never at a line of its own text that the file does not have there.
    pub(crate) fn yaml_string(file: &str, at: usize, decoded: &str) -> Frame {
        let escapes = Escapes::yaml(file, at, decoded).unwrap_or(Escapes {
            at,
            decoded_len: decoded.len(),
            escapes: vec![Escape {
                decoded: (0, decoded.len()),
                raw: (0, 0),
            }],
        });
        Frame::Escaped(Arc::new(escapes))
    }

    /// Places `findings` of the text (positioned in `own`, the text's own source) in the
    /// file, whose source is `file`: their positions, ends and related places. Spans stay the
    /// text's, as rules and fixes made them.
    pub(crate) fn place(&self, own: &Source, file: &Source, findings: &mut [Finding]) {
        for finding in findings {
            let Some(span) = self.file_span(finding.span) else {
                continue;
            };
            finding.position = file.position(span.start);
            finding.end = file.position(span.end).max(finding.position);
            finding.related = finding.related.map(|at| {
                own.offset(at)
                    .and_then(|offset| self.file_span(Span::new(offset, offset)))
                    .map_or(at, |span| file.position(span.start))
            });
        }
    }

    /// The span of the file's bytes that `span` of the text came from.
    pub(crate) fn file_span(&self, span: Span) -> Option<Span> {
        match self {
            Frame::File => Some(span),
            Frame::Slice(at) => Some(Span::new(
                at.checked_add(span.start)?,
                at.checked_add(span.end)?,
            )),
            Frame::Escaped(escapes) => Some(Span::new(
                escapes.file_offset(span.start, false),
                escapes.file_offset(span.end.max(span.start), true),
            )),
            Frame::Rendered => None,
        }
    }
}

/// One escape of a JSON string: what it decodes to (`decoded`, offsets in the value) and the
/// escape itself (`raw`, offsets in the literal after its opening quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Escape {
    decoded: (usize, usize),
    raw: (usize, usize),
}

/// The escapes of a JSON string literal, in order, and where the literal's text starts in the
/// file: what maps the decoded value's offsets to the file's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Escapes {
    /// The file offset of the literal's first byte after the opening quote.
    at: usize,
    /// The decoded value's length, to which offsets are clamped.
    decoded_len: usize,
    escapes: Vec<Escape>,
}

impl Escapes {
    /// Reads the escapes of `raw`, the text of a string literal between its quotes, which
    /// starts at `at` of the file; `None` unless it decodes to `decoded_len` bytes, as the
    /// strict JSON reader decoded it.
    fn read(raw: &str, at: usize, decoded_len: usize) -> Option<Escapes> {
        let bytes = raw.as_bytes();
        let mut escapes = Vec::new();
        let (mut i, mut decoded) = (0, 0);
        while i < bytes.len() {
            if bytes.get(i) != Some(&b'\\') {
                i += 1;
                decoded += 1;
                continue;
            }
            let (raw_len, decoded_len) = match bytes.get(i + 1)? {
                b'u' => {
                    let high = hex4(raw, i + 2)?;
                    if (0xD800..0xDC00).contains(&high) {
                        // A surrogate pair is one character of four bytes.
                        (12, 4)
                    } else {
                        (6, char::from_u32(high)?.len_utf8())
                    }
                }
                _ => (2, 1),
            };
            escapes.push(Escape {
                decoded: (decoded, decoded + decoded_len),
                raw: (i, i + raw_len),
            });
            i += raw_len;
            decoded += decoded_len;
        }
        (decoded == decoded_len && i == bytes.len()).then_some(Escapes {
            at,
            decoded_len,
            escapes,
        })
    }

    /// Follows the YAML scalar at `at` of `file` (its indicator, or its content's first
    /// character) to its value `decoded`: a block scalar (`|`) line by line, each line break with the next line's indentation one escape; a quoted
    /// scalar through its escapes (`''`, `\"`, `\\`, `\/`); a plain scalar as written.
    fn yaml(file: &str, at: usize, decoded: &str) -> Option<Escapes> {
        let bytes = file.as_bytes();
        let (mut i, quote, indent) = match bytes.get(at)? {
            b'|' => {
                // The content starts on the next line, indented as its first line is.
                let line = at + file.get(at..)?.find('\n')? + 1;
                let indent = bytes
                    .get(line..)?
                    .iter()
                    .take_while(|b| **b == b' ')
                    .count();
                (line + indent, None, indent)
            }
            q @ (b'\'' | b'"') => (at + 1, Some(*q), 0),
            b'>' => return None,
            // The reader may mark a block scalar at its content: the content then starts a
            // line, indented, and that indentation is the block's.
            _ => {
                let line = file.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
                let before = bytes.get(line..at)?;
                let block = !before.is_empty() && before.iter().all(|b| *b == b' ');
                (at, None, if block { before.len() } else { 0 })
            }
        };
        let start = i;
        let want = decoded.as_bytes();
        let mut escapes = Vec::new();
        let mut d = 0;
        while d < want.len() {
            let (got, expected) = (bytes.get(i).copied()?, want.get(d).copied()?);
            let raw_len = match (quote, got, expected) {
                (_, g, e)
                    if g == e
                        && !(quote == Some(b'"') && g == b'\\')
                        && quote != Some(g)
                        && !(indent > 0 && g == b'\n') =>
                {
                    i += 1;
                    d += 1;
                    continue;
                }
                // A line break of a block scalar, with the next line's indentation.
                (None, b'\n', b'\n') if indent > 0 => {
                    1 + bytes
                        .get(i + 1..)?
                        .iter()
                        .take(indent)
                        .take_while(|b| **b == b' ')
                        .count()
                }
                (None, b'\r', b'\n') if indent > 0 && bytes.get(i + 1) == Some(&b'\n') => {
                    2 + bytes
                        .get(i + 2..)?
                        .iter()
                        .take(indent)
                        .take_while(|b| **b == b' ')
                        .count()
                }
                (Some(b'\''), b'\'', b'\'') if bytes.get(i + 1) == Some(&b'\'') => 2,
                (Some(b'"'), b'\\', e)
                    if matches!(
                        (bytes.get(i + 1), e),
                        (Some(b'"'), b'"') | (Some(b'\\'), b'\\') | (Some(b'/'), b'/')
                    ) =>
                {
                    2
                }
                _ => return None,
            };
            escapes.push(Escape {
                decoded: (d, d + 1),
                raw: (i - start, i - start + raw_len),
            });
            i += raw_len;
            d += 1;
        }
        Some(Escapes {
            at: start,
            decoded_len: want.len(),
            escapes,
        })
    }

    /// The file offset of the decoded value's offset `offset`; one inside what an escape
    /// decodes to is the escape's start, or its end when `after` (for a span's end).
    fn file_offset(&self, offset: usize, after: bool) -> usize {
        let offset = offset.min(self.decoded_len);
        let before = self.escapes.partition_point(|e| e.decoded.1 <= offset);
        if let Some(e) = self.escapes.get(before) {
            if e.decoded.0 < offset {
                return self.at + if after { e.raw.1 } else { e.raw.0 };
            }
        }
        let (decoded, raw) = match before.checked_sub(1).and_then(|i| self.escapes.get(i)) {
            Some(e) => (e.decoded.1, e.raw.1),
            None => (0, 0),
        };
        self.at + raw + (offset - decoded)
    }
}

/// The four hex digits at `at` of `raw`.
fn hex4(raw: &str, at: usize) -> Option<u32> {
    u32::from_str_radix(raw.get(at..at + 4)?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::json;
    use proptest::prelude::*;

    /// The file text at the span a decoded span maps to.
    fn mapped<'a>(frame: &Frame, file: &'a str, start: usize, end: usize) -> &'a str {
        let span = frame.file_span(Span::new(start, end)).expect("maps");
        file.get(span.start..span.end).expect("in the file")
    }

    #[test]
    fn a_yaml_block_scalar_maps_line_by_line_through_its_indentation() {
        let file = "Doc: |\n  {\"Version\": \"1\",\n\n   \"Statement\": \"a\\\\b\"}\nNext: 1\n";
        let decoded = "{\"Version\": \"1\",\n\n \"Statement\": \"a\\\\b\"}\n";
        let frame = Frame::yaml_string(file, file.find('|').expect("|"), decoded);
        for token in ["\"Version\"", "\"1\"", "\"Statement\"", "\"a\\\\b\""] {
            let at = decoded.find(token).expect("token");
            assert_eq!(mapped(&frame, file, at, at + token.len()), token, "{token}");
            assert_eq!(
                file.find(token),
                frame.file_span(Span::new(at, at)).map(|s| s.start)
            );
        }
    }

    #[test]
    fn yaml_quoted_scalars_map_through_their_escapes() {
        let file = "A: '{\"It''s\": \"x\"}'\nB: \"{\\\"k\\\": \\\"a\\/b\\\"}\"\n";
        let single = Frame::yaml_string(file, file.find('\'').expect("'"), "{\"It's\": \"x\"}");
        assert_eq!(mapped(&single, file, 9, 12), "\"x\"");
        assert_eq!(mapped(&single, file, 1, 7), "\"It''s\"");
        let double_at = file.find("\"{").expect("\"");
        let double = Frame::yaml_string(file, double_at, "{\"k\": \"a/b\"}");
        assert_eq!(mapped(&double, file, 6, 11), "\\\"a\\/b\\\"");
    }

    #[test]
    fn a_yaml_scalar_that_cannot_be_followed_is_placed_at_its_start() {
        // Folded lines: the value is not the text as written, line for line.
        let file = "Doc: >\n  {\"Version\": \"1\",\n   \"Statement\": []}\n";
        let at = file.find('>').expect(">");
        let frame = Frame::yaml_string(file, at, "{\"Version\": \"1\", \"Statement\": []}\n");
        assert_eq!(frame.file_span(Span::new(13, 20)), Some(Span::new(at, at)));
    }

    /// The frame of the one string of a JSON text `{"d": "..."}` and its decoded value.
    fn frame_of(file: &str) -> (Frame, String) {
        let node = json::parse_str(file).expect("JSON");
        let json::Value::Object(members) = node.value else {
            panic!("an object")
        };
        let value = &members[0].value;
        let json::Value::String(decoded) = &value.value else {
            panic!("a string")
        };
        (Frame::string(file, value.span, decoded), decoded.clone())
    }

    #[test]
    fn every_escape_maps_to_its_place_in_the_file() {
        let file = r#"{"d": "a\nb\"c\\d\/e\u00e9f\ud83d\ude00g\u4e2dh\ti"}"#;
        let (frame, decoded) = frame_of(file);
        assert_eq!(decoded, "a\nb\"c\\d/eéf😀g中h\ti");
        assert!(matches!(frame, Frame::Escaped(_)));
        for (needle, at) in [
            ("a", "a"),
            ("b", "b"),
            ("c", "c"),
            ("d", "d"),
            ("e", "e"),
            ("f", "f"),
            ("g", "g"),
            ("h", "h"),
            ("i", "i\""),
        ] {
            let d = decoded.find(needle).expect("in the value");
            let span = frame.file_span(Span::new(d, d + 1)).expect("mapped");
            assert_eq!(&file[span.start..span.end], &at[..1], "{needle}");
        }
        let whole = frame
            .file_span(Span::new(0, decoded.len()))
            .expect("mapped");
        assert_eq!(
            &file[whole.start - 1..whole.end + 1],
            &file[6..file.len() - 1]
        );
        let emoji = decoded.find('😀').expect("emoji");
        let span = frame
            .file_span(Span::new(emoji, emoji + 4))
            .expect("mapped");
        assert_eq!(&file[span.start..span.end], r"\ud83d\ude00");
        // A span from inside a decoded escape widens to the whole escape.
        let span = frame
            .file_span(Span::new(emoji + 1, emoji + 2))
            .expect("mapped");
        assert_eq!(&file[span.start..span.end], r"\ud83d\ude00");
    }

    #[test]
    fn a_literal_that_does_not_decode_to_the_value_does_not_map() {
        let file = r#"{"d": "a\nb"}"#;
        assert_eq!(Frame::string(file, Span::new(6, 12), "ab"), Frame::Rendered);
        assert_eq!(Frame::string(file, Span::new(6, 6), ""), Frame::Rendered);
    }

    proptest! {
        /// Each character of the value maps to the bytes that write it in the file: itself,
        /// or an escape that decodes to it.
        #[test]
        fn each_character_maps_to_what_writes_it(
            value in proptest::collection::vec(
                prop_oneof![Just('a'), Just('\n'), Just('"'), Just('\\'), Just('/'), Just('é'),
                            Just('中'), Just('😀'), Just('\u{1}'), Just('\t')],
                0..40,
            ).prop_map(|c| c.into_iter().collect::<String>()),
            ascii_only in any::<bool>(),
        ) {
            let encoded = if ascii_only {
                // Every non-ASCII character as `\u` escapes, as some encoders write them.
                serde_json::to_string(&value).expect("encodes")
                    .chars()
                    .map(|c| if c.is_ascii() { c.to_string() } else {
                        c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("\\u{u:04x}")).collect()
                    })
                    .collect::<String>()
            } else {
                serde_json::to_string(&value).expect("encodes")
            };
            let file = format!("{{\"d\": {encoded}}}");
            let (frame, decoded) = frame_of(&file);
            prop_assert_eq!(&decoded, &value);
            for (i, c) in value.char_indices() {
                let span = frame.file_span(Span::new(i, i + c.len_utf8())).expect("mapped");
                let written = &file[span.start..span.end];
                let back: String = serde_json::from_str(&format!("\"{written}\"")).expect("a string");
                prop_assert_eq!(back, c.to_string());
            }
        }
    }
}
