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

Projects nobody voted for (zero approvals) are never funded: not by MES, not by its
completion, not by the greedy fill, and they are ignored when deciding whether an outcome is
exhaustive. (A convention: Pabulib's reference tools would keep raising the budget while such
a project fits.) The results page says so.

Completion (the standard budget-increase completion of the Pabulib authors, pabutools'
``exhaustion_by_budget_increase`` with its default step, because plain MES usually leaves
money unspent), exactly as defined, step by step:

* step k = 0, 1, 2, ...: run MES with the virtual budget raised by k × 1% of the real budget,
  i.e. every voter's share is ``share(k) = budget / voters × (1 + k/100)``;
* stop at the first step whose outcome is exhaustive (no voted project left out fits into what
  is left of the real budget): that outcome is kept;
* or at the first step whose outcome spends more than the real budget: the outcome of the step
  before is kept;
* the search ends at the latest at step 100 × voters (the reference's bound of voters + 1
  times the budget), and in fact by step 100 × (voters − 1), where every share is the whole
  budget and every outcome is exhaustive or overspends.

Spending does not always rise with the share (real elections show it falling), so the first
stopping step is searched one step at a time, never by bisection. Then money left over (only
after an overspending stop) goes greedily by votes. Each MES pass is fast instead: voters
with the same ballot are one weighted row; payments are recomputed lazily (a stale payment is
a lower bound, as money only shrinks) and only when a purchase left some supporter who paid
with less than that payment; a payment is recomputed from its former value, with array
operations over the supporters. This gives the same outcome as recomputing every project at
every step (tests/participation/test_tally_reference.py checks it against a plain
voter-by-voter count in exact fractions).
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

GREEDY = "greedy"
EQUAL_SHARES = "equal_shares"
# Completion raises each voter's share by 1/COMPLETION_STEPS of the initial share per step
# (pabutools' default step: 1% of the budget).
COMPLETION_STEPS = 100


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


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values."""
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def _approvals(ids: list[int], ballots: Iterable[Collection[int]]) -> tuple[int, np.ndarray]:
    """(number of ballots, the sorted distinct (ballot, column) pairs as ballot × m + column).

    Approvals of ids outside ``ids`` are dropped and an approval repeated in a ballot counts
    once, as with sets of ids."""
    ballot_list = ballots if isinstance(ballots, list) else list(ballots)
    n = len(ballot_list)
    lengths = np.fromiter(map(len, ballot_list), dtype=np.int64, count=n)
    try:
        flat = np.fromiter(chain.from_iterable(ballot_list), dtype=np.int64)
    except (TypeError, ValueError, OverflowError):  # ids that are not small integers
        known = set(ids)
        return _approvals(ids, [[p for p in b if p in known] for b in ballot_list])
    if len(flat) != int(lengths.sum()):  # a ballot whose length and contents disagree
        return _approvals(ids, [list(b) for b in ballot_list])
    id_array = np.asarray(ids, dtype=np.int64)
    column = np.searchsorted(id_array, flat)
    known_id = id_array[np.minimum(column, len(ids) - 1)] == flat
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    return n, _distinct(owner[known_id] * len(ids) + column[known_id])


def _group_ballots(n: int, owner: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Identical ballots as one row, rows in the order of first appearance: (row of each
    ballot, ballots per row)."""
    length = np.bincount(owner, minlength=n)
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    # Two 64-bit fingerprints per ballot (wrapping sums of fixed random words per column),
    # then checked element by element, so equal fingerprints can never merge two ballots.
    words = np.random.default_rng(22).integers(0, 2**63, size=(2, int(column.max(initial=0)) + 1))
    prints = []
    for word in words.astype(np.uint64):
        running = np.concatenate([np.zeros(1, np.uint64), np.cumsum(word[column], dtype=np.uint64)])
        prints.append(running[start + length] - running[start])
    order = np.lexsort((np.arange(n), prints[1], prints[0], length))
    new = np.ones(n, dtype=bool)
    new[1:] = (
        (np.diff(length[order]) != 0)
        | (prints[0][order][1:] != prints[0][order][:-1])
        | (prints[1][order][1:] != prints[1][order][:-1])
    )
    group = np.cumsum(new) - 1
    first = order[new]  # each group's first ballot (the lowest index: ties sorted by index)
    group_of = np.empty(n, dtype=np.int64)
    group_of[order] = group
    same = column[start[first[group_of]][owner] + np.arange(len(owner)) - start[owner]]
    if not np.array_equal(same, column):  # pragma: no cover - a fingerprint collision
        keys: dict[tuple[int, ...], int] = {}
        cols = column.tolist()
        group_of = np.asarray(
            [
                keys.setdefault(tuple(cols[s : s + c]), len(keys))
                for s, c in zip(start.tolist(), length.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        first = np.unique(group_of, return_index=True)[1]
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    row_of = rank[group_of]
    return row_of, np.bincount(row_of, minlength=len(first))


class _Election:
    """The ballots of one count, prepared once for many MES passes.

    Voters with the same ballot always hold the same money, so they are one row with a weight
    (the number of such voters). For each project: its supporting rows and their weights.
    Built with array operations (no Python loop over ballots or approvals).
    """

    def __init__(
        self, ballots: Iterable[Collection[int]], cost_list: list[int], vote_list: list[int]
    ):
        m = len(cost_list)
        n, pairs = _approvals(list(range(m)), ballots)
        self._build(n, pairs, cost_list, vote_list)

    @classmethod
    def from_pairs(
        cls, n: int, pairs: np.ndarray, cost_list: list[int], vote_list: list[int]
    ) -> "_Election":
        election = cls.__new__(cls)
        election._build(n, pairs, cost_list, vote_list)
        return election

    def _build(self, n: int, pairs: np.ndarray, cost_list: list[int], vote_list: list[int]) -> None:
        m = len(cost_list)
        owner, column = pairs // m, pairs % m
        row_of, weight_array = _group_ballots(n, owner, column)
        self.rows = len(weight_array)
        self.costs = cost_list
        self.votes = vote_list
        self.cost_array = np.asarray(cost_list, dtype=np.float64)
        # Each project's supporting rows, in increasing order.
        supporting = _distinct(column * self.rows + row_of[owner])
        bounds = np.searchsorted(supporting, np.arange(m + 1) * self.rows)
        sorted_rows = supporting % self.rows
        weights = weight_array.astype(np.float64)
        self.supporters = [sorted_rows[bounds[j] : bounds[j + 1]] for j in range(m)]
        self.weights = [weights[s] for s in self.supporters]
        self.total_weight = [float(w.sum()) for w in self.weights]
        self.total_array = np.asarray(self.total_weight, dtype=np.float64)

    def run(self, share: float, *, stop_above: int | None = None) -> _Run:
        """One MES pass with every voter holding ``share``."""
        run, _ = self.paired_run(share, None, stop_above=stop_above)
        return run

    def paired_run(
        self, share: float, lower: float | None, *, stop_above: int | None = None
    ) -> tuple[_Run, bool]:
        """One MES pass at ``share``; with ``lower`` (a smaller share), also whether every
        share from ``lower`` to ``share`` buys exactly the same projects in the same order.

        Why the check is a proof. While passes at shares in [lower, share] buy the same
        projects, a larger share leaves every voter at least as much money at every step (each
        pays min(money, payment), and payments fall when money rises), so each project's
        payment is at most its payment at ``lower`` and at least its payment at ``share``.
        So if, at each step, the project bought at ``share`` costs its supporters at
        ``lower`` less (by more than the tie tolerance) than every other project still
        affordable at ``share`` costs at ``share`` (a lower bound over the whole interval),
        it is bought first at every share in between; a project unaffordable at ``share`` is
        unaffordable below it; and the pass ends at the same step everywhere.

        Lazy evaluation: a project's payment never falls during a pass (money only shrinks),
        so a stale value is a lower bound; only projects whose bound could win are
        recomputed. A payment goes stale only when a purchase leaves one of its supporters
        with less than it (the others pay it in full before and after). The result equals
        recomputing every project at every step.
        """
        costs = self.cost_array
        total_weight = self.total_array
        # All voters hold the same money: a project is affordable if its supporters together
        # hold its cost; each pays cost / supporters, or everything they hold.
        alive = (np.asarray(self.votes) > 0) & (share * total_weight >= costs * (1 - TIE_TOLERANCE))
        value = np.full(len(costs), np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            base = costs / total_weight
        value[alive] = np.where(share < base[alive] * (1 - TIE_TOLERANCE), share, base[alive])
        fresh = np.ones(len(costs), dtype=bool)
        fragile = np.zeros(len(costs), dtype=bool)
        money = np.full(self.rows, share, dtype=np.float64)
        checking = lower is not None
        lower_money = np.full(self.rows, lower if lower is not None else 0.0)
        winners: list[tuple[int, float, int]] = []
        spent = 0

        def refresh(k: int) -> None:
            fresh[k] = True
            # A payment only rises during a pass: the former one is where to start from.
            known = float(value[k])
            update, fragile[k] = self._rho(k, money, known if not fragile[k] else 0.0)
            if update is None:
                alive[k] = False
                value[k] = np.inf
            else:
                value[k] = update

        while True:
            j = int(value.argmin())
            if value[j] == np.inf:
                break
            if not fresh[j]:
                refresh(j)
                continue
            # The smallest payment is exact; every project whose bound is within the tie
            # tolerance is refreshed, until the tied ones are all exact.
            limit = value[j] * (1 + TIE_TOLERANCE)
            winner = j
            while True:
                near = value <= limit
                if np.count_nonzero(near) == 1:  # no other project within the tolerance
                    break
                stale = np.flatnonzero(near & ~fresh)
                if not len(stale):
                    tied = np.flatnonzero(near).tolist()
                    winner = min(tied, key=lambda c: (-self.votes[c], c))
                    break
                for k in stale.tolist():
                    refresh(k)
            payment = float(value[winner])
            if checking:
                checking = self._bought_first(winner, lower_money, value, alive, fresh, refresh)
            alive[winner] = False
            value[winner] = np.inf
            winners.append((winner, payment, self._pay(winner, payment, money, value, fresh)))
            fresh &= ~fragile
            spent += self.costs[winner]
            if stop_above is not None and spent > stop_above:
                checking = False
                break
        return _Run(winners, spent), checking

    def _pay(
        self, winner: int, payment: float, money: np.ndarray, value: np.ndarray, fresh: np.ndarray
    ) -> int:
        """The supporters of ``winner`` pay ``payment`` each (or all they hold); payments this
        makes stale are marked so. Returns how many voters paid the full payment."""
        rows = self.supporters[winner]
        held = money[rows]
        left = np.maximum(held - payment, 0.0)
        money[rows] = left
        payers = int(self.weights[winner][held >= payment * (1 - TIE_TOLERANCE)].sum())
        # The payment of a project stays exact while every supporter who paid still holds at
        # least that payment (below it a capped share changes): one bound for them all.
        paid = left[held > left]
        if len(paid):
            fresh &= value * (1 - TIE_TOLERANCE) <= float(paid.min())
        return payers

    def _bought_first(
        self,
        winner: int,
        lower_money: np.ndarray,
        value: np.ndarray,
        alive: np.ndarray,
        fresh: np.ndarray,
        refresh: Callable[[int], None],
    ) -> bool:
        """Whether ``winner`` is bought next at every share of the interval (see
        ``paired_run``); if so, its supporters pay at the lower share too."""
        lower_payment = self.rho(winner, lower_money)
        if lower_payment is None:
            return False
        bound = lower_payment * (1 + 4 * TIE_TOLERANCE)
        while True:
            close = alive & (value <= bound)
            close[winner] = False
            if not close.any():
                break
            stale = np.flatnonzero(close & ~fresh)
            if not len(stale):
                return False
            for k in stale.tolist():
                refresh(k)
        rows = self.supporters[winner]
        lower_money[rows] = np.maximum(lower_money[rows] - lower_payment, 0.0)
        return True

    def rho(self, j: int, money: np.ndarray) -> float | None:
        """The smallest payment ``rho`` with sum(weight × min(money, rho)) = cost over the
        supporters of ``j``; ``None`` when they hold less than the cost."""
        return self._rho(j, money)[0]

    def _rho(self, j: int, money: np.ndarray, start: float = 0.0) -> tuple[float | None, bool]:
        """``rho`` and whether it is the within-tolerance case where everyone pays everything
        (then any purchase may change it)."""
        cost = self.costs[j]
        held = money[self.supporters[j]]
        everyone = self.total_weight[j]
        rho = cost / everyone
        if float(held.min()) >= rho * (1 - TIE_TOLERANCE):
            return rho, False  # everyone can pay an equal part (the common case)
        weight = self.weights[j]
        spendable = weight * held
        if float(spendable.sum()) < cost * (1 - TIE_TOLERANCE):
            return None, False
        # Fixed point: the supporters holding less than rho pay everything; the others share
        # the rest equally. rho only grows, so the capped set only grows: a few rounds.
        # Starting from a lower bound of the result (a former payment of this pass, less money
        # now) skips rounds without changing where they end.
        rho = max(rho, start)
        capped_weight = 0.0
        while True:
            capped = (held < rho * (1 - TIE_TOLERANCE)).astype(np.float64)
            new_weight = float(weight @ capped)
            if new_weight == capped_weight:
                return rho, False
            capped_weight = new_weight
            rest = everyone - capped_weight
            if rest <= 0:  # within the tolerance of affording it: everyone pays everything
                return float(held.max()), True
            rho = max(rho, (cost - float(spendable @ capped)) / rest)


def _exhaustive(chosen: set[int], cost_list: list[int], vote_list: list[int], left: int) -> bool:
    """No voted project outside ``chosen`` fits into ``left`` (a project nobody voted for
    never counts: it is never funded)."""
    return all(
        j in chosen or vote_list[j] == 0 or cost_list[j] > left for j in range(len(cost_list))
    )


def _completion_steps(voters: int) -> int:
    """The last step the search can reach: from step 100 × (voters − 1) on every share is at
    least the whole budget, and then every outcome is exhaustive or overspends (a voted
    project left out would cost at most what is left, and each of its supporters still holds
    at least that)."""
    return COMPLETION_STEPS * voters


def equal_shares(
    costs: Mapping[int, int],
    ballots: Iterable[Collection[int]],
    budget: int,
    *,
    completion: bool = True,
) -> Outcome:
    """MES with approval utilities, the budget-increase completion and a greedy fill."""
    ids = sorted(costs)
    voters, pairs = _approvals(ids, ballots) if ids else (len(list(ballots)), np.zeros(0))
    counts = np.bincount((pairs % max(len(ids), 1)).astype(np.int64), minlength=len(ids))
    by_id = dict(zip(ids, counts.tolist(), strict=True))
    votes = {p: by_id[p] for p in costs}
    if voters == 0 or not ids:
        return Outcome(EQUAL_SHARES, (), 0, budget, voters, votes, ())
    cost_list = [costs[p] for p in ids]
    vote_list = [votes[p] for p in ids]
    election = _Election.from_pairs(voters, pairs, cost_list, vote_list)

    def share_at(k: int) -> float:
        # budget × (1 + k/100) / voters, rounded once from the exact fraction
        return budget * (COMPLETION_STEPS + k) / (COMPLETION_STEPS * voters)

    def exhaustive(trial: _Run) -> bool:
        chosen = {j for j, _, _ in trial.winners}
        return _exhaustive(chosen, cost_list, vote_list, budget - trial.spent)

    run = election.run(share_at(0), stop_above=budget)
    chosen_k = 0
    if run.spent > budget:  # cannot happen in exact arithmetic; stay safe
        run = _Run([], 0)
    elif completion and not exhaustive(run):
        # The completion as defined: raise the share one step at a time; stop at the first
        # outcome that is exhaustive (keep it) or overspends (keep the one before). Steps are
        # skipped only when proven to take the same decisions as a step already known not to
        # stop (``paired_run``): the answer is the step-by-step one.
        last = _completion_steps(voters)
        # After two failed proofs in a row, a proof is tried only every 8th step (the plain
        # pass is a little cheaper); every step not proven is counted on its own.
        k, jump, misses = 0, 1, 0
        while k < last:
            probe = misses < 2 or k % 8 == 0
            target = min(k + (jump if probe else 1), last)
            trial, unchanged = election.paired_run(
                share_at(target), share_at(k) if probe else None, stop_above=budget
            )
            if unchanged:  # steps k..target all have step k's outcome: none of them stops
                run, chosen_k, k, jump, misses = trial, target, target, jump * 2, 0
                continue
            if target > k + 1:
                jump = max(1, (target - k) // 2)
                continue
            if trial.spent > budget:
                break
            misses += probe
            run, chosen_k, k, jump = trial, target, target, 1
            if exhaustive(trial):
                break

    steps: list[Step] = []
    remaining = budget
    for j, rho, payers in run.winners:
        remaining -= cost_list[j]
        steps.append(
            Step("mes_selected", ids[j], vote_list[j], cost_list[j], remaining, rho, payers)
        )
    chosen = [ids[j] for j, _, _ in run.winners]
    if completion:
        share = share_at(chosen_k)
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
