"""The text message to a caller without an account (``services.intake.text_caller``): a task
of its own module, so the services that queue it import nothing that imports them."""

from typing import Any

from django_tasks import task

from shequ.appeals.models import Appeal
from shequ.people.sms import send_sms


@task()
def caller_text(appeal_id: int, text: str) -> dict[str, Any]:
    """Text the caller of a request; the number is read here, never passed in."""
    appeal = Appeal.objects.filter(pk=appeal_id).only("caller_phone").first()
    if appeal is None or appeal.caller_phone is None:
        return {"sent": False}
    send_sms(phone=appeal.caller_phone.reveal(), text=f"【天府市民云】{text}")
    return {"sent": True}
