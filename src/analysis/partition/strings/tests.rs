//! A2: the witnesses of [`witnesses`] against a brute force over every short string, judged
//! by the crate's own matchers.

#![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::matching::{wildcard_match, ResourceArn};
use crate::vocabulary::StringTest;

const SPACE: &str = "acs:ecs:*:*:imagepipeline/*";

/// An atom's verdict on `text`, by the crate's matchers (M1, C3).
fn verdict(atom: &StringAtom, text: &str) -> bool {
    match atom {
        StringAtom::Glob(pattern) => wildcard_match(pattern, text),
        StringAtom::Exact(value) => StringTest::Equals.holds(text, value),
        StringAtom::ExactIgnoreCase(value) => StringTest::EqualsIgnoreCase.holds(text, value),
    }
}

fn vector(atoms: &[StringAtom], text: &str) -> Vec<bool> {
    atoms.iter().map(|atom| verdict(atom, text)).collect()
}

/// Whether `text` is in the domain (A1), written apart from the automaton under test.
fn in_domain(domain: &StringDomain, text: &str) -> bool {
    let StringDomain::ImagePipelineArn { within } = domain else {
        return true;
    };
    let Some(rest) = text.strip_prefix("acs:ecs:") else {
        return false;
    };
    let fields: Vec<&str> = rest.splitn(3, ':').collect();
    let [region, account, relative] = fields[..] else {
        return false;
    };
    let Some(id) = relative.strip_prefix("imagepipeline/") else {
        return false;
    };
    let clean = |field: &str| !field.is_empty() && !field.contains([':', '*', '?']);
    clean(region)
        && clean(account)
        && clean(id)
        && !id.contains('/')
        && wildcard_match(within, text)
}

/// Every string over `alphabet` of at most `max_len` characters.
fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..max_len {
        layer = layer
            .iter()
            .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
            .collect();
        all.extend(layer.iter().cloned());
    }
    all
}

/// Every ARN of the space's structure whose fields are strings of 1 or 2 characters over
/// `alphabet`.
fn all_arns(alphabet: &[char]) -> Vec<String> {
    let fields: Vec<String> = all_strings(alphabet, 2)
        .into_iter()
        .filter(|f| !f.is_empty())
        .collect();
    let mut all = Vec::new();
    for region in &fields {
        for account in &fields {
            for id in &fields {
                all.push(format!("acs:ecs:{region}:{account}:imagepipeline/{id}"));
            }
        }
    }
    all
}

/// A2: the witnesses realize distinct vectors, each string is in the domain, every vector
/// some string of `universe` realizes has a witness, and that witness is no longer than the
/// shortest such string.
fn check(domain: &StringDomain, atoms: &[StringAtom], universe: &[String]) -> Vec<String> {
    let found = witnesses(domain, atoms, 100_000).unwrap();
    let mut by_vector: HashMap<Vec<bool>, &str> = HashMap::new();
    for w in &found {
        assert!(in_domain(domain, w), "witness {w:?} is outside the domain");
        if let StringDomain::ImagePipelineArn { .. } = domain {
            assert!(
                ResourceArn::parse(w).is_ok(),
                "witness {w:?} is no request ARN"
            );
        }
        if let Some(other) = by_vector.insert(vector(atoms, w), w) {
            panic!("witnesses {other:?} and {w:?} have the same vector; atoms {atoms:?}");
        }
    }
    let mut shortest: HashMap<Vec<bool>, &str> = HashMap::new();
    for text in universe.iter().filter(|t| in_domain(domain, t)) {
        let entry = shortest.entry(vector(atoms, text)).or_insert(text);
        if text.chars().count() < entry.chars().count() {
            *entry = text;
        }
    }
    for (v, text) in &shortest {
        let Some(w) = by_vector.get(v) else {
            panic!("no witness for the vector of {text:?} ({v:?}); atoms {atoms:?}, witnesses {found:?}");
        };
        assert!(
            w.chars().count() <= text.chars().count(),
            "witness {w:?} is longer than {text:?}; atoms {atoms:?}"
        );
    }
    found
}

fn glob(p: &str) -> StringAtom {
    StringAtom::Glob(p.to_owned())
}
fn exact(v: &str) -> StringAtom {
    StringAtom::Exact(v.to_owned())
}
fn fold(v: &str) -> StringAtom {
    StringAtom::ExactIgnoreCase(v.to_owned())
}
fn arns(within: &str) -> StringDomain {
    StringDomain::ImagePipelineArn {
        within: within.to_owned(),
    }
}

fn small_atom() -> impl Strategy<Value = StringAtom> {
    prop_oneof![
        "[ab*?]{0,4}".prop_map(StringAtom::Glob),
        "[aAb]{0,3}".prop_map(StringAtom::Exact),
        "[aAb]{0,3}".prop_map(StringAtom::ExactIgnoreCase),
    ]
}

/// A glob around the ARN structure: fields as small globs, or loose pieces.
fn arn_glob() -> impl Strategy<Value = String> {
    let field = "[ab*?]{1,2}";
    prop_oneof![
        (field, field, field).prop_map(|(r, a, i)| format!("acs:ecs:{r}:{a}:imagepipeline/{i}")),
        (field, field).prop_map(|(r, i)| format!("acs:ecs:{r}:*/{i}")),
        proptest::collection::vec(
            prop_oneof![
                Just("acs:ecs:"),
                Just("*"),
                Just("?"),
                Just("a"),
                Just("b"),
                Just(":"),
                Just("/"),
                Just(":imagepipeline/")
            ],
            1..6
        )
        .prop_map(|pieces| pieces.concat()),
    ]
}

fn arn_atom() -> impl Strategy<Value = StringAtom> {
    let field = "[abA]{1,2}";
    prop_oneof![
        arn_glob().prop_map(StringAtom::Glob),
        (field, field, field)
            .prop_map(|(r, a, i)| StringAtom::Exact(format!("acs:ecs:{r}:{a}:imagepipeline/{i}"))),
        (field, field, field).prop_map(|(r, a, i)| StringAtom::ExactIgnoreCase(format!(
            "ACS:ecs:{r}:{a}:ImagePipeline/{i}"
        ))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A2 over any string: one shortest witness per vector of verdicts, no more.
    #[test]
    fn a2_string_witnesses_match_brute_force(atoms in proptest::collection::vec(small_atom(), 0..5)) {
        let universe = all_strings(&['a', 'b', 'A', 'B', 'x'], 6);
        check(&StringDomain::Any, &atoms, &universe);
    }

    /// A1, A2 over image pipeline ARNs matching a space pattern.
    #[test]
    fn a2_arn_witnesses_match_brute_force(
        within in prop_oneof![Just(SPACE.to_owned()), arn_glob()],
        atoms in proptest::collection::vec(arn_atom(), 0..6),
    ) {
        let universe = all_arns(&['a', 'b', 'A', 'x']);
        check(&arns(&within), &atoms, &universe);
    }
}

/// Named cases; one line each on purpose.
#[rustfmt::skip]
mod cases {
    use super::*;

    #[test] fn a2_no_atom_is_one_class() { assert_eq!(witnesses(&StringDomain::Any, &[], 1).unwrap(), [""]); }
    #[test] fn a1_empty_string_is_a_context_value() { assert_eq!(witnesses(&StringDomain::Any, &[exact("")], 10).unwrap(), ["", "x"]); }
    #[test] fn a2_more_classes_than_the_limit_is_exceeded() { assert_eq!(witnesses(&StringDomain::Any, &[exact("a"), exact("b")], 2), Err(Exceeded)); }
    #[test] fn a2_classes_up_to_the_limit_are_given() { assert_eq!(witnesses(&StringDomain::Any, &[exact("a"), exact("b")], 3).unwrap().len(), 3); }
    #[test] fn a2_exceeded_counts_classes_not_atoms() { let atoms: Vec<StringAtom> = (0..40).map(|i| exact(&format!("v{i}"))).collect(); assert_eq!(witnesses(&StringDomain::Any, &atoms, 40), Err(Exceeded)); assert_eq!(witnesses(&StringDomain::Any, &atoms, 41).unwrap().len(), 41); }
    #[test] fn a1_empty_space_gives_no_witness() { assert!(witnesses(&arns("acs:ram:*"), &[glob("*")], 10).unwrap().is_empty()); }
    #[test] fn a1_space_without_pipeline_ids_gives_no_witness() { assert!(witnesses(&arns("acs:ecs:*:*:imagepipeline/a/b"), &[], 10).unwrap().is_empty()); }
    #[test] fn a1_whole_space_is_one_class_without_atoms() { assert_eq!(witnesses(&arns(SPACE), &[], 10).unwrap(), ["acs:ecs:x:x:imagepipeline/x"]); }
    #[test] fn a1_other_character_never_collides_with_a_literal() { let w = check(&StringDomain::Any, &[exact("x"), exact("z"), exact("0"), glob("?")], &all_strings(&['x', 'z', '0', '1'], 2)); assert_eq!(w.len(), 5); assert!(w.contains(&"1".to_owned())); }
    #[test] fn a1_other_character_avoids_ignore_case_variants() { let w = check(&StringDomain::Any, &[fold("X"), glob("?")], &all_strings(&['x', 'X', 'z'], 2)); assert_eq!(w, ["", "X", "z"]); }
    #[test] fn c3_ignore_case_folds_ascii_in_classes() { let w = check(&StringDomain::Any, &[fold("Prod"), exact("prod")], &all_strings(&['p', 'P', 'r', 'o', 'd', 'x'], 4)); assert_eq!(w.len(), 3); }
    #[test] fn c3_ignore_case_kelvin_sign_is_its_own_class() { let w = check(&StringDomain::Any, &[fold("k"), exact("k"), exact("K")], &all_strings(&['k', 'K', '\u{212A}', 'x'], 2)); assert!(w.contains(&"\u{212A}".to_owned()), "{w:?}"); }
    #[test] fn c3_ignore_case_multi_character_lower_case() { check(&StringDomain::Any, &[fold("\u{130}"), exact("i\u{307}"), glob("?")], &all_strings(&['\u{130}', 'i', 'I', '\u{307}', 'x'], 3)); }
    #[test] fn c3_ignore_case_unicode_value() { check(&StringDomain::Any, &[fold("ÄRGER"), glob("ä*")], &all_strings(&['ä', 'Ä', 'r', 'x'], 2)); }
    #[test] fn a2_equal_atoms_are_one_test() { assert_eq!(witnesses(&StringDomain::Any, &[glob("a*"), glob("a*"), glob("a*")], 10).unwrap(), ["", "a"]); }
    #[test] fn a2_atom_outside_the_space_splits_nothing() { assert_eq!(witnesses(&arns(SPACE), &[glob("acs:ram:*"), exact("acs:ecs:a:b:instance/c")], 10).unwrap().len(), 1); }
    #[test] fn a1_fields_never_hold_reserved_characters() { let w = check(&arns(SPACE), &[glob("acs:ecs:*/*:*:imagepipeline/*"), glob("*?*:*:imagepipeline/a")], &all_arns(&['a', '/', 'x'])); assert!(w.iter().all(|w| ResourceArn::parse(w).is_ok())); }

    /// A1: realistic patterns give valid request ARNs that a command line takes as they are.
    #[test]
    fn a1_witnesses_are_command_line_arns() {
        let account = "1234567890123456";
        let within = format!("acs:ecs:*:{account}:imagepipeline/*");
        let atoms = [
            glob(&format!("acs:ecs:cn-hangzhou:{account}:imagepipeline/ip-team5-17")),
            glob(&format!("acs:ecs:*:{account}:imagepipeline/ip-team5-*")),
            glob("acs:ecs:cn-*:*:imagepipeline/ip-team5-?*"),
            glob("*"),
            glob("acs:*:ap-*:*:*"),
        ];
        let found = witnesses(&arns(&within), &atoms, 1000).unwrap();
        let mut vectors: Vec<Vec<bool>> = found.iter().map(|w| vector(&atoms, w)).collect();
        vectors.sort();
        vectors.dedup();
        assert_eq!(vectors.len(), found.len());
        for w in &found {
            assert!(ResourceArn::parse(w).is_ok() && wildcard_match(&within, w), "{w}");
            assert!(!w.chars().any(|c| c.is_whitespace() || c.is_control()), "{w}");
        }
        assert!(found.len() >= 4, "{found:?}");
    }
}

/// Rough speed (not asserted): `cargo test --lib partition::strings::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing() {
    let account = "1234567890123456";
    let within = format!("acs:ecs:*:{account}:imagepipeline/*");
    let mut atoms = vec![glob("*"), glob("acs:*:ap-*:*:*")];
    for team in 0..20 {
        atoms.push(glob(&format!(
            "acs:ecs:*:{account}:imagepipeline/ip-team{team}-*"
        )));
        atoms.push(glob(&format!(
            "acs:ecs:cn-*:*:imagepipeline/ip-team{team}-?*"
        )));
        for id in 0..4 {
            atoms.push(glob(&format!(
                "acs:ecs:cn-hangzhou:{account}:imagepipeline/ip-team{team}-{id}"
            )));
        }
    }
    time("team patterns", &arns(&within), &atoms);
    let literal: Vec<StringAtom> = (0..100)
        .map(|i| {
            glob(&format!(
                "acs:ecs:cn-region{}:{account}:imagepipeline/ip-{i}",
                i % 7
            ))
        })
        .collect();
    time("literal ARNs", &arns(SPACE), &literal);
    let context = [
        fold("Production"),
        exact("prod"),
        glob("prod-*"),
        glob("*-test"),
    ];
    time("context values", &StringDomain::Any, &context);
}

fn time(what: &str, domain: &StringDomain, atoms: &[StringAtom]) {
    let start = std::time::Instant::now();
    let rounds = 20;
    let mut classes = 0;
    for _ in 0..rounds {
        classes = witnesses(domain, atoms, 200_000).unwrap().len();
    }
    let each = start.elapsed() / rounds;
    println!(
        "{what}: {} atoms, {classes} classes in {each:?} per call",
        atoms.len()
    );
}

/// A3: a polished witness reads like a real ARN and stays in its class.
#[test]
fn polish_names_a_real_region_and_an_id_that_does_not_end_in_a_dash() {
    let domain = StringDomain::ImagePipelineArn {
        within: "acs:ecs:*:1234567890123456:imagepipeline/*".into(),
    };
    let atoms = [
        StringAtom::Glob("acs:ecs:cn-*:*:imagepipeline/ip-prod-*".into()),
        StringAtom::Glob("acs:ecs:cn-shanghai:*:imagepipeline/*".into()),
    ];
    let shortest = "acs:ecs:cn-:1234567890123456:imagepipeline/ip-prod-";
    assert_eq!(
        polish(&domain, &atoms, shortest),
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1"
    );
    // cn-shanghai is a class of its own: the polish keeps out of it, and keeps a witness of it.
    let shanghai = "acs:ecs:cn-shanghai:1234567890123456:imagepipeline/ip-prod-";
    assert_eq!(
        polish(&domain, &atoms, shanghai),
        "acs:ecs:cn-shanghai:1234567890123456:imagepipeline/ip-prod-1"
    );
}

#[test]
fn polish_keeps_a_witness_no_candidate_can_replace() {
    let domain = StringDomain::ImagePipelineArn {
        within: "acs:ecs:*:*:imagepipeline/*".into(),
    };
    // Every one-character region other than `x` and every id but `a-` is another class.
    let atoms = [
        StringAtom::Glob("acs:ecs:?:*:imagepipeline/*".into()),
        StringAtom::Glob("acs:ecs:x:*:imagepipeline/*".into()),
        StringAtom::Glob("acs:ecs:*:*:imagepipeline/a-".into()),
    ];
    let witness = "acs:ecs:x:1:imagepipeline/a-";
    assert_eq!(polish(&domain, &atoms, witness), witness);
}

proptest! {
    /// A3: whatever the atoms, a polished witness has the same verdicts as the one it replaces.
    #[test]
    fn polish_never_leaves_the_class(patterns in proptest::collection::vec("[a-c*?-]{0,4}", 1..4)) {
        let domain = StringDomain::ImagePipelineArn { within: "acs:ecs:*:*:imagepipeline/*".into() };
        let atoms: Vec<StringAtom> = patterns
            .iter()
            .map(|p| StringAtom::Glob(format!("acs:ecs:*:*:imagepipeline/{p}")))
            .chain(patterns.iter().map(|p| StringAtom::Glob(format!("acs:ecs:{p}:*:imagepipeline/*"))))
            .collect();
        for witness in witnesses(&domain, &atoms, 10_000).unwrap_or_default() {
            let polished = polish(&domain, &atoms, &witness);
            prop_assert_eq!(vector(&atoms, &polished), vector(&atoms, &witness));
            prop_assert!(in_domain(&domain, &polished));
        }
    }
}
