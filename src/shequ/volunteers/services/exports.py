"""The Excel export of volunteer records in the fields of the national volunteer service
information system (全国志愿服务信息系统); ID numbers stay masked. Audited."""

import io
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.volunteers import selectors
from shequ.volunteers.models import FIELDS, SKILLS, StarAward

EXPORT_LIMIT = 50_000


def _columns() -> list[str]:
    return [
        gettext("Volunteer number"),
        gettext("real name"),
        gettext("ID type"),
        gettext("ID number"),
        gettext("Sex"),
        gettext("Registered on"),
        gettext("Registered in"),
        gettext("Skills"),
        gettext("Service fields"),
        gettext("Status"),
        gettext("Total service hours"),
        gettext("Stars"),
    ]


@transaction.atomic
def volunteer_export(*, actor: User, ip: str | None = None) -> tuple[bytes, int]:
    """The volunteers of the actor's area as an .xlsx file and how many rows; audited."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    volunteers = list(selectors.volunteer_list_for(user=actor)[:EXPORT_LIMIT])
    stars = dict(
        StarAward.objects.filter(
            volunteer__in=[v.pk for v in volunteers], status=StarAward.Status.AWARDED
        )
        .order_by("volunteer_id", "level")
        .values_list("volunteer_id", "level")
    )
    book = Workbook()
    sheet: Any = book.active
    with translation.override("zh-hans"):
        sheet.title = gettext("Volunteers")[:31]
        sheet.append(_columns())
        id_type = gettext("Resident identity card")
        for v in volunteers:
            resident = v.resident
            sheet.append(
                [
                    v.number,
                    resident.real_name,
                    id_type,
                    str(resident.id_number or ""),
                    resident.get_sex_display(),
                    timezone.localdate(v.registered_at).isoformat(),
                    v.community.name,
                    "、".join(str(SKILLS[s]) for s in v.skills if s in SKILLS),
                    "、".join(str(FIELDS[f]) for f in v.fields if f in FIELDS),
                    str(v.get_status_display()),
                    float(getattr(v, "total_hours", 0) or 0),
                    stars.get(v.pk, 0),
                ]
            )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    audit_record(actor=actor, verb="volunteers.export", changes={"rows": len(volunteers)}, ip=ip)
    return out.getvalue(), len(volunteers)
