//! `ramcheck lint`: find the documents in files, directories, glob patterns or standard input,
//! lint them, drop ignored findings, render, and pick the exit status from `--fail-on`.
//!
//! Raw flags ([`LintArgs`]) are resolved into a [`LintJob`] (inputs listed, ignores parsed,
//! the sidecar `.ramcheck.json` read) before any file is linted, so usage errors exit 2 with
//! nothing on stdout. Finding the files is [`walk`]'s job. After linting, the baseline is
//! written or applied ([`ramcheck::lint::baseline`]) and the exit status is settled before
//! anything is rendered, for the SARIF log reports it.

mod fix;
mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ramcheck::lint::baseline::{Baseline, Fingerprints, Root};
use ramcheck::lint::config::{Config, SIDECAR};
use ramcheck::lint::registry::{rule, DOCS_BASE};
use ramcheck::lint::{lint_file_at, registry, LintedFile, Severity, Tally};
use ramcheck::output::{lint_json, lint_text, sarif};
use ramcheck::policy::PolicyKind;
use ramcheck::read::{read_file, ReadError};

use super::options::options;
use super::{read_input, write_stdout_without, Chatter, Failure, Limits, Status};
use globset::GlobMatcher;
use walk::{
    canonical_file, compile_glob, directory_glob, display, note, skipped, Choices, Exclude, Finder,
    Input, GLOB_SYNTAX,
};

/// Flags of `lint`, as typed.
#[derive(Debug, Args)]
#[command(after_help = super::help::LINT)]
pub(crate) struct LintArgs {
    /// Files, directories (every `*.json`, `*.yaml` and `*.yml` below them that is a RAM
    /// document), quoted glob patterns, or `-` for standard input; the current directory when
    /// none is given.
    #[arg(value_name = "PATH | GLOB | -")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    format: LintFormat,
    /// Exit with status 1 when a finding is at this level or above; `never` always exits 0.
    #[arg(long = "fail-on", value_enum, value_name = "LEVEL", default_value_t = FailOn::Security)]
    fail_on: FailOn,
    /// Suppress a rule everywhere (`RULE`) or in the files a path or glob names (`RULE:PATH`;
    /// a directory covers everything under it); repeatable.
    #[arg(long = "ignore", value_name = "RULE[:PATH]")]
    ignore: Vec<String>,
    /// Do not lint the files and directories a path or glob names (relative to the current
    /// directory; a directory's whole tree goes with it) when walking; repeatable.
    #[arg(long = "exclude", value_name = "GLOB")]
    exclude: Vec<String>,
    /// Apply `--exclude` and the sidecar's `exclude` to files named on the command line too,
    /// as a pre-commit hook needs.
    #[arg(long = "force-exclude")]
    force_exclude: bool,
    /// Skip a named `*.json`, `*.yaml` or `*.yml` file that is not a RAM document, as a walk
    /// does, instead of linting it: for a pre-commit hook, which names every changed file.
    #[arg(long = "skip-non-ram")]
    skip_non_ram: bool,
    /// Print a note on stderr for each file skipped as not a RAM document or excluded, saying
    /// why.
    #[arg(long = "show-skipped")]
    show_skipped: bool,
    /// The kind of document to expect; `auto` tells trust policies from identity policies.
    #[arg(long, value_enum, default_value_t = KindArg::Auto)]
    kind: KindArg,
    /// Follow symbolic links while walking directories (loops are skipped with a note);
    /// without it, links met in a walk are skipped with a note.
    #[arg(long)]
    follow: bool,
    /// Report only findings the baseline FILE does not hold (they do not fail the run either);
    /// its entries that match nothing are reported as stale.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write every finding (after `--ignore` and the sidecar) to the baseline FILE, and exit 0.
    #[arg(long = "write-baseline", value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// The path standard input stands for: shown in the output, matched by ignores and the
    /// baseline; with no PATH, standard input is read.
    #[arg(long = "stdin-filename", value_name = "NAME")]
    stdin_filename: Option<String>,
    /// The base URL of the rule pages in SARIF (`helpUri` is BASE/docs/rules/RULE.md).
    #[arg(long = "sarif-help-uri", value_name = "BASE", default_value = DOCS_BASE)]
    sarif_help_uri: String,
    /// Fix the findings of the mechanical rules (action case, a statement object, repeated
    /// entries, trailing commas) in the files, in place, then report what is left; not with
    /// standard input.
    #[arg(long)]
    fix: bool,
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

/// A suppression: a rule, everywhere or in the files a pattern names.
#[derive(Debug, Clone)]
struct Ignore {
    rule: String,
    /// A path or glob, as written (forward slashes, no leading `./`), compiled once; relative
    /// to the current directory (`--ignore`) or to `root` (sidecar).
    path: Option<(String, GlobMatcher)>,
    root: Option<PathBuf>,
}

impl Ignore {
    /// The suppression of `rule` where `path` (if any) says, which must be a valid glob.
    fn new(rule: &str, path: Option<&str>, root: Option<PathBuf>) -> Result<Ignore, String> {
        let path = match path {
            None => None,
            Some(path) => {
                let path = directory_glob(path);
                let matcher = compile_glob(&path)?;
                Some((path, matcher))
            }
        };
        Ok(Ignore {
            rule: rule.to_owned(),
            path,
            root,
        })
    }
}

/// `lint` with its inputs listed and its suppressions read.
struct LintJob {
    inputs: Vec<Input>,
    /// The repository root ([`repository_root`]), found once: the sidecar's folder, and what
    /// fingerprints and SARIF URIs are relative to.
    root: Option<PathBuf>,
    /// The files skipped as not RAM documents, as shown.
    not_ram: Vec<String>,
    ignores: Vec<Ignore>,
    kind: Option<PolicyKind>,
    format: LintFormat,
    fail_on: FailOn,
    limits: Limits,
    /// `--baseline`: as named, and read.
    baseline: Option<(PathBuf, Baseline)>,
    write_baseline: Option<PathBuf>,
    stdin_filename: Option<String>,
    help_base: String,
    fix: bool,
}

pub(crate) fn run(args: LintArgs) -> Result<Status, Failure> {
    let job = resolve(args)?;
    let mut files = Vec::with_capacity(job.inputs.len());
    let mut tally = Tally::default();
    // The rules suppressed in each file, in step with `files`.
    let mut suppressed_in: Vec<Vec<&str>> = Vec::new();
    tally.not_ram_documents.clone_from(&job.not_ram);
    let limit = job.limits.max_file_size;
    for input in &job.inputs {
        let (bytes, shown, name, path) = match input {
            Input::Stdin => match &job.stdin_filename {
                None => (
                    read_input("-", limit)?,
                    "-".to_owned(),
                    "-".to_owned(),
                    None,
                ),
                Some(named) => (
                    read_input("-", limit)?,
                    display(named),
                    stem(Path::new(named), named),
                    Some(Path::new(named.as_str())),
                ),
            },
            // The baseline file itself, met in a walk, is not a policy to lint.
            Input::File {
                path,
                shown,
                walked: true,
            } if job.is_baseline(path) => {
                tally.not_ram_documents.push(shown.clone());
                continue;
            }
            Input::File {
                path,
                shown,
                walked,
            } => {
                let bytes = match read_file(path, limit) {
                    Ok(bytes) => bytes,
                    // It changed since the walk saw it: skipped like what the walk skips.
                    Err(refused @ (ReadError::TooLarge { .. } | ReadError::NotRegular { .. }))
                        if *walked =>
                    {
                        note(&skipped(shown, &refused));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                (
                    bytes,
                    shown.clone(),
                    stem(path, shown),
                    Some(path.as_path()),
                )
            }
        };
        let mut documents = match (job.fix, path) {
            (true, Some(path)) => {
                // Suppressed findings are not fixed: `--ignore` says to leave them be.
                let ignored: Vec<&str> = job
                    .ignores
                    .iter()
                    .filter(|i| rule(&i.rule).is_some_and(|r| r.fixable.is_fixable()))
                    .filter(|i| i.applies_to(input))
                    .map(|i| i.rule.as_str())
                    .collect();
                let target = fix::Target {
                    path,
                    shown: &shown,
                    name: &name,
                    kind: job.kind,
                    limit,
                };
                fix::fix(&target, &bytes, &ignored, &mut tally)?
            }
            _ => lint_file_at(&bytes, path, &name, job.kind, limit),
        };
        // Which ignores apply to this file is worked out once (globs, canonical paths), not
        // once per finding, and only for the rules it has findings of.
        let found = |rule: &str| {
            documents
                .iter()
                .any(|d| d.findings.iter().any(|f| f.rule == rule))
        };
        // Standard input named by `--stdin-filename` is matched as that file.
        let named = match (input, path) {
            (Input::Stdin, Some(path)) => Some(Input::File {
                path: path.to_path_buf(),
                shown: shown.clone(),
                walked: false,
            }),
            _ => None,
        };
        let suppressed: Vec<&str> = job
            .ignores
            .iter()
            .filter(|i| found(&i.rule) && i.applies_to(named.as_ref().unwrap_or(input)))
            .map(|i| i.rule.as_str())
            .collect();
        for doc in &mut documents {
            let before = doc.findings.len();
            doc.findings.retain(|f| !suppressed.contains(&f.rule));
            tally.suppressed += before - doc.findings.len();
        }
        files.push(LintedFile::new(shown, documents));
        suppressed_in.push(suppressed);
    }
    let root = std::env::current_dir()
        .ok()
        .map(|cwd| Root::new(job.root.clone().unwrap_or_else(|| cwd.clone()), cwd));
    let mut fingerprints = Fingerprints::new(&files, root.as_ref());
    let baseline = match &job.write_baseline {
        Some(target) => {
            let baseline = Baseline::from_findings(&files, &fingerprints);
            write_baseline(target, &baseline)?;
            Some(baseline)
        }
        None => job.baseline.map(|(_, baseline)| baseline),
    };
    if let Some(baseline) = baseline {
        // A run that writes the baseline reports as the next run with it will: nothing new.
        let applied = baseline.apply(&mut files, &mut fingerprints);
        tally.baselined += applied.baselined;
        // An entry is stale only when this run could have met its finding: its file was linted
        // and its rule not suppressed there. A run over some files (a pre-commit hook) leaves
        // the other files' entries be.
        let linted: HashMap<&str, &[&str]> = suppressed_in
            .iter()
            .enumerate()
            .filter_map(|(i, rules)| Some((fingerprints.key(i)?, rules.as_slice())))
            .collect();
        tally.stale_baseline = applied
            .stale
            .into_iter()
            .filter(|entry| {
                linted
                    .get(entry.file.as_str())
                    .is_some_and(|rules| !rules.contains(&entry.rule.as_str()))
            })
            .collect();
    }
    let failing = job.fail_on.level().is_some_and(|level| {
        files
            .iter()
            .flat_map(|f| &f.documents)
            .flat_map(|d| &d.findings)
            .any(|f| f.severity.is_at_least(level))
    });
    let status = if failing { Status::Denied } else { Status::Ok };
    let color = job.format == LintFormat::Text && options().color_stdout();
    let chatter = match job.format {
        LintFormat::Text => Chatter::Suffix(format!("{}\n", lint_text::summary(&files, &tally))),
        LintFormat::Json | LintFormat::Sarif => Chatter::None,
    };
    write_stdout_without(&chatter, |out| match job.format {
        LintFormat::Text => lint_text::write_findings(out, &files, &tally, color),
        LintFormat::Json => lint_json::write_findings(out, &files, &tally, &fingerprints),
        LintFormat::Sarif => {
            let mut settings = sarif::Settings::new(status as i32).with_help_base(job.help_base);
            if let Some(root) = root {
                settings = settings.with_root(root);
            }
            sarif::write_log(out, &files, &tally, &fingerprints, &settings)
        }
    })?;
    Ok(status)
}

/// The name of a plain document read from `path` (shown as `shown`): the file's name without
/// its extension.
fn stem(path: &Path, shown: &str) -> String {
    path.file_stem()
        .map_or_else(|| shown.to_owned(), |s| s.to_string_lossy().into_owned())
}

/// Writes the baseline to `target` whole or not at all: to a file beside it, then renamed over
/// it, so that a failed write never leaves half a baseline.
fn write_baseline(target: &Path, baseline: &Baseline) -> Result<(), Failure> {
    let shown = target.to_string_lossy();
    let fail = |e: std::io::Error| {
        Failure::new(format!("cannot write the baseline `{shown}`: {e}"))
            .with_help("name a file in a directory that exists and can be written")
    };
    let mut temporary = target.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = std::fs::write(&temporary, baseline.to_json())
        .and_then(|()| std::fs::rename(&temporary, target));
    if let Err(e) = written {
        // Nothing to undo when the file was never made.
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(e));
    }
    note(&format!(
        "wrote {} {} to the baseline `{shown}`",
        baseline.entries().len(),
        if baseline.entries().len() == 1 {
            "finding"
        } else {
            "findings"
        }
    ));
    Ok(())
}

impl LintJob {
    /// Whether `path` is the file of `--baseline` or `--write-baseline`.
    fn is_baseline(&self, path: &Path) -> bool {
        let named = self.baseline.as_ref().map(|(p, _)| p);
        named
            .into_iter()
            .chain(&self.write_baseline)
            .any(|b| same_file(b, path))
    }
}

/// Whether two paths name the same file (both must exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads the baseline of `--baseline FILE`: a missing or broken file is exit 2, with the place
/// of the fault.
fn read_baseline(path: &Path, limit: u64) -> Result<Baseline, Failure> {
    let shown = path.to_string_lossy().into_owned();
    let bytes = read_file(path, limit).map_err(|e| match e {
        ReadError::Io {
            kind: std::io::ErrorKind::NotFound,
            ..
        } => Failure::new(format!("the baseline `{shown}` does not exist")).with_help(format!(
            "write it with `ramcheck lint --write-baseline {shown}`"
        )),
        other => other.into(),
    })?;
    Baseline::parse(&bytes, Some(&shown)).map_err(|e| {
        let failure = Failure::new(format!("invalid baseline: {e}"));
        match e.help() {
            Some(help) => failure.with_help(help),
            None => failure,
        }
    })
}

fn resolve(args: LintArgs) -> Result<LintJob, Failure> {
    let mut ignores = Vec::new();
    for given in &args.ignore {
        let (rule_id, path) = match given.split_once(':') {
            Some((rule_id, path)) if !path.is_empty() => (rule_id, Some(path.to_owned())),
            _ => (given.trim_end_matches(':'), None),
        };
        check_rule_id(rule_id, "--ignore")?;
        let ignore = Ignore::new(rule_id, path.as_deref(), None).map_err(|why| {
            let path = path.as_deref().unwrap_or_default();
            Failure::new(format!(
                "invalid glob `{path}` in `--ignore {given}`: {why}"
            ))
            .with_help(GLOB_SYNTAX)
        })?;
        ignores.push(ignore);
    }
    let mut excludes = Vec::new();
    for given in &args.exclude {
        let exclude = Exclude::new(given, None).map_err(|why| {
            Failure::new(format!("invalid glob `{given}` in `--exclude`: {why}"))
                .with_help(GLOB_SYNTAX)
        })?;
        excludes.push(exclude);
    }
    let root = repository_root();
    let sidecar = sidecar(root.as_deref(), args.limits.max_file_size)?;
    ignores.extend(sidecar.ignores);
    excludes.extend(sidecar.excludes);
    let paths = match (args.paths.is_empty(), &args.stdin_filename) {
        (true, Some(_)) => vec!["-".to_owned()],
        (true, None) => vec![".".to_owned()],
        (false, Some(named)) if !args.paths.iter().any(|p| p == "-") => {
            return Err(Failure::new(format!(
                "`--stdin-filename {named}` names standard input, but no `-` is among the paths"
            ))
            .with_help("add `-` to read standard input, or leave `--stdin-filename` out"))
        }
        _ => args.paths,
    };
    check_help_base(&args.sarif_help_uri)?;
    let baseline = match args.baseline {
        Some(path) => {
            let baseline = read_baseline(&path, args.limits.max_file_size)?;
            Some((path, baseline))
        }
        None => None,
    };
    // Refused before anything is read or written: the fixed text would have nowhere to go
    // but stdout, which holds the findings.
    if args.fix && paths.iter().any(|p| p == "-") {
        return Err(Failure::new(
            "`--fix` rewrites files in place and cannot fix standard input `-`",
        )
        .with_help("name the file instead of `-`, or lint standard input without `--fix`"));
    }
    let mut finder = Finder::new(Choices {
        follow: args.follow,
        limit: args.limits.max_file_size,
        excludes,
        skip_non_ram: args.skip_non_ram,
        force_exclude: args.force_exclude,
        show_skipped: args.show_skipped,
    });
    for given in &paths {
        finder.add(given)?;
    }
    Ok(LintJob {
        inputs: finder.inputs,
        root,
        not_ram: finder.not_ram,
        ignores,
        kind: args.kind.kind(),
        format: args.format,
        fail_on: args.fail_on,
        limits: args.limits,
        baseline,
        write_baseline: args.write_baseline,
        stdin_filename: args.stdin_filename,
        help_base: args.sarif_help_uri,
        fix: args.fix,
    })
}

/// A SARIF `helpUri` must be absolute: `scheme:` then the rest.
fn check_help_base(base: &str) -> Result<(), Failure> {
    let scheme = base.split_once(':').map(|(scheme, _)| scheme);
    let absolute = scheme.is_some_and(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if absolute && !base.contains(char::is_whitespace) {
        return Ok(());
    }
    Err(Failure::new(format!(
        "`--sarif-help-uri {base}` is not an absolute URL"
    ))
    .with_help("give the base of the rule pages with its scheme, e.g. `https://github.com/ORG/ramcheck/blob/main`"))
}

fn check_rule_id(id: &str, place: &str) -> Result<(), Failure> {
    if rule(id).is_some() {
        return Ok(());
    }
    Err(Failure::new(format!("unknown rule `{id}` in {place}"))
        .with_help(registry::unknown_rule_help(id)))
}

impl Ignore {
    /// Whether the ignore's path part (if any) covers the input; its rule is then suppressed
    /// there. A path or glob that names a directory covers everything under it
    /// (`RULE:policies` is `RULE:policies/**`).
    fn applies_to(&self, input: &Input) -> bool {
        let Some((pattern, matcher)) = &self.path else {
            return true;
        };
        let Input::File { path, shown, .. } = input else {
            return false;
        };
        let covers = |path: &str| {
            *pattern == path
                || matcher.is_match(path)
                || path
                    .match_indices('/')
                    .any(|(at, _)| at > 0 && matcher.is_match(&path[..at]))
        };
        match &self.root {
            None => covers(shown) || contains(Path::new(pattern), path),
            Some(root) => relative_to(path, root).is_some_and(|relative| covers(&relative)),
        }
    }
}

/// Whether `file` is `pattern` taken as a path, or lies in the directory it names, however
/// each is written (`./x`, `../repo/x`, absolute).
fn contains(pattern: &Path, file: &Path) -> bool {
    match pattern.canonicalize() {
        Ok(named) => {
            canonical_file(file).starts_with(&named)
                || file.canonicalize().is_ok_and(|f| f == named)
        }
        Err(_) => false,
    }
}

/// `path` relative to `root`, with forward slashes.
fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    let relative = path.strip_prefix(root).ok()?;
    Some(display(&relative.to_string_lossy()))
}

/// Why a glob of the sidecar is not one, in `lint`'s dialect.
fn check_glob(pattern: &str) -> Result<(), String> {
    compile_glob(&directory_glob(pattern)).map(drop)
}

/// The repository root: the first directory from the current one upwards that holds `.git` or
/// the sidecar (of any type: one that is not a regular file is refused, not passed over).
fn repository_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|dir| {
            dir.join(".git").exists() || std::fs::symlink_metadata(dir.join(SIDECAR)).is_ok()
        })
        .map(Path::to_path_buf)
}

/// What the sidecar says: suppressions and exclusions.
#[derive(Default)]
struct Sidecar {
    ignores: Vec<Ignore>,
    excludes: Vec<Exclude>,
}

/// The suppressions and exclusions of the sidecar `.ramcheck.json` at the repository root, if
/// there is one: `{"exclude": [GLOB], "ignore": [{"rule": ID, "path": GLOB}]}`, globs relative
/// to the root, `path` optional. Read as strictly as a policy ([`Config::parse`]): any fault
/// in it is exit 2.
fn sidecar(root: Option<&Path>, limit: u64) -> Result<Sidecar, Failure> {
    let Some(root) = root else {
        return Ok(Sidecar::default());
    };
    let file = root.join(SIDECAR);
    if std::fs::symlink_metadata(&file).is_err() {
        return Ok(Sidecar::default());
    }
    let shown = file.to_string_lossy().into_owned();
    let bytes = read_file(&file, limit).map_err(|e| match e {
        // Said of the sidecar, for what it is for.
        ReadError::NotRegular { kind, .. } => Failure::new(format!(
            "the sidecar `{shown}` is {kind}, not a regular file"
        ))
        .with_help(
            "the sidecar is a JSON file: `{\"exclude\": [\"<glob>\"], \
             \"ignore\": [{\"rule\": \"<rule-id>\", \"path\": \"<glob>\"}]}`",
        ),
        other => other.into(),
    })?;
    let config = Config::parse(&bytes, Some(&shown), check_glob).map_err(|e| {
        let failure = Failure::new(e.to_string());
        match e.help() {
            Some(h) => failure.with_help(h),
            None => failure,
        }
    })?;
    // Each glob was checked by `check_glob` while the sidecar was read.
    let ignores = config
        .ignores()
        .iter()
        .map(|entry| {
            Ignore::new(entry.rule(), entry.path(), Some(root.to_path_buf()))
                .map_err(|why| Failure::new(format!("`{shown}`: {why}")))
        })
        .collect::<Result<_, _>>()?;
    let excludes = config
        .excludes()
        .iter()
        .map(|glob| {
            Exclude::new(glob, Some(root)).map_err(|why| Failure::new(format!("`{shown}`: {why}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Sidecar { ignores, excludes })
}
