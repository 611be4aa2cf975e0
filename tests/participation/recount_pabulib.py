"""An independent recount of a Pabulib file: its own parser and its own exact (Fraction)
voter-by-voter implementation of both rules, sharing no code with shequ.participation.

Rules, as published on the results page: greedy by votes (ties: more votes, then lower id;
a project that does not fit is skipped); Method of Equal Shares with approval utilities,
completion by raising each voter's share one step of 1% of the initial share at a time,
stopping at the first exhaustive outcome (kept) or the first overspending one (the step before
is kept), then a greedy fill. Projects nobody voted for are never funded.
"""

from fractions import Fraction


def parse(text: str) -> tuple[int, dict[int, int], list[set[int]]]:
    section = ""
    header: list[str] = []
    meta: dict[str, str] = {}
    costs: dict[int, int] = {}
    votes: list[set[int]] = []
    for line in text.splitlines():
        if line.strip() in ("META", "PROJECTS", "VOTES"):
            section, header = line.strip(), []
            continue
        if not header:
            header = line.split(";")
            continue
        row = dict(zip(header, line.split(";"), strict=False))
        if section == "META":
            meta[row["key"]] = row["value"]
        elif section == "PROJECTS":
            costs[int(row["project_id"])] = int(row["cost"])
        else:
            votes.append({int(x) for x in row["vote"].split(",") if x})
    return int(meta["budget"]), costs, votes


def greedy(budget: int, costs: dict[int, int], votes: list[set[int]]) -> list[int]:
    count = {p: sum(1 for v in votes if p in v) for p in costs}
    left, chosen = budget, []
    for p in sorted(costs, key=lambda q: (-count[q], q)):
        if count[p] and costs[p] <= left:
            chosen.append(p)
            left -= costs[p]
    return chosen


def mes_plain(
    share: Fraction, costs: dict[int, int], votes: list[set[int]], stop: int
) -> list[int]:
    money = [share] * len(votes)
    count = {p: sum(1 for v in votes if p in v) for p in costs}
    chosen: list[int] = []
    spent = 0
    while True:
        best = None
        for p in costs:
            if p in chosen or not count[p]:
                continue
            payers = sorted(money[i] for i, v in enumerate(votes) if p in v)
            if sum(payers) < costs[p]:
                continue
            paid, rest = Fraction(0), len(payers)
            for m in payers:
                each = (costs[p] - paid) / rest
                if each <= m:
                    rho = each
                    break
                paid += m
                rest -= 1
            key = (rho, -count[p], p)
            if best is None or key < best:
                best = key
        if best is None:
            return chosen
        rho, _, p = best
        for i, v in enumerate(votes):
            if p in v:
                money[i] -= min(money[i], rho)
        chosen.append(p)
        spent += costs[p]
        if spent > stop:
            return chosen


def completion_search(
    budget: int, costs: dict[int, int], votes: list[set[int]]
) -> tuple[int, list[int]]:
    """The completion exactly as defined, one step at a time: (step kept, its MES outcome)."""
    count = {p: sum(1 for v in votes if p in v) for p in costs}
    initial = Fraction(budget, len(votes))

    def cost(ps: list[int]) -> int:
        return sum(costs[p] for p in ps)

    def exhaustive(ps: list[int]) -> bool:
        left = budget - cost(ps)
        return not any(p not in ps and count[p] and costs[p] <= left for p in costs)

    kept: tuple[int, list[int]] = (0, [])
    for k in range(100 * len(votes) + 1):
        trial = mes_plain(initial * (1 + Fraction(k, 100)), costs, votes, budget)
        if cost(trial) > budget:
            break
        kept = (k, trial)
        if exhaustive(trial):
            break
    return kept


def equal_shares(budget: int, costs: dict[int, int], votes: list[set[int]]) -> list[int]:
    count = {p: sum(1 for v in votes if p in v) for p in costs}
    best = list(completion_search(budget, costs, votes)[1])
    left = budget - sum(costs[p] for p in best)
    for p in sorted(costs, key=lambda q: (-count[q], q)):
        if p not in best and count[p] and costs[p] <= left:
            best.append(p)
            left -= costs[p]
    return best
