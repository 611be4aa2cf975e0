"""Counting participatory-budgeting ballots (计票): greedy by votes and the Method of Equal Shares.

Plain functions over plain data, no Django: project costs and the budget are whole yuan
(``int``), a ballot is a collection of approved project ids. Payments inside the Method of
Equal Shares are real numbers (float64); two of them closer than one part in a billion count
as equal, so rounding never decides a winner: ties go by the rule below.

Ties are broken the same way everywhere (and written on the results page): more votes first,
then the lower project id.

Method of Equal Shares (MES, 平等份额法) with approval utilities: every voter starts with an
equal share ``budget / voters``. In each step, for every project still open, ``rho`` is the
smallest per-supporter payment such that its supporters, each paying ``min(own money, rho)``,
cover its cost. The project with the smallest ``rho`` wins (it buys the most votes per yuan)
and its supporters pay. A project whose supporters together hold less than its cost drops out.

Completion (the standard budget-increase step, because plain MES usually leaves money
unspent): run MES again with every voter's share raised in steps of 1% of the initial share,
share(k) = initial × (1 + k/100), and keep the outcome of the largest k whose outcome still
fits the real budget (k found by doubling then bisection, which assumes that a larger share
never spends less). Then spend what is left greedily by votes.
"""

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

GREEDY = "greedy"
EQUAL_SHARES = "equal_shares"
# Completion raises each voter's share by this fraction of the initial share per step.
COMPLETION_STEP = 0.01


@dataclass(frozen=True)
class Step:
    """One line of the step-by-step tally shown on the results page.

    ``action``: ``selected`` (greedy or fill), ``skipped`` (does not fit what is left),
    ``mes_selected`` (bought by its supporters' equal shares, with ``rho``), ``completion``
    (the per-voter share the completion settled on).
    """

    action: str
    project: int | None
    votes: int = 0
    cost: int = 0
    remaining: int = 0
    rho: float | None = None
    payers: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "project": self.project,
            "votes": self.votes,
            "cost": self.cost,
            "remaining": self.remaining,
            "rho": None if self.rho is None else f"{self.rho:.2f}",
            "payers": self.payers,
        }


@dataclass(frozen=True)
class Outcome:
    method: str
    winners: tuple[int, ...]
    spent: int
    budget: int
    voters: int
    votes: Mapping[int, int]
    steps: tuple[Step, ...] = field(default_factory=tuple)


def vote_counts(costs: Mapping[int, int], ballots: Iterable[Collection[int]]) -> dict[int, int]:
    """Approvals per project (ids outside ``costs`` are ignored)."""
    counts = dict.fromkeys(costs, 0)
    for ballot in ballots:
        for project in ballot:
            if project in counts:
                counts[project] += 1
    return counts


def _by_votes(votes: Mapping[int, int]) -> list[int]:
    return sorted((p for p in votes if votes[p] > 0), key=lambda p: (-votes[p], p))


def _greedy_fill(
    order: list[int],
    costs: Mapping[int, int],
    votes: Mapping[int, int],
    chosen: list[int],
    remaining: int,
    steps: list[Step],
) -> int:
    for project in order:
        if project in chosen:
            continue
        if costs[project] <= remaining:
            remaining -= costs[project]
            chosen.append(project)
            steps.append(Step("selected", project, votes[project], costs[project], remaining))
        else:
            steps.append(Step("skipped", project, votes[project], costs[project], remaining))
    return remaining


def greedy_by_votes(
    costs: Mapping[int, int], ballots: Iterable[Collection[int]], budget: int
) -> Outcome:
    """Most votes first; a project that does not fit what is left is skipped, not the end."""
    ballot_list = list(ballots)
    votes = vote_counts(costs, ballot_list)
    chosen: list[int] = []
    steps: list[Step] = []
    remaining = _greedy_fill(_by_votes(votes), costs, votes, chosen, budget, steps)
    return Outcome(
        GREEDY, tuple(chosen), budget - remaining, budget, len(ballot_list), votes, tuple(steps)
    )


@dataclass
class _Run:
    winners: list[tuple[int, float, int]]  # (column, rho, payers)
    spent: int


# Payments are real numbers; two rho values closer than this (relative) count as a tie.
TIE_TOLERANCE = 1e-9


def _mes_run(
    matrix: np.ndarray,
    cost_list: list[int],
    vote_list: list[int],
    ids: list[int],
    share: float,
    *,
    stop_above: int | None = None,
) -> _Run:
    """One MES pass. Voters holding the same money form one group (they behave alike), so
    each step is a few array operations over groups × projects, not over voters.

    ``stop_above``: give up as soon as the spending exceeds it (the completion only needs to
    know that the outcome no longer fits).
    """
    n, m = matrix.shape
    costs = np.asarray(cost_list, dtype=np.float64)
    votes = np.asarray(vote_list, dtype=np.int64)
    id_array = np.asarray(ids, dtype=np.int64)
    group_of = np.zeros(n, dtype=np.int64)
    money = np.array([share], dtype=np.float64)
    open_mask = votes > 0
    rows, cols = np.nonzero(matrix)
    winners: list[tuple[int, float, int]] = []
    spent = 0
    while open_mask.any():
        groups = len(money)
        counts = np.bincount(group_of[rows] * m + cols, minlength=groups * m).reshape(groups, m)
        order = np.argsort(money, kind="stable")
        held = money[order][:, None]
        ranked = counts[order].astype(np.float64)
        paid_before = np.cumsum(ranked * held, axis=0) - ranked * held
        count_before = np.cumsum(ranked, axis=0) - ranked
        total = ranked.sum(axis=0)
        affordable = (ranked * held).sum(axis=0) >= costs * (1 - TIE_TOLERANCE)
        open_mask &= affordable  # money only shrinks: an unaffordable project never returns
        if not open_mask.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            candidate = (costs - paid_before) / (total - count_before)
        ok = (ranked > 0) & (candidate <= held * (1 + TIE_TOLERANCE))
        first = np.argmax(ok, axis=0)
        rho = np.where(ok.any(axis=0) & open_mask, candidate[first, np.arange(m)], np.inf)
        best_rho = rho.min()
        if not np.isfinite(best_rho):
            break
        tied = np.flatnonzero(rho <= best_rho * (1 + TIE_TOLERANCE))
        j = int(min(tied, key=lambda c: (-votes[c], id_array[c])))
        value = float(rho[j])
        open_mask[j] = False
        # Supporters pay min(money, rho); each group moves to the group of its new balance.
        paying = np.flatnonzero(counts[:, j])
        index_of = {float(b): g for g, b in enumerate(money)}
        mapping = np.arange(groups, dtype=np.int64)
        extra: list[float] = []
        payers = 0
        for g in paying:
            before = float(money[g])
            if before >= value * (1 - TIE_TOLERANCE):
                payers += int(counts[g, j])
                after = max(before - value, 0.0)
            else:
                after = 0.0
            if after not in index_of:
                index_of[after] = groups + len(extra)
                extra.append(after)
            mapping[g] = index_of[after]
        if extra:
            money = np.concatenate([money, np.asarray(extra)])
        supporters = matrix[:, j]
        group_of[supporters] = mapping[group_of[supporters]]
        winners.append((j, value, payers))
        spent += cost_list[j]
        if stop_above is not None and spent > stop_above:
            break
    return _Run(winners, spent)


def _exhaustive(chosen: set[int], cost_list: list[int], vote_list: list[int], left: int) -> bool:
    """No voted project outside ``chosen`` fits into ``left``."""
    return all(
        j in chosen or vote_list[j] == 0 or cost_list[j] > left for j in range(len(cost_list))
    )


def _matrix(ids: list[int], ballots: list[list[int]]) -> np.ndarray:
    matrix = np.zeros((len(ballots), len(ids)), dtype=bool)
    for i, ballot in enumerate(ballots):
        matrix[i, ballot] = True
    return matrix


def equal_shares(
    costs: Mapping[int, int],
    ballots: Iterable[Collection[int]],
    budget: int,
    *,
    completion: bool = True,
) -> Outcome:
    """MES with approval utilities, the budget-increase completion and a greedy fill."""
    ids = sorted(costs)
    column_of = {p: j for j, p in enumerate(ids)}
    ballot_list = [sorted({column_of[p] for p in b if p in column_of}) for b in ballots]
    voters = len(ballot_list)
    votes = vote_counts(costs, ([ids[j] for j in b] for b in ballot_list))
    if voters == 0 or not ids:
        return Outcome(EQUAL_SHARES, (), 0, budget, voters, votes, ())
    matrix = _matrix(ids, ballot_list)
    cost_list = [costs[p] for p in ids]
    vote_list = [votes[p] for p in ids]
    initial = budget / voters

    def run_at(k: int) -> _Run:
        share = initial * (1 + k * COMPLETION_STEP)
        return _mes_run(matrix, cost_list, vote_list, ids, share, stop_above=budget)

    run, chosen_k = run_at(0), 0
    if completion and not _exhaustive(
        {j for j, _, _ in run.winners}, cost_list, vote_list, budget - run.spent
    ):
        # Beyond this share every voted project is affordable by any one supporter.
        total = sum(c for c, v in zip(cost_list, vote_list, strict=True) if v)
        cap = max(1, math.ceil((total / initial - 1) / COMPLETION_STEP))
        fits, over = 0, None
        k = 1
        while k < cap:
            trial = run_at(k)
            if trial.spent > budget:
                over = k
                break
            fits, run = k, trial
            k *= 2
        if over is None:
            trial = run_at(cap)
            if trial.spent <= budget:
                fits, run, over = cap, trial, None
            else:
                over = cap
        while over is not None and over - fits > 1:
            middle = (fits + over) // 2
            trial = run_at(middle)
            if trial.spent > budget:
                over = middle
            else:
                fits, run = middle, trial
        chosen_k = fits

    steps: list[Step] = []
    remaining = budget
    for j, rho, payers in run.winners:
        remaining -= cost_list[j]
        steps.append(
            Step("mes_selected", ids[j], vote_list[j], cost_list[j], remaining, rho, payers)
        )
    chosen = [ids[j] for j, _, _ in run.winners]
    if completion:
        share = initial * (1 + chosen_k * COMPLETION_STEP)
        steps.append(Step("completion", None, votes=chosen_k, remaining=remaining, rho=share))
        _greedy_fill(_by_votes(votes), costs, votes, chosen, remaining, steps)
    spent = sum(costs[p] for p in chosen)
    return Outcome(EQUAL_SHARES, tuple(chosen), spent, budget, voters, votes, tuple(steps))


def tally(
    method: str, costs: Mapping[int, int], ballots: Iterable[Collection[int]], budget: int
) -> Outcome:
    if method == GREEDY:
        return greedy_by_votes(costs, ballots, budget)
    if method == EQUAL_SHARES:
        return equal_shares(costs, ballots, budget)
    raise ValueError(method)
