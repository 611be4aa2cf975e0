"""The ``PaymentProvider`` interface and the local gateway used on laptops and in tests.

The local gateway behaves like a real one: a charge gets a transaction id and a cashier page;
the resident confirms there; the gateway then calls back *asynchronously* (a background task)
with an HMAC-SHA256-signed body, and — as real gateways do — sends the callback more than once.
"""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError


@dataclass(frozen=True)
class Charge:
    txn_id: str
    pay_url: str


@dataclass(frozen=True)
class CallbackData:
    event_id: str
    txn_id: str
    status: str  # "paid" | "failed"
    amount: Decimal


@dataclass(frozen=True)
class StatementLine:
    txn_id: str
    kind: str  # "charge" | "refund"
    amount: Decimal


class PaymentProvider(Protocol):
    name: str

    def create_charge(self, *, amount: Decimal, subject: str, reference: str) -> Charge: ...

    def verify_callback(self, *, body: bytes, signature: str) -> CallbackData:
        """Raises: DomainError ``bad_signature`` / ``bad_callback``."""
        ...

    def refund(self, *, txn_id: str, amount: Decimal) -> str: ...

    def statement(self, *, day: date) -> list[StatementLine]: ...


def provider_get(name: str | None = None) -> PaymentProvider:
    """The configured provider (``SHEQU_PAYMENT_PROVIDER``), the local gateway by default."""
    path = getattr(settings, "SHEQU_PAYMENT_PROVIDER", "shequ.payments.providers.LocalGateway")
    provider: PaymentProvider = import_string(path)()
    if name is not None and provider.name != name:
        raise DomainError("unknown_provider", _("Unknown payment provider."))
    return provider


def local_secret() -> bytes:
    configured = getattr(settings, "SHEQU_PAYMENT_LOCAL_SECRET", "")
    if configured:
        return str(configured).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"payments.local", hashlib.sha256).digest()


def sign(body: bytes) -> str:
    return hmac.new(local_secret(), body, hashlib.sha256).hexdigest()


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, start + timedelta(days=1)


class LocalGateway:
    """A gateway that lives in this process and database (no network)."""

    name = "local"

    def create_charge(self, *, amount: Decimal, subject: str, reference: str) -> Charge:
        from shequ.payments.models import GatewayCharge

        txn_id = "LG" + uuid.uuid4().hex[:20].upper()
        GatewayCharge.objects.create(txn_id=txn_id, amount=amount, subject=subject[:120])
        return Charge(txn_id=txn_id, pay_url=reverse("payments:gateway", args=[txn_id]))

    def verify_callback(self, *, body: bytes, signature: str) -> CallbackData:
        if not hmac.compare_digest(sign(body), signature or ""):
            raise DomainError("bad_signature", _("The callback signature is not valid."))
        try:
            data = json.loads(body)
            return CallbackData(
                event_id=str(data["event_id"]),
                txn_id=str(data["txn_id"]),
                status=str(data["status"]),
                amount=Decimal(str(data["amount"])),
            )
        except (ValueError, KeyError, ArithmeticError):
            raise DomainError("bad_callback", _("The callback is not readable.")) from None

    def refund(self, *, txn_id: str, amount: Decimal) -> str:
        from django.db.models import F

        from shequ.payments.models import GatewayCharge

        updated = GatewayCharge.objects.filter(
            txn_id=txn_id, status=GatewayCharge.Status.PAID, refunded__lte=F("amount") - amount
        ).update(refunded=F("refunded") + amount)
        if not updated:
            raise DomainError("refund_refused", _("The payment provider refused the refund."))
        return "LR" + uuid.uuid4().hex[:20].upper()

    def statement(self, *, day: date) -> list[StatementLine]:
        """The gateway's settlement lines of one local day (charges only, by paid time)."""
        from shequ.payments.models import GatewayCharge

        start, end = _local_day_bounds(day)
        return [
            StatementLine(txn_id=c.txn_id, kind="charge", amount=c.amount)
            for c in GatewayCharge.objects.filter(
                status=GatewayCharge.Status.PAID, paid_at__gte=start, paid_at__lt=end
            )
        ]

    # --- The gateway's own side: the cashier page confirms, then callbacks go out ----------

    def settle(self, *, txn_id: str) -> bool:
        """The payer confirmed on the cashier page: mark the charge paid (once). Returns
        whether it was pending; the service then sends the callbacks."""
        from shequ.payments.models import GatewayCharge

        updated = GatewayCharge.objects.filter(
            txn_id=txn_id, status=GatewayCharge.Status.PENDING
        ).update(status=GatewayCharge.Status.PAID, paid_at=timezone.now())
        return bool(updated)

    @staticmethod
    def callback_body(txn_id: str) -> bytes:
        from shequ.payments.models import GatewayCharge

        charge = GatewayCharge.objects.get(txn_id=txn_id)
        return json.dumps(
            {
                "event_id": f"EV{txn_id}",
                "txn_id": txn_id,
                "status": "paid" if charge.status == GatewayCharge.Status.PAID else "failed",
                "amount": str(charge.amount),
            },
            sort_keys=True,
        ).encode()
