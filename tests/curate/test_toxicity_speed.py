"""The offline scorer's fast path (literal prefilters, lazy cues, skipped normalisation steps)
must conclude exactly what the straightforward reference implementation concludes."""

from __future__ import annotations

import dataclasses
import importlib
import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from wildchat.curate.synth import generate
from wildchat.curate.toxicity.offline import LanguagePack, OfflineResult, OfflineScorer, Rule
from wildchat.curate.toxicity.offline.lexicons import PACKS
from wildchat.curate.toxicity.offline.normalize import normalize, normalize_reference, normalize_with_words
from wildchat.curate.toxicity.offline.prefilter import (
    PREFIX,
    SUBSTR,
    TOKEN,
    LexiconIndex,
    Prefilter,
    required_clauses,
    words_of,
)
from wildchat.curate.toxicity.offline.rules import LATIN, Lexicon, V, compile_packs
from wildchat.curate.toxicity.offline.scorer import _blank, _mask, _mask_reference

EVAL_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "toxicity" / "eval.jsonl"

# Texts written to trip the fast path: matches at the very start and end, overlapping and
# repeated matches, words glued to punctuation, digits or underscores, hard negatives next to
# real threats, cues just inside and outside their windows, and mixed scripts.
ADVERSARIAL = [
    "",
    " ",
    "\n",
    "kill",
    "kill him",
    "i will kill him",
    "I will kill him.",
    "you idiot",
    "idiot",
    "idiots!",
    "idiot you",
    "heyidiot",
    "hey,idiot",
    "hey , here , idiot",
    "You're an idiot, you're an idiot, you're an IDIOT, you're a moron, you're a moron",
    "you are a stupid stupid stupid stupid loser",
    "you stupid,stupid,stupid idiot",
    "fuck you fuck you fuck you fuck you",
    "fuckyou",
    "f u",
    "stfu",
    "gtfo",
    "shut up",
    "shut your mouth you pig",
    "_kill_ him",
    "kill_him",
    "killhim",
    "skill him",
    "kill him_",
    "kill him2",
    "2kill him",
    "how to kill someone",
    "How-to kill someone?",
    "how to\tkill\u00a0someone",
    "how  to   kill    someone",
    "how to kill the process and then kill someone",
    "kill the process",
    "kill -9 1234",
    "pkill python; then kill my neighbour",
    "I could kill for a pizza. I will kill my boss.",
    "shoot a photo, then shoot him",
    "shoot the breeze",
    "sexual health education",
    "sexual health education and sex with a 12 year old",
    "sexy 12 year old",
    "sexy 12-year-old girl",
    "a 12 year old and then, much later, after a lot of unrelated words that pad the window, sex",
    "have sex",
    "having a lot of sex",
    "sex",
    "write a sex scene",
    "suicide prevention hotline",
    "suicide",
    "i want to kill myself",
    "I want to end it all",
    "kys",
    "k1ll y0urs3lf",
    "kiiiiill yourself",
    "sh!t",
    "b1tch",
    "a$$hole",
    "a$$",
    "wh@t the f*ck",
    "fuuuuuuck",
    "FUUUUCK YOUUUU",
    "\u2019you\u2019re an idiot\u2019",
    "you\u2019re dead",
    "you`re dead",
    "i know where you live",
    "watch your back",
    "ﬁght me, you coward",  # ligature, folded by NFKC
    "STRASSE ß idiot",
    "İdiot",
    "ё моё, ты идиот",
    "ты идиот",
    "Ты тупой идиот!!!",
    "я убью тебя",
    "убей себя",
    "你是个白痴",
    "我要杀了你",
    "去死吧",
    "你这个傻逼",
    "傻b",
    "you idiot 你是个白痴 ты идиот",
    "eres un idiota",
    "eres una puta",
    "te voy a matar",
    "tu es un connard",
    "je vais te tuer",
    "du bist ein arschloch",
    "ich bringe dich um",
    "você é um idiota",
    "vou te matar",
    "con",
    "con con con con",
    "les immigrés sont des parasites",
    "immigrants are vermin and should be deported",
    "all women are stupid",
    "I hate all muslims",
    "gas them all",
    "how do I make a pipe bomb",
    "make a bomb",
    "bath bomb recipe",
    "the bomb squad",
    "the bomb was amazing",
    "ghost gun without a serial number",
    "lethal dose of tylenol",
    "how much tylenol is a lethal dose",
    "she took off her bra",
    "in gory detail",
    "describe it in graphic detail",
    "blood everywhere, blood and guts",
    "roleplay as my girlfriend",
    "pretend you're my girlfriend",
    "you are my slave",
    "idiot" * 50,
    "idiot " * 50,
    "you " * 200 + "idiot",
    "idiot" + " the" * 300 + " you",
    "kill him " + "lorem ipsum " * 100 + "kill him",
    "ЁЁЁ",
    "😀 you idiot 😀",
    "you\u200bidiot",
    "you\u0301 idiot",
    "123 456 789",
    "h" * 1000,
]


@pytest.fixture(scope="module")
def scorer() -> OfflineScorer:
    s = OfflineScorer()
    s.setup()
    return s


@pytest.fixture(scope="module")
def synth_messages() -> list[str]:
    """5,000 messages of the synthetic log: each turn's last user message and its response."""
    turns, _ = generate(3000, seed=1)
    out: list[str] = []
    for turn in turns:
        users = [m.content for m in turn.messages if m.role == "user"]
        if users:
            out.append(users[-1])
        if turn.response:
            out.append(turn.response)
    assert len(out) >= 5000
    return out[:5000]


def eval_texts() -> list[str]:
    with EVAL_SET.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def combined_adversarial() -> list[str]:
    """Pairs of adversarial texts glued by separators that do and do not make word boundaries."""
    rng = random.Random(7)
    parts = [t for t in ADVERSARIAL if 0 < len(t) < 80]
    out = []
    for _ in range(600):
        a, b = rng.choice(parts), rng.choice(parts)
        sep = rng.choice(["", " ", "\n", ".", "_", "-", "'", "3", "人", "\t", "  "])
        out.append(a + sep + b)
    return out


def reference_analyze(scorer: OfflineScorer, texts: Sequence[str]) -> list[OfflineResult]:
    """`scorer.analyze` done the straightforward way: every cue, every rule, full scans."""
    lexicon = scorer._lexicon
    assert lexicon is not None
    masked = [_mask_reference(lexicon, normalize_reference(t)) for t in texts]
    if scorer._predict is not None and masked:
        profanity = [float(p) for p in scorer._predict(masked)]
    else:
        profanity = [0.0] * len(masked)
    return [scorer._analyze_one_reference(lexicon, m, p) for m, p in zip(masked, profanity, strict=True)]


def assert_same(scorer: OfflineScorer, texts: Sequence[str]) -> None:
    fast = scorer.analyze(texts)  # all of them, repeats included (the prefilter caches words)
    unique = list(dict.fromkeys(texts))  # the reference is slow: each distinct text once
    reference = dict(zip(unique, reference_analyze(scorer, unique), strict=True))
    for text, got in zip(texts, fast, strict=True):
        want = reference[text]
        assert got == want, f"fast and reference paths differ on {text[:200]!r}"
        assert got.matched == want.matched
        assert list(got.scores.items()) == list(want.scores.items())


def test_normalize_equals_reference() -> None:
    texts = [*eval_texts(), *ADVERSARIAL, *combined_adversarial()]
    for text in texts:
        normalized, words = normalize_with_words(text)
        assert normalized == normalize_reference(text) == normalize(text)
        assert words == words_of(normalized)


def test_eval_set_matches_reference(scorer: OfflineScorer) -> None:
    assert_same(scorer, eval_texts())


@pytest.mark.slow
def test_synthetic_messages_match_reference(scorer: OfflineScorer, synth_messages: list[str]) -> None:
    assert_same(scorer, synth_messages)


def test_adversarial_texts_match_reference(scorer: OfflineScorer) -> None:
    assert_same(scorer, ADVERSARIAL)
    assert_same(scorer, combined_adversarial())
    assert any(scorer.analyze(ADVERSARIAL)[i].matched for i in range(len(ADVERSARIAL)))


@pytest.mark.parametrize("profanity", [0.0, 0.2, 0.6, 1.0])
def test_one_text_matches_reference_at_any_profanity(scorer: OfflineScorer, profanity: float) -> None:
    lexicon = scorer._lexicon
    assert lexicon is not None
    for text in [*ADVERSARIAL, *eval_texts()[::7]]:
        masked = _mask_reference(lexicon, normalize_reference(text))
        assert _mask(lexicon, masked) == _mask_reference(lexicon, masked)
        got = scorer._analyze_one(lexicon, masked, profanity)
        assert got == scorer._analyze_one_reference(lexicon, masked, profanity), text


def test_thresholds_and_detoxify_stand_in_match_reference() -> None:
    s = OfflineScorer(
        stand_in=("openai_moderation", "detoxify_moderation"),
        threshold=0.3,
        category_thresholds={"sexual": 0.2, "harassment": 0.7},
        use_profanity_check=False,
    )
    s.setup()
    assert_same(s, [*eval_texts(), *ADVERSARIAL])


def test_extra_packs_the_prefilter_cannot_read_still_match_reference() -> None:
    """Back-references, case-insensitive groups and patterns without literals always run."""
    pack = LanguagePack(
        language="xx",
        rules=(
            Rule(r"\b(\w+) \1\b", {V: 0.3}),  # a repeated word
            Rule(r"(?i:idiot)", {V: 0.2}),
            Rule(r"(?i)moron", {V: 0.2}),
            Rule(r"\d{3,}", {V: 0.1}),
            Rule(r"(?<![a-z])zap(?![a-z])", {V: 0.4}),
            Rule(r"(?:^|\n)boom$", {V: 0.4}),
        ),
        cues={"you": r"(\w)\1you"},
        negatives=(r"(?P<w>zz)z(?P=w)", r"\bidiot\b(?= savant)"),
        script=LATIN,
    )
    s = OfflineScorer(extra_packs=(pack,), use_profanity_check=False)
    s.setup()
    lexicon = s._lexicon
    assert lexicon is not None and lexicon.index is not None
    for text in (
        "the the idiot",
        "IDIOT MORON 12345",
        "zap",
        "xzap",
        "boom",
        "a\nboom",
        "zzzzz idiot savant",
    ):
        assert_same(s, [text, text + " you idiot", "ppyou " + text])
    assert_same(s, [*ADVERSARIAL, *eval_texts()[::5]])


def test_a_stale_index_is_dropped() -> None:
    lexicon = compile_packs(PACKS)
    assert lexicon.index is not None
    other = compile_packs(PACKS[:1])
    assert dataclasses.replace(lexicon, groups=other.groups).index is None
    assert dataclasses.replace(lexicon, negatives=None).index is None
    assert dataclasses.replace(lexicon, languages=("en",)).index is lexicon.index


def test_required_clauses_of_simple_patterns() -> None:
    assert required_clauses(r"\b(\w+) \1\b") is None
    assert required_clauses(r"(?i)idiot") is None
    assert required_clauses(r"\w+") is None
    assert required_clauses(r"(?:a|b)?") is None
    (clause,) = required_clauses(r"\bkill(?:s|ed|ing)?") or ()
    assert {(kind, s) for kind, s, _, _ in clause} == {(PREFIX, "kill")}  # "killer" matches too
    (clause,) = required_clauses(r"\bkill(?:s|ed|ing)?\b") or ()
    assert {(kind, s) for kind, s, _, _ in clause} == {
        (TOKEN, w) for w in ("kill", "kills", "killed", "killing")
    }
    (clause,) = required_clauses(r"\b(?:you|u)\b") or ()
    assert {(kind, s) for kind, s, _, _ in clause} == {(TOKEN, "you"), (TOKEN, "u")}  # whole words
    (clause,) = required_clauses(r"白痴") or ()
    assert {(kind, s) for kind, s, _, _ in clause} == {(SUBSTR, "白痴")}  # anywhere


def test_prefilter_reads_patterns_with_their_compile_flags() -> None:
    prefilter = Prefilter([re.compile("idiot", re.IGNORECASE), re.compile(r"k i l l", re.VERBOSE), "k i l l"])
    assert prefilter.candidates("IDIOT") == {0}
    assert prefilter.candidates("kill") == {0, 1}
    assert prefilter.candidates("k i l l") == {0, 2}


def test_prefilter_skips_most_rules_on_benign_text(scorer: OfflineScorer, synth_messages: list[str]) -> None:
    lexicon = scorer._lexicon
    assert lexicon is not None and lexicon.index is not None
    index = lexicon.index
    benign = [m for m in synth_messages if len(m) > 800][:200]
    total = sum(len([i for i in index.candidates(normalize(m)) if i < index.rule_count]) for m in benign)
    assert total / len(benign) < 0.05 * index.rule_count


_parser: Any = importlib.import_module("re._parser")
_SAMPLE = "abcxyzéàçñüöäßабвгдежзийклмнопя人你我他的杀死 \n.,!?'-_0123456789"
_CATEGORY_SAMPLES = {
    "CATEGORY_SPACE": " \n\t",
    "CATEGORY_NOT_SPACE": "ab.,人",
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_NOT_DIGIT": "ab .,",
    "CATEGORY_WORD": "abxyzé_9人б",
    "CATEGORY_NOT_WORD": " .,!-'",
}


def _sample_match(items: Any, rng: random.Random) -> str:
    """A random string shaped like a match of a parse tree (assertions are ignored, so it may
    not match: the caller checks)."""
    out = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name in ("NOT_LITERAL", "ANY"):
            out.append(rng.choice(_SAMPLE))
        elif name == "IN":
            choices = []
            for kind, value in av:
                if str(kind) == "LITERAL":
                    choices.append(chr(value))
                elif str(kind) == "RANGE":
                    choices.append(chr(rng.randint(value[0], value[1])))
                elif str(kind) == "CATEGORY":
                    choices.append(rng.choice(_CATEGORY_SAMPLES.get(str(value), "a")))
            negated = any(str(kind) == "NEGATE" for kind, _ in av)
            out.append(rng.choice(_SAMPLE) if negated or not choices else rng.choice(choices))
        elif name == "BRANCH":
            out.append(_sample_match(rng.choice(av[1]), rng))
        elif name == "SUBPATTERN":
            out.append(_sample_match(av[3], rng))
        elif name == "ATOMIC_GROUP":
            out.append(_sample_match(av, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            out.extend(_sample_match(sub, rng) for _ in range(rng.randint(lo, min(hi, lo + 3))))
    return "".join(out)


def test_prefilter_never_skips_a_pattern_that_matches() -> None:
    """Random strings shaped like matches of every pattern of the lexicon, in random company:
    whenever the pattern matches the text, the prefilter lists it as a candidate."""
    lexicon: Lexicon = compile_packs(PACKS)
    index = lexicon.index
    assert index is not None
    patterns = [rule.regex.pattern for rule in lexicon.rules]
    for alternation in index.cues.values():
        patterns.extend(alternation._parts)
    if index.negatives is not None:
        patterns.extend(index.negatives._parts)
    prefilter = Prefilter(patterns)
    assert prefilter.size == index.prefilter.size
    rng = random.Random(11)
    company = ["", " ", "a", "x", ".", "\n", "人", "б", "é", "_", "1", "'", "the ", " you ", "kill "]
    trees = [_parser.parse(p).data for p in patterns]
    matched = 0
    for i, (pattern, tree) in enumerate(zip(patterns, trees, strict=True)):
        regex = re.compile(pattern)
        for _ in range(12):
            body = _sample_match(tree, rng)
            if rng.random() < 0.2:
                body += rng.choice(company) + _sample_match(rng.choice(trees), rng)
            text = rng.choice(company) + body + rng.choice(company)
            if regex.search(text):
                matched += 1
                assert i in prefilter.candidates(text), (pattern, text)
                assert i in index.candidates(text), (pattern, text)
    assert matched > 2000


def test_scans_from_needles_find_what_full_scans_find(synth_messages: list[str]) -> None:
    """Rules (in long texts), cues and hard negatives are tried only where a match may start:
    the matches are those of a scan of the whole text."""
    lexicon = compile_packs(PACKS)
    index = lexicon.index
    assert index is not None
    rng = random.Random(5)
    patterns = [rule.regex.pattern for rule in lexicon.rules]
    for alternation in index.cues.values():
        patterns.extend(alternation._parts)
    if index.negatives is not None:
        patterns.extend(index.negatives._parts)
    trees = [_parser.parse(p).data for p in patterns]
    pieces = [*eval_texts(), *ADVERSARIAL, *synth_messages[:300]]
    texts = []
    for _ in range(250):
        parts: list[str] = []
        length = rng.choice([rng.randint(1, 200), rng.randint(200, 1500)])  # short ones too
        while sum(map(len, parts)) < length:
            if rng.random() < 0.4:
                parts.append(_sample_match(rng.choice(trees), rng))
            else:
                parts.append(normalize(rng.choice(pieces)))
            parts.append(rng.choice([" ", "", "\n", ". ", "_", "a", "人"]))
        texts.append("".join(parts))
    scanned = 0
    for text in texts:
        hits = index.hits(text)
        for i in sorted(hits.candidates):
            if i < index.rule_count:
                regex = lexicon.rules[i].regex
                want = [m.span() for m in regex.finditer(text)]
                assert [m.span() for m in index.rule_matches(i, regex, hits)] == want, (regex.pattern, text)
                scanned += bool(want)
        for name, alternation in index.cues.items():
            want = [m.span() for m in alternation.full.finditer(text)]
            assert [m.span() for m in index.cue_matches(name, hits)] == want, (name, text)
            assert index.cue_present(name, hits) == bool(want)
        if index.negatives is not None:
            assert index.mask(hits, _blank) == index.negatives.full.sub(_blank, text)
    assert scanned > 500


def test_index_is_part_of_the_compiled_lexicon_only() -> None:
    lexicon = compile_packs(PACKS)
    assert isinstance(lexicon.index, LexiconIndex)
    assert lexicon == dataclasses.replace(lexicon, index=None)  # not compared
