"""The rule language of the offline scorer: weighted patterns, context cues, masked hard negatives.

A `LanguagePack` is plain data (one module per language under `lexicons/`):

- `cues`: named patterns that rules may require nearby, e.g. "you" (the reader is addressed),
  "group" (a group defined by a protected attribute), "intent" ("I will", "let's"), "howto",
  "minor", "support" (prevention/help context, which weakens topic-only evidence).
- `negatives`: hard negatives ("kill the process", "sexual health education"); their spans are
  blanked out before any rule runs, so "kill" inside them is never evidence.
- `rules`: a pattern and the evidence it gives each category (0..1). A rule with `needs` only
  counts when every named cue matches within `window` characters of the rule's match.

Evidence combines per category by noisy-OR (1 - prod(1 - w)), so two weak cues can add up to a
flag and one strong cue suffices. The weights are hand-set, not learned.

`compile_packs` also derives a literal prefilter from the patterns (`prefilter.LexiconIndex`):
which words a text must contain for each pattern to possibly match. The scorer runs only the
patterns that pass it; results are the same as running every pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wildchat.curate.toxicity.offline.prefilter import LexiconIndex

# Short names for the moderation categories, so lexicon tables stay readable.
H, HT = "harassment", "harassment/threatening"
HA, HAT = "hate", "hate/threatening"
SH, SHI, SHN = "self-harm", "self-harm/instructions", "self-harm/intent"
SX, SXM = "sexual", "sexual/minors"
V, VG = "violence", "violence/graphic"
PROF = "profanity"  # internal: swearing, not a moderation category (feeds Detoxify's "obscene")

CATEGORIES_WITH_PROFANITY: tuple[str, ...] = (H, HT, HA, HAT, SH, SHI, SHN, SX, SXM, V, VG, PROF)
CUE_NAMES: tuple[str, ...] = ("you", "group", "self", "howto", "person", "intent", "minor", "support")


def alt(*options: str) -> str:
    """A non-capturing alternation of regex fragments."""
    return "(?:" + "|".join(options) + ")"


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: str
    evidence: Mapping[str, float]
    needs: tuple[str, ...] = ()
    window: int = 60
    damp: bool = False  # topic-only evidence: weakened when a "support" cue is present

    def __post_init__(self) -> None:
        unknown = set(self.evidence) - set(CATEGORIES_WITH_PROFANITY)
        if unknown:
            raise ValueError(f"unknown categories {unknown} in rule {self.pattern!r}")
        bad_cues = set(self.needs) - set(CUE_NAMES)
        if bad_cues:
            raise ValueError(f"unknown cues {bad_cues} in rule {self.pattern!r}")


LATIN = r"[a-zà-ÿœ]"
CYRILLIC = r"[а-я]"
CJK = r"[\u3400-\u9fff]"


@dataclass(frozen=True, slots=True)
class LanguagePack:
    language: str
    rules: tuple[Rule, ...]
    cues: Mapping[str, str] = field(default_factory=dict)
    negatives: tuple[str, ...] = ()
    script: str = LATIN  # the pack's rules only run on texts with a letter of this script


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule_id: str
    regex: re.Pattern[str]
    evidence: Mapping[str, float]
    needs: tuple[str, ...]
    window: int
    damp: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All packs compiled together. Texts mix languages, so every pack whose script occurs in a
    text runs on it (a Russian pack cannot match a text without Cyrillic letters: skip it)."""

    groups: tuple[tuple[re.Pattern[str], tuple[CompiledRule, ...]], ...]  # (script, rules)
    cues: Mapping[str, re.Pattern[str]]
    negatives: re.Pattern[str] | None
    languages: tuple[str, ...]
    # Literal prefilters that let the scorer skip patterns which cannot match a text; derived
    # data, never changes a result (None: every pattern runs on every text).
    index: LexiconIndex | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # An index built for other patterns (say, carried over by dataclasses.replace) would
        # skip the wrong ones: drop it, and every pattern runs.
        if self.index is not None and not self.index.fits(self.rules, self.cues, self.negatives):
            object.__setattr__(self, "index", None)

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        return tuple(rule for _, rules in self.groups for rule in rules)


def compile_packs(packs: Iterable[LanguagePack]) -> Lexicon:
    by_script: dict[str, list[CompiledRule]] = {}
    cue_parts: dict[str, list[str]] = {}
    negative_parts: list[str] = []
    languages: list[str] = []
    for pack in packs:
        languages.append(pack.language)
        for i, rule in enumerate(pack.rules):
            try:
                regex = re.compile(rule.pattern)
            except re.error as exc:
                raise ValueError(f"{pack.language} rule {i}: {exc}: {rule.pattern!r}") from exc
            by_script.setdefault(pack.script, []).append(
                CompiledRule(f"{pack.language}:{i}", regex, rule.evidence, rule.needs, rule.window, rule.damp)
            )
        for name, pattern in pack.cues.items():
            if name not in CUE_NAMES:
                raise ValueError(f"{pack.language}: unknown cue {name!r}")
            cue_parts.setdefault(name, []).append(pattern)
        negative_parts.extend(pack.negatives)
    cues = {name: re.compile("|".join(f"(?:{p})" for p in parts)) for name, parts in cue_parts.items()}
    negatives = re.compile("|".join(f"(?:{p})" for p in negative_parts)) if negative_parts else None
    groups = tuple((re.compile(script), tuple(rules)) for script, rules in by_script.items())
    index = LexiconIndex.build(
        [rule.regex for _, rules in groups for rule in rules], cue_parts, cues, negative_parts, negatives
    )
    return Lexicon(groups, cues, negatives, tuple(languages), index)
