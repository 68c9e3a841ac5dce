//! `lint --fix`: fixing a file in place ([`ramcheck::lint::fix::fix_file`]) and writing it
//! back atomically, so that a run that stops half way (a full disk, a signal) leaves each file
//! either as it was or fixed, never cut short.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ramcheck::lint::fix::{fix_file, MAX_ROUNDS};
use ramcheck::lint::{LintedDocument, Tally};
use ramcheck::policy::PolicyKind;

use super::walk::note;
use crate::cli::Failure;

/// What `--fix` needs to know about one file read from `path` (shown as `shown`).
pub(super) struct Target<'a> {
    pub(super) path: &'a Path,
    pub(super) shown: &'a str,
    pub(super) name: &'a str,
    pub(super) kind: Option<PolicyKind>,
    pub(super) limit: u64,
}

/// Fixes the file of `bytes`, leaving alone the findings of the rules in `ignored` (its
/// suppressions), writes it back when anything was fixed, counts that in `tally`, and returns
/// the documents of the fixed text, linted.
pub(super) fn fix(
    target: &Target<'_>,
    bytes: &[u8],
    ignored: &[&str],
    tally: &mut Tally,
) -> Result<Vec<LintedDocument>, Failure> {
    let fixed = fix_file(
        bytes,
        Some(target.path),
        target.name,
        target.kind,
        target.limit,
        |_, finding| !ignored.contains(&finding.rule),
    );
    if fixed.fixed > 0 {
        write_atomically(target.path, &fixed.bytes).map_err(|e| {
            Failure::new(format!("cannot write the fixed `{}`: {e}", target.shown))
                .with_help("check that the file and its folder are writable")
        })?;
        tally.fixed += fixed.fixed;
        tally.fixed_files += 1;
    }
    if fixed.unfinished {
        note(&format!(
            "`{}`: fixes are left after {MAX_ROUNDS} rounds of fixing; run `ramcheck lint --fix` \
             again",
            target.shown
        ));
    }
    Ok(fixed.documents)
}

/// Replaces the file at `path` (through any symbolic link: the link stays) with `bytes`: they
/// are written to a new file beside it, with its permissions, synced, and renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let permissions = fs::metadata(&target)?.permissions();
    let temporary = temporary_beside(&target)?;
    let written = (|| {
        let mut file: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        fs::rename(&temporary, &target)
    })();
    if written.is_err() {
        // Nothing to report if it is gone already: the error that matters is the write's.
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// A name for a new file in `target`'s folder, hidden, unlikely to be taken (`create_new`
/// refuses one that is).
fn temporary_beside(target: &Path) -> io::Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::other("the path names no file"))?;
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".ramcheck-fix-{}", std::process::id()));
    Ok(target.with_file_name(temporary))
}
