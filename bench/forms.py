"""Form builder benchmarks: a 40-field application form on the resident's page, and the
catalogue's service page.

    .venv/bin/python bench/forms.py            # 300 requests per figure
    .venv/bin/python bench/forms.py --quick    # 60 requests per figure (under a minute)

Prints ``BENCH <metric> <value> <unit>`` lines: ``form40_render_p95_ms`` (the application
page with a 40-field form of every type, signed in as a registered resident, pre-filled),
``form40_queries`` and ``form5_queries`` (the same page with 5 fields: the count must not
grow with the fields), ``service_page_p95_ms`` (target < 50 ms; signed in as department
staff, who see the "设计申请表" link, and anonymously). Uses its own SQLite file under
var/bench/, or DATABASE_URL (PostgreSQL) when given.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        stdout=subprocess.DEVNULL,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    os.environ.setdefault("TASKS_IMMEDIATE", "1")
    manage("migrate", "--no-input", "-v", "0")
    import django

    django.setup()


# One of every type, repeated to 40 fields (files are documents, on top).
TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "choice",
    "multichoice",
    "boolean",
    "phone",
    "id_number",
    "address",
)


def form_spec(
    count: int, offset: int = 0
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """``count`` fields of every type (conditions and pre-fills among them), 3 files;
    ``offset``: the type to start with."""
    fields: list[dict[str, object]] = []
    for n in range(count):
        kind = TYPES[(n + offset) % len(TYPES)]
        spec: dict[str, object] = {
            "name": f"f{n}",
            "label": f"问题{n}",
            "type": kind,
            "required": n % 3 == 0,
            "help": "填写说明",
        }
        if kind in ("choice", "multichoice"):
            spec["choices"] = ["甲", "乙", "丙"]
        if kind == "id_number" and n < len(TYPES):
            spec["prefill"] = "id_number"
        if kind == "address" and n < len(TYPES):
            spec["prefill"] = "community"
        if kind == "text" and n > len(TYPES):
            spec["show_if"] = {"field": "f5", "equals": "甲"}
        if kind == "boolean" and offset:
            spec["show_if"] = {"field": "f0", "equals": "甲"}
        fields.append(spec)
    documents: list[dict[str, object]] = [
        {"name": f"doc{n}", "label": f"材料{n}", "types": ["pdf", "jpg"], "max_kb": 2048}
        for n in range(3)
    ]
    return fields, documents


def timed_get(client: object, url: str, rounds: int) -> tuple[list[float], set[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # type: ignore[attr-defined]  # warm the templates
    timings: list[float] = []
    counts: set[int] = set()
    for _round in range(rounds):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
        counts.add(len(ctx.captured_queries))
        assert response.status_code == 200, response.status_code
    return timings, counts


def run(rounds: int) -> None:
    from django.test import Client
    from django.urls import reverse

    from shequ.casework.demo import seed_casework
    from shequ.casework.services.definitions import form_definition_publish
    from shequ.catalogue.demo import seed_catalogue
    from shequ.catalogue.models import Service
    from shequ.core.pii import PIIKind, PIIValue
    from shequ.core.scopes import Role
    from shequ.people.demo import NIJIAQIAO, ensure_departments
    from shequ.people.models import Resident, StaffRole, User, VerificationLevel
    from shequ.places.models import Division

    if not Division.objects.filter(pk=NIJIAQIAO).exists():
        manage("load_divisions")
    if not Service.objects.filter(code="juzhuzheng").exists():
        seed_catalogue(policies_per_service=0)
    seed_casework()
    departments = ensure_departments()
    staff, _made = User.objects.get_or_create(username="bench_forms_staff")
    StaffRole.objects.get_or_create(
        user=staff, role=Role.DEPARTMENT_STAFF, department=departments["gongan"]
    )
    applicant, made = User.objects.get_or_create(username="bench_forms_applicant")
    if made or not Resident.objects.filter(user=applicant).exists():
        Resident.objects.create(
            user=applicant,
            real_name="测试",
            id_number=PIIValue(PIIKind.ID_NUMBER, plain="510107199001011234"),
            community_id=NIJIAQIAO,
            verification_level=VerificationLevel.REGISTRY_MATCHED,
        )
    forty = Service.objects.get(code="juzhuzheng")
    five = Service.objects.filter(kind=Service.Kind.APPLICATION).exclude(pk=forty.pk).first()
    assert five is not None
    # the 5-field form has the types that look things up (address, pre-fills, conditions)
    for service, count, offset in ((forty, 40, 0), (five, 5, 6)):
        fields, documents = form_spec(count, offset)
        form_definition_publish(
            actor=None, service_id=service.pk, fields=fields, documents=documents
        )

    resident = Client()
    resident.force_login(applicant)
    timings, counts = timed_get(resident, f"/casework/apply/{forty.pk}/", rounds)
    bench("form40_render_p50_ms", percentile(timings, 0.5), "ms")
    bench("form40_render_p95_ms", percentile(timings, 0.95), "ms")
    bench("form40_queries", max(counts), "queries")
    _timings, few = timed_get(resident, f"/casework/apply/{five.pk}/", max(5, rounds // 10))
    bench("form5_queries", max(few), "queries")

    services = list(Service.objects.filter(is_published=True).order_by("pk")[:20])
    page_timings: list[float] = []
    page_counts: set[int] = set()
    department = Client()
    department.force_login(staff)
    for client in (department, Client()):
        for service in services:
            timings, counts = timed_get(
                client,
                reverse("catalogue:service", args=[service.pk]),
                max(1, rounds // len(services)),
            )
            page_timings += timings
            page_counts |= counts
    bench("service_page_p50_ms", percentile(page_timings, 0.5), "ms")
    bench("service_page_p95_ms", percentile(page_timings, 0.95), "ms")
    bench("service_page_queries_max", max(page_counts), "queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{bench_dir / 'forms.sqlite3'}"
    setup_django(database_url)
    run(rounds=60 if args.quick else 300)


if __name__ == "__main__":
    main()
