//! Any bytes as an account snapshot: loading never panics, and whatever loads also compiles.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramcheck::account::Account;
use ramcheck::authorizer::Authorizer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // No base folder: policy paths resolve against the working directory, as in the CLI.
    if let Ok(account) = Account::from_json(text, None, Some("fuzz.json")) {
        assert!(Authorizer::compile(&account).is_ok());
    }
});
