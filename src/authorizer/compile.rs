//! Compiling an [`Account`] into an [`Authorizer`]: every principal's pools per stage, the
//! control policies of each directory level, and the resource groups indexed by anchor.
//!
//! What a principal's policies are and which group holds a resource are the account's rules
//! ([`Account::attachments_of`], [`crate::account::ResourceGroups::holder`]); this module only
//! lays them out for speed. Deciding is in `engine.rs`.

use std::collections::HashMap;

use super::index::{self, Catalog, Pool, Tuning};
use super::pattern::{self, AnchorTable, FastState, NameTable, PatternArena, RequestScratch};
use super::{stamp, Authorizer, CompileError};
use crate::account::{Account, DecideError, Principal, ResourceGroups, Scope};

/// A user or role, compiled: its pools per stage.
///
/// What every request for it reads (its ARN, its account pool's hot lists) sits in its first
/// cache line (`repr(C)`, aligned): a gateway deciding for many principals finds most of them
/// out of the core's caches, and each line is a wait.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub(super) struct CompiledPrincipal {
    /// `acs:PrincipalARN` (E2).
    pub(super) principal_arn: Box<str>,
    pub(super) account_pool: Pool,
    /// `(resource group number, pool)`, sorted by group number.
    pub(super) group_pools: Box<[(u32, Pool)]>,
}

impl CompiledPrincipal {
    /// Its pool at the scope of resource group `group`, if it has policies there (E4.3).
    #[inline]
    pub(super) fn group_pool(&self, group: u32) -> Option<&Pool> {
        let i = self
            .group_pools
            .binary_search_by_key(&group, |(g, _)| *g)
            .ok()?;
        self.group_pools.get(i).map(|(_, pool)| pool)
    }
}

/// The resource groups' patterns indexed for finding the groups that claim a resource fast;
/// which of them holds it is the account's rule ([`ResourceGroups::holder`]).
#[derive(Debug, Clone, Default)]
pub(super) struct GroupIndex {
    /// The account's groups, numbered as here.
    groups: ResourceGroups,
    exact: HashMap<Box<str>, Vec<u32>, FastState>,
    /// The wildcard patterns with a plain anchor ([`pattern::anchor_is_plain`]), as
    /// `(pattern id in arena, group)`.
    anchored: AnchorTable<(u32, u32)>,
    /// The other wildcard patterns, tested one by one.
    patterns: Vec<UnanchoredClaim>,
    arena: PatternArena,
}

/// A resource group's wildcard pattern without a plain anchor, with what rules a text out
/// before matching it.
#[derive(Debug, Clone, Copy)]
struct UnanchoredClaim {
    /// Its id in the group index's arena.
    pattern: u32,
    /// Its anchor, or [`pattern::anchor::NO_ANCHOR`].
    anchor: u32,
    /// A gram every text it matches has, or `u16::MAX` for none.
    gram: u16,
    /// The group it claims for.
    group: u32,
}

impl GroupIndex {
    fn compile(account: &Account) -> Result<GroupIndex, CompileError> {
        let groups = account.resource_groups();
        let mut out = GroupIndex {
            groups: groups.clone(),
            ..GroupIndex::default()
        };
        let mut anchored = Vec::new();
        for (number, group) in (0u32..).zip(groups.iter()) {
            for pattern in group.claims().iter().map(|c| c.pattern()) {
                if !crate::matching::has_wildcard(pattern) {
                    let holders = out.exact.entry(pattern.into()).or_default();
                    if !holders.contains(&number) {
                        holders.push(number);
                    }
                    continue;
                }
                let id = out.arena.intern(pattern).ok_or(CompileError::TooLarge)?;
                let anchor = out.arena.anchor(id);
                if pattern::anchor_is_plain(anchor) {
                    anchored.push((anchor, (id, number)));
                } else {
                    let gram = out.arena.required_gram(id).unwrap_or(u16::MAX);
                    out.patterns.push(UnanchoredClaim {
                        pattern: id,
                        anchor,
                        gram,
                        group: number,
                    });
                }
            }
        }
        out.anchored = AnchorTable::new(anchored).ok_or(CompileError::TooLarge)?;
        out.arena.finish();
        Ok(out)
    }

    /// The group holding `arn`, if any; two groups are an error (E4.3).
    #[inline]
    pub(super) fn holder(&self, text: &mut RequestScratch<'_>) -> Result<Option<u32>, DecideError> {
        if self.groups.is_empty() {
            return Ok(None);
        }
        let arn = text.text;
        // The two lowest group numbers that claim it: the rule reads the first two in file
        // order.
        let (mut first, mut second) = (u32::MAX, u32::MAX);
        let mut note = |g: u32| {
            if g == first || g == second {
                return;
            }
            if g < first {
                second = first;
                first = g;
            } else if g < second {
                second = g;
            }
        };
        if let Some(holders) = self.exact.get(arn) {
            holders.iter().for_each(|&g| note(g));
        }
        // Not remembered in `text`: its memo holds the catalog's pattern ids.
        let mut test = |(pattern, g): (u32, u32)| {
            if self.arena.is_match_uncached(pattern, text) {
                note(g);
            }
        };
        if text.has_colons() {
            self.anchored.for_each_hit(&text.probe(), &mut test);
        } else {
            self.anchored.items().for_each(&mut test);
        }
        for claim in &self.patterns {
            if text.may_match(claim.anchor, claim.gram)
                && self.arena.is_match_uncached(claim.pattern, text)
            {
                note(claim.group);
            }
        }
        let claimants = [first, second].into_iter().filter(|&g| g != u32::MAX);
        self.groups.holder(arn, claimants)
    }
}

/// The Resource Directory control policies, one pool per level, Root first (E4.1).
#[derive(Debug, Clone)]
pub(super) struct Directory {
    pub(super) management_account: bool,
    pub(super) levels: Box<[Pool]>,
}

impl Authorizer {
    /// Compiles an account snapshot.
    ///
    /// # Errors
    ///
    /// [`CompileError::TooLarge`] past 2^31 statements or pool members,
    /// [`CompileError::IdsExhausted`] (never in practice) when the process has no ids left to
    /// give it.
    ///
    /// ```
    /// use ramcheck::account::Account;
    /// use ramcheck::authorizer::Authorizer;
    ///
    /// let account = Account::from_json(r#"{"account_id": "1234567890123456"}"#, None, None)?;
    /// let authorizer = Authorizer::compile(&account)?;
    /// assert_eq!(authorizer.account_id(), account.id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile(account: &Account) -> Result<Authorizer, CompileError> {
        Authorizer::compile_with(account, Tuning::Workload)
    }

    /// [`compile`](Authorizer::compile) with or without the workload tuning ([`Tuning`]): the
    /// answers are the same, only the work differs.
    ///
    /// # Errors
    ///
    /// As [`compile`](Authorizer::compile).
    ///
    /// ```
    /// use ramcheck::account::Account;
    /// use ramcheck::authorizer::{Authorizer, Tuning};
    ///
    /// let account = Account::load("policies/example-account.json")?;
    /// let plain = Authorizer::compile_with(&account, Tuning::None)?;
    /// assert!(plain.resolve("user/alice").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_with(account: &Account, tuning: Tuning) -> Result<Authorizer, CompileError> {
        Authorizer::compile_where(account, tuning, |_, _| true)
    }

    /// Compiles only what deciding for `principal` needs: its own pools, the resource groups
    /// and the control policies, not every other user's and role's. A one-off decision (the
    /// CLI's `check`) then skips most of the compiling on a large account. The authorizer
    /// decides for `principal` exactly as [`compile`](Authorizer::compile)'s does, and knows no
    /// other user or role. A principal the account lacks compiles the whole account, so that
    /// the error names the closest names it has.
    ///
    /// # Errors
    ///
    /// As [`compile`](Authorizer::compile).
    ///
    /// ```
    /// use ramcheck::account::{Account, Principal};
    /// use ramcheck::authorizer::Authorizer;
    ///
    /// let account = Account::load("policies/example-account.json")?;
    /// let alice = Principal::parse("user/alice", account.id())?;
    /// let authorizer = Authorizer::compile_for(&account, &alice)?;
    /// assert!(authorizer.resolve("user/alice").is_ok());
    /// assert!(authorizer.resolve("user/bob").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_for(
        account: &Account,
        principal: &Principal,
    ) -> Result<Authorizer, CompileError> {
        if account.attachments_of(principal).is_err() {
            return Authorizer::compile(account);
        }
        let (users, name) = match principal {
            Principal::Root => (true, None),
            Principal::User(name) => (true, Some(name.as_str())),
            Principal::Role(name) | Principal::RoleSession { role: name, .. } => {
                (false, Some(name.as_str()))
            }
        };
        Authorizer::compile_where(account, Tuning::Workload, |is_user, n| {
            is_user == users && Some(n) == name
        })
    }

    /// [`compile`](Authorizer::compile) for the users and roles `keep` says yes to
    /// (`keep(is_user, name)`).
    fn compile_where(
        account: &Account,
        tuning: Tuning,
        keep: impl Fn(bool, &str) -> bool,
    ) -> Result<Authorizer, CompileError> {
        let mut catalog = Catalog::with_tuning(tuning);
        let group_numbers: HashMap<&str, u32> = (0u32..)
            .zip(account.resource_groups().iter())
            .map(|(i, group)| (group.id(), i))
            .collect();
        let principals: Vec<Principal> = account
            .users()
            .filter(|name| keep(true, name))
            .map(|name| Principal::User(name.to_owned()))
            .chain(
                account
                    .roles()
                    .filter(|name| keep(false, name))
                    .map(|name| Principal::Role(name.to_owned())),
            )
            .collect();
        // Every policy first, so the lookup tables are complete before pools are indexed.
        let mut numbered: Vec<Vec<(u32, Option<u32>)>> = Vec::with_capacity(principals.len());
        for principal in &principals {
            // The account's own users and roles: none is unknown.
            let attachments = account.attachments_of(principal).unwrap_or_default();
            let mut list = Vec::with_capacity(attachments.len());
            for a in attachments {
                let id = catalog.add_policy(a.shared_policy())?;
                let scope = match a.scope() {
                    Scope::Account => None,
                    Scope::ResourceGroup(g) => {
                        Some(group_numbers.get(g.as_str()).copied().unwrap_or(u32::MAX))
                    }
                };
                list.push((id, scope));
            }
            numbered.push(list);
        }
        let directory = account.resource_directory();
        let mut level_policies = Vec::new();
        for level in directory.map_or(&[][..], |d| d.levels()) {
            let mut ids = Vec::with_capacity(level.control_policies().len());
            for p in level.control_policies() {
                ids.push(catalog.add_policy(p)?);
            }
            level_policies.push(ids);
        }

        // One number for the root, then one per user and per role (see `stamp`).
        let users = principals
            .iter()
            .filter(|p| matches!(p, Principal::User(_)))
            .count();
        let count = u64::try_from(principals.len() + 1).map_err(|_| CompileError::TooLarge)?;
        let stamp = stamp::reserve(count)?;
        let user_base = stamp + 1;
        let role_base = user_base + users as u64;
        let id = account.id();
        let mut authorizer = Authorizer {
            account_id: id.into(),
            catalog: Catalog::default(),
            user_index: NameTable::default(),
            users: Vec::new(),
            role_index: NameTable::default(),
            roles: Vec::new(),
            service_linked_roles: Vec::new(),
            directory: None,
            groups: GroupIndex::compile(account)?,
            stamp,
            user_base,
            role_base,
        };
        for (principal, list) in principals.iter().zip(&numbered) {
            let account_scope: Vec<u32> = list
                .iter()
                .filter(|(_, s)| s.is_none())
                .map(|(p, _)| *p)
                .collect();
            let mut group_numbers: Vec<u32> = list.iter().filter_map(|(_, s)| *s).collect();
            group_numbers.sort_unstable();
            group_numbers.dedup();
            let mut group_pools = Vec::with_capacity(group_numbers.len());
            for g in group_numbers {
                let scoped: Vec<u32> = list
                    .iter()
                    .filter(|(_, s)| *s == Some(g))
                    .map(|(p, _)| *p)
                    .collect();
                group_pools.push((g, catalog.pool(&scoped)?));
            }
            let compiled = CompiledPrincipal {
                principal_arn: principal.principal_arn(id).into(),
                account_pool: catalog.pool(&account_scope)?,
                group_pools: group_pools.into_boxed_slice(),
            };
            let (name, index, all) = match principal {
                Principal::User(name) => (name, &mut authorizer.user_index, &mut authorizer.users),
                Principal::Role(name) => {
                    authorizer
                        .service_linked_roles
                        .push(account.is_service_linked(name));
                    (name, &mut authorizer.role_index, &mut authorizer.roles)
                }
                // Only users and roles are listed above.
                Principal::Root | Principal::RoleSession { .. } => continue,
            };
            // Names are unique (the account's keys), so ids follow positions in `all`.
            if index.push(name) != Some(index::to_u32(all.len())?) {
                return Err(CompileError::TooLarge);
            }
            all.push(compiled);
        }
        if let Some(directory) = directory {
            let mut levels = Vec::with_capacity(level_policies.len());
            for ids in &level_policies {
                levels.push(catalog.pool(ids)?);
            }
            authorizer.directory = Some(Directory {
                management_account: directory.is_management_account(),
                levels: levels.into_boxed_slice(),
            });
        }
        catalog.finish();
        authorizer.catalog = catalog;
        Ok(authorizer)
    }
}
