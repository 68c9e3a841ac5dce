//! Finding the files `lint` reads: files and directories named on the command line, glob
//! patterns, standard input.
//!
//! Directories are walked with the `ignore` crate (ripgrep's walker): hidden files and
//! directories are skipped, `.gitignore` and `.ignore` files are honoured (inside a git
//! repository or not; the user's global excludes and `.git/info/exclude` are not read, so a
//! CI gate does not depend on one person's configuration), only `*.json` files are taken, and
//! symbolic links are followed only with `--follow`, loops then being skipped with a note. A
//! glob pattern is matched against the paths of a walk from its literal prefix, never expanded
//! by following links. Every file is taken once, however many paths lead to it.
//!
//! What is named on the command line must be readable: a special file, a file over the limit,
//! or a path that yields no file is exit 2. What a walk meets is skipped with a note instead,
//! and never opened.

use std::collections::HashSet;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use ignore::{DirEntry, WalkBuilder};
use ramcheck::read::{check_metadata, ReadError};

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

/// Lists the inputs of the command-line arguments, each file once.
pub(super) struct Finder {
    follow: bool,
    limit: u64,
    /// The files taken so far, by identity: two links to one file, or a directory named and
    /// also walked, give it once.
    seen: HashSet<FileId>,
    stdin: bool,
    pub(super) inputs: Vec<Input>,
}

impl Finder {
    pub(super) fn new(follow: bool, limit: u64) -> Finder {
        Finder {
            follow,
            limit,
            seen: HashSet::new(),
            stdin: false,
            inputs: Vec::new(),
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
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let found = self.walk(path, None)?;
                if found == 0 {
                    return Err(
                        Failure::new(format!("no policy documents found in `{given}`"))
                            .with_help(WALK_HELP),
                    );
                }
                Ok(())
            }
            Ok(meta) => self.take_named(path, display(given), &meta),
            Err(_) if is_glob(given) => {
                let found = self.glob(given)?;
                if found == 0 {
                    return Err(Failure::new(format!(
                        "no policy documents found: no file matches `{given}`"
                    ))
                    .with_help(GLOB_HELP));
                }
                Ok(())
            }
            Err(e) => Err(Failure::new(format!("cannot read `{given}`: {e}"))),
        }
    }

    /// A file named on the command line (or matched by a glob): it must be a regular file
    /// within the limit.
    fn take_named(&mut self, path: &Path, shown: String, meta: &Metadata) -> Result<(), Failure> {
        check_metadata(meta, &shown, self.limit)?;
        self.push(path, shown, meta, false);
        Ok(())
    }

    fn push(&mut self, path: &Path, shown: String, meta: &Metadata, walked: bool) -> bool {
        if !self.seen.insert(FileId::of(path, meta)) {
            return false;
        }
        self.inputs.push(Input::File {
            path: path.to_path_buf(),
            shown,
            walked,
        });
        true
    }

    /// Walks `root`, taking every `*.json` file (and, with a pattern, every file the pattern
    /// matches and every `*.json` file below a directory it matches). Returns how many files
    /// were taken, counting those already taken through another path.
    fn walk(&mut self, root: &Path, pattern: Option<&GlobMatcher>) -> Result<usize, Failure> {
        check_ignore_files_above(root, self.limit)?;
        let limit = self.limit;
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(true)
            .parents(true)
            .ignore(true)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .follow_links(self.follow)
            .sort_by_file_name(|a, b| a.cmp(b));
        // The walker opens the ignore files of each directory it enters: a FIFO there would
        // block it, and `/dev/zero` would fill memory. Such a directory is refused before it
        // is entered; the failure is reported once the walk stops.
        let refused: std::sync::Arc<std::sync::Mutex<Option<Failure>>> = Default::default();
        let refused_in_filter = refused.clone();
        builder.filter_entry(move |entry| {
            if entry.file_type().is_some_and(|t| t.is_dir()) {
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
            let is_json = entry.file_name().to_string_lossy().ends_with(".json");
            if entry.path_is_symlink() && !self.follow {
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
                self.take_named(entry.path(), shown, &meta)?;
                found += 1;
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

    /// A `*.json` file met in a walk: taken if it is a regular file within the limit, else
    /// skipped with a note, unopened. Whether it counts as found.
    fn take_walked(&mut self, path: &Path, shown: &str) -> Result<bool, Failure> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Failure::new(format!("cannot read `{shown}`: {e}")))?;
        if let Err(refused) = check_metadata(&meta, shown, self.limit) {
            note(&skipped(shown, &refused));
            return Ok(false);
        }
        self.push(path, shown.to_owned(), &meta, true);
        Ok(true)
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

/// How `lint` finds documents in a directory, for errors about one that holds none.
const WALK_HELP: &str = "`ramcheck lint` reads the `*.json` files below a directory, skipping \
     hidden files and what `.gitignore` and `.ignore` exclude; name a file to lint it whatever \
     its name";

/// How `lint` matches glob patterns, for errors about one that matches nothing.
const GLOB_HELP: &str = "a pattern is matched against the paths below its literal prefix, \
     skipping hidden files and what `.gitignore` and `.ignore` exclude; `**` crosses \
     directories, `*` does not";

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
