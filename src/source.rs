//! Account sources: where an account's RAM configuration comes from.
//!
//! An account is read from one of three formats, told apart by their content:
//!
//! - an **account snapshot** (the format `ramcheck snapshot` prints, see the README);
//! - the output of **`terraform show -json`**, a plan or a state (alicloud provider);
//! - a **ROS template** (JSON or YAML, `ROSTemplateFormatVersion`).
//!
//! Terraform and ROS are translated into the snapshot format first (a JSON value, each policy
//! carrying its `origin`: the file, the resource address or logical id, the line and column),
//! and the snapshot loader ([`Account::from_json`]) reads that: one loader, one set of checks,
//! whatever the source. What cannot be translated (a value unknown until apply that no
//! reference resolves, an intrinsic function ROS evaluates only at deploy time in a place that
//! matters) is a [`SourceError`] naming the resource and attribute: never guessed, never
//! dropped.

mod ros;

use std::collections::BTreeMap;
use std::path::Path;

use crate::account::{Account, AccountError};
use crate::policy::Position;

/// The format of an account source, told from its content ([`detect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// An account snapshot (`account_id`, `users`, `roles`, ...).
    Snapshot,
    /// `terraform show -json` output: a plan or a state (`format_version`,
    /// `terraform_version`).
    Terraform,
    /// A ROS template (`ROSTemplateFormatVersion`), JSON or YAML.
    Ros,
}

/// Which side of a Terraform plan describes the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlanSide {
    /// The planned values: the account as it will be after apply.
    #[default]
    After,
    /// The prior state: resources being created are left out, those being destroyed kept.
    Before,
}

/// What a source needs that its file may not say.
///
/// ```
/// use ramcheck::source::{PlanSide, SourceOptions};
///
/// let options = SourceOptions::default()
///     .with_account_id("1234567890123456")
///     .with_plan_side(PlanSide::Before)
///     .with_parameter("Env", "prod");
/// assert_eq!(options.account_id.as_deref(), Some("1234567890123456"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceOptions {
    /// The account the configuration describes (`--account-id`), for Terraform and ROS inputs
    /// that do not say; ROS's `ALIYUN::AccountId` resolves to it.
    pub account_id: Option<String>,
    /// Which side of a Terraform plan to read (`--plan-side`).
    pub plan_side: PlanSide,
    /// ROS template parameters (`--parameter K=V`), over the template's defaults.
    pub parameters: BTreeMap<String, String>,
    /// The largest file read, in bytes (`--max-file-size`; 0 for the default).
    pub max_file_size: u64,
}

impl SourceOptions {
    /// With the account ID a Terraform or ROS input does not give.
    pub fn with_account_id(mut self, id: impl Into<String>) -> SourceOptions {
        self.account_id = Some(id.into());
        self
    }

    /// With the side of a Terraform plan to read.
    pub fn with_plan_side(mut self, side: PlanSide) -> SourceOptions {
        self.plan_side = side;
        self
    }

    /// With a ROS template parameter.
    pub fn with_parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.insert(key.into(), value.into());
        self
    }

    /// With the largest file to read, in bytes (0: [`crate::read::DEFAULT_MAX_FILE_SIZE`]).
    pub fn with_max_file_size(mut self, bytes: u64) -> SourceOptions {
        self.max_file_size = bytes;
        self
    }
}

/// A Terraform or ROS input that cannot be read as an account: what is wrong, where in the
/// file, which resource (Terraform address or ROS logical id) and attribute, and how to fix it.
///
/// ```
/// use ramcheck::policy::Position;
/// use ramcheck::source::SourceError;
///
/// let e = SourceError::new("known only after apply, and no reference in the plan resolves it")
///     .in_file("plan.json")
///     .at(Position::new(12, 5))
///     .of_resource("alicloud_ram_policy.cancel", "policy_document");
/// assert_eq!(
///     e.to_string(),
///     "plan.json:12:5: `alicloud_ram_policy.cancel` attribute `policy_document`: known only after apply, and no reference in the plan resolves it"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}{position}: {}{message}",
    file.as_deref().map(|f| format!("{f}:")).unwrap_or_default(),
    resource_label(address.as_deref(), attribute.as_deref())
)]
#[non_exhaustive]
pub struct SourceError {
    /// The input file.
    pub file: Option<String>,
    /// Where in it.
    pub position: Position,
    /// The Terraform resource address or ROS logical id at fault.
    pub address: Option<String>,
    /// Its attribute (Terraform) or property (ROS) at fault.
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

fn resource_label(address: Option<&str>, attribute: Option<&str>) -> String {
    match (address, attribute) {
        (Some(a), Some(b)) => format!("`{a}` attribute `{b}`: "),
        (Some(a), None) => format!("`{a}`: "),
        (None, Some(b)) => format!("attribute `{b}`: "),
        (None, None) => String::new(),
    }
}

impl SourceError {
    /// An error with its message; place it with the `in_file`/`at`/`of_resource` builders.
    pub fn new(message: impl Into<String>) -> SourceError {
        SourceError {
            file: None,
            position: Position::START,
            address: None,
            attribute: None,
            message: message.into(),
            help: None,
        }
    }

    /// In this file.
    pub fn in_file(mut self, file: impl Into<String>) -> SourceError {
        self.file = Some(file.into());
        self
    }

    /// At this place in the file.
    pub fn at(mut self, position: Position) -> SourceError {
        self.position = position;
        self
    }

    /// About this resource (address or logical id) and attribute.
    pub fn of_resource(
        mut self,
        address: impl Into<String>,
        attribute: impl Into<String>,
    ) -> SourceError {
        self.address = Some(address.into());
        self.attribute = Some(attribute.into());
        self
    }

    /// With how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> SourceError {
        self.help = Some(help.into());
        self
    }
}

/// Why an account could not be loaded from a source of any format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The snapshot (given, or translated from Terraform or ROS) is not a valid account.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The Terraform or ROS input could not be translated.
    #[error(transparent)]
    Source(#[from] SourceError),
}

impl LoadError {
    /// How to fix it, when there is a suggestion.
    pub fn help(&self) -> Option<&str> {
        match self {
            LoadError::Account(e) => e.help(),
            LoadError::Source(e) => e.help.as_deref(),
        }
    }
}

/// The format of `text`, from its content: a JSON object with `format_version` or
/// `terraform_version` is Terraform, one with `ROSTemplateFormatVersion` (JSON or YAML) is ROS,
/// anything else is read as a snapshot (whose loader then says what is wrong with it).
///
/// ```
/// use ramcheck::source::{detect, Format};
///
/// assert_eq!(detect(r#"{"format_version": "1.2", "terraform_version": "1.6.0"}"#), Format::Terraform);
/// assert_eq!(detect("ROSTemplateFormatVersion: '2015-09-01'\n"), Format::Ros);
/// assert_eq!(detect(r#"{"account_id": "1234567890123456"}"#), Format::Snapshot);
/// ```
pub fn detect(text: &str) -> Format {
    // A cheap look at the top-level keys; the format's own reader checks the rest.
    let head = text.get(..text.len().min(64 * 1024)).unwrap_or(text);
    if head.contains("ROSTemplateFormatVersion") {
        return Format::Ros;
    }
    if let Ok(serde_json::Value::Object(members)) = serde_json::from_str::<serde_json::Value>(text)
    {
        if members.contains_key("format_version") || members.contains_key("terraform_version") {
            return Format::Terraform;
        }
    }
    Format::Snapshot
}

/// Loads an account from a file of any format ([`detect`]). Policy paths in a snapshot are
/// relative to its folder.
///
/// # Errors
///
/// A [`LoadError`]: the file cannot be read, its Terraform or ROS content cannot be translated,
/// or the account it describes is invalid.
///
/// ```
/// use ramcheck::source::{load_account, SourceOptions};
///
/// let options = SourceOptions::default().with_max_file_size(1 << 20);
/// let account = load_account("policies/example-account.json", &options)?;
/// assert_eq!(account.id(), "1234567890123456");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_account(path: impl AsRef<Path>, options: &SourceOptions) -> Result<Account, LoadError> {
    let limit = if options.max_file_size == 0 {
        crate::read::DEFAULT_MAX_FILE_SIZE
    } else {
        options.max_file_size
    };
    // Snapshot only for now; Terraform and ROS translate into a snapshot first.
    Ok(Account::load_limited(path, limit)?)
}
