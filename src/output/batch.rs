//! Renderings of a batch of `check` decisions (`check --requests`, or several `--action` and
//! `--resource`): each request rendered by the single-request renderers ([`super::text`],
//! [`super::json`]), with its index in the batch.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{json as single_json, text, CheckReport};

/// One decision of a batch: its index (from 0, in the order the requests were given) and its
/// report.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct BatchEntry<'a> {
    /// The request's index in the batch, from 0.
    pub index: usize,
    /// The decision's report.
    pub report: CheckReport<'a>,
}

impl<'a> BatchEntry<'a> {
    /// The `index`th request of a batch, with its report.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ramcheck::decision::{NamedPolicy, PolicySet, Request};
    /// use ramcheck::output::batch::BatchEntry;
    /// use ramcheck::output::CheckReport;
    ///
    /// let set = PolicySet::new(vec![]);
    /// let request = Request::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let outcome = set.decide(&request)?;
    /// let entry = BatchEntry::new(3, CheckReport::new(&request, None, &outcome, &[]));
    /// assert_eq!(entry.index, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(index: usize, report: CheckReport<'a>) -> BatchEntry<'a> {
        BatchEntry { index, report }
    }
}

/// Writes one paragraph per request (`request N:`, then the single-request text, coloured when
/// `color` is set), and a last line counting the allowed and denied requests.
///
/// ```
/// use ramcheck::decision::{PolicySet, Request};
/// use ramcheck::output::batch::{write_text, BatchEntry};
/// use ramcheck::output::CheckReport;
///
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = PolicySet::new(vec![]).decide(&request)?;
/// let report = CheckReport::new(&request, None, &outcome, &[]);
/// let mut out = Vec::new();
/// write_text(&mut out, &[BatchEntry::new(0, report), BatchEntry::new(1, report)], false)?;
/// let text = String::from_utf8(out)?;
/// assert!(text.starts_with("request 0:\nDENY (implicit deny)"));
/// assert!(text.ends_with("\n2 requests: 0 allowed, 2 denied\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_text(out: &mut impl Write, entries: &[BatchEntry<'_>], color: bool) -> io::Result<()> {
    for entry in entries {
        writeln!(out, "request {}:", entry.index)?;
        text::write_check(out, &entry.report, color)?;
        writeln!(out)?;
    }
    let allowed = entries
        .iter()
        .filter(|e| e.report.outcome.decision().is_allowed())
        .count();
    writeln!(
        out,
        "{} request{}: {allowed} allowed, {} denied",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        entries.len() - allowed
    )
}

/// The `check --format json` object of one request, with its `request` index.
pub fn entry_value(entry: &BatchEntry<'_>) -> Value {
    let mut value = single_json::check_value(&entry.report);
    if let Value::Object(map) = &mut value {
        map.insert("request".into(), json!(entry.index));
    }
    value
}

/// Writes JSON lines: one `check --format json` object per request, with its `request` index.
///
/// ```
/// use ramcheck::decision::{PolicySet, Request};
/// use ramcheck::output::batch::{write_json_lines, BatchEntry};
/// use ramcheck::output::CheckReport;
///
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = PolicySet::new(vec![]).decide(&request)?;
/// let report = CheckReport::new(&request, None, &outcome, &[]);
/// let mut out = Vec::new();
/// write_json_lines(&mut out, &[BatchEntry::new(0, report), BatchEntry::new(1, report)])?;
/// let lines: Vec<serde_json::Value> = std::str::from_utf8(&out)?
///     .lines()
///     .map(serde_json::from_str)
///     .collect::<Result<_, _>>()?;
/// assert_eq!((lines[1]["request"].as_u64(), lines[1]["decision"].as_str()), (Some(1), Some("deny")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_json_lines(out: &mut impl Write, entries: &[BatchEntry<'_>]) -> io::Result<()> {
    for entry in entries {
        serde_json::to_writer(&mut *out, &entry_value(entry))?;
        writeln!(out)?;
    }
    Ok(())
}

/// Writes one JSON array of the objects [`write_json_lines`] writes, and a newline.
///
/// ```
/// use ramcheck::decision::{PolicySet, Request};
/// use ramcheck::output::batch::{write_json_array, BatchEntry};
/// use ramcheck::output::CheckReport;
///
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = PolicySet::new(vec![]).decide(&request)?;
/// let mut out = Vec::new();
/// write_json_array(&mut out, &[BatchEntry::new(0, CheckReport::new(&request, None, &outcome, &[]))])?;
/// let array: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!(array[0]["request"], 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_json_array(out: &mut impl Write, entries: &[BatchEntry<'_>]) -> io::Result<()> {
    let array: Vec<Value> = entries.iter().map(entry_value).collect();
    serde_json::to_writer(&mut *out, &array)?;
    writeln!(out)
}
