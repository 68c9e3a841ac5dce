//! Credentials file tests: every fault with its place and fix, principals normalised to their
//! ARN, STS credentials with their session policy (E4), warnings, and secrets kept out of
//! every text.

use std::path::{Path, PathBuf};

use super::*;
use crate::authorizer::Authorizer;

const ID: &str = "1234567890123456";
const OTHER: &str = "6543210987654321";

/// A folder holding `credentials.json` with `text`, and the other files given.
fn folder(text: &str, others: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, text).expect("write");
    set_mode(&path, 0o600);
    for (name, content) in others {
        std::fs::write(dir.path().join(name), content).expect("write");
    }
    (dir, path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn example() -> Authorizer {
    Authorizer::load("policies/example-account.json").expect("example account")
}

fn load_ok(text: &str) -> (Credentials, Vec<String>) {
    let (_dir, path) = folder(text, &[]);
    let account = example();
    Credentials::load_checked(&path, &[&account], 1 << 20).expect("loads")
}

/// The error of loading `text` against the example account, with the file's folder removed
/// from its text so that it reads as `credentials.json:LINE:COLUMN: ...`.
fn load_err(text: &str, accounts: &[&str]) -> (String, Option<String>) {
    let (dir, path) = folder(text, &[]);
    let e = Credentials::load(&path, accounts).expect_err("does not load");
    let prefix = format!("{}/", dir.path().display());
    (
        e.to_string().replace(&prefix, ""),
        e.help().map(str::to_owned),
    )
}

/// `credentials.json:LINE:COLUMN` of the first `needle` in `text` (ASCII), computed rather
/// than counted by hand.
fn at(text: &str, needle: &str) -> String {
    let offset = text.find(needle).expect("needle in text");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = offset - before.rfind('\n').map_or(0, |n| n + 1) + 1;
    format!("credentials.json:{line}:{column}")
}

fn entry(body: &str) -> String {
    format!(r#"{{"access_keys": [{{{body}}}]}}"#)
}

#[test]
fn short_and_full_principals_become_the_full_arn() {
    let (c, _) = load_ok(&format!(
        r#"{{"access_keys": [
        {{"id": "AK1", "secret": "s1", "principal": "user/alice"}},
        {{"id": "AK2", "secret": "s2", "principal": "acs:ram::{ID}:role/deployer"}},
        {{"id": "AK3", "secret": "s3", "principal": "root"}}]}}"#
    ));
    let arn = |id: &str| c.get(id).map(|k| k.principal.clone());
    assert_eq!(
        arn("AK1").as_deref(),
        Some("acs:ram::1234567890123456:user/alice")
    );
    assert_eq!(
        arn("AK2").as_deref(),
        Some("acs:ram::1234567890123456:role/deployer")
    );
    assert_eq!(
        arn("AK3").as_deref(),
        Some("acs:ram::1234567890123456:root")
    );
    assert_eq!(c.get("AK1").map(|k| k.account_id.as_str()), Some(ID));
    assert_eq!(c.len(), 3);
}

#[test]
fn sts_session_principal_under_sts_service_is_normalised_to_ram() {
    let (c, _) = load_ok(&entry(&format!(
        r#""id": "STS.1", "secret": "s", "security_token": "t", "principal": "acs:sts::{ID}:assumed-role/deployer/s1""#
    )));
    let k = c.get("STS.1").expect("loaded");
    assert_eq!(
        k.principal,
        format!("acs:ram::{ID}:assumed-role/deployer/s1")
    );
    assert_eq!(k.security_token.as_deref(), Some("t"));
}

#[test]
fn access_keys_give_the_secret_and_token_to_the_verifier() {
    let (c, _) = load_ok(&entry(
        r#""id": "STS.1", "secret": "s3cr3t", "security_token": "tok", "principal": "assumed-role/deployer/s1""#,
    ));
    let key = c.access_key("STS.1").expect("known");
    assert_eq!(key.secret, b"s3cr3t");
    assert_eq!(key.security_token, Some("tok"));
    assert!(c.access_key("STS.2").is_none());
}

#[test]
fn unknown_key_is_positioned_with_did_you_mean() {
    let text = "{\"access_keys\": [\n  {\"id\": \"AK1\", \"secrett\": \"x\", \"principal\": \"user/alice\"}]}";
    let (e, help) = load_err(text, &[ID]);
    let expected = format!(
        "{}: unknown key `secrett` in an access key",
        at(text, "\"secrett")
    );
    assert_eq!(e, expected);
    assert_eq!(help.as_deref(), Some("did you mean `secret`?"));
}

#[test]
fn unknown_top_level_key_is_an_error() {
    let text = r#"{"access_key": []}"#;
    let (e, help) = load_err(text, &[ID]);
    let expected = format!(
        "{}: unknown key `access_key` in the credentials file",
        at(text, "\"access_key")
    );
    assert_eq!(e, expected);
    assert_eq!(help.as_deref(), Some("did you mean `access_keys`?"));
}

#[test]
fn missing_access_keys_is_an_error() {
    let (e, _) = load_err("{}", &[ID]);
    assert_eq!(
        e,
        "credentials.json:1:1: the credentials file has no `access_keys`"
    );
}

#[test]
fn not_json_is_positioned() {
    let text = "{\"access_keys\": [\n  {\"id\": \"AK1\",,}]}";
    let (e, _) = load_err(text, &[ID]);
    assert!(e.starts_with(&format!("{}: ", at(text, ",}"))), "{e}");
}

#[test]
fn repeated_key_is_an_error() {
    let text = entry(r#""id": "AK1", "id": "AK2", "secret": "s", "principal": "user/alice""#);
    let (e, _) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: duplicate key `id` in an access key",
        at(&text, "\"id\": \"AK2")
    );
    assert_eq!(e, expected);
}

#[test]
fn both_secret_and_secret_env_is_an_error() {
    let text = entry(r#""id": "AK1", "secret": "s", "secret_env": "X", "principal": "user/alice""#);
    let (e, help) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: an access key has both `secret` and `secret_env`",
        at(&text, "\"X\"")
    );
    assert_eq!(e, expected);
    assert!(help.is_some_and(|h| h.contains("keep one")));
}

#[test]
fn neither_secret_nor_secret_env_is_an_error() {
    let text = entry(r#""id": "AK1", "principal": "user/alice""#);
    let (e, _) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: an access key has neither `secret` nor `secret_env`",
        at(&text, "{\"id")
    );
    assert_eq!(e, expected);
}

#[test]
fn secret_env_reads_the_variable() {
    let var = "RAMCHECK_TEST_SECRET_ENV_SET";
    std::env::set_var(var, "from-the-environment");
    let (c, warnings) = load_ok(&entry(&format!(
        r#""id": "AK1", "secret_env": "{var}", "principal": "user/alice""#
    )));
    assert_eq!(
        c.access_key("AK1").map(|k| k.secret),
        Some(&b"from-the-environment"[..])
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn secret_env_unset_names_the_variable() {
    let var = "RAMCHECK_TEST_NEVER_SET";
    let text = entry(&format!(
        r#""id": "AK1", "secret_env": "{var}", "principal": "user/alice""#
    ));
    let (e, help) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: the environment variable `{var}` is not set",
        at(&text, "\"RAMCHECK")
    );
    assert_eq!(e, expected);
    assert!(help.is_some_and(|h| h.contains(&format!("set `{var}`"))));
}

#[test]
fn secret_env_empty_is_an_error() {
    let var = "RAMCHECK_TEST_SECRET_ENV_EMPTY";
    std::env::set_var(var, "");
    let text = entry(&format!(
        r#""id": "AK1", "secret_env": "{var}", "principal": "user/alice""#
    ));
    let (e, _) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: the environment variable `{var}` is empty",
        at(&text, "\"RAMCHECK")
    );
    assert_eq!(e, expected);
}

#[test]
fn empty_secret_is_an_error() {
    let text = entry(r#""id": "AK1", "secret": "", "principal": "user/alice""#);
    let (e, _) = load_err(&text, &[ID]);
    assert_eq!(e, format!("{}: `secret` is empty", at(&text, "\"\"")));
}

#[test]
fn invalid_access_key_id_is_an_error() {
    let text = entry(r#""id": "AK 1", "secret": "s", "principal": "user/alice""#);
    let (e, _) = load_err(&text, &[ID]);
    assert_eq!(
        e,
        format!("{}: invalid access key id `AK 1`", at(&text, "\"AK 1"))
    );
}

#[test]
fn duplicate_access_key_ids_are_an_error() {
    let text = "{\"access_keys\": [\n{\"id\": \"AK1\", \"secret\": \"a\", \"principal\": \"user/alice\"},\n{\"id\": \"AK1\", \"secret\": \"b\", \"principal\": \"user/bob\"}]}";
    let (e, help) = load_err(text, &[ID]);
    let second = at(text, "{\"id\": \"AK1\", \"secret\": \"b");
    assert_eq!(
        e,
        format!("{second}: the access key `AK1` is given twice (first at line 2)")
    );
    assert_eq!(help.as_deref(), Some("give each access key id once"));
}

#[test]
fn short_principal_with_two_accounts_asks_for_the_arn() {
    let text = entry(r#""id": "AK1", "secret": "s", "principal": "user/alice""#);
    let (e, help) = load_err(&text, &[ID, OTHER]);
    let expected = format!(
        "{}: the principal `user/alice` does not say its account, and 2 accounts are loaded",
        at(&text, "\"user/")
    );
    assert_eq!(e, expected);
    assert_eq!(
        help.as_deref(),
        Some("give the full ARN, e.g. `acs:ram::1234567890123456:user/alice`")
    );
}

#[test]
fn full_principal_with_two_accounts_picks_its_account() {
    let (_dir, path) = folder(
        &entry(&format!(
            r#""id": "AK1", "secret": "s", "principal": "acs:ram::{OTHER}:user/ops""#
        )),
        &[],
    );
    let (c, _) = Credentials::load(&path, &[ID, OTHER]).expect("loads");
    assert_eq!(c.get("AK1").map(|k| k.account_id.as_str()), Some(OTHER));
}

#[test]
fn principal_of_an_account_not_loaded_is_an_error() {
    let text = entry(&format!(
        r#""id": "AK1", "secret": "s", "principal": "acs:ram::{OTHER}:user/ops""#
    ));
    let (e, help) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: the principal `acs:ram::{OTHER}:user/ops` is of account `{OTHER}`, which no `--account` file is for",
        at(&text, "\"acs:")
    );
    assert_eq!(e, expected);
    assert!(help.is_some_and(|h| h.contains("--account FILE")));
}

#[test]
fn text_that_is_no_principal_is_an_error() {
    let text = entry(r#""id": "AK1", "secret": "s", "principal": "group/ops""#);
    let (e, _) = load_err(&text, &[ID]);
    let expected = format!("{}: invalid principal `group/ops`", at(&text, "\"group"));
    assert!(e.starts_with(&expected), "{e}");
}

#[test]
fn principal_the_account_lacks_is_a_warning() {
    let text = entry(r#""id": "AK1", "secret": "s", "principal": "user/dave""#);
    let (c, warnings) = load_ok(&text);
    assert!(c.get("AK1").is_some());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let place = format!("{}: ", at(&text, "\"user/dave"));
    assert!(warnings[0].contains(&place), "{}", warnings[0]);
    assert!(
        warnings[0].contains("unknown user `dave`"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("denied (ImplicitDeny)"),
        "{}",
        warnings[0]
    );
}

#[test]
fn e4_session_policy_file_is_relative_to_the_credentials_folder() {
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}"#;
    let (dir, path) = folder(
        &entry(
            r#""id": "STS.1", "secret": "s", "security_token": "t", "principal": "assumed-role/deployer/s1", "session_policy": "p/session.json""#,
        ),
        &[],
    );
    std::fs::create_dir(dir.path().join("p")).expect("mkdir");
    std::fs::write(dir.path().join("p/session.json"), policy).expect("write");
    let account = example();
    let (c, _) = Credentials::load_checked(&path, &[&account], 1 << 20).expect("loads");
    let session = c
        .get("STS.1")
        .and_then(|k| k.session_policy.clone())
        .expect("session policy");
    assert_eq!(session.policy().name(), "session policy of `STS.1`");
    assert_eq!(c.files(), vec![dir.path().join("p/session.json")]);
}

#[test]
fn e4_inline_session_policy_errors_are_positioned_in_the_credentials_file() {
    let text = "{\"access_keys\": [{\"id\": \"STS.1\", \"secret\": \"s\", \"security_token\": \"t\",\n \"principal\": \"assumed-role/deployer/s1\",\n \"session_policy\": {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Alow\", \"Action\": \"*\", \"Resource\": \"*\"}]}}]}";
    let (e, _) = load_err(text, &[ID]);
    assert!(e.starts_with(&format!("{}: ", at(text, "\"Alow"))), "{e}");
    assert!(e.contains("Alow"), "{e}");
}

#[test]
fn e4_session_policy_file_errors_name_that_file() {
    let policy = "{\"Version\": \"1\", \"Statement\": [\n {\"Effect\": \"Alow\", \"Action\": \"*\", \"Resource\": \"*\"}]}";
    let (dir, path) = folder(
        &entry(
            r#""id": "STS.1", "secret": "s", "security_token": "t", "principal": "assumed-role/deployer/s1", "session_policy": "session.json""#,
        ),
        &[("session.json", policy)],
    );
    let e = Credentials::load(&path, &[ID]).expect_err("bad policy");
    let text = e.to_string();
    let place = at(policy, "\"Alow").replace(
        "credentials.json",
        &dir.path().join("session.json").display().to_string(),
    );
    assert!(text.starts_with(&format!("{place}: ")), "{text}");
    assert!(matches!(e, ServeLoadError::Policy(_)));
}

#[test]
fn e4_missing_session_policy_file_is_a_read_error() {
    let (_dir, path) = folder(
        &entry(
            r#""id": "STS.1", "secret": "s", "security_token": "t", "principal": "assumed-role/deployer/s1", "session_policy": "absent.json""#,
        ),
        &[],
    );
    let e = Credentials::load(&path, &[ID]).expect_err("missing file");
    assert!(matches!(e, ServeLoadError::Read(_)), "{e:?}");
    assert!(e.to_string().contains("absent.json"));
}

#[test]
fn e4_session_policy_needs_a_token() {
    let text = entry(
        r#""id": "AK1", "secret": "s", "principal": "assumed-role/deployer/s1", "session_policy": {"Version": "1", "Statement": []}"#,
    );
    let (e, _) = load_err(&text, &[ID]);
    let expected = format!(
        "{}: a `session_policy` needs a `security_token`",
        at(&text, "{\"Version")
    );
    assert!(e.starts_with(&expected), "{e}");
}

#[test]
fn e4_session_policy_needs_a_role_session() {
    let (e, help) = load_err(
        &entry(
            r#""id": "AK1", "secret": "s", "security_token": "t", "principal": "role/deployer", "session_policy": {"Version": "1", "Statement": []}"#,
        ),
        &[ID],
    );
    assert!(e.contains("a `session_policy` needs a role session principal, found `acs:ram::1234567890123456:role/deployer`"), "{e}");
    assert_eq!(
        help.as_deref(),
        Some("write the principal as `assumed-role/ROLE/SESSION`")
    );
}

#[test]
fn empty_security_token_is_an_error() {
    let text =
        entry(r#""id": "AK1", "secret": "s", "security_token": "", "principal": "user/alice""#);
    let (e, _) = load_err(&text, &[ID]);
    assert_eq!(
        e,
        format!("{}: `security_token` is empty", at(&text, "\"\""))
    );
}

#[cfg(unix)]
#[test]
fn file_with_secrets_readable_by_others_warns() {
    let (_dir, path) = folder(
        &entry(r#""id": "AK1", "secret": "s", "principal": "user/alice""#),
        &[],
    );
    let account = example();
    for (mode, warns) in [
        (0o600, false),
        (0o640, true),
        (0o604, true),
        (0o644, true),
        (0o400, false),
    ] {
        set_mode(&path, mode);
        let (_, warnings) = Credentials::load_checked(&path, &[&account], 1 << 20).expect("loads");
        assert_eq!(!warnings.is_empty(), warns, "mode {mode:o}: {warnings:?}");
        if warns {
            assert!(warnings[0].contains("chmod 600"), "{}", warnings[0]);
        }
    }
}

#[cfg(unix)]
#[test]
fn file_without_secrets_readable_by_others_does_not_warn() {
    let var = "RAMCHECK_TEST_SECRET_ENV_MODE";
    std::env::set_var(var, "x");
    let (_dir, path) = folder(
        &entry(&format!(
            r#""id": "AK1", "secret_env": "{var}", "principal": "user/alice""#
        )),
        &[],
    );
    set_mode(&path, 0o644);
    let account = example();
    let (_, warnings) = Credentials::load_checked(&path, &[&account], 1 << 20).expect("loads");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn secrets_and_tokens_appear_in_no_debug_and_no_error() {
    let secret = "SECRET-7f3a";
    let token = "TOKEN-91bc";
    let (c, _) = load_ok(&entry(&format!(
        r#""id": "STS.1", "secret": "{secret}", "security_token": "{token}", "principal": "assumed-role/deployer/s1""#
    )));
    let shown = format!("{c:?}");
    assert!(!shown.contains(secret) && !shown.contains(token), "{shown}");
    assert!(shown.contains("<redacted>"));
    // Errors after the secret was read (a bad principal, a duplicate) do not show it either.
    for body in [
        format!(
            r#""id": "AK1", "secret": "{secret}", "security_token": "{token}", "principal": "nobody""#
        ),
        format!(
            r#""id": "AK1", "secret": "{secret}", "security_token": "{token}", "principal": "user/alice", "x": 1"#
        ),
    ] {
        let (e, help) = load_err(&entry(&body), &[ID]);
        let all = format!("{e} {help:?}");
        assert!(!all.contains(secret) && !all.contains(token), "{all}");
    }
}

#[test]
fn file_over_the_limit_is_refused() {
    let (_dir, path) = folder(
        &entry(r#""id": "AK1", "secret": "s", "principal": "user/alice""#),
        &[],
    );
    let account = example();
    let e = Credentials::load_checked(&path, &[&account], 10).expect_err("too large");
    assert!(matches!(e, ServeLoadError::Read(_)));
    assert!(e.help().is_some_and(|h| h.contains("--max-file-size")));
}

#[test]
fn the_fixture_loads_against_the_example_account_without_unknown_principals() {
    let account = example();
    let (c, warnings) = Credentials::load_checked(
        Path::new("tests/fixtures/serve/credentials.json"),
        &[&account],
        1 << 20,
    )
    .expect("fixture loads");
    assert!(
        warnings.iter().all(|w| !w.contains("denied")),
        "{warnings:?}"
    );
    assert_eq!(c.len(), 4);
}
