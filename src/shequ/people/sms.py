"""Text messages through a pluggable backend (``SMS_BACKEND``)."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shequ.core.pii import mask_phone

logger = logging.getLogger("shequ.sms")


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Laptop backend: prints the message with the number masked."""

    def send(self, *, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", mask_phone(phone), text)


def send_sms(*, phone: str, text: str) -> None:
    backend: SmsBackend = import_string(settings.SHEQU_SMS_BACKEND)()
    backend.send(phone=phone, text=text)
