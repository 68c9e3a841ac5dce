//! The gateway adapter for `CancelImagePipelineExecution` (spec §1): from the raw API request to
//! an authorization answer, or to the error body the API returns.
//!
//! The API names an *execution* (`exec-...`), but RAM checks the *pipeline* it belongs to
//! (`acs:ecs:{RegionId}:{account}:imagepipeline/{pipelineId}`). The adapter validates the
//! parameters, asks the gateway's [`ExecutionResolver`] which pipeline and account own the
//! execution, builds the ARN, and decides with a compiled [`Authorizer`]. Every failure is an
//! [`ApiError`] whose [`body`](ApiError::body) serializes to the JSON error shape of Alibaba
//! Cloud APIs:
//!
//! | when | HTTP | `Code` | `Message` |
//! |---|---|---|---|
//! | `RegionId` missing or empty | 400 | `MissingRegionId` | `RegionId is mandatory for this action.` |
//! | `ExecutionId` missing or empty | 400 | `MissingExecutionId` | `ExecutionId is mandatory for this action.` |
//! | a parameter that cannot be part of an ARN | 400 | `InvalidRegionId.Malformed` / `InvalidExecutionId.Malformed` | `The specified parameter ... is not valid.` |
//! | the resolver does not know the execution | 404 | `InvalidImagePipelineExecution.NotFound` | `The specified image pipeline execution does not exist!` |
//! | RAM denies, or the caller is not a user or role of the account | 403 | `Forbidden.RAM` | `User not authorized to operate on the specified resource, or this API doesn't support RAM.` |
//! | the resolver fails, or anything else prevents a sure answer (E6) | 500 | `InternalError` | `The request processing has failed due to some unknown error, exception or failure.` |
//!
//! A denial carries an `AccessDeniedDetail` object, as RAM-integrated APIs return it:
//! `PolicyType` (the stage that denied: `ControlPolicy`, `SessionPolicy`,
//! `AccountLevelIdentityBasedPolicy`, `ResourceGroupLevelIdentityBasedPolicy`; a cross-account
//! request, which no resource-based policy can grant here, reports `ResourceBasedPolicy`),
//! `AuthAction`, `AuthPrincipalType` (`SubUser`, `AssumedRoleUser`, `Account`),
//! `AuthPrincipalDisplayName`, `AuthPrincipalOwnerId`, `NoPermissionType` (`ImplicitDeny` or
//! `ExplicitDeny`) and `EncodedDiagnosticMessage` (base64 of a JSON diagnosis: action,
//! resource, policy type, whether explicit, and the deciding statements as `policy#index`).
//! How much of the diagnosis a caller sees is the gateway's choice, per call
//! ([`CancelRequest::with_diagnostics`]): all of it ([`Diagnostics::Full`], the default), the
//! decision without the account's internals ([`Diagnostics::Redacted`]), or none
//! ([`Diagnostics::Off`]), for callers outside the organisation.
//!
//! A caller the account snapshot does not know has no policy that allows anything: a user or
//! role missing from it (deleted, or added since the snapshot) is denied as RAM denies one
//! without policies, `ImplicitDeny` at `AccountLevelIdentityBasedPolicy`; a principal of another
//! account is denied as a cross-account request, `ImplicitDeny` at `ResourceBasedPolicy` (at
//! `AccountLevelIdentityBasedPolicy` when the pipeline is its own account's, whose policies the
//! snapshot does not hold). Only text that is no principal at all is a 500: the gateway's
//! authentication handed over something it should not have.
//!
//! The [`ExecutionResolver`] is the gateway's: an in-memory table lends its executions, a
//! database or an API returns them by value, and either may fail. A failure is a 500, never a
//! 404 (the execution may well exist) and never an allow; its error is kept as the
//! [`ApiError`]'s [`source`](std::error::Error::source) for the gateway's logs, and appears
//! neither in the body nor in the error's message, since a store's errors may name hosts or
//! credentials. An execution whose pipeline id or owner cannot be part of an ARN is a 500 too.
//!
//! On the allowed path with an in-memory resolver nothing is allocated: the execution is
//! borrowed and the ARN is built in a stack buffer.
//!
//! ```
//! use std::collections::HashMap;
//! use ramcheck::authorizer::Authorizer;
//! use ramcheck::condition::value::Instant;
//! use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution};
//!
//! let authorizer = Authorizer::load("policies/example-account.json")?;
//! let mut executions = HashMap::new();
//! executions.insert("exec-1".to_owned(), Execution::new("ip-1", "1234567890123456"));
//! let now = Instant::parse("2026-01-01T00:00:00Z")?;
//! let request = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"), "user/alice", now);
//! assert!(authorize_cancel(&authorizer, &executions, &request).is_ok());
//!
//! let mut carol = request;
//! carol.principal = "user/carol";
//! let denied = authorize_cancel(&authorizer, &executions, &carol).unwrap_err();
//! assert_eq!(denied.status(), 403);
//! assert_eq!(denied.body().code(), "Forbidden.RAM");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::error::Error;
use std::sync::Arc;

use serde::Serialize;

use crate::account::principal::NameBytes;
use crate::account::{DecideError, Principal};
use crate::authorizer::{AuthDecision, AuthRequest, Authorizer, ResolveError, SessionPolicy};
use crate::condition::value::Instant;
use crate::decision::{Decision, Stage, CANCEL_IMAGE_PIPELINE_EXECUTION};

/// The raw `CancelImagePipelineExecution` call as the gateway received and authenticated it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CancelRequest<'a> {
    /// The `RegionId` parameter (required).
    pub region_id: Option<&'a str>,
    /// The `ExecutionId` parameter (required).
    pub execution_id: Option<&'a str>,
    /// The authenticated caller, in any form [`Principal::parse`] reads.
    pub principal: &'a str,
    /// The request context (`acs:SourceIp`, `acs:SecureTransport`, ...); a key may repeat.
    pub context: &'a [(&'a str, &'a str)],
    /// The request's id, echoed in error bodies as `RequestId`.
    pub request_id: Option<&'a str>,
    /// The gateway's clock: `acs:CurrentTime` unless the context gives it.
    pub now: Instant,
    /// The session policy of a role session (AssumeRole's `Policy`), which bounds it (E4).
    pub session: Option<&'a SessionPolicy>,
    /// How much a denial's `EncodedDiagnosticMessage` tells this caller.
    pub diagnostics: Diagnostics,
}

/// How much of a denial's diagnosis (`AccessDeniedDetail.EncodedDiagnosticMessage`) a caller
/// is told. The diagnosis is base64, not encrypted: whoever receives the 403 can read it, so a
/// gateway that answers callers outside the organisation redacts it or switches it off.
/// [`ApiError::deciding_statements`] keeps the whole list for the gateway's own logs in every
/// mode; the rest of `AccessDeniedDetail` (the caller's own name, account and the policy type)
/// is sent in every mode, as RAM sends it.
///
/// ```
/// use std::collections::HashMap;
/// use ramcheck::authorizer::Authorizer;
/// use ramcheck::condition::value::Instant;
/// use ramcheck::gateway::{authorize_cancel, CancelRequest, Diagnostics, Execution};
///
/// let authorizer = Authorizer::load("policies/example-account.json")?;
/// let mut executions = HashMap::new();
/// executions.insert("exec-1".to_owned(), Execution::new("ip-1", "1234567890123456"));
/// let carol = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"), "user/carol", Instant::now());
///
/// let full = authorize_cancel(&authorizer, &executions, &carol).unwrap_err();
/// let off = authorize_cancel(&authorizer, &executions, &carol.with_diagnostics(Diagnostics::Off))
///     .unwrap_err();
/// let detail = |e: &ramcheck::gateway::ApiError| e.body().access_denied_detail.clone();
/// assert!(!detail(&full).map(|d| d.encoded_diagnostic_message).unwrap_or_default().is_empty());
/// assert!(detail(&off).map(|d| d.encoded_diagnostic_message).unwrap_or_default().is_empty());
/// assert!(!serde_json::to_string(off.body())?.contains("EncodedDiagnosticMessage"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Diagnostics {
    /// Everything: `AuthAction`, `AuthResource`, `NoPermissionPolicyType`, `ExplicitDeny` and
    /// the deciding statements as `policy#index` (`DecidingStatements`). For callers of the
    /// organisation, who debug their own policies with it.
    #[default]
    Full,
    /// The decision without the account's internals: `AuthAction`,
    /// `NoPermissionPolicyType` and `ExplicitDeny`; `AuthResource` only when the resource
    /// belongs to the caller's own account (an execution of another account would name that
    /// account's pipeline); no `DecidingStatements`, which name the account's policies.
    Redacted,
    /// No `EncodedDiagnosticMessage` at all: the key is left out of `AccessDeniedDetail`.
    Off,
}

impl Diagnostics {
    /// `full`, `redacted` or `off`: the name `ramcheck serve --diagnostics` takes.
    ///
    /// ```
    /// use ramcheck::gateway::Diagnostics;
    ///
    /// assert_eq!(Diagnostics::Redacted.name(), "redacted");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Diagnostics::Full => "full",
            Diagnostics::Redacted => "redacted",
            Diagnostics::Off => "off",
        }
    }
}

impl<'a> CancelRequest<'a> {
    /// A call with these `RegionId` and `ExecutionId` parameters (`None` when the call lacks
    /// one: [`authorize_cancel`] answers it 400), by `principal`, at `now` on the gateway's
    /// clock; with an empty context and no request id until
    /// [`with_context`](CancelRequest::with_context) and
    /// [`with_request_id`](CancelRequest::with_request_id) give them.
    ///
    /// ```
    /// use ramcheck::condition::value::Instant;
    /// use ramcheck::gateway::CancelRequest;
    ///
    /// let context = [("acs:SourceIp", "10.1.2.3")];
    /// let request = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"), "user/alice", Instant::now())
    ///     .with_context(&context)
    ///     .with_request_id("req-1");
    /// assert_eq!((request.context.len(), request.request_id), (1, Some("req-1")));
    /// ```
    #[inline]
    pub fn new(
        region_id: Option<&'a str>,
        execution_id: Option<&'a str>,
        principal: &'a str,
        now: Instant,
    ) -> CancelRequest<'a> {
        CancelRequest {
            region_id,
            execution_id,
            principal,
            context: &[],
            request_id: None,
            now,
            session: None,
            diagnostics: Diagnostics::Full,
        }
    }

    /// The same call by a role session bounded by this session policy (E4): an STS
    /// credential's `Policy`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::collections::HashMap;
    /// use ramcheck::authorizer::{Authorizer, SessionPolicy};
    /// use ramcheck::condition::value::Instant;
    /// use ramcheck::decision::NamedPolicy;
    /// use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution};
    /// use ramcheck::policy::Policy;
    ///
    /// let authorizer = Authorizer::from_json(r#"{"account_id": "1234567890123456",
    ///     "roles": {"deployer": {"policies": ["AliyunECSFullAccess"]}}}"#, None, None)?;
    /// let mut executions = HashMap::new();
    /// executions.insert("exec-1".to_owned(), Execution::new("ip-1", "1234567890123456"));
    /// let only_ip2 = Policy::parse(r#"{"Version": "1", "Statement": [{"Effect": "Allow",
    ///     "Action": "ecs:*", "Resource": "acs:ecs:*:*:imagepipeline/ip-2"}]}"#)?;
    /// let session = SessionPolicy::compile(&NamedPolicy::new("session", None, Arc::new(only_ip2)))?;
    /// let request = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"),
    ///     "assumed-role/deployer/ci-42", Instant::now());
    /// assert!(authorize_cancel(&authorizer, &executions, &request).is_ok());
    /// let bounded = authorize_cancel(&authorizer, &executions, &request.with_session(&session));
    /// assert_eq!(bounded.unwrap_err().status(), 403);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn with_session(self, session: &'a SessionPolicy) -> CancelRequest<'a> {
        CancelRequest {
            session: Some(session),
            ..self
        }
    }

    /// The same call with a denial's `EncodedDiagnosticMessage` told as `diagnostics` says
    /// (see [`Diagnostics`]).
    ///
    /// ```
    /// use ramcheck::condition::value::Instant;
    /// use ramcheck::gateway::{CancelRequest, Diagnostics};
    ///
    /// let request = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"), "user/alice", Instant::now())
    ///     .with_diagnostics(Diagnostics::Redacted);
    /// assert_eq!(request.diagnostics, Diagnostics::Redacted);
    /// ```
    #[inline]
    pub fn with_diagnostics(self, diagnostics: Diagnostics) -> CancelRequest<'a> {
        CancelRequest {
            diagnostics,
            ..self
        }
    }

    /// The same call with this request context (a key may repeat).
    #[inline]
    pub fn with_context(self, context: &'a [(&'a str, &'a str)]) -> CancelRequest<'a> {
        CancelRequest { context, ..self }
    }

    /// The same call with the request's id, echoed in error bodies as `RequestId`.
    #[inline]
    pub fn with_request_id(self, request_id: &'a str) -> CancelRequest<'a> {
        CancelRequest {
            request_id: Some(request_id),
            ..self
        }
    }
}

/// What the gateway knows of an execution: its pipeline and the account that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Execution {
    /// The pipeline id, e.g. `ip-2ze5tsl5bp6nf2b3****`.
    pub pipeline_id: String,
    /// The owning account's ID.
    pub owner_account_id: String,
}

impl Execution {
    /// An execution of `pipeline_id` owned by `owner_account_id`.
    ///
    /// ```
    /// use ramcheck::gateway::Execution;
    ///
    /// let e = Execution::new("ip-1", "1234567890123456");
    /// assert_eq!(e.pipeline_id, "ip-1");
    /// ```
    pub fn new(pipeline_id: impl Into<String>, owner_account_id: impl Into<String>) -> Execution {
        Execution {
            pipeline_id: pipeline_id.into(),
            owner_account_id: owner_account_id.into(),
        }
    }
}

/// The gateway's lookup from an execution id to its pipeline and owner: an in-memory table that
/// lends its executions, or a database or API client that returns them by value and may fail.
///
/// `HashMap<String, Execution>` implements it (with any hasher), lending its entries and never
/// failing. One backed by a store returns owned executions and errors of its own:
///
/// ```
/// use std::borrow::Cow;
/// use ramcheck::authorizer::Authorizer;
/// use ramcheck::condition::value::Instant;
/// use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution, ExecutionResolver};
///
/// /// Executions kept in a database (here: one table row, and a connection that may drop).
/// struct Database { reachable: bool }
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("query failed on postgres://gateway:s3cret@db.internal")]
/// struct QueryError;
///
/// impl ExecutionResolver for Database {
///     type Error = QueryError;
///     fn execution(&self, id: &str) -> Result<Option<Cow<'_, Execution>>, QueryError> {
///         if !self.reachable {
///             return Err(QueryError);
///         }
///         Ok((id == "exec-1").then(|| Cow::Owned(Execution::new("ip-1", "1234567890123456"))))
///     }
/// }
///
/// let authorizer = Authorizer::load("policies/example-account.json")?;
/// let request = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"), "user/alice", Instant::now());
/// assert!(authorize_cancel(&authorizer, &Database { reachable: true }, &request).is_ok());
///
/// let down = authorize_cancel(&authorizer, &Database { reachable: false }, &request).unwrap_err();
/// assert_eq!((down.status(), down.body().code()), (500, "InternalError"));
/// assert!(!serde_json::to_string(down.body())?.contains("s3cret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ExecutionResolver {
    /// Why a lookup failed (the store unreachable, a timeout, ...). The call is then answered
    /// 500 `InternalError`, with the error as the [`ApiError`]'s source and nowhere else:
    /// any error type, `Box<dyn Error + Send + Sync>` and `anyhow::Error` included.
    type Error: Into<Box<dyn Error + Send + Sync>>;

    /// The execution, if it exists: [`Cow::Borrowed`] from a table the resolver holds,
    /// [`Cow::Owned`] when read from elsewhere.
    ///
    /// # Errors
    ///
    /// When the resolver cannot tell whether the execution exists.
    fn execution(&self, execution_id: &str) -> Result<Option<Cow<'_, Execution>>, Self::Error>;
}

/// Any hasher: a gateway may pick a faster one than the default for its own table.
///
/// ```
/// use std::collections::HashMap;
/// use ramcheck::gateway::{Execution, ExecutionResolver};
///
/// let mut executions = HashMap::new();
/// executions.insert("exec-1".to_owned(), Execution::new("ip-1", "1234567890123456"));
/// let found = executions.execution("exec-1")?;
/// assert_eq!(found.map(|e| e.pipeline_id.clone()).as_deref(), Some("ip-1"));
/// assert!(executions.execution("exec-2")?.is_none());
/// # Ok::<(), std::convert::Infallible>(())
/// ```
impl<S: std::hash::BuildHasher> ExecutionResolver for HashMap<String, Execution, S> {
    type Error = Infallible;

    fn execution(&self, execution_id: &str) -> Result<Option<Cow<'_, Execution>>, Infallible> {
        Ok(self.get(execution_id).map(Cow::Borrowed))
    }
}

/// An allowed request: the pipeline it was decided on, and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Granted {
    /// The compiled decision (allowed; its stage and deciding statements).
    pub decision: AuthDecision,
}

/// `AccessDeniedDetail` of a RAM denial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct AccessDeniedDetail {
    /// The policy type that denied: the stage's RAM name.
    pub policy_type: String,
    /// The RAM action checked.
    pub auth_action: String,
    /// `SubUser`, `AssumedRoleUser` (or `Account` for the account itself).
    pub auth_principal_type: String,
    /// The user's name, or `role:session` for a role session.
    pub auth_principal_display_name: String,
    /// The caller's account ID.
    pub auth_principal_owner_id: String,
    /// Base64 of a JSON diagnosis, as much of it as the call's [`Diagnostics`] allows; empty
    /// (and left out of the JSON) with [`Diagnostics::Off`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub encoded_diagnostic_message: String,
    /// `ImplicitDeny` or `ExplicitDeny`.
    pub no_permission_type: String,
}

/// The JSON error body, in Alibaba Cloud's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// The request's id, when the gateway gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The error code.
    pub code: String,
    /// The error message.
    pub message: String,
    /// For a RAM denial: what denied it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_denied_detail: Option<AccessDeniedDetail>,
}

impl ErrorBody {
    /// The error code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

/// A failed call: the HTTP status and the body to return, plus, for internal errors, the cause
/// (for the gateway's logs, never sent) and, for a resolver's failure, its error as the
/// [`source`](std::error::Error::source).
///
/// ```
/// use ramcheck::authorizer::Authorizer;
/// use ramcheck::condition::value::Instant;
/// use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution};
/// use std::collections::HashMap;
///
/// let authorizer = Authorizer::load("policies/example-account.json")?;
/// let executions: HashMap<String, Execution> = HashMap::new();
/// let request = CancelRequest::new(Some(""), Some("exec-1"), "user/alice", Instant::now())
///     .with_request_id("req-1");
/// let err = authorize_cancel(&authorizer, &executions, &request).unwrap_err();
/// assert_eq!(err.status(), 400);
/// assert_eq!(serde_json::to_string(err.body())?,
///     r#"{"RequestId":"req-1","Code":"MissingRegionId","Message":"RegionId is mandatory for this action."}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, thiserror::Error)]
#[error("{status} {}: {}", body.code, body.message)]
pub struct ApiError {
    status: u16,
    body: ErrorBody,
    cause: Option<String>,
    /// For a RAM denial, the deciding statements as `policy#index` (also in the body's
    /// encoded diagnosis), for the gateway's logs.
    deciding: Vec<String>,
    /// The resolver's own error: shared, so that the error stays `Clone`.
    #[source]
    source: Option<Arc<dyn Error + Send + Sync>>,
}

/// Equal when status, body and cause are: a resolver's errors need not be comparable, so the
/// source is not compared.
impl PartialEq for ApiError {
    fn eq(&self, other: &ApiError) -> bool {
        (self.status, &self.body, &self.cause) == (other.status, &other.body, &other.cause)
    }
}

impl Eq for ApiError {}

/// Shows whether there is a source, not what it says: a resolver's errors may name hosts or
/// credentials, and a `{:?}` is easily logged or sent without a second thought.
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("body", &self.body)
            .field("cause", &self.cause)
            .field("has_source", &self.source.is_some())
            .finish()
    }
}

impl ApiError {
    /// The HTTP status: 400, 403, 404 or 500.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body to serialize.
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// For a RAM denial, the statements that decided it, as `policy#index`: what the body's
    /// `EncodedDiagnosticMessage` lists, without decoding it. Empty for other errors and for
    /// an implicit denial.
    pub fn deciding_statements(&self) -> &[String] {
        &self.deciding
    }

    /// For a 500: what went wrong (not part of the body). For a resolver's failure it names
    /// the step only; the resolver's error is the [`source`](std::error::Error::source).
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    #[cold]
    #[inline(never)]
    fn new(status: u16, request: &CancelRequest<'_>, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                request_id: request.request_id.map(str::to_owned),
                code: code.to_owned(),
                message: message.to_owned(),
                access_denied_detail: None,
            },
            cause: None,
            deciding: Vec::new(),
            source: None,
        }
    }

    #[cold]
    #[inline(never)]
    fn internal(request: &CancelRequest<'_>, cause: String) -> ApiError {
        let mut e = ApiError::new(
            500,
            request,
            "InternalError",
            "The request processing has failed due to some unknown error, exception or failure.",
        );
        e.cause = Some(cause);
        e
    }

    /// The 500 of a resolver that failed: the step in the cause, the error as the source.
    #[cold]
    #[inline(never)]
    fn resolver_failed(
        request: &CancelRequest<'_>,
        execution_id: &str,
        error: Box<dyn Error + Send + Sync>,
    ) -> ApiError {
        let mut e = ApiError::internal(
            request,
            format!(
                "the execution resolver failed to look up `{execution_id}` (its error is this error's source)"
            ),
        );
        e.source = Some(Arc::from(error));
        e
    }
}

const FORBIDDEN_MESSAGE: &str =
    "User not authorized to operate on the specified resource, or this API doesn't support RAM.";

/// Whether a parameter can be spliced into an ARN field: no `:`, `/`, wildcards or spaces.
fn is_arn_safe(value: &str) -> bool {
    const SAFE: NameBytes = NameBytes::alphanumeric_and(b"-_.");
    SAFE.has_all(value)
}

/// Whether `text` is a numeric account ID (one or more ASCII digits), read eight bytes at a
/// time: a byte at a time, the check cost a tenth of an allowed call.
fn is_account_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n < 8 {
        return n > 0 && bytes.iter().all(u8::is_ascii_digit);
    }
    // Words from 0, 8, ..., and one ending at the last byte, which may overlap the one before
    // (a byte read twice is checked twice).
    (0..n - 8)
        .step_by(8)
        .chain(std::iter::once(n - 8))
        .all(|at| {
            bytes
                .get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .is_some_and(|w| are_digits(u64::from_le_bytes(w)))
        })
}

/// Whether all eight bytes of `word` are ASCII digits: each is `0x3N` with `N` at most 9, so
/// adding 6 leaves its high half 3 (no byte then carries into the next).
fn are_digits(word: u64) -> bool {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;
    word & HIGH == THREES && word.wrapping_add(SIXES) & HIGH == THREES
}

/// The pieces of the ARN of `pipeline_id` in `region` of `account`.
pub(crate) fn pipeline_arn<'a>(
    region: &'a str,
    account: &'a str,
    pipeline_id: &'a str,
) -> [&'a str; 6] {
    [
        "acs:ecs:",
        region,
        ":",
        account,
        ":imagepipeline/",
        pipeline_id,
    ]
}

/// [`pipeline_arn`] on the heap, for one longer than [`ArnBuf`] holds.
#[cold]
#[inline(never)]
fn heap_arn(region: &str, account: &str, pipeline_id: &str) -> String {
    pipeline_arn(region, account, pipeline_id).concat()
}

/// A stack buffer for the resource ARN.
struct ArnBuf {
    buf: [u8; 256],
    len: usize,
}

impl ArnBuf {
    /// The ARN of `pipeline_id` in `region` of `account` ([`pipeline_arn`]), if it fits:
    /// written piece by piece, since the formatting machinery costs more than the rest of an
    /// allowed call's setup.
    fn pipeline(region: &str, account: &str, pipeline_id: &str) -> Option<ArnBuf> {
        let mut arn = ArnBuf {
            buf: [0; 256],
            len: 0,
        };
        for part in pipeline_arn(region, account, pipeline_id) {
            let end = arn.len + part.len();
            arn.buf
                .get_mut(arn.len..end)?
                .copy_from_slice(part.as_bytes());
            arn.len = end;
        }
        Some(arn)
    }

    fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.buf.get(..self.len)?).ok()
    }
}

/// Validates, resolves, builds the ARN and authorizes a `CancelImagePipelineExecution` call.
///
/// # Errors
///
/// An [`ApiError`] with the status and body the API returns (see the [module](self) docs):
/// never an allow when anything goes wrong.
pub fn authorize_cancel<R: ExecutionResolver + ?Sized>(
    authorizer: &Authorizer,
    resolver: &R,
    request: &CancelRequest<'_>,
) -> Result<Granted, ApiError> {
    let region = match request.region_id {
        Some(r) if !r.is_empty() => r,
        _ => {
            return Err(ApiError::new(
                400,
                request,
                "MissingRegionId",
                "RegionId is mandatory for this action.",
            ))
        }
    };
    let execution_id = match request.execution_id {
        Some(e) if !e.is_empty() => e,
        _ => {
            return Err(ApiError::new(
                400,
                request,
                "MissingExecutionId",
                "ExecutionId is mandatory for this action.",
            ))
        }
    };
    if !is_arn_safe(region) {
        return Err(ApiError::new(
            400,
            request,
            "InvalidRegionId.Malformed",
            "The specified parameter RegionId is not valid.",
        ));
    }
    if !is_arn_safe(execution_id) {
        return Err(ApiError::new(
            400,
            request,
            "InvalidExecutionId.Malformed",
            "The specified parameter ExecutionId is not valid.",
        ));
    }
    let execution = match resolver.execution(execution_id) {
        Ok(Some(execution)) => execution,
        Ok(None) => {
            return Err(ApiError::new(
                404,
                request,
                "InvalidImagePipelineExecution.NotFound",
                "The specified image pipeline execution does not exist!",
            ))
        }
        Err(e) => return Err(ApiError::resolver_failed(request, execution_id, e.into())),
    };
    let (account, pipeline) = (&execution.owner_account_id, &execution.pipeline_id);
    // A resolver backed by a store returns whatever the store holds: a value that is not a
    // pipeline id or an account ID would make another ARN than the execution's.
    if pipeline.is_empty() || !is_arn_safe(pipeline) {
        return Err(ApiError::internal(
            request,
            format!("the execution resolver returned a pipeline id for `{execution_id}` that cannot be part of an ARN"),
        ));
    }
    if !is_account_id(account) {
        return Err(ApiError::internal(
            request,
            format!("the execution resolver returned an owner for `{execution_id}` that is not a numeric account ID"),
        ));
    }
    let arn = ArnBuf::pipeline(region, account, pipeline);
    let owned;
    let resource = match &arn {
        Some(arn) => match arn.as_str() {
            Some(text) => text,
            None => return Err(ApiError::internal(request, "the ARN is not UTF-8".into())),
        },
        None => {
            owned = heap_arn(region, account, pipeline);
            &owned
        }
    };
    let principal = match authorizer.resolve(request.principal) {
        Ok(principal) => principal,
        Err(e) => return Err(unresolved(authorizer, request, resource, account, e)),
    };
    let auth = AuthRequest::new(CANCEL_IMAGE_PIPELINE_EXECUTION, resource)
        .and_then(|r| r.with_context(request.context))
        .map_err(|e| ApiError::internal(request, e.to_string()))?
        .at(request.now);
    let decision = authorizer
        .authorize(principal, request.session, &auth)
        .map_err(|e| ApiError::internal(request, e.to_string()))?;
    if decision.is_allowed() {
        return Ok(Granted { decision });
    }
    Err(forbidden(authorizer, request, &auth, &decision))
}

/// The 403 body of a RAM denial.
#[cold]
#[inline(never)]
fn forbidden(
    authorizer: &Authorizer,
    request: &CancelRequest<'_>,
    auth: &AuthRequest<'_>,
    decision: &AuthDecision,
) -> ApiError {
    let account = authorizer.account_id();
    let policy_type = match decision.stage() {
        Stage::CrossAccount => "ResourceBasedPolicy",
        other => other.name(),
    };
    let statements = decision
        .deciding()
        .filter_map(|id| authorizer.statement_ref(id, request.session, auth).ok())
        .map(|s| format!("{}#{}", s.policy(), s.index()))
        .collect();
    denial(
        request,
        auth.resource(),
        Denied {
            policy_type,
            explicit: decision.decision() == Decision::ExplicitDeny,
            principal: Principal::parse(request.principal, account).ok(),
            owner: account,
            statements,
        },
    )
}

/// The answer for a caller that [`Authorizer::resolve`] did not find: a 403 for a user or role
/// the account lacks and for a principal of another account (neither has a policy that
/// allows), a 500 for text that is no principal at all.
#[cold]
#[inline(never)]
fn unresolved(
    authorizer: &Authorizer,
    request: &CancelRequest<'_>,
    resource: &str,
    resource_owner: &str,
    error: ResolveError,
) -> ApiError {
    let account = authorizer.account_id();
    let (principal, owner) = match &error {
        ResolveError::Unknown(DecideError::UnknownPrincipal { .. }) => (
            Principal::parse(request.principal, account).ok(),
            account.to_owned(),
        ),
        _ => match other_account(request.principal, account) {
            Some((principal, owner)) => (Some(principal), owner.to_owned()),
            None => return ApiError::internal(request, error.to_string()),
        },
    };
    // The resource's account grants nothing to another account's principals (no
    // resource-based policy applies to an image pipeline); on its own account's resources, a
    // principal has only the policies this snapshot does not hold.
    let policy_type = if resource_owner == owner {
        Stage::AccountLevelIdentityBasedPolicy.name()
    } else {
        "ResourceBasedPolicy"
    };
    denial(
        request,
        resource,
        Denied {
            policy_type,
            explicit: false,
            principal,
            owner: &owner,
            statements: Vec::new(),
        },
    )
}

/// The principal and its account, when `text` is a principal ARN of an account other than
/// `account`.
fn other_account<'t>(text: &'t str, account: &str) -> Option<(Principal, &'t str)> {
    let mut fields = text.strip_prefix("acs:")?.splitn(4, ':');
    let owner = fields.nth(2)?;
    if owner == account || !is_account_id(owner) {
        return None;
    }
    Some((Principal::parse(text, owner).ok()?, owner))
}

/// What a 403 says about a denial.
struct Denied<'a> {
    /// `PolicyType`.
    policy_type: &'a str,
    explicit: bool,
    /// The caller, when it is a principal (else it is shown as the account).
    principal: Option<Principal>,
    /// The caller's account.
    owner: &'a str,
    /// The deciding statements as `policy#index`.
    statements: Vec<String>,
}

/// The 403 `Forbidden.RAM` error with its `AccessDeniedDetail`.
fn denial(request: &CancelRequest<'_>, resource: &str, denied: Denied<'_>) -> ApiError {
    let (principal_type, display_name) = match denied.principal {
        Some(Principal::User(name)) => ("SubUser", name),
        Some(Principal::Role(role)) => ("AssumedRoleUser", role),
        Some(Principal::RoleSession { role, session }) => {
            ("AssumedRoleUser", format!("{role}:{session}"))
        }
        Some(Principal::Root) | None => ("Account", denied.owner.to_owned()),
    };
    let encoded = match request.diagnostics {
        Diagnostics::Full => crate::signature::base64(
            serde_json::json!({
                "AuthAction": CANCEL_IMAGE_PIPELINE_EXECUTION,
                "AuthResource": resource,
                "NoPermissionPolicyType": denied.policy_type,
                "ExplicitDeny": denied.explicit,
                "DecidingStatements": denied.statements,
            })
            .to_string()
            .as_bytes(),
        ),
        Diagnostics::Redacted => {
            let mut diagnosis = serde_json::json!({
                "AuthAction": CANCEL_IMAGE_PIPELINE_EXECUTION,
                "NoPermissionPolicyType": denied.policy_type,
                "ExplicitDeny": denied.explicit,
            });
            // `acs:ecs:REGION:ACCOUNT:...`: the pipeline of another account is that
            // account's business, not the caller's.
            let resource_owner = resource.split(':').nth(3);
            if let (Some(owner), serde_json::Value::Object(map)) = (resource_owner, &mut diagnosis)
            {
                if owner == denied.owner {
                    map.insert("AuthResource".into(), resource.into());
                }
            }
            crate::signature::base64(diagnosis.to_string().as_bytes())
        }
        Diagnostics::Off => String::new(),
    };
    let mut e = ApiError::new(403, request, "Forbidden.RAM", FORBIDDEN_MESSAGE);
    e.body.access_denied_detail = Some(AccessDeniedDetail {
        policy_type: denied.policy_type.to_owned(),
        auth_action: CANCEL_IMAGE_PIPELINE_EXECUTION.to_owned(),
        auth_principal_type: principal_type.to_owned(),
        auth_principal_display_name: display_name,
        auth_principal_owner_id: denied.owner.to_owned(),
        encoded_diagnostic_message: encoded,
        no_permission_type: if denied.explicit {
            "ExplicitDeny"
        } else {
            "ImplicitDeny"
        }
        .to_owned(),
    });
    e.deciding = denied.statements;
    e
}

#[cfg(test)]
mod tests;
