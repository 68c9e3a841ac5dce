//! Terraform (`terraform show -json`) as an account source: not supported yet.

use super::{SourceError, SourceOptions};

/// The account snapshot a `terraform show -json` output describes.
pub(crate) fn to_snapshot(
    _text: &str,
    file: Option<&str>,
    _options: &SourceOptions,
) -> Result<serde_json::Value, SourceError> {
    let error = SourceError::new("Terraform input is not supported yet")
        .with_help("give an account snapshot");
    Err(match file {
        Some(f) => error.in_file(f),
        None => error,
    })
}
