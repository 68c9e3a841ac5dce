//! The system policies of spec §6, bundled in the binary so they can be used by name.
//!
//! The texts are the files in `policies/system/`, compiled in with `include_str!`, so the
//! shipped examples and the bundled policies cannot drift apart.

use super::{Policy, PolicyKind};

/// A bundled system policy: its name, kind and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SystemPolicy {
    /// The name RAM gives it, e.g. `AliyunECSFullAccess`.
    pub name: &'static str,
    /// Identity policy, or control policy for `FullAliyunAccess`.
    pub kind: PolicyKind,
    /// The document text.
    pub text: &'static str,
}

/// Every bundled system policy.
pub const SYSTEM_POLICIES: [SystemPolicy; 4] = [
    SystemPolicy {
        name: "AliyunECSFullAccess",
        kind: PolicyKind::Identity,
        text: include_str!("../../policies/system/AliyunECSFullAccess.json"),
    },
    SystemPolicy {
        name: "AliyunECSReadOnlyAccess",
        kind: PolicyKind::Identity,
        text: include_str!("../../policies/system/AliyunECSReadOnlyAccess.json"),
    },
    SystemPolicy {
        name: "AdministratorAccess",
        kind: PolicyKind::Identity,
        text: include_str!("../../policies/system/AdministratorAccess.json"),
    },
    SystemPolicy {
        name: "FullAliyunAccess",
        kind: PolicyKind::Control,
        text: include_str!("../../policies/system/FullAliyunAccess.json"),
    },
];

/// The bundled system policy of this exact name.
///
/// ```
/// use ramcheck::policy::system;
///
/// let full = system::find("AliyunECSFullAccess").expect("bundled");
/// let policy = full.parse()?;
/// assert_eq!(policy.statements().len(), 2);
/// assert!(system::find("AliyunEcsFullAccess").is_none()); // names are exact
/// # Ok::<(), ramcheck::policy::PolicyError>(())
/// ```
pub fn find(name: &str) -> Option<&'static SystemPolicy> {
    SYSTEM_POLICIES.iter().find(|p| p.name == name)
}

impl SystemPolicy {
    /// Parses the bundled text.
    pub fn parse(&self) -> Result<Policy, super::PolicyError> {
        Policy::parse_as(self.text, self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_system_policy_parses() {
        for p in SYSTEM_POLICIES {
            assert!(p.parse().is_ok(), "{} does not parse", p.name);
        }
    }
}
