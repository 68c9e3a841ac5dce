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

pub(crate) mod ros;
pub(crate) mod terraform;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::account::{Account, AccountError};
use crate::policy::Position;
use crate::read::read_file;

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

    /// The largest file to read, in bytes: `max_file_size`, `0` meaning
    /// [`crate::read::DEFAULT_MAX_FILE_SIZE`].
    pub(crate) fn limit(&self) -> u64 {
        if self.max_file_size == 0 {
            crate::read::DEFAULT_MAX_FILE_SIZE
        } else {
            self.max_file_size
        }
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
    resource_label(address.as_deref(), attribute_noun, attribute.as_deref())
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
    /// What the format calls it: `attribute` (Terraform) or `property` (ROS).
    pub attribute_noun: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

fn resource_label(address: Option<&str>, noun: &str, attribute: Option<&str>) -> String {
    match (address, attribute) {
        (Some(a), Some(b)) => format!("`{a}` {noun} `{b}`: "),
        (Some(a), None) => format!("`{a}`: "),
        (None, Some(b)) => format!("{noun} `{b}`: "),
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
            attribute_noun: "attribute",
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

    /// About this ROS resource (logical id) and property.
    ///
    /// ```
    /// use ramcheck::source::SourceError;
    ///
    /// let e = SourceError::new("`Fn::Select` is not evaluated").of_property("Deployer", "RoleName");
    /// assert_eq!(e.to_string(), "1:1: `Deployer` property `RoleName`: `Fn::Select` is not evaluated");
    /// ```
    pub fn of_property(self, logical_id: impl Into<String>, property: impl Into<String>) -> Self {
        SourceError {
            attribute_noun: "property",
            ..self.of_resource(logical_id, property)
        }
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
    // Only the top-level keys are kept: the file is read whole by its own reader next.
    let members = crate::policy::json::top_level_members_within(
        text.as_bytes(),
        crate::lint::input::MAX_WRAPPER_DEPTH,
    );
    match members {
        Ok(members) if terraform::is_terraform_output(&members) => Format::Terraform,
        _ => Format::Snapshot,
    }
}

/// Loads an account from a file of any format ([`detect`]). Policy paths in a snapshot are
/// relative to its folder. The same as [`Input::read`] then [`Input::account`].
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
    Input::read(path, options)?.account(options)
}

/// The account snapshot a file of any format describes, standing alone: a snapshot's policy
/// paths (relative to its folder) are replaced by their documents, a Terraform or ROS input
/// is translated. [`canonical`] prints it as `ramcheck snapshot` does. The same as
/// [`Input::read`] then [`Input::snapshot`].
///
/// # Errors
///
/// As [`load_account`]: the snapshot is checked as an account before it is returned, so what
/// comes back always loads.
///
/// ```
/// use ramcheck::source::{to_snapshot, SourceOptions};
///
/// let snapshot = to_snapshot("policies/example-account.json", &SourceOptions::default())?;
/// // A path in the file is now the document it names.
/// assert!(snapshot["policies"]["CancelHangzhou"]["Statement"].is_array());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_snapshot(
    path: impl AsRef<Path>,
    options: &SourceOptions,
) -> Result<serde_json::Value, LoadError> {
    Input::read(path, options)?.snapshot(options)
}

/// The canonical text of a JSON value: object keys sorted, two-space indentation, one space
/// after a colon, a trailing newline. The canonical text of its own parse is itself, byte for
/// byte, which is what makes `ramcheck snapshot` idempotent.
///
/// ```
/// use ramcheck::source::canonical;
///
/// let value = serde_json::json!({"users": {"alice": {}}, "account_id": "1234567890123456"});
/// let text = canonical(&value);
/// assert_eq!(text, "{\n  \"account_id\": \"1234567890123456\",\n  \"users\": {\n    \"alice\": {}\n  }\n}\n");
/// let again: serde_json::Value = serde_json::from_str(&text)?;
/// assert_eq!(canonical(&again), text);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn canonical(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value, 0);
    out.push('\n');
    out
}

/// Appends `value` at indentation `depth`. Recursive: a value parsed by `serde_json` nests at
/// most 128 deep, and a translator builds no deeper one.
fn write_canonical(out: &mut String, value: &serde_json::Value, depth: usize) {
    use serde_json::Value;
    let indent = |out: &mut String, depth: usize| {
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_canonical(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(members) if !members.is_empty() => {
            // Sorted here, whatever order the map keeps (`preserve_order` may be on in a
            // build that unifies features).
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in sorted.into_iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_canonical(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        // Scalars, `[]` and `{}`: serde_json's compact form is the canonical one.
        other => out.push_str(&other.to_string()),
    }
}

/// An account source read into memory, with the format it is in. Reading and loading are two
/// steps so that a caller sees the format first (the CLI warns about a flag the format does
/// not use).
///
/// ```
/// use ramcheck::source::{Format, Input, SourceOptions};
///
/// let options = SourceOptions::default();
/// let input = Input::read("policies/example-account.json", &options)?;
/// assert_eq!(input.format(), Format::Snapshot);
/// assert_eq!(input.account(&options)?.id(), "1234567890123456");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Input {
    bytes: Vec<u8>,
    format: Format,
    file: Option<String>,
    base: Option<PathBuf>,
}

impl Input {
    /// Reads the file at `path`, at most `options.max_file_size` bytes, and tells its format.
    ///
    /// # Errors
    ///
    /// The file cannot be read: missing, too large, or not a regular file.
    pub fn read(path: impl AsRef<Path>, options: &SourceOptions) -> Result<Input, LoadError> {
        let path = path.as_ref();
        let bytes = read_file(path, options.limit()).map_err(AccountError::Read)?;
        let file = path.display().to_string();
        Ok(Input::from_bytes(bytes, Some(&file), path.parent()))
    }

    /// An input already in memory (standard input, say): `file` names it in errors, `base` is
    /// the folder a snapshot's policy paths start from (`None`: the current directory).
    pub fn from_bytes(bytes: Vec<u8>, file: Option<&str>, base: Option<&Path>) -> Input {
        // Text that is not UTF-8 is no Terraform or ROS input; the snapshot loader says where
        // it goes wrong.
        let format = std::str::from_utf8(&bytes).map_or(Format::Snapshot, detect);
        Input {
            bytes,
            format,
            file: file.map(str::to_owned),
            base: base.map(Path::to_path_buf),
        }
    }

    /// The format it is in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The account it describes.
    ///
    /// # Errors
    ///
    /// Its Terraform or ROS content cannot be translated, or the account is invalid. An
    /// invalid account translated from Terraform or ROS is positioned in the snapshot
    /// [`Input::snapshot`] gives (`ramcheck snapshot` prints it), named `FILE (snapshot)`.
    pub fn account(&self, options: &SourceOptions) -> Result<Account, LoadError> {
        let limit = options.limit();
        match self.translate(options)? {
            None => Ok(Account::from_bytes(
                &self.bytes,
                self.base.as_deref(),
                self.file.as_deref(),
                limit,
            )?),
            Some(snapshot) => self.load_translated(&snapshot, limit),
        }
    }

    /// The account snapshot it describes, standing alone: see [`to_snapshot`].
    ///
    /// # Errors
    ///
    /// As [`Input::account`]: the snapshot is loaded as an account before it is returned.
    pub fn snapshot(&self, options: &SourceOptions) -> Result<serde_json::Value, LoadError> {
        let limit = options.limit();
        if let Some(snapshot) = self.translate(options)? {
            self.load_translated(&snapshot, limit)?;
            return Ok(snapshot);
        }
        // Checked by the one loader first, so every fault is reported as `check --account`
        // reports it; what is left can only be inlining the documents it names.
        Account::from_bytes(
            &self.bytes,
            self.base.as_deref(),
            self.file.as_deref(),
            limit,
        )?;
        let mut snapshot: serde_json::Value = serde_json::from_slice(&self.bytes)
            .map_err(|e| self.json_error("the account snapshot", &e))?;
        self.inline_documents(&mut snapshot, limit)?;
        Ok(snapshot)
    }

    /// The policy files a snapshot names (members of `policies` and roles' `trust_policy`
    /// given as paths), resolved against its folder as the loader resolves them; none for a
    /// Terraform or ROS input, whose documents are inline. For a watcher of the inputs: call it
    /// on an input that loaded, it does not check the file.
    ///
    /// ```
    /// use ramcheck::source::{Input, SourceOptions};
    ///
    /// let input = Input::read("policies/example-account.json", &SourceOptions::default())?;
    /// let files = input.policy_files();
    /// assert!(files.iter().any(|f| f.ends_with("cancel-hangzhou.json")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy_files(&self) -> Vec<PathBuf> {
        use serde_json::Value;
        if self.format != Format::Snapshot {
            return Vec::new();
        }
        let Ok(Value::Object(sections)) = serde_json::from_slice::<Value>(&self.bytes) else {
            return Vec::new();
        };
        let policies = sections.get("policies").and_then(Value::as_object);
        let roles = sections.get("roles").and_then(Value::as_object);
        let trust = roles
            .into_iter()
            .flat_map(|r| r.values())
            .filter_map(|role| role.get("trust_policy"));
        policies
            .into_iter()
            .flat_map(|p| p.values())
            .chain(trust)
            .filter_map(|entry| entry.get("document").unwrap_or(entry).as_str())
            .map(|path| match &self.base {
                Some(base) => base.join(path),
                None => PathBuf::from(path),
            })
            .collect()
    }

    /// The snapshot a Terraform or ROS input translates to; `None` for a snapshot.
    fn translate(&self, options: &SourceOptions) -> Result<Option<serde_json::Value>, LoadError> {
        let translate = match self.format {
            Format::Snapshot => return Ok(None),
            Format::Terraform => terraform::to_snapshot,
            Format::Ros => ros::to_snapshot,
        };
        let text = std::str::from_utf8(&self.bytes).map_err(|e| {
            let mut error = SourceError::new(format!(
                "the file is not UTF-8 text: invalid byte at offset {}",
                e.valid_up_to()
            ))
            .with_help("save it as UTF-8");
            error.file = self.file.clone();
            error
        })?;
        Ok(Some(translate(text, self.file.as_deref(), options)?))
    }

    /// Loads a translated snapshot from its canonical text, so that positions in an error
    /// are those `ramcheck snapshot` prints.
    fn load_translated(
        &self,
        snapshot: &serde_json::Value,
        limit: u64,
    ) -> Result<Account, LoadError> {
        let text = canonical(snapshot);
        let name = format!("{} (snapshot)", self.file.as_deref().unwrap_or("-"));
        Ok(Account::from_bytes(
            text.as_bytes(),
            self.base.as_deref(),
            Some(&name),
            limit,
        )?)
    }

    /// Replaces every policy path of a snapshot (under `policies`, and a role's
    /// `trust_policy`), bare or as the `document` of an entry with an `origin`, by the
    /// document it names.
    fn inline_documents(
        &self,
        snapshot: &mut serde_json::Value,
        limit: u64,
    ) -> Result<(), LoadError> {
        use serde_json::Value;
        let mut entries: Vec<&mut Value> = Vec::new();
        let Value::Object(sections) = snapshot else {
            return Ok(());
        };
        for (key, section) in sections.iter_mut() {
            match (key.as_str(), section) {
                ("policies", Value::Object(policies)) => entries.extend(policies.values_mut()),
                ("roles", Value::Object(roles)) => entries.extend(
                    roles
                        .values_mut()
                        .filter_map(|role| role.get_mut("trust_policy")),
                ),
                _ => {}
            }
        }
        for entry in entries {
            let document = match entry {
                Value::Object(members) if members.contains_key("document") => {
                    members.get_mut("document")
                }
                other => Some(other),
            };
            let Some(document) = document else {
                continue;
            };
            let Value::String(path) = &*document else {
                continue;
            };
            let full = match &self.base {
                Some(base) => base.join(path.as_str()),
                None => PathBuf::from(path.as_str()),
            };
            let bytes = read_file(&full, limit).map_err(AccountError::Read)?;
            *document = serde_json::from_slice(&bytes).map_err(|e| {
                let mut error = self.json_error("the policy document", &e);
                error.file = Some(full.display().to_string());
                error
            })?;
        }
        Ok(())
    }

    /// `serde_json` refusing what the loader accepted (nesting deeper than it reads, a byte
    /// order mark): an error at its place, never a silently different snapshot.
    fn json_error(&self, what: &str, e: &serde_json::Error) -> SourceError {
        let mut error = SourceError::new(format!("{what} cannot be read as plain JSON: {e}"))
            .at(Position::new(e.line().max(1), e.column().max(1)));
        error.file = self.file.clone();
        error
    }
}
