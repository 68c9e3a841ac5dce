//! The principals of an account snapshot: `users` (and the groups each is in), `groups` and
//! `roles` (with a role's `service`), their names checked. The policies they attach are
//! resolved by [`Resolver`]; a role's trust policy is a policy entry, read by
//! [`super::policies`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::resolve::Resolver;
use super::{Loader, Result};
use crate::account::principal::is_valid_name;
use crate::account::{Group, Role, User};
use crate::decision::Route;
use crate::policy::json::{member, Member, Node};
use crate::suggest::did_you_mean;

impl Loader {
    /// The groups of `groups`, and whether they could be read: a reference into them is
    /// checked only then.
    pub(super) fn groups(
        &self,
        node: &Node,
        resolver: &Resolver<'_>,
    ) -> Result<(BTreeMap<String, Group>, bool)> {
        let mut groups = BTreeMap::new();
        let list = self.recover(self.object(node, "`groups`", None))?;
        let groups_read = list.is_some();
        for g in list.unwrap_or_default() {
            // A group with a fault is still defined: its members are not faults too.
            self.recover(self.check_name(g, "group"))?;
            let what = format!("group `{}`", g.key);
            let attachments =
                match self.recover(self.object(&g.value, &what, Some(&["policies"])))? {
                    Some(fields) => resolver.attachments(fields, &Route::Group(g.key.clone()))?,
                    None => Vec::new(),
                };
            groups.insert(g.key.clone(), Group { attachments });
        }
        Ok((groups, groups_read))
    }

    /// The users of `users`; a group a user is in is checked against `groups` when
    /// `groups_read`.
    pub(super) fn users(
        &self,
        node: &Node,
        resolver: &Resolver<'_>,
        groups: &BTreeMap<String, Group>,
        groups_read: bool,
    ) -> Result<BTreeMap<String, User>> {
        let mut users = BTreeMap::new();
        for u in self
            .recover(self.object(node, "`users`", None))?
            .unwrap_or_default()
        {
            self.recover(self.check_name(u, "user"))?;
            let what = format!("user `{}`", u.key);
            let Some(fields) =
                self.recover(self.object(&u.value, &what, Some(&["groups", "policies"])))?
            else {
                continue;
            };
            let mut user_groups = Vec::new();
            if let Some(node) = member(fields, "groups") {
                for g in self
                    .recover(self.array(node, "`groups`"))?
                    .unwrap_or_default()
                {
                    let Some(name) = self.recover(self.string(g, "a group name"))? else {
                        continue;
                    };
                    if !groups.contains_key(name) {
                        if groups_read {
                            let suggestion = did_you_mean(name, groups.keys().map(String::as_str))
                                .map(|s| format!("did you mean `{s}`?"));
                            self.fault(self.error(
                                g.span,
                                format!("{what} is in group `{name}`, which does not exist"),
                                suggestion.or_else(|| Some("define it under `groups`".into())),
                            ))?;
                        }
                        continue;
                    }
                    user_groups.push(name.to_owned());
                }
            }
            let attachments = resolver.attachments(fields, &Route::User(u.key.clone()))?;
            users.insert(
                u.key.clone(),
                User {
                    groups: user_groups,
                    attachments,
                },
            );
        }
        Ok(users)
    }

    /// The roles of `roles`.
    pub(super) fn roles(
        &self,
        node: &Node,
        resolver: &Resolver<'_>,
    ) -> Result<BTreeMap<String, Role>> {
        let mut roles = BTreeMap::new();
        for r in self
            .recover(self.object(node, "`roles`", None))?
            .unwrap_or_default()
        {
            self.recover(self.check_name(r, "role"))?;
            let what = format!("role `{}`", r.key);
            let Some(fields) = self.recover(self.object(
                &r.value,
                &what,
                Some(&["policies", "service_linked", "service", "trust_policy"]),
            ))?
            else {
                continue;
            };
            let service_linked = self
                .recover(self.flag(fields, "service_linked"))?
                .unwrap_or(false);
            let service = match member(fields, "service") {
                Some(node) => self.recover(self.service(node, service_linked, fields))?,
                None => None,
            };
            let trust = match member(fields, "trust_policy") {
                Some(node) => self.trust_policy(&r.key, node)?.map(Arc::new),
                None => None,
            };
            let attachments = resolver.attachments(fields, &Route::Role(r.key.clone()))?;
            roles.insert(
                r.key.clone(),
                Role {
                    attachments,
                    service_linked: service_linked || service.is_some(),
                    service,
                    trust,
                },
            );
        }
        Ok(roles)
    }

    /// A role's `service` (`<service>.aliyuncs.com`), which makes it service-linked (T3).
    fn service(&self, node: &Node, service_linked: bool, fields: &[Member]) -> Result<String> {
        let service = self.string(node, "`service`")?;
        let valid = service.strip_suffix(".aliyuncs.com").is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        });
        if !valid {
            return Err(self.error(
                node.span,
                format!("`service` must be a cloud service's name, found `{service}`"),
                Some("write the service that may assume the role, e.g. `ecs.aliyuncs.com`".into()),
            ));
        }
        if !service_linked && member(fields, "service_linked").is_some() {
            return Err(self.error(
                node.span,
                "a role with a `service` is service-linked, but `service_linked` is `false`".into(),
                Some("drop `service_linked`: `service` implies it".into()),
            ));
        }
        Ok(service.to_owned())
    }

    fn check_name(&self, member: &Member, kind: &str) -> Result<()> {
        if is_valid_name(&member.key) {
            return Ok(());
        }
        Err(self.error(
            member.key_span,
            format!("invalid {kind} name `{}`", member.key),
            Some(format!(
                "{kind} names are 1-64 characters of letters, digits and `._@-`"
            )),
        ))
    }
}
