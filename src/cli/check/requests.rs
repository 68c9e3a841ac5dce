//! `check --requests FILE`: a batch of requests, as JSON lines (any whitespace between the
//! objects, so a pretty-printed sequence works too) or as one JSON array of them.
//!
//! Strict as the policy reader: an unknown key, a repeated key, a value of the wrong type or a
//! request without a resource is an error at its line and column, never a request decided
//! without it. The number of requests is bounded ([`MAX_REQUESTS`]), and an array is read one
//! element at a time after its syntax is checked, so memory stays a small multiple of one
//! request.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::Failure;

/// The most requests one batch decides (a cross product of `--action` and `--resource`, or a
/// `--requests` file): far beyond a CI gate's needs, and small enough that every answer is kept
/// until all are decided (nothing is printed when any request is invalid).
pub(crate) const MAX_REQUESTS: usize = 100_000;

/// One request as the file gives it, with where it starts.
#[derive(Debug)]
pub(crate) struct RawRequest {
    pub(crate) action: Option<String>,
    pub(crate) resource: String,
    /// Key and value pairs, a key once per value, in the file's order.
    pub(crate) context: Vec<(String, String)>,
    pub(crate) principal: Option<String>,
    /// Line and column (from 1, columns in characters) of the request's first byte.
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// A request object: `{"action"?, "resource", "context"?, "principal"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    action: Option<String>,
    resource: String,
    #[serde(default)]
    context: ContextMap,
    principal: Option<String>,
}

/// `{KEY: VALUE | [VALUES]}`, a repeated key refused (serde's maps keep the last one quietly).
#[derive(Default)]
struct ContextMap(Vec<(String, String)>);

impl<'de> Deserialize<'de> for ContextMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ContextMap, D::Error> {
        deserializer.deserialize_map(ContextVisitor)
    }
}

struct ContextVisitor;

impl<'de> Visitor<'de> for ContextVisitor {
    type Value = ContextMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of context keys, e.g. `{\"acs:SourceIp\": \"10.0.0.1\"}`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ContextMap, A::Error> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if keys.contains(&key) {
                return Err(de::Error::custom(format!(
                    "context key `{key}` is given twice; give its values as one list"
                )));
            }
            let Values(values) = map.next_value()?;
            if values.is_empty() {
                return Err(de::Error::custom(format!(
                    "context key `{key}` has an empty list: give at least one value, or leave the key out"
                )));
            }
            pairs.extend(values.into_iter().map(|v| (key.clone(), v)));
            keys.push(key);
        }
        Ok(ContextMap(pairs))
    }
}

/// A context value: a string, number or boolean (as its text), or a list of them.
struct Values(Vec<String>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Values, D::Error> {
        deserializer.deserialize_any(ValuesVisitor { nested: false })
    }
}

struct ValuesVisitor {
    /// Inside a list: a list in a list is refused.
    nested: bool,
}

impl<'de> Visitor<'de> for ValuesVisitor {
    type Value = Values;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nested {
            f.write_str("a string, number or boolean")
        } else {
            f.write_str("a string, number or boolean, or a list of them")
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Values, E> {
        Ok(Values(vec![v.to_owned()]))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Values, E> {
        Ok(Values(vec![v.to_string()]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
        if self.nested {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut values = Vec::new();
        while let Some(Values(one)) = seq.next_element_seed(NestedSeed)? {
            values.extend(one);
        }
        Ok(Values(values))
    }
}

/// A value inside a list.
struct NestedSeed;

impl<'de> de::DeserializeSeed<'de> for NestedSeed {
    type Value = Values;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Values, D::Error> {
        deserializer.deserialize_any(ValuesVisitor { nested: true })
    }
}

/// Reads the requests of `bytes`, the file shown as `file`.
pub(crate) fn parse(bytes: &[u8], file: &str) -> Result<Vec<RawRequest>, Failure> {
    let mut places = Places::new(bytes);
    let first = skip_whitespace(bytes, 0);
    let requests = match bytes.get(first) {
        None => Vec::new(),
        Some(b'[') => array(bytes, file, &mut places)?,
        Some(_) => lines(bytes, file, &mut places)?,
    };
    if requests.is_empty() {
        return Err(Failure::new(format!("--requests: `{file}` holds no request")).with_help(
            "give one request object per line, e.g. `{\"action\": \"ecs:CancelImagePipelineExecution\", \"resource\": \"acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1\"}`, or one array of them",
        ));
    }
    Ok(requests)
}

/// JSON lines: objects one after another, separated by whitespace.
fn lines(bytes: &[u8], file: &str, places: &mut Places<'_>) -> Result<Vec<RawRequest>, Failure> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Entry>();
    let mut requests = Vec::new();
    loop {
        let start = skip_whitespace(bytes, stream.byte_offset());
        let Some(entry) = stream.next() else { break };
        let entry = entry.map_err(|e| syntax(file, &e))?;
        if requests.len() == MAX_REQUESTS {
            return Err(too_many(file));
        }
        let (line, column) = places.at(start);
        requests.push(raw(entry, line, column));
    }
    Ok(requests)
}

/// One array of request objects.
fn array(bytes: &[u8], file: &str, places: &mut Places<'_>) -> Result<Vec<RawRequest>, Failure> {
    // The syntax first, without keeping anything: its errors are the file's, and afterwards
    // the elements can be found by a scan that need not handle broken JSON.
    // (A sequence of zero-sized values: nothing is kept, and serde_json names a trailing
    // comma as such only when it reads a sequence.)
    serde_json::from_slice::<Vec<IgnoredAny>>(bytes).map_err(|e| syntax(file, &e))?;
    let spans = elements(bytes);
    if spans.len() > MAX_REQUESTS {
        return Err(too_many(file));
    }
    let mut requests = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        let (line, column) = places.at(start);
        let text = bytes.get(start..end).unwrap_or_default();
        let entry = serde_json::from_slice::<Entry>(text).map_err(|e| {
            // The element's own line and column, shifted to the file's.
            let (at_line, at_column) = if e.line() <= 1 {
                (line, column + e.column().saturating_sub(1))
            } else {
                (line + e.line() - 1, e.column())
            };
            Failure::new(format!(
                "{file}:{at_line}:{at_column}: --requests: {}",
                message(&e)
            ))
            .with_help(REQUEST_HELP)
        })?;
        requests.push(raw(entry, line, column));
    }
    Ok(requests)
}

const REQUEST_HELP: &str = "a request is `{\"action\": ACTION, \"resource\": ARN, \"context\": {KEY: VALUE or [VALUES]}, \"principal\": PRINCIPAL}`; only `resource` is required";

fn raw(entry: Entry, line: usize, column: usize) -> RawRequest {
    RawRequest {
        action: entry.action,
        resource: entry.resource,
        context: entry.context.0,
        principal: entry.principal,
        line,
        column,
    }
}

/// serde_json's message without its own ` at line L column C` (the position is written
/// first, as every error of ramcheck writes it).
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text.get(..at).unwrap_or(&text).to_owned(),
        None => text,
    }
}

fn syntax(file: &str, e: &serde_json::Error) -> Failure {
    Failure::new(format!(
        "{file}:{}:{}: --requests: {}",
        e.line(),
        e.column(),
        message(e)
    ))
    .with_help(REQUEST_HELP)
}

fn too_many(file: &str) -> Failure {
    Failure::new(format!(
        "--requests: `{file}` holds more than {MAX_REQUESTS} requests"
    ))
    .with_help("split the batch into several files, one `check` each")
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// The byte spans of the top-level array's elements, in text already known to be valid JSON.
fn elements(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        let is_space = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        if depth == 1 && start.is_none() && !is_space && b != b',' && b != b']' {
            start = Some(i);
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                if depth == 1 {
                    if let Some(s) = start.take() {
                        spans.push((s, i));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            b',' if depth == 1 => {
                if let Some(s) = start.take() {
                    spans.push((s, i));
                }
            }
            _ => {}
        }
    }
    spans
}

/// Line and column of byte offsets, asked for in increasing order: one pass over the file.
struct Places<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> Places<'a> {
    fn new(bytes: &'a [u8]) -> Places<'a> {
        Places {
            bytes,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// Line and column (in characters) of `offset`, at or after the last one asked for.
    fn at(&mut self, offset: usize) -> (usize, usize) {
        let upto = offset.min(self.bytes.len());
        for &b in self.bytes.get(self.offset..upto).unwrap_or_default() {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Continuation bytes of UTF-8 do not start a character.
                self.column += 1;
            }
        }
        self.offset = self.offset.max(upto);
        (self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(text: &str) -> Vec<(usize, usize, String)> {
        parse(text.as_bytes(), "r")
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.column, r.resource))
            .collect()
    }

    fn error(text: &str) -> String {
        parse(text.as_bytes(), "r").unwrap_err().message
    }

    #[test]
    fn json_lines_are_placed_at_their_first_byte() {
        assert_eq!(
            places("{\"resource\": \"a\"}\n\n  {\"resource\": \"b\"}\n"),
            [(1, 1, "a".to_owned()), (3, 3, "b".to_owned())]
        );
    }

    #[test]
    fn a_pretty_printed_sequence_is_json_lines_too() {
        assert_eq!(
            places("{\n \"resource\": \"a\"\n}\n{\n \"resource\": \"b\"\n}"),
            [(1, 1, "a".to_owned()), (4, 1, "b".to_owned())]
        );
    }

    #[test]
    fn array_elements_are_placed_at_their_first_byte() {
        assert_eq!(
            places("[\n  {\"resource\": \"a,]\\\"\"},\n  {\"resource\": \"b\"}\n]"),
            [(2, 3, "a,]\"".to_owned()), (3, 3, "b".to_owned())]
        );
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(
            places("[{\"resource\": \"é\"}, {\"resource\": \"b\"}]")[1],
            (1, 21, "b".to_owned())
        );
    }

    #[test]
    fn context_values_are_strings_numbers_booleans_or_lists() {
        let r = parse(
            br#"{"resource": "a", "context": {"k": ["x", 2], "b": true, "n": 1.5}}"#,
            "r",
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = r[0]
            .context
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, [("k", "x"), ("k", "2"), ("b", "true"), ("n", "1.5")]);
    }

    #[test]
    fn errors_name_line_and_column() {
        assert!(
            error("{\"resource\": \"a\"}\n{\"resource\": \"b\", \"actoin\": \"x\"}")
                .starts_with("r:2:"),
        );
        assert!(
            error("{\"resource\": \"a\"}\n{\"resource\": \"b\", \"actoin\": \"x\"}")
                .contains("unknown field `actoin`")
        );
        assert!(error("[{\"resource\": \"a\"},\n {\"resource\": 1}]").starts_with("r:2:"));
        assert!(error("[{\"resource\": \"a\"},\n {\"resource\": 1}]").contains("expected a string"));
        assert!(error("[{\"resource\": \"a\"},]").contains("trailing comma"));
    }

    #[test]
    fn strictness() {
        for (text, needle) in [
            ("{}", "missing field `resource`"),
            (
                "{\"resource\": \"a\", \"resource\": \"b\"}",
                "duplicate field `resource`",
            ),
            (
                "{\"resource\": \"a\", \"context\": {\"k\": \"1\", \"k\": \"2\"}}",
                "given twice",
            ),
            (
                "{\"resource\": \"a\", \"context\": {\"k\": []}}",
                "empty list",
            ),
            (
                "{\"resource\": \"a\", \"context\": {\"k\": [[\"x\"]]}}",
                "invalid type",
            ),
            (
                "{\"resource\": \"a\", \"context\": {\"k\": null}}",
                "invalid type",
            ),
            ("[1]", "invalid type"),
            ("", "holds no request"),
            ("[]", "holds no request"),
        ] {
            assert!(error(text).contains(needle), "{text}: {}", error(text));
        }
    }
}
