//! `ramcheck lint`: find the documents in files, directories, glob patterns or standard input,
//! lint them, drop ignored findings, render, and pick the exit status from `--fail-on`.
//!
//! Raw flags ([`LintArgs`]) are resolved into a [`LintJob`] (inputs listed, ignores parsed,
//! the sidecar `.ramcheck.json` read) before any file is linted, so usage errors exit 2 with
//! nothing on stdout.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ramcheck::lint::registry::rule;
use ramcheck::lint::{lint_file, registry, LintedFile, Severity};
use ramcheck::output::{lint_json, lint_text, sarif};
use ramcheck::policy::PolicyKind;
use ramcheck::read::read_file;
use ramcheck::suggest::did_you_mean;

use super::{read_input, write_stdout, Failure, Limits, Status};

/// The sidecar file of suppressions, at the repository root.
const SIDECAR: &str = ".ramcheck.json";

/// Flags of `lint`, as typed.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Files, directories (every `*.json` below them), quoted glob patterns, or `-` for standard
    /// input; the current directory when none is given.
    #[arg(value_name = "PATH | GLOB | -")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    format: LintFormat,
    /// Exit with status 1 when a finding is at this level or above; `never` always exits 0.
    #[arg(long = "fail-on", value_enum, value_name = "LEVEL", default_value_t = FailOn::Security)]
    fail_on: FailOn,
    /// Suppress a rule everywhere (`RULE`) or in the files a path or glob names (`RULE:PATH`);
    /// repeatable.
    #[arg(long = "ignore", value_name = "RULE[:PATH]")]
    ignore: Vec<String>,
    /// The kind of document to expect; `auto` tells trust policies from identity policies.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    kind: KindArg,
    #[command(flatten)]
    limits: Limits,
}

/// Output format of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    /// Compiler-style diagnostics for people.
    Text,
    /// One JSON object.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// `--fail-on` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Only errors.
    Error,
    /// Errors and security findings.
    Security,
    /// Everything but suggestions.
    Warning,
    /// Any finding.
    Suggestion,
    /// Never fail.
    Never,
}

impl FailOn {
    fn level(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Security => Some(Severity::Security),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Suggestion => Some(Severity::Suggestion),
            FailOn::Never => None,
        }
    }
}

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KindArg {
    /// Attached to a user, group or role.
    Identity,
    /// A Resource Directory control policy.
    Control,
    /// An AssumeRole session policy.
    Session,
    /// A role's trust policy.
    Trust,
    /// Trust when statements have `Principal`, else identity; Terraform resource types decide
    /// for themselves.
    Auto,
}

impl KindArg {
    fn kind(self) -> Option<PolicyKind> {
        match self {
            KindArg::Identity => Some(PolicyKind::Identity),
            KindArg::Control => Some(PolicyKind::Control),
            KindArg::Session => Some(PolicyKind::Session),
            KindArg::Trust => Some(PolicyKind::Trust),
            KindArg::Auto => None,
        }
    }
}

/// One input: a file to read, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    Stdin,
    File { path: PathBuf, shown: String },
}

/// A suppression: a rule, everywhere or in the files a pattern names.
#[derive(Debug, Clone)]
struct Ignore {
    rule: String,
    /// A path or glob; relative to the current directory (`--ignore`) or to `root` (sidecar).
    path: Option<String>,
    root: Option<PathBuf>,
}

/// `lint` with its inputs listed and its suppressions read.
struct LintJob {
    inputs: Vec<Input>,
    ignores: Vec<Ignore>,
    kind: Option<PolicyKind>,
    format: LintFormat,
    fail_on: FailOn,
    limits: Limits,
}

pub(crate) fn run(args: LintArgs) -> Result<Status, Failure> {
    let job = resolve(args)?;
    let mut files = Vec::with_capacity(job.inputs.len());
    for input in &job.inputs {
        let (bytes, shown, name) = match input {
            Input::Stdin => (
                read_input("-", job.limits.max_file_size)?,
                "-".to_owned(),
                "-".to_owned(),
            ),
            Input::File { path, shown } => {
                let bytes = read_file(path, job.limits.max_file_size)?;
                let name = path
                    .file_stem()
                    .map_or_else(|| shown.clone(), |s| s.to_string_lossy().into_owned());
                (bytes, shown.clone(), name)
            }
        };
        let mut documents = lint_file(&bytes, &name, job.kind);
        // Which ignores apply to this file is worked out once (globs, canonical paths), not
        // once per finding, and only for the rules it has findings of.
        let found = |rule: &str| {
            documents
                .iter()
                .any(|d| d.findings.iter().any(|f| f.rule == rule))
        };
        let suppressed: Vec<&str> = job
            .ignores
            .iter()
            .filter(|i| found(&i.rule) && i.applies_to(input))
            .map(|i| i.rule.as_str())
            .collect();
        for doc in &mut documents {
            doc.findings.retain(|f| !suppressed.contains(&f.rule));
        }
        files.push(LintedFile {
            path: shown,
            documents,
        });
    }
    let color = job.format == LintFormat::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    write_stdout(|out| match job.format {
        LintFormat::Text => lint_text::write_findings(out, &files, color),
        LintFormat::Json => lint_json::write_findings(out, &files),
        LintFormat::Sarif => sarif::write_log(out, &files),
    })?;
    let failing = job.fail_on.level().is_some_and(|level| {
        files
            .iter()
            .flat_map(|f| &f.documents)
            .flat_map(|d| &d.findings)
            .any(|f| f.severity.is_at_least(level))
    });
    Ok(if failing { Status::Denied } else { Status::Ok })
}

fn resolve(args: LintArgs) -> Result<LintJob, Failure> {
    let mut ignores = Vec::new();
    for given in &args.ignore {
        let (rule_id, path) = match given.split_once(':') {
            Some((rule_id, path)) if !path.is_empty() => (rule_id, Some(path.to_owned())),
            _ => (given.trim_end_matches(':'), None),
        };
        check_rule_id(rule_id, "--ignore")?;
        ignores.push(Ignore {
            rule: rule_id.to_owned(),
            path,
            root: None,
        });
    }
    ignores.extend(sidecar_ignores()?);
    let paths = if args.paths.is_empty() {
        vec![".".to_owned()]
    } else {
        args.paths
    };
    let mut inputs: Vec<Input> = Vec::new();
    for given in &paths {
        for input in expand(given)? {
            if input == Input::Stdin && inputs.contains(&Input::Stdin) {
                return Err(Failure::new("`-` is given more than once")
                    .with_help("standard input can be read only once"));
            }
            if !inputs.contains(&input) {
                inputs.push(input);
            }
        }
    }
    Ok(LintJob {
        inputs,
        ignores,
        kind: args.kind.kind(),
        format: args.format,
        fail_on: args.fail_on,
        limits: args.limits,
    })
}

fn check_rule_id(id: &str, place: &str) -> Result<(), Failure> {
    if rule(id).is_some() {
        return Ok(());
    }
    let ids = registry::rules().iter().map(|r| r.id);
    let help = match did_you_mean(id, ids) {
        Some(s) => format!("did you mean `{s}`? `ramcheck rules` lists the rules"),
        None => "`ramcheck rules` lists the rules".to_owned(),
    };
    Err(Failure::new(format!("unknown rule `{id}` in {place}")).with_help(help))
}

/// The inputs one command-line argument stands for.
fn expand(given: &str) -> Result<Vec<Input>, Failure> {
    if given == "-" {
        return Ok(vec![Input::Stdin]);
    }
    let path = Path::new(given);
    if path.is_dir() {
        return walk(path, given);
    }
    if path.is_file() {
        return Ok(vec![Input::File {
            path: path.to_path_buf(),
            shown: display(given),
        }]);
    }
    if given.contains(['*', '?', '[']) {
        let entries = glob::glob(given).map_err(|e| {
            Failure::new(format!("invalid glob pattern `{given}`: {e}"))
                .with_help("quote the pattern, and use `*`, `**`, `?` and `[...]`")
        })?;
        let mut out = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Failure::new(format!("cannot read `{given}`: {e}")))?;
            let shown = display(&path.to_string_lossy());
            if path.is_dir() {
                out.extend(walk(&path, &shown)?);
            } else {
                out.push(Input::File { path, shown });
            }
        }
        if out.is_empty() {
            return Err(Failure::new(format!("no file matches `{given}`")));
        }
        return Ok(out);
    }
    Err(Failure::new(format!(
        "cannot read `{given}`: no such file or directory"
    )))
}

/// Every `*.json` file below `dir`, sorted, skipping hidden files and directories (`.git`, the
/// sidecar `.ramcheck.json`).
fn walk(dir: &Path, shown: &str) -> Result<Vec<Input>, Failure> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), display(shown))];
    while let Some((dir, shown)) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Failure::new(format!("cannot read directory `{shown}`: {e}")))?;
        let mut children: Vec<(String, PathBuf)> = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|e| Failure::new(format!("cannot read directory `{shown}`: {e}")))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                children.push((name, entry.path()));
            }
        }
        children.sort();
        let mut dirs = Vec::new();
        for (name, path) in children {
            let child_shown = if shown.is_empty() || shown == "." {
                name.clone()
            } else {
                format!("{}/{name}", shown.trim_end_matches('/'))
            };
            if path.is_dir() {
                dirs.push((path, child_shown));
            } else if name.ends_with(".json") {
                out.push(Input::File {
                    path,
                    shown: child_shown,
                });
            }
        }
        stack.extend(dirs.into_iter().rev());
    }
    out.sort_by(|a, b| shown_of(a).cmp(shown_of(b)));
    Ok(out)
}

fn shown_of(input: &Input) -> &str {
    match input {
        Input::Stdin => "-",
        Input::File { shown, .. } => shown,
    }
}

/// A path as shown in findings: forward slashes, no leading `./`.
fn display(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path.to_owned()
}

impl Ignore {
    /// Whether the ignore's path part (if any) covers the input; its rule is then suppressed
    /// there.
    fn applies_to(&self, input: &Input) -> bool {
        let Some(pattern) = &self.path else {
            return true;
        };
        let Input::File { path, shown } = input else {
            return false;
        };
        match &self.root {
            None => {
                let pattern = display(pattern);
                pattern == *shown
                    || glob::Pattern::new(&pattern).is_ok_and(|p| p.matches(shown))
                    || same_file(Path::new(&pattern), path)
            }
            Some(root) => {
                let Some(relative) = relative_to(path, root) else {
                    return false;
                };
                let pattern = display(pattern);
                pattern == relative
                    || glob::Pattern::new(&pattern).is_ok_and(|p| p.matches(&relative))
            }
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `path` relative to `root`, with forward slashes.
fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    let relative = path.strip_prefix(root).ok()?;
    Some(display(&relative.to_string_lossy()))
}

/// The repository root: the first directory from the current one upwards that holds `.git` or
/// the sidecar.
fn repository_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists() || dir.join(SIDECAR).is_file())
        .map(Path::to_path_buf)
}

/// The suppressions of the sidecar `.ramcheck.json` at the repository root, if there is one:
/// `{"ignore": [{"rule": ID, "path": GLOB}]}`, `path` relative to the root and optional.
fn sidecar_ignores() -> Result<Vec<Ignore>, Failure> {
    let Some(root) = repository_root() else {
        return Ok(Vec::new());
    };
    let file = root.join(SIDECAR);
    if !file.is_file() {
        return Ok(Vec::new());
    }
    let shown = file.to_string_lossy().into_owned();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| Failure::new(format!("cannot read `{shown}`: {e}")))?;
    let shape = || {
        Failure::new(format!("`{shown}` is not a valid ramcheck sidecar"))
            .with_help("write `{\"ignore\": [{\"rule\": \"<rule-id>\", \"path\": \"<glob>\"}]}`")
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Failure::new(format!("`{shown}` is not valid JSON: {e}"))
            .with_help("write `{\"ignore\": [{\"rule\": \"<rule-id>\", \"path\": \"<glob>\"}]}`")
    })?;
    let entries = match value.get("ignore") {
        None => return Ok(Vec::new()),
        Some(serde_json::Value::Array(entries)) => entries,
        Some(_) => return Err(shape()),
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let rule_id = entry
            .get("rule")
            .and_then(|r| r.as_str())
            .ok_or_else(shape)?;
        check_rule_id(rule_id, &shown)?;
        let path = match entry.get("path") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(p)) => Some(p.clone()),
            Some(_) => return Err(shape()),
        };
        out.push(Ignore {
            rule: rule_id.to_owned(),
            path,
            root: Some(root.clone()),
        });
    }
    Ok(out)
}
