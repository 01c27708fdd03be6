"""Toxicity tagging: the `openai_moderation` and `detoxify_moderation` fields of WildChat-1M.

WildChat tagged every message with the OpenAI Moderation API and the Detoxify 'multilingual'
model; a message is toxic when its content is non-empty and moderation flagged it or Detoxify's
`toxicity` exceeds 0.1, and a conversation is toxic when any message is. `ToxicityStage` applies
exactly that rule to whatever scorers are configured:

- `OpenAIModerationScorer` ("openai"): the real API (or any compatible server) through the official
  SDK, with retries and the paper's split-in-half fallback. Fills `openai_moderation`.
- `DetoxifyScorer` ("detoxify"): a Detoxify checkpoint from a local path, run with transformers.
  Fills `detoxify_moderation`.
- `OfflineScorer` ("offline"): the default, for a fresh machine with no network and no weights.

What the offline scorer is, honestly: hand-written keyword and pattern rules for harassment, hate,
violence, self-harm and sexual content in English, Spanish, French, German, Portuguese, Russian and
Chinese, with hard negatives masked out ("kill the process", "sexual health education", "holy
shit"), combined with alt-profanity-check's probability (an English profanity classifier, taken on
the masked text, counted on its own in English texts only). It is not a learned toxicity model; its
scores are rule evidence on a 0..1 scale, not calibrated probabilities. benchmarks/toxicity_quality.py
measures it: on chatbot prompts written by someone who had not read its rules (the held-out half of
an independent set, scored once) F1 0.87 (P 0.92, R 0.82, 7% of hard benign texts flagged) where
alt-profanity-check alone scores 0.29; on the older set's last part, in another style, F1 0.58
(P 0.94, R 0.42). Lexicon 1.2 scored F1 0.64 on public moderation-labelled prompts where
alt-profanity-check alone scored 0.66, so expect real traffic to sit well below the first number.
It misses slur-only messages (its lexicons list no slurs; profanity-check catches some), implicit
phrasing it has no construction for, and languages without a pack: it is a floor for machines
without network or weights, and the card must say so. Use the OpenAI or Detoxify scorers when they
are available.

How it maps onto the released fields (the decision): the released field names promise a producer,
so the offline scorer fills a field only as a declared stand-in, chosen with `stand_in`:

- `stand_in=("openai_moderation",)` (its default): it fills the `openai_moderation` structure, same
  eleven categories in both key spellings, `category_scores` = its rule evidence, `flagged` = any
  category at or above its threshold (0.5). Its categories mirror OpenAI's, so the shape fits.
- adding "detoxify_moderation" also fills Detoxify's seven labels, derived from its categories
  (insult <- harassment, identity_attack <- hate, threat <- violence/threats, sexual_explicit <-
  sexual, obscene <- profanity) and rescaled so that the release rule `toxicity > 0.1` holds exactly
  when the offline scorer flags the text. Opt-in, because those numbers are not Detoxify's.
- A field no scorer fills holds `{}` for every message ("not scored", the release's own value for
  unscored empty messages), and the toxic rule uses only the fields that were filled.

`ToxicityStage.producers()` names the producer of each field (scorer, version, "stand-in") so the
dataset card can say exactly where the numbers came from. Two scorers may not fill the same field.
"""

from wildchat.curate.toxicity.base import (
    DETOXIFY_FIELD,
    MODERATION_FIELD,
    RELEASED_FIELDS,
    ReleasedField,
    ScorerNotReady,
    TextScores,
    ToxicityScorer,
)
from wildchat.curate.toxicity.registry import create_scorer, register_scorer, scorer_names
from wildchat.curate.toxicity.schema import (
    DETOXIFY_LABELS,
    MODERATION_CATEGORIES,
    MODERATION_KEYS,
    detoxify_record,
    merge_moderation,
    moderation_record,
    schema_problems,
)
from wildchat.curate.toxicity.stage import DEFAULT_DETOXIFY_THRESHOLD, ToxicityStage

__all__ = [
    "DEFAULT_DETOXIFY_THRESHOLD",
    "DETOXIFY_FIELD",
    "DETOXIFY_LABELS",
    "MODERATION_CATEGORIES",
    "MODERATION_FIELD",
    "MODERATION_KEYS",
    "RELEASED_FIELDS",
    "ReleasedField",
    "ScorerNotReady",
    "TextScores",
    "ToxicityScorer",
    "ToxicityStage",
    "create_scorer",
    "detoxify_record",
    "merge_moderation",
    "moderation_record",
    "register_scorer",
    "schema_problems",
    "scorer_names",
]
