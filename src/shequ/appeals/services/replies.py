"""What staff write besides the public reply: internal notes on a request (staff only,
never on the public page or API) and a unit's reply templates (答复模板), chosen when
reporting a request handled."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import AppealEvent, ReplyTemplate, Unit
from shequ.appeals.permissions import unit_ids_of
from shequ.appeals.selectors import appeal_get_for_staff
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.models import User

NOTE_MAX = 1000
TEMPLATE_MAX = 2000


@transaction.atomic
def appeal_note_add(
    *, actor: User, appeal_id: int, text: str, ip: str | None = None
) -> AppealEvent:
    """Any staff member who may open the request adds an internal note.

    Raises: NotFound, the text errors of ``plain_text``.
    """
    appeal = appeal_get_for_staff(user=actor, appeal_id=appeal_id)
    clean = plain_text(text, field="text", max_length=NOTE_MAX)
    event = AppealEvent.objects.create(
        appeal=appeal, kind=AppealEvent.Kind.NOTE, unit=appeal.unit, actor=actor, note=clean
    )
    audit_record(
        actor=actor, verb="appeal.note", target=appeal, division_code=appeal.community_id, ip=ip
    )
    return event


def _own_unit(actor: User, unit_id: Any) -> Unit:
    unit = Unit.objects.filter(pk=digits_or_none(str(unit_id or "")) or 0, is_active=True).first()
    if unit is None or unit.pk not in unit_ids_of(actor):
        raise DomainError("unit_required", _("Choose your unit from the list."), field="unit")
    return unit


@transaction.atomic
def reply_template_add(
    *, actor: User, unit_id: Any, title: str, text: str, ip: str | None = None
) -> ReplyTemplate:
    """A member of a unit saves a reply text for the unit.

    Raises: DomainError ``unit_required`` / ``template_title_taken`` and the text errors.
    """
    unit = _own_unit(actor, unit_id)
    clean_title = plain_text(title, field="title", max_length=60)
    clean = plain_text(text, field="text", max_length=TEMPLATE_MAX)
    try:
        with transaction.atomic():
            template = ReplyTemplate.objects.create(
                unit=unit, title=clean_title, text=clean, created_by=actor
            )
    except IntegrityError:
        raise DomainError(
            "template_title_taken",
            _("Your unit already has a template with this title."),
            field="title",
        ) from None
    audit_record(actor=actor, verb="appeal.template_add", target=template, ip=ip)
    return template


@transaction.atomic
def reply_template_delete(*, actor: User, template_id: int, ip: str | None = None) -> None:
    """A member of the unit deletes one of its templates.

    Raises: NotFound.
    """
    template = ReplyTemplate.objects.filter(pk=template_id, unit_id__in=unit_ids_of(actor)).first()
    if template is None:
        raise NotFound("template_not_found", _("No such reply template."))
    audit_record(
        actor=actor, verb="appeal.template_delete", target=template, reason=template.title, ip=ip
    )
    template.delete()
