"""Wiring only: a superuser that signs in is given the system administrator role."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.services.staff import staff_superuser_sync


@receiver(user_logged_in, dispatch_uid="people.superuser_is_admin")
def superuser_is_admin(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if user.is_superuser:
        staff_superuser_sync(user=user, ip=client_ip(request))
