//! Unit tests of the pattern strategies, anchors, grams, text helpers and name tables.

use super::anchor::*;
use super::arena::*;
use super::names::*;
use super::scratch::*;
use super::strategy::Strategy as Kind;
use super::strategy::*;
use super::text::*;
use crate::authorizer::index::tuning::{covers_every_pipeline, relative_prefix};
use crate::matching::{wildcard_match, wildcard_match_ignore_case};
use proptest::prelude::*;

#[test]
fn m4_patterns_that_cover_every_pipeline() {
    for pattern in [
        "acs:ecs:*:*:imagepipeline/*",
        "acs:*:*:*:*",
        "acs:ecs:*",
        "a*",
        "acs:e?s:**:*:image*",
        "a?s:*:*:*:?magepipeline/**",
    ] {
        assert!(covers_every_pipeline(pattern), "{pattern}");
    }
    for pattern in [
        "acs:ecs:cn-*:*:imagepipeline/*",
        "acs:ecs:*:*:imagepipeline/ip-*",
        "acs:ecs:*:123:*",
        "acs:vpc:*:*:*",
        "acs:ecs:*:*:imagepipeline/*x",
        "acs:ecs:*:*:*:*",
        "acs:ecs:cn*",
        "acs:ecs:*:*:imagepipeline/",
        // Covers them too, but not in a shape this recognises: tested as any pattern.
        "*:imagepipeline/*",
    ] {
        assert!(!covers_every_pipeline(pattern), "{pattern}");
    }
    for (pattern, prefix) in [
        ("acs:ecs:*:*:imagepipeline/ip-1", Some("imagepipeline/ip-1")),
        (
            "acs:ecs:cn-*:1:imagepipeline/ip-?x*",
            Some("imagepipeline/ip-"),
        ),
        ("acs:*:*:*:*", None),
        ("acs:ecs:cn:1:*ip", None),
        ("acs:ecs:cn:imagepipeline/*", None),
        ("acs:ecs:cn:1:a:b", Some(":")),
    ] {
        assert_eq!(
            relative_prefix(pattern),
            prefix.map(str::as_bytes),
            "{pattern}"
        );
    }
    let pipeline = |text: &str| RequestScratch::new(text, text.is_ascii()).is_pipeline();
    assert!(pipeline("acs:ecs:cn-hangzhou:1:imagepipeline/ip-1"));
    assert!(pipeline("acs:ecs:::imagepipeline/"));
    assert!(!pipeline(
        "acs:ecs:cn-hangzhou:1:imagepipelineexecution/e-1"
    ));
    assert!(!pipeline("acs:ecs:cn-hangzhou:1:imagepipeline/ip:1"));
    assert!(!pipeline("acs:ecsx:cn-hangzhou:1:imagepipeline/ip-1"));
    assert!(!pipeline("acs:ecs:cn-hangzhou:1:imagepipeline/ïp"));
}

proptest! {
    /// M1, M3: the strategies (and the gram filter) match exactly what the general
    /// matcher matches, asked once and again from the memo.
    #[test]
    fn m1_m3_classified_resource_patterns_agree_with_wildcard_match(
        pattern in "[ab:/*?é]{0,12}",
        text in "[ab:/é]{0,16}",
    ) {
        let mut arena = PatternArena::default();
        let id = arena.intern(&pattern).expect("fits");
        prop_assert_eq!(find_byte(text.as_bytes(), b'b'), text.bytes().position(|c| c == b'b'));
        let ascii = text.is_ascii();
        let expected = wildcard_match(&pattern, &text);
        let mut resource = RequestScratch::new(&text, ascii);
        prop_assert_eq!(arena.is_match(id, &mut resource), expected);
        prop_assert_eq!(arena.is_match(id, &mut resource), expected);
        // The gram is a necessary condition.
        if let (true, Some(gram)) = (expected, arena.required_gram(id)) {
            prop_assert!(RequestScratch::new(&text, ascii).may_have(gram));
        }
    }

    /// M1, M3: the byte-wise general matcher on ASCII texts, where `?` is one byte, with
    /// many patterns in one arena.
    #[test]
    fn m1_m3_general_matcher_agrees_on_ascii_texts(
        patterns in proptest::collection::vec("[ab:/*?]{0,14}", 1..6),
        text in "[ab:/]{0,20}",
    ) {
        let mut arena = PatternArena::default();
        let ids: Vec<u32> = patterns.iter().map(|p| arena.intern(p).expect("fits")).collect();
        arena.finish();
        let mut resource = RequestScratch::new(&text, true);
        for (pattern, &id) in patterns.iter().zip(&ids) {
            let expected = wildcard_match(pattern, &text);
            prop_assert_eq!(arena.is_match(id, &mut resource), expected, "{}", pattern);
            if let (true, Some(gram)) = (expected, arena.required_gram(id)) {
                prop_assert!(RequestScratch::new(&text, true).may_have(gram));
            }
        }
    }

    /// M1, M4: a pattern said to cover every image pipeline matches every pipeline ARN, and
    /// a text is a pipeline's exactly when it has that shape. The patterns are built to
    /// cover them, then perhaps one field is swapped for one that does not.
    #[test]
    fn m1_m4_a_pattern_that_covers_every_pipeline_matches_each_one(
        mut fields in (
            "acs|a[?]s|[*]|a[*]",
            "ecs|e[?]s|[*]|e[*]|ecs[*]",
            "[*]{1,2}",
            "[*]{1,2}",
            "(imagepipeline/|image|i|[?]m|)[*]{1,2}",
        ),
        swap in proptest::option::of((0usize..5, "c|1|c[*]|x[*]|imagepipeline/i[*]|imagepipeline/|[*]x|")),
        head in "(a|acs:e|acs:ecs:|acs:ecs:c|[?]cs)[*]{1,2}x?",
        whole in any::<bool>(),
        region in "[a-z0-9-]{0,4}",
        account in "[0-9]{0,3}",
        id in "[a-z0-9/*?-]{0,5}",
        service in "ecs|vpc|ec",
        relative in "imagepipeline/|imagepipelin|image/|imagepipelineexecution/",
    ) {
        let built = |f: &(String, String, String, String, String)| {
            format!("{}:{}:{}:{}:{}", f.0, f.1, f.2, f.3, f.4)
        };
        prop_assert!(covers_every_pipeline(&built(&fields)), "{}", built(&fields));
        if let Some((field, other)) = swap {
            let slot = match field {
                0 => &mut fields.0,
                1 => &mut fields.1,
                2 => &mut fields.2,
                3 => &mut fields.3,
                _ => &mut fields.4,
            };
            *slot = other;
        }
        let pattern = if whole { head } else { built(&fields) };
        let arn = format!("acs:ecs:{region}:{account}:imagepipeline/{id}");
        if covers_every_pipeline(&pattern) {
            prop_assert!(wildcard_match(&pattern, &arn), "{} {}", pattern, arn);
        }
        let text = format!("acs:{service}:{region}:{account}:{relative}{id}");
        let pipeline = service == "ecs" && format!("{relative}{id}").starts_with("imagepipeline/");
        prop_assert_eq!(RequestScratch::new(&text, true).is_pipeline(), pipeline, "{}", text);
    }

    /// M1, M4: a text with four colons that a pattern matches has a relative id starting
    /// with the pattern's [`relative_prefix`]: texts made from the pattern (each `*` some
    /// bytes, each `?` one), and random ones.
    #[test]
    fn m1_m4_a_matching_text_starts_its_relative_id_with_the_patterns_prefix(
        fields in proptest::collection::vec("[ab?*-]{0,3}", 3..7),
        stars in proptest::collection::vec("[ab:]{0,2}", 24),
        random in proptest::collection::vec("[ab-]{0,3}", 4),
    ) {
        let pattern = format!("acs:{}", fields.join(":"));
        let mut fill = stars.iter();
        let made: String = pattern
            .chars()
            .map(|c| match c {
                '*' => fill.next().cloned().unwrap_or_default(),
                '?' => "b".to_owned(),
                c => c.to_string(),
            })
            .collect();
        for text in [made, format!("acs:{}", random.join(":"))] {
            let resource = RequestScratch::new(&text, true);
            let (Some(relative), true) = (resource.relative(), wildcard_match(&pattern, &text))
            else {
                continue;
            };
            if let Some(prefix) = relative_prefix(&pattern) {
                prop_assert!(relative.starts_with(prefix), "{} {}", pattern, text);
            }
        }
    }

    /// M1, M3: an ARN-shaped pattern (four colons) matched field by field agrees with the
    /// general matcher, on texts with four colons and on texts with more (where a `*` may
    /// take a colon, and the field split does not apply).
    #[test]
    fn m1_m3_field_matcher_agrees_on_arn_shaped_texts(
        first in "acs|a[c?]s|\\*|[ab]{0,3}",
        fields in proptest::collection::vec("[ab?*-]{0,4}|[ab-]{5,12}", 4),
        text_first in "acs|[ab]{0,3}",
        text_fields in proptest::collection::vec("[ab-]{0,3}|[ab-]{9,14}", 4..6),
    ) {
        let pattern = format!("{first}:{}", fields.join(":"));
        let text = format!("{text_first}:{}", text_fields.join(":"));
        let mut arena = PatternArena::default();
        let id = arena.intern(&pattern).expect("fits");
        let expected = wildcard_match(&pattern, &text);
        let mut resource = RequestScratch::new(&text, true);
        prop_assert_eq!(
            resource.colons().is_some(),
            text_fields.len() == 4 && text_first == "acs"
        );
        prop_assert_eq!(arena.is_match(id, &mut resource), expected, "{} {}", pattern, text);
    }

    /// The same on texts made from the pattern (each `*` some bytes, each `?` one), so that
    /// most of them match, then perhaps one byte changed: random texts rarely match, and a
    /// field misjudged (`*?` taken for a literal) only shows on a text that does.
    #[test]
    fn m1_m3_field_matcher_agrees_on_texts_made_from_the_pattern(
        fields in proptest::collection::vec("[ab?*-]{0,4}", 4),
        stars in proptest::collection::vec("[ab:-]{0,3}", 16),
        change in proptest::option::of((0usize..40, "[ab:*-]")),
    ) {
        let pattern = format!("acs:{}", fields.join(":"));
        let mut expansions = stars.iter();
        let mut text = String::new();
        for c in pattern.chars() {
            match c {
                '*' => text.push_str(expansions.next().map_or("", String::as_str)),
                '?' => text.push('b'),
                c => text.push(c),
            }
        }
        if let Some((at, byte)) = change {
            if at < text.len() {
                text.replace_range(at..=at, &byte);
            }
        }
        if text.contains('*') {
            return Ok(());
        }
        let mut arena = PatternArena::default();
        let id = arena.intern(&pattern).expect("fits");
        let mut resource = RequestScratch::new(&text, true);
        prop_assert_eq!(
            arena.is_match(id, &mut resource),
            wildcard_match(&pattern, &text),
            "{} {}", pattern, text
        );
    }

    /// The anchor table finds exactly the items whose plain anchor the text has, each
    /// once per time it was added.
    #[test]
    fn anchor_table_finds_exactly_the_anchors_the_text_hits(
        patterns in proptest::collection::vec(
            proptest::collection::vec("[ab-]{0,6}\\*?|\\*", 4), 0..12),
        text_fields in proptest::collection::vec("[ab-]{0,6}", 4),
    ) {
        let mut arena = PatternArena::default();
        let mut anchors = Vec::new();
        for (item, fields) in patterns.iter().enumerate() {
            let id = arena.intern(&format!("acs:{}", fields.join(":"))).expect("fits");
            let anchor = arena.anchor(id);
            if anchor_is_plain(anchor) {
                // Twice, so that items share anchors.
                anchors.push((anchor, item));
                anchors.push((anchor, item + patterns.len()));
            }
        }
        let table = AnchorTable::new(anchors.clone()).expect("fits");
        let text = format!("acs:{}", text_fields.join(":"));
        let resource = RequestScratch::new(&text, true);
        prop_assert!(resource.has_colons());
        let probe = resource.probe();
        let mut found = Vec::new();
        table.for_each_hit(&probe, |item| found.push(item));
        found.sort_unstable();
        let mut expected: Vec<usize> =
            anchors.iter().filter(|(a, _)| probe.hit(*a)).map(|(_, i)| *i).collect();
        expected.sort_unstable();
        prop_assert_eq!(found, expected);
        let mut all: Vec<usize> = table.items().collect();
        all.sort_unstable();
        let mut every: Vec<usize> = anchors.iter().map(|(_, i)| *i).collect();
        every.sort_unstable();
        prop_assert_eq!(all, every);
    }

    /// An anchor is a necessary condition: every text a pattern matches passes its
    /// pattern's anchor (exact, prefix and field-split patterns, `?` anywhere).
    #[test]
    fn m1_m3_every_match_passes_the_anchor(
        first in "acs|a\\?s|\\*|ac\\*",
        fields in proptest::collection::vec("[ab?*-]{0,5}|[ab-]{3,40}", 4),
        text_fields in proptest::collection::vec("[ab-]{0,5}|[ab-]{30,40}", 4..6),
    ) {
        let pattern = format!("{first}:{}", fields.join(":"));
        let text = format!("acs:{}", text_fields.join(":"));
        let mut arena = PatternArena::default();
        let id = arena.intern(&pattern).expect("fits");
        let resource = RequestScratch::new(&text, true);
        if wildcard_match(&pattern, &text) {
            prop_assert!(resource.may_match_anchor(arena.anchor(id)), "{} {}", pattern, text);
        }
        // A text the pattern surely matches: each `*` some bytes, each `?` one.
        let derived = pattern.replace('*', "ab-").replace('?', "b");
        prop_assert!(wildcard_match(&pattern, &derived));
        prop_assert!(
            RequestScratch::new(&derived, true).may_match_anchor(arena.anchor(id)),
            "{} {}", pattern, derived
        );
    }

    /// The eight-at-a-time fold is ASCII lower-casing.
    #[test]
    fn fold_word_lowercases_ascii_only(bytes in any::<[u8; 8]>()) {
        let folded = fold_word(u64::from_le_bytes(bytes)).to_le_bytes();
        prop_assert_eq!(folded, bytes.map(|b| b.to_ascii_lowercase()));
    }

    /// C6, M2: comparing eight bytes at a time ignoring case is `eq_ignore_ascii_case`,
    /// for every length (a remainder read overlapping, or byte by byte) and for bytes that
    /// differ only in the case bit without being letters (`@` and `` ` ``).
    #[test]
    fn eq_fold_is_eq_ignore_ascii_case(
        a in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'A'), Just(b'@'), Just(b'`'), Just(b'z'), Just(b'Z'), Just(b'['), Just(b'{'), Just(0xc3u8), Just(0xe3u8)], 0..20),
        flips in proptest::collection::vec(any::<u8>(), 20),
    ) {
        // The same bytes with some cases flipped and, now and then, one byte changed.
        let b: Vec<u8> = a.iter().zip(&flips).map(|(x, f)| match f % 7 {
            0 => x ^ 0x20,
            1 => x.to_ascii_uppercase(),
            2 => b'q',
            _ => *x,
        }).collect();
        prop_assert_eq!(eq_fold(&a, &b), a.eq_ignore_ascii_case(&b));
        prop_assert_eq!(eq_fold(&a, &a), true);
        prop_assert_eq!(eq_bytes(&a, &b), a == b);
        prop_assert_eq!(eq_bytes(&a, &a), true);
    }

    /// C6: keys compare as `eq_ignore_ascii_case` does, whichever words differ and how.
    #[test]
    fn c6_eq_key_is_eq_ignore_ascii_case(
        a in "[aAzZ@`\\[{:/é]{0,20}",
        flips in proptest::collection::vec(any::<u8>(), 20),
    ) {
        // Some letters' case changed, some bytes changed in the case bit alone (`@`/`` ` ``,
        // `[`/`{`: not the same key), now and then another character.
        let b: String = a.chars().zip(flips.iter().chain(std::iter::repeat(&9))).map(|(c, f)| match f % 6 {
            0 => c.to_ascii_uppercase(),
            1 => c.to_ascii_lowercase(),
            2 if c.is_ascii() => char::from(c as u8 ^ 0x20),
            3 => 'q',
            _ => c,
        }).collect();
        prop_assert_eq!(eq_key(&a, &b), a.eq_ignore_ascii_case(&b));
        prop_assert_eq!(eq_key(&a, &a), true);
    }

    /// The hashed words are the bytes eight at a time, the last zero-padded, whatever the
    /// length: the tail assembled from loads of the text equals the tail copied.
    #[test]
    fn fx_words_pads_the_last_word_with_zeros(
        bytes in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let words = std::cell::RefCell::new(Vec::new());
        fx_words(0, &bytes, |w| { words.borrow_mut().push(w); 0 });
        let copied: Vec<u64> = bytes.chunks(8).map(|chunk| {
            let mut word = [0u8; 8];
            word.get_mut(..chunk.len()).expect("a chunk has at most 8").copy_from_slice(chunk);
            u64::from_le_bytes(word)
        }).collect();
        prop_assert_eq!(words.into_inner(), copied);
    }

    /// M1, M2: action strategies agree with the case-folding general matcher.
    #[test]
    fn m1_m2_classified_action_patterns_agree_with_wildcard_match(
        pattern in "[aAbB:*?é]{0,10}",
        text in "[aAbB:éÉ]{0,12}",
    ) {
        prop_assert_eq!(ActionPattern::new(&pattern).is_match(&text), wildcard_match_ignore_case(&pattern, &text));
    }
}

#[test]
fn m1_classifies_patterns() {
    let kind = |pattern: &str| {
        let mut arena = PatternArena::default();
        let id = arena.intern(pattern).expect("fits");
        arena.stored(id).map(|stored| stored.kind)
    };
    assert_eq!(kind("*"), Some(Kind::Any));
    assert_eq!(kind("**"), Some(Kind::Any));
    assert_eq!(kind("a"), Some(Kind::Exact));
    assert_eq!(kind("a*"), Some(Kind::Prefix));
    assert_eq!(kind("a**"), Some(Kind::Prefix));
    assert_eq!(kind("a?*"), Some(Kind::General));
    assert_eq!(kind("*a"), Some(Kind::General));
    // Four colons, as an ARN has: matched field by field.
    assert_eq!(kind("acs:ecs:*:*:imagepipeline/ip-?*"), Some(Kind::Fields));
    assert_eq!(kind("acs:*:ap-*:*:*"), Some(Kind::Fields));
    assert_eq!(kind("*:imagepipeline/build-*"), Some(Kind::General));
    assert_eq!(kind("acs:ecs:*:*:*:x*"), Some(Kind::General));
    assert!(matches!(
        ActionPattern::new("ecs:Describe*"),
        ActionPattern::Prefix(_)
    ));
}

#[test]
fn m1_a_pattern_with_more_pieces_than_the_header_counts_uses_the_reference_matcher() {
    let pattern = format!("x{}*", "*a".repeat(70_000));
    let mut arena = PatternArena::default();
    let id = arena.intern(&pattern).expect("fits");
    assert_eq!(arena.stored(id).map(|s| s.kind), Some(Kind::Reference));
    for (text, expected) in [
        (format!("x{}", "a".repeat(70_000)), true),
        ("xaaa".to_owned(), false),
        ("ya".to_owned(), false),
    ] {
        assert_eq!(wildcard_match(&pattern, &text), expected);
        assert_eq!(
            arena.is_match(id, &mut RequestScratch::new(&text, true)),
            expected
        );
    }
}

#[test]
fn m1_arena_stores_a_pattern_once() {
    let mut arena = PatternArena::default();
    let a = arena.intern("acs:ecs:*:*:imagepipeline/*");
    let b = arena.intern("acs:ecs:cn-*:*:imagepipeline/ip-?*");
    assert_ne!(a, b);
    assert_eq!(arena.intern("acs:ecs:*:*:imagepipeline/*"), a);
}

#[test]
fn anchors_sit_where_identifiers_differ() {
    let anchored = |pattern: &str, text: &str| {
        let mut arena = PatternArena::default();
        let id = arena.intern(pattern).expect("fits");
        RequestScratch::new(text, true).may_match_anchor(arena.anchor(id))
    };
    let arn = "acs:ecs:cn-hangzhou:1:imagepipeline/ip-team42-7";
    // The relative id's last literal bytes before the first `*`.
    assert!(anchored("acs:ecs:*:1:imagepipeline/ip-team42-*", arn));
    assert!(!anchored("acs:ecs:*:1:imagepipeline/ip-team43-*", arn));
    assert!(!anchored(
        "acs:ecs:cn-hangzhou:1:imagepipeline/ip-team42-8",
        arn
    ));
    // A `?` stands for any byte; a window with one is taken when it lies further right.
    assert!(anchored("acs:ecs:*:*:imagepipeline/ip-team?2-*", arn));
    assert!(!anchored("acs:ecs:*:*:imagepipeline/ip-team?3-*", arn));
    // No literal in the relative id: the region's.
    assert!(!anchored("acs:*:ap-*:*:*", arn));
    assert!(anchored("acs:*:cn-*:*:*", arn));
    // Not four colons in the pattern, or in the text: no filtering.
    let mut arena = PatternArena::default();
    let id = arena.intern("*:imagepipeline/x-*").expect("fits");
    assert_eq!(arena.anchor(id), NO_ANCHOR);
    assert!(anchored(
        "acs:ecs:*:1:imagepipeline/zzz",
        "acs:ecs:r:1:a:imagepipeline/zzz"
    ));
}

#[test]
fn required_gram_looks_past_a_short_last_piece() {
    // `acs:*:ap-*:*:*`: the last pieces are too short, `:ap-` is not.
    let mut arena = PatternArena::default();
    let id = arena.intern("acs:*:ap-*:*:*").expect("fits");
    let gram = arena.required_gram(id).expect("a gram from `:ap-`");
    assert!(RequestScratch::new("acs:ecs:ap-southeast-1:1:x", true).may_have(gram));
    assert!(!RequestScratch::new("acs:ecs:cn-hangzhou:1:imagepipeline/x", true).may_have(gram));
}

#[test]
fn m2_action_prefix_ignores_ascii_case_only() {
    assert!(ActionPattern::new("ECS:describe*").is_match("ecs:DescribeX"));
    assert!(!ActionPattern::new("é*").is_match("É"));
    assert!(ActionPattern::new("ecs:A").is_match("ECS:a"));
}

#[test]
fn name_table_finds_every_name_exactly() {
    let mut table = NameTable::default();
    // Short names sit in their slots; these longer ones (past 16 bytes, and past 255) in
    // the shared buffer.
    let names: Vec<String> = (0..300)
        .map(|i| match i % 3 {
            0 => format!("user{i}"),
            1 => format!("a-rather-long-user-name-{i}"),
            _ => format!("{}{i}", "x".repeat(300)),
        })
        .collect();
    for (i, name) in names.iter().enumerate() {
        assert_eq!(table.push(name), u32::try_from(i).ok());
    }
    for (i, name) in names.iter().enumerate() {
        assert_eq!(table.get(name), u32::try_from(i).ok(), "{name}");
        assert_eq!(
            table.name(u32::try_from(i).unwrap_or(0)),
            Some(name.as_str())
        );
    }
    assert_eq!(table.get("User0"), None);
    assert_eq!(table.get("user300"), None);
    assert_eq!(table.get("a-rather-long-user-name-2"), None);
    assert_eq!(table.get(&format!("{}1", "x".repeat(300))), None);
    assert_eq!(table.get(""), None);
    assert_eq!(NameTable::default().get("user1"), None);
}

proptest! {
    /// Every length up to and past a slot's: names that differ in a single byte anywhere,
    /// or only in length, are told apart, and a name not added is not found.
    #[test]
    fn name_table_tells_names_of_every_length_apart(
        names in proptest::collection::hash_set("[ab]{0,18}", 1..40),
        probe in "[ab]{0,18}",
    ) {
        let mut table = NameTable::default();
        let names: Vec<String> = names.into_iter().collect();
        for name in &names {
            table.push(name);
        }
        for (i, name) in names.iter().enumerate() {
            prop_assert_eq!(table.get(name), u32::try_from(i).ok());
        }
        let expected = names.iter().position(|n| *n == probe).and_then(|i| u32::try_from(i).ok());
        prop_assert_eq!(table.get(&probe), expected);
    }
}

#[test]
fn fold_table_interns_ignoring_case() {
    let mut table = FoldTable::default();
    let a = table.intern("ecs:CancelImagePipelineExecution");
    let b = table.intern("ecs:DescribeImages");
    for i in 0..100 {
        table.intern(&format!("svc:Action{i}"));
    }
    assert_eq!(table.get("ECS:cancelimagepipelineexecution"), Some(a));
    assert_eq!(table.get("ecs:describeimages"), Some(b));
    assert_eq!(table.get("svc:action42").map(|_| ()), Some(()));
    assert_eq!(table.get("ecs:Nope"), None);
}
