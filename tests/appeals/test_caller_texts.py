"""A hotline caller has no account and no inbox: they hear of their request by text message —
received, taken up, handled — with the public page's address when the request is public,
and never by a message sent for a change that did not happen."""

from collections.abc import Callable
from typing import Any

import pytest

from shequ.appeals.services.handling import appeal_close, appeal_sign
from shequ.appeals.services.intake import Caller
from shequ.core.errors import DomainError
from shequ.people.models import User
from tests.appeals.conftest import street_light

pytestmark = pytest.mark.django_db

PHONE = "13912345678"

Capture = Callable[..., Any]


def test_a_hotline_caller_is_texted_at_each_public_step(
    dispatcher: User,
    worker: User,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal = street_light(dispatcher, caller=Caller(name="王先生", phone=PHONE))
    assert len(sms_outbox) == 1
    phone, text = sms_outbox[0]
    assert phone == PHONE
    assert appeal.number in text
    assert "已受理" in text
    assert f"/appeals/{appeal.pk}/" in text

    with django_capture_on_commit_callbacks(execute=True):
        appeal_sign(actor=worker, appeal_id=appeal.pk)
    with django_capture_on_commit_callbacks(execute=True):
        appeal_close(actor=worker, appeal_id=appeal.pk, reply="已更换灯泡")
    texts = [text for _phone, text in sms_outbox]
    assert len(texts) == 3
    assert "签收" in texts[1]
    assert "12345" in texts[2]
    assert "办结" in texts[2]


def test_a_private_call_gets_no_public_address(
    dispatcher: User,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal = street_light(
            dispatcher, caller=Caller(name="王先生", phone=PHONE), is_private=True
        )
    (_phone, text), *_rest = sms_outbox
    assert appeal.number in text
    assert "/appeals/" not in text


def test_residents_with_an_account_and_callers_without_a_number_get_no_text(
    resident: User,
    dispatcher: User,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        street_light(resident)
        street_light(dispatcher, caller=Caller(name="匿名", phone=""))
    assert sms_outbox == []


def test_a_refused_call_texts_nobody(
    dispatcher: User,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError, match="11 位手机号"),
    ):
        street_light(dispatcher, caller=Caller(name="王先生", phone="1391234"))
    assert sms_outbox == []
