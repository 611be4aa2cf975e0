"""Log in with a username or a mobile number."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from shequ.people.selectors import user_by_login, user_for_request


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username or not password:
            return None
        user = user_by_login(username)
        if user is None:
            # Same work as a real check, so timing does not tell whether the account exists.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    # Who may do what is decided by `rules` predicates over staff areas, never by Django's
    # per-user permission tables; skipping them saves two queries on every console page.
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_user(self, user_id: Any) -> Any:
        """The user a session names, read with what every page's frame shows (whether they
        hold staff roles, their unread messages) in the same query."""
        user = user_for_request(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
