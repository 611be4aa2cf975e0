"""Organisation accounts (机构账号): invite by mobile number, accept with a verified identity,
end. The organisation acts through these people's own accounts, never a shared login."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Invitation, Membership, Organisation
from shequ.civil.permissions import is_member
from shequ.civil.services.registry import organisation_for_registrar
from shequ.core.errors import DomainError, NotFound
from shequ.core.pii import PIIKind, PIIValue, blind_index
from shequ.core.services import audit_record
from shequ.people.identity import normalise_mobile
from shequ.people.models import VerificationLevel

# Acting for an organisation needs an identity matched with the registry or better.
MEMBER_LEVEL = VerificationLevel.REGISTRY_MATCHED


def _organisation_for_inviter(actor: Any, organisation_id: int) -> Organisation:
    if is_member(actor, organisation_id, admin=True):
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is not None:
            return organisation
    return organisation_for_registrar(actor, organisation_id)


@transaction.atomic
def invitation_send(
    *, actor: Any, organisation_id: int, phone: str, role: str, ip: str | None = None
) -> Invitation:
    """Invite the holder of a mobile number to act for the organisation. The organisation's
    administrator invites staff; the registrar may also name an administrator. Whether the
    number has an account is not revealed: the invitation waits for it.

    Raises: NotFound; DomainError ``phone_format``, ``role_invalid``.
    """
    organisation = _organisation_for_inviter(actor, organisation_id)
    if role not in Membership.Role.values:
        raise DomainError("role_invalid", _("Choose the role."), field="role")
    number = normalise_mobile(phone)
    invitation = Invitation.objects.create(
        organisation=organisation,
        phone=PIIValue(PIIKind.PHONE, plain=number),
        phone_index=blind_index(PIIKind.PHONE, number),
        role=role,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        verb="civil.member_invite",
        target=organisation,
        division_code=organisation.authority_id,
        changes={"role": [None, role]},
        ip=ip,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, actor: Any, invitation_id: int, ip: str | None = None) -> Membership:
    """Accept an invitation sent to one's own number; the identity must be verified.

    Raises: NotFound; DomainError ``identity_not_verified``.
    """
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None or not actor.phone_index or invitation.phone_index != actor.phone_index:
        raise NotFound("invitation_not_found", _("No such invitation."))
    if actor.verification_level < MEMBER_LEVEL:
        raise DomainError(
            "identity_not_verified",
            _(
                "To act for an organisation, first have your identity matched with the "
                "community registry (real-name verification)."
            ),
        )
    membership = Membership.objects.filter(
        organisation_id=invitation.organisation_id, user=actor, ended_on__isnull=True
    ).first()
    if membership is None:
        membership = Membership.objects.create(
            organisation_id=invitation.organisation_id,
            user=actor,
            role=invitation.role,
            invited_by=invitation.invited_by,
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        actor=actor,
        verb="civil.member_join",
        target=invitation.organisation,
        division_code=invitation.organisation.authority_id,
        changes={"role": [None, membership.role]},
        ip=ip,
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership_id: int, ip: str | None = None) -> Membership:
    """End someone's account for the organisation (it stays on record for recusal).

    Raises: NotFound; DomainError ``already_ended``.
    """
    membership = Membership.objects.select_for_update().filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("membership_not_found", _("No such account."))
    _organisation_for_inviter(actor, membership.organisation_id)
    if membership.ended_on is not None:
        raise DomainError("already_ended", _("This account has already ended."))
    membership.ended_on = timezone.localdate()
    membership.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        verb="civil.member_end",
        target=membership.organisation,
        division_code=membership.organisation.authority_id,
        ip=ip,
    )
    return membership
