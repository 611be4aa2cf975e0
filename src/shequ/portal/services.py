"""Writes of the portal: display preferences, dataset snapshots."""

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.portal.datasets import DATASETS, dataset_get, suppress
from shequ.portal.models import DatasetSnapshot, DisplayPreference

logger = logging.getLogger(__name__)

LARGE_TEXT_COOKIE = "shequ_large_text"
LARGE_TEXT_SESSION = "portal_large_text"
ONE_YEAR = 365 * 24 * 3600
JUST_SIGNED_IN = "portal_just_signed_in"


def display_set(*, request: HttpRequest, large_text: bool) -> None:
    """Remember the choice for this session and, when signed in, on the account."""
    request.session[LARGE_TEXT_SESSION] = large_text
    if request.user.is_authenticated:
        DisplayPreference.objects.update_or_create(
            user_id=request.user.pk, defaults={"large_text": large_text}
        )


def display_cookie(response: HttpResponse, *, large_text: bool) -> None:
    """The device remembers too, signed in or not."""
    response.set_cookie(
        LARGE_TEXT_COOKIE,
        "1" if large_text else "0",
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
    )


def display_on_login(*, request: HttpRequest | None, user: Any) -> None:
    """At sign-in, the account's choice wins over the device's (one query, at sign-in only)."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[JUST_SIGNED_IN] = True
    preference = DisplayPreference.objects.filter(user_id=user.pk).first()
    if preference is not None:
        request.session[LARGE_TEXT_SESSION] = preference.large_text


# ------------------------------------------------------------------ dataset snapshots


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return value


def snapshot_take(
    *, dataset: str, actor: Any = None, now: datetime | None = None
) -> DatasetSnapshot:
    """Freeze one dataset: run its query, suppress small cells, keep the rows with the query
    and the time. A query failing half way keeps a failed snapshot (with its error) and the
    previous complete one stays published. Raises: DomainError for an unknown dataset."""
    definition = dataset_get(dataset)
    if definition is None:
        raise DomainError("dataset_not_found", _("No such dataset."))
    taken_at = now or timezone.now()
    try:
        with transaction.atomic():
            rows = definition.rows()
            blanked = suppress(rows, definition.columns, definition.breakdown)
            names = [c.name for c in definition.columns]
            frozen = [[_plain(row.get(n)) for n in names] for row in rows]
            snapshot = DatasetSnapshot.objects.create(
                dataset=dataset,
                taken_at=taken_at,
                status=DatasetSnapshot.Status.COMPLETE,
                query=definition.query,
                columns=names,
                rows=frozen,
                row_count=len(frozen),
                suppressed=blanked,
            )
            audit_record(
                actor=actor,
                verb="portal.snapshot",
                target=snapshot,
                changes={"dataset": dataset, "rows": len(frozen), "suppressed": blanked},
            )
    except DatabaseError as error:
        logger.warning("dataset snapshot failed", extra={"dataset": dataset})
        snapshot = DatasetSnapshot.objects.create(
            dataset=dataset,
            taken_at=taken_at,
            status=DatasetSnapshot.Status.FAILED,
            query=definition.query,
            error=str(error)[:300],
        )
    return snapshot


def snapshot_all(*, actor: Any = None) -> dict[str, str]:
    """Freeze every dataset (the daily task); one failing does not stop the others."""
    return {code: snapshot_take(dataset=code, actor=actor).status for code in DATASETS}
