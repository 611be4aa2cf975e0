"""Demo: the services whose completed cases issue a result document, and (for the benchmark)
many issued documents in bulk."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.catalogue.models import Service
from shequ.documents.models import IssuedDocument, Kind, ResultTemplate
from shequ.documents.numbers import ALPHABET, RANDOM_LENGTH, format_number

if TYPE_CHECKING:
    from shequ.places.models import Division

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


def _community(code: str) -> tuple["Division | None", str]:
    from shequ.places.models import Division

    division = Division.objects.filter(pk=code).first()
    name = f"{division.name}居民委员会" if division is not None else "社区居民委员会"
    return division, name


def demo_minutes(
    *,
    actor: Any,
    community_code: str,
    subject: str,
    amount: str,
    meeting_date: date,
    attendees: Sequence[str],
    absent: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
) -> tuple[IssuedDocument, SimpleUploadedFile]:
    """Real minutes of a council meeting (agenda, attendees, decision) with a number that
    verifies; the PDF as an upload for the funds record it belongs to."""
    from shequ.core.pii import mask_name
    from shequ.documents.services import document_issue

    division, issuer = _community(community_code)
    present = len(attendees)
    passed = votes_for * 2 > present
    document = document_issue(
        actor=actor,
        kind=Kind.MINUTES,
        title=f"居民议事会会议纪要：{subject}",
        division=division,
        issuer_name=issuer,
        facts=[
            ("会议日期", f"{meeting_date:%Y-%m-%d}"),
            ("会议地点", "社区党群服务中心议事厅"),
            ("应到/实到", f"{present + absent}人 / {present}人"),
        ],
        sections=[
            ("议程", [f"一、审议“{subject}”项目及资金使用方案（{amount}元）", "二、表决"]),
            ("出席人员", ["、".join(mask_name(name) for name in attendees)]),
            (
                "表决结果",
                [
                    f"赞成{votes_for}票，反对{votes_against}票，弃权{votes_abstain}票。",
                    f"决定：{'通过' if passed else '未通过'}“{subject}”项目，"
                    f"使用社区公益资金{amount}元，结果在社区公示七日。",
                ],
            ),
        ],
    )
    return document, _upload(document)


def demo_receipt(
    *,
    actor: Any,
    community_code: str,
    amount: str,
    purpose: str,
    title: str,
    payer: str = "",
    payee: str = "",
) -> tuple[IssuedDocument, SimpleUploadedFile]:
    """A real receipt with a number that verifies: money received from a person (``payer``,
    shown masked) or paid by the community fund to a supplier (``payee``)."""
    from shequ.core.pii import mask_name
    from shequ.documents.services import document_issue

    division, issuer = _community(community_code)
    money = f"人民币{Decimal(amount):,.2f}元"
    if payer:
        statement = f"今收到{mask_name(payer)}交来{money}，用于{purpose}。"
        facts = [("金额", money), ("用途", purpose)]
    else:
        statement = f"社区公益资金向{payee}支付“{purpose}”项目款项{money}。"
        facts = [("收款单位", payee), ("金额", money), ("用途", purpose)]
    document = document_issue(
        actor=actor,
        kind=Kind.RECEIPT,
        title=title,
        holder_name=payer,
        division=division,
        issuer_name=issuer,
        facts=facts,
        statement=statement,
    )
    return document, _upload(document)


def _upload(document: IssuedDocument) -> SimpleUploadedFile:
    with document.file.open("rb") as handle:
        data = handle.read()
    return SimpleUploadedFile(f"{document.number}.pdf", data, content_type="application/pdf")
