"""志愿服务记录证明 (民政部令第67号): free, truthful, numbered; the volunteer's identity, the
service hours and content from the ledger, the issuer, the number and date; a QR code to
the public verification page (``shequ.documents``)."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.documents.models import Kind
from shequ.documents.services import document_issue
from shequ.people.models import User
from shequ.volunteers.models import Certificate, HoursEntry, Volunteer
from shequ.volunteers.selectors import volunteer_totals

# The lines listed on one certificate (the most recent services; the total counts all).
MAX_LINES = 60


def _fmt(hours: object) -> str:
    return f"{hours}"


@transaction.atomic
def certificate_issue(*, actor: User, ip: str | None = None) -> Certificate:
    """Issue the actor's own certificate of their recorded service.

    Raises: DomainError ``not_volunteer`` / ``no_hours``.
    """
    volunteer = Volunteer.objects.select_related("resident", "community").filter(user=actor).first()
    if volunteer is None:
        raise DomainError("not_volunteer", _("Register as a volunteer first."))
    totals = volunteer_totals(volunteer)
    entries = list(
        HoursEntry.objects.filter(volunteer=volunteer)
        .exclude(kind=HoursEntry.Kind.CORRECTION)
        .filter(reversed_by__isnull=True)
        .order_by("-served_on", "-pk")[:MAX_LINES]
    )
    if totals.total <= 0 or not entries:
        raise DomainError(
            "no_hours", _("There are no service hours on your record to certify yet.")
        )
    resident = volunteer.resident
    with translation.override("zh-hans"):
        lines = [
            f"{e.served_on:%Y-%m-%d}  {e.content}  {_fmt(e.hours)} 小时  "
            f"（{e.get_kind_display()}，{gettext('recorded by')} {e.recorded_by_name}）"
            for e in entries
        ]
        facts = [
            (gettext("ID number"), str(resident.id_number or "")),
            (gettext("Volunteer number"), volunteer.number),
            (gettext("Registered on"), f"{timezone.localdate(volunteer.registered_at):%Y-%m-%d}"),
            (gettext("Registered in"), volunteer.community.name),
            (gettext("Total service hours"), f"{_fmt(totals.total)} 小时"),
            (gettext("Credit hours"), f"{_fmt(totals.credit)} 小时"),
            (gettext("Honour hours"), f"{_fmt(totals.honour)} 小时"),
        ]
        statement = gettext(
            "This certifies that the volunteer named above has the volunteer service recorded "
            "below on the Chengdu community platform, as recorded by the organisers of each "
            "service. Issued free of charge under the Measures for Recording and Certifying "
            "Volunteer Service (Ministry of Civil Affairs Order No. 67)."
        )
        title = gettext("Certificate of volunteer service record")
        issuer = gettext("%(community)s volunteer service station") % {
            "community": volunteer.community.name
        }
        section = gettext("Service record")
    document = document_issue(
        actor=actor,
        kind=Kind.CERTIFICATE,
        title=title,
        statement=statement,
        holder=actor,
        holder_name=resident.real_name,
        division=volunteer.community,
        issuer_name=issuer,
        source=volunteer,
        facts=facts,
        sections=[(section, lines)],
        ip=ip,
    )
    certificate = Certificate.objects.create(
        volunteer=volunteer, document=document, hours=totals.total, entries=len(entries)
    )
    return certificate
