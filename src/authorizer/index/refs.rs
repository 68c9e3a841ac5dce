//! The compact references statements and candidates carry: a condition ([`ConditionRef`]), a
//! statement with its effect ([`Tagged`]), a statement's resource part ([`ResourcePart`]) and a
//! candidate's resource test ([`ResourceRef`]).
//!
//! A candidate is read on every request, 28 bytes of it (see the size assertion on
//! [`super::candidate::Candidate`]): the packed references keep it there, and each packs
//! behind named constructors and accessors, so that no reader decodes bits by hand.

use crate::policy::Effect;

/// A condition's id in the catalog's conditions, or none: `u32::MAX` stands for none (a
/// catalog has fewer conditions than ids, see `to_u32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ConditionRef(u32);

impl ConditionRef {
    /// No condition.
    pub(crate) const NONE: ConditionRef = ConditionRef(u32::MAX);

    /// The condition with this id (below `u32::MAX`, as every catalog id is).
    pub(crate) fn new(id: u32) -> ConditionRef {
        ConditionRef(id)
    }

    /// Whether there is a condition.
    #[inline(always)]
    pub(crate) fn is_set(self) -> bool {
        self != ConditionRef::NONE
    }

    /// Its id, if there is a condition.
    #[inline(always)]
    pub(crate) fn get(self) -> Option<u32> {
        self.is_set().then_some(self.0)
    }

    /// The id, `u32::MAX` for none: an index no table has.
    pub(crate) fn raw(self) -> u32 {
        self.0
    }
}

/// A statement id with its effect, in one word: the id below 2^31 (as `to_u32` makes sure),
/// bit 31 set for a Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Tagged(u32);

impl Tagged {
    const DENY: u32 = 1 << 31;

    /// Statement `id` (below 2^31) with its effect.
    #[inline]
    pub(crate) fn new(id: u32, effect: Effect) -> Tagged {
        let deny = if effect == Effect::Deny {
            Tagged::DENY
        } else {
            0
        };
        Tagged(id & !Tagged::DENY | deny)
    }

    /// The statement's id.
    #[inline(always)]
    pub(crate) fn statement(self) -> u32 {
        self.0 & !Tagged::DENY
    }

    /// Whether the statement is a Deny.
    #[inline(always)]
    pub(crate) fn is_deny(self) -> bool {
        self.0 & Tagged::DENY != 0
    }
}

/// A statement's resource part, compiled (M1, M3, M5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourcePart {
    /// Every resource (a `Resource` list with `*`).
    Any,
    /// No resource (no resource part, or `NotResource` with `*`).
    Nothing,
    /// The resource set with this id in the catalog's sets.
    Set(u32),
}

/// How a candidate tests the resource, decoded from a [`ResourceRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceTest {
    Any,
    Nothing,
    /// One pattern of the catalog's arena.
    Pattern(u32),
    /// Either of two patterns.
    Patterns(u32, u32),
    /// A resource set of the catalog.
    Set(u32),
    /// Every image pipeline's ARN, else the pattern (see `covers_every_pipeline`).
    PipelinesOrPattern(u32),
    /// Every image pipeline's ARN, else the set.
    PipelinesOrSet(u32),
}

/// A candidate's resource test ([`ResourceTest`]) in two words. The first is a pattern id (an
/// arena offset, below 2^31), a set id with bit 31, or one of three markers at the top of the
/// range (any, nothing, pipelines); the second is the other pattern, or for pipelines what
/// tests any other resource, or `u32::MAX` for nothing. The enum would take three words,
/// and the candidate 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ResourceRef([u32; 2]);

impl ResourceRef {
    const ANY: u32 = u32::MAX;
    const NOTHING: u32 = u32::MAX - 1;
    const PIPELINES: u32 = u32::MAX - 2;
    const SET: u32 = 1 << 31;
    const NO_PATTERN: u32 = u32::MAX;

    /// The largest set id a reference can hold.
    pub(crate) const MAX_SET: u32 = ResourceRef::PIPELINES - ResourceRef::SET - 1;

    /// Packs a test. Pattern ids must be below 2^31 and set ids at most [`Self::MAX_SET`]
    /// (the arena and the catalog make sure).
    #[inline]
    pub(crate) fn new(test: ResourceTest) -> ResourceRef {
        let set = |id: u32| ResourceRef::SET | id;
        ResourceRef(match test {
            ResourceTest::Any => [ResourceRef::ANY, ResourceRef::NO_PATTERN],
            ResourceTest::Nothing => [ResourceRef::NOTHING, ResourceRef::NO_PATTERN],
            ResourceTest::Pattern(p) => [p, ResourceRef::NO_PATTERN],
            ResourceTest::Patterns(p, q) => [p, q],
            ResourceTest::Set(s) => [set(s), ResourceRef::NO_PATTERN],
            ResourceTest::PipelinesOrPattern(p) => [ResourceRef::PIPELINES, p],
            ResourceTest::PipelinesOrSet(s) => [ResourceRef::PIPELINES, set(s)],
        })
    }

    /// The test it holds.
    #[inline(always)]
    pub(crate) fn test(self) -> ResourceTest {
        let [p, q] = self.0;
        match p {
            ResourceRef::ANY => ResourceTest::Any,
            ResourceRef::NOTHING => ResourceTest::Nothing,
            ResourceRef::PIPELINES if q & ResourceRef::SET == 0 => {
                ResourceTest::PipelinesOrPattern(q)
            }
            ResourceRef::PIPELINES => ResourceTest::PipelinesOrSet(q & !ResourceRef::SET),
            p if p & ResourceRef::SET != 0 => ResourceTest::Set(p & !ResourceRef::SET),
            p if q == ResourceRef::NO_PATTERN => ResourceTest::Pattern(p),
            p => ResourceTest::Patterns(p, q),
        }
    }

    /// Whether it matches every resource.
    #[inline(always)]
    pub(crate) fn is_any(self) -> bool {
        self.0[0] == ResourceRef::ANY
    }

    /// Whether it matches every image pipeline's ARN without a test: pipelines, or any.
    #[inline(always)]
    pub(crate) fn covers_every_pipeline(self) -> bool {
        matches!(self.0[0], ResourceRef::PIPELINES | ResourceRef::ANY)
    }

    /// The resource set it tests, when it tests one alone.
    #[inline(always)]
    pub(crate) fn set(self) -> Option<u32> {
        match self.test() {
            ResourceTest::Set(s) => Some(s),
            _ => None,
        }
    }
}

const _: () = assert!(
    std::mem::size_of::<ResourceRef>() == 8,
    "a resource reference is two words"
);
