"""Policy library and story archive benchmarks.

    .venv/bin/python bench/policies.py            # 100,000 policies, a gallery of 2,000 items
    .venv/bin/python bench/policies.py --quick    # 10,000 policies, 2,000 items

Prints ``BENCH <metric> <value> <unit>`` lines: the p95 of a library search (the selector the
page and API use: full-text match, ranking, validity of every hit) and the time to render a
community's gallery page with 2,000 published items, with the bytes a phone fetches for it.
Uses its own SQLite file under var/bench/ (or DATABASE_URL if given, e.g. PostgreSQL).
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
QUERIES = [
    "社区保障资金",
    "老旧院落 改造",
    "社区规划师",
    "成府发〔2014〕7号",
    "物业 小区 治理",
    "居民议事",
    "养老 服务",
    "公园社区",
    "志愿服务 积分",
    "专项资金 管理办法",
]
PHRASES = [
    "社区保障资金", "城乡社区发展治理", "老旧院落改造", "背街小巷整治", "社区规划师",
    "居民议事会", "小区自治", "物业服务", "养老服务", "托育服务", "社区商业",
    "公园社区", "志愿服务", "社会组织", "专项资金", "绩效评价", "公开公示",
    "党群服务中心", "网格化管理", "天府文化", "应急管理", "平安社区", "社区基金会",
]  # fmt: skip
VERBS = ["加强", "完善", "规范", "推进", "落实", "建立健全", "统筹", "支持", "鼓励"]
BODIES = ["各区（市）县", "街道办事处", "社区居民委员会", "市级有关部门", "驻区单位"]


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--no-input", "-v", "0"],
        check=True,
        env=os.environ.copy(),
    )
    import django

    django.setup()
    from shequ.places.models import Division

    if not Division.objects.filter(pk="510107005004").exists():
        from shequ.places.services import divisions_load

        divisions_load()


def policy_text(rng: random.Random) -> str:
    """About 1,500 characters in the shape of a policy: numbered articles of set phrases."""
    articles = []
    for n in range(1, 31):
        a, b = rng.sample(PHRASES, 2)
        articles.append(
            f"第{n}条 {rng.choice(BODIES)}应当{rng.choice(VERBS)}{a}工作，"
            f"{rng.choice(VERBS)}{b}机制，按规定公开。"
        )
    return "".join(articles)


def policies_create(count: int) -> None:
    from datetime import date, timedelta

    from shequ.catalogue.search import index_tokens
    from shequ.core.scopes import CITY_CODE
    from shequ.policies.models import Policy

    rng = random.Random(18)
    pool = []
    for _ in range(300):
        text = policy_text(rng)
        pool.append((text, index_tokens(text)))
    start = Policy.objects.count()
    batch = []
    for n in range(start, count):
        text, tokens = pool[n % len(pool)]
        topic = PHRASES[n % len(PHRASES)]
        title = f"关于{rng.choice(VERBS)}{topic}的实施办法（第{n + 1}号）"
        issued = date(2010, 1, 1) + timedelta(days=n % 5000)
        batch.append(
            Policy(
                title=title,
                doc_number=f"成社治发〔{issued.year}〕{n + 1}号",
                issuer="成都市城乡社区发展治理委员会（基准数据）",
                kind="measures",
                level="city",
                division_id=CITY_CODE,
                structure="implementation",
                issued_on=issued,
                effective_on=issued,
                expires_on=issued + timedelta(days=1825) if n % 3 == 0 else None,
                summary=text[:120],
                full_text=text,
                is_demo=True,
                is_published=True,
                title_tokens=index_tokens(title),
                body_tokens=f"{index_tokens(f'成社治发〔{issued.year}〕{n + 1}号')} {tokens}",
            )
        )
        if len(batch) == 1000:
            Policy.objects.bulk_create(batch)
            batch = []
    if batch:
        Policy.objects.bulk_create(batch)


def bench_search(count: int) -> None:
    from django.db import connection

    from shequ.catalogue.search import tokenizer
    from shequ.policies.models import Policy
    from shequ.policies.selectors import policy_library

    if Policy.objects.count() < count:
        started = time.perf_counter()
        policies_create(count)
        bench(f"policies_index_{count}", time.perf_counter() - started, "s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A bulk load leaves GIN's pending list full until autovacuum runs; measure the
            # steady state a live library is in, not the minutes after 100,000 inserts.
            cursor.execute("VACUUM ANALYZE policies_policy")
    bench("policies_documents", Policy.objects.count(), "documents")
    tokenizer()
    for query in QUERIES:
        policy_library(query=query)
    timings = []
    for _round in range(10):
        for query in QUERIES:
            started = time.perf_counter()
            rows = policy_library(query=query, limit=20)
            timings.append((time.perf_counter() - started) * 1000)
            assert rows or query == "成府发〔2014〕7号", query
    bench(f"policy_search_p50_{connection.vendor}", percentile(timings, 0.5), "ms")
    bench(f"policy_search_p95_{connection.vendor}", percentile(timings, 0.95), "ms")


def bench_gallery(items: int) -> None:
    from io import BytesIO

    from django.core.files.base import ContentFile
    from django.test import Client
    from django.utils import timezone
    from PIL import Image

    from shequ.stories.models import Item

    community = "510107005004"
    existing = Item.objects.filter(community_id=community, status="published").count()
    if existing < items:
        picture = Image.new("RGB", (1600, 1200), (150, 120, 90))
        out = BytesIO()
        picture.save(out, "JPEG", quality=85)
        # One upload made phone-sized the way the service does it, shared by every row.
        template = Item(
            community_id=community,
            kind="photo",
            title="t",
            description="d",
            licence="cc_by",
            audience="public",
        )
        from shequ.stories.services import _thumbnail

        template.thumbnail.save("bench.jpg", _thumbnail(ContentFile(out.getvalue())), save=False)
        now = timezone.now()
        Item.objects.bulk_create(
            [
                Item(
                    community_id=community,
                    kind="photo",
                    title=f"老照片 {n}",
                    description="基准数据",
                    era="1980年代",
                    licence="cc_by",
                    audience="public",
                    status="published",
                    published_at=now,
                    thumbnail=template.thumbnail.name,
                    label_code=f"bench{n}",
                )
                for n in range(existing, items)
            ],
            batch_size=1000,
        )
    client = Client()
    url = f"/stories/c/{community}/"
    client.get(url)
    timings, size = [], 0
    for _ in range(20):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
    thumb = Item.objects.filter(community_id=community).exclude(thumbnail="").first()
    thumb_bytes = thumb.thumbnail.size if thumb is not None else 0
    first_screen = size + 8 * thumb_bytes  # lazy images: about eight cards on a phone screen
    bench("gallery_items", Item.objects.filter(community_id=community).count(), "items")
    bench("gallery_page_p95", percentile(timings, 0.95), "ms")
    bench("gallery_html", size / 1024, "KB")
    bench("gallery_thumbnail", thumb_bytes / 1024, "KB")
    # A phone on a 10 Mbit/s mobile link with 100 ms round trips, six parallel requests.
    estimate = percentile(timings, 0.95) + 200 + first_screen * 8 / 10_000_000 * 1000
    bench("gallery_first_screen_on_4g", estimate, "ms")
    bench_gallery_browser(url)


# The images a phone shows without scrolling, and whether all of them are drawn.
FIRST_SCREEN_IMAGES = (
    "Array.from(document.images).filter(i => { const r = i.getBoundingClientRect();"
    " return r.bottom > 0 && r.top < innerHeight && r.width > 0; })"
)
# As functions: the page's CSP (no 'unsafe-eval') refuses a bare expression.
FIRST_SCREEN_DRAWN = "() => " + FIRST_SCREEN_IMAGES + ".every(i => i.complete && i.naturalWidth)"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def bench_gallery_browser(path: str) -> None:
    """The gallery in headless Chromium on a 390-px phone: navigation until the page has
    loaded and every thumbnail on its first screen is drawn (lazy images below the fold are
    not waited for, as a phone does not fetch them)."""
    import shutil
    import statistics

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("SHEQU_CHROMIUM") or shutil.which("chromium") or ""
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    samples: list[float] = []
    images = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for run in range(6):
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
                )
                page = context.new_page()
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{server.port}{path}", wait_until="load")
                page.wait_for_function(FIRST_SCREEN_DRAWN, timeout=30_000)
                elapsed = (time.perf_counter() - started) * 1000
                images = page.evaluate("() => " + FIRST_SCREEN_IMAGES + ".length")
                if run:  # the first load warms the server
                    samples.append(elapsed)
                context.close()
            browser.close()
    finally:
        server.terminate()
    bench("gallery_chromium_images_loaded", images, "images")
    bench("gallery_chromium_ready_median", statistics.median(samples), "ms")
    bench("gallery_chromium_ready_max", max(samples), "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    default = f"sqlite:///{REPO / 'var' / 'bench' / 'policies.sqlite3'}"
    setup_django(os.environ.get("DATABASE_URL", default))
    bench_search(10_000 if args.quick else 100_000)
    bench_gallery(2_000)


if __name__ == "__main__":
    main()
