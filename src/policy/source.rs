//! A document's text with the index that turns byte offsets into lines and columns.
//!
//! Positions are made only when something is rendered (style guide §3), but a linter renders
//! thousands of them, and hostile input puts megabytes on one line. So the index is built once,
//! in one pass, and each lookup scans at most one block of [`BLOCK`] bytes: a position costs
//! the same at the end of a 10 MB line as at its start. The index keeps, for the start of each
//! block, the lines, the characters and the start of the line in effect there, which is about
//! 2% of the text, however many lines it has.
//!
//! A line ends at LF, CR or CRLF (a CRLF is one line break), as editors count them; columns
//! count characters (Unicode scalar values), from 1.

use std::sync::{Arc, OnceLock};

use super::Position;

/// Bytes per block of the index: a lookup scans at most this many bytes twice.
const BLOCK: usize = 1024;

/// The source text of a document with an index of its lines, to turn byte offsets into
/// [`Position`]s when rendering.
///
/// ```
/// use ramcheck::policy::{Position, Source};
///
/// let text = "{\r\n  \"Sid\": \"允许\", \"Effect\":\r  \"allow\"}";
/// let source = Source::new(text);
/// let effect = text.find("\"allow\"").unwrap();
/// assert_eq!(source.position(effect), Position::new(3, 3));
/// let comma = text.find(',').unwrap();
/// assert_eq!(source.position(comma), Position::new(2, 14));
/// assert_eq!(source.line_text(2), "  \"Sid\": \"允许\", \"Effect\":");
/// ```
#[derive(Clone)]
pub struct Source {
    text: Arc<str>,
    /// Built on first use: most documents loaded are never asked for a position. Shared by
    /// clones, which have the same text: the documents of one file index it once.
    index: Arc<OnceLock<LineIndex>>,
    /// Where the text starts in the file it is embedded in (an inline policy of an account
    /// file): lines before it, and characters before it on its first line.
    origin: Position,
}

// The line index is a function of the text, so whether it has been built yet does not count.
impl PartialEq for Source {
    fn eq(&self, other: &Source) -> bool {
        self.text == other.text && self.origin == other.origin
    }
}

impl Eq for Source {}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("text", &self.text)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Source {
    /// Takes a copy of a text; the index is built when the first position is asked for.
    pub fn new(text: &str) -> Source {
        Source {
            text: Arc::from(text),
            index: Arc::new(OnceLock::new()),
            origin: Position::START,
        }
    }

    /// Indexes a text that starts at `origin` of a larger file, so that positions are the
    /// file's.
    pub(crate) fn with_origin(text: &str, origin: Position) -> Source {
        Source {
            origin,
            ..Source::new(text)
        }
    }

    fn index(&self) -> &LineIndex {
        self.index
            .get_or_init(|| LineIndex::new(self.text.as_bytes()))
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line and column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let bytes = self.text.as_bytes();
        let offset = offset.min(bytes.len());
        let index = self.index();
        let (line, start) = index.line_at(bytes, offset);
        let column = index.chars_before(bytes, offset) - index.chars_before(bytes, start) + 1;
        self.in_file(line, column)
    }

    /// The byte offset where the line of `offset` starts (after its line break).
    pub(crate) fn line_start(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        self.index().line_at(bytes, offset.min(bytes.len())).1
    }

    /// The byte offset of a position of this text (the inverse of [`Source::position`]), or
    /// `None` when the text has no such place. A column past the end of its line gives the
    /// line's end.
    pub(crate) fn offset(&self, position: Position) -> Option<usize> {
        let line = self.local_line(position.line)?;
        let column = if line == 1 {
            position.column.checked_sub(self.origin.column - 1)?
        } else {
            position.column
        };
        let bytes = self.text.as_bytes();
        let index = self.index();
        let start = index.line_start(bytes, line)?;
        // The line ends where the next begins, less its line break: found through the index,
        // not by a walk to the end of a line that may be megabytes long.
        let end = match index.line_start(bytes, line + 1) {
            Some(next) if bytes.get(next.saturating_sub(2)..next) == Some(b"\r\n") => next - 2,
            Some(next) => next.saturating_sub(1),
            None => bytes.len(),
        };
        let target = index.chars_before(bytes, start) + column.max(1) - 1;
        Some(index.offset_of_char(bytes, target).min(end).max(start))
    }

    /// The text of a line (from 1), without its line break; empty for a line the text does
    /// not have. For an embedded text, lines are the file's, and the first line holds only the
    /// embedded part.
    pub fn line_text(&self, line: usize) -> &str {
        let bytes = self.text.as_bytes();
        let Some(start) = self
            .local_line(line)
            .and_then(|line| self.index().line_start(bytes, line))
        else {
            return "";
        };
        self.text
            .get(start..line_end(bytes, start))
            .unwrap_or_default()
    }

    /// The line of this text (from 1) that is line `line` of the file.
    fn local_line(&self, line: usize) -> Option<usize> {
        line.checked_sub(self.origin.line - 1).filter(|&l| l >= 1)
    }

    /// A position of this text as a position of the file it is embedded in.
    fn in_file(&self, line: usize, column: usize) -> Position {
        shift(self.origin, line, column)
    }
}

/// A line and column of a text embedded at `origin` as a position of its file.
fn shift(origin: Position, line: usize, column: usize) -> Position {
    Position {
        line: line + origin.line - 1,
        column: if line == 1 {
            column + origin.column - 1
        } else {
            column
        },
    }
}

/// The line and column of `offset` in `text` embedded at `origin`, by a scan from the start:
/// for a one-off position (the one error that stops reading a document), where an index would
/// cost more.
pub(crate) fn locate(text: &str, offset: usize, origin: Position) -> Position {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let mut line = 1;
    let mut start = 0;
    for i in breaks(bytes, 0, offset) {
        line += 1;
        start = i + 1;
    }
    let column = count_chars(bytes.get(start..offset).unwrap_or_default()) + 1;
    shift(origin, line, column)
}

/// What the index knows at the start of a block.
#[derive(Debug, Clone, Copy, Default)]
struct Checkpoint {
    /// Line breaks before the block.
    lines: usize,
    /// Where the line in effect at the block's start begins.
    line_start: usize,
    /// Characters before the block.
    chars: usize,
}

/// One checkpoint per [`BLOCK`] bytes, plus one for the end of the text.
#[derive(Debug)]
struct LineIndex {
    checkpoints: Vec<Checkpoint>,
    /// Whether the text is all ASCII, so that characters are bytes.
    ascii: bool,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> LineIndex {
        // Block `k` starts at `k * BLOCK`; every offset up to the text's length has one.
        let blocks = bytes.len() / BLOCK + 1;
        let mut checkpoints = Vec::with_capacity(blocks);
        let mut at = Checkpoint::default();
        for block in 0..blocks {
            checkpoints.push(at);
            let from = block * BLOCK;
            let to = (from + BLOCK).min(bytes.len());
            for i in breaks(bytes, from, to) {
                at.lines += 1;
                at.line_start = i + 1;
            }
            at.chars += count_chars(bytes.get(from..to).unwrap_or_default());
        }
        LineIndex {
            checkpoints,
            ascii: at.chars == bytes.len(),
        }
    }

    fn checkpoint(&self, offset: usize) -> (usize, Checkpoint) {
        let block = offset / BLOCK;
        let at = self
            .checkpoints
            .get(block)
            .or(self.checkpoints.last())
            .copied()
            .unwrap_or_default();
        (block * BLOCK, at)
    }

    /// The line (from 1) of `offset` and the offset where that line starts.
    fn line_at(&self, bytes: &[u8], offset: usize) -> (usize, usize) {
        let (base, at) = self.checkpoint(offset);
        let mut line = at.lines + 1;
        let mut start = at.line_start;
        for i in breaks(bytes, base.min(offset), offset) {
            line += 1;
            start = i + 1;
        }
        (line, start)
    }

    /// The characters of the text before `offset`.
    fn chars_before(&self, bytes: &[u8], offset: usize) -> usize {
        if self.ascii {
            return offset;
        }
        let (base, at) = self.checkpoint(offset);
        at.chars + count_chars(bytes.get(base.min(offset)..offset).unwrap_or_default())
    }

    /// The offset where line `line` (from 1) starts, if the text has that line.
    fn line_start(&self, bytes: &[u8], line: usize) -> Option<usize> {
        let before = line.checked_sub(1)?;
        if before == 0 {
            return Some(0);
        }
        // The block holding the `before`-th line break is the one before the first checkpoint
        // that has seen it.
        let after = self.checkpoints.partition_point(|c| c.lines < before);
        let block = after.checked_sub(1)?;
        let at = self.checkpoints.get(block)?;
        let base = block * BLOCK;
        let end = (base + BLOCK).min(bytes.len());
        breaks(bytes, base, end)
            .nth(before.checked_sub(at.lines + 1)?)
            .map(|i| i + 1)
    }

    /// The offset of the character with index `target` (from 0), or the text's length.
    fn offset_of_char(&self, bytes: &[u8], target: usize) -> usize {
        if self.ascii {
            return target.min(bytes.len());
        }
        let block = self
            .checkpoints
            .partition_point(|c| c.chars <= target)
            .saturating_sub(1);
        let Some(at) = self.checkpoints.get(block) else {
            return bytes.len();
        };
        let base = block * BLOCK;
        let mut chars = at.chars;
        for (i, &b) in bytes.get(base..).unwrap_or_default().iter().enumerate() {
            if is_char_start(b) {
                if chars == target {
                    return base + i;
                }
                chars += 1;
            }
        }
        bytes.len()
    }
}

/// Where the line that starts at `start` ends: its first CR or LF, or the end of the text.
fn line_end(bytes: &[u8], start: usize) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n' || b == b'\r'))
        .map_or(bytes.len(), |i| start + i)
}

/// The offsets in `from..to` of the last byte of each line break: every LF, and every CR that
/// no LF follows (a CRLF ends at its LF).
fn breaks(bytes: &[u8], from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
    bytes
        .get(from..to)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(move |(i, &b)| {
            let i = from + i;
            let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            ends.then_some(i)
        })
}

/// Whether a byte starts a character: anything but a UTF-8 continuation byte.
fn is_char_start(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// The characters of a slice of UTF-8 text.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| is_char_start(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pos(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    /// Positions by the definition: lines end at LF, CR and CRLF, columns count characters.
    fn reference(text: &str, offset: usize) -> Position {
        let before = &text[..offset];
        let mut line = 1;
        let mut start = 0;
        for (i, c) in before.char_indices() {
            let crlf = c == '\r' && text[i + 1..].starts_with('\n');
            if c == '\n' || (c == '\r' && !crlf) {
                line += 1;
                start = i + 1;
            }
        }
        Position {
            line,
            column: before[start..].chars().count() + 1,
        }
    }

    #[test]
    fn lf_cr_and_crlf_each_end_one_line() {
        let text = "a\nbc\rdef\r\ng";
        let source = Source::new(text);
        assert_eq!(source.position(text.find('g').unwrap()), pos(4, 1));
        assert_eq!(source.position(text.find('e').unwrap()), pos(3, 2));
        assert_eq!(
            (1..=5).map(|l| source.line_text(l)).collect::<Vec<_>>(),
            ["a", "bc", "def", "g", ""]
        );
    }

    #[test]
    fn a_line_break_belongs_to_the_line_it_ends() {
        let text = "ab\r\ncd";
        let source = Source::new(text);
        assert_eq!(source.position(2), pos(1, 3));
        assert_eq!(source.position(3), pos(1, 4));
        assert_eq!(source.position(4), pos(2, 1));
    }

    #[test]
    fn cr_only_file_has_a_line_per_cr() {
        let text = "{\r  \"Version\": \"1\",\r  \"Statement\": [\r    {\"Effect\": 1}]}";
        let source = Source::new(text);
        assert_eq!(source.position(text.find("{\"E").unwrap()), pos(4, 5));
        assert_eq!(source.line_text(3), "  \"Statement\": [");
    }

    #[test]
    fn columns_count_characters_after_many_blocks_of_non_ascii_text() {
        let text = format!("{}\n{}x", "é".repeat(3000), "中".repeat(5000));
        let source = Source::new(&text);
        let x = text.find('x').unwrap();
        assert_eq!(source.position(x), pos(2, 5001));
        assert_eq!(source.offset(pos(2, 5001)), Some(x));
        assert_eq!(source.line_text(2).chars().count(), 5001);
    }

    #[test]
    fn embedded_text_keeps_the_file_positions() {
        let source = Source::with_origin("{\n \"a\"}", pos(3, 12));
        assert_eq!(source.position(0), pos(3, 12));
        assert_eq!(source.position(3), pos(4, 2));
        assert_eq!(source.line_text(3), "{");
        assert_eq!(source.line_text(4), " \"a\"}");
        assert_eq!(source.line_text(2), "");
        assert_eq!(source.offset(pos(3, 12)), Some(0));
        assert_eq!(source.offset(pos(4, 2)), Some(3));
    }

    #[test]
    fn offset_past_the_end_is_clamped() {
        let source = Source::new("ab\ncd");
        assert_eq!(source.position(99), pos(2, 3));
        assert_eq!(source.offset(pos(1, 99)), Some(2));
        assert_eq!(source.offset(pos(3, 1)), None);
    }

    #[test]
    fn locate_agrees_with_the_index() {
        let text = "é\r\nx\ry";
        for offset in [0, 2, 3, 4, 5, 6, 7] {
            assert_eq!(
                locate(text, offset, pos(1, 1)),
                Source::new(text).position(offset),
                "{offset}"
            );
        }
    }

    proptest! {
        #[test]
        fn index_agrees_with_the_definition(
            text in proptest::collection::vec(
                prop_oneof![Just("\n"), Just("\r"), Just("\r\n"), Just("a"), Just("é"), Just("中"), Just("😀")],
                0..3000,
            ).prop_map(|parts| parts.concat()),
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..20),
        ) {
            let source = Source::new(&text);
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            for pick in picks {
                let offset = *pick.get(&boundaries);
                let expected = reference(&text, offset);
                prop_assert_eq!(source.position(offset), expected);
                prop_assert_eq!(locate(&text, offset, pos(1, 1)), expected);
                let line = source.line_text(expected.line);
                prop_assert!(!line.contains(['\n', '\r']));
                // The LF of a CRLF is the one place past the line's last column.
                if !(text[..offset].ends_with('\r') && text[offset..].starts_with('\n')) {
                    let start = source.line_start(offset);
                    prop_assert!(text[start..offset].chars().all(|c| c != '\n' && c != '\r'));
                    prop_assert!(line.chars().count() + 1 >= expected.column);
                    prop_assert_eq!(source.offset(expected), Some(offset));
                }
            }
        }
    }
}
