//! Compiled `Condition` blocks: each clause's key folded once, its values already typed for the
//! operator (C3), tested against an [`AuthRequest`] without allocating (C1–C8).
//!
//! The order of evaluation is the reference's ([`crate::condition`]): every clause, every
//! request value, so that a request value that cannot be compared is an error wherever it sits
//! (C7, E6), and the error names the same clause and value. Values are compared only through
//! the vocabulary's tests (`holds`), which the clause keeps beside its typed values: the fast
//! paths here choose what to compare, never how.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::request::{fixed_slot, AuthRequest, FixedEntry, Typed};
use crate::policy::Condition;
use crate::vocabulary::{
    parse_bool, parse_ip, BoolTest, Decimal, Instant, IpBlock, IpTest, Operator, OrderTest,
    StringTest, Test, TypedValue, ValueError, TYPED_GLOBAL_KEYS,
};

/// The listed values of a clause, in the type its operator compares, with the operator's test
/// before its negation.
#[derive(Debug, Clone)]
enum Listed {
    Strings(StringTest, Box<[Box<str>]>),
    Decimals(OrderTest, Box<[Decimal]>),
    Instants(OrderTest, Box<[Instant]>),
    Bools(BoolTest, Box<[bool]>),
    Blocks(IpTest, Box<[IpBlock]>),
}

/// Which key a clause tests, when the checker fills it in itself (C8, E2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpecialKey {
    None,
    PrincipalArn,
    CurrentTime,
}

/// One `operator: {key: values}` test.
#[derive(Debug, Clone)]
pub(crate) struct CompiledClause {
    operator: Operator,
    /// [`Operator::is_negated`] of `operator`.
    negated: bool,
    key: Box<str>,
    special: SpecialKey,
    /// The key's number in [`TYPED_GLOBAL_KEYS`], if it is one of them.
    slot: Option<u8>,
    listed: Listed,
}

/// A compiled `Condition` block (clauses AND-ed, C2).
///
/// Its first clause is inline, so that the catalog's row holds what most blocks (one clause)
/// need before their values: a request reads it without following a pointer first.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    first: Option<CompiledClause>,
    rest: Box<[CompiledClause]>,
}

/// When testing a condition can fail (C7): a request whose every condition cannot fail may have
/// some of them skipped without changing its answer, its errors included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fallible {
    /// Never: text operators, and typed ones on a fixed-type key of their type, whose request
    /// values were checked when the request was built.
    #[default]
    Never,
    /// Only when the request does not give `acs:CurrentTime` and its time has no four-digit
    /// year: then its text is parsed back (C8).
    OutsideFourDigitYears,
    /// A request value may not parse (a typed operator on any other key, or on the principal's
    /// ARN).
    Maybe,
}

impl Fallible {
    /// Whether a condition this fallible cannot fail on `request`.
    #[inline]
    pub(crate) fn cannot_fail(self, request: &AuthRequest<'_>) -> bool {
        match self {
            Fallible::Never => true,
            Fallible::OutsideFourDigitYears => is_rfc3339_year(request.now()),
            Fallible::Maybe => false,
        }
    }
}

/// A request value that could not be compared: which clause, the value, and why (C7).
#[derive(Debug)]
pub(crate) struct ClauseError {
    pub(crate) clause: usize,
    pub(crate) value: String,
    pub(crate) cause: ValueError,
}

impl CompiledCondition {
    pub(crate) fn compile(condition: &Condition) -> CompiledCondition {
        let clauses: Vec<CompiledClause> = condition
            .clauses()
            .iter()
            .map(|clause| {
                let values = clause.values().iter().map(|v| v.typed());
                let listed = match clause.operator().test() {
                    Test::String(test) => Listed::Strings(
                        test,
                        values
                            .filter_map(TypedValue::as_str)
                            .map(Into::into)
                            .collect(),
                    ),
                    Test::Numeric(test) => Listed::Decimals(
                        test,
                        values.filter_map(TypedValue::as_decimal).cloned().collect(),
                    ),
                    Test::Date(test) => Listed::Instants(
                        test,
                        values.filter_map(TypedValue::as_instant).copied().collect(),
                    ),
                    Test::Bool(test) => {
                        Listed::Bools(test, values.filter_map(TypedValue::as_bool).collect())
                    }
                    Test::Ip(test) => Listed::Blocks(
                        test,
                        values
                            .filter_map(TypedValue::as_ip_block)
                            .copied()
                            .collect(),
                    ),
                };
                let key = clause.key();
                let special = if key.eq_ignore_ascii_case("acs:PrincipalARN") {
                    SpecialKey::PrincipalArn
                } else if key.eq_ignore_ascii_case("acs:CurrentTime") {
                    SpecialKey::CurrentTime
                } else {
                    SpecialKey::None
                };
                CompiledClause {
                    operator: clause.operator(),
                    negated: clause.operator().is_negated(),
                    key: key.into(),
                    special,
                    slot: fixed_slot(key).and_then(|(slot, _)| u8::try_from(slot).ok()),
                    listed,
                }
            })
            .collect();
        let mut clauses = clauses.into_iter();
        CompiledCondition {
            first: clauses.next(),
            rest: clauses.collect(),
        }
    }

    /// Whether every clause is met (C1, C2). Every clause is evaluated, even after one fails,
    /// so that a bad request value is reported whatever the clause order (C7, E6).
    #[inline(always)]
    pub(crate) fn is_met(
        &self,
        request: &AuthRequest<'_>,
        principal_arn: &str,
    ) -> Result<bool, ClauseError> {
        // Most conditions compare fixed-type keys the request gives once, already parsed
        // (`acs:SourceIp`, `acs:SecureTransport`): no text to read and no error possible.
        let met = match self.first.as_ref().map(|first| first.typed_result(request)) {
            Some(Some(met)) => met,
            Some(None) => return self.is_met_by_text(request, principal_arn),
            None => true,
        };
        // Not folded into the loop below: without this return, Small's median was 4–9 % slower
        // in paired runs at the same instruction count.
        if self.rest.is_empty() {
            return Ok(met);
        }
        let mut met = met;
        for clause in &*self.rest {
            match clause.typed_result(request) {
                Some(ok) => met &= ok,
                None => return self.is_met_by_text(request, principal_arn),
            }
        }
        Ok(met)
    }

    /// Its clauses, in order.
    #[inline(always)]
    fn clauses(&self) -> impl Iterator<Item = &CompiledClause> {
        self.first.iter().chain(self.rest.iter())
    }

    /// [`is_met`](CompiledCondition::is_met), every clause the long way.
    fn is_met_by_text(
        &self,
        request: &AuthRequest<'_>,
        principal_arn: &str,
    ) -> Result<bool, ClauseError> {
        let mut met = true;
        for (index, clause) in self.clauses().enumerate() {
            let ok = clause
                .is_met(request, principal_arn)
                .map_err(|(value, cause)| ClauseError {
                    clause: index,
                    value,
                    cause,
                })?;
            met &= ok;
        }
        Ok(met)
    }

    /// When testing it can fail: its most fallible clause's [`Fallible`].
    pub(crate) fn fallible(&self) -> Fallible {
        self.clauses()
            .map(CompiledClause::fallible)
            .max()
            .unwrap_or(Fallible::Never)
    }

    /// The `(operator, key)` of each clause, as a `StatementRef` lists them.
    pub(crate) fn clause_names(&self) -> impl Iterator<Item = (Operator, &str)> {
        self.clauses().map(|c| (c.operator, &*c.key))
    }
}

/// `acs:CurrentTime` as text, formatted on the stack (C8): the reference compares the text of
/// `now` when the request does not give the key.
struct NowText {
    buf: [u8; 64],
    len: usize,
}

impl std::fmt::Write for NowText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Whether `now` is within the years RFC 3339 writes with four digits (0000–9999), where
/// formatting and parsing it back gives it unchanged.
fn is_rfc3339_year(now: Instant) -> bool {
    const FIRST: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const LAST: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    (FIRST..=LAST).contains(&now.unix_seconds())
}

impl CompiledClause {
    /// When testing the clause can fail: a typed operator parses request values, unless the
    /// request checked them already (a fixed-type key of the operator's type); the time the
    /// request is at is parsed back from its text outside four-digit years (C8).
    fn fallible(&self) -> Fallible {
        if matches!(self.listed, Listed::Strings(..)) {
            return Fallible::Never;
        }
        let family = self
            .slot
            .and_then(|slot| TYPED_GLOBAL_KEYS.get(usize::from(slot)))
            .map(|(_, family)| *family);
        match self.special {
            SpecialKey::PrincipalArn => Fallible::Maybe,
            _ if family != Some(self.operator.family()) => Fallible::Maybe,
            SpecialKey::CurrentTime => Fallible::OutsideFourDigitYears,
            SpecialKey::None => Fallible::Never,
        }
    }

    /// The clause's result when it cannot fail: a fixed-type key the request gives once with
    /// a pre-parsed value of the listed values' type, or does not give (C5; C8 for
    /// `acs:CurrentTime`), or a text operator on any other key; `None` for anything else
    /// (several entries, the principal's ARN, a value to parse), which [`is_met`] decides.
    ///
    /// [`is_met`]: CompiledClause::is_met
    #[inline(always)]
    fn typed_result(&self, request: &AuthRequest<'_>) -> Option<bool> {
        if self.special != SpecialKey::None {
            return self.current_time_result(request);
        }
        let Some(slot) = self.slot else {
            return self.text_result(request);
        };
        match request.fixed_entry(slot) {
            FixedEntry::One(_, typed) => self.typed_matches(&typed).map(|any| any != self.negated),
            FixedEntry::Absent => Some(self.negated),
            FixedEntry::Scan => None,
        }
    }

    /// [`typed_result`](CompiledClause::typed_result) for `acs:CurrentTime`, which the request
    /// gives or, when it does not, is the request's time (C8): compared as an instant where
    /// [`missing`](CompiledClause::missing) would compare it so (instants listed, a year of
    /// four digits). `None` for the principal's ARN.
    #[inline(never)]
    fn current_time_result(&self, request: &AuthRequest<'_>) -> Option<bool> {
        let slot = self
            .slot
            .filter(|_| self.special == SpecialKey::CurrentTime)?;
        let typed = match request.fixed_entry(slot) {
            FixedEntry::One(_, typed) => typed,
            FixedEntry::Absent => self.now_as_instant(request)?,
            FixedEntry::Scan => return None,
        };
        self.typed_matches(&typed).map(|any| any != self.negated)
    }

    /// The request's time as the instant to compare with the listed ones, for `acs:CurrentTime`
    /// when the request does not give it (C8): when they are instants and its year has four
    /// digits. The reference formats the time and parses it back; for a year of 0000–9999 that
    /// round trip is exact, so the time itself compares. `None` otherwise: compare its text.
    #[inline]
    fn now_as_instant(&self, request: &AuthRequest<'_>) -> Option<Typed> {
        let now = request.now();
        (matches!(self.listed, Listed::Instants(..)) && is_rfc3339_year(now))
            .then_some(Typed::Instant(now))
    }

    /// The result of a text operator on a key of no fixed type (C2–C5, C6): every entry with
    /// the key compared, none of which can fail; `None` for any other clause.
    #[inline]
    fn text_result(&self, request: &AuthRequest<'_>) -> Option<bool> {
        let Listed::Strings(test, listed) = &self.listed else {
            return None;
        };
        let Ok(any) = self.scan_entries(request, |value, _| {
            Ok::<_, std::convert::Infallible>(listed.iter().any(|p| test.holds(value, p)))
        });
        // C5: a missing key meets a negated operator and fails a positive one; C4: a negated
        // one is met exactly when no request value matches.
        Some(any.map_or(self.negated, |any| any != self.negated))
    }

    /// Every request value of the clause's key (C6: keys compare ignoring ASCII case) through
    /// `matches`: whether one matched, `None` if the request gives the key no value. Every
    /// value is tested, so that a bad one is an error even if another matched (C7).
    #[inline(always)]
    fn scan_entries<E>(
        &self,
        request: &AuthRequest<'_>,
        mut matches: impl FnMut(&str, Option<&Typed>) -> Result<bool, E>,
    ) -> Result<Option<bool>, E> {
        let (mut found, mut any) = (false, false);
        for (index, key, value) in request.numbered_entries() {
            if super::pattern::eq_key(key, &self.key) {
                found = true;
                let typed = self.slot.and_then(|slot| request.typed_at(slot, index));
                any |= matches(value, typed.as_ref())?;
            }
        }
        Ok(found.then_some(any))
    }

    /// C2–C5 for one clause.
    fn is_met(
        &self,
        request: &AuthRequest<'_>,
        principal_arn: &str,
    ) -> Result<bool, (String, ValueError)> {
        let negated = self.negated;
        if self.special == SpecialKey::PrincipalArn {
            // E2: the principal's ARN, whatever the request context says.
            let any = self.value_matches(principal_arn, None)?;
            return Ok(any != negated);
        }
        let entry = match self.slot {
            Some(slot) => request.fixed_entry(slot),
            None => FixedEntry::Scan,
        };
        match entry {
            FixedEntry::Scan => {}
            FixedEntry::Absent => return self.missing(request, negated),
            FixedEntry::One(index, typed) => {
                let any = self.parsed_value_matches(request.value_at(index), &typed)?;
                return Ok(any != negated);
            }
        }
        match self.scan_entries(request, |value, typed| self.value_matches(value, typed))? {
            // C4: a negated operator is met exactly when no request value matches any listed
            // value.
            Some(any) => Ok(any != negated),
            None => self.missing(request, negated),
        }
    }

    /// C5, C8: a clause whose key the request does not give.
    fn missing(
        &self,
        request: &AuthRequest<'_>,
        negated: bool,
    ) -> Result<bool, (String, ValueError)> {
        if self.special != SpecialKey::CurrentTime {
            // C5: a missing key meets a negated operator and fails a positive one.
            return Ok(negated);
        }
        if let Some(now) = self.now_as_instant(request) {
            let any = self.parsed_value_matches("", &now)?;
            return Ok(any != negated);
        }
        let now = request.now();
        let mut text = NowText {
            buf: [0; 64],
            len: 0,
        };
        let formatted = write!(text, "{now}").is_ok();
        let owned;
        let value = match text.buf.get(..text.len).map(std::str::from_utf8) {
            Some(Ok(s)) if formatted => s,
            _ => {
                owned = now.to_string();
                &owned
            }
        };
        let any = self.value_matches(value, None)?;
        // C4: a negated operator is met exactly when no request value matches any listed value.
        Ok(any != negated)
    }

    /// [`value_matches`](CompiledClause::value_matches) for a pre-parsed value of the type the
    /// listed values have (`None` otherwise): no text to parse, so no error to report.
    #[inline(always)]
    fn typed_matches(&self, typed: &Typed) -> Option<bool> {
        Some(match (&self.listed, typed) {
            (Listed::Blocks(test, listed), Typed::Ip(ip)) => {
                listed.iter().any(|b| test.holds(*ip, b))
            }
            (Listed::Bools(test, listed), Typed::Bool(b)) => {
                listed.iter().any(|p| test.holds(*b, *p))
            }
            (Listed::Instants(test, listed), Typed::Instant(x)) => {
                listed.iter().any(|p| test.holds(x, p))
            }
            _ => return None,
        })
    }

    /// [`value_matches`](CompiledClause::value_matches) for a request value parsed already:
    /// compared as parsed when the listed values have its type, else by its text.
    fn parsed_value_matches(
        &self,
        text: &str,
        typed: &Typed,
    ) -> Result<bool, (String, ValueError)> {
        match self.typed_matches(typed) {
            Some(any) => Ok(any),
            None => self.value_matches(text, Some(typed)),
        }
    }

    /// Whether one request value passes the operator's test, before its negation, against any
    /// listed value; parsed from its text unless `typed` has the listed values' type.
    #[inline]
    fn value_matches(
        &self,
        text: &str,
        typed: Option<&Typed>,
    ) -> Result<bool, (String, ValueError)> {
        let bad = |e: ValueError| (text.to_owned(), e);
        Ok(match &self.listed {
            Listed::Strings(test, listed) => listed.iter().any(|p| test.holds(text, p)),
            Listed::Decimals(test, listed) => {
                let x = Decimal::parse(text).map_err(bad)?;
                listed.iter().any(|p| test.holds(&x, p))
            }
            Listed::Instants(test, listed) => {
                let x = match typed {
                    Some(Typed::Instant(i)) => *i,
                    _ => Instant::parse(text).map_err(bad)?,
                };
                listed.iter().any(|p| test.holds(&x, p))
            }
            Listed::Bools(test, listed) => {
                let x = match typed {
                    Some(Typed::Bool(b)) => *b,
                    _ => parse_bool(text).map_err(bad)?,
                };
                listed.iter().any(|p| test.holds(x, *p))
            }
            Listed::Blocks(test, listed) => {
                let x: IpAddr = match typed {
                    Some(Typed::Ip(ip)) => *ip,
                    _ => parse_ip(text).map_err(bad)?,
                };
                listed.iter().any(|b| test.holds(x, b))
            }
        })
    }
}
