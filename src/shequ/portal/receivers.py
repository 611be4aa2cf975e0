"""Sign-in: the account's display choice comes with the person. Changes to what the home
page shows bump the cached to-dos of the person, or the card of the community."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from shequ.appeals.models import Appeal
from shequ.bookings.models import Booking
from shequ.casework.models import Application
from shequ.funds.models import Commitment
from shequ.notices.models import CommunityNotice
from shequ.participation.models import Proposal, Round
from shequ.payments.models import Bill
from shequ.people.models import Resident
from shequ.portal.home import bump
from shequ.portal.services import display_on_login
from shequ.projects.models import Project
from shequ.surveys.models import Invitation


@receiver(user_logged_in, dispatch_uid="portal-display-on-login")
def _display_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    display_on_login(request=request, user=user)


def _todo_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_id = getattr(instance, "user_id", None) or getattr(instance, "applicant_id", None)
    if user_id is None and hasattr(instance, "resident_id"):
        user_id = (
            Resident.objects.filter(pk=instance.resident_id)
            .values_list("user_id", flat=True)
            .first()
        )
    if user_id:
        bump(f"todo:{user_id}")


def _card_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    code = getattr(instance, "community_id", None) or getattr(instance, "division_id", None)
    if code:
        bump(f"card:{code}")
    if sender is Round and code:
        # a vote opening is a to-do of every resident of the community: their versions
        # cannot all be bumped, so the to-dos of a community carry its card's version too
        bump(f"todo-community:{code}")


for _model in (Bill, Application, Booking, Invitation):
    post_save.connect(_todo_changed, sender=_model, dispatch_uid=f"portal-todo-{_model.__name__}")
    post_delete.connect(
        _todo_changed, sender=_model, dispatch_uid=f"portal-todo-del-{_model.__name__}"
    )
for _card_model in (CommunityNotice, Proposal, Round, Project, Commitment, Appeal):
    post_save.connect(
        _card_changed, sender=_card_model, dispatch_uid=f"portal-card-{_card_model.__name__}"
    )
    post_delete.connect(
        _card_changed, sender=_card_model, dispatch_uid=f"portal-card-del-{_card_model.__name__}"
    )
