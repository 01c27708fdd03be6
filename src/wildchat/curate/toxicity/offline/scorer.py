"""The offline scorer: hand-written multilingual lexicons plus alt-profanity-check, no network.

See the package docstring for what it is, what it is not, and how its output maps onto the
released fields.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from wildchat.curate.toxicity.base import (
    DETOXIFY_FIELD,
    MODERATION_FIELD,
    RELEASED_FIELDS,
    ReleasedField,
    ScorerNotReady,
    TextScores,
)
from wildchat.curate.toxicity.offline.lexicons import LEXICON_VERSION, PACKS
from wildchat.curate.toxicity.offline.normalize import normalize, normalize_with_words
from wildchat.curate.toxicity.offline.prefilter import Hits, LexiconIndex
from wildchat.curate.toxicity.offline.rules import (
    CATEGORIES_WITH_PROFANITY,
    HA,
    HAT,
    HT,
    PROF,
    SH,
    SHI,
    SHN,
    SX,
    SXM,
    VG,
    H,
    LanguagePack,
    Lexicon,
    V,
    compile_packs,
)
from wildchat.curate.toxicity.schema import MODERATION_CATEGORIES, detoxify_record, moderation_record

DAMP = 0.4  # topic-only evidence ("suicide") inside a support/prevention context
PROFANITY_TO_HARASSMENT = 0.45  # swearing at "you" is a harassment cue, not a flag on its own
# alt-profanity-check's probability, taken on the text with exclamations and intensifiers ("holy
# shit", "this fucking printer") blanked out, is evidence on its own from PROFANITY_FLOOR: what it
# still scores that high is mostly abuse, slurs (which our lexicons deliberately do not list) or
# sex. It is trained on English only: elsewhere its scores are noise, so they count only in texts
# that look English. Measured on the dev halves of benchmarks/data/toxicity (lexicon 1.3).
PROFANITY_FLOOR = 0.8
PROFANITY_WEIGHT = 0.6  # 0.6 * p flags from p >= 0.84 alone; with any weak cue from the floor
SEXUAL_CONTEXT = 0.35  # sexual evidence (more than "ass" alone) from which swearing is read as sexual
_ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|you|your|are|is|of|my|it|this|that|with|for|what|how|they|she|his|we|have|not|can|"
    r"just|to|i)\b"
)
MINOR_WINDOW = 80
MAX_HITS_PER_RULE = 3
# A child category implies its parent: the parent's score is at least the child's.
_PARENTS = ((HT, H), (HAT, HA), (SHI, SH), (SHN, SH), (SXM, SX), (VG, V))
DETOXIFY_RULE_THRESHOLD = 0.1  # the release's `toxicity > 0.1`; the stand-in is rescaled to it


@dataclass(frozen=True, slots=True)
class OfflineResult:
    """Everything the scorer concluded about one text (the released fields hold a subset)."""

    scores: Mapping[str, float]  # the 11 moderation categories + "profanity", 0..1
    flags: Mapping[str, bool]  # the 11 moderation categories
    flagged: bool
    profanity_check: float  # alt-profanity-check's own probability (English-trained)
    matched: tuple[str, ...]  # ids of the rules that fired, for explanations and debugging

    @property
    def categories(self) -> list[str]:
        return [c for c in MODERATION_CATEGORIES if self.flags[c]]


@dataclass
class OfflineScorer:
    stand_in: tuple[ReleasedField, ...] = (MODERATION_FIELD,)
    threshold: float = 0.5
    category_thresholds: Mapping[str, float] = field(default_factory=dict)
    use_profanity_check: bool = True
    extra_packs: tuple[LanguagePack, ...] = ()
    name: str = field(default="offline", init=False)
    _lexicon: Lexicon | None = field(default=None, init=False, repr=False, compare=False)
    _predict: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.stand_in = tuple(self.stand_in)
        unknown = set(self.stand_in) - set(RELEASED_FIELDS)
        if unknown or not self.stand_in:
            raise ValueError(f"stand_in must name released fields {RELEASED_FIELDS}, got {self.stand_in}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("threshold must be in (0, 1)")

    @property
    def fields(self) -> tuple[ReleasedField, ...]:
        return self.stand_in

    @property
    def version(self) -> str:
        if not self.use_profanity_check:
            return f"lexicon {LEXICON_VERSION}"
        try:
            profanity = metadata.version("alt-profanity-check")
        except metadata.PackageNotFoundError:
            profanity = "unknown"
        return f"lexicon {LEXICON_VERSION} + alt-profanity-check {profanity}"

    def describe(self) -> str:
        fields = " and ".join(f"`{f}`" for f in self.stand_in)
        return (
            f"wildchat offline scorer ({self.version}): multilingual keyword/pattern rules, a stand-in "
            f"filling {fields}; NOT the OpenAI Moderation API or a Detoxify model"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.update(_lexicon=None, _predict=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def setup(self) -> None:
        self._lexicon = compile_packs((*PACKS, *self.extra_packs))
        if self.use_profanity_check:
            from profanity_check import predict_prob

            self._predict = predict_prob

    def threshold_for(self, category: str) -> float:
        return self.category_thresholds.get(category, self.threshold)

    def analyze(self, texts: Sequence[str]) -> list[OfflineResult]:
        if self._lexicon is None:
            raise ScorerNotReady("call setup() before analyze() or score()")
        lexicon = self._lexicon
        prepared = [_prepare(lexicon, t) for t in texts]
        masked = [m for m, _ in prepared]
        if self._predict is not None and masked:
            profanity = [float(p) for p in self._predict(masked)]
        else:
            profanity = [0.0] * len(masked)
        return [
            self._analyze_one(lexicon, m, p, hits) for (m, hits), p in zip(prepared, profanity, strict=True)
        ]

    def score(self, texts: Sequence[str]) -> list[TextScores]:
        results = self.analyze(texts)
        out: list[TextScores] = []
        for r in results:
            moderation = (
                moderation_record(r.flags, r.scores, r.flagged) if MODERATION_FIELD in self.stand_in else None
            )
            detoxify = self._detoxify_shaped(r) if DETOXIFY_FIELD in self.stand_in else None
            out.append(TextScores(openai_moderation=moderation, detoxify_moderation=detoxify))
        return out

    def _analyze_one(
        self, lexicon: Lexicon, text: str, profanity_check: float, hits: Hits | None = None
    ) -> OfflineResult:
        """What `_analyze_one_reference` concludes, computed with the lexicon's prefilter: only
        the rules and cues that may match the text run, each from where its first match may
        start, and a cue only as far as something needs it. `hits`: the prefilter's answer for
        `text`, when already known."""
        index = lexicon.index
        if index is None:
            return self._analyze_one_reference(lexicon, text, profanity_check)
        if hits is None:
            hits = index.hits(text)
        candidates = hits.candidates
        cues = _CueSpans(index, hits)
        evidence: dict[str, dict[str, float]] = {c: {} for c in CATEGORIES_WITH_PROFANITY}
        matched: list[str] = []
        sexual_spans: list[tuple[int, int]] = []
        # Candidate rules by id (their position in `lexicon.rules`), in order.
        rule_ids = sorted(i for i in candidates if i < index.rule_count)
        offset = 0
        for script, group in lexicon.groups:
            first = offset
            offset += len(group)
            ids = rule_ids[bisect_left(rule_ids, first) : bisect_left(rule_ids, offset)]
            if not ids or not script.search(text):
                continue
            for i in ids:
                rule = group[i - first]
                limit = 1 if rule.damp else MAX_HITS_PER_RULE
                found_words: set[str] = set()
                # The same matches as rule.regex.finditer(text), looked for only where they may be.
                for match in index.rule_matches(i, rule.regex, hits):
                    start, end = match.span()
                    said = match.group(0).strip()
                    if said in found_words:
                        continue
                    if rule.needs and not all(cues.near(c, start, end, rule.window) for c in rule.needs):
                        continue
                    found_words.add(said)
                    factor = DAMP if rule.damp and cues.present("support") else 1.0
                    for category, weight in rule.evidence.items():
                        found = evidence[category]
                        found[said] = max(found.get(said, 0.0), weight * factor)
                    if SX in rule.evidence:
                        sexual_spans.append((start, end))
                    if len(found_words) >= limit:
                        break
                if found_words:
                    matched.append(rule.rule_id)
        return self._conclude(
            evidence,
            profanity_check,
            text,
            group=lambda: cues.present("group"),
            addressed=cues.present("you"),
            sexual_spans=sexual_spans,
            minor_near=lambda start, end: cues.near("minor", start, end, MINOR_WINDOW),
            matched=matched,
        )

    def _analyze_one_reference(self, lexicon: Lexicon, text: str, profanity_check: float) -> OfflineResult:
        """The straightforward version of `_analyze_one`: every cue and every rule of each script
        present runs over the whole text. Kept as the reference the optimised path must equal."""
        spans = {name: [m.span() for m in regex.finditer(text)] for name, regex in lexicon.cues.items()}
        support = bool(spans.get("support"))
        # Evidence per category, keyed by the matched words: the same word matched by several packs
        # ("sexual" is English, Spanish and Portuguese) or repeated is one piece of evidence.
        evidence: dict[str, dict[str, float]] = {c: {} for c in CATEGORIES_WITH_PROFANITY}
        matched: list[str] = []
        sexual_spans: list[tuple[int, int]] = []
        rules = [rule for script, group in lexicon.groups if script.search(text) for rule in group]
        for rule in rules:
            # Distinct words of one rule add up ("sexy" + "seduce"), but topic-only rules count once
            # so that a long article about, say, sex education does not accumulate into a flag.
            limit = 1 if rule.damp else MAX_HITS_PER_RULE
            hits: set[str] = set()
            for match in rule.regex.finditer(text):
                start, end = match.span()
                words = match.group(0).strip()
                if words in hits:
                    continue
                if rule.needs and not all(
                    _near(spans.get(c, ()), start, end, rule.window) for c in rule.needs
                ):
                    continue
                hits.add(words)
                factor = DAMP if rule.damp and support else 1.0
                for category, weight in rule.evidence.items():
                    found = evidence[category]
                    found[words] = max(found.get(words, 0.0), weight * factor)
                if SX in rule.evidence:
                    sexual_spans.append((start, end))
                if len(hits) >= limit:
                    break
            if hits:
                matched.append(rule.rule_id)
        return self._conclude(
            evidence,
            profanity_check,
            text,
            group=lambda: bool(spans.get("group")),
            addressed=bool(spans.get("you")),
            sexual_spans=sexual_spans,
            minor_near=lambda start, end: _near(spans.get("minor", ()), start, end, MINOR_WINDOW),
            matched=matched,
        )

    def _conclude(
        self,
        evidence: dict[str, dict[str, float]],
        profanity_check: float,
        text: str,
        group: Callable[[], bool],
        addressed: bool,
        sexual_spans: list[tuple[int, int]],
        minor_near: Callable[[int, int], bool],
        matched: list[str],
    ) -> OfflineResult:
        """Scores and flags from the evidence, shared by both paths: `text`, the masked text;
        `group`, whether a group of people is named; `addressed`, someone is spoken to ("you");
        `minor_near`, whether a minor is mentioned near a sexual span."""
        scores = {c: _noisy_or(list(evidence[c].values())) for c in CATEGORIES_WITH_PROFANITY}
        scores[PROF] = max(scores[PROF], profanity_check)
        if addressed:
            scores[H] = _noisy_or([scores[H], PROFANITY_TO_HARASSMENT * scores[PROF]])
        if profanity_check >= PROFANITY_FLOOR and _looks_english(text):
            target = SX if scores[SX] >= SEXUAL_CONTEXT else HA if group() else H
            scores[target] = _noisy_or([scores[target], PROFANITY_WEIGHT * profanity_check])
        if (
            sexual_spans
            and scores[SX] >= self.threshold_for(SX)
            and any(minor_near(start, end) for start, end in sexual_spans)
        ):
            scores[SXM] = max(scores[SXM], scores[SX])
        for child, parent in _PARENTS:
            scores[parent] = max(scores[parent], scores[child])
        flags = {c: scores[c] >= self.threshold_for(c) for c in MODERATION_CATEGORIES}
        return OfflineResult(
            scores={c: round(scores[c], 6) for c in CATEGORIES_WITH_PROFANITY},
            flags=flags,
            flagged=any(flags.values()),
            profanity_check=profanity_check,
            matched=tuple(matched),
        )

    def _detoxify_shaped(self, r: OfflineResult) -> dict[str, float]:
        """Detoxify's seven labels from our categories, rescaled so that the release's rule
        `toxicity > 0.1` holds exactly when this scorer flags the text."""
        s = r.scores
        raw = {
            "toxicity": max(s[c] for c in MODERATION_CATEGORIES),
            "severe_toxicity": max(s[HT], s[HAT], s[VG], s[SXM]),
            "obscene": s[PROF],
            "identity_attack": s[HA],
            "insult": s[H],
            "threat": max(s[HT], s[HAT], s[V]),
            "sexual_explicit": s[SX],
        }
        threshold = min(self.threshold_for(c) for c in MODERATION_CATEGORIES)
        rescaled = {k: _rescale(v, threshold) for k, v in raw.items()}
        if not r.flagged:  # a per-category threshold above `threshold` kept it unflagged
            rescaled["toxicity"] = min(rescaled["toxicity"], DETOXIFY_RULE_THRESHOLD)
        return detoxify_record(rescaled)


def _prepare(lexicon: Lexicon, text: str) -> tuple[str, Hits | None]:
    """The normalised, masked text and the lexicon's prefilter hits for it (None without a
    prefilter). The words found while normalising feed the prefilter; they are found again
    only when masking changed the text."""
    index = lexicon.index
    if index is None:
        return _mask(lexicon, normalize(text)), None
    normalized, words = normalize_with_words(text)
    hits = index.hits(normalized, words)
    masked = index.mask(hits, _blank)
    if masked != normalized:
        hits = index.hits(masked)
    return masked, hits


def _mask(lexicon: Lexicon, text: str) -> str:
    """Blank out the hard negatives, running only those that the prefilter says may match."""
    if lexicon.negatives is None:
        return text
    if lexicon.index is None:
        return _mask_reference(lexicon, text)
    return lexicon.index.mask(lexicon.index.hits(text), _blank)


def _mask_reference(lexicon: Lexicon, text: str) -> str:
    """The straightforward `_mask`, kept as the reference the optimised path must equal."""
    if lexicon.negatives is None:
        return text
    return lexicon.negatives.sub(lambda m: " " * len(m.group(0)), text)


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


class _CueSpans:
    """The cues of one text, found lazily: only cues that the prefilter says may occur (the
    others have no spans), each only as far into the text as a question needs, and looked for
    only where matches may start. Answers equal those on the reference's spans."""

    __slots__ = ("_cues", "_hits", "_index", "_present")

    def __init__(self, index: LexiconIndex, hits: Hits) -> None:
        self._index = index
        self._hits = hits
        self._cues: dict[str, _Spans] = {}
        self._present: dict[str, bool] = {}

    def near(self, name: str, start: int, end: int, window: int) -> bool:
        """`_near(spans of the cue, start, end, window)`."""
        spans = self._cues.get(name)
        if spans is None:
            spans = self._cues[name] = _Spans(self._index.cue_matches(name, self._hits))
        return spans.near(start, end, window)

    def present(self, name: str) -> bool:
        """Whether the cue has any span."""
        present = self._present.get(name)
        if present is None:
            spans = self._cues.get(name)
            present = spans.present() if spans is not None else self._index.cue_present(name, self._hits)
            self._present[name] = present
        return present


class _Spans:
    """The spans of a regex's matches in a text, taken from its `finditer` only as needed."""

    __slots__ = ("_done", "_matches", "_spans")

    def __init__(self, matches: Iterator[re.Match[str]]) -> None:
        self._matches = matches
        self._spans: list[tuple[int, int]] = []
        self._done = False

    def _next(self) -> bool:
        match = next(self._matches, None)
        if match is None:
            self._done = True
            return False
        self._spans.append(match.span())
        return True

    def near(self, start: int, end: int, window: int) -> bool:
        # Spans come in order of their start: once one starts at end + window or later, no
        # later one can be near.
        limit = end + window
        while not self._done and (not self._spans or self._spans[-1][0] < limit) and self._next():
            pass
        return _near(self._spans, start, end, window)

    def present(self) -> bool:
        return bool(self._spans) or self._next()


def _near(spans: Sequence[tuple[int, int]], start: int, end: int, window: int) -> bool:
    return any(s < end + window and e > start - window for s, e in spans)


def _looks_english(text: str) -> bool:
    """Whether the text holds at least two distinct English function words."""
    found: set[str] = set()
    for match in _ENGLISH_WORDS.finditer(text):
        found.add(match.group(0))
        if len(found) >= 2:
            return True
    return False


def _noisy_or(weights: Sequence[float]) -> float:
    return 1.0 - math.prod(1.0 - min(max(w, 0.0), 1.0) for w in weights)


def _rescale(value: float, threshold: float) -> float:
    """Piecewise-linear map of [0, threshold) onto [0, 0.1] and [threshold, 1] onto (0.1, 1]."""
    if value < threshold:
        return DETOXIFY_RULE_THRESHOLD * value / threshold
    span = 1.0 - threshold
    return (
        DETOXIFY_RULE_THRESHOLD + 1e-6 + (1.0 - DETOXIFY_RULE_THRESHOLD - 1e-6) * (value - threshold) / span
    )
