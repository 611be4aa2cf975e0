"""Project types under the five major actions (the city committee's taxonomy)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.people.models import User
from shequ.projects import permissions
from shequ.projects.models import Action, ProjectType


@transaction.atomic
def project_type_save(
    *,
    actor: User,
    code: str,
    name: str,
    action_code: str,
    report_label: str = "",
    unit: str = "个",
    is_active: bool = True,
    name_en: str = "",
    ip: str | None = None,
) -> ProjectType:
    """Create or edit a project type (the city committee only).

    Raises: PermissionDenied; DomainError ``action_unknown``, ``name_taken``, ``required``.
    """
    if not permissions.can_edit_taxonomy(actor):
        raise PermissionDenied("forbidden", _("Only the city committee edits the taxonomy."))
    code, name, name_en = code.strip(), name.strip(), name_en.strip()
    if "<" in name_en or ">" in name_en:
        raise DomainError(
            "markup_not_allowed", _("The English name may not contain < or >."), field="name_en"
        )
    if not code or not name:
        raise DomainError("required", _("A type needs a code and a name."), field="name")
    action = Action.objects.filter(code=action_code).first()
    if action is None:
        raise DomainError("action_unknown", _("No such action."), field="action")
    if ProjectType.objects.filter(name=name).exclude(code=code).exists():
        raise DomainError("name_taken", _("Another type already has this name."), field="name")
    before = ProjectType.objects.filter(code=code).first()
    old = (
        {"name": before.name, "name_en": before.name_en, "active": before.is_active}
        if before
        else {}
    )
    project_type, _created = ProjectType.objects.update_or_create(
        code=code,
        defaults={
            "name": name[:60],
            "name_en": name_en[:120],
            "action": action,
            "report_label": (report_label.strip() or name)[:60],
            "unit": (unit.strip() or "个")[:4],
            "is_active": is_active,
        },
    )
    audit_record(
        actor=actor,
        verb="project_type.save",
        target=project_type,
        changes=changes_between(old, {"name": name, "name_en": name_en[:120], "active": is_active}),
        ip=ip,
    )
    return project_type
