"""Deliberation benchmarks: a long discussion, finding proposals, telling voters voting opened.

    .venv/bin/python bench/deliberation.py            # 200 page loads per case, 50,000 voters
    .venv/bin/python bench/deliberation.py --quick    # 30 page loads per case (under a minute)

1. A proposal page with 2,000 comments (1,200 threads, 800 replies), read by a signed-in
   ID-checked resident through the real view: p50/p95 of page 1 and of a page deep in the
   discussion, and the query count of the page at 20 and at 2,000 comments.
2. Finding proposals over 100,000 proposals (rows made inside PostgreSQL with
   generate_series, spread over every community of the city): p95 of what the find page does
   for each search, filter and sort (``selectors.proposal_search`` and its 20-row page with
   the count the page shows), and of the whole page through the view. Words go through the
   jieba index (``participation.search``); each word search is also timed the old way, each
   word ``icontains`` on title and description, as its peer (``…_icontains_baseline_p95``),
   with the matches of both.
3. Voting opens for 50,000 eligible residents: ``round_advance`` writes one in-app message
   per resident straight into their inboxes inside that request (``message_send_many``, one
   bulk insert); nothing is queued and no worker delivers them afterwards. The BENCH names
   say so: ``voting_opened_inbox_write_in_request_seconds``.

Needs PostgreSQL: set DATABASE_URL=postgres://...; a throw-away test database is created
(``test_<name>``, tables made from the models without running the migrations, plus the
proposals' word index of migration 0013) and dropped
afterwards. Prints ``BENCH <metric> <value> <unit>`` lines.
"""

import argparse
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))]


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm the caches and the plan once
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


# ---------------------------------------------------------------- 1. a long discussion


def _discussion(proposal: Any, author: Any, threads: int, replies: int) -> None:
    from shequ.participation.models import Comment

    def row(i: int, parent: Any = None) -> Comment:
        return Comment(
            community_id=proposal.community_id,
            target="proposal",
            target_key=str(proposal.pk),
            parent=parent,
            author=author,
            author_label="李*",
            role="resident",
            body=f"第{i}条意见：晚上东门太黑，老人出门不方便，建议加装两盏路灯并修补台阶。",
            up=i % 17,
            down=i % 5,
        )

    tops = Comment.objects.bulk_create([row(i) for i in range(threads)], batch_size=2000)
    Comment.objects.bulk_create(
        [row(threads + i, tops[(i * 7) % threads]) for i in range(replies)], batch_size=2000
    )


def discussion_bench(place: Any, repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.participation.services import proposals

    def propose(title: str) -> Any:
        return proposals.proposal_create(
            actor=place.residents[0],
            community_code="510107005004",
            title=title,
            description="晚上东门太黑",
            category="safety",
        )

    small, large = propose("小区东门加装路灯"), propose("河边步道修缮")
    _discussion(small, place.residents[3], 15, 5)
    _discussion(large, place.residents[3], 1200, 800)
    client = Client()
    client.force_login(place.residents[2])

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    queries = {}
    for label, proposal in (("20", small), ("2000", large)):
        get(f"/participation/proposals/{proposal.pk}/")
        with CaptureQueriesContext(connection) as captured:
            get(f"/participation/proposals/{proposal.pk}/")
        queries[label] = len(captured.captured_queries)
        bench(f"proposal_page_queries_at_{label}_comments", queries[label], "queries")
    first = timed(lambda: get(f"/participation/proposals/{large.pk}/"), repeat)
    deep = timed(lambda: get(f"/participation/proposals/{large.pk}/?comments=45"), repeat)
    bench("proposal_page_2000_comments_p50", statistics.median(first) * 1000, "ms")
    bench("proposal_page_2000_comments_p95", p95(first) * 1000, "ms")
    bench("proposal_page_2000_comments_page45_p95", p95(deep) * 1000, "ms")
    bench("proposal_page_queries_constant", int(queries["20"] == queries["2000"]), "bool")


# ---------------------------------------------------------------- 2. finding proposals

PLACES = ["小区", "东门", "河边", "菜市场", "广场", "老院子", "学校门口", "巷子"]
SUBJECTS = ["加装路灯", "修缮步道", "增设座椅", "垃圾分类亭", "非机动车棚", "加装电梯",
            "绿化改造", "儿童游乐场", "老年食堂", "充电桩", "休闲长廊", "无障碍坡道"]  # fmt: skip
ISSUES = ["晚上太黑", "下雨积水", "没有地方休息", "车辆乱停", "老人上下楼困难",
          "孩子没处玩", "垃圾满溢", "充电不安全"]  # fmt: skip
MIDDLE = "，希望社区尽快协调解决，大家一起出主意，费用由社区基金和居民自筹。"
CONCERN = "附近住户都很关心这件事。"

# Rows made inside PostgreSQL; their jieba words (``search_tokens``) too: jieba cuts text
# between non-Chinese characters separately, so the words of "<place><subject> <g> <text>"
# are the words of the place+subject (8 × 12 texts), g, and the text's (8 × 6), cut here
# once in Python with the real ``proposal_tokens`` and picked per row by index.
PROPOSALS_SQL = """
INSERT INTO participation_proposal
  (community_id, author_id, title, description, category, photo, lon, lat, estimated_cost,
   status, supports, moderation_reason, answer_state, comments_count, created_at, updated_at,
   search_tokens)
SELECT c.codes[1 + (g::bigint * 31) %% cardinality(c.codes)], %(author)s,
       (%(places)s::text[])[1 + g %% 8] || (%(subjects)s::text[])[1 + (g / 8) %% 12]
         || ' ' || g,
       '居民反映' || (%(issues)s::text[])[1 + g %% 8] || %(middle)s
         || repeat(%(concern)s, 1 + g %% 6),
       (ARRAY['environment','facilities','safety','culture','services','other'])[1 + g %% 6],
       '',
       CASE WHEN g %% 3 = 0 THEN 104.0 + (g %% 1000) / 1000.0 END,
       CASE WHEN g %% 3 = 0 THEN 30.5 + (g %% 700) / 1000.0 END,
       (g %% 50) * 1000,
       CASE WHEN g %% 100 < 70 THEN 'open' WHEN g %% 100 < 85 THEN 'on_agenda'
            WHEN g %% 100 < 95 THEN 'decided' WHEN g %% 100 < 98 THEN 'hidden'
            ELSE 'merged' END,
       (g::bigint * 7919 %% 200)::int, '', '', (g::bigint * 104729 %% 60)::int,
       now() - ((g::bigint * 37) %% 730) * interval '1 day' - (g %% 1440) * interval '1 minute',
       now(),
       (%(title_words)s::text[])[1 + (g %% 8) * 12 + (g / 8) %% 12] || ' ' || g || ' '
         || (%(text_words)s::text[])[1 + (g %% 8) * 6 + g %% 6]
FROM generate_series(1, %(n)s) AS g
CROSS JOIN (SELECT array_agg(code ORDER BY code) AS codes
            FROM places_division WHERE level = 'community') AS c
"""


def word_index() -> list[str]:
    """Migration 0013's PostgreSQL statements: the generated tsvector column, its GIN index."""
    module = importlib.import_module("shequ.participation.migrations.0013_proposal_search_index")
    return list(module.POSTGRES_UP)


def seed_proposals(author_id: int, n: int) -> None:
    from django.db import connection

    from shequ.participation.search import proposal_tokens

    title_words = [proposal_tokens(p + s, "") for p in PLACES for s in SUBJECTS]
    text_words = [
        proposal_tokens("", "居民反映" + issue + MIDDLE + CONCERN * (1 + k))
        for issue in ISSUES
        for k in range(6)
    ]
    params = {
        "author": author_id,
        "n": n,
        "places": PLACES,
        "subjects": SUBJECTS,
        "issues": ISSUES,
        "middle": MIDDLE,
        "concern": CONCERN,
        "title_words": title_words,
        "text_words": text_words,
    }
    with connection.cursor() as cursor:
        cursor.execute(PROPOSALS_SQL, params)
        for sql in word_index()[1:]:
            cursor.execute(sql)
        cursor.execute("ANALYZE participation_proposal")


SEARCHES: list[tuple[str, dict[str, str]]] = [
    ("all_most_supported", {}),
    ("all_newest", {"sort": "newest"}),
    ("all_most_discussed", {"sort": "discussed"}),
    ("word", {"q": "路灯"}),
    ("word_elevator", {"q": "电梯"}),
    ("two_words", {"q": "东门 路灯"}),
    ("word_not_found", {"q": "火箭发射"}),
    ("status_on_agenda", {"status": "on_agenda"}),
    ("category_safety", {"category": "safety"}),
    ("area_district", {"area": "510107000000"}),
    ("area_community", {"area": "510107005004"}),
    ("word_category_district_newest", {"q": "座椅", "category": "culture",
                                       "area": "510107000000", "sort": "newest"}),
]  # fmt: skip


def search_bench(place: Any, proposals_n: int, repeat: int) -> None:
    from django.db.models import Q
    from django.test import Client

    from shequ.participation import selectors
    from shequ.participation.models import Proposal

    began = time.perf_counter()
    seed_proposals(place.residents[0].pk, proposals_n)
    bench("search_seed_seconds", time.perf_counter() - began, "s")
    bench("search_proposals", Proposal.objects.count(), "proposals")

    def find(params: dict[str, str]) -> Callable[[], Any]:
        query = selectors.ProposalQuery(**{"text" if k == "q" else k: v for k, v in params.items()})

        def run() -> int:
            # What the find page does: the matching proposals, 20 a page, and how many.
            page = selectors.proposal_page(selectors.proposal_search(query), "1")
            list(page.object_list)
            return page.paginator.count

        return run

    def baseline(params: dict[str, str]) -> Callable[[], Any]:
        # The peer: the same filters and order with the words as before this index, each
        # word ``icontains`` on title or description (UPPER(...) LIKE '%...%').
        query = selectors.ProposalQuery(**{k: v for k, v in params.items() if k != "q"})

        def run() -> int:
            found = selectors.proposal_search(query)
            for word in params["q"].split()[:5]:
                found = found.filter(Q(title__icontains=word) | Q(description__icontains=word))
            page = selectors.proposal_page(found, "1")
            list(page.object_list)
            return page.paginator.count

        return run

    client = Client()
    worst = 0.0
    for name, params in SEARCHES:
        samples = timed(find(params), repeat)
        bench(f"search_{name}_p95", p95(samples) * 1000, "ms")
        worst = max(worst, p95(samples))
        if "q" in params:
            peer = timed(baseline(params), max(2, repeat // 5))
            bench(f"search_{name}_icontains_baseline_p95", p95(peer) * 1000, "ms")
            words = selectors.ProposalQuery(text=params["q"])
            bench(f"search_{name}_matches", selectors.proposal_search(words).count(), "proposals")
    bench("search_worst_p95", worst * 1000, "ms")
    page_samples: list[float] = []

    def page(params: dict[str, str]) -> Callable[[], Any]:
        return lambda: client.get("/participation/proposals/", params)

    for _, params in SEARCHES:
        page_samples += timed(page(params), 5)
    bench("find_page_all_cases_p95", p95(page_samples) * 1000, "ms")


# ---------------------------------------------------------------- 3. voting opens


def voting_opened_bench(place: Any, voters: int) -> None:
    from tests.factories import SHUIJINGFANG
    from tests.participation.conftest import fund_community

    from shequ.notices import services as notices
    from shequ.notices.models import Message
    from shequ.participation.services import rounds
    from shequ.people.models import Resident, User, VerificationLevel

    began = time.perf_counter()
    users = User.objects.bulk_create(
        [User(username=f"voter{i}") for i in range(voters)], batch_size=5000
    )
    Resident.objects.bulk_create(
        [
            Resident(
                user=u,
                real_name=f"居民{i}",
                community_id=SHUIJINGFANG,
                verification_level=VerificationLevel.REGISTRY_MATCHED,
            )
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    bench("voting_opened_seed_seconds", time.perf_counter() - began, "s")
    worker = place.other_worker
    fund_community(SHUIJINGFANG, Decimal("1000000"))
    budget_round = rounds.round_create(
        actor=worker, community_code=SHUIJINGFANG, title="2026年微更新", budget="300000"
    )
    for title, cost in (("口袋公园", 60000), ("加装扶手", 40000), ("读书角", 30000)):
        project = rounds.project_add(actor=worker, round_id=budget_round.pk, title=title, cost=cost)
        rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
    for _ in range(2):
        rounds.round_advance(actor=worker, round_id=budget_round.pk)

    writes: list[float] = []
    send_many = notices.message_send_many

    def measured(**kwargs: Any) -> int:
        start = time.perf_counter()
        try:
            return send_many(**kwargs)
        finally:
            writes.append(time.perf_counter() - start)

    notices.message_send_many = measured
    try:
        start = time.perf_counter()
        rounds.round_advance(actor=worker, round_id=budget_round.pk)  # review → voting
        request = time.perf_counter() - start
    finally:
        notices.message_send_many = send_many
    told = Message.objects.filter(url=f"/participation/rounds/{budget_round.pk}/").count()
    bench(
        "voting_opened_eligible_residents",
        rounds.eligible_voters(budget_round).count(),
        "residents",
    )
    bench("voting_opened_messages_in_inboxes", told, "messages")
    bench("voting_opened_inbox_write_in_request_seconds", sum(writes), "s")
    bench("voting_opened_round_advance_request_seconds", request, "s")
    print(
        "voting opened: messages are in-app inbox rows written inside the request; "
        "nothing is queued, so there is no worker delivery time to measure",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print("deliberation bench skipped: set DATABASE_URL to PostgreSQL", flush=True)
        return
    # Tables straight from the models, not by running every migration (46 s here); the
    # proposals' word index (migration 0013's SQL) is added below.
    connection.settings_dict["TEST"]["MIGRATE"] = False
    old = setup_databases(verbosity=0, interactive=False)
    try:
        # The one object only a migration makes that is measured: the proposals' word index.
        # Its generated column now; its GIN index once the 100,000 rows are in (faster).
        with connection.cursor() as cursor:
            cursor.execute(word_index()[0])
        from tests.participation.conftest import make_place

        from shequ.places.services import divisions_load

        divisions_load()
        place = make_place()
        repeat = 30 if options.quick else 200
        discussion_bench(place, repeat)
        search_bench(place, 100_000, 10 if options.quick else 50)
        voting_opened_bench(place, 50_000)
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
