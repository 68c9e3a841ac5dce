//! Finding the files `lint` reads: files and directories named on the command line, glob
//! patterns, standard input.
//!
//! Directories are walked with the `ignore` crate (ripgrep's walker): hidden files and
//! directories and `node_modules` directories are skipped, `.gitignore` and `.ignore` files are
//! honoured (inside a git repository or not; the user's global excludes and `.git/info/exclude`
//! are not read, so a CI gate does not depend on one person's configuration), so are
//! `--exclude` and the sidecar's `exclude`, only `*.json`, `*.yaml` and `*.yml` files are taken,
//! and symbolic links are followed only with `--follow`, loops then being skipped with a note.
//! A glob pattern is matched against the paths of a walk from its literal prefix, never
//! expanded by following links. Every file is taken once, however many paths lead to it.
//!
//! A `*.json`, `*.yaml` or `*.yml` file found by a walk or a glob is read and
//! [`recognise`]d first: one that is not a RAM document is skipped and listed (the summary
//! counts it), so a walk of a repository's root does not lint `package.json`. A file named on
//! the command line is linted whatever it holds, unless `--skip-non-ram` asks for the same
//! classification (a pre-commit hook names every changed file).
//!
//! What is named on the command line must be readable: a special file, a file over the limit,
//! or a path that yields no file is exit 2. What a walk meets is skipped with a note instead,
//! and never opened.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use ignore::{DirEntry, WalkBuilder};
use ramcheck::lint::input::recognise::{recognise, Syntax};
use ramcheck::read::{check_metadata, read_file, ReadError};

use crate::cli::Failure;

/// One input: a file to read, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Input {
    Stdin,
    File {
        path: PathBuf,
        /// The path as shown in findings.
        shown: String,
        /// Found by a walk (skipped with a note if it turns out unreadable), rather than
        /// named on the command line (exit 2 then).
        walked: bool,
    },
}

/// The ignore files the walker reads, checked before it opens them.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

/// Directories a walk never enters: other projects' files, installed as dependencies, which
/// are nobody's RAM documents (ruff and ESLint skip them too). Named, or as a glob's literal
/// prefix, they are walked.
const DEPENDENCY_DIRS: [&str; 1] = ["node_modules"];

/// An `--exclude` glob or one of the sidecar's `exclude`: files and directories a walk does
/// not take; a directory's whole tree goes with it.
#[derive(Debug, Clone)]
pub(super) struct Exclude {
    matcher: GlobMatcher,
    /// The directory the glob is relative to, canonical: the sidecar's root; `None` for the
    /// current directory (`--exclude`), where the path as shown is matched too.
    root: Option<PathBuf>,
    /// The current directory, canonical, for `--exclude`.
    cwd: Option<PathBuf>,
}

impl Exclude {
    /// The exclusion a glob names, `Err(why)` when it is not a valid glob. A trailing `/` is
    /// dropped: `build/` excludes the directory `build` as `build` does.
    pub(super) fn new(glob: &str, root: Option<&Path>) -> Result<Exclude, String> {
        let pattern = directory_glob(glob);
        let cwd = match root {
            Some(_) => None,
            None => std::env::current_dir()
                .ok()
                .and_then(|cwd| cwd.canonicalize().ok()),
        };
        Ok(Exclude {
            matcher: compile_glob(&pattern)?,
            root: root.map(|r| r.canonicalize().unwrap_or_else(|_| r.to_path_buf())),
            cwd,
        })
    }

    /// Whether it covers a path, as shown and as an absolute path (the shown path made
    /// canonical as far as it can be); with `ancestors`, a directory above the path that it
    /// matches covers it too (a walk prunes such a directory instead).
    fn covers(&self, shown: &str, absolute: &Path, ancestors: bool) -> bool {
        let matches = |path: &str| {
            self.matcher.is_match(path)
                || ancestors
                    && path
                        .match_indices('/')
                        .any(|(at, _)| at > 0 && self.matcher.is_match(&path[..at]))
        };
        match &self.root {
            Some(root) => absolute
                .strip_prefix(root)
                .is_ok_and(|relative| matches(&display(&relative.to_string_lossy()))),
            None => {
                matches(shown)
                    || matches(&display(&absolute.to_string_lossy()))
                    || self
                        .cwd
                        .as_ref()
                        .and_then(|cwd| absolute.strip_prefix(cwd).ok())
                        .is_some_and(|relative| matches(&display(&relative.to_string_lossy())))
            }
        }
    }
}

/// A glob of a directory as written (`build/`, `./build`) as it is matched: no trailing `/`.
pub(super) fn directory_glob(glob: &str) -> String {
    let glob = display(glob);
    match glob.trim_end_matches('/') {
        "" => glob,
        trimmed => trimmed.to_owned(),
    }
}

/// What the finder does besides taking files: exclusions, and the classification of files
/// that are not RAM documents.
#[derive(Debug, Default)]
pub(super) struct Choices {
    /// `--follow`.
    pub(super) follow: bool,
    /// `--max-file-size`.
    pub(super) limit: u64,
    /// `--exclude` and the sidecar's.
    pub(super) excludes: Vec<Exclude>,
    /// `--skip-non-ram`: named files are classified as a walk's are.
    pub(super) skip_non_ram: bool,
    /// `--force-exclude`: named files are excluded as a walk's are.
    pub(super) force_exclude: bool,
    /// `--show-skipped`: a note for each file skipped as not a RAM document or excluded.
    pub(super) show_skipped: bool,
}

/// Lists the inputs of the command-line arguments, each file once.
pub(super) struct Finder {
    choices: Choices,
    /// The files met so far, by identity, and whether each was taken (not skipped as a file
    /// that is not a RAM document): two links to one file, or a directory named and also
    /// walked, give it once.
    seen: HashMap<FileId, bool>,
    stdin: bool,
    pub(super) inputs: Vec<Input>,
    /// The files skipped as not RAM documents, as shown, in the order met.
    pub(super) not_ram: Vec<String>,
}

impl Finder {
    pub(super) fn new(choices: Choices) -> Finder {
        Finder {
            choices,
            seen: HashMap::new(),
            stdin: false,
            inputs: Vec::new(),
            not_ram: Vec::new(),
        }
    }

    /// Adds the inputs one command-line argument stands for; an argument that yields no file
    /// is an error.
    pub(super) fn add(&mut self, given: &str) -> Result<(), Failure> {
        if given == "-" {
            if self.stdin {
                return Err(Failure::new("`-` is given more than once")
                    .with_help("standard input can be read only once"));
            }
            self.stdin = true;
            self.inputs.push(Input::Stdin);
            return Ok(());
        }
        let path = Path::new(given);
        let skipped_before = self.not_ram.len();
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let found = self.walk(path, None)?;
                if found == 0 {
                    return Err(self.nothing_found(
                        format!("no policy documents found in `{given}`"),
                        skipped_before,
                        WALK_HELP,
                    ));
                }
                Ok(())
            }
            Ok(meta) => {
                let shown = display(given);
                if self.choices.force_exclude && self.is_excluded(path, &shown) {
                    self.show(&format!("skipped `{shown}`: {EXCLUDED}"));
                    return Ok(());
                }
                let classify = self.choices.skip_non_ram;
                self.take_named(path, shown, &meta, classify).map(drop)
            }
            Err(_) if is_glob(given) => {
                let found = self.glob(given)?;
                if found == 0 {
                    let message = if self.not_ram.len() > skipped_before {
                        format!("no policy documents found among the files `{given}` matches")
                    } else {
                        format!("no policy documents found: no file matches `{given}`")
                    };
                    return Err(self.nothing_found(message, skipped_before, GLOB_HELP));
                }
                Ok(())
            }
            Err(e) => Err(Failure::new(format!("cannot read `{given}`: {e}"))),
        }
    }

    /// The failure of an argument that yielded no document, saying what it skipped as not RAM
    /// documents (those after the first `skipped_before`).
    fn nothing_found(&self, message: String, skipped_before: usize, help: &str) -> Failure {
        let skipped = self.not_ram.get(skipped_before..).unwrap_or_default();
        if skipped.is_empty() {
            return Failure::new(message).with_help(help);
        }
        const SHOWN: usize = 3;
        let mut names: Vec<String> = skipped
            .iter()
            .take(SHOWN)
            .map(|s| format!("`{s}`"))
            .collect();
        if skipped.len() > SHOWN {
            names.push(format!("{} more", skipped.len() - SHOWN));
        }
        let files = if skipped.len() == 1 {
            "1 file that is not a RAM document".to_owned()
        } else {
            format!("{} files that are not RAM documents", skipped.len())
        };
        Failure::new(format!(
            "{message}: skipped {files} ({})",
            ramcheck::output::escape_controls(&names.join(", "))
        ))
        .with_help(format!(
            "{help}; a file is skipped when it is none of a policy, a trust policy, an account \
             snapshot, a Terraform plan or state, `GetPolicy` output or a ROS template \
             (`--show-skipped` says why for each)"
        ))
    }

    /// Whether an exclusion covers a named file, for `--force-exclude` (a directory it is in
    /// counts).
    fn is_excluded(&self, path: &Path, shown: &str) -> bool {
        let absolute = canonical_file(path);
        self.choices
            .excludes
            .iter()
            .any(|e| e.covers(shown, &absolute, true))
    }

    /// A note with `--show-skipped`.
    fn show(&self, message: &str) {
        if self.choices.show_skipped {
            note(message);
        }
    }

    /// A file named on the command line (or matched by a glob): it must be a regular file
    /// within the limit. With `classify`, a `*.json`, `*.yaml` or `*.yml` file that is not a
    /// RAM document is skipped. Whether it is taken.
    fn take_named(
        &mut self,
        path: &Path,
        shown: String,
        meta: &Metadata,
        classify: bool,
    ) -> Result<bool, Failure> {
        check_metadata(meta, &shown, self.choices.limit)?;
        Ok(self.push(path, shown, meta, false, classify))
    }

    /// Takes a file unless it was met before (then as it was then) or, with `classify`, it is
    /// not a RAM document. Whether it is taken.
    fn push(
        &mut self,
        path: &Path,
        shown: String,
        meta: &Metadata,
        walked: bool,
        classify: bool,
    ) -> bool {
        let id = FileId::of(path, meta);
        if let Some(taken) = self.seen.get(&id) {
            return *taken;
        }
        let taken = !classify || self.is_ram(path, &shown);
        self.seen.insert(id, taken);
        if taken {
            self.inputs.push(Input::File {
                path: path.to_path_buf(),
                shown,
                walked,
            });
        } else {
            self.not_ram.push(shown);
        }
        taken
    }

    /// Whether a file is to be linted as a RAM document (or one that could be): files of other
    /// extensions are, and so is a file that cannot be read now (reading it for the lint then
    /// says why).
    fn is_ram(&self, path: &Path, shown: &str) -> bool {
        let name = path.file_name().map(|n| n.to_string_lossy());
        let Some(syntax) = name.as_deref().and_then(Syntax::of) else {
            return true;
        };
        let Ok(bytes) = read_file(path, self.choices.limit) else {
            return true;
        };
        match recognise(&bytes, syntax) {
            ramcheck::lint::input::recognise::Recognition::NotRam(why) => {
                self.show(&format!("skipped `{shown}`: not a RAM document: {why}"));
                false
            }
            _ => true,
        }
    }

    /// Walks `root`, taking every `*.json`, `*.yaml` and `*.yml` file that is a RAM document
    /// (and, with a pattern, every file the pattern matches and every such file below a
    /// directory it matches). Returns how many files were taken, counting those already taken
    /// through another path.
    fn walk(&mut self, root: &Path, pattern: Option<&GlobMatcher>) -> Result<usize, Failure> {
        let limit = self.choices.limit;
        check_ignore_files_above(root, limit)?;
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(true)
            .parents(true)
            .ignore(true)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .follow_links(self.choices.follow)
            .sort_by_file_name(|a, b| a.cmp(b));
        // The walker opens the ignore files of each directory it enters: a FIFO there would
        // block it, and `/dev/zero` would fill memory. Such a directory is refused before it
        // is entered; the failure is reported once the walk stops.
        let refused: std::sync::Arc<std::sync::Mutex<Option<Failure>>> = Default::default();
        let refused_in_filter = refused.clone();
        let excludes = self.choices.excludes.clone();
        let show_skipped = self.choices.show_skipped;
        let base = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let walk_root = root.to_path_buf();
        builder.filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if entry.depth() > 0 {
                if is_dir
                    && DEPENDENCY_DIRS
                        .iter()
                        .any(|d| entry.file_name() == std::ffi::OsStr::new(d))
                {
                    return false;
                }
                // The path below the walk's root, joined to the root made canonical once: an
                // absolute path to match without a system call per entry.
                let below = entry
                    .path()
                    .strip_prefix(&walk_root)
                    .unwrap_or(entry.path());
                let absolute = base.join(below);
                let shown = display(&entry.path().to_string_lossy());
                if excludes.iter().any(|e| e.covers(&shown, &absolute, false)) {
                    if show_skipped {
                        note(&format!("skipped `{shown}`: {EXCLUDED}"));
                    }
                    return false;
                }
            }
            if is_dir {
                if let Err(failure) = check_ignore_files(entry.path(), limit) {
                    // A poisoned lock still holds its value: the refusal is never lost.
                    refused_in_filter
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get_or_insert(failure);
                    return false;
                }
            }
            true
        });
        let mut found = 0;
        let mut matched_dirs: Vec<PathBuf> = Vec::new();
        for entry in builder.build() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    walk_error(root, e)?;
                    continue;
                }
            };
            if let Some(e) = entry.error() {
                note(&format!("{e}"));
            }
            if entry.depth() == 0 {
                continue;
            }
            let shown = display(&entry.path().to_string_lossy());
            let is_json = Syntax::of(&entry.file_name().to_string_lossy()).is_some();
            if entry.path_is_symlink() && !self.choices.follow {
                // Not followed: noted where it would have led to a document.
                let target_is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
                let would_take = target_is_dir
                    || match pattern {
                        Some(p) => p.is_match(&shown) || is_json && under(&matched_dirs, &entry),
                        None => is_json,
                    };
                if would_take {
                    note(&format!(
                        "skipped `{shown}`: a symbolic link; `--follow` follows links"
                    ));
                }
                continue;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let matched = pattern.is_some_and(|p| p.is_match(&shown));
            if is_dir {
                if matched {
                    matched_dirs.push(entry.path().to_path_buf());
                }
                continue;
            }
            if matched {
                let meta = std::fs::metadata(entry.path())
                    .map_err(|e| Failure::new(format!("cannot read `{shown}`: {e}")))?;
                if self.take_named(entry.path(), shown, &meta, true)? {
                    found += 1;
                }
            } else if is_json
                && (pattern.is_none() || under(&matched_dirs, &entry))
                && self.take_walked(entry.path(), &shown)?
            {
                found += 1;
            }
        }
        let refusal = refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match refusal {
            Some(failure) => Err(failure),
            None => Ok(found),
        }
    }

    /// A `*.json`, `*.yaml` or `*.yml` file met in a walk: taken if it is a regular file
    /// within the limit (else skipped with a note, unopened) and a RAM document (else skipped
    /// and listed). Whether it counts as found.
    fn take_walked(&mut self, path: &Path, shown: &str) -> Result<bool, Failure> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Failure::new(format!("cannot read `{shown}`: {e}")))?;
        if let Err(refused) = check_metadata(&meta, shown, self.choices.limit) {
            note(&skipped(shown, &refused));
            return Ok(false);
        }
        Ok(self.push(path, shown.to_owned(), &meta, true, true))
    }

    /// The files a glob pattern matches, walking from its literal prefix.
    fn glob(&mut self, given: &str) -> Result<usize, Failure> {
        // Matched against walked paths as shown: forward slashes, no leading `./`.
        let pattern = display(given);
        let matcher = compile_glob(&pattern).map_err(|why| {
            Failure::new(format!("invalid glob pattern `{given}`: {why}"))
                .with_help(format!("quote the pattern, and {GLOB_SYNTAX}"))
        })?;
        let prefix = literal_prefix(&pattern);
        let root = if prefix.is_empty() { "." } else { prefix };
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => self.walk(Path::new(root), Some(&matcher)),
            _ => Ok(0),
        }
    }
}

/// Why a file or directory is skipped, in a note.
const EXCLUDED: &str = "excluded by `--exclude` or the sidecar's `exclude`";

/// How `lint` finds documents in a directory, for errors about one that holds none.
const WALK_HELP: &str = "`ramcheck lint` reads the `*.json`, `*.yaml` and `*.yml` files below a \
     directory that are RAM documents, skipping hidden files, `node_modules`, what `.gitignore` \
     and `.ignore` exclude and what `--exclude` and the sidecar's `exclude` name; name a file to \
     lint it whatever it holds";

/// How `lint` matches glob patterns, for errors about one that matches nothing.
const GLOB_HELP: &str = "a pattern is matched against the paths below its literal prefix, \
     skipping hidden files, `node_modules`, what `.gitignore` and `.ignore` exclude, what \
     `--exclude` and the sidecar's `exclude` name and `*.json`, `*.yaml` and `*.yml` files that \
     are not RAM documents; `**` crosses directories, `*` does not";

/// The note for a file met in a walk that is not read (`shown` as findings name it): what it
/// is, or its size.
pub(super) fn skipped(shown: &str, refused: &ReadError) -> String {
    match refused {
        ReadError::TooLarge { limit, .. } => {
            format!("skipped `{shown}`: larger than the limit of {limit} bytes (--max-file-size)")
        }
        ReadError::NotRegular { kind, .. } => format!("skipped `{shown}`: {kind}"),
        other => format!("skipped `{shown}`: {other}"),
    }
}

/// Prints a note about something skipped: the run goes on.
pub(super) fn note(message: &str) {
    crate::cli::diagnostic::note(message);
}

/// A loop of links is skipped with a note; any other failure of the walk stops it, for what it
/// could not read might hold a document.
fn walk_error(root: &Path, e: ignore::Error) -> Result<(), Failure> {
    if let Some((ancestor, child)) = loop_of(&e) {
        note(&format!(
            "skipped `{}`: a symbolic link back to `{}`, a directory it is in",
            display(&child.to_string_lossy()),
            display(&ancestor.to_string_lossy()),
        ));
        return Ok(());
    }
    Err(Failure::new(format!(
        "cannot walk `{}`: {e}",
        display(&root.to_string_lossy())
    )))
}

/// Whether the entry lies below a directory that a pattern matched.
fn under(matched_dirs: &[PathBuf], entry: &DirEntry) -> bool {
    matched_dirs.iter().any(|d| entry.path().starts_with(d))
}

fn loop_of(e: &ignore::Error) -> Option<(&Path, &Path)> {
    match e {
        ignore::Error::Loop { ancestor, child } => Some((ancestor, child)),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_of(err),
        _ => None,
    }
}

/// Refuses a directory whose `.gitignore` or `.ignore` the walker could not read safely: a
/// special file (a FIFO would block it) or one over the limit.
fn check_ignore_files(dir: &Path, limit: u64) -> Result<(), Failure> {
    for name in IGNORE_FILES {
        let path = dir.join(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let shown = display(&path.to_string_lossy());
        if let Err(refused) = check_metadata(&meta, &shown, limit) {
            return Err(Failure::new(format!(
                "{refused}; ramcheck reads `.gitignore` and `.ignore` files to know what to skip"
            ))
            .with_help("make it a regular file within the limit, or remove it"));
        }
    }
    Ok(())
}

/// [`check_ignore_files`] for a walk's root and every directory above it, whose ignore files
/// the walker reads too.
fn check_ignore_files_above(root: &Path, limit: u64) -> Result<(), Failure> {
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    for dir in absolute.ancestors() {
        check_ignore_files(dir, limit)?;
    }
    Ok(())
}

/// Whether an argument is a glob pattern rather than a path.
fn is_glob(given: &str) -> bool {
    given.contains(['*', '?', '[', '{'])
}

/// How every glob of `lint` is written: its inputs, `--ignore RULE:PATH` and the sidecar's
/// paths are one dialect, so a pattern means the same wherever it is given.
pub(super) const GLOB_SYNTAX: &str =
    "use `*` (within a directory), `**` (across directories), `?`, `[...]` and `{a,b}`";

/// A glob as `lint` reads it: `*` and `?` stop at `/` (so `policies/*.json` does not reach
/// `policies/admin/x.json`), `**` crosses directories. Matched against paths with forward
/// slashes.
pub(super) fn compile_glob(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|glob| glob.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

/// The directories a pattern starts with before its first wildcard: `policies` for
/// `policies/**/*.json`, empty for `**/*.nothing`.
fn literal_prefix(pattern: &str) -> &str {
    let mut end = 0;
    for (at, _) in pattern.match_indices('/') {
        if is_glob(&pattern[..at]) {
            break;
        }
        end = at;
    }
    if end == 0 && pattern.starts_with('/') {
        return "/";
    }
    &pattern[..end]
}

/// A path as shown in findings: forward slashes, no leading `./`.
pub(super) fn display(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path.to_owned()
}

/// A file's absolute path with its directory made canonical (the file itself may be a link,
/// matched under its own name), or as absolute as it can be made.
pub(super) fn canonical_file(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map_or_else(|_| absolute.clone(), |dir| dir.join(name)),
        _ => absolute,
    }
}

/// What makes two paths the same file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(
        unix,
        allow(dead_code, reason = "used where there are no inode numbers")
    )]
    Path(PathBuf),
}

impl FileId {
    #[cfg(unix)]
    fn of(_path: &Path, meta: &Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId::Inode(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _meta: &Metadata) -> FileId {
        FileId::Path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefix_stops_before_the_first_wildcard() {
        assert_eq!(literal_prefix("**/*.nothing"), "");
        assert_eq!(literal_prefix("policies/**/*.json"), "policies");
        assert_eq!(literal_prefix("a/b/c*.json"), "a/b");
        assert_eq!(literal_prefix("*.json"), "");
        assert_eq!(literal_prefix("/tmp/x/*.json"), "/tmp/x");
        assert_eq!(literal_prefix("/*.json"), "/");
        assert_eq!(literal_prefix("a/{b,c}/d.json"), "a");
    }
}
