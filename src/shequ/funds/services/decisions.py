"""Decisions of the residents' council (议事会决议) that allow spending: the quorum and
majority rules, the member counts from the council register, and the disclosed record that
opens the objection window."""

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.funds import councils
from shequ.funds.models import ApprovalRecord
from shequ.funds.permissions import can_record_decision
from shequ.funds.services._common import _check_upload, _community
from shequ.funds.services.ledger import money_parse

QUORUM_DEFAULT = "2/3"
MAJORITY_DEFAULT = "1/2"


def rule_fraction(value: Any) -> Fraction:
    """A council rule as an exact fraction: ``"2/3"``, ``"0.5"``, ``Fraction(2, 3)`` or ``1``.

    Floats are read through their shortest decimal form (0.5 → 1/2), never their binary one.
    Raises: ImproperlyConfigured for anything that is not a fraction from 0 to 1.
    """
    try:
        fraction = value if isinstance(value, Fraction) else Fraction("".join(str(value).split()))
    except (ValueError, ZeroDivisionError):
        raise ImproperlyConfigured(
            f"council rule {value!r} is not a fraction such as 2/3"
        ) from None
    if not 0 <= fraction <= 1:
        raise ImproperlyConfigured(f"council rule {value!r} must be from 0 to 1")
    return fraction


def council_rules() -> tuple[Fraction, Fraction]:
    """(quorum: share of members present, majority: share of those present voting for),
    from ``SHEQU_FUNDS_QUORUM`` (default 2/3) and ``SHEQU_FUNDS_MAJORITY`` (default 1/2)."""
    return (
        rule_fraction(getattr(settings, "SHEQU_FUNDS_QUORUM", QUORUM_DEFAULT)),
        rule_fraction(getattr(settings, "SHEQU_FUNDS_MAJORITY", MAJORITY_DEFAULT)),
    )


def has_quorum(present: int, members: int, quorum: Fraction) -> bool:
    """At least ``quorum`` of the members present, compared exactly in integers:
    present × den ≥ members × num (2 of 3 meets a 2/3 quorum; 0.6667 would not)."""
    return members > 0 and present * quorum.denominator >= members * quorum.numerator


def has_majority(votes_for: int, present: int, majority: Fraction) -> bool:
    """More than ``majority`` of those present vote for: for × den > present × num."""
    return votes_for * majority.denominator > present * majority.numerator


def _council_counts(
    community_code: str,
    *,
    meeting_id: int | None,
    meeting_date: date | None,
    members_present: int | None,
    members_total: int | None,
) -> tuple[date, int, int]:
    """(meeting day, members in office, members present) of a decision, from the council
    register and, for a meeting held on the platform, its sign-in; typed counts are only
    checked against them.

    Raises: DomainError ``meeting_not_found``, ``meeting_date_required``, ``date_in_future``,
    ``no_register``, ``present_required``, ``counts_register``, ``counts_sign_in``,
    ``counts_invalid``.
    """
    if meeting_id is not None:
        held = councils.meeting_held(community_code, meeting_id)
        if held is None:
            raise DomainError(
                "meeting_not_found",
                _("Choose a council meeting of this community that has been held."),
                field="meeting",
            )
        day, total, present = held.held_on, held.in_office, held.present
        if members_present is not None and members_present != present:
            raise DomainError(
                "counts_sign_in",
                _("%(present)s members signed in to that meeting, not %(given)s."),
                field="members_present",
                present=present,
                given=members_present,
            )
    else:
        if meeting_date is None:
            raise DomainError(
                "meeting_date_required", _("Give the meeting date."), field="meeting_date"
            )
        if meeting_date > timezone.localdate():
            raise DomainError(
                "date_in_future",
                _("The meeting date cannot be in the future."),
                field="meeting_date",
            )
        day, total = meeting_date, councils.members_in_office(community_code, meeting_date)
        if total == 0:
            raise DomainError(
                "no_register",
                _(
                    "The council register has no members in office on %(date)s: record the "
                    "council's members (participation console) first."
                ),
                field="meeting_date",
                date=meeting_date.isoformat(),
            )
        if members_present is None:
            raise DomainError(
                "present_required", _("Give the members present."), field="members_present"
            )
        present = members_present
    if members_total is not None and members_total != total:
        raise DomainError(
            "counts_register",
            _("The council register has %(total)s members in office on %(date)s, not %(given)s."),
            field="members_total",
            total=total,
            date=day.isoformat(),
            given=members_total,
        )
    if present < 0 or present > total:
        raise DomainError(
            "counts_invalid",
            _("Members present must be from 0 to the %(total)s members in office on %(date)s."),
            field="members_present",
            total=total,
            date=day.isoformat(),
        )
    return day, total, present


@transaction.atomic
def approval_record_create(
    *,
    actor: Any,
    community_code: str,
    subject: str,
    amount: Any,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    meeting_date: date | None = None,
    meeting_id: int | None = None,
    members_present: int | None = None,
    members_total: int | None = None,
    minutes: UploadedFile | None = None,
    source: str = "console",
    ip: str | None = None,
) -> ApprovalRecord:
    """Record a resident council decision and disclose it, opening the objection window.

    The members are not free numbers: those in office come from the council register of the
    community on the meeting day; with ``meeting_id`` (a meeting held on the platform) the
    day and the members present come from the meeting and its sign-in, else
    ``members_present`` is typed and must fit the register. A ``members_total`` given is
    only checked against the register.

    The participation app calls this with ``meeting_id`` and ``source="participation"`` once
    a vote closes; a street or district officer closing the vote on the community's behalf
    may record it too.
    Raises: NotFound; DomainError ``subject_required``, the count errors of
    ``_council_counts``, ``counts_invalid``, ``no_quorum``, ``not_passed``,
    ``date_in_future``, amount and file errors.
    """
    if not can_record_decision(actor, community_code):
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    if not subject.strip():
        raise DomainError("subject_required", _("Say what was decided."), field="subject")
    value = money_parse(amount)
    meeting_date, members_total, members_present = _council_counts(
        community_code,
        meeting_id=meeting_id,
        meeting_date=meeting_date,
        members_present=members_present,
        members_total=members_total,
    )
    if any(n < 0 for n in (votes_for, votes_against, votes_abstain)):
        raise DomainError("counts_invalid", _("Votes cannot be negative."), field="votes_for")
    if votes_for + votes_against + votes_abstain > members_present:
        raise DomainError(
            "counts_invalid",
            _("More votes than members present."),
            field="votes_for",
        )
    quorum, majority = council_rules()
    if not has_quorum(members_present, members_total, quorum):
        raise DomainError(
            "no_quorum",
            _("No quorum: %(present)s of %(total)s members present."),
            field="members_present",
            present=members_present,
            total=members_total,
        )
    if not has_majority(votes_for, members_present, majority):
        raise DomainError(
            "not_passed",
            _("The decision did not pass: %(votes)s votes for of %(present)s present."),
            field="votes_for",
            votes=votes_for,
            present=members_present,
        )
    minutes_file = _check_upload(minutes, field="minutes", required=False)
    days = int(getattr(settings, "SHEQU_FUNDS_OBJECTION_DAYS", 7))
    user = actor if getattr(actor, "is_authenticated", False) else None
    record = ApprovalRecord(
        community_id=community_code,
        subject=subject.strip()[:200],
        amount=value,
        meeting_date=meeting_date,
        members_total=members_total,
        members_present=members_present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        source=source[:20],
        objection_deadline=timezone.now() + timedelta(days=days),
        created_by=user,
    )
    if minutes_file is not None:
        record.minutes.save(minutes_file.name or "minutes.pdf", minutes_file, save=False)
    record.save()
    audit_record(
        actor=actor,
        verb="funds.decision_recorded",
        target=record,
        division_code=community_code,
        changes={
            "amount": [None, str(value)],
            "votes": [None, f"{votes_for}/{members_present}"],
            "members": [None, f"{members_present}/{members_total}"],
            **({"meeting": [None, meeting_id]} if meeting_id is not None else {}),
        },
        ip=ip,
    )
    return record
