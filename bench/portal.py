"""Portal benchmarks: site-wide search over many documents, the signed-in resident's home
page, and freezing every open dataset.

    .venv/bin/python bench/portal.py            # 500,000 documents, 100,000 residents
    .venv/bin/python bench/portal.py --quick    # 50,000 documents, 20,000 residents

Prints one ``BENCH <metric> <value> <unit>`` line per figure. Uses its own SQLite file under
var/bench/ (or DATABASE_URL if given), never the development database. The documents are
synthetic: titles and texts drawn (seeded) from a vocabulary of words residents search for,
their tokens written directly (jieba cuts them the same way; cutting 500,000 texts would time
the tokenizer, not the search).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

WORDS = [
    "路灯",
    "井盖",
    "漏水",
    "电梯",
    "加装",
    "停车",
    "充电桩",
    "垃圾",
    "分类",
    "绿道",
    "公园",
    "院落",
    "改造",
    "老旧",
    "小区",
    "社区",
    "居民",
    "议事",
    "公告",
    "通知",
    "停水",
    "停电",
    "维修",
    "报修",
    "活动",
    "志愿",
    "服务",
    "养老",
    "托育",
    "食堂",
    "健身",
    "阅览室",
    "菜市场",
    "医保",
    "社保",
    "公积金",
    "户口",
    "居住证",
    "残疾人",
    "优待证",
    "学位",
    "入学",
    "婚姻",
    "登记",
    "预约",
    "缴费",
    "资金",
    "预算",
    "投票",
    "项目",
    "五大",
    "行动",
    "街道",
    "安全",
    "消防",
    "噪音",
    "绿化",
    "道路",
    "照明",
    "步道",
    "座椅",
]


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        check=True,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def seed_documents(count: int) -> None:
    from shequ.portal.models import SearchDocument

    rng = random.Random(20)
    kinds = ("notice", "proposal", "project", "service", "venue")
    batch = []
    for n in range(count):
        title = rng.sample(WORDS, 3)
        body = rng.sample(WORDS, 12)
        public = n % 3 != 0
        batch.append(
            SearchDocument(
                kind=kinds[n % len(kinds)],
                key=f"b{n}",
                title="".join(title),
                text="".join(body),
                url=f"/bench/{n}/",
                audience="public" if public else "community",
                community="" if public else f"510107005{n % 40:03d}",
                title_tokens=" ".join(title),
                body_tokens=" ".join(body),
            )
        )
        if len(batch) == 5000:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    SearchDocument.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    documents = 50_000 if args.quick else 500_000
    residents = 20_000 if args.quick else 100_000
    if "DATABASE_URL" not in os.environ:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (bench_dir / f"portal.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'portal.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    manage("migrate", "--no-input", "-v", "0")
    manage("load_divisions")
    manage("seed_demo", "--residents", str(residents), "--seed", "7", "--no-progress")
    for command in ("seed_projects", "seed_funds", "seed_participation", "seed_catalogue"):
        manage(command)

    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    from shequ.people.models import User
    from shequ.portal.indexing import rebuild
    from shequ.portal.selectors import site_search
    from shequ.portal.services import snapshot_all

    rebuild()
    from shequ.portal.models import SearchDocument

    SearchDocument.objects.filter(key__startswith="b").delete()
    started = time.perf_counter()
    seed_documents(documents)
    bench(f"portal_seed_{documents // 1000}k_documents", time.perf_counter() - started, "s")

    rng = random.Random(7)
    queries = ["路灯坏了", "停水", "加装电梯", "ld", "社区活动", "老旧小区改造", "预约", "医保"]
    queries += [rng.choice(WORDS) + rng.choice(WORDS) for _ in range(40)]
    anonymous = AnonymousUser()
    site_search(query="路灯", user=anonymous)  # jieba loads once
    timings = []
    for query in queries * 3:
        started = time.perf_counter()
        site_search(query=query, user=anonymous)
        timings.append((time.perf_counter() - started) * 1000)
    bench(f"portal_search_p95_{documents // 1000}k_documents", percentile(timings, 0.95), "ms")

    user = User.objects.get(username="resident")
    client = Client()
    client.force_login(user)
    client.get("/")
    timings = []
    for _ in range(60):
        started = time.perf_counter()
        client.get("/")
        timings.append((time.perf_counter() - started) * 1000)
    bench(
        f"portal_home_resident_p95_{residents // 1000}k_residents", percentile(timings, 0.95), "ms"
    )

    started = time.perf_counter()
    results = snapshot_all()
    bench("portal_snapshot_all_datasets", time.perf_counter() - started, "s")
    bench("portal_snapshot_failed", sum(1 for s in results.values() if s != "complete"), "datasets")


if __name__ == "__main__":
    main()
