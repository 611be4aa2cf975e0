"""The time bank (时间银行): volunteers save service hours as time credits, give credits to
a family member and spend them on services other volunteers offer (陪诊, 助餐送餐, 理发 …).

Every change of a balance is a new ``TimeCreditEntry`` posted under a row lock of the
account (``select_for_update``), so two transfers at once cannot overspend, and the
database itself refuses a negative balance. Saving hours as credits leaves the service
hours (star levels, certificates) as they are: the two are separate balances.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import canonical
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User
from shequ.people.permissions import WORKERS, covers
from shequ.volunteers.models import (
    SERVICES,
    ZERO,
    HoursEntry,
    TimeBankOffer,
    TimeBankRequest,
    TimeCreditAccount,
    TimeCreditEntry,
    TimeSettlement,
    Volunteer,
)

HALF = Decimal("0.5")
# Where a message about a request leads: the time-bank page lists both sides' requests.
REQUEST_URL = "/volunteers/time-bank/#time-request-%(pk)s"
# One transfer or deposit moves at most this many credits; one service lasts at most a day.
MOST = Decimal(1000)
SERVICE_MOST = Decimal(24)


def credits_amount(value: Any, *, most: Decimal = MOST, field: str = "amount") -> Decimal:
    """A number of credits (hours) typed by a person: positive, in steps of half an hour.

    Raises: DomainError ``bad_amount`` / ``half_hours`` / ``too_many``."""
    text = canonical(str(value))  # full-width １.５ reads as 1.5; other scripts' digits do not
    try:
        amount = Decimal(text) if text.isascii() else Decimal("NaN")
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0:
        raise DomainError(
            "bad_amount", _("Enter a number of hours above zero, e.g. 1.5."), field=field
        )
    if amount > most:
        raise DomainError(
            "too_many", _("At most %(most)s hours at a time."), field=field, most=most
        )
    if amount % HALF != 0:
        raise DomainError(
            "half_hours", _("Time credits go in steps of half an hour (0.5)."), field=field
        )
    return amount.quantize(Decimal("0.1"))


def _volunteer(actor: Any, *, active: bool = True) -> Volunteer:
    volunteer = (
        Volunteer.objects.select_related("resident").filter(user_id=actor.pk).first()
        if getattr(actor, "is_authenticated", False)
        else None
    )
    if volunteer is None:
        raise NotFound("not_volunteer", _("Register as a volunteer first."))
    if active and not volunteer.is_active:
        raise DomainError("not_active", _("Return as a volunteer to use the time bank."))
    return volunteer


def account_for(volunteer: Volunteer) -> TimeCreditAccount:
    """The volunteer's account, opened on first use in their community's time bank."""
    account, _made = TimeCreditAccount.objects.get_or_create(
        volunteer=volunteer, defaults={"community_id": volunteer.community_id}
    )
    return account


def _locked(*accounts: TimeCreditAccount) -> dict[int, TimeCreditAccount]:
    """Lock the accounts' rows, always in the order of their ids (no deadlock between two
    transfers in opposite directions), and return them fresh from the database."""
    ids = sorted({a.pk for a in accounts})
    rows = list(TimeCreditAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    return {row.pk: row for row in rows}


def _post(
    account: TimeCreditAccount,
    *,
    kind: str,
    amount: Decimal,
    actor: Any,
    content: str,
    counterparty: TimeCreditAccount | None = None,
    request: TimeBankRequest | None = None,
) -> TimeCreditEntry:
    """Append one line and move the locked account's balance with it."""
    account.balance += amount
    account.save(update_fields=["balance", "deposited"])
    return TimeCreditEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=account.balance,
        counterparty=counterparty,
        request=request,
        content=content[:200],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def net_service_hours(volunteer: Volunteer) -> Decimal:
    """Credit and honour hours less their corrections (what may be saved at most)."""
    total = HoursEntry.objects.filter(volunteer=volunteer).aggregate(total=Sum("hours"))["total"]
    return max(total or ZERO, ZERO)


@transaction.atomic
def time_deposit(*, actor: User, amount: Any, ip: str | None = None) -> TimeCreditEntry:
    """Save service hours as time credits. The service hours stay as they are.

    Raises: NotFound ``not_volunteer``, DomainError ``not_active`` / ``bad_amount`` /
    ``half_hours`` / ``too_many`` / ``over_saveable``."""
    volunteer = _volunteer(actor)
    clean = credits_amount(amount)
    opened = account_for(volunteer)
    account = _locked(opened)[opened.pk]
    saveable = max(net_service_hours(volunteer) - account.deposited, ZERO)
    if clean > saveable:
        raise DomainError(
            "over_saveable",
            _("You can save at most %(saveable)s of your service hours as credits."),
            field="amount",
            saveable=saveable,
        )
    account.deposited += clean
    entry = _post(
        account,
        kind=TimeCreditEntry.Kind.DEPOSIT,
        amount=clean,
        actor=actor,
        content=str(_("Saved from service hours")),
    )
    audit_record(
        actor=actor,
        verb="timebank.deposit",
        target=entry,
        division_code=account.community_id,
        changes={"credits": [str(account.balance - clean), str(account.balance)]},
        ip=ip,
    )
    return entry


def _receiver(number: str, name: str) -> Volunteer:
    wanted = str(number or "").strip().upper()
    found = (
        Volunteer.objects.select_related("resident").filter(number=wanted).first()
        if wanted.isascii() and wanted.isalnum() and len(wanted) <= 20
        else None
    )
    if found is None or found.resident.real_name != str(name or "").strip():
        raise DomainError(
            "no_receiver",
            _("No volunteer has this number and name; check both with your family member."),
            field="number",
        )
    return found


@transaction.atomic
def time_transfer(
    *, actor: User, to_number: str, to_name: str, amount: Any, ip: str | None = None
) -> TimeCreditEntry:
    """Give time credits to a family member, chosen by their volunteer number and confirmed
    by their real name. Returns the giver's entry.

    Raises: NotFound ``not_volunteer``, DomainError ``not_active`` / ``bad_amount`` /
    ``half_hours`` / ``too_many`` / ``no_receiver`` / ``to_self`` / ``insufficient_credits``."""
    giver = _volunteer(actor)
    clean = credits_amount(amount)
    receiver = _receiver(to_number, to_name)
    if receiver.pk == giver.pk:
        raise DomainError("to_self", _("You cannot give credits to yourself."), field="number")
    mine, theirs = account_for(giver), account_for(receiver)
    locked = _locked(mine, theirs)
    mine, theirs = locked[mine.pk], locked[theirs.pk]
    if clean > mine.balance:
        raise DomainError(
            "insufficient_credits",
            _("Your balance is %(balance)s hours: not enough."),
            field="amount",
            balance=mine.balance,
        )
    given = _post(
        mine,
        kind=TimeCreditEntry.Kind.GIVEN,
        amount=-clean,
        actor=actor,
        counterparty=theirs,
        content=receiver.number,
    )
    _post(
        theirs,
        kind=TimeCreditEntry.Kind.RECEIVED,
        amount=clean,
        actor=actor,
        counterparty=mine,
        content=giver.number,
    )
    audit_record(
        actor=actor,
        verb="timebank.give",
        target=given,
        division_code=mine.community_id,
        changes={"credits": str(clean), "to": receiver.number},
        ip=ip,
    )
    return given


# --- Offers and requests ------------------------------------------------------------------


@transaction.atomic
def offer_create(
    *,
    actor: User,
    service: str,
    title: str,
    description: str = "",
    hours: Any = "1",
    ip: str | None = None,
) -> TimeBankOffer:
    """Offer a service in the time bank of one's community.

    Raises: DomainError ``bad_choice`` and the text and amount errors."""
    volunteer = _volunteer(actor)
    if service not in SERVICES:
        raise DomainError("bad_choice", _("Choose from the list."), field="service")
    offer = TimeBankOffer.objects.create(
        provider=volunteer,
        service=service,
        title=plain_text(title, field="title", max_length=60),
        description=plain_text(description, field="description", max_length=300, required=False),
        hours=credits_amount(hours, most=SERVICE_MOST, field="hours"),
        community_id=volunteer.community_id,
    )
    audit_record(
        actor=actor,
        verb="timebank.offer_create",
        target=offer,
        division_code=offer.community_id,
        ip=ip,
    )
    return offer


@transaction.atomic
def offer_close(*, actor: User, offer_id: int, ip: str | None = None) -> TimeBankOffer:
    """The provider stops offering a service (open requests stay to be confirmed)."""
    volunteer = _volunteer(actor, active=False)
    offer = TimeBankOffer.objects.select_for_update().filter(pk=offer_id).first()
    if offer is None or offer.provider_id != volunteer.pk:
        raise NotFound("not_found", _("Not found."))
    if offer.is_active:
        offer.is_active = False
        offer.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            verb="timebank.offer_close",
            target=offer,
            division_code=offer.community_id,
            ip=ip,
        )
    return offer


@transaction.atomic
def request_create(
    *, actor: User, offer_id: int, note: str = "", ip: str | None = None
) -> TimeBankRequest:
    """Ask for an offered service. The credits move only when the provider confirms.

    Raises: NotFound, DomainError ``own_offer`` / ``already_requested`` / ``no_credits``."""
    volunteer = _volunteer(actor)
    offer = TimeBankOffer.objects.select_for_update().filter(pk=offer_id, is_active=True).first()
    if offer is None:
        raise NotFound("not_found", _("Not found."))
    if offer.provider_id == volunteer.pk:
        raise DomainError("own_offer", _("You cannot ask for your own service."))
    if TimeBankRequest.objects.filter(
        offer=offer, requester=volunteer, status=TimeBankRequest.Status.REQUESTED
    ).exists():
        raise DomainError("already_requested", _("You have already asked for this service."))
    if account_for(volunteer).balance < HALF:
        raise DomainError(
            "no_credits", _("You have no time credits yet: save some service hours first.")
        )
    made = TimeBankRequest.objects.create(
        offer=offer,
        requester=volunteer,
        note=plain_text(note, field="note", max_length=200, required=False),
    )
    audit_record(
        actor=actor,
        verb="timebank.request",
        target=made,
        division_code=offer.community_id,
        ip=ip,
    )
    _tell(
        offer.provider.user_id,
        made,
        _("Someone asked for your time-bank service %(title)s"),
        _("Note: %(note)s") if made.note else "",
        note=made.note,
    )
    return made


def _tell(
    user_id: int, request: TimeBankRequest, title: Any, body: Any = "", **params: Any
) -> None:
    """One message to one party of a request, in the platform's language (zh-hans), with a
    link to the time-bank page where the request is listed."""
    params["title"] = request.offer.title
    with translation.override(settings.LANGUAGE_CODE):
        message_send(
            user_id=user_id,
            category=Category.SYSTEM,
            title=title % params,
            body=body % params if body else "",
            url=REQUEST_URL % {"pk": request.pk},
        )


def _request_locked(request_id: int) -> TimeBankRequest:
    found = (
        TimeBankRequest.objects.select_for_update(of=("self",))
        .select_related("offer", "requester", "offer__provider")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFound("not_found", _("Not found."))
    return found


@transaction.atomic
def request_cancel(*, actor: User, request_id: int, ip: str | None = None) -> TimeBankRequest:
    """The requester or the provider cancels an open request; nothing moves."""
    volunteer = _volunteer(actor, active=False)
    found = _request_locked(request_id)
    if volunteer.pk not in (found.requester_id, found.offer.provider_id):
        raise NotFound("not_found", _("Not found."))
    if found.status != TimeBankRequest.Status.REQUESTED:
        raise DomainError("not_open", _("This request is no longer open."))
    found.status = TimeBankRequest.Status.CANCELLED
    found.decided_at = timezone.now()
    found.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        verb="timebank.request_cancel",
        target=found,
        division_code=found.offer.community_id,
        ip=ip,
    )
    if volunteer.pk == found.requester_id:
        other = found.offer.provider.user_id
        title = _("A request for your time-bank service %(title)s was cancelled")
    else:
        other = found.requester.user_id
        title = _("The provider cancelled your time-bank request %(title)s")
    if other != actor.pk:
        _tell(other, found, title)
    return found


@transaction.atomic
def request_confirm(
    *, actor: User, request_id: int, hours: Any, ip: str | None = None
) -> TimeBankRequest:
    """The provider confirms the service happened and how long it took: the credits move
    from the requester's account to the provider's. Across two communities a settlement
    line records that the provider's community honoured the other's credits.

    Raises: NotFound, PermissionDenied ``not_provider``, DomainError ``not_open`` /
    ``insufficient_credits`` and the amount errors."""
    volunteer = _volunteer(actor, active=False)
    found = _request_locked(request_id)
    if found.offer.provider_id != volunteer.pk:
        raise PermissionDenied(
            "not_provider", _("Only the volunteer who gave the service can confirm it.")
        )
    if found.status != TimeBankRequest.Status.REQUESTED:
        raise DomainError("not_open", _("This request is no longer open."))
    clean = credits_amount(hours, most=SERVICE_MOST, field="hours")
    payer, payee = account_for(found.requester), account_for(volunteer)
    locked = _locked(payer, payee)
    payer, payee = locked[payer.pk], locked[payee.pk]
    if clean > payer.balance:
        raise DomainError(
            "insufficient_credits",
            _("The requester does not have %(hours)s hours of credits."),
            field="hours",
            hours=clean,
        )
    content = found.offer.title
    _post(
        payer,
        kind=TimeCreditEntry.Kind.SPENT,
        amount=-clean,
        actor=actor,
        counterparty=payee,
        request=found,
        content=content,
    )
    _post(
        payee,
        kind=TimeCreditEntry.Kind.EARNED,
        amount=clean,
        actor=actor,
        counterparty=payer,
        request=found,
        content=content,
    )
    found.status = TimeBankRequest.Status.DONE
    found.hours = clean
    found.decided_at = timezone.now()
    found.save(update_fields=["status", "hours", "decided_at"])
    if payer.community_id != payee.community_id:
        TimeSettlement.objects.create(
            request=found, debtor_id=payer.community_id, creditor_id=payee.community_id, hours=clean
        )
    audit_record(
        actor=actor,
        verb="timebank.confirm",
        target=found,
        division_code=payee.community_id,
        changes={"credits": str(clean), "from": found.requester.number},
        ip=ip,
    )
    _tell(
        found.requester.user_id,
        found,
        _("Your time-bank request %(title)s is done"),
        _("%(hours)s hours of credits were paid to the provider."),
        hours=clean,
    )
    return found


# --- Settlements between communities -----------------------------------------------------


@transaction.atomic
def settlement_settle(
    *, actor: User, settlement_id: int, method: str, note: str, ip: str | None = None
) -> TimeSettlement:
    """The debtor community's staff record that a settlement is cleared: paid back in hours
    or agreed otherwise, with a note. The creditor's staff see it settled.

    Raises: NotFound, PermissionDenied ``not_debtor``, DomainError ``bad_choice`` /
    ``already_settled`` and the text errors."""
    found = (
        TimeSettlement.objects.select_for_update(of=("self",))
        .select_related("debtor", "creditor")
        .filter(pk=settlement_id)
        .first()
    )
    if found is None or not (
        covers(actor, found.debtor_id, WORKERS) or covers(actor, found.creditor_id, WORKERS)
    ):
        raise NotFound("not_found", _("Not found."))
    if not covers(actor, found.debtor_id, WORKERS):
        raise PermissionDenied(
            "not_debtor",
            _("Only the staff of %(community)s, whose credits were spent, can settle this."),
            community=found.debtor.name,
        )
    if found.settled_at is not None:
        raise DomainError("already_settled", _("This settlement is already settled."))
    if method not in TimeSettlement.Method.values:
        raise DomainError("bad_choice", _("Choose from the list."), field="method")
    found.settled_note = plain_text(note, field="note", max_length=200)
    found.settled_how = method
    found.settled_at = timezone.now()
    found.settled_by = actor
    found.save(update_fields=["settled_note", "settled_how", "settled_at", "settled_by"])
    audit_record(
        actor=actor,
        verb="timebank.settle",
        target=found,
        division_code=found.debtor_id,
        changes={"hours": str(found.hours), "to": found.creditor_id, "how": method},
        ip=ip,
    )
    return found
