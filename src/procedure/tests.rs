//! E2–E4 through a scripted engine that records what the procedure asks, in order: these
//! tests pin down which pools are evaluated and when, which the verdicts of the two real
//! engines show only indirectly.

use super::*;
use Decision::{Allow, ExplicitDeny, ImplicitDeny};
use Stage::{
    AccountLevelIdentityBasedPolicy as AccountScope, AccountOwner, ControlPolicy, CrossAccount,
    ResourceGroupLevelIdentityBasedPolicy as GroupScope, SessionPolicy,
};

const DENY: Applying = Applying {
    deny: true,
    allow: true,
};
const ALLOW: Applying = Applying {
    deny: false,
    allow: true,
};
const NOTHING: Applying = Applying {
    deny: false,
    allow: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestPool {
    Level(usize),
    Account,
    Group(u8),
}

/// What each question gets, and the log of what was asked.
struct Script {
    principal: Result<PrincipalKind, &'static str>,
    session: Option<Result<Applying, &'static str>>,
    group: Result<Option<u8>, &'static str>,
    own: bool,
    management_account: Option<bool>,
    levels: Vec<Applying>,
    service_linked: bool,
    account: Applying,
    groups: Vec<(u8, Applying)>,
    log: Vec<String>,
}

fn user() -> Script {
    Script {
        principal: Ok(PrincipalKind::User),
        session: None,
        group: Ok(None),
        own: true,
        management_account: None,
        levels: Vec::new(),
        service_linked: false,
        account: ALLOW,
        groups: Vec::new(),
        log: Vec::new(),
    }
}

impl Engine for Script {
    type Error = &'static str;
    type Group = u8;
    type Pool = TestPool;
    type Levels = std::vec::IntoIter<TestPool>;

    fn principal(&mut self) -> Result<PrincipalKind, &'static str> {
        self.log.push("principal".into());
        self.principal
    }
    fn has_session_policy(&self) -> bool {
        self.session.is_some()
    }
    fn session_policy_without_session(&self) -> &'static str {
        "session policy without session"
    }
    fn resource_group(&mut self) -> Result<Option<u8>, &'static str> {
        self.log.push("group".into());
        self.group
    }
    fn is_own_resource(&self) -> bool {
        self.own
    }
    fn control_policies(&self) -> Option<ControlPolicies<Self::Levels>> {
        let levels: Vec<TestPool> = (0..self.levels.len()).map(TestPool::Level).collect();
        self.management_account
            .map(|management_account| ControlPolicies {
                management_account,
                levels: levels.into_iter(),
            })
    }
    fn is_service_linked_role(&self) -> bool {
        self.service_linked
    }
    fn evaluate_level(&mut self, level: TestPool) -> Result<Applying, &'static str> {
        self.evaluate(level)
    }
    fn evaluate_session(&mut self) -> Result<Applying, &'static str> {
        self.log.push("session".into());
        self.session.unwrap_or(Ok(NOTHING))
    }
    fn account_pool(&self) -> Result<TestPool, &'static str> {
        Ok(TestPool::Account)
    }
    fn group_pool(&self, group: u8) -> Result<Option<TestPool>, &'static str> {
        Ok(self
            .groups
            .iter()
            .any(|(g, _)| *g == group)
            .then_some(TestPool::Group(group)))
    }
    fn evaluate(&mut self, pool: TestPool) -> Result<Applying, &'static str> {
        self.log.push(format!("{pool:?}"));
        Ok(match pool {
            TestPool::Level(i) => self.levels.get(i).copied().unwrap_or(NOTHING),
            TestPool::Account => self.account,
            TestPool::Group(g) => self
                .groups
                .iter()
                .find(|(n, _)| *n == g)
                .map_or(NOTHING, |(_, a)| *a),
        })
    }
    fn keep_near_misses(&mut self) {
        self.log.push("keep".into());
    }
}

/// A verdict as `(decision, stage, deciding)`, or the script's error.
type Answer = Result<(Decision, Stage, Deciding), &'static str>;

/// Decides, returning the answer and the log of what was asked, one word a question.
fn run(mut script: Script) -> (Answer, String) {
    let verdict = decide(&mut script).map(|v| (v.decision, v.stage, v.deciding));
    (verdict, script.log.join(" "))
}

/// A user in a member account whose control policy levels give `levels`, account's own first.
fn controlled(levels: Vec<Applying>) -> Script {
    Script {
        management_account: Some(false),
        levels,
        ..user()
    }
}

#[test]
fn e2_the_account_owner_is_allowed_on_its_own_resources_without_any_pool() {
    let script = Script {
        principal: Ok(PrincipalKind::Root),
        account: DENY,
        ..controlled(vec![DENY])
    };
    let (verdict, log) = run(script);
    assert_eq!(verdict, Ok((Allow, AccountOwner, Deciding::None)));
    assert_eq!(log, "principal group");
}

#[test]
fn e2_e3_another_accounts_resource_is_cross_account_for_everyone_before_any_pool() {
    for kind in [PrincipalKind::Root, PrincipalKind::User] {
        let (verdict, log) = run(Script {
            principal: Ok(kind),
            own: false,
            ..controlled(vec![DENY])
        });
        let cross = (ImplicitDeny, CrossAccount, Deciding::None);
        assert_eq!(verdict, Ok(cross), "{kind:?}");
        assert_eq!(log, "principal group", "{kind:?}");
    }
}

#[test]
fn e4_errors_come_principal_then_session_policy_then_resource_group() {
    let all_wrong = || Script {
        principal: Err("unknown principal"),
        session: Some(Ok(ALLOW)),
        group: Err("claimed twice"),
        ..user()
    };
    assert_eq!(run(all_wrong()).0, Err("unknown principal"));
    let known = Script {
        principal: Ok(PrincipalKind::User),
        ..all_wrong()
    };
    assert_eq!(run(known).0, Err("session policy without session"));
    let session = Script {
        principal: Ok(PrincipalKind::RoleSession),
        ..all_wrong()
    };
    assert_eq!(run(session).0, Err("claimed twice"));
    // A resource claimed twice is an error whoever asks, the account owner too.
    let root = Script {
        principal: Ok(PrincipalKind::Root),
        session: None,
        ..all_wrong()
    };
    assert_eq!(run(root).0, Err("claimed twice"));
}

#[test]
fn e4_1_every_level_is_evaluated_and_a_deny_at_any_level_is_an_explicit_deny() {
    let (verdict, log) = run(controlled(vec![NOTHING, DENY, ALLOW]));
    assert_eq!(verdict, Ok((ExplicitDeny, ControlPolicy, Deciding::Denies)));
    assert_eq!(log, "principal group Level(0) keep Level(1) Level(2)");
}

#[test]
fn e4_1_a_level_that_allows_nothing_is_an_implicit_deny_explained_by_the_first_such_level() {
    let (verdict, log) = run(controlled(vec![ALLOW, NOTHING, NOTHING]));
    assert_eq!(verdict, Ok((ImplicitDeny, ControlPolicy, Deciding::None)));
    assert_eq!(log, "principal group Level(0) Level(1) keep Level(2)");
}

#[test]
fn e4_1_control_policies_grant_nothing_by_themselves() {
    let (verdict, log) = run(Script {
        account: NOTHING,
        ..controlled(vec![ALLOW])
    });
    assert_eq!(verdict, Ok((ImplicitDeny, AccountScope, Deciding::None)));
    assert_eq!(log, "principal group Level(0) Account keep");
}

#[test]
fn e4_1_the_management_account_and_service_linked_roles_are_exempt() {
    let denying = || controlled(vec![DENY]);
    let allowed = Ok((Allow, AccountScope, Deciding::Allows));
    let management = Script {
        management_account: Some(true),
        ..denying()
    };
    assert_eq!(run(management).0, allowed);
    for kind in [PrincipalKind::Role, PrincipalKind::RoleSession] {
        let linked = Script {
            principal: Ok(kind),
            service_linked: true,
            ..denying()
        };
        assert_eq!(run(linked).0, allowed, "{kind:?}");
    }
    // Only a role is service-linked: a user the engine calls so is still bound.
    let bound = Script {
        service_linked: true,
        ..denying()
    };
    assert_eq!(run(bound).0.map(|v| v.1), Ok(ControlPolicy));
}

#[test]
fn e4_2_the_session_policy_must_allow_after_control_policies_and_before_identity_policies() {
    let session = |answer| Script {
        principal: Ok(PrincipalKind::RoleSession),
        session: Some(Ok(answer)),
        ..controlled(vec![ALLOW])
    };
    let (verdict, log) = run(session(NOTHING));
    assert_eq!(verdict, Ok((ImplicitDeny, SessionPolicy, Deciding::None)));
    assert_eq!(log, "principal group Level(0) session keep");
    assert_eq!(
        run(session(DENY)).0,
        Ok((ExplicitDeny, SessionPolicy, Deciding::Denies))
    );
    let (verdict, log) = run(session(ALLOW));
    assert_eq!(verdict.map(|v| v.1), Ok(AccountScope));
    assert_eq!(log, "principal group Level(0) session Account");
}

#[test]
fn e4_2_a_session_policy_error_is_reported() {
    let (verdict, _) = run(Script {
        principal: Ok(PrincipalKind::RoleSession),
        session: Some(Err("bad value")),
        ..user()
    });
    assert_eq!(verdict, Err("bad value"));
}

#[test]
fn e4_3_an_account_scope_answer_is_final_and_the_group_scope_is_not_read() {
    for (account, decision, deciding) in [
        (ALLOW, Allow, Deciding::Allows),
        (DENY, ExplicitDeny, Deciding::Denies),
    ] {
        let (verdict, log) = run(Script {
            group: Ok(Some(1)),
            account,
            groups: vec![(1, DENY)],
            ..user()
        });
        assert_eq!(verdict, Ok((decision, AccountScope, deciding)));
        assert_eq!(log, "principal group Account");
    }
}

#[test]
fn e4_3_after_an_account_scope_implicit_deny_the_group_scope_decides() {
    let group = |answer| Script {
        group: Ok(Some(1)),
        account: NOTHING,
        groups: vec![(1, answer)],
        ..user()
    };
    let stage = GroupScope;
    let (verdict, log) = run(group(ALLOW));
    assert_eq!(verdict, Ok((Allow, stage, Deciding::Allows)));
    assert_eq!(log, "principal group Account keep Group(1)");
    assert_eq!(
        run(group(DENY)).0,
        Ok((ExplicitDeny, stage, Deciding::Denies))
    );
    // An implicit deny at group scope is explained by both scopes' near misses.
    let (verdict, log) = run(group(NOTHING));
    assert_eq!(verdict, Ok((ImplicitDeny, stage, Deciding::None)));
    assert_eq!(log, "principal group Account keep Group(1) keep");
}

#[test]
fn e4_3_a_principal_without_policies_at_the_group_scope_is_denied_there() {
    let (verdict, log) = run(Script {
        group: Ok(Some(2)),
        account: NOTHING,
        groups: vec![(1, ALLOW)],
        ..user()
    });
    assert_eq!(verdict, Ok((ImplicitDeny, GroupScope, Deciding::None)));
    assert_eq!(log, "principal group Account keep");
}

#[test]
fn e4_3_without_a_group_an_account_scope_implicit_deny_is_final() {
    let (verdict, _) = run(Script {
        account: NOTHING,
        ..user()
    });
    assert_eq!(verdict, Ok((ImplicitDeny, AccountScope, Deciding::None)));
}
