//! Where a document's text stands in the file it was read from, so that a span of the text
//! (a finding's, a fix's) can be turned into the file's bytes and positions.
//!
//! A document is the file itself, a slice of it (an inline policy of an account snapshot, a
//! mapping in a JSON template), the decoded value of a JSON string in it (a Terraform plan's
//! `policy_document`, GetPolicy's `PolicyDocument`), or a rendering of part of it (a mapping
//! in a YAML template), which has no bytes of the file to map to.

/// How a document's text maps onto its file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// The text is the file (a plain document), or the spans are the file's already (the
    /// faults of a wrapper, the findings about an account snapshot as a whole).
    File,
    /// The text is the file's bytes from this offset on.
    Slice(usize),
    /// The text is not a copy of the file's bytes (a rendering of YAML): no span maps.
    Rendered,
}

impl Frame {
    /// The span of the file's bytes that `span` of the text came from.
    pub(crate) fn file_span(&self, span: crate::policy::Span) -> Option<crate::policy::Span> {
        match self {
            Frame::File => Some(span),
            Frame::Slice(at) => Some(crate::policy::Span::new(
                at.checked_add(span.start)?,
                at.checked_add(span.end)?,
            )),
            Frame::Rendered => None,
        }
    }
}
