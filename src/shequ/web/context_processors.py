"""Values every page needs: who is looking, and whether they may use the console."""

from typing import Any

from django.http import HttpRequest

from shequ.people.permissions import areas_of


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_staff_member": bool(areas_of(user)) if user is not None else False}
