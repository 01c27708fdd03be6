"""The offline default scorer (see `wildchat.curate.toxicity` for what it stands in for)."""

from wildchat.curate.toxicity.offline.rules import LanguagePack, Rule
from wildchat.curate.toxicity.offline.scorer import OfflineResult, OfflineScorer

__all__ = ["LanguagePack", "OfflineResult", "OfflineScorer", "Rule"]
