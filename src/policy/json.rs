//! A strict, position-tracking JSON reader (RFC 8259) for policy documents.
//!
//! serde_json reports positions only for errors; the policy model needs the span of every
//! statement, entry and condition value of a *valid* document, and the linter needs to know of
//! duplicate keys, which serde_json silently resolves. This reader keeps every member of every
//! object in order (duplicates included) with byte spans, and names the faults people actually
//! make (spec G11): byte-order marks, NUL bytes, comments, trailing commas, `NaN`, non-breaking
//! spaces and full-width punctuation. It does not interpret the document: that is
//! [`crate::policy`]'s job.

use std::fmt;

use super::Span;

/// The most values (arrays, objects, strings, numbers, literals) one policy document may hold.
/// RAM's largest document (6,144 characters) holds a few thousand at most; without a ceiling,
/// a dense hostile document (`[0,0,0,...]` as a condition's values) costs some 200 bytes of
/// model per two bytes of input, so a 64 MiB file would take gigabytes. Wrapper formats (an
/// account snapshot, a Terraform plan) hold many policies and are read without it.
pub(crate) const MAX_POLICY_VALUES: usize = 500_000; // Named in `too_many_values`'s message.

/// How deep arrays and objects may nest. Policies nest four levels; the limit keeps hostile
/// input from exhausting the stack of a recursive reader.
const MAX_DEPTH: usize = 64;

/// A JSON value with the byte span it covers in the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) span: Span,
}

/// A JSON value. A number is its text in the source, at the node's span (the policy grammar
/// reads numbers as text, G9): not a copy, which would cost an allocation per number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number,
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// One `"key": value` member of an object, duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) value: Node,
}

/// The value of the first member of an object named `key` (a document whose repeated keys
/// were rejected, as the loader and the parser do, has only the one).
pub(crate) fn member<'a>(members: &'a [Member], key: &str) -> Option<&'a Node> {
    members.iter().find(|m| m.key == key).map(|m| &m.value)
}

/// The string value of member `key`, if it is a string.
pub(crate) fn get_str<'a>(members: &'a [Member], key: &str) -> Option<&'a str> {
    match member(members, key).map(|n| &n.value) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The members of `node`, if it is an object.
pub(crate) fn object(node: Option<&Node>) -> Option<&[Member]> {
    match node.map(|n| &n.value) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// A string, or the strings of an array (other items skipped): the shape of `Action`,
/// `Resource` and a list of names.
pub(crate) fn strings(node: &Node) -> Vec<&str> {
    match &node.value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .filter_map(|n| match &n.value {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Every member of an object whose key an earlier member already has, as `(repeat, first)`
/// indices into `members`, in document order; `first` is the key's first occurrence. Linear in
/// the members ([`crate::repeats`]).
pub(crate) fn repeated_keys(members: &[Member]) -> Vec<(usize, usize)> {
    let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
    crate::repeats::repeats(&keys).collect()
}

impl Value {
    /// The JSON type's name, as error messages call it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Why the text is not strict JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    /// Byte offset of the fault.
    pub(crate) offset: usize,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    /// Whether the fault is the ceiling on values ([`MAX_POLICY_VALUES`]), not the grammar.
    pub(crate) too_many_values: bool,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads one JSON document from raw bytes: checks UTF-8 first, then the grammar.
///
/// Every reader in the crate has use only for an object (a policy, an account file, the formats
/// lint recognises), so a document whose top-level value is anything else is checked all the
/// same, with the same errors, but its contents are not kept: its node has its type and span,
/// and is empty. So `[0,0,0,...]` costs no memory per element.
///
/// At most [`MAX_POLICY_VALUES`] values are read: this is the reader of policy documents and of
/// the small formats around them.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<(&str, Node), JsonError> {
    read_bytes(bytes, Keep::Object, Limits::POLICY)
}

/// [`parse_bytes`] without the ceiling on values: for an account snapshot, which holds a whole
/// account's policies and principals.
pub(crate) fn parse_bytes_any_size(bytes: &[u8]) -> Result<(&str, Node), JsonError> {
    read_bytes(
        bytes,
        Keep::Object,
        Limits {
            values: usize::MAX,
            ..Limits::POLICY
        },
    )
}

/// The members of a top-level object with their values checked but not kept (each an empty
/// value of its type, with its span), however many values the document holds: enough to tell
/// which format a file is in before deciding how to read it.
pub(crate) fn top_level_members(bytes: &[u8]) -> Result<Vec<Member>, JsonError> {
    top_level_members_within(bytes, Limits::POLICY.depth)
}

/// [`top_level_members`] of a document that may nest `depth` deep (a wrapper format).
pub(crate) fn top_level_members_within(
    bytes: &[u8],
    depth: usize,
) -> Result<Vec<Member>, JsonError> {
    let limits = Limits {
        depth,
        values: usize::MAX,
    };
    let (_, node) = read_bytes(bytes, Keep::TopLevelKeys, limits)?;
    Ok(match node.value {
        Value::Object(members) => members,
        _ => Vec::new(),
    })
}

/// What the reader accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// How deep arrays and objects nest.
    pub(crate) depth: usize,
    /// How many values are kept.
    pub(crate) values: usize,
}

impl Limits {
    /// A policy document's.
    pub(crate) const POLICY: Limits = Limits {
        depth: MAX_DEPTH,
        values: MAX_POLICY_VALUES,
    };
}

/// What of a document the reader keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    #[cfg(test)]
    Everything,
    /// The contents of a top-level object only.
    Object,
    /// The keys of a top-level object only.
    TopLevelKeys,
}

fn read_bytes(bytes: &[u8], keep: Keep, limits: Limits) -> Result<(&str, Node), JsonError> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(error(
            0,
            "the document starts with a UTF-8 byte-order mark",
            Some("save the file as UTF-8 without a BOM"),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Err(error(
                e.valid_up_to(),
                "the document is not valid UTF-8",
                Some("RAM policies are UTF-8 text; re-save the file as UTF-8"),
            ))
        }
    };
    read_str(text, keep, limits).map(|node| (text, node))
}

/// [`parse_bytes`] for a format that wraps policies (a Terraform plan nests its modules
/// without bound): arrays and objects may nest as `limits` say instead of a policy's limit.
pub(crate) fn parse_bytes_nested(bytes: &[u8], limits: Limits) -> Result<(&str, Node), JsonError> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.starts_with('\u{FEFF}') => {
            read_str(text, Keep::Object, limits).map(|node| (text, node))
        }
        // Not a wrapper: the policy reader names the fault.
        _ => parse_bytes(bytes),
    }
}

/// Reads one JSON document from text, keeping every value.
#[cfg(test)]
pub(crate) fn parse_str(text: &str) -> Result<Node, JsonError> {
    read_str(text, Keep::Everything, Limits::POLICY)
}

fn read_str(text: &str, keep: Keep, limits: Limits) -> Result<Node, JsonError> {
    if text.starts_with('\u{FEFF}') {
        return Err(error(
            0,
            "the document starts with a byte-order mark (U+FEFF)",
            Some("save the file as UTF-8 without a BOM"),
        ));
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        max_depth: limits.depth,
        values_left: limits.values,
        build: true,
        keys_only: keep == Keep::TopLevelKeys,
    };
    reader.skip_whitespace()?;
    if reader.pos >= reader.bytes.len() {
        return Err(error(
            reader.pos,
            "the document is empty",
            Some("a policy is a JSON object: `{\"Version\": \"1\", \"Statement\": [...]}`"),
        ));
    }
    reader.build =
        !matches!(keep, Keep::Object | Keep::TopLevelKeys) || reader.peek() == Some(b'{');
    let node = reader.value()?;
    reader.skip_whitespace()?;
    if reader.pos < reader.bytes.len() {
        return Err(error(
            reader.pos,
            "unexpected content after the end of the JSON document",
            Some("a file holds exactly one policy document; remove what follows its closing `}`"),
        ));
    }
    Ok(node)
}

#[cold]
fn error(offset: usize, message: impl Into<String>, help: Option<&str>) -> JsonError {
    JsonError {
        offset,
        message: message.into(),
        help: help.map(str::to_owned),
        too_many_values: false,
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
    /// How many more values may be kept.
    values_left: usize,
    /// Whether to keep what is read; when not, values are checked and come out empty.
    build: bool,
    /// Whether to keep only the top-level object's keys (their values come out empty).
    keys_only: bool,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn skip_whitespace(&mut self) -> Result<(), JsonError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => {
                    let next = self.bytes.get(self.pos + 1).copied();
                    if next == Some(b'/') || next == Some(b'*') {
                        return Err(error(
                            self.pos,
                            "comments are not allowed in JSON",
                            Some("remove the comment; RAM policies are strict JSON"),
                        ));
                    }
                    return Ok(());
                }
                Some(b'#') => {
                    return Err(error(
                        self.pos,
                        "`#` comments are not allowed in JSON",
                        Some("remove the comment; RAM policies are strict JSON"),
                    ))
                }
                Some(0) => {
                    return Err(error(
                        self.pos,
                        "NUL byte in the document",
                        Some("remove the NUL byte; the file may be UTF-16 or binary"),
                    ))
                }
                Some(b) if b >= 0x80 => {
                    let c = self.peek_char().unwrap_or('\u{FFFD}');
                    if c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}' {
                        return Err(error(
                            self.pos,
                            format!(
                                "{} (U+{:04X}) used as whitespace",
                                unicode_name(c),
                                c as u32
                            ),
                            Some("JSON whitespace is space, tab, CR and LF only; replace it with an ordinary space"),
                        ));
                    }
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<Node, JsonError> {
        let start = self.pos;
        if self.build {
            if self.values_left == 0 {
                return Err(self.too_many_values());
            }
            self.values_left -= 1;
        }
        let value = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Value::Number
            }
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            None => {
                return Err(error(
                    self.pos,
                    "unexpected end of the document: expected a value",
                    Some("the document is cut short; complete it or close the open brackets"),
                ))
            }
            Some(_) => return Err(self.unexpected("a value")),
        };
        Ok(Node {
            value,
            span: Span::new(start, self.pos),
        })
    }

    #[cold]
    fn too_many_values(&self) -> JsonError {
        JsonError {
            too_many_values: true,
            ..error(
                self.pos,
                "the document holds more than 500,000 values, far more than RAM accepts in a policy (6,144 characters); ramcheck does not read further",
                Some("split the document into policies RAM accepts, merging entries with wildcards such as `ecs:Describe*`"),
            )
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(error(
                self.pos,
                format!(
                    "arrays and objects nest more than {} levels deep",
                    self.max_depth
                ),
                Some("a policy nests four levels at most; check the brackets"),
            ));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        self.enter()?;
        self.pos += 1; // `{`
        let mut members = Vec::new();
        self.skip_whitespace()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace()?;
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a `\"`-quoted member name"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_whitespace()?;
            if self.peek() != Some(b':') {
                return Err(self.unexpected("`:` after the member name"));
            }
            self.pos += 1;
            self.skip_whitespace()?;
            // Keys only: the top-level object's values are read without being kept.
            let keep_value = self.build && !(self.keys_only && self.depth == 1);
            let build = std::mem::replace(&mut self.build, keep_value);
            let value = self.value();
            self.build = build;
            let value = value?;
            if self.build {
                members.push(Member {
                    key,
                    key_span,
                    value,
                });
            }
            self.skip_whitespace()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_whitespace()?;
                    if self.peek() == Some(b'}') {
                        return Err(self.trailing_comma(comma, '}'));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    members.shrink_to_fit();
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        self.enter()?;
        self.pos += 1; // `[`
        let mut items = Vec::new();
        self.skip_whitespace()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace()?;
            let item = self.value()?;
            if self.build {
                items.push(item);
            }
            self.skip_whitespace()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_whitespace()?;
                    if self.peek() == Some(b']') {
                        return Err(self.trailing_comma(comma, ']'));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    // A vector grows to four elements at its first push; most arrays of a
                    // policy hold one or two, and hostile ones millions of one-element
                    // arrays.
                    items.shrink_to_fit();
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(error(
                        start,
                        "numbers must not have leading zeros",
                        Some("write the number without leading zeros, or quote it as a string"),
                    ));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => {
                if self
                    .text
                    .get(self.pos..)
                    .is_some_and(|r| r.starts_with("Infinity"))
                {
                    return Err(not_a_number(start));
                }
                return Err(self.unexpected("a digit"));
            }
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            self.digits();
        }
        Ok(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1; // `"`
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            if self.build {
                out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
            }
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(0) => {
                    return Err(error(
                        self.pos,
                        "NUL byte inside a string",
                        Some("remove the NUL byte; the file may be UTF-16 or binary"),
                    ))
                }
                Some(b'\n' | b'\r') => {
                    return Err(error(
                        self.pos,
                        "line break inside a string",
                        Some("close the string with `\"` before the line ends, or write `\\n`"),
                    ))
                }
                Some(b) => {
                    return Err(error(
                        self.pos,
                        format!("control character U+{b:04X} inside a string"),
                        Some("write it as an escape such as `\\t`, or remove it"),
                    ))
                }
                None => {
                    return Err(error(
                        open,
                        "string is never closed",
                        Some("add the closing `\"`"),
                    ))
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let at = self.pos;
        self.pos += 1; // `\`
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{C}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let high = self.hex4(at)?;
                let c = if (0xD800..0xDC00).contains(&high) {
                    if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(lone_surrogate(at));
                    }
                    self.pos += 2;
                    let low = self.hex4(at)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(lone_surrogate(at));
                    }
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                } else if (0xDC00..0xE000).contains(&high) {
                    return Err(lone_surrogate(at));
                } else {
                    char::from_u32(high)
                };
                let c = c.ok_or_else(|| lone_surrogate(at))?;
                if self.build {
                    out.push(c);
                }
                return Ok(());
            }
            _ => {
                return Err(error(
                    at,
                    "invalid escape sequence in a string",
                    Some("JSON knows `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`; to write a backslash, double it"),
                ))
            }
        };
        self.pos += 1;
        if self.build {
            out.push(c);
        }
        Ok(())
    }

    fn hex4(&mut self, at: usize) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                error(
                    at,
                    "invalid `\\u` escape: expected four hexadecimal digits",
                    Some("write the character as `\\uXXXX` with four hex digits"),
                )
            })?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| error(at, "invalid `\\u` escape", None))
    }

    /// A trailing comma is reported at the comma, the byte at fault (serde_json and Python's
    /// `json` point at the closing bracket instead), and the message says where that bracket is.
    #[cold]
    fn trailing_comma(&self, comma: usize, close: char) -> JsonError {
        let close_at = super::locate(self.text, self.pos, super::Position::START);
        error(
            comma,
            format!("trailing comma before the closing `{close}` (at {close_at})"),
            Some("remove the comma after the last element; JSON does not allow trailing commas"),
        )
    }

    #[cold]
    fn unexpected(&self, expected: &str) -> JsonError {
        let Some(c) = self.peek_char() else {
            return error(
                self.pos,
                format!("unexpected end of the document: expected {expected}"),
                Some("the document is cut short; complete it or close the open brackets"),
            );
        };
        let (found, help) = match c {
            '\u{FF0C}' => (
                "a full-width comma `，`".to_owned(),
                Some("replace it with an ASCII comma `,`"),
            ),
            '\u{FF1A}' => (
                "a full-width colon `：`".to_owned(),
                Some("replace it with an ASCII colon `:`"),
            ),
            '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' => (
                format!("a typographic quote `{c}`"),
                Some("replace it with a straight double quote `\"`"),
            ),
            '\'' => (
                "a single quote `'`".to_owned(),
                Some("JSON strings use double quotes `\"`"),
            ),
            'N' if self.text.get(self.pos..).is_some_and(|r| r.starts_with("NaN")) => {
                return not_a_number(self.pos)
            }
            'I' if self.text.get(self.pos..).is_some_and(|r| r.starts_with("Infinity")) => {
                return not_a_number(self.pos)
            }
            '$' => (
                "`$`".to_owned(),
                Some("this looks like an unexpanded template variable; substitute its value and quote it"),
            ),
            '<' => (
                "`<`".to_owned(),
                Some("this looks like a placeholder; replace it with a real, quoted value"),
            ),
            c if c.is_alphabetic() || c == '_' => (
                format!("`{c}`"),
                Some("strings and member names must be enclosed in double quotes `\"`"),
            ),
            c if c.is_control() => (format!("control character U+{:04X}", c as u32), None),
            c => (format!("`{c}`"), None),
        };
        error(
            self.pos,
            format!("expected {expected}, found {found}"),
            help,
        )
    }
}

#[cold]
fn not_a_number(offset: usize) -> JsonError {
    error(
        offset,
        "`NaN` and `Infinity` are not JSON values",
        Some("quote the value as a string, or write a number"),
    )
}

#[cold]
fn lone_surrogate(offset: usize) -> JsonError {
    error(
        offset,
        "invalid `\\u` escape: a UTF-16 surrogate must come in a high/low pair",
        Some("write the character itself, or its correct surrogate pair"),
    )
}

fn unicode_name(c: char) -> &'static str {
    match c {
        '\u{A0}' => "non-breaking space",
        '\u{3000}' => "ideographic (full-width) space",
        '\u{FEFF}' => "zero-width no-break space (BOM)",
        '\u{200B}' => "zero-width space",
        '\u{2028}' => "line separator",
        '\u{2029}' => "paragraph separator",
        _ => "Unicode space",
    }
}

#[cfg(test)]
mod tests;
