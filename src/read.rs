//! Bounded reading of inputs: every file, standard input and referenced policy file goes
//! through here, so that no input can make ramcheck hold more than a set number of bytes, and
//! no special file (a FIFO that blocks forever, `/dev/zero` that never ends, a directory) is
//! ever opened as if it were a document.
//!
//! The limit is checked twice: against the size the file system reports, before reading, and
//! while reading (a file can grow, and standard input has no size), so at most `limit + 1`
//! bytes are ever held. What to do with a refused file (stop, or skip it with a note inside a
//! directory walk) is the caller's choice; this module only says what the file is.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// The default limit on one input, in bytes (64 MiB): far above any real account snapshot or
/// Terraform plan, far below what would exhaust a CI machine.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// What a path is, when it is not a regular file.
///
/// ```
/// use ramcheck::read::{special_kind, SpecialFile};
///
/// let meta = std::fs::metadata(".")?;
/// assert_eq!(special_kind(&meta), Some(SpecialFile::Directory));
/// assert_eq!(SpecialFile::Directory.to_string(), "a directory");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecialFile {
    /// A directory.
    Directory,
    /// A FIFO (named pipe): opening it for reading blocks until a writer comes.
    Fifo,
    /// A character device, such as `/dev/zero`.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A Unix domain socket.
    Socket,
    /// Anything else that is not a regular file.
    Other,
}

impl fmt::Display for SpecialFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecialFile::Directory => "a directory",
            SpecialFile::Fifo => "a FIFO (named pipe)",
            SpecialFile::CharDevice => "a character device",
            SpecialFile::BlockDevice => "a block device",
            SpecialFile::Socket => "a socket",
            SpecialFile::Other => "something other than a regular file",
        })
    }
}

/// What `meta` describes when it is not a regular file; `None` for a regular file.
pub fn special_kind(meta: &Metadata) -> Option<SpecialFile> {
    let file_type = meta.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some(SpecialFile::Directory);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some(SpecialFile::Fifo);
        }
        if file_type.is_char_device() {
            return Some(SpecialFile::CharDevice);
        }
        if file_type.is_block_device() {
            return Some(SpecialFile::BlockDevice);
        }
        if file_type.is_socket() {
            return Some(SpecialFile::Socket);
        }
    }
    Some(SpecialFile::Other)
}

/// Why an input was not read.
///
/// ```
/// use ramcheck::read::{read_file, ReadError, SpecialFile};
///
/// let err = read_file("policies".as_ref(), 1024).unwrap_err();
/// assert!(matches!(err, ReadError::NotRegular { kind: SpecialFile::Directory, .. }));
/// assert_eq!(err.file(), "policies");
/// assert_eq!(err.to_string(), "`policies` is a directory, not a regular file");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The input holds more than the limit.
    #[error("`{file}` is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The input as named.
        file: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The path is not a regular file; it was not opened.
    #[error("`{file}` is {kind}, not a regular file")]
    NotRegular {
        /// The path as named.
        file: String,
        /// What it is.
        kind: SpecialFile,
    },
    /// The file system refused.
    #[error("cannot read `{file}`: {cause}")]
    Io {
        /// The path as named.
        file: String,
        /// What kind of refusal.
        kind: io::ErrorKind,
        /// The operating system's words.
        cause: String,
    },
}

impl ReadError {
    /// The input as named.
    pub fn file(&self) -> &str {
        match self {
            ReadError::TooLarge { file, .. }
            | ReadError::NotRegular { file, .. }
            | ReadError::Io { file, .. } => file,
        }
    }
}

/// Reads a regular file of at most `limit` bytes.
///
/// A path that is not a regular file (after following symbolic links) is refused without
/// being opened; a file larger than `limit` is refused before reading when its size says so,
/// and after `limit + 1` bytes when it grows.
///
/// ```
/// use ramcheck::read::{read_file, ReadError, DEFAULT_MAX_FILE_SIZE};
///
/// let bytes = read_file("policies/examples/https-only.json".as_ref(), DEFAULT_MAX_FILE_SIZE)?;
/// assert!(bytes.starts_with(b"{"));
/// assert!(matches!(
///     read_file("policies/examples/https-only.json".as_ref(), 10),
///     Err(ReadError::TooLarge { limit: 10, .. })
/// ));
/// assert!(matches!(read_file("policies".as_ref(), 10), Err(ReadError::NotRegular { .. })));
/// # Ok::<(), ReadError>(())
/// ```
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let shown = || path.display().to_string();
    let io_error = |cause: io::Error| ReadError::Io {
        file: shown(),
        kind: cause.kind(),
        cause: cause.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io_error)?;
    check_metadata(&meta, &shown(), limit)?;
    let file = File::open(path).map_err(io_error)?;
    // The path may have been replaced between the check and the open: a special file swapped
    // in is refused here, unread (a FIFO swapped in would block the open itself, a race only
    // someone writing into the directory at that moment could win).
    let opened = file.metadata().map_err(io_error)?;
    if let Some(kind) = special_kind(&opened) {
        return Err(ReadError::NotRegular {
            file: shown(),
            kind,
        });
    }
    read_to_limit(file, &shown(), limit)
}

/// Whether the file `meta` describes may be read under `limit`: a regular file of at most
/// `limit` bytes; `file` names it in the error. For callers that list files before reading
/// them (a directory walk), so that they skip or refuse a file exactly as [`read_file`] would.
///
/// ```
/// use ramcheck::read::{check_metadata, ReadError};
///
/// let meta = std::fs::metadata("policies/examples/https-only.json")?;
/// assert!(check_metadata(&meta, "https-only.json", 1 << 20).is_ok());
/// assert!(matches!(check_metadata(&meta, "https-only.json", 1), Err(ReadError::TooLarge { .. })));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn check_metadata(meta: &Metadata, file: &str, limit: u64) -> Result<(), ReadError> {
    if let Some(kind) = special_kind(meta) {
        return Err(ReadError::NotRegular {
            file: file.to_owned(),
            kind,
        });
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            file: file.to_owned(),
            limit,
        });
    }
    Ok(())
}

/// Reads `reader` to its end, refusing more than `limit` bytes; `name` names it in errors
/// (`-` for standard input).
///
/// ```
/// use ramcheck::read::read_to_limit;
///
/// assert_eq!(read_to_limit(&b"{}"[..], "-", 2)?, b"{}");
/// assert!(read_to_limit(&b"{ }"[..], "-", 2).is_err());
/// # Ok::<(), ramcheck::read::ReadError>(())
/// ```
pub fn read_to_limit(reader: impl Read, name: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|cause| ReadError::Io {
            file: name.to_owned(),
            kind: cause.kind(),
            cause: cause.to_string(),
        })?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            file: name.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_at_the_limit_and_refuses_one_byte_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_file(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_file(&path, 9),
            Err(ReadError::TooLarge { limit: 9, .. })
        ));
    }

    #[test]
    fn a_directory_is_refused_by_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_file(dir.path(), DEFAULT_MAX_FILE_SIZE).unwrap_err();
        assert!(matches!(
            err,
            ReadError::NotRegular {
                kind: SpecialFile::Directory,
                ..
            }
        ));
        assert!(err.to_string().contains("is a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_character_device_is_never_read() {
        // /dev/zero never ends: reading it would fill memory up to the limit at best.
        let err = read_file(Path::new("/dev/zero"), DEFAULT_MAX_FILE_SIZE).unwrap_err();
        assert!(matches!(
            err,
            ReadError::NotRegular {
                kind: SpecialFile::CharDevice,
                ..
            }
        ));
    }

    #[test]
    fn a_stream_longer_than_the_limit_is_refused_after_limit_plus_one_bytes() {
        let endless = std::io::repeat(b'x');
        let err = read_to_limit(endless, "-", 1000).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 1000, .. }));
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let err = read_file(Path::new("no/such/file.json"), 10).unwrap_err();
        assert!(matches!(err, ReadError::Io { .. }));
        assert_eq!(err.file(), "no/such/file.json");
    }
}
