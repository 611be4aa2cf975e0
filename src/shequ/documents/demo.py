"""Demo: the services whose completed cases issue a result document, and (for the benchmark)
many issued documents in bulk."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from shequ.catalogue.models import Service
from shequ.documents.models import IssuedDocument, Kind, ResultTemplate
from shequ.documents.numbers import ALPHABET, RANDOM_LENGTH, format_number

TEMPLATES = {
    "juzhuzheng": (
        Kind.PROOF,
        "居住证办理结果证明",
        "兹证明持证人申请的{service}业务已依法办结，符合居住证申领条件，特此证明。",
    ),
    "laonianren-youdaizheng": (
        Kind.CERTIFICATE,
        "老年人优待证",
        "持证人经审核符合{service}条件，可依规享受本市老年人优待服务。",
    ),
    "xinshenger-luohu": (
        Kind.PROOF,
        "户籍登记办结证明",
        "兹证明{service}申请已审核通过并办结，户籍登记手续已完成。",
    ),
    "shequ-zhengming": (
        Kind.PROOF,
        "社区证明",
        "经社区核实，申请人所述情况属实，特此证明（{service}）。",
    ),
}


def seed_result_templates() -> int:
    """A result document for the demo services that have none; returns how many were added."""
    created = 0
    for code, (kind, title, statement) in TEMPLATES.items():
        service = Service.objects.filter(code=code).first()
        if service is None or ResultTemplate.objects.filter(service=service).exists():
            continue
        ResultTemplate.objects.create(service=service, kind=kind, title=title, statement=statement)
        created += 1
    return created


def bulk_numbers(count: int, year: int = 2026) -> list[str]:
    """``count`` distinct well-formed random numbers."""
    numbers: set[str] = set()
    while len(numbers) < count:
        random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
        numbers.add(format_number(year, random_part))
    return list(numbers)


def bulk_rows(numbers: list[str], start: datetime | None = None) -> list[IssuedDocument]:
    """Issued-document rows (without PDFs) for the benchmark: same fields a real one has."""
    base = start or datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    kinds = [Kind.CERTIFICATE, Kind.PROOF, Kind.RECEIPT, Kind.MINUTES]
    return [
        IssuedDocument(
            number=number,
            kind=kinds[n % 4],
            title="居住证办理结果证明",
            holder_masked="王*",
            issuer_name="成都市公安局",
            issued_at=base + timedelta(seconds=n * 7),
            sha256=hashlib.sha256(number.encode()).hexdigest(),
            revoked=n % 97 == 0,
        )
        for n, number in enumerate(numbers)
    ]


def seed_bulk_documents(count: int, batch: int = 5000) -> int:
    """Add issued documents until there are at least ``count``; returns how many were added."""
    missing = count - IssuedDocument.objects.count()
    added = 0
    while added < missing:
        size = min(batch, missing - added)
        IssuedDocument.objects.bulk_create(bulk_rows(bulk_numbers(size)), batch_size=size)
        added += size
    return max(added, 0)
