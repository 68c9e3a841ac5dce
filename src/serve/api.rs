//! One signed call, from the wire to an answer: the pipeline every front end (the API at `/`,
//! Envoy's HTTP and gRPC `ext_authz`, nginx's `auth_request`) runs.
//!
//! [`Server::authorize`] checks, in this order, and stops at the first refusal:
//!
//! 1. the method (`GET` or `POST`) and path (`/`), the parameters readable, the action
//!    (`x-acs-action` or `Action`: `CancelImagePipelineExecution`, else 404
//!    `InvalidAction.NotFound`) and the version (`x-acs-version` or `Version`: `2014-05-26`,
//!    else 400 `InvalidVersion`);
//! 2. a snapshot loaded (else 503 `ServiceUnavailable`: the access keys are part of it);
//! 3. the signature ([`crate::signature::verify`]: key, clock skew, signature, STS token);
//! 4. the nonce, claimed in the [`NonceStore`] (used: 400 `SignatureNonceUsed`; the store
//!    unreachable or full: 503, never unchecked);
//! 5. RAM: [`gateway::authorize_cancel`] with the credential's principal and session policy,
//!    by the authorizer of the principal's account, on the execution of `RegionId` and
//!    `ExecutionId` (the signed parameters), in the context `acs:SourceIp`,
//!    `acs:SecureTransport`, `acs:AccessId` and `acs:CurrentTime`.
//!
//! Every refusal is Alibaba Cloud's JSON error body (`RequestId`, `HostId`, `Code`, `Message`,
//! `Recommend`, and `AccessDeniedDetail` for `Forbidden.RAM`) with the HTTP status that makes
//! the official SDKs raise the right exception. Every answer counts in the [`Metrics`] and is
//! one line of the [`DecisionLog`]. Nothing that goes wrong is an allow.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant as Clock, SystemTime};

use serde::Serialize;

use super::decision_log::{DecisionLog, DecisionRecord};
use super::executions::{CancelError, Ledger};
use super::metrics::Metrics;
use super::nonce::{NonceStore, Scope};
use super::snapshot::{Snapshot, SnapshotHandle};
use crate::account::Principal;
use crate::authorizer::AuthRequest;
use crate::condition::value::Instant;
use crate::context::Context;
use crate::decision::{Decision, Request, CANCEL_IMAGE_PIPELINE_EXECUTION};
use crate::gateway::{self, AccessDeniedDetail, CancelRequest};
use crate::output::json::check_value;
use crate::output::CheckReport;
use crate::signature::{self, Algorithm, SignedRequest};

/// The one action the API answers.
pub const ACTION: &str = "CancelImagePipelineExecution";
/// The ECS API version.
pub const VERSION: &str = "2014-05-26";
/// `HostId` when the request names no host.
const DEFAULT_HOST: &str = "ecs.aliyuncs.com";

/// A call as a front end received it: the original request, whatever carried it.
///
/// ```
/// use ramcheck::serve::api::Call;
///
/// let call = Call {
///     method: "POST",
///     path: "/",
///     query: "RegionId=cn-hangzhou&ExecutionId=exec-1",
///     headers: &[("host", "ecs.aliyuncs.com")],
///     body: b"",
///     source_ip: None,
///     secure_transport: false,
/// };
/// assert_eq!(call.path, "/");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path as sent, percent-encoded, without the query.
    pub path: &'a str,
    /// The raw query string without `?`.
    pub query: &'a str,
    /// The headers; names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
    /// The client's address (`acs:SourceIp`), when the front end knows it.
    pub source_ip: Option<IpAddr>,
    /// Whether the client used TLS (`acs:SecureTransport`), as the front end says.
    pub secure_transport: bool,
}

/// The answer to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Signed, fresh, and allowed by RAM.
    Allowed(Allowed),
    /// Anything else.
    Refused(Refusal),
}

/// An allowed call: who made it and on what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The call's request id (upper-case v4 UUID).
    pub request_id: String,
    /// The caller's principal ARN.
    pub principal: String,
    /// The access key that signed the call.
    pub access_key_id: String,
    /// The `ExecutionId` parameter.
    pub execution_id: String,
    /// The account that owns the execution.
    pub account_id: String,
    /// The execution's region.
    pub region: String,
    /// The `HostId` of error bodies for this call.
    pub host: String,
}

/// A refused call: the status and Alibaba Cloud JSON body to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// The error code, e.g. `Forbidden.RAM`.
    pub code: String,
    /// The JSON body.
    pub body: String,
    /// The call's request id.
    pub request_id: String,
}

impl Refusal {
    /// A refusal with Alibaba Cloud's error body (no `AccessDeniedDetail`).
    ///
    /// ```
    /// use ramcheck::serve::api::Refusal;
    ///
    /// let r = Refusal::new(404, "InvalidAction.NotFound", "Specified api is not found.", "ID-1", None);
    /// let body: serde_json::Value = serde_json::from_str(&r.body)?;
    /// assert_eq!((body["Code"].as_str(), body["HostId"].as_str()), (Some("InvalidAction.NotFound"), Some("ecs.aliyuncs.com")));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(
        status: u16,
        code: &str,
        message: &str,
        request_id: &str,
        host: Option<&str>,
    ) -> Refusal {
        Refusal::with_detail(status, code, message, request_id, host, None)
    }

    fn with_detail(
        status: u16,
        code: &str,
        message: &str,
        request_id: &str,
        host: Option<&str>,
        detail: Option<&AccessDeniedDetail>,
    ) -> Refusal {
        let body = ErrorJson {
            request_id,
            host_id: host.unwrap_or(DEFAULT_HOST),
            code,
            message,
            recommend: format!(
                "https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={request_id}"
            ),
            access_denied_detail: detail,
        };
        Refusal {
            status,
            code: code.to_owned(),
            // A struct of strings always serializes; the fallback keeps the answer a refusal.
            body: serde_json::to_string(&body).unwrap_or_else(|_| {
                format!(r#"{{"RequestId":"{request_id}","Code":"InternalError"}}"#)
            }),
            request_id: request_id.to_owned(),
        }
    }

    /// 413 `RequestEntityTooLarge`: a body past the limit.
    pub fn too_large(request_id: &str, host: Option<&str>) -> Refusal {
        Refusal::new(
            413,
            "RequestEntityTooLarge",
            "The request body is larger than the server accepts.",
            request_id,
            host,
        )
    }

    /// 400 `InvalidParameter`: a request that cannot be read.
    pub fn unreadable(request_id: &str, host: Option<&str>, what: &str) -> Refusal {
        Refusal::new(400, "InvalidParameter", what, request_id, host)
    }

    /// 503 `ServiceUnavailable`.
    pub fn unavailable(request_id: &str, host: Option<&str>) -> Refusal {
        Refusal::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
            request_id,
            host,
        )
    }

    /// 500 `InternalError`.
    pub fn internal(request_id: &str, host: Option<&str>) -> Refusal {
        Refusal::new(
            500,
            "InternalError",
            "The request processing has failed due to some unknown error, exception or failure.",
            request_id,
            host,
        )
    }

    /// 404 `InvalidAction.NotFound`.
    pub fn no_action(request_id: &str, host: Option<&str>) -> Refusal {
        Refusal::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
            request_id,
            host,
        )
    }
}

/// Alibaba Cloud's error body, in its key order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorJson<'a> {
    request_id: &'a str,
    host_id: &'a str,
    code: &'a str,
    message: &'a str,
    recommend: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_denied_detail: Option<&'a AccessDeniedDetail>,
}

/// A new request id: a v4 UUID in upper case, as Alibaba Cloud writes them.
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_ascii_uppercase()
}

/// Everything a call needs, shared by every front end.
pub struct Server {
    /// The current snapshot (none until the first load).
    pub snapshot: Arc<SnapshotHandle>,
    /// Cancellations, across reloads.
    pub ledger: Ledger,
    /// Nonces seen within the window.
    pub nonces: NonceStore,
    /// Counters and histograms.
    pub metrics: Arc<Metrics>,
    /// The decision log, when asked for.
    pub log: Option<DecisionLog>,
    /// The largest accepted distance between a request's date and the server's clock.
    pub max_skew: Duration,
    /// How much a 403's `EncodedDiagnosticMessage` tells the caller.
    pub diagnostics: gateway::Diagnostics,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("max_skew", &self.max_skew)
            .finish_non_exhaustive()
    }
}

/// What the decision log and metrics say about one answer.
struct Record {
    access_key_id: Option<String>,
    principal: Option<String>,
    resource: Option<String>,
    decision: &'static str,
    reason: String,
    stage: Option<String>,
    statements: Vec<String>,
}

impl Record {
    /// A call refused before a decision: `Error`, with its code as the reason.
    fn error(code: &str) -> Record {
        Record {
            access_key_id: None,
            principal: None,
            resource: None,
            decision: "Error",
            reason: code.to_owned(),
            stage: None,
            statements: Vec::new(),
        }
    }
}

/// A refusal before a decision, with its record.
fn refuse(refusal: Refusal) -> (Outcome, Record) {
    let record = Record::error(&refusal.code);
    (Outcome::Refused(refusal), record)
}

/// A parameter's first value in a raw query or form text, decoded; `Err` on bad encoding.
fn raw_parameter(text: &str, name: &str) -> Result<Option<String>, ()> {
    let decode_component =
        |raw: &str, what: &str| signature::decode_component(raw, what).map_err(|_| ());
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if decode_component(key, "")? == name {
            return decode_component(value, "").map(Some);
        }
    }
    Ok(None)
}

/// Whether the body is a form whose parameters count.
fn is_form(headers: &[(&str, &str)]) -> bool {
    signature::header(headers, "content-type").is_some_and(|t| {
        t.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

/// The value of a header, else of a parameter (query, then form body).
fn header_or_parameter(call: &Call<'_>, header: &str, name: &str) -> Result<Option<String>, ()> {
    if let Some(v) = signature::header(call.headers, header) {
        return Ok(Some(v.to_owned()));
    }
    if let Some(v) = raw_parameter(call.query, name)? {
        return Ok(Some(v));
    }
    if is_form(call.headers) {
        let body = std::str::from_utf8(call.body).map_err(|_| ())?;
        return raw_parameter(body, name);
    }
    Ok(None)
}

/// The value of `header`, else of the parameter `name`, as the signature covers it (`None`
/// when the two disagree). ACS3 signs every `x-acs-*` header the request has, and its
/// parameters; the RPC signature signs only the parameters, so beside it the header counts only
/// when the parameter says the same: an unsigned `x-acs-action` must not turn a signed
/// `Describe...` into a cancel.
fn signed_value<'a>(
    call: &Call<'a>,
    verified: &'a signature::Verified,
    header: &str,
    name: &str,
) -> Option<&'a str> {
    match (
        signature::header(call.headers, header),
        verified.parameter(name),
    ) {
        (Some(header), Some(parameter)) if header != parameter => None,
        (Some(header), None) if verified.algorithm == Algorithm::Acs3HmacSha256 => Some(header),
        (Some(_), None) => None,
        (_, parameter) => parameter,
    }
}

/// How long a nonce of a request dated `date` must be kept at `now`: until the date is more
/// than `max_skew` behind the clock, plus a second, so that neither a store's whole seconds nor
/// a small step of the clock opens a gap before the date refuses the request.
fn nonce_window(date: SystemTime, now: SystemTime, max_skew: Duration) -> Duration {
    date.checked_add(max_skew)
        .and_then(|until| until.duration_since(now).ok())
        .unwrap_or(Duration::ZERO)
        .saturating_add(Duration::from_secs(1))
}

/// The host of the call, as `HostId`.
fn host<'a>(call: &Call<'a>) -> Option<&'a str> {
    signature::header(call.headers, "host").filter(|h| !h.is_empty())
}

impl Server {
    /// Runs the checks of the [module](self) on a call for a gateway (`ext_authz`,
    /// `auth_request`), which only decides; counts it and logs the decision.
    pub async fn authorize(&self, call: &Call<'_>) -> Outcome {
        self.authorize_in(Scope::Gateway, call).await
    }

    /// [`authorize`](Server::authorize) with the nonce claimed in `scope`: the API at `/`,
    /// which carries the call out, claims in [`Scope::Api`]; the gateway checks, which only
    /// decide, in [`Scope::Gateway`]. So a call a gateway let through may reach this server
    /// as the API too, while each signed request is carried out once.
    pub async fn authorize_in(&self, scope: Scope, call: &Call<'_>) -> Outcome {
        let started = Clock::now();
        let request_id = request_id();
        let host = host(call);
        let (outcome, record) = self.decide(scope, call, &request_id, host).await;
        if let Outcome::Refused(r) = &outcome {
            tracing::debug!(request_id, status = r.status, code = %r.code, "refused");
        }
        self.account(&request_id, &record, started);
        outcome
    }

    /// Counts a call refused by a front end before [`authorize`](Server::authorize) could
    /// read it (a body past the limit, a request that is not HTTP the server can read), and
    /// logs it as a decision `Error`.
    pub fn refused_early(&self, refusal: &Refusal) {
        let record = Record::error(&refusal.code);
        self.account(&refusal.request_id, &record, Clock::now());
    }

    /// Carries out an allowed cancel on the executions table: `{"RequestId": ...}`, or 400
    /// `InvalidStatus.CancelFailed` for an execution that is not running, 404 for one a reload
    /// removed since the decision, 503 when there is no snapshot.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] to answer with.
    pub async fn cancel(&self, allowed: &Allowed) -> Result<String, Refusal> {
        let (id, host) = (allowed.request_id.as_str(), Some(allowed.host.as_str()));
        let Some(snapshot) = self.snapshot.current() else {
            return Err(Refusal::unavailable(id, host));
        };
        // A reload since the decision may have moved the execution: cancel only the one RAM
        // decided on.
        let decided = snapshot
            .executions
            .get(&allowed.execution_id)
            .is_some_and(|e| e.account_id == allowed.account_id && e.region == allowed.region);
        let result = if decided {
            self.ledger
                .cancel(&snapshot.executions, &allowed.execution_id)
        } else {
            Err(CancelError::NotFound)
        };
        match result {
            Ok(()) => Ok(serde_json::json!({ "RequestId": id }).to_string()),
            Err(CancelError::NotFound) => Err(Refusal::new(
                404,
                "InvalidImagePipelineExecution.NotFound",
                "The specified image pipeline execution does not exist!",
                id,
                host,
            )),
            Err(_) => Err(Refusal::new(
                400,
                "InvalidStatus.CancelFailed",
                "The current status of the image pipeline execution does not support this operation.",
                id,
                host,
            )),
        }
    }

    /// Counts the answer and writes its decision log line.
    fn account(&self, request_id: &str, record: &Record, started: Clock) {
        let elapsed = started.elapsed();
        self.metrics.decision(
            record.decision,
            record.stage.as_deref().unwrap_or("none"),
            elapsed.as_secs_f64(),
        );
        if let Some(log) = &self.log {
            log.record(&DecisionRecord {
                time: SystemTime::now(),
                request_id,
                access_key_id: record.access_key_id.as_deref(),
                principal: record.principal.as_deref(),
                action: Some(CANCEL_IMAGE_PIPELINE_EXECUTION),
                resource: record.resource.as_deref(),
                decision: record.decision,
                reason: &record.reason,
                stage: record.stage.as_deref(),
                statements: record.statements.clone(),
                latency_us: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            });
        }
    }

    /// Steps 1 to 4, then [`ram`](Server::ram).
    async fn decide(
        &self,
        scope: Scope,
        call: &Call<'_>,
        request_id: &str,
        host: Option<&str>,
    ) -> (Outcome, Record) {
        if !matches!(call.method, "GET" | "POST") || call.path != "/" {
            return refuse(Refusal::no_action(request_id, host));
        }
        let Ok(action) = header_or_parameter(call, "x-acs-action", "Action") else {
            return refuse(Refusal::unreadable(
                request_id,
                host,
                "The request's parameters are not valid percent-encoded UTF-8.",
            ));
        };
        if action.as_deref() != Some(ACTION) {
            return refuse(Refusal::no_action(request_id, host));
        }
        let version = header_or_parameter(call, "x-acs-version", "Version").unwrap_or(None);
        if version.as_deref() != Some(VERSION) {
            return refuse(Refusal::new(
                400,
                "InvalidVersion",
                "Specified parameter Version is not valid.",
                request_id,
                host,
            ));
        }
        let Some(snapshot) = self.snapshot.current() else {
            return refuse(Refusal::unavailable(request_id, host));
        };
        let signed = SignedRequest {
            method: call.method,
            path: call.path,
            query: call.query,
            headers: call.headers,
            body: call.body,
        };
        let now = SystemTime::now();
        let verified = match signature::verify(&signed, &snapshot.credentials, now, self.max_skew) {
            Ok(v) => v,
            Err(e) => {
                self.metrics.signature_failure(e.code());
                return refuse(Refusal::new(
                    e.status(),
                    e.code(),
                    &e.message(),
                    request_id,
                    host,
                ));
            }
        };
        if signed_value(call, &verified, "x-acs-action", "Action") != Some(ACTION) {
            return refuse(Refusal::no_action(request_id, host));
        }
        if signed_value(call, &verified, "x-acs-version", "Version") != Some(VERSION) {
            return refuse(Refusal::new(
                400,
                "InvalidVersion",
                "Specified parameter Version is not valid.",
                request_id,
                host,
            ));
        }
        // A request is accepted while its date is within the skew of the server's clock: its
        // nonce is kept until the date leaves that window (at most twice the skew from now),
        // when the date itself refuses a replay.
        let window = nonce_window(verified.timestamp, now, self.max_skew);
        match self
            .nonces
            .claim(scope, &verified.access_key_id, &verified.nonce, window)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                self.metrics.signature_failure("SignatureNonceUsed");
                return refuse(Refusal::new(
                    400,
                    "SignatureNonceUsed",
                    "Specified signature nonce was used already.",
                    request_id,
                    host,
                ));
            }
            Err(e) => {
                tracing::warn!(request_id, error = %e, "the nonce store cannot be used: refusing the call");
                return refuse(Refusal::unavailable(request_id, host));
            }
        }
        self.ram(call, &snapshot, &verified, request_id, host)
    }

    /// Step 5: RAM, through the gateway adapter.
    fn ram(
        &self,
        call: &Call<'_>,
        snapshot: &Snapshot,
        verified: &signature::Verified,
        request_id: &str,
        host: Option<&str>,
    ) -> (Outcome, Record) {
        let key = verified.access_key_id.as_str();
        let Some(credential) = snapshot.credentials.get(key) else {
            tracing::error!(request_id, "a verified access key is not in the snapshot");
            return refuse(Refusal::internal(request_id, host));
        };
        let Some(authorizer) = snapshot.authorizer(&credential.account_id) else {
            tracing::error!(request_id, account = %credential.account_id, "no authorizer for the credential's account");
            return refuse(Refusal::internal(request_id, host));
        };
        let region = verified.parameter("RegionId");
        let execution_id = verified.parameter("ExecutionId");
        let source_ip = call.source_ip.map(|ip| ip.to_string());
        // `acs:CurrentTime` is the request's clock (`CancelRequest::now`), which the
        // authorizer reads when the context does not give it.
        let now = Instant::now();
        let mut context: Vec<(&str, &str)> = Vec::with_capacity(4);
        if let Some(ip) = &source_ip {
            context.push(("acs:SourceIp", ip));
        }
        let secure = if call.secure_transport {
            "true"
        } else {
            "false"
        };
        context.push(("acs:SecureTransport", secure));
        context.push(("acs:AccessId", key));
        let session = credential.session_policy.as_deref();
        let mut request = CancelRequest::new(region, execution_id, &credential.principal, now)
            .with_context(&context)
            .with_request_id(request_id)
            .with_diagnostics(self.diagnostics);
        if let Some(session) = session {
            request = request.with_session(session);
        }
        let resolver = snapshot.executions.in_region(region.unwrap_or(""));
        let execution = execution_id
            .and_then(|id| snapshot.executions.get(id))
            .filter(|e| Some(e.region.as_str()) == region);
        let resource = execution
            .map(|e| gateway::pipeline_arn(&e.region, &e.account_id, &e.pipeline_id).concat());
        let mut record = Record {
            access_key_id: Some(key.to_owned()),
            principal: Some(credential.principal.clone()),
            resource,
            decision: "Error",
            reason: String::new(),
            stage: None,
            statements: Vec::new(),
        };
        match gateway::authorize_cancel(authorizer, &resolver, &request) {
            Ok(granted) => {
                let (Some(execution_id), Some(execution)) = (execution_id, execution) else {
                    // Allowed on an execution this table does not hold: never an allow.
                    tracing::error!(request_id, "allowed on an execution the table lacks");
                    return refuse(Refusal::internal(request_id, host));
                };
                if let Some(arn) = &record.resource {
                    if let Ok(auth) = AuthRequest::new(CANCEL_IMAGE_PIPELINE_EXECUTION, arn)
                        .and_then(|r| r.with_context(&context))
                    {
                        let auth = auth.at(now);
                        record.statements = granted
                            .decision
                            .deciding()
                            .filter_map(|id| authorizer.statement_ref(id, session, &auth).ok())
                            .map(|s| format!("{}#{}", s.policy(), s.index()))
                            .collect();
                    }
                }
                record.decision = "Allow";
                record.reason = Decision::Allow.reason().to_owned();
                record.stage = Some(granted.decision.stage().name().to_owned());
                let allowed = Allowed {
                    request_id: request_id.to_owned(),
                    principal: credential.principal.clone(),
                    access_key_id: key.to_owned(),
                    execution_id: execution_id.to_owned(),
                    account_id: execution.account_id.clone(),
                    region: execution.region.clone(),
                    host: host.unwrap_or(DEFAULT_HOST).to_owned(),
                };
                (Outcome::Allowed(allowed), record)
            }
            Err(e) => {
                if e.status() == 500 {
                    tracing::error!(
                        request_id,
                        cause = e.cause().unwrap_or(""),
                        "internal error"
                    );
                }
                let detail = e.body().access_denied_detail.as_ref();
                let refusal = Refusal::with_detail(
                    e.status(),
                    e.body().code(),
                    &e.body().message,
                    request_id,
                    host,
                    detail,
                );
                if let Some(detail) = detail {
                    let decision = if detail.no_permission_type == "ExplicitDeny" {
                        Decision::ExplicitDeny
                    } else {
                        Decision::ImplicitDeny
                    };
                    record.decision = decision_name(decision);
                    record.reason = decision.reason().to_owned();
                    record.stage = Some(detail.policy_type.clone());
                    record.statements = e.deciding_statements().to_vec();
                }
                if record.decision == "Error" {
                    record.reason = refusal.code.clone();
                }
                (Outcome::Refused(refusal), record)
            }
        }
    }
}

/// `Allow`, `ExplicitDeny` or `ImplicitDeny`: a decision as metrics and the log name it.
fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "Allow",
        Decision::ExplicitDeny => "ExplicitDeny",
        Decision::ImplicitDeny => "ImplicitDeny",
    }
}

/// Why `POST /v1/decide` has no decision.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecideError {
    /// The body is not the expected JSON object.
    #[error("the body is not a decision request: {0}; expected {{\"principal\": \"user/ci\", \"action\": \"ecs:CancelImagePipelineExecution\", \"resource\": \"acs:ecs:...\", \"context\": {{\"acs:SourceIp\": \"10.0.0.1\"}}}}")]
    Body(String),
    /// The principal, action, resource or context cannot be decided on.
    #[error("{0}")]
    Request(String),
    /// No snapshot is loaded yet.
    #[error("no snapshot is loaded yet: try again once `/readyz` answers 200")]
    NotReady,
    /// The authorizer failed.
    #[error("the decision failed: {0}")]
    Internal(String),
}

impl DecideError {
    /// The HTTP status: 400, 503 or 500.
    pub fn status(&self) -> u16 {
        match self {
            DecideError::Body(_) | DecideError::Request(_) => 400,
            DecideError::NotReady => 503,
            DecideError::Internal(_) => 500,
        }
    }
}

/// The body of `POST /v1/decide`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    principal: String,
    action: String,
    resource: String,
    #[serde(default)]
    context: serde_json::Map<String, serde_json::Value>,
}

/// A context value as text: a string, number or boolean, or a list of them.
fn context_values(key: &str, value: &serde_json::Value) -> Result<Vec<String>, DecideError> {
    use serde_json::Value;
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(DecideError::Body(format!(
            "context `{key}`: expected a string, number, boolean or a list of them, found `{v}`"
        ))),
    };
    match value {
        Value::Array(list) => list.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

impl Server {
    /// `POST /v1/decide`: `{"principal", "action", "resource", "context"}` decided by the
    /// authorizer of the principal's account (the only account when the principal is in a
    /// short form), as the `check --format json` object. Counted and logged like every call.
    ///
    /// # Errors
    ///
    /// A [`DecideError`] for a body that is not such an object, a principal of no loaded
    /// account, a request that cannot be decided, or no snapshot yet.
    pub fn decide_json(&self, body: &[u8]) -> Result<serde_json::Value, DecideError> {
        let started = Clock::now();
        let request_id = request_id();
        let mut record = Record::error("InvalidRequest");
        let result = self.decide_json_inner(body, &mut record);
        if let Err(e) = &result {
            record.reason = match e {
                DecideError::NotReady => "ServiceUnavailable".to_owned(),
                DecideError::Internal(_) => "InternalError".to_owned(),
                _ => "InvalidParameter".to_owned(),
            };
        }
        self.account(&request_id, &record, started);
        result
    }

    fn decide_json_inner(
        &self,
        body: &[u8],
        record: &mut Record,
    ) -> Result<serde_json::Value, DecideError> {
        let body: DecideBody =
            serde_json::from_slice(body).map_err(|e| DecideError::Body(e.to_string()))?;
        record.principal = Some(body.principal.clone());
        record.resource = Some(body.resource.clone());
        let snapshot = self.snapshot.current().ok_or(DecideError::NotReady)?;
        let account = principal_account(&body.principal, &snapshot)?;
        let authorizer = snapshot.authorizer(&account).ok_or_else(|| {
            DecideError::Request(format!(
                "principal `{}`: the account `{account}` is not loaded; give a principal ARN of a loaded account",
                body.principal
            ))
        })?;
        let principal = Principal::parse(&body.principal, &account)
            .map_err(|e| DecideError::Request(format!("principal `{}`: {e}", body.principal)))?;
        let arn = principal.arn(&account);
        record.principal = Some(arn.clone());
        let id = authorizer
            .resolve(&arn)
            .map_err(|e| DecideError::Request(format!("principal `{arn}`: {e}")))?;
        let mut pairs = Vec::new();
        let mut context = Context::new();
        for (key, value) in &body.context {
            for v in context_values(key, value)? {
                context
                    .insert(key, &v)
                    .map_err(|e| DecideError::Request(e.to_string()))?;
                pairs.push((key.clone(), v));
            }
        }
        let now = Instant::now();
        let auth = AuthRequest::new(&body.action, &body.resource)
            .and_then(|r| r.with_owned_context(&pairs))
            .map_err(|e| DecideError::Request(e.to_string()))?
            .at(now);
        let request = Request::new(&body.action, &body.resource)
            .map_err(|e| DecideError::Request(e.to_string()))?
            .with_context(context)
            .at(now);
        let outcome = authorizer
            .outcome(id, None, &auth)
            .map_err(|e| DecideError::Internal(e.to_string()))?;
        record.decision = decision_name(outcome.decision());
        record.reason = outcome.decision().reason().to_owned();
        record.stage = Some(outcome.stage().name().to_owned());
        record.statements = outcome
            .deciding()
            .iter()
            .map(|s| format!("{}#{}", s.policy(), s.index()))
            .collect();
        Ok(check_value(&CheckReport::new(
            &request,
            Some(&arn),
            &outcome,
            &[],
        )))
    }
}

/// The account of a principal: the one its ARN names, else the only account loaded.
fn principal_account(principal: &str, snapshot: &Snapshot) -> Result<String, DecideError> {
    if let Some(rest) = principal.strip_prefix("acs:ram::") {
        if let Some((account, _)) = rest.split_once(':') {
            return Ok(account.to_owned());
        }
    }
    match snapshot.account_ids().as_slice() {
        [only] => Ok((*only).to_owned()),
        _ => Err(DecideError::Request(format!(
            "principal `{principal}`: with several accounts loaded, give the principal's ARN (`acs:ram::ACCOUNT:user/NAME`)"
        ))),
    }
}

#[cfg(test)]
mod tests;
