"""Who may download an issued document (its holder; the issuing department's staff or the
workers of the issuing area) and who may revoke one (the issuer's staff)."""

from typing import Any

from shequ.casework.permissions import is_department_staff_of
from shequ.documents.models import IssuedDocument
from shequ.people.permissions import WORKERS, covers


def is_issuer_staff(user: Any, document: IssuedDocument) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if document.department_id is not None and is_department_staff_of(user, document.department_id):
        return True
    return document.division_id is not None and covers(user, document.division_id, WORKERS)


def may_download(user: Any, document: IssuedDocument) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return document.holder_id == user.pk or is_issuer_staff(user, document)
