"""Residents following a public project, and the messages they get when it moves on."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound, PermissionDenied
from shequ.people.models import User
from shequ.projects.models import Follow, FollowerMessage, Project


@transaction.atomic
def project_follow(*, actor: User, code: str, follow: bool = True) -> bool:
    """A signed-in resident follows (or stops following) a public project; returns the state."""
    if not actor.is_authenticated:
        raise PermissionDenied("not_authenticated", _("Please log in first."))
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    if follow:
        Follow.objects.get_or_create(project=project, user=actor)
    else:
        Follow.objects.filter(project=project, user=actor).delete()
    return follow


def _notify_followers(project: Project, text: str) -> None:
    followers = Follow.objects.filter(project=project).values_list("user_id", flat=True)
    FollowerMessage.objects.bulk_create(
        [FollowerMessage(user_id=uid, project=project, text=text[:300]) for uid in followers]
    )
