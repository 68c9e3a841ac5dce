//! Strings split by the patterns that test them.
//!
//! [`witnesses`] runs one breadth-first subset construction over the product of the domain's
//! automaton (a hand-built one for the ARN structure, times the glob of the space's pattern)
//! and every atom's automaton (a glob's, an exact value's, or an ignore-case value's over its
//! lower-case form). A state is the domain's state and the sorted set of live positions of
//! all automata. Each state moves only on the characters its live positions name, plus one
//! "other" character standing for every character none of them names: all of those lead to
//! the same state, so one concrete character (printable, chosen so that nothing names it)
//! decides for them all. Breadth-first order makes the first string found for a vector of
//! verdicts a shortest one.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

use super::Exceeded;
use crate::matching::has_wildcard;

/// One test of a string, as a policy writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum StringAtom {
    /// An M1 wildcard pattern, case-sensitive (Resource, NotResource, StringLike).
    Glob(String),
    /// An exact value (StringEquals).
    Exact(String),
    /// An exact value compared ignoring case as [`crate::vocabulary`] does
    /// (StringEqualsIgnoreCase).
    ExactIgnoreCase(String),
}

/// The strings a class may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StringDomain {
    /// Any string (a context value).
    Any,
    /// Image pipeline ARNs `acs:ecs:<region>:<account>:imagepipeline/<id>` (A1: each field
    /// non-empty without `:`, the id without `/`, no `*` or `?`) that match `within` (M1).
    ImagePipelineArn {
        /// The space's pattern.
        within: String,
    },
}

/// One witness per distinct vector of verdicts of `atoms` over the strings of `domain`, each
/// a shortest string with its vector; none when the domain is empty. More than `limit`
/// classes (or an automaton that grows past a bound derived from it) is [`Exceeded`].
///
/// The empty string is a string of [`StringDomain::Any`] (a context value may be empty).
/// Witnesses come in breadth-first order: shorter first, and among equally long ones in the
/// order of their characters, the invented "other" character last.
pub(crate) fn witnesses(
    domain: &StringDomain,
    atoms: &[StringAtom],
    limit: usize,
) -> Result<Vec<String>, Exceeded> {
    let automaton = Automaton::build(domain, atoms);
    let max_states = limit.saturating_mul(64).saturating_add(4096);
    automaton.explore(limit, max_states)
}

/// The prefix of every image pipeline ARN, up to the region.
const ARN_HEAD: &[char] = &['a', 'c', 's', ':', 'e', 'c', 's', ':'];
/// What follows the account, up to the id.
const ARN_TYPE: &[char] = &[
    'i', 'm', 'a', 'g', 'e', 'p', 'i', 'p', 'e', 'l', 'i', 'n', 'e', '/',
];
/// Characters the ARN structure treats apart; never chosen as the "other" character.
const RESERVED: &[char] = &[':', '/', '*', '?'];
/// Where the "other" character is looked for first: printable, no shell meaning.
const OTHER_CANDIDATES: &str = "xz0123456789qwyvkjhgfdsaeurtiopmnlcbXZQWYVKJHGFDSAEURTIOPMNLCB-_.";

/// The states of the ARN structure's automaton: the head (`0..8`, characters of `acs:ecs:`
/// read), then these, then the resource type, then the id.
mod arn {
    /// The head is read; the region is empty so far.
    pub(super) const REGION_EMPTY: u32 = 8;
    /// Inside a non-empty region.
    pub(super) const REGION: u32 = 9;
    /// After the region's `:`; the account is empty so far.
    pub(super) const ACCOUNT_EMPTY: u32 = 10;
    /// Inside a non-empty account.
    pub(super) const ACCOUNT: u32 = 11;
    /// The first character of `imagepipeline/` comes next; `TYPE + k` after `k` of them.
    pub(super) const TYPE: u32 = 12;
    /// `imagepipeline/` is read; the id is empty so far.
    pub(super) const ID_EMPTY: u32 = TYPE + 14;
    /// Inside a non-empty id: the only accepting state.
    pub(super) const ID: u32 = ID_EMPTY + 1;
}

/// The domain's own automaton (deterministic; `u32` states, `None` is dead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Every string: one state, always accepting.
    Any,
    /// The image pipeline ARN structure (the `within` glob is a component of the product).
    Arn,
}

impl Shape {
    fn start(self) -> u32 {
        0
    }

    fn accepts(self, state: u32) -> bool {
        match self {
            Shape::Any => true,
            Shape::Arn => state == arn::ID,
        }
    }

    /// The state after `c`.
    fn step(self, state: u32, c: char) -> Option<u32> {
        if self == Shape::Any {
            return Some(state);
        }
        if let Some(&expected) = usize::try_from(state).ok().and_then(|i| ARN_HEAD.get(i)) {
            return (c == expected).then_some(state + 1);
        }
        if (arn::TYPE..arn::ID_EMPTY).contains(&state) {
            let expected = usize::try_from(state - arn::TYPE)
                .ok()
                .and_then(|i| ARN_TYPE.get(i));
            return (Some(&c) == expected).then_some(state + 1);
        }
        if matches!(c, '*' | '?') {
            return None;
        }
        match (state, c) {
            (arn::REGION, ':') => Some(arn::ACCOUNT_EMPTY),
            (arn::ACCOUNT, ':') => Some(arn::TYPE),
            (_, ':') => None,
            (arn::ID_EMPTY | arn::ID, '/') => None,
            (arn::REGION_EMPTY | arn::REGION, _) => Some(arn::REGION),
            (arn::ACCOUNT_EMPTY | arn::ACCOUNT, _) => Some(arn::ACCOUNT),
            (arn::ID_EMPTY | arn::ID, _) => Some(arn::ID),
            _ => None,
        }
    }

    /// The characters this state treats apart from any other (tried even when no atom names
    /// them): the next literal of the head or type, the `:` ending a non-empty field.
    fn special(self, state: u32) -> Option<char> {
        if self == Shape::Any {
            return None;
        }
        if let Some(&c) = usize::try_from(state).ok().and_then(|i| ARN_HEAD.get(i)) {
            return Some(c);
        }
        if (arn::TYPE..arn::ID_EMPTY).contains(&state) {
            return usize::try_from(state - arn::TYPE)
                .ok()
                .and_then(|i| ARN_TYPE.get(i))
                .copied();
        }
        matches!(state, arn::REGION | arn::ACCOUNT).then_some(':')
    }

    /// Whether the state moves on characters it does not treat apart (a field's content).
    fn takes_other(self, state: u32) -> bool {
        self == Shape::Any
            || state >= arn::REGION_EMPTY && !(arn::TYPE..arn::ID_EMPTY).contains(&state)
    }
}

/// One step of a glob or literal text, as the trie stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// This character.
    Lit(char),
    /// Any one character (`?`).
    One,
    /// Any sequence (`*`).
    Star,
}

/// A position: a node of a trie of globs, or of an ignore-case value's automaton.
#[derive(Debug, Default)]
struct Node {
    /// On a character, to a position.
    moves: Vec<(char, u32)>,
    /// On any character, to these positions (`?` steps).
    any: Vec<u32>,
    /// Positions live whenever this one is (`*` steps, which may match nothing).
    exits: Vec<u32>,
    /// Whether the node stays live on any character (it follows a `*`).
    looping: bool,
    /// The atom that accepts here, if any.
    verdict: Option<u32>,
}

/// The product automaton, before exploration.
///
/// Every glob and exact value is a path of one trie of tokens (runs of `*` collapsed), so
/// that patterns with a common start (a hundred ARN patterns sharing
/// `acs:ecs:*:<account>:imagepipeline/ip-team`) are one live position while they agree, not
/// a hundred: states stay short, and hashing them cheap. The space pattern has a trie of its
/// own, built first, so that its positions are the lowest; ignore-case values have their own
/// automata.
struct Automaton {
    shape: Shape,
    nodes: Vec<Node>,
    /// The space pattern's accepting node: positions up to it are its positions.
    within_end: Option<u32>,
    /// The live positions before any character, closed and sorted.
    start: Vec<u32>,
    atoms: usize,
}

impl Automaton {
    fn build(domain: &StringDomain, atoms: &[StringAtom]) -> Automaton {
        let mut automaton = Automaton {
            shape: Shape::Any,
            nodes: Vec::new(),
            within_end: None,
            start: Vec::new(),
            atoms: 0,
        };
        let mut start = Vec::new();
        if let StringDomain::ImagePipelineArn { within } = domain {
            automaton.shape = Shape::Arn;
            let root = automaton.add_node();
            start.push(root);
            automaton.within_end = Some(automaton.add_path(root, glob_tokens(within)));
        }
        let root = automaton.add_node();
        start.push(root);
        // Equal atoms give equal verdicts, and an atom whose verdict is the same for every
        // string of the domain splits nothing: neither changes which vectors are distinct.
        let mut seen: FxHashSet<StringAtom> = FxHashSet::default();
        for atom in atoms {
            let key = match atom {
                StringAtom::Glob(pattern) if !has_wildcard(pattern) => {
                    StringAtom::Exact(pattern.clone())
                }
                atom => atom.clone(),
            };
            if is_constant(domain, &key) || !seen.insert(key.clone()) {
                continue;
            }
            let Ok(index) = u32::try_from(automaton.atoms) else {
                break;
            };
            let end = match &key {
                StringAtom::Glob(pattern) => automaton.add_path(root, glob_tokens(pattern)),
                StringAtom::Exact(value) => automaton.add_path(root, value.chars().map(Token::Lit)),
                StringAtom::ExactIgnoreCase(value) => {
                    let (first, end) = automaton.add_fold(value);
                    start.push(first);
                    end
                }
            };
            if let Some(node) = automaton.node_mut(end) {
                node.verdict = Some(index);
            }
            automaton.atoms += 1;
        }
        automaton.close(&mut start);
        automaton.start = start;
        automaton
    }

    fn add_node(&mut self) -> u32 {
        let position = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(Node::default());
        position
    }

    fn node(&self, position: u32) -> Option<&Node> {
        usize::try_from(position)
            .ok()
            .and_then(|i| self.nodes.get(i))
    }

    fn node_mut(&mut self, position: u32) -> Option<&mut Node> {
        usize::try_from(position)
            .ok()
            .and_then(|i| self.nodes.get_mut(i))
    }

    /// The node at the end of `tokens` from `node`, added where the trie has none yet.
    fn add_path(&mut self, mut node: u32, tokens: impl Iterator<Item = Token>) -> u32 {
        for token in tokens {
            let existing = self.node(node).and_then(|n| {
                let edges = match token {
                    Token::Lit(c) => return n.moves.iter().find(|m| m.0 == c).map(|m| m.1),
                    Token::One => &n.any,
                    Token::Star => &n.exits,
                };
                edges.first().copied()
            });
            node = match existing {
                Some(child) => child,
                None => {
                    let child = self.add_node();
                    if let Some(n) = self.node_mut(node) {
                        match token {
                            Token::Lit(c) => n.moves.push((c, child)),
                            Token::One => n.any.push(child),
                            Token::Star => n.exits.push(child),
                        }
                    }
                    if token == Token::Star {
                        if let Some(c) = self.node_mut(child) {
                            c.looping = true;
                        }
                    }
                    child
                }
            };
        }
        node
    }

    /// Adds an ignore-case value: one position per character of its lower-case form (the
    /// crate compares `chars().flat_map(char::to_lowercase)`), moving on every character whose
    /// lower-case form continues it, however many characters that form has. Returns its first
    /// and accepting positions.
    fn add_fold(&mut self, value: &str) -> (u32, u32) {
        let lower: Vec<char> = value.chars().flat_map(char::to_lowercase).collect();
        let first = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        for j in 0..=lower.len() {
            let rest = lower.get(j..).unwrap_or(&[]);
            let moves = fold_moves(rest)
                .into_iter()
                .map(|(c, len)| {
                    let target = u32::try_from(j + len).unwrap_or(u32::MAX);
                    (c, first.saturating_add(target))
                })
                .collect();
            let node = self.add_node();
            if let Some(n) = self.node_mut(node) {
                n.moves = moves;
            }
        }
        let end = u32::try_from(lower.len()).unwrap_or(u32::MAX);
        (first, first.saturating_add(end))
    }

    /// Adds the positions live whenever some of `positions` are (a `*` may match nothing),
    /// then sorts and dedupes.
    fn close(&self, positions: &mut Vec<u32>) {
        let mut i = 0;
        while let Some(&p) = positions.get(i) {
            if let Some(node) = self.node(p) {
                positions.extend_from_slice(&node.exits);
            }
            i += 1;
        }
        positions.sort_unstable();
        positions.dedup();
    }

    /// Whether a state can still reach an accepting one as far as the space pattern knows.
    fn within_alive(&self, positions: &[u32]) -> bool {
        match self.within_end {
            None => true,
            Some(end) => positions.first().is_some_and(|&p| p <= end),
        }
    }

    fn accepts(&self, domain_state: u32, positions: &[u32]) -> bool {
        self.shape.accepts(domain_state)
            && match self.within_end {
                None => true,
                Some(end) => positions.binary_search(&end).is_ok(),
            }
    }

    /// The verdicts of a state's live positions, as a bit set.
    fn verdicts(&self, positions: &[u32]) -> Box<[u64]> {
        let mut bits = vec![0u64; self.atoms.div_ceil(64)];
        for &p in positions {
            let verdict = self.node(p).and_then(|node| node.verdict);
            if let Some(atom) = verdict.and_then(|a| usize::try_from(a).ok()) {
                if let Some(word) = bits.get_mut(atom / 64) {
                    *word |= 1 << (atom % 64);
                }
            }
        }
        bits.into_boxed_slice()
    }

    /// The breadth-first exploration (see the module docs).
    fn explore(&self, limit: usize, max_states: usize) -> Result<Vec<String>, Exceeded> {
        let mut states = States::default();
        let mut first = Vec::with_capacity(self.start.len() + 1);
        first.push(self.shape.start());
        first.extend_from_slice(&self.start);
        if self.within_alive(&self.start) {
            states.intern(&first, None);
        }
        let mut vectors: FxHashSet<Box<[u64]>> = FxHashSet::default();
        let mut witnesses = Vec::new();
        let mut universal: Vec<u32> = Vec::new();
        let mut specific: Vec<(char, u32)> = Vec::new();
        let mut chars: Vec<char> = Vec::new();
        let mut next: Vec<u32> = Vec::new();
        let mut current: Vec<u32> = Vec::new();
        let mut id = 0usize;
        while let Some(state) = states.get(id) {
            current.clear();
            current.extend_from_slice(state);
            let Some((&domain_state, positions)) = current.split_first() else {
                break;
            };
            if self.accepts(domain_state, positions) && vectors.insert(self.verdicts(positions)) {
                if vectors.len() > limit {
                    return Err(Exceeded);
                }
                witnesses.push(states.path(id));
            }
            universal.clear();
            specific.clear();
            for &p in positions {
                if let Some(node) = self.node(p) {
                    specific.extend_from_slice(&node.moves);
                    universal.extend_from_slice(&node.any);
                    if node.looping {
                        universal.push(p);
                    }
                }
            }
            specific.sort_unstable();
            chars.clear();
            chars.extend(specific.iter().map(|&(c, _)| c));
            chars.extend(self.shape.special(domain_state));
            chars.sort_unstable();
            chars.dedup();
            let parent = u32::try_from(id).map_err(|_| Exceeded)?;
            for &c in &chars {
                let Some(domain_next) = self.shape.step(domain_state, c) else {
                    continue;
                };
                next.clear();
                next.extend_from_slice(&universal);
                let from = specific.partition_point(|&(d, _)| d < c);
                next.extend(
                    specific
                        .iter()
                        .skip(from)
                        .take_while(|&&(d, _)| d == c)
                        .map(|&(_, target)| target),
                );
                self.add_successor(&mut states, &mut next, domain_next, (parent, c));
            }
            if self.shape.takes_other(domain_state) {
                if let Some(other) = other_char(&chars) {
                    if let Some(domain_next) = self.shape.step(domain_state, other) {
                        next.clear();
                        next.extend_from_slice(&universal);
                        self.add_successor(&mut states, &mut next, domain_next, (parent, other));
                    }
                }
            }
            if states.len() > max_states {
                return Err(Exceeded);
            }
            id += 1;
        }
        Ok(witnesses)
    }

    fn add_successor(
        &self,
        states: &mut States,
        positions: &mut Vec<u32>,
        domain_state: u32,
        edge: (u32, char),
    ) {
        self.close(positions);
        if !self.within_alive(positions) {
            return;
        }
        positions.insert(0, domain_state);
        states.intern(positions, Some(edge));
    }
}

/// A glob's tokens, runs of `*` collapsed (they match what one `*` matches).
fn glob_tokens(pattern: &str) -> impl Iterator<Item = Token> + '_ {
    let mut after_star = false;
    pattern.chars().filter_map(move |c| {
        let token = match c {
            '*' if after_star => return None,
            '*' => Token::Star,
            '?' => Token::One,
            c => Token::Lit(c),
        };
        after_star = token == Token::Star;
        Some(token)
    })
}

/// The states found so far, in breadth-first order, each with the edge it was first reached
/// by; stored flat and found again through a table of their ids.
#[derive(Default)]
struct States {
    words: Vec<u32>,
    ends: Vec<usize>,
    parents: Vec<Option<(u32, char)>>,
    table: HashTable<u32>,
    hasher: FxBuildHasher,
}

impl States {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, id: usize) -> Option<&[u32]> {
        let end = *self.ends.get(id)?;
        let start = match id.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.words.get(start..end)
    }

    fn intern(&mut self, state: &[u32], parent: Option<(u32, char)>) {
        let hash = self.hasher.hash_one(state);
        let (words, ends) = (&self.words, &self.ends);
        let slice = |id: u32| {
            let id = usize::try_from(id).unwrap_or(usize::MAX);
            let end = ends.get(id).copied().unwrap_or(0);
            let start = id
                .checked_sub(1)
                .and_then(|b| ends.get(b))
                .copied()
                .unwrap_or(0);
            words.get(start..end).unwrap_or(&[])
        };
        if self.table.find(hash, |&id| slice(id) == state).is_some() {
            return;
        }
        let Ok(id) = u32::try_from(self.ends.len()) else {
            return;
        };
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, id, |&id| hasher.hash_one(slice(id)));
        self.words.extend_from_slice(state);
        self.ends.push(self.words.len());
        self.parents.push(parent);
    }

    /// The string that first reached state `id`.
    fn path(&self, mut id: usize) -> String {
        let mut chars = Vec::new();
        while let Some(&Some((parent, c))) = self.parents.get(id) {
            chars.push(c);
            id = usize::try_from(parent).unwrap_or(0);
        }
        chars.iter().rev().collect()
    }
}

/// Regions a polished witness may name: real ones read better than the shortest string.
const REGIONS: [&str; 6] = [
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "ap-southeast-1",
    "us-west-1",
    "eu-central-1",
];

/// A witness of the same class as `witness` that reads like a real ARN where one exists: a
/// real region in place of an invented or cut one (`x`, `cn-`), and an id that does not end
/// in `-` (`prod-` becomes `prod-1`). Every candidate is checked to give the same verdict for
/// every atom and to stay in the domain, so the class is unchanged; `witness` itself when no
/// candidate does.
pub(crate) fn polish(domain: &StringDomain, atoms: &[StringAtom], witness: &str) -> String {
    let StringDomain::ImagePipelineArn { within } = domain else {
        return witness.to_owned();
    };
    let verdicts = |text: &str| -> Vec<bool> { atoms.iter().map(|a| a.matches(text)).collect() };
    let wanted = verdicts(witness);
    let same = |text: &str| {
        is_pipeline_arn(text)
            && crate::matching::wildcard_match(within, text)
            && verdicts(text) == wanted
    };
    let Some((head, id)) = witness.rsplit_once(":imagepipeline/") else {
        return witness.to_owned();
    };
    let Some((region, account)) = head
        .strip_prefix("acs:ecs:")
        .and_then(|rest| rest.split_once(':'))
    else {
        return witness.to_owned();
    };
    let arn = |region: &str, id: &str| format!("acs:ecs:{region}:{account}:imagepipeline/{id}");
    let mut best = witness.to_owned();
    if !REGIONS.contains(&region) {
        if let Some(better) = REGIONS
            .iter()
            .map(|r| arn(r, id))
            .find(|candidate| same(candidate))
        {
            best = better;
        }
    }
    if id.ends_with(['-', '_', '.']) || id.len() == 1 {
        let region = best
            .strip_prefix("acs:ecs:")
            .and_then(|rest| rest.split_once(':'))
            .map_or(region, |(r, _)| r)
            .to_owned();
        if let Some(better) = ["1", "-1", "build-1"]
            .iter()
            .map(|tail| arn(&region, &format!("{id}{tail}")))
            .find(|candidate| same(candidate))
        {
            best = better;
        }
    }
    best
}

impl StringAtom {
    /// Whether `text` passes this test, by the crate's own matchers.
    fn matches(&self, text: &str) -> bool {
        match self {
            StringAtom::Glob(pattern) => crate::matching::wildcard_match(pattern, text),
            StringAtom::Exact(value) => value == text,
            StringAtom::ExactIgnoreCase(value) => {
                crate::vocabulary::StringTest::EqualsIgnoreCase.holds(text, value)
            }
        }
    }
}

/// A printable character that is neither in `named` (sorted) nor reserved.
fn other_char(named: &[char]) -> Option<char> {
    let free = |c: &char| named.binary_search(c).is_err() && !RESERVED.contains(c);
    OTHER_CANDIDATES.chars().find(free).or_else(|| {
        ('\u{c0}'..=char::MAX)
            .filter(|c| c.is_alphanumeric())
            .find(free)
    })
}

/// Whether an atom judges every string of the domain alike, so that it splits nothing: a
/// glob of only `*` matches every string; an exact value outside the domain, or a glob
/// whose fixed start contradicts the ARN head, matches none.
fn is_constant(domain: &StringDomain, atom: &StringAtom) -> bool {
    match atom {
        StringAtom::Glob(pattern) => {
            if !pattern.is_empty() && pattern.chars().all(|c| c == '*') {
                return true;
            }
            match domain {
                StringDomain::Any => false,
                StringDomain::ImagePipelineArn { .. } => pattern
                    .chars()
                    .take_while(|&c| c != '*')
                    .zip(ARN_HEAD)
                    .any(|(p, &h)| p != '?' && p != h),
            }
        }
        StringAtom::Exact(value) => match domain {
            StringDomain::Any => false,
            StringDomain::ImagePipelineArn { within } => {
                !(is_pipeline_arn(value) && crate::matching::wildcard_match(within, value))
            }
        },
        StringAtom::ExactIgnoreCase(_) => false,
    }
}

/// Whether `text` has the structure of [`StringDomain::ImagePipelineArn`].
fn is_pipeline_arn(text: &str) -> bool {
    let mut state = Shape::Arn.start();
    for c in text.chars() {
        match Shape::Arn.step(state, c) {
            Some(next) => state = next,
            None => return false,
        }
    }
    Shape::Arn.accepts(state)
}

/// Characters and their lower-case forms, by the form's first character.
type InverseLowerCase = FxHashMap<char, Vec<(char, Vec<char>)>>;

/// Every character whose lower-case form starts `rest`, with that form's length.
fn fold_moves(rest: &[char]) -> Vec<(char, usize)> {
    let Some(&head) = rest.first() else {
        return Vec::new();
    };
    let mut moves = Vec::new();
    if head.to_lowercase().eq([head]) {
        moves.push((head, 1));
    }
    if let Some(others) = inverse_lower_case().get(&head) {
        for (c, lower) in others {
            if rest.starts_with(lower) {
                moves.push((*c, lower.len()));
            }
        }
    }
    moves
}

/// Each character whose lower-case form is not itself, by the first character of that form.
/// Built once, on the first ignore-case atom (a scan of every `char`).
fn inverse_lower_case() -> &'static InverseLowerCase {
    static INVERSE: OnceLock<InverseLowerCase> = OnceLock::new();
    INVERSE.get_or_init(|| {
        let mut inverse = InverseLowerCase::default();
        for c in '\0'..=char::MAX {
            let lower: Vec<char> = c.to_lowercase().collect();
            if lower != [c] {
                if let Some(&head) = lower.first() {
                    inverse.entry(head).or_default().push((c, lower));
                }
            }
        }
        inverse
    })
}

#[cfg(test)]
mod tests;
