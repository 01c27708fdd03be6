"""MT-bench results from judgment files: the paper's Table 9 (scores) and Table 10 (win/tie/loss).

Single grades: a model's first-turn and second-turn scores are the means of its grades for that
turn, and its average the mean of all its grades, as FastChat's ``show_result`` computes them;
grades the judge gave no rating for (-1) are left out. Per category, the mean over both turns
(the radar plot of the paper's Fig. 7).

Pairwise: a question's turn counts as a win for a model only when the judge preferred it in both
orders; a tie in either order, or two orders that disagree, count as a tie (FastChat's rule, which
cancels position bias); judgments with an unreadable verdict are left out.

Files written by FastChat and by ``wildchat eval judge`` read the same. When a judgment appears
more than once (re-judged after a failure), the last readable one counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any, TypeVar

from wildchat.train.fastchat_io import PairJudgment, Question, SingleJudgment

J = TypeVar("J", SingleJudgment, PairJudgment)


@dataclass(slots=True)
class ModelScores:
    turn1: float | None
    turn2: float | None
    average: float | None
    categories: dict[str, float] = field(default_factory=dict)
    judgments: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn1": _round(self.turn1),
            "turn2": _round(self.turn2),
            "average": _round(self.average),
            "categories": {name: _round(value) for name, value in self.categories.items()},
        }


@dataclass(slots=True)
class PairRecord:
    model: str
    opponent: str
    win: int = 0
    tie: int = 0
    loss: int = 0

    @property
    def total(self) -> int:
        return self.win + self.tie + self.loss

    def rates(self) -> dict[str, float]:
        total = self.total or 1
        return {
            "win": round(100 * self.win / total, 2),
            "tie": round(100 * self.tie / total, 2),
            "loss": round(100 * self.loss / total, 2),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _latest_ok(judgments: Iterable[J]) -> list[J]:
    latest: dict[tuple[Any, ...], J] = {}
    for judgment in judgments:
        if judgment.ok:
            latest[judgment.key] = judgment
    return list(latest.values())


def single_scores(
    judgments: Iterable[SingleJudgment],
    questions: Sequence[Question] | None = None,
    *,
    models: Sequence[str] | None = None,
) -> dict[str, ModelScores]:
    """Scores per model, in the order of ``models`` or by descending average."""
    category_of = {str(q.question_id): q.category for q in questions or ()}
    by_model: dict[str, list[SingleJudgment]] = defaultdict(list)
    for judgment in _latest_ok(judgments):
        if models is None or judgment.model in models:
            by_model[judgment.model].append(judgment)
    results: dict[str, ModelScores] = {}
    for model, graded in by_model.items():
        turn1 = [j.score for j in graded if j.turn == 1]
        turn2 = [j.score for j in graded if j.turn == 2]
        per_category: dict[str, list[float]] = defaultdict(list)
        for judgment in graded:
            category = category_of.get(str(judgment.question_id))
            if category is not None:
                per_category[category].append(judgment.score)
        results[model] = ModelScores(
            turn1=fmean(turn1) if turn1 else None,
            turn2=fmean(turn2) if turn2 else None,
            average=fmean(j.score for j in graded),
            categories={name: fmean(values) for name, values in sorted(per_category.items())},
            judgments=len(graded),
        )
    order = list(models) if models else sorted(results, key=lambda m: -(results[m].average or 0.0))
    return {model: results[model] for model in order if model in results}


def pair_records(
    judgments: Iterable[PairJudgment], *, models: Sequence[str] | None = None
) -> list[PairRecord]:
    """Win/tie/loss of model_1 against model_2, for every pair the judgments hold."""
    records: dict[tuple[str, str], PairRecord] = {}
    for judgment in _latest_ok(judgments):
        if models is not None and not (judgment.model_1 in models and judgment.model_2 in models):
            continue
        pair = (judgment.model_1, judgment.model_2)
        record = records.setdefault(pair, PairRecord(*pair))
        if judgment.g1_winner == "tie" or judgment.g1_winner != judgment.g2_winner:
            record.tie += 1
        elif judgment.g1_winner == "model_1":
            record.win += 1
        else:
            record.loss += 1
    return list(records.values())


def model_totals(records: Iterable[PairRecord]) -> dict[str, PairRecord]:
    """Each model's wins, ties and losses against all its opponents together."""
    totals: dict[str, PairRecord] = {}
    for record in records:
        for model, won, lost in (
            (record.model, record.win, record.loss),
            (record.opponent, record.loss, record.win),
        ):
            total = totals.setdefault(model, PairRecord(model, "all"))
            total.win += won
            total.loss += lost
            total.tie += record.tie
    return dict(sorted(totals.items(), key=lambda item: -item[1].win / (item[1].total or 1)))
