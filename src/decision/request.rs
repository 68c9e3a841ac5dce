//! A request to decide: the action, the resource ARN and the context, digested once.

use crate::context::{Context, RequestError};
use crate::matching::ResourceArn;
use crate::vocabulary::Instant;

/// The action ramcheck exists for, and the CLI's default.
pub const CANCEL_IMAGE_PIPELINE_EXECUTION: &str = "ecs:CancelImagePipelineExecution";

/// A request: an action on one resource, with its context. Build one per request; deciding
/// borrows it.
///
/// ```
/// use ramcheck::decision::Request;
///
/// let request = Request::new(
///     "ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
/// )?;
/// assert_eq!(request.resource().region(), "cn-hangzhou");
/// assert!(Request::new("ecs:CancelImagePipelineExecution", "imagepipeline/ip-1").is_err());
/// # Ok::<(), ramcheck::decision::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    action: String,
    resource: ResourceArn,
    context: Context,
    now: Instant,
}

impl Request {
    /// A request for `action` (`<ram-code>:<name>`, no wildcards) on the resource `arn` (M4),
    /// with an empty context, at the current time.
    pub fn new(action: &str, arn: &str) -> Result<Request, RequestError> {
        validate_action(action)?;
        Ok(Request {
            action: action.to_owned(),
            resource: ResourceArn::parse(arn)?,
            context: Context::new(),
            now: Instant::now(),
        })
    }

    /// The same request with this context.
    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }

    /// The same request at another time: `acs:CurrentTime` when the context does not give it
    /// (C8).
    pub fn at(mut self, now: Instant) -> Request {
        self.now = now;
        self
    }

    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource.
    pub fn resource(&self) -> &ResourceArn {
        &self.resource
    }

    /// The context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The time `acs:CurrentTime` defaults to.
    pub fn now(&self) -> Instant {
        self.now
    }

    pub(crate) fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }
}

/// The action rules of a request; the byte length of its RAM code on success.
pub(crate) fn validate_action(action: &str) -> Result<usize, RequestError> {
    let bad = |why: &str| RequestError::InvalidAction {
        action: action.to_owned(),
        reason: why.to_owned(),
    };
    let Some((service, name)) = action.split_once(':') else {
        return Err(bad(
            "expected `<ram-code>:<action-name>`, e.g. `ecs:CancelImagePipelineExecution`",
        ));
    };
    if service.is_empty() || name.is_empty() || name.contains(':') {
        return Err(bad(
            "expected `<ram-code>:<action-name>`, e.g. `ecs:CancelImagePipelineExecution`",
        ));
    }
    if action.contains(['*', '?']) {
        return Err(bad("a request names one action, never a pattern"));
    }
    if action.chars().any(char::is_whitespace) {
        return Err(bad("an action has no spaces"));
    }
    Ok(service.len())
}
