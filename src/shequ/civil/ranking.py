"""Score normalisation across reviewers and the ranking of a call (pure Python, no Django).

Experts score on different scales: one gives everything 80–90, another 40–95. Each expert's
totals are turned into z-scores over the applications they scored in the call
(z = (total − the expert's mean) / the expert's standard deviation, population form; an expert
with a single score or all equal scores contributes 0). An application's normalised score is
the mean of its z-scores, shown next to the mean of its raw totals; the ranking is by the
normalised score, then the raw mean.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from math import sqrt


@dataclass
class RankRow:
    application_id: int
    raw_mean: float
    z_mean: float
    reviews: int
    rank: int = 0


def rank(scores: Iterable[tuple[int, int, Decimal | float]]) -> list[RankRow]:
    """Rows of (application id, expert id, total) → ranked applications, best first."""
    per_expert: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for application_id, expert_id, total in scores:
        per_expert[expert_id].append((application_id, float(total)))
    raw: dict[int, list[float]] = defaultdict(list)
    zs: dict[int, list[float]] = defaultdict(list)
    for rows in per_expert.values():
        values = [v for _, v in rows]
        mean = sum(values) / len(values)
        sd = sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        for application_id, value in rows:
            raw[application_id].append(value)
            zs[application_id].append((value - mean) / sd if sd > 0 else 0.0)
    result = [
        RankRow(
            application_id=app,
            raw_mean=round(sum(values) / len(values), 2),
            z_mean=round(sum(zs[app]) / len(zs[app]), 3),
            reviews=len(values),
        )
        for app, values in raw.items()
    ]
    result.sort(key=lambda r: (-r.z_mean, -r.raw_mean, r.application_id))
    for position, row in enumerate(result, start=1):
        row.rank = position
    return result
