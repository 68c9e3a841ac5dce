//! Helpers shared by the integration tests: running the real `ramcheck` binary from the crate
//! root, and reading its output.

use std::fmt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The crate root: the binary runs here, so relative paths are those of the README.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of a `tests/fixtures/check/` file, relative to the crate root, as a user would
/// type it.
pub fn fixture(name: &str) -> String {
    format!("tests/fixtures/check/{name}")
}

/// Says that the running test skipped its work, and why, where every run shows it: on the
/// process's standard error, as `SKIPPED <test>: <why>`. libtest keeps a passing test's
/// `println!`/`eprintln!` to itself (they appear only with `--nocapture`), so a test that
/// passes by skipping would look like one that checked something; writing to the standard
/// error handle directly goes around that capture.
pub fn skip(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    // libtest runs each test on a thread named after it.
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}

/// Writes `text` to `name` under `dir` (making the folders between), and returns its path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dirs");
    }
    std::fs::write(&path, text).expect("write");
    path
}

/// Makes a FIFO at `path` (with the system's `mkfifo`): opening it to read blocks until a
/// writer comes, which is what the tests of special files need.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// What one run of the binary gave: exit status, stdout and stderr, kept apart.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Debug for Run {
    /// Prints everything, so a failed assertion shows the whole run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n--- status: {:?}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.status, self.stdout, self.stderr
        )
    }
}

impl Run {
    /// The first line of stdout.
    pub fn first_line(&self) -> &str {
        self.stdout.lines().next().unwrap_or_default()
    }

    /// Stdout as exactly one JSON object (nothing before or after it but whitespace).
    pub fn json(&self) -> Value {
        let value: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value: {e}{self:?}"));
        assert!(value.is_object(), "stdout is not a JSON object{self:?}");
        assert_eq!(
            self.stdout.matches('\n').count(),
            1,
            "the object is not one line{self:?}"
        );
        value
    }

    /// Asserts an invalid-input failure: status 2, nothing on stdout, an `error:` on stderr
    /// containing every one of `needles`.
    pub fn assert_invalid(&self, needles: &[&str]) {
        assert_eq!(self.status, Some(2), "{self:?}");
        assert_eq!(self.stdout, "", "stdout must be empty on status 2{self:?}");
        assert!(!self.stderr.trim().is_empty(), "{self:?}");
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks `{needle}`{self:?}"
            );
        }
    }
}

/// Runs `ramcheck ARGS` in the crate root.
pub fn ramcheck(args: &[&str]) -> Run {
    Invocation::new(args).run()
}

/// Runs `ramcheck ARGS` in the crate root with `stdin` on standard input.
pub fn ramcheck_stdin(args: &[&str], stdin: &str) -> Run {
    Invocation::new(args).stdin(stdin).run()
}

/// Runs `ramcheck ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let invocation = Invocation::new(args).dir(dir);
    match stdin {
        Some(stdin) => invocation.stdin(stdin),
        None => invocation,
    }
    .run()
}

/// One run of `ramcheck ARGS`, set up step by step where the functions above do not reach
/// (an environment variable, say): in the crate root, with nothing on standard input and the
/// test's own environment unless told otherwise.
pub struct Invocation {
    command: Command,
}

impl Invocation {
    /// `ramcheck ARGS`, in the crate root.
    pub fn new(args: &[&str]) -> Invocation {
        let mut command = Command::new(binary());
        command.current_dir(root()).args(args);
        Invocation { command }
    }

    /// Runs it in `dir` instead.
    pub fn dir(mut self, dir: &Path) -> Invocation {
        self.command.current_dir(dir);
        self
    }

    /// Gives it `stdin` on standard input.
    pub fn stdin(mut self, stdin: &str) -> Invocation {
        self.command.write_stdin(stdin);
        self
    }

    /// Sets the environment variable `key` to `value` for it.
    pub fn env(mut self, key: &str, value: &str) -> Invocation {
        self.command.env(key, value);
        self
    }

    /// Unsets the environment variable `key` for it, so what the test runs under does not count.
    pub fn env_remove(mut self, key: &str) -> Invocation {
        self.command.env_remove(key);
        self
    }

    /// Kills it after `limit`, so that a run that would block (on a FIFO, say) fails the test
    /// instead of hanging the suite.
    pub fn timeout(mut self, limit: std::time::Duration) -> Invocation {
        self.command.timeout(limit);
        self
    }

    /// Runs it to the end.
    pub fn run(mut self) -> Run {
        let output = self.command.output().expect("the binary runs");
        Run {
            status: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ramcheck"))
}

/// The line and column (characters) of the first `needle` in `text`, counted here: LF, CR and
/// CRLF each end a line.
pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).expect("needle in text");
    let before = text[..offset].replace("\r\n", "\n").replace('\r', "\n");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Whether a parse error's line and column lie inside the document (columns up to one past
/// the end of the line, for an error at a line's end), and its span too; the text is read
/// lossily, as the parser reports positions for non-UTF-8 input.
pub fn position_inside(bytes: &[u8], e: &ramcheck::policy::PolicyError) -> Result<(), String> {
    check_position(bytes, e.position()).map_err(|why| format!("{why}: {e}"))?;
    if e.span().start > bytes.len() || e.span().end > bytes.len() {
        return Err(format!(
            "span {:?} past the end ({}): {e}",
            e.span(),
            bytes.len()
        ));
    }
    Ok(())
}

/// Whether a line and column lie inside the document.
pub fn check_position(bytes: &[u8], p: ramcheck::policy::Position) -> Result<(), String> {
    // LF, CR and CRLF each end one line.
    let text = String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    if p.line < 1 || p.line > lines.len() {
        return Err(format!("line {} outside 1..={}", p.line, lines.len()));
    }
    let width = lines[p.line - 1].chars().count();
    if p.column < 1 || p.column > width + 1 {
        return Err(format!(
            "column {} outside 1..={} of line {}",
            p.column,
            width + 1,
            p.line
        ));
    }
    Ok(())
}
