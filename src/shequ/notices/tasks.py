"""Delivery of messages by SMS and e-mail, after the inbox write has committed."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task
from django_tasks.base import TaskContext

from shequ.people.sms import send_sms


@task(takes_context=True)
def message_deliver(
    context: TaskContext, message_id: int, sms: bool = False, email: bool = False
) -> dict[str, Any]:
    """Send one inbox message by SMS and/or e-mail through the configured backends."""
    from shequ.notices.models import Message

    message = Message.objects.select_related("user").filter(pk=message_id).first()
    if message is None:
        return {"sent": []}
    sent: list[str] = []
    text = f"【天府市民云】{message.title}"
    if sms and message.user.phone:
        send_sms(phone=message.user.phone.reveal(), text=text)
        sent.append("sms")
    if email and message.user.email:
        send_mail(
            subject=message.title,
            message=message.body or message.title,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[message.user.email],
        )
        sent.append("email")
    return {"sent": sent}
