//! The action catalogue: ECS's RAM actions with their access level, resource types (ARN
//! templates) and condition keys, from the ECS API reference's "RAM authorization" pages.
//!
//! The data is compiled into the binary (`data/catalog/*.tsv`, copied from the project's shared
//! catalogue) and parsed once, on first use. Rules use it to tell a typo from a real action
//! (`unknown-action`, `action-case`), a grant on the wrong resource type
//! (`action-resource-mismatch`) and a condition key an action does not support
//! (`condition-key-unsupported`). Only the services listed in [`Catalog::services`] are
//! checked; actions of other services are never flagged.

use std::collections::HashMap;
use std::sync::OnceLock;

const ACTIONS_TSV: &str = include_str!("../../data/catalog/ecs-actions.tsv");
const KEYS_TSV: &str = include_str!("../../data/catalog/ecs-condition-keys.tsv");
const RESOURCE_TYPES_TSV: &str = include_str!("../../data/catalog/ecs-resource-types.tsv");

/// The global condition keys a request may carry (spec C8), as RAM spells them.
pub const GLOBAL_KEYS: [&str; 9] = [
    "acs:CurrentTime",
    "acs:SecureTransport",
    "acs:SourceIp",
    "acs:MFAPresent",
    "acs:SourceVpc",
    "acs:AccessId",
    "acs:PrincipalARN",
    "acs:ResourceGroupId",
    "acs:Service",
];

/// Global key families (spec C8): each key is the prefix followed by a tag key.
pub const GLOBAL_KEY_PREFIXES: [&str; 2] = ["acs:ResourceTag/", "acs:RequestTag/"];

/// One resource type an action is authorized on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceType {
    /// Type name as the reference spells it (`ImagePipeline`).
    pub name: String,
    /// Whether the reference marks it required (`*`).
    pub required: bool,
    /// ARN template, `{#placeholder}` fields included
    /// (`acs:ecs:{#regionId}:{#accountId}:imagepipeline/{#imagepipelineId}`).
    pub template: String,
}

impl ResourceType {
    /// The template as a RAM wildcard pattern: every `{...}` placeholder becomes `*`.
    pub fn pattern(&self) -> String {
        let mut out = String::with_capacity(self.template.len());
        let mut in_placeholder = false;
        for c in self.template.chars() {
            match c {
                '{' if !in_placeholder => {
                    in_placeholder = true;
                    out.push('*');
                }
                '}' if in_placeholder => in_placeholder = false,
                _ if in_placeholder => {}
                _ => out.push(c),
            }
        }
        out
    }
}

/// One action of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Action {
    /// The action with its documented case (`ecs:CancelImagePipelineExecution`).
    pub name: String,
    /// Whether its authorization details are published. When false the action is a real
    /// operation but its resource types and condition keys are unknown: it is never flagged
    /// for a resource mismatch or an unsupported key.
    pub documented: bool,
    /// Access level (`update`), when documented.
    pub access_level: Option<String>,
    /// Resource types, when documented.
    pub resource_types: Vec<ResourceType>,
    /// Condition keys it supports (`ecs:tag` stands for every `ecs:tag/<key>`).
    pub condition_keys: Vec<String>,
}

impl Action {
    /// Whether the action supports condition key `key` (case-insensitively, C6). An
    /// undocumented action is taken to support every key.
    pub fn supports_key(&self, key: &str) -> bool {
        if !self.documented {
            return true;
        }
        // Bytewise, without lower-casing copies: this runs for every service key against every
        // action a statement can name. ASCII case folding keeps lengths, so the byte after a
        // match of `k` is the one that followed it in the lower-cased key.
        let key = key.as_bytes();
        self.condition_keys.iter().any(|k| {
            let k = k.as_bytes();
            key.split_at_checked(k.len()).is_some_and(|(head, rest)| {
                head.eq_ignore_ascii_case(k) && rest.first().is_none_or(|&b| b == b'/')
            })
        })
    }
}

/// The parsed catalogue. Get it with [`catalog`].
#[derive(Debug)]
pub struct Catalog {
    actions: Vec<Action>,
    by_lower: HashMap<String, usize>,
    keys: Vec<(String, String)>,
    /// `(service, resource type)` as ARNs spell them (`ecs`, `imagepipeline`).
    resource_types: Vec<(String, String)>,
}

/// The catalogue, parsed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(ACTIONS_TSV, KEYS_TSV, RESOURCE_TYPES_TSV))
}

impl Catalog {
    fn parse(actions_tsv: &str, keys_tsv: &str, resource_types_tsv: &str) -> Catalog {
        let mut actions = Vec::new();
        for line in actions_tsv.lines().skip(1) {
            let mut fields = line.split('\t');
            let (Some(name), Some(level), Some(types), Some(keys), Some(listed)) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                continue;
            };
            let documented = listed == "ram-authorization-page";
            let resource_types = if documented {
                types
                    .split(';')
                    .filter_map(|entry| {
                        let (name, template) = entry.split_once('=')?;
                        let (required, name) = match name.strip_prefix('*') {
                            Some(rest) => (true, rest),
                            None => (false, name),
                        };
                        Some(ResourceType {
                            name: name.to_owned(),
                            required,
                            template: template.to_owned(),
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let condition_keys = if documented && keys != "-" {
                keys.split(';').map(str::to_owned).collect()
            } else {
                Vec::new()
            };
            actions.push(Action {
                name: name.to_owned(),
                documented,
                access_level: documented.then(|| level.to_owned()),
                resource_types,
                condition_keys,
            });
        }
        let by_lower = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
            .collect();
        let keys = keys_tsv
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (key, ty) = line.split_once('\t')?;
                Some((key.to_owned(), ty.to_owned()))
            })
            .collect();
        let mut resource_types: Vec<(String, String)> = resource_types_tsv
            .lines()
            .skip(1)
            .filter_map(|line| {
                // `ImagePipeline<TAB>acs:ecs:{#regionId}:{#accountId}:imagepipeline/*`
                let (_, template) = line.split_once('\t')?;
                let mut fields = template.splitn(5, ':');
                let service = fields.nth(1)?;
                let relative = fields.nth(2)?;
                let resource_type = relative.split('/').next()?;
                (resource_type != "*").then(|| (service.to_owned(), resource_type.to_owned()))
            })
            .collect();
        resource_types.sort();
        resource_types.dedup();
        Catalog {
            actions,
            by_lower,
            keys,
            resource_types,
        }
    }

    /// The services whose actions the catalogue covers completely (RAM codes, lower case).
    pub fn services(&self) -> &'static [&'static str] {
        &["ecs"]
    }

    /// Whether the catalogue covers the service of `action` (`ecs:Foo` → `ecs`).
    pub fn covers(&self, action: &str) -> bool {
        action
            .split_once(':')
            .is_some_and(|(svc, _)| self.services().iter().any(|s| s.eq_ignore_ascii_case(svc)))
    }

    /// The action of this name, compared case-insensitively (M2).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.by_lower
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.actions.get(i))
    }

    /// Every action, in the catalogue's order.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Service condition keys with their types (`ecs:InstanceType`, `String`).
    pub fn condition_keys(&self) -> &[(String, String)] {
        &self.keys
    }

    /// The resource types of a covered service as its ARNs spell them (`imagepipeline`,
    /// `imagepipelineexecution`), in name order; empty for a service the catalogue does not
    /// cover (the catalogue knows some of their types, but not all).
    ///
    /// ```
    /// use ramcheck::lint::catalog::catalog;
    ///
    /// let ecs: Vec<&str> = catalog().resource_types("ecs").collect();
    /// assert!(ecs.contains(&"imagepipeline"));
    /// assert!(!ecs.contains(&"imagepipelines"));
    /// assert_eq!(catalog().resource_types("vpc").count(), 0);
    /// ```
    pub fn resource_types<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let covered = self
            .services()
            .iter()
            .any(|s| s.eq_ignore_ascii_case(service));
        self.resource_types
            .iter()
            .filter(move |(s, _)| covered && s.eq_ignore_ascii_case(service))
            .map(|(_, t)| t.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_requires_image_pipeline() {
        let cancel = catalog()
            .action("ECS:cancelimagepipelineexecution")
            .expect("in catalogue");
        assert_eq!(cancel.name, "ecs:CancelImagePipelineExecution");
        assert_eq!(cancel.resource_types.len(), 1);
        assert_eq!(cancel.resource_types[0].name, "ImagePipeline");
        assert!(cancel.resource_types[0].required);
        assert_eq!(
            cancel.resource_types[0].pattern(),
            "acs:ecs:*:*:imagepipeline/*"
        );
        assert!(cancel.condition_keys.is_empty());
    }

    #[test]
    fn api_list_only_actions_are_known_but_undocumented() {
        let add_tags = catalog().action("ecs:AddTags").expect("known");
        assert!(!add_tags.documented);
        assert!(add_tags.supports_key("ecs:anything"));
    }

    #[test]
    fn tag_keys_are_prefixes() {
        let supported = catalog()
            .actions()
            .iter()
            .find(|a| a.condition_keys.iter().any(|k| k == "ecs:tag"))
            .expect("some action supports ecs:tag");
        assert!(supported.supports_key("ecs:tag/team"));
        assert!(!supported.supports_key("ecs:tagteam"));
        // Keys compare ignoring ASCII case only.
        assert!(supported.supports_key("ECS:Tag"));
        assert!(supported.supports_key("Ecs:TAG/Team"));
        assert!(!supported.supports_key("ecs:ta"));
        assert!(!supported.supports_key("ecs:tag\\team"));
        assert!(!supported.supports_key("ecs:taǧ"));
    }

    #[test]
    fn catalogue_has_every_row() {
        assert_eq!(catalog().actions().len(), 366);
        assert_eq!(catalog().condition_keys().len(), 23);
    }
}
