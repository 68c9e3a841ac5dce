//! Documents of a YAML template, linted as their JSON rendering: the rendering, and where each
//! of its tokens starts and ends in the template, so that findings are placed in the template.
//!
//! The tree of a YAML template knows where each node starts; where it ends is read from the
//! template's text here: a scalar ends after its closing quote (quoted), after its text (plain,
//! on one line, as the tree holds it), or at the end of its last line (a block scalar, or a
//! plain one folded over lines); a mapping or list ends where its last entry does, or after its
//! closing bracket when it is written in flow style (`[a, b]`).

use crate::lint::Finding;
use crate::policy::{Position, Source};
use crate::source::ros::tree;

/// One token of the rendering: its bytes in the rendering, and where it stands in the
/// template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    /// Its first byte in the rendering.
    start: usize,
    /// Just past its last byte in the rendering.
    end: usize,
    /// Where it starts in the template.
    from: Position,
    /// Where it ends in the template (just past it).
    to: Position,
}

/// Where the tokens of a document rendered from a YAML template stand in the template: the
/// rendering is one line, and each token's offsets in it map to the lines and columns of the
/// YAML node (or key) it was rendered from. An offset within a token maps to the token's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The tokens, by their start in the rendering, ascending.
    marks: Vec<Mark>,
    /// Indexes of `marks` by their end in the rendering (then their start), for the token
    /// that ends where a span does.
    by_end: Vec<usize>,
}

impl Placement {
    /// The template's position of the rendering's byte `offset`: the start of its token.
    fn at(&self, offset: usize) -> Option<Position> {
        let after = self.marks.partition_point(|m| m.start <= offset);
        self.marks.get(after.checked_sub(1)?).map(|m| m.from)
    }

    /// The template's position just past a span of the rendering from `start` to `end`: the
    /// end of the outermost token in the span that ends where it does, else of the token its
    /// last byte is in.
    fn end(&self, start: usize, end: usize) -> Option<Position> {
        let first = self.by_end.partition_point(|&i| {
            self.marks
                .get(i)
                .is_some_and(|m| (m.end, m.start) < (end, start))
        });
        let exact = self
            .by_end
            .get(first)
            .and_then(|&i| self.marks.get(i))
            .filter(|m| m.end == end);
        if let Some(mark) = exact {
            return Some(mark.to);
        }
        let last = end.checked_sub(1).filter(|&last| last >= start)?;
        let after = self.marks.partition_point(|m| m.start <= last);
        self.marks.get(after.checked_sub(1)?).map(|m| m.to)
    }

    /// Places findings of the rendering `text` (linted from [`Position::START`]) in the
    /// template: their positions and ends, and the related places, which the rendering's one
    /// line makes offsets again.
    pub(crate) fn place(&self, text: &str, findings: &mut [Finding]) {
        let rendering = Source::new(text);
        for finding in findings {
            if let Some(at) = self.at(finding.span.start) {
                finding.position = at;
            }
            finding.end = self
                .end(finding.span.start, finding.span.end)
                .unwrap_or(finding.position)
                .max(finding.position);
            finding.related = finding
                .related
                .and_then(|p| self.at(rendering.offset(p)?).or(Some(p)));
        }
    }
}

/// Renders a template's subtree as one line of JSON, with where each of its tokens stands in
/// the template, whose text is `template`.
pub(crate) fn render(node: &tree::Node, template: &Source) -> (String, Placement) {
    let mut renderer = Renderer {
        out: String::new(),
        marks: Vec::new(),
        template,
    };
    renderer.node(node);
    let Renderer { out, marks, .. } = renderer;
    let mut by_end: Vec<usize> = (0..marks.len()).collect();
    by_end.sort_by_key(|&i| marks.get(i).map(|m| (m.end, m.start)));
    (out, Placement { marks, by_end })
}

struct Renderer<'t> {
    out: String,
    marks: Vec<Mark>,
    template: &'t Source,
}

impl Renderer<'_> {
    /// Renders `node`, marking it and every token in it; returns where it ends in the
    /// template. The tree's depth is bounded by its reader ([`tree::MAX_DEPTH`]), so the
    /// recursion is too.
    fn node(&mut self, node: &tree::Node) -> Position {
        let mark = self.open(node.at);
        let to = match &node.value {
            tree::Value::Null => self.scalar("null", node.at, Some("null")),
            tree::Value::Bool(b) => {
                let written = if *b { "true" } else { "false" };
                self.scalar(written, node.at, Some(written))
            }
            tree::Value::Number(n) => self.scalar(n, node.at, Some(n)),
            tree::Value::String(s) => {
                let written = quote(s);
                self.scalar(&written, node.at, Some(s))
            }
            tree::Value::Array(items) => {
                self.out.push('[');
                let mut last = None;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    last = Some(self.node(item));
                }
                self.out.push(']');
                self.collection(node.at, last, b'[', b']')
            }
            tree::Value::Object(members) => {
                self.out.push('{');
                let mut last = None;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let key = self.open(m.at);
                    let written = quote(&m.key);
                    let to = self.scalar(&written, m.at, Some(&m.key));
                    self.close(key, to);
                    self.out.push_str(": ");
                    last = Some(self.node(&m.value));
                }
                self.out.push('}');
                self.collection(node.at, last, b'{', b'}')
            }
        };
        self.close(mark, to);
        to
    }

    /// Starts the mark of a token that starts at `from` in the template; its end is set by
    /// [`Renderer::close`].
    fn open(&mut self, from: Position) -> usize {
        let start = self.out.len();
        self.marks.push(Mark {
            start,
            end: start,
            from,
            to: from,
        });
        self.marks.len() - 1
    }

    fn close(&mut self, mark: usize, to: Position) {
        let end = self.out.len();
        if let Some(m) = self.marks.get_mut(mark) {
            m.end = end;
            m.to = to.max(m.from);
        }
    }

    /// Writes a scalar's JSON text `written`; returns where the scalar that starts at `from`
    /// ends in the template, its text being `text` when it is a string or a number.
    fn scalar(&mut self, written: &str, from: Position, text: Option<&str>) -> Position {
        self.out.push_str(written);
        scalar_end(self.template, from, text).unwrap_or(from)
    }

    /// Where a collection that starts at `from`, and whose last entry ends at `last`, ends in
    /// the template: after its closing bracket in flow style, else where that entry does.
    fn collection(&self, from: Position, last: Option<Position>, open: u8, close: u8) -> Position {
        let text = self.template.text().as_bytes();
        let Some(start) = self.template.offset(from) else {
            return last.unwrap_or(from);
        };
        if text.get(start) != Some(&open) {
            return last.unwrap_or(from);
        }
        let after = last
            .and_then(|p| self.template.offset(p))
            .unwrap_or(start + 1);
        closing(text, after, close)
            .map_or(last.unwrap_or(from), |end| self.template.position(end + 1))
    }
}

/// The first `close` at or after `from`, past blanks, commas and comments: where a flow
/// collection's last entry is followed by its closing bracket.
fn closing(text: &[u8], from: usize, close: u8) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = text.get(i) {
        match b {
            b if b == close => return Some(i),
            b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
            b'#' => {
                while text.get(i).is_some_and(|&b| b != b'\n' && b != b'\r') {
                    i += 1;
                }
            }
            _ => return None,
        }
    }
    None
}

/// Where the scalar that starts at `from` ends in the template: after its closing quote, after
/// its `text` when the template writes it as is, else at the end of its last line (a block
/// scalar, whose node starts at its first line of text, or a plain scalar folded over lines).
fn scalar_end(template: &Source, from: Position, text: Option<&str>) -> Option<Position> {
    let bytes = template.text().as_bytes();
    let start = template.offset(from)?;
    let end = match bytes.get(start)? {
        b'"' => quoted_end(bytes, start, b'"')?,
        b'\'' => quoted_end(bytes, start, b'\'')?,
        _ => match text {
            Some(text) if bytes.get(start..)?.starts_with(text.as_bytes()) => start + text.len(),
            _ => lines_end(template, start, after_indicator(bytes, start)),
        },
    };
    Some(template.position(end))
}

/// Whether the text at `start` is the first line of a block scalar: the line before it that
/// is not blank ends with an indicator (`|`, `>`, with chomping and indentation marks).
fn after_indicator(bytes: &[u8], start: usize) -> bool {
    let before = bytes.get(..start).unwrap_or_default();
    // Back over the indentation and the line breaks and blanks before it.
    let end = before
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .map_or(0, |i| i + 1);
    let mut line = before.get(..end).unwrap_or_default();
    // A comment after the indicator.
    let line_start = line
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    if let Some(hash) = line
        .iter()
        .skip(line_start)
        .position(|&b| b == b'#')
        .map(|i| line_start + i)
        .filter(|&i| i > line_start && line.get(i - 1) == Some(&b' '))
    {
        line = line.get(..hash).unwrap_or_default().trim_ascii_end();
    }
    let tail = line
        .iter()
        .rev()
        .take_while(|&&b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
        .count();
    matches!(
        line.len().checked_sub(tail + 1).and_then(|i| line.get(i)),
        Some(b'|' | b'>')
    )
}

/// Just past the quote that closes the string opened at `start`: in double quotes a backslash
/// escapes the next byte, in single quotes `''` is a quote.
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match *bytes.get(i)? {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote && quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end of a plain scalar's line that starts at `start`: before a comment, trailing blanks
/// left out.
fn plain_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        if b == b'\n' || b == b'\r' || (b == b'#' && i > start && bytes.get(i - 1) == Some(&b' ')) {
            break;
        }
        i += 1;
        if b != b' ' && b != b'\t' {
            end = i;
        }
    }
    end
}

/// The end of the last line of a scalar of several lines whose text starts at `start`: its
/// lines are those indented as much as its first (a block scalar, whose text starts a line) or
/// more than the line it starts on (a plain scalar, after its key), and the blank lines between
/// them. Every byte of a block scalar's line is its own (`#` too); a plain scalar's line ends
/// before a comment.
fn lines_end(template: &Source, start: usize, block: bool) -> usize {
    let bytes = template.text().as_bytes();
    let first = template.line_start(start);
    let indent = bytes
        .get(first..start)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
        .saturating_add(usize::from(!block))
        .max(1);
    let line_end = |at: usize| {
        if block {
            at + bytes
                .get(at..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| b != b'\n' && b != b'\r')
                .count()
        } else {
            plain_end(bytes, at)
        }
    };
    let mut end = line_end(start);
    let mut i = next_line(bytes, start);
    while let Some(line) = i {
        let blanks = bytes
            .get(line..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        let content = plain_end(bytes, line + blanks);
        if content == line + blanks {
            // A blank line belongs to the block only if more of it follows.
            i = next_line(bytes, line);
            continue;
        }
        if blanks < indent {
            break;
        }
        end = line_end(line + blanks);
        i = next_line(bytes, line);
    }
    end
}

/// The start of the line after the one `at` is on, if there is one.
fn next_line(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    let br = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
    let after = at + br + 1;
    // A CRLF is one line break.
    Some(
        if bytes.get(at + br) == Some(&b'\r') && bytes.get(after) == Some(&b'\n') {
            after + 1
        } else {
            after
        },
    )
}

/// A string as a JSON string literal.
fn quote(s: &str) -> String {
    // Serialising a string cannot fail; the fallback keeps the rendering well formed anyway.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template text from each finding-like span's start to its end, for the rendering of
    /// the document under `Doc:`.
    fn placed(template: &str, needles: &[&str]) -> Vec<String> {
        let root = tree::read(template).expect("template");
        let node = root.get("Doc").expect("Doc");
        let source = Source::new(template);
        let (text, placement) = render(node, &source);
        needles
            .iter()
            .map(|needle| {
                let start = text.find(needle).expect("needle in the rendering");
                let from = placement.at(start).expect("start");
                let to = placement.end(start, start + needle.len()).expect("end");
                let (a, b) = (
                    source.offset(from).expect("from"),
                    source.offset(to).expect("to"),
                );
                template[a..b].to_owned()
            })
            .collect()
    }

    #[test]
    fn each_kind_of_scalar_ends_where_the_template_writes_it() {
        let template = "Doc:\n  Plain: ecs:Cancel*   # why\n  Double: \"a\\\"b\"\n  \
                        Single: 'it''s'\n  Num: 42\n  Flow: [x, \"y\" ]\n  Map: {k: v}\n  \
                        Block: |-  # a comment\n    line one\n      line # two\n\n  \
                        Folded: a b\n    c d # e\n  Last: z\n";
        assert_eq!(
            placed(
                template,
                &[
                    "\"ecs:Cancel*\"",
                    "\"a\\\"b\"",
                    "\"it's\"",
                    "42",
                    "[\"x\", \"y\"]",
                    "{\"k\": \"v\"}",
                    "\"line one\\n  line # two\"",
                    "\"a b c d\"",
                    "\"Plain\"",
                    "\"z\"",
                ]
            ),
            [
                "ecs:Cancel*",
                "\"a\\\"b\"",
                "'it''s'",
                "42",
                "[x, \"y\" ]",
                "{k: v}",
                "line one\n      line # two",
                "a b\n    c d",
                "Plain",
                "z",
            ]
        );
    }

    #[test]
    fn a_block_mapping_ends_with_its_last_value() {
        let template = "Doc:\n  Statement:\n  - Effect: Allow\n    Action: ecs:*\nOther: 1\n";
        let got = placed(
            template,
            &["{\"Effect\": \"Allow\", \"Action\": \"ecs:*\"}"],
        );
        assert_eq!(got, ["Effect: Allow\n    Action: ecs:*"]);
    }
}
