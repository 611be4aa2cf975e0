"""An independent recount of a Pabulib file: its own parser and its own exact (Fraction)
voter-by-voter implementation of both rules, sharing no code with shequ.participation.

Rules, as published on the results page: greedy by votes (ties: more votes, then lower id;
a project that does not fit is skipped); Method of Equal Shares with approval utilities,
completion by raising each voter's share in steps of 1% of the initial share (largest fitting
step found by doubling then bisection), then a greedy fill.
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


def equal_shares(budget: int, costs: dict[int, int], votes: list[set[int]]) -> list[int]:
    count = {p: sum(1 for v in votes if p in v) for p in costs}
    initial = Fraction(budget, len(votes))

    def run(k: int) -> list[int]:
        return mes_plain(initial * (1 + Fraction(k, 100)), costs, votes, budget)

    def cost(ps: list[int]) -> int:
        return sum(costs[p] for p in ps)

    best = run(0)
    left = budget - cost(best)
    if any(p not in best and count[p] and costs[p] <= left for p in costs):
        total = sum(c for p, c in costs.items() if count[p])
        cap = max(
            1,
            -(
                -((Fraction(total) / initial - 1) * 100).numerator
                // ((Fraction(total) / initial - 1) * 100).denominator
            ),
        )
        fits, over, k = 0, None, 1
        while k < cap:
            trial = run(k)
            if cost(trial) > budget:
                over = k
                break
            fits, best, k = k, trial, k * 2
        if over is None:
            trial = run(cap)
            if cost(trial) <= budget:
                best = trial
            else:
                over = cap
        while over is not None and over - fits > 1:
            middle = (fits + over) // 2
            trial = run(middle)
            if cost(trial) > budget:
                over = middle
            else:
                fits, best = middle, trial
    left = budget - cost(best)
    for p in sorted(costs, key=lambda q: (-count[q], q)):
        if p not in best and count[p] and costs[p] <= left:
            best.append(p)
            left -= costs[p]
    return best
