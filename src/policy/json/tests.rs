use super::*;

fn err(text: &str) -> JsonError {
    parse_str(text).expect_err("should fail")
}

#[test]
fn g1_reads_nested_document_with_spans() {
    let node = parse_str(r#" {"a": [1, "x", true, null]} "#).expect("valid");
    assert_eq!(node.span, Span::new(1, 28));
    let Value::Object(members) = node.value else {
        panic!("object")
    };
    assert_eq!(members[0].key, "a");
    assert_eq!(members[0].key_span, Span::new(2, 5));
    let Value::Array(items) = &members[0].value.value else {
        panic!("array")
    };
    assert_eq!(
        (&items[0].value, items[0].span),
        (&Value::Number, Span::new(8, 9))
    );
    assert_eq!(items[1].span, Span::new(11, 14));
}

/// A policy whose one condition key lists `n` numbers: `n + 10` values in all.
fn with_values(n: usize) -> String {
    let zeros = vec!["0"; n].join(",");
    format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"a","Resource":"*","Condition":{{"NumericEquals":{{"k":[{zeros}]}}}}}}]}}"#
    )
}

#[test]
fn a_policy_holds_at_most_the_ceiling_of_values() {
    let at_ceiling = with_values(MAX_POLICY_VALUES - 10);
    assert!(parse_bytes(at_ceiling.as_bytes()).is_ok());
    let over = with_values(MAX_POLICY_VALUES - 9);
    let e = parse_bytes(over.as_bytes()).expect_err("one value too many");
    assert!(e.too_many_values, "{}", e.message);
    assert!(
        e.message.contains("more than 500,000 values"),
        "{}",
        e.message
    );
    // Where the value that broke the ceiling starts: the last `0`.
    assert_eq!(e.offset, over.rfind('0').unwrap_or_default());
}

#[test]
fn wrappers_read_past_the_ceiling_and_top_level_keys_keep_nothing_below() {
    let over = with_values(MAX_POLICY_VALUES);
    assert!(parse_bytes_any_size(over.as_bytes()).is_ok());
    let members = top_level_members(over.as_bytes()).expect("valid JSON");
    let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["Version", "Statement"]);
    assert_eq!(members[1].value.value, Value::Array(Vec::new()));
    assert_eq!(members[1].value.span.end, over.len() - 1);
}

#[test]
fn g8_keeps_duplicate_keys() {
    let node = parse_str(r#"{"a": 1, "a": 2}"#).expect("valid");
    let Value::Object(members) = node.value else {
        panic!("object")
    };
    assert_eq!(members.len(), 2);
}

#[test]
fn g8_repeated_keys_name_each_repeat_and_the_first_occurrence() {
    for n in [5, 40] {
        let mut keys: Vec<String> = (0..n).map(|i| format!("\"k{i}\": 1")).collect();
        keys.push("\"k1\": 2".into());
        keys.push("\"k3\": 3".into());
        keys.push("\"k1\": 4".into());
        let node = parse_str(&format!("{{{}}}", keys.join(", "))).expect("valid");
        let Value::Object(members) = node.value else {
            panic!("object")
        };
        assert_eq!(
            repeated_keys(&members),
            [(n, 1), (n + 1, 3), (n + 2, 1)],
            "{n} keys"
        );
    }
}
#[test]
fn a_document_that_is_not_an_object_is_checked_but_not_kept() {
    let (_, node) = parse_bytes(b" [0, \"a\\n\", {\"k\": [true]}] ").expect("valid");
    assert_eq!(
        (node.value, node.span),
        (Value::Array(Vec::new()), Span::new(1, 26))
    );
    let (_, node) = parse_bytes(b"\"text\"").expect("valid");
    assert_eq!(node.value, Value::String(String::new()));
    for broken in ["[0, 01]", "[1,]", "[\"\\x\"]", "[[[", "[0] 1"] {
        assert_eq!(
            parse_bytes(broken.as_bytes()).map(|_| ()),
            parse_str(broken).map(|_| ()),
            "{broken}"
        );
    }
    let (_, node) = parse_bytes(br#"{"a": [1, "b"]}"#).expect("valid");
    assert_eq!(Some(node), parse_str(r#"{"a": [1, "b"]}"#).ok());
}
#[test]
fn g11_bom_is_error() {
    assert!(parse_bytes(b"\xEF\xBB\xBF{}").is_err());
    assert_eq!(err("\u{FEFF}{}").offset, 0);
}
#[test]
fn g11_nul_is_error() {
    assert!(err("{\"a\":\0 1}").message.contains("NUL"));
    assert!(err("{\"a\":\"x\0\"}").message.contains("NUL"));
}
#[test]
fn g11_comments_are_errors() {
    assert_eq!(err("{ // c\n}").offset, 2);
    assert_eq!(err("{ /* c */ }").offset, 2);
    assert_eq!(err("{\"a\": 1 # c\n}").offset, 8);
}
#[test]
fn g11_trailing_commas_are_errors() {
    // At the comma, the byte at fault, not at the bracket after it.
    let e = err("[1, 2, ]");
    assert_eq!(e.offset, 5);
    assert_eq!(e.message, "trailing comma before the closing `]` (at 1:8)");
    assert_eq!(err("{\"a\": 1,\n}").offset, 7);
}
#[test]
fn g11_trailing_comma_position_counts_lines_and_characters() {
    // Columns count characters; LF, CR and CRLF each end one line, as editors count them.
    for (text, close) in [
        ("{\"a\": \"é\",\n \"中文\": 1, }", "`}` (at 2:11)"),
        ("[\"é\",\r\n \"x\"\r, ]", "`]` (at 3:3)"),
        ("[\"é\",\r \"中\", ]", "`]` (at 2:7)"),
    ] {
        let e = err(text);
        assert_eq!(e.offset, text.rfind(',').expect("a comma"), "{text:?}");
        assert_eq!(
            e.message,
            format!("trailing comma before the closing {close}"),
            "{text:?}"
        );
    }
}
#[test]
fn g11_nan_and_infinity_are_errors() {
    assert!(err("[NaN]").message.contains("NaN"));
    assert!(err("[-Infinity]").message.contains("Infinity"));
}
#[test]
fn g11_nbsp_is_error() {
    let e = err("{\u{A0}\"a\": 1}");
    assert_eq!(e.offset, 1);
    assert!(e.message.contains("non-breaking space"), "{}", e.message);
}
#[test]
fn full_width_comma_is_named() {
    let e = err("[1\u{FF0C} 2]");
    assert!(e.message.contains("full-width comma"), "{}", e.message);
}
#[test]
fn invalid_utf8_is_error() {
    let e = parse_bytes(b"{\"a\": \"\xFF\"}").expect_err("invalid");
    assert_eq!(e.offset, 7);
}
#[test]
fn escapes_decode() {
    let node = parse_str(r#""a\"\\\/\n\u00e9\ud83d\ude00""#).expect("valid");
    assert_eq!(node.value, Value::String("a\"\\/\né😀".into()));
}
#[test]
fn lone_surrogate_is_error() {
    assert!(parse_str(r#""\ud83d""#).is_err());
}
#[test]
fn deep_nesting_is_error_not_overflow() {
    let text = "[".repeat(100_000);
    assert!(err(&text).message.contains("nest"));
}
#[test]
fn trailing_content_is_error() {
    assert!(err("{} {}").message.contains("after the end"));
}
#[test]
fn leading_zero_is_error() {
    assert!(parse_str("[01]").is_err());
}
#[test]
fn truncated_document_is_error() {
    assert!(err("{\"a\": [1,").message.contains("end of the document"));
}
