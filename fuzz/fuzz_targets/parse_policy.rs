//! Fuzzes the policy reader: any bytes, read as every kind of policy, strictly and leniently.
//!
//! Beyond "no panic", it checks what the parser promises: an error's line and column lie
//! inside the document, and every statement of an accepted policy spans a `{...}` of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramcheck::policy::{Policy, PolicyError, PolicyKind, Position};

const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Session,
    PolicyKind::Control,
    PolicyKind::Trust,
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for kind in KINDS {
        match Policy::from_bytes(data, kind) {
            Ok(policy) => {
                for statement in policy.statements() {
                    let span = statement.span();
                    assert_eq!(data.get(span.start), Some(&b'{'), "statement span start");
                    assert_eq!(
                        data.get(span.end.wrapping_sub(1)),
                        Some(&b'}'),
                        "statement span end"
                    );
                    assert_inside(&text, policy.position(span));
                }
            }
            Err(e) => check_error(&text, data, &e),
        }
        let (_, errors) = Policy::parse_with_errors(data, kind);
        for e in &errors {
            check_error(&text, data, e);
        }
    }
});

fn check_error(text: &str, data: &[u8], e: &PolicyError) {
    assert_inside(text, e.position());
    assert!(
        e.span().start <= data.len() && e.span().end <= data.len(),
        "span past the end: {e}"
    );
    assert!(!e.to_string().is_empty());
}

fn assert_inside(text: &str, p: Position) {
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        p.line >= 1 && p.line <= lines.len(),
        "line {} of {}",
        p.line,
        lines.len()
    );
    // Only `\n` ends a line: a `\r` is a character of its line and counts as a column.
    let width = lines[p.line - 1].chars().count();
    assert!(
        p.column >= 1 && p.column <= width + 1,
        "column {} of {}",
        p.column,
        width + 1
    );
}
