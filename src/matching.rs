//! The `*`/`?` wildcard matcher of RAM policies and the parser of request
//! resource ARNs.
//!
//! This module owns spec rules M1–M4: how `Action`, `NotAction`, `Resource`,
//! `NotResource` and `StringLike` values match (`*` is any sequence of
//! characters, `?` is exactly one character, nothing else is special, and the
//! match is anchored at both ends), that action matching folds ASCII case
//! ([`wildcard_match_ignore_case`]) while resource matching does not
//! ([`wildcard_match`]), and how the resource ARN of a request,
//! `acs:<service>:<region>:<account-id>:<relative-id>`, is parsed and checked
//! ([`ResourceArn`]).
//!
//! The matchers never allocate, never recurse and never backtrack: the pattern
//! is split at `*`, the first piece must match at the start of the text, the
//! last at its end, and each piece in between is taken at its leftmost
//! occurrence after the previous one (leftmost is always optimal).

use std::fmt;
use std::str::FromStr;

/// Whether `text` matches the RAM wildcard `pattern` (M1), case-sensitively
/// (M3): for resources and `StringLike` values.
///
/// `*` matches any sequence of characters (including none, `:` and `/`), `?`
/// matches exactly one character (one Unicode scalar value, not one byte);
/// every other character, `[`, `]`, `\` and `{` included, matches only itself.
/// The whole of `text` must match.
///
/// Time is O(|pattern| + |text|) for patterns without `?` (each piece between
/// stars is found with the linear-time `str::find`), and O(|pattern|·|text|)
/// in the worst case for patterns with `?`. It never allocates.
///
/// # Examples
///
/// ```
/// use ramcheck::matching::wildcard_match;
///
/// assert!(wildcard_match("acs:ecs:*:*:instance/*", "acs:ecs:cn-hangzhou:123:instance/i-1"));
/// assert!(wildcard_match("acs:oss:*:*:bucket/文?", "acs:oss:*:*:bucket/文件"));
/// assert!(!wildcard_match("acs:ecs:*:*:instance/*", "acs:ecs:cn-hangzhou:123:Instance/i-1"));
/// assert!(wildcard_match("a[b]", "a[b]"));
/// ```
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    match_pattern(pattern, text, false)
}

/// Whether `text` matches the RAM wildcard `pattern` (M1), ignoring ASCII case
/// (M2): for actions.
///
/// ASCII letters match either case; non-ASCII characters must be equal.
/// Otherwise the same as [`wildcard_match`].
///
/// Time is O(|pattern|·|text|) in the worst case (the pieces between stars are
/// searched with a straightforward scan). It never allocates.
///
/// # Examples
///
/// ```
/// use ramcheck::matching::wildcard_match_ignore_case;
///
/// assert!(wildcard_match_ignore_case("ecs:Describe*", "ECS:DescribeInstances"));
/// assert!(wildcard_match_ignore_case("ecs:?tartInstance", "ecs:startinstance"));
/// assert!(!wildcard_match_ignore_case("ecs:Describe*", "ecs:StartInstance"));
/// ```
pub fn wildcard_match_ignore_case(pattern: &str, text: &str) -> bool {
    match_pattern(pattern, text, true)
}

/// Whether `pattern` has a `*` or a `?`, that is whether it can match more than
/// one text.
///
/// # Examples
///
/// ```
/// use ramcheck::matching::has_wildcard;
///
/// assert!(has_wildcard("ecs:Describe*"));
/// assert!(has_wildcard("acs:ecs:*:*:instance/i-?"));
/// assert!(!has_wildcard("acs:ram::1234567890123456:role/[deployer]"));
/// ```
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// The segment method: see the module documentation.
fn match_pattern(pattern: &str, text: &str, fold: bool) -> bool {
    let Some((first, rest)) = pattern.split_once('*') else {
        return match_prefix(pattern, text, fold) == Some(text.len());
    };
    let (middle, last) = rest.rsplit_once('*').unwrap_or(("", rest));
    // The first piece is pinned to the start of the text and the last one to
    // its end; the middle pieces must fit, in order, in what lies between.
    let Some(first_end) = match_prefix(first, text, fold) else {
        return false;
    };
    let Some(tail) = text.get(first_end..) else {
        return false;
    };
    let Some(last_start) = match_suffix(last, tail, fold) else {
        return false;
    };
    let Some(mut hay) = tail.get(..last_start) else {
        return false;
    };
    for piece in middle.split('*').filter(|piece| !piece.is_empty()) {
        let Some(end) = find_piece(piece, hay, fold) else {
            return false;
        };
        let Some(rest) = hay.get(end..) else {
            return false;
        };
        hay = rest;
    }
    true
}

/// Whether the pattern character `p` (not `?`) matches the text character `t`.
fn char_matches(p: char, t: char, fold: bool) -> bool {
    p == t || (fold && p.eq_ignore_ascii_case(&t))
}

/// Whether a piece (a pattern part without `*`) can use plain substring search.
fn is_plain(piece: &str, fold: bool) -> bool {
    !fold && !piece.contains('?')
}

/// If `piece` matches a prefix of `text`, the byte length of that prefix.
fn match_prefix(piece: &str, text: &str, fold: bool) -> Option<usize> {
    if is_plain(piece, fold) {
        return text.starts_with(piece).then_some(piece.len());
    }
    match_prefix_scan(piece, text, fold)
}

/// [`match_prefix`] one character at a time, for pieces with `?` or when
/// folding case.
fn match_prefix_scan(piece: &str, text: &str, fold: bool) -> Option<usize> {
    let mut chars = text.chars();
    for p in piece.chars() {
        let t = chars.next()?;
        if p != '?' && !char_matches(p, t, fold) {
            return None;
        }
    }
    Some(text.len() - chars.as_str().len())
}

/// If `piece` matches a suffix of `text`, the byte offset where that suffix
/// starts.
fn match_suffix(piece: &str, text: &str, fold: bool) -> Option<usize> {
    if is_plain(piece, fold) {
        return text
            .ends_with(piece)
            .then(|| text.len().saturating_sub(piece.len()));
    }
    let mut chars = text.chars();
    for p in piece.chars().rev() {
        let t = chars.next_back()?;
        if p != '?' && !char_matches(p, t, fold) {
            return None;
        }
    }
    Some(chars.as_str().len())
}

/// The byte offset just past the leftmost occurrence of the non-empty `piece`
/// in `hay`, if any.
fn find_piece(piece: &str, hay: &str, fold: bool) -> Option<usize> {
    if is_plain(piece, fold) {
        return hay.find(piece).map(|start| start + piece.len());
    }
    for (start, _) in hay.char_indices() {
        let rest = hay.get(start..)?;
        if let Some(len) = match_prefix_scan(piece, rest, fold) {
            return Some(start + len);
        }
    }
    None
}

/// The prefix every resource ARN starts with.
const ACS_PREFIX: &str = "acs:";

/// The resource ARN of a request (M4):
/// `acs:<service>:<region>:<account-id>:<relative-id>`.
///
/// A request names one resource, so its ARN may not contain `*` or `?`. The
/// region is empty for global resources, and the relative id is everything
/// after the fourth `:`, so it may itself contain `/` and `:`. The accessors
/// borrow the original text.
///
/// # Examples
///
/// ```
/// use ramcheck::matching::ResourceArn;
///
/// let arn = ResourceArn::parse("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// assert_eq!(arn.service(), "ecs");
/// assert_eq!(arn.region(), "cn-hangzhou");
/// assert_eq!(arn.account(), "1234567890123456");
/// assert_eq!(arn.relative_id(), "imagepipeline/ip-1");
/// assert_eq!(arn.resource_type(), "imagepipeline");
/// # Ok::<(), ramcheck::matching::ArnError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceArn {
    /// The whole ARN, as given.
    text: String,
    /// Byte offset of the `:` ending the service.
    service_end: usize,
    /// Byte offset of the `:` ending the region.
    region_end: usize,
    /// Byte offset of the `:` ending the account id.
    account_end: usize,
}

impl ResourceArn {
    /// Parses and checks the resource ARN of a request (M4).
    ///
    /// # Errors
    ///
    /// An [`ArnError`] when `text` does not start with `acs:`
    /// ([`ArnErrorKind::MissingAcsPrefix`]), has fewer than five
    /// `:`-separated fields ([`ArnErrorKind::TooFewFields`]), has an empty
    /// service ([`ArnErrorKind::EmptyService`]) or relative id
    /// ([`ArnErrorKind::EmptyRelativeId`]), or contains `*` or `?`
    /// ([`ArnErrorKind::Wildcard`]), checked in that order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::{ArnErrorKind, ResourceArn};
    ///
    /// let arn = ResourceArn::parse("acs:ram::1234567890123456:role/deployer")?;
    /// assert_eq!(arn.region(), "");
    ///
    /// let err = ResourceArn::parse("acs:ecs:*:*:instance/*").unwrap_err();
    /// assert_eq!(err.kind(), ArnErrorKind::Wildcard);
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn parse(text: &str) -> Result<ResourceArn, ArnError> {
        let (service_end, region_end, account_end) = ResourceArn::field_ends(text)?;
        Ok(ResourceArn {
            text: text.to_owned(),
            service_end,
            region_end,
            account_end,
        })
    }

    /// The checks of [`parse`](ResourceArn::parse) without copying the text: where the
    /// service, the region and the account id end.
    pub(crate) fn field_ends(text: &str) -> Result<(usize, usize, usize), ArnError> {
        let error = |kind, fields| ArnError {
            text: text.to_owned(),
            kind,
            fields,
        };
        let ends = ResourceArn::shape(text).map_err(|(kind, fields)| error(kind, fields))?;
        if has_wildcard(text) {
            return Err(error(ArnErrorKind::Wildcard, 0));
        }
        Ok(ends)
    }

    /// The checks of [`parse`](ResourceArn::parse) but the wildcard one, without allocating
    /// (a pattern may hold wildcards): where the service, the region and the account id end,
    /// or the fault and, for too few fields, how many there are.
    pub(crate) fn shape(text: &str) -> Result<(usize, usize, usize), (ArnErrorKind, usize)> {
        if !text.starts_with(ACS_PREFIX) {
            return Err((ArnErrorKind::MissingAcsPrefix, 0));
        }
        // The first `:` is the one of `acs:`; the next three end the service,
        // the region and the account id.
        let mut colons = text.match_indices(':').map(|(at, _)| at).skip(1);
        let (Some(service_end), Some(region_end), Some(account_end)) =
            (colons.next(), colons.next(), colons.next())
        else {
            return Err((ArnErrorKind::TooFewFields, text.matches(':').count() + 1));
        };
        if service_end == ACS_PREFIX.len() {
            return Err((ArnErrorKind::EmptyService, 0));
        }
        if account_end + 1 == text.len() {
            return Err((ArnErrorKind::EmptyRelativeId, 0));
        }
        Ok((service_end, region_end, account_end))
    }

    /// The whole ARN, as given.
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:ram::123:role/deployer")?;
    /// assert_eq!(arn.as_str(), "acs:ram::123:role/deployer");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The service (RAM code), e.g. `ecs`; never empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:ecs:cn-hangzhou:123:instance/i-1")?;
    /// assert_eq!(arn.service(), "ecs");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn service(&self) -> &str {
        self.field(ACS_PREFIX.len(), self.service_end)
    }

    /// The region, e.g. `cn-hangzhou`; empty for global resources.
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:ecs:cn-hangzhou:123:instance/i-1")?;
    /// assert_eq!(arn.region(), "cn-hangzhou");
    /// let global = ResourceArn::parse("acs:ram::123:role/deployer")?;
    /// assert_eq!(global.region(), "");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn region(&self) -> &str {
        self.field(self.service_end + 1, self.region_end)
    }

    /// The account id, as given (it is not checked, and may be empty).
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:ram::1234567890123456:role/deployer")?;
    /// assert_eq!(arn.account(), "1234567890123456");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn account(&self) -> &str {
        self.field(self.region_end + 1, self.account_end)
    }

    /// The relative id: everything after the fourth `:`, e.g.
    /// `imagepipeline/ip-1`; never empty, and may contain `/` and `:`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:log:cn-hangzhou:123:project/p1/logstore/a:b")?;
    /// assert_eq!(arn.relative_id(), "project/p1/logstore/a:b");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn relative_id(&self) -> &str {
        self.text.get(self.account_end + 1..).unwrap_or_default()
    }

    /// The resource type: the relative id up to its first `/`, e.g.
    /// `imagepipeline`, or the whole relative id if it has no `/`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:ecs:cn-hangzhou:123:imagepipeline/ip-1")?;
    /// assert_eq!(arn.resource_type(), "imagepipeline");
    /// let bucket = ResourceArn::parse("acs:oss::123:mybucket")?;
    /// assert_eq!(bucket.resource_type(), "mybucket");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    pub fn resource_type(&self) -> &str {
        let relative_id = self.relative_id();
        relative_id
            .split_once('/')
            .map_or(relative_id, |(resource_type, _)| resource_type)
    }

    /// The text between two byte offsets (always char boundaries).
    fn field(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }
}

impl fmt::Display for ResourceArn {
    /// Writes the original text.
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn = ResourceArn::parse("acs:ram::123:role/deployer")?;
    /// assert_eq!(arn.to_string(), "acs:ram::123:role/deployer");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.text)
    }
}

impl FromStr for ResourceArn {
    type Err = ArnError;

    /// Same as [`ResourceArn::parse`].
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let arn: ResourceArn = "acs:ram::123:role/deployer".parse()?;
    /// assert_eq!(arn.service(), "ram");
    /// # Ok::<(), ramcheck::matching::ArnError>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ResourceArn::parse(text)
    }
}

/// Why a request resource ARN was rejected by [`ResourceArn::parse`].
///
/// Its message says what is wrong and how to fix it.
///
/// # Examples
///
/// ```
/// use ramcheck::matching::{ArnErrorKind, ResourceArn};
///
/// let err = ResourceArn::parse("acs:ecs:cn-hangzhou").unwrap_err();
/// assert_eq!(err.kind(), ArnErrorKind::TooFewFields);
/// assert_eq!(err.text(), "acs:ecs:cn-hangzhou");
/// assert_eq!(
///     err.to_string(),
///     "malformed resource ARN `acs:ecs:cn-hangzhou`: expected 5 `:`-separated fields \
///      `acs:<service>:<region>:<account-id>:<relative-id>`, found 3",
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(*.kind, .text, *.fields))]
pub struct ArnError {
    /// The rejected text.
    text: String,
    /// What is wrong with it.
    kind: ArnErrorKind,
    /// For [`ArnErrorKind::TooFewFields`], how many fields were found.
    fields: usize,
}

impl ArnError {
    /// What is wrong with the ARN.
    ///
    /// ```
    /// use ramcheck::matching::{ArnErrorKind, ResourceArn};
    ///
    /// let err = ResourceArn::parse("arn:aws:s3:::bucket").unwrap_err();
    /// assert_eq!(err.kind(), ArnErrorKind::MissingAcsPrefix);
    /// ```
    pub fn kind(&self) -> ArnErrorKind {
        self.kind
    }

    /// The rejected text, as given.
    ///
    /// ```
    /// use ramcheck::matching::ResourceArn;
    ///
    /// let err = ResourceArn::parse("acs::cn-hangzhou:123:instance/i-1").unwrap_err();
    /// assert_eq!(err.text(), "acs::cn-hangzhou:123:instance/i-1");
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The message of an [`ArnError`].
fn describe(kind: ArnErrorKind, text: &str, fields: usize) -> String {
    const SHAPE: &str = "`acs:<service>:<region>:<account-id>:<relative-id>`";
    match kind {
        ArnErrorKind::MissingAcsPrefix => format!(
            "malformed resource ARN `{text}`: expected it to start with `acs:`, \
             as in {SHAPE}"
        ),
        ArnErrorKind::TooFewFields => format!(
            "malformed resource ARN `{text}`: expected 5 `:`-separated fields \
             {SHAPE}, found {fields}"
        ),
        ArnErrorKind::EmptyService => format!(
            "malformed resource ARN `{text}`: the service is empty; \
             name it after `acs:`, as in `acs:ecs:cn-hangzhou:123:instance/i-1`"
        ),
        ArnErrorKind::EmptyRelativeId => format!(
            "malformed resource ARN `{text}`: the relative id after the fourth `:` \
             is empty; name the resource there, as in `acs:ecs:cn-hangzhou:123:instance/i-1`"
        ),
        ArnErrorKind::Wildcard => format!(
            "resource ARN `{text}` of a request contains a wildcard `*` or `?`: \
             a request names one resource, so give its exact ARN"
        ),
    }
}

/// What is wrong with a request resource ARN (see [`ArnError`]).
///
/// ```
/// use ramcheck::matching::{ArnErrorKind, ResourceArn};
///
/// let kind = |text: &str| ResourceArn::parse(text).unwrap_err().kind();
/// assert_eq!(kind("ecs:cn-hangzhou:123:instance/i-1"), ArnErrorKind::MissingAcsPrefix);
/// assert_eq!(kind("acs:ecs:cn-hangzhou:123"), ArnErrorKind::TooFewFields);
/// assert_eq!(kind("acs::cn-hangzhou:123:instance/i-1"), ArnErrorKind::EmptyService);
/// assert_eq!(kind("acs:ecs:cn-hangzhou:123:"), ArnErrorKind::EmptyRelativeId);
/// assert_eq!(kind("acs:ecs:cn-hangzhou:123:instance/i-?"), ArnErrorKind::Wildcard);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArnErrorKind {
    /// The text does not start with `acs:`.
    MissingAcsPrefix,
    /// The text has fewer than five `:`-separated fields.
    TooFewFields,
    /// The service (the field after `acs:`) is empty.
    EmptyService,
    /// The relative id (everything after the fourth `:`) is empty.
    EmptyRelativeId,
    /// The text contains `*` or `?`: a request names one resource, never a
    /// pattern.
    Wildcard,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(pattern: &str, text: &str) -> bool {
        wildcard_match(pattern, text)
    }

    fn mi(pattern: &str, text: &str) -> bool {
        wildcard_match_ignore_case(pattern, text)
    }

    fn kind(text: &str) -> Option<ArnErrorKind> {
        ResourceArn::parse(text).err().map(|e| e.kind())
    }

    #[test]
    fn m1_star_matches_empty() {
        assert!(m("*", ""));
        assert!(m("a*", "a"));
        assert!(m("*a", "a"));
        assert!(m("a*b", "ab"));
        assert!(m("a**b", "ab"));
        assert!(m("**", ""));
    }

    #[test]
    fn m1_star_matches_any_sequence_including_colon_and_slash() {
        assert!(m("*", "acs:ecs:cn-hangzhou:123:instance/i-1"));
        assert!(m("acs:ecs:*", "acs:ecs:cn-hangzhou:123:instance/i-1"));
        assert!(m(
            "acs:*:instance/*",
            "acs:ecs:cn-hangzhou:123:instance/i-1"
        ));
        assert!(m("acs:oss:*:*:bucket/*", "acs:oss:*:*:bucket/a/b/c:d"));
        assert!(m("a*b*c", "a::b//c"));
        assert!(m("*文件*", "目录/文件/名"));
    }

    #[test]
    fn m1_question_matches_exactly_one_char() {
        assert!(m("i-?", "i-1"));
        assert!(!m("i-?", "i-"));
        assert!(!m("i-?", "i-12"));
        assert!(m("i-??", "i-12"));
        assert!(m("?", ":"));
        assert!(m("?", "/"));
        assert!(!m("?", ""));
        assert!(m("?*", "x"));
        assert!(!m("?*?", "x"));
        assert!(m("*?*", "x"));
    }

    #[test]
    fn m1_question_matches_one_char_not_byte() {
        assert!(m("bucket/?", "bucket/文"));
        assert!(!m("bucket/???", "bucket/文"));
        assert!(m("bucket/??", "bucket/文件"));
        assert!(m("*/?件", "bucket/文件"));
        assert!(m("*?", "é"));
        assert!(m("?*?", "文件"));
        assert!(!m("?*?", "文"));
        assert!(m("a*?b*?c", "a文b件c"));
        assert!(mi("?", "文"));
        assert!(mi("*?", "é"));
        assert!(mi("x?y", "X😀Y"));
    }

    #[test]
    fn m1_brackets_are_literal() {
        assert!(m("[ab]", "[ab]"));
        assert!(!m("[ab]", "a"));
        assert!(m("a[*]", "a[xyz]"));
        assert!(!m("a[!b]", "ac"));
        assert!(m("]", "]"));
    }

    #[test]
    fn m1_backslash_and_brace_are_literal() {
        assert!(m("a\\*", "a\\bc"));
        assert!(!m("a\\*", "a*"));
        assert!(m("a\\?", "a\\x"));
        assert!(!m("a\\?", "a?"));
        assert!(m("{a,b}", "{a,b}"));
        assert!(!m("{a,b}", "a"));
        assert!(m(".+^$()|", ".+^$()|"));
        assert!(!m(".", "a"));
    }

    #[test]
    fn m1_match_is_anchored_at_both_ends() {
        assert!(!m("ecs", "ecs:Describe"));
        assert!(!m("Describe", "ecs:Describe"));
        assert!(!m("a*b", "a-b-c"));
        assert!(!m("*b", "abc"));
        assert!(!m("b*", "abc"));
        assert!(m("ab", "ab"));
    }

    #[test]
    fn m1_empty_pattern_matches_only_empty_text() {
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(mi("", ""));
        assert!(!mi("", "a"));
    }

    #[test]
    fn m1_stars_and_questions_combine() {
        assert!(m("*a?b*", "xxaZbyy"));
        assert!(!m("*a?b*", "xxabyy"));
        assert!(m("a*b*c*d", "abcd"));
        assert!(m("a*b*c*d", "a-b-b-c-c-d"));
        assert!(!m("a*b*c*d", "a-c-b-d"));
        assert!(m("*aa*aa*", "aaaa"));
        assert!(!m("*aa*aa*", "aaa"));
        assert!(m("ab*ba", "aba-ba"));
        assert!(!m("ab*ba", "aba"));
        assert!(m("a*?a", "aba"));
        assert!(!m("a*?a", "aa"));
    }

    #[test]
    fn m1_pathological_pattern_terminates() {
        // Exponential backtracking would never finish here; speed itself is measured in
        // benches, not asserted.
        let a = "a".repeat(10_000);
        assert!(!m("*a*a*a*a*a*a*a*a*b", &a));
        assert!(!mi("*a*a*a*a*a*a*a*a*b", &a));
        assert!(!m("*a*a*a*a*a*a*a*a*b*", &a));
        assert!(!mi("*A*a*A*a*A*a*A*a*b*", &a));
        assert!(!m("*a?a*a?a*a?a*a?b*", &a));
        assert!(!m("*aaaaaaaaab*", &a));
        assert!(m("*a*a*a*a*a*a*a*a*", &a));
        assert!(mi("*A*A*A*A*A*A*A*A*", &a));
        assert!(m("a*a*a*a*a*a*a*a*a", &a));
        assert!(m("*a?a*a?a*a?a*a?a", &a));
    }

    #[test]
    fn m1_has_wildcard() {
        assert!(has_wildcard("*"));
        assert!(has_wildcard("?"));
        assert!(has_wildcard("ecs:Describe*"));
        assert!(has_wildcard("i-?"));
        assert!(!has_wildcard(""));
        assert!(!has_wildcard("[a]\\{b}"));
        assert!(!has_wildcard("acs:ram::123:role/deployer"));
    }

    #[test]
    fn m2_action_match_is_case_insensitive() {
        assert!(mi("ecs:DescribeInstances", "ecs:describeinstances"));
        assert!(mi("ECS:DESCRIBE*", "ecs:DescribeInstances"));
        assert!(mi("ecs:*instance?", "ECS:StartInstances"));
        assert!(mi("*:Describe*Instances", "ecs:DESCRIBEPublicINSTANCES"));
        assert!(mi("oss:Get[Object]", "OSS:get[object]"));
        assert!(!mi("ecs:Describe*", "ecs:StartInstance"));
        assert!(!mi("ecs:Start", "ecs:StartInstance"));
    }

    #[test]
    fn m2_non_ascii_compares_exactly_in_action_match() {
        assert!(!mi("é", "É"));
        assert!(mi("é", "é"));
        assert!(!mi("*é*", "xÉx"));
        assert!(!mi("k", "\u{212A}"));
        assert!(!mi("s", "ſ"));
    }

    #[test]
    fn m3_resource_match_is_case_sensitive() {
        assert!(!m(
            "acs:ecs:*:*:instance/*",
            "acs:ecs:cn-hangzhou:123:Instance/i-1"
        ));
        assert!(!m("acs:ECS:*", "acs:ecs:cn-hangzhou:123:instance/i-1"));
        assert!(!m("*Bucket*", "acs:oss:*:123:bucket/x"));
        assert!(!m("a?B", "aXb"));
        assert!(!m("é", "É"));
        assert!(m(
            "acs:ecs:*:*:instance/*",
            "acs:ecs:cn-hangzhou:123:instance/i-1"
        ));
    }

    #[test]
    fn m4_parses_regional_resource_fields() {
        let arn =
            ResourceArn::parse("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1").unwrap();
        assert_eq!(arn.service(), "ecs");
        assert_eq!(arn.region(), "cn-hangzhou");
        assert_eq!(arn.account(), "1234567890123456");
        assert_eq!(arn.relative_id(), "imagepipeline/ip-1");
        assert_eq!(arn.resource_type(), "imagepipeline");
    }

    #[test]
    fn m4_global_resource_has_empty_region() {
        let arn = ResourceArn::parse("acs:ram::1234567890123456:role/deployer").unwrap();
        assert_eq!(arn.service(), "ram");
        assert_eq!(arn.region(), "");
        assert_eq!(arn.account(), "1234567890123456");
        assert_eq!(arn.relative_id(), "role/deployer");
        assert_eq!(arn.resource_type(), "role");
    }

    #[test]
    fn m4_relative_id_may_contain_slash_and_colon() {
        let arn = ResourceArn::parse("acs:log:cn-hangzhou:123:project/p1/logstore/a:b:c").unwrap();
        assert_eq!(arn.account(), "123");
        assert_eq!(arn.relative_id(), "project/p1/logstore/a:b:c");
        assert_eq!(arn.resource_type(), "project");
        let arn = ResourceArn::parse("acs:mns:cn-hangzhou:123:a:b/c").unwrap();
        assert_eq!(arn.relative_id(), "a:b/c");
        assert_eq!(arn.resource_type(), "a:b");
    }

    #[test]
    fn m4_resource_type_is_relative_id_up_to_first_slash() {
        let kind_of = |t: &str| ResourceArn::parse(t).unwrap().resource_type().to_owned();
        assert_eq!(kind_of("acs:oss::123:mybucket"), "mybucket");
        assert_eq!(kind_of("acs:oss::123:mybucket/dir/file"), "mybucket");
        assert_eq!(kind_of("acs:ecs::123:/leading"), "");
        assert_eq!(kind_of("acs:oss::123:存储桶/文件"), "存储桶");
    }

    #[test]
    fn m4_accepts_any_region_and_account() {
        let arn = ResourceArn::parse("acs:ecs:::x").unwrap();
        assert_eq!(
            (arn.region(), arn.account(), arn.relative_id()),
            ("", "", "x")
        );
        let arn = ResourceArn::parse("acs:ecs:Région:not-a-number:x").unwrap();
        assert_eq!((arn.region(), arn.account()), ("Région", "not-a-number"));
    }

    #[test]
    fn m4_rejects_missing_acs_prefix() {
        assert_eq!(kind(""), Some(ArnErrorKind::MissingAcsPrefix));
        assert_eq!(kind("acs"), Some(ArnErrorKind::MissingAcsPrefix));
        assert_eq!(
            kind("arn:aws:s3:::bucket/key"),
            Some(ArnErrorKind::MissingAcsPrefix)
        );
        assert_eq!(
            kind("ACS:ecs:cn-hangzhou:123:instance/i-1"),
            Some(ArnErrorKind::MissingAcsPrefix)
        );
        assert_eq!(
            kind(" acs:ecs:cn-hangzhou:123:instance/i-1"),
            Some(ArnErrorKind::MissingAcsPrefix)
        );
        assert_eq!(kind("*"), Some(ArnErrorKind::MissingAcsPrefix));
    }

    #[test]
    fn m4_rejects_too_few_fields() {
        assert_eq!(kind("acs:"), Some(ArnErrorKind::TooFewFields));
        assert_eq!(kind("acs:ecs"), Some(ArnErrorKind::TooFewFields));
        assert_eq!(
            kind("acs:ecs:cn-hangzhou"),
            Some(ArnErrorKind::TooFewFields)
        );
        assert_eq!(
            kind("acs:ecs:cn-hangzhou:123"),
            Some(ArnErrorKind::TooFewFields)
        );
        assert_eq!(
            kind("acs:ecs:cn-hangzhou:123/instance/i-1"),
            Some(ArnErrorKind::TooFewFields)
        );
    }

    #[test]
    fn m4_rejects_empty_service() {
        assert_eq!(
            kind("acs::cn-hangzhou:123:instance/i-1"),
            Some(ArnErrorKind::EmptyService)
        );
        assert_eq!(kind("acs::::x"), Some(ArnErrorKind::EmptyService));
    }

    #[test]
    fn m4_rejects_empty_relative_id() {
        assert_eq!(
            kind("acs:ecs:cn-hangzhou:123:"),
            Some(ArnErrorKind::EmptyRelativeId)
        );
        assert_eq!(kind("acs:ram:::"), Some(ArnErrorKind::EmptyRelativeId));
    }

    #[test]
    fn m4_rejects_wildcard_in_request_arn() {
        assert_eq!(kind("acs:ecs:*:*:instance/*"), Some(ArnErrorKind::Wildcard));
        assert_eq!(
            kind("acs:ecs:cn-hangzhou:123:instance/i-?"),
            Some(ArnErrorKind::Wildcard)
        );
        assert_eq!(
            kind("acs:ecs:cn-hangzhou:*:instance/i-1"),
            Some(ArnErrorKind::Wildcard)
        );
        assert_eq!(
            kind("acs:*:cn-hangzhou:123:instance/i-1"),
            Some(ArnErrorKind::Wildcard)
        );
        assert_eq!(kind("acs:ecs:cn-hangzhou:123:instance/i-1"), None);
    }

    #[test]
    fn m4_error_reports_kind_and_text() {
        let err = ResourceArn::parse("acs:ecs:cn-hangzhou").unwrap_err();
        assert_eq!(err.kind(), ArnErrorKind::TooFewFields);
        assert_eq!(err.text(), "acs:ecs:cn-hangzhou");
    }

    #[test]
    fn m4_error_messages_say_what_and_how() {
        assert_eq!(
            ResourceArn::parse("acs:ecs:cn-hangzhou")
                .unwrap_err()
                .to_string(),
            "malformed resource ARN `acs:ecs:cn-hangzhou`: expected 5 `:`-separated fields \
             `acs:<service>:<region>:<account-id>:<relative-id>`, found 3"
        );
        for text in [
            "ecs:cn-hangzhou:123:instance/i-1",
            "acs:ecs",
            "acs::cn-hangzhou:123:instance/i-1",
            "acs:ecs:cn-hangzhou:123:",
            "acs:ecs:*:*:instance/*",
        ] {
            let message = ResourceArn::parse(text).unwrap_err().to_string();
            assert!(message.contains(&format!("`{text}`")), "{message}");
            assert!(message.starts_with(char::is_lowercase), "{message}");
            assert!(!message.ends_with('.'), "{message}");
            assert!(message.contains(':'), "{message}");
        }
    }

    #[test]
    fn m4_display_and_from_str_round_trip() {
        let text = "acs:ram::1234567890123456:role/deployer";
        let arn: ResourceArn = text.parse().unwrap();
        assert_eq!(arn.to_string(), text);
        assert_eq!(arn.as_str(), text);
        assert_eq!(arn, ResourceArn::parse(text).unwrap());
        assert_eq!(
            "acs:ecs".parse::<ResourceArn>().unwrap_err().kind(),
            ArnErrorKind::TooFewFields
        );
    }

    #[test]
    fn m4_request_arn_matches_resource_patterns() {
        let arn = ResourceArn::parse("acs:ecs:cn-hangzhou:123:instance/i-1").unwrap();
        assert!(m("acs:ecs:*:*:instance/*", arn.as_str()));
        assert!(m("acs:ecs:cn-*:123:instance/i-?", arn.as_str()));
        assert!(!m("acs:ecs:*:*:disk/*", arn.as_str()));
    }

    /// The oracle: every char escaped except `*` → `.*` and `?` → `.`; ASCII
    /// letters also match their other case when `fold`.
    fn oracle(pattern: &str, text: &str, fold: bool) -> bool {
        let mut re = String::from("(?s)^");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c if fold && c.is_ascii_alphabetic() => {
                    re.push_str(&format!(
                        "[{}{}]",
                        c.to_ascii_lowercase(),
                        c.to_ascii_uppercase()
                    ));
                }
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap().is_match(text)
    }

    fn string_of(chars: &'static [char], max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(chars), 0..max)
            .prop_map(|chars| chars.into_iter().collect())
    }

    const PATTERN_CHARS: &[char] = &['a', 'b', ':', '/', '*', '?', '[', '\\', 'é'];
    const TEXT_CHARS: &[char] = &['a', 'b', ':', '/', '[', '\\', 'é'];
    const FOLD_PATTERN_CHARS: &[char] = &['a', 'A', 'b', 'B', ':', '*', '?', '[', 'é', 'É'];
    const FOLD_TEXT_CHARS: &[char] = &['a', 'A', 'b', 'B', ':', '[', 'é', 'É'];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn m1_m3_wildcard_match_agrees_with_regex_oracle(
            pattern in string_of(PATTERN_CHARS, 12),
            text in string_of(TEXT_CHARS, 16),
        ) {
            prop_assert_eq!(wildcard_match(&pattern, &text), oracle(&pattern, &text, false));
        }

        #[test]
        fn m1_pattern_without_wildcards_matches_itself(text in string_of(TEXT_CHARS, 16)) {
            prop_assert!(wildcard_match(&text, &text));
            prop_assert!(wildcard_match_ignore_case(&text, &text));
        }

        #[test]
        fn m2_ignore_case_match_agrees_with_regex_oracle(
            pattern in string_of(FOLD_PATTERN_CHARS, 12),
            text in string_of(FOLD_TEXT_CHARS, 16),
        ) {
            prop_assert_eq!(
                wildcard_match_ignore_case(&pattern, &text),
                oracle(&pattern, &text, true)
            );
        }

        #[test]
        fn m4_parse_never_panics_and_fields_rejoin(
            text in prop_oneof![
                any::<String>(),
                "(acs:)?[a:/*?é文]{0,16}",
                "acs:[a]{0,2}:[a]{0,2}:[a]{0,2}:[a:/é]{0,6}",
            ],
        ) {
            match ResourceArn::parse(&text) {
                Ok(arn) => {
                    let rejoined = format!(
                        "acs:{}:{}:{}:{}",
                        arn.service(),
                        arn.region(),
                        arn.account(),
                        arn.relative_id()
                    );
                    prop_assert_eq!(&rejoined, &text);
                    prop_assert_eq!(arn.as_str(), text.as_str());
                    prop_assert!(!arn.service().is_empty());
                    prop_assert!(!arn.relative_id().is_empty());
                    prop_assert!(!arn.service().contains(':'));
                    prop_assert!(!arn.region().contains(':'));
                    prop_assert!(!arn.account().contains(':'));
                    prop_assert!(arn.relative_id().starts_with(arn.resource_type()));
                    prop_assert!(!arn.resource_type().contains('/'));
                    prop_assert!(!has_wildcard(&text));
                }
                Err(err) => {
                    prop_assert_eq!(err.text(), text.as_str());
                    let _ = err.to_string();
                }
            }
        }
    }
}
