//! The compiled authorizer against the reference evaluator on fuzzed input: the first line is
//! the principal, the second the action, the third the resource, the next lines up to an empty
//! line are `KEY=VALUE` context entries, and the rest is an account snapshot. Both engines must
//! give the same decision, stage and deciding statements, or the same error; and the id the
//! compiled one resolved must be refused, never decided, by the account compiled again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramcheck::account::{Account, DecideError, Principal};
use ramcheck::authorizer::{AuthRequest, Authorizer, HandleError};
use ramcheck::condition::value::Instant;
use ramcheck::decision::{Context, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(4, '\n');
    let (Some(principal), Some(action), Some(resource), Some(rest)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return;
    };
    let (context_text, account_text) = rest.split_once("\n\n").unwrap_or(("", rest));
    let pairs: Vec<(String, String)> = context_text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let Ok(account) = Account::from_json(account_text, None, None) else {
        return;
    };
    let Ok(authorizer) = Authorizer::compile(&account) else {
        panic!("a loaded account must compile");
    };
    let now = Instant::from_unix(1_767_225_600, 0);
    // Both sides check the action and ARN before the context, so that a request wrong in
    // several ways reports the same first fault.
    let reference = (|| {
        let request = Request::new(action, resource)?;
        let mut context = Context::new();
        for (k, v) in &pairs {
            context.insert(k, v)?;
        }
        Ok::<_, ramcheck::decision::RequestError>(request.with_context(context).at(now))
    })();
    let compiled = AuthRequest::new(action, resource)
        .and_then(|r| r.with_owned_context(&pairs))
        .map(|r| r.at(now));
    let (reference, compiled) = match (reference, compiled) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            return;
        }
        (a, b) => panic!("request building disagrees: {a:?} vs {b:?}"),
    };
    let Ok(principal) = Principal::parse(principal, account.id()) else {
        return;
    };
    let expected = account.decide(&principal, None, &reference);
    let actual = authorizer
        .principal(&principal)
        .and_then(|id| authorizer.outcome(id, None, &compiled));
    if let Ok(id) = authorizer.principal(&principal) {
        let Ok(again) = Authorizer::compile_for(&account, &principal) else {
            panic!("a loaded account must compile");
        };
        assert_eq!(
            again.authorize(id, None, &compiled),
            Err(DecideError::Handle(
                HandleError::PrincipalOfAnotherAuthorizer
            ))
        );
    }
    match (expected, actual) {
        (Ok(e), Ok(a)) => {
            assert_eq!(e.decision(), a.decision());
            assert_eq!(e.stage(), a.stage());
            assert_eq!(e.deciding(), a.deciding());
        }
        (Err(e), Err(a)) => assert_eq!(e, a),
        (e, a) => panic!("engines disagree: {e:?} vs {a:?}"),
    }
});
