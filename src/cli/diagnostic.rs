//! What ramcheck says on standard error: errors (exit status 2), warnings and notes, for people
//! (coloured as lint's findings are, when `--color` says so) or as one JSON object per line
//! (`--error-format json`). Every command's messages go through here, clap's usage errors
//! included, so that one flag decides how all of them look.
//!
//! The JSON shapes are a contract:
//!
//! - `{"error": {"message", "file", "line", "column", "help", "details"}}`: `file`, `line`,
//!   `column` and `help` are `null` when unknown, `details` a list of strings (maybe empty);
//! - `{"warning": {"code", "message"}}`;
//! - `{"note": {"message"}}`.

use std::io::{self, Write};

use ramcheck::output::escape_controls;
use serde_json::{json, Value};

use super::options::options;
use super::{Failure, Status};

const RESET: &str = "\x1b[0m";
const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[1;32m";
const YELLOW: &str = "\x1b[1;33m";
const BOLD: &str = "\x1b[1m";

/// Prints a failure, as `--error-format` and `--color` say.
pub(crate) fn error(failure: &Failure) {
    emit(
        || error_json(failure),
        |text, paint| {
            text.push_str(&labelled(paint, RED, "error:", &failure.message));
            for detail in &failure.details {
                text.push_str(&format!("  {}\n", escape_controls(detail)));
            }
            if let Some(help) = &failure.help {
                text.push_str("  ");
                text.push_str(&labelled(paint, GREEN, "help:", help));
            }
        },
    );
}

/// Prints a warning: something the run went on with but that may make its answer vacuous.
/// Warnings are printed under `-q` too.
pub(crate) fn warning(code: &str, message: &str) {
    emit(
        || json!({"warning": {"code": code, "message": message}}),
        |text, paint| {
            text.push_str(&labelled(
                paint,
                YELLOW,
                &format!("warning[{code}]:"),
                message,
            ))
        },
    );
}

/// Prints a note: something skipped or worth knowing that changes nothing. Left out under
/// `-q`.
pub(crate) fn note(message: &str) {
    if options().quiet() {
        return;
    }
    emit(
        || json!({"note": {"message": message}}),
        |text, paint| text.push_str(&labelled(paint, BOLD, "note:", message)),
    );
}

/// Writes one message on standard error at once: its JSON line, or its text (coloured when
/// standard error is).
fn emit(json: impl FnOnce() -> Value, text: impl FnOnce(&mut String, bool)) {
    let settings = options();
    let out = if settings.json_errors() {
        format!("{}\n", json())
    } else {
        let mut out = String::new();
        text(&mut out, settings.color_stderr());
        out
    };
    let _ = io::stderr().lock().write_all(out.as_bytes());
}

/// `LABEL MESSAGE` and a line break, the label painted. Messages quote inputs (paths, flag
/// values, file contents): escaped, so that a quoted value cannot forge a line or drive the
/// terminal.
fn labelled(paint: bool, colour: &str, label: &str, message: &str) -> String {
    let (on, off) = if paint { (colour, RESET) } else { ("", "") };
    format!("{on}{label}{off} {}\n", escape_controls(message))
}

/// Prints what clap says about the command line, and returns the exit status: 0 for `--help`
/// and `--version` (on standard output), 2 for a usage error (on standard error).
pub(crate) fn clap_error(e: &clap::Error) -> Status {
    let settings = options();
    let rendered = e.render();
    if !e.use_stderr() {
        let text = if settings.color_stdout() {
            rendered.ansi().to_string()
        } else {
            rendered.to_string()
        };
        let _ = io::stdout().lock().write_all(text.as_bytes());
        return Status::Ok;
    }
    let mut err = io::stderr().lock();
    if settings.json_errors() {
        let _ = writeln!(err, "{}", error_json(&usage_failure(e)));
    } else if settings.color_stderr() {
        let _ = write!(err, "{}", rendered.ansi());
    } else {
        let _ = write!(err, "{rendered}");
    }
    Status::Invalid
}

/// A clap usage error as a failure: its first line the message, its tips the help, the rest
/// (the usage line) the details.
fn usage_failure(e: &clap::Error) -> Failure {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap prints the whole help here; in JSON the help is one line away.
        return Failure::new("a command is required")
            .with_help("`ramcheck --help` lists the commands");
    }
    let plain = e.render().to_string();
    let mut lines = plain.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    let mut failure = Failure::new(first.strip_prefix("error: ").unwrap_or(first));
    let mut tips = Vec::new();
    for line in lines {
        match line.strip_prefix("tip: ") {
            Some(tip) => tips.push(tip.to_owned()),
            None => failure.details.push(line.to_owned()),
        }
    }
    if !tips.is_empty() {
        failure.help = Some(tips.join("; "));
    }
    failure
}

/// The JSON line of a failure. A message that starts with a place (`FILE:LINE:COLUMN: ` or
/// `LINE:COLUMN: `, as every positioned error of ramcheck does) gives `file`, `line` and
/// `column`, and the message is what follows.
fn error_json(failure: &Failure) -> Value {
    let (place, message) = split_place(&failure.message);
    let (file, line, column) = match place {
        Some(place) => (place.file, Some(place.line), Some(place.column)),
        None => (None, None, None),
    };
    json!({"error": {
        "message": message,
        "file": file,
        "line": line,
        "column": column,
        "help": failure.help,
        "details": failure.details,
    }})
}

/// Where a message says it is about.
#[derive(Debug, PartialEq, Eq)]
struct Place<'a> {
    file: Option<&'a str>,
    line: usize,
    column: usize,
}

/// The place a message starts with, and the rest of it. The place ends at the first
/// `:LINE:COLUMN: `; what comes before is the file, which must not hold a backtick or `: `
/// (a message that only quotes something like a place has them before it).
fn split_place(message: &str) -> (Option<Place<'_>>, &str) {
    let bytes = message.as_bytes();
    let digits = |from: usize| {
        bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut at = 0;
    while at <= bytes.len() {
        // `at` is the start of LINE: right after a `:`, or the message's start.
        let line_len = digits(at);
        let colon = at + line_len;
        if line_len > 0 && bytes.get(colon) == Some(&b':') {
            let column_len = digits(colon + 1);
            let end = colon + 1 + column_len;
            if column_len > 0 && message.get(end..end + 2) == Some(": ") {
                let file = if at == 0 {
                    Some(None)
                } else {
                    message
                        .get(..at - 1)
                        .filter(|f| !f.is_empty() && !f.contains('`') && !f.contains(": "))
                        .map(Some)
                };
                let line = message.get(at..colon).and_then(|n| n.parse().ok());
                let column = message.get(colon + 1..end).and_then(|n| n.parse().ok());
                if let (Some(file), Some(line), Some(column)) = (file, line, column) {
                    let rest = message.get(end + 2..).unwrap_or_default();
                    return (Some(Place { file, line, column }), rest);
                }
                return (None, message);
            }
        }
        match bytes
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == b':'))
        {
            Some(next) => at += next + 1,
            None => break,
        }
    }
    (None, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(file: Option<&str>, line: usize, column: usize) -> Option<Place<'_>> {
        Some(Place { file, line, column })
    }

    #[test]
    fn a_positioned_message_splits_into_its_place_and_the_rest() {
        assert_eq!(
            split_place("policies/a.json:3:14: unknown key `Efect` (at Statement[0])"),
            (
                place(Some("policies/a.json"), 3, 14),
                "unknown key `Efect` (at Statement[0])"
            )
        );
        assert_eq!(
            split_place("1:1: `Deployer` property `RoleName`: nope"),
            (place(None, 1, 1), "`Deployer` property `RoleName`: nope")
        );
        // A file name with a colon (a drive letter) keeps it.
        assert_eq!(
            split_place(r"C:\p\a.json:2:5: bad"),
            (place(Some(r"C:\p\a.json"), 2, 5), "bad")
        );
    }

    #[test]
    fn a_message_without_a_leading_place_keeps_everything() {
        for message in [
            "--account-id: expected the numeric account ID, found `12:3`",
            "unknown rule `a.json:1:2: x` in --ignore",
            "no policy documents found",
            "a.json:3: not a place",
            "a.json:3:x: not a place",
            "",
        ] {
            assert_eq!(split_place(message), (None, message), "{message}");
        }
    }

    #[test]
    fn the_error_object_has_every_field_even_when_unknown() {
        let mut failure = Failure::new("no policy documents found").with_help("name a file");
        failure.details.push("one".to_owned());
        assert_eq!(
            error_json(&failure),
            json!({"error": {"message": "no policy documents found", "file": null, "line": null,
                             "column": null, "help": "name a file", "details": ["one"]}})
        );
        let failure = Failure::new("a.json:2:7: invalid `Effect`");
        assert_eq!(
            error_json(&failure),
            json!({"error": {"message": "invalid `Effect`", "file": "a.json", "line": 2,
                             "column": 7, "help": null, "details": []}})
        );
    }
}
