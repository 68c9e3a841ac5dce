//! What the reference evaluator adds to a statement it names, beyond which statement it is: how
//! its policy reached the principal ([`Via`]: attached to the user, through one of its groups, at
//! a resource group's scope, the role's, the session policy, a control policy of a directory
//! level; spec E2, E4) and, for each condition clause, what the policy and the request held and
//! whether the clause was met ([`ClauseCheck`], C2–C5).
//!
//! The route is known where a pool is assembled: the account's loader fixes it once per
//! attachment and per directory level, the reference engine per session policy, and a
//! [`PolicySet`](super::PolicySet) for what it was given. Renderers only print it. The compiled
//! authorizer names statements without this (it is never on the gateway's path).

use crate::condition::Operator;
use crate::policy::system;

use super::NamedPolicy;

/// How a policy reached the principal whose request it decided (E2, E4).
///
/// ```
/// use ramcheck::account::{Account, Principal};
/// use ramcheck::decision::{Request, Route};
///
/// let account = Account::from_json(r#"{
///   "account_id": "1234567890123456",
///   "users": {"alice": {"groups": ["ops"]}},
///   "groups": {"ops": {"policies": ["AliyunECSFullAccess"]}}
/// }"#, None, None)?;
/// let alice = Principal::parse("user/alice", account.id())?;
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = account.decide(&alice, None, &request)?;
/// let via = outcome.deciding()[0].via().expect("the reference evaluator says");
/// assert_eq!(via.route(), &Route::Group("ops".to_owned()));
/// assert!(via.is_system_policy());
/// assert_eq!(via.resource_group(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Via {
    route: Route,
    resource_group: Option<String>,
    system_policy: bool,
}

impl Via {
    /// The route of `policy`, attached at account scope (or not attached at all: a session,
    /// control or trust policy, or one given to a pool).
    pub(crate) fn new(route: Route, policy: &NamedPolicy) -> Via {
        Via {
            route,
            resource_group: None,
            system_policy: is_system_policy(policy),
        }
    }

    /// The same, attached at the scope of `group` (E4.3).
    pub(crate) fn at_resource_group(mut self, group: Option<&str>) -> Via {
        self.resource_group = group.map(str::to_owned);
        self
    }

    /// Who or what holds the policy.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The resource group at whose scope the policy is attached; `None`: account scope (E4.3).
    pub fn resource_group(&self) -> Option<&str> {
        self.resource_group.as_deref()
    }

    /// Whether the policy is a bundled system policy (spec §6), given by its name.
    pub fn is_system_policy(&self) -> bool {
        self.system_policy
    }
}

/// A bundled system policy is one with no file, the name of a system policy and that policy's
/// very text: a custom policy of the snapshot may take a system policy's name.
fn is_system_policy(policy: &NamedPolicy) -> bool {
    policy.file().is_none()
        && system::find(policy.name())
            .is_some_and(|sys| sys.text == policy.policy().source().text())
}

/// Who or what holds a policy (E2, E4), as [`Via::route`] says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// Given to a [`PolicySet`](super::PolicySet) (`check --policy`, the policy documents
    /// `diff` compares): attached directly to the user the pool stands for.
    Given,
    /// Attached to this user.
    User(String),
    /// Attached to this group, of which the user is a member.
    Group(String),
    /// Attached to this role (for its sessions too).
    Role(String),
    /// The session policy of a role session (E4.2).
    SessionPolicy,
    /// A control policy attached at this level of the resource directory (E4.1).
    ControlPolicy(Level),
    /// The trust policy of the role asked for (T1, T3).
    TrustPolicy,
}

impl Route {
    /// `given`, `user`, `group`, `role`, `session_policy`, `control_policy` or
    /// `trust_policy`: the `kind` of the JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Route::Given => "given",
            Route::User(_) => "user",
            Route::Group(_) => "group",
            Route::Role(_) => "role",
            Route::SessionPolicy => "session_policy",
            Route::ControlPolicy(_) => "control_policy",
            Route::TrustPolicy => "trust_policy",
        }
    }

    /// The user, group or role, or the directory level's name.
    pub fn name(&self) -> Option<&str> {
        match self {
            Route::User(name) | Route::Group(name) | Route::Role(name) => Some(name),
            Route::ControlPolicy(level) => Some(level.name()),
            Route::Given | Route::SessionPolicy | Route::TrustPolicy => None,
        }
    }
}

/// A level of the resource directory, from the Root folder down to the account (E4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Level {
    /// The Root folder, by its name in the snapshot.
    Root(String),
    /// A folder between the Root folder and the account.
    Folder(String),
    /// The account itself, by its id.
    Account(String),
}

impl Level {
    /// The level of `name`, at `index` of a path of `len` levels from the Root folder down to
    /// the account: the last is the account, the first (of two or more) the Root folder.
    pub(crate) fn of_path(name: &str, index: usize, len: usize) -> Level {
        let name = name.to_owned();
        if index + 1 == len {
            Level::Account(name)
        } else if index == 0 {
            Level::Root(name)
        } else {
            Level::Folder(name)
        }
    }

    /// `root`, `folder` or `account`: the `level` of the JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Level::Root(_) => "root",
            Level::Folder(_) => "folder",
            Level::Account(_) => "account",
        }
    }

    /// The folder's name, or the account's id.
    pub fn name(&self) -> &str {
        match self {
            Level::Root(name) | Level::Folder(name) | Level::Account(name) => name,
        }
    }
}

/// One condition clause of a statement, as it was tested against the request (C2–C5): the
/// values the policy lists, the values the request carried, and whether the clause was met.
///
/// ```
/// use std::sync::Arc;
/// use ramcheck::decision::{Context, NamedPolicy, PolicySet, Request};
/// use ramcheck::policy::Policy;
///
/// let policy = Policy::parse(r#"{"Version": "1", "Statement": [{"Effect": "Allow",
///     "Action": "ecs:*", "Resource": "*",
///     "Condition": {"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}}]}"#)?;
/// let set = PolicySet::new(vec![NamedPolicy::new("office", None, Arc::new(policy))]);
/// let mut context = Context::new();
/// context.insert("acs:SourceIp", "10.0.0.1")?;
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?.with_context(context);
/// let outcome = set.decide(&request)?;
/// let check = &outcome.near_misses()[0].statement().condition_checks()[0];
/// assert_eq!(check.policy_values(), ["192.168.0.0/16"]);
/// assert_eq!(check.request_values(), Some(&["10.0.0.1".to_owned()][..]));
/// assert!(!check.is_met());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClauseCheck {
    pub(crate) operator: Operator,
    pub(crate) key: String,
    pub(crate) policy_values: Vec<String>,
    pub(crate) request_values: Option<Vec<String>>,
    pub(crate) met: bool,
}

impl ClauseCheck {
    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The key, as the policy writes it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The values the policy lists (OR-ed, C2), as written.
    pub fn policy_values(&self) -> &[String] {
        &self.policy_values
    }

    /// The values the request carried for the key; `None` when it carried none (C5). For
    /// `acs:CurrentTime`, the request's instant when it gave none (C8).
    pub fn request_values(&self) -> Option<&[String]> {
        self.request_values.as_deref()
    }

    /// Whether the clause was met.
    pub fn is_met(&self) -> bool {
        self.met
    }
}
