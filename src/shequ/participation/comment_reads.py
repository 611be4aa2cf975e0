"""Reads of comments: a target's threads a page at a time, the reader's own votes, and the
moderation queue. Re-exported by ``selectors`` (``selectors.comment_page`` and so on)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import int_or_none
from shequ.core.errors import NotFound
from shequ.participation.models import Comment, CommentReport, CommentVote
from shequ.people.selectors import scope_queryset

# A page of the discussion: 20 threads (each first comment with all its replies).
THREADS_PER_PAGE = 20

_SHOWN = (
    "id",
    "parent_id",
    "author_label",
    "role",
    "body",
    "status",
    "hidden_reason",
    "stance",
    "up",
    "down",
    "created_at",
    "author_id",
)


@dataclass(frozen=True)
class Thread:
    comment: Any
    replies: list[Any]


@dataclass(frozen=True)
class CommentPage:
    """One page of a target's threads, oldest first, and where it stands among the pages."""

    threads: list[Thread] = field(default_factory=list)
    number: int = 1
    pages: int = 1
    total: int = 0  # every comment on the target, replies and hidden ones included

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def _on(target: str, key: Any) -> QuerySet[Comment]:
    return Comment.objects.filter(target=target, target_key=str(key))


def _threads(tops: list[Comment]) -> list[Thread]:
    """The threads of these first comments with their replies, oldest first (one query)."""
    replies: dict[int, list[Comment]] = {}
    if tops:
        for row in (
            Comment.objects.filter(parent_id__in=[top.pk for top in tops])
            .only(*_SHOWN)
            .order_by("id")
        ):
            replies.setdefault(row.parent_id or 0, []).append(row)
    return [Thread(top, replies.get(top.pk, [])) for top in tops]


def comment_page(
    target: str, key: Any, *, number: object = 1, per_page: int = THREADS_PER_PAGE
) -> CommentPage:
    """Page ``number`` (from ``?comments=``; anything not a page number is the first page, a
    number past the end the last) of a target's threads, oldest first. Three queries however
    many comments there are: the counts, the page's first comments, their replies."""
    counts = _on(target, key).aggregate(
        total=Count("id"), threads=Count("id", filter=Q(parent__isnull=True))
    )
    pages = max(1, -(-counts["threads"] // per_page))
    wanted = min(max(int_or_none(number) or 1, 1), pages)
    start = (wanted - 1) * per_page
    tops = list(
        _on(target, key)
        .filter(parent__isnull=True)
        .only(*_SHOWN)
        .order_by("id")[start : start + per_page]
    )
    return CommentPage(_threads(tops), wanted, pages, counts["total"])


def comment_threads(target: str, key: Any, *, limit: int = 200) -> list[Thread]:
    """A target's first ``limit`` threads, oldest first (the API's list; two queries)."""
    tops = list(_on(target, key).filter(parent__isnull=True).only(*_SHOWN).order_by("id")[:limit])
    return _threads(tops)


def my_comment_votes(user: Any, comment_ids: list[int]) -> dict[int, int]:
    if not getattr(user, "is_authenticated", False) or not comment_ids:
        return {}
    return dict(
        CommentVote.objects.filter(user_id=user.pk, comment_id__in=comment_ids).values_list(
            "comment_id", "value"
        )
    )


def comment_queue(*, user: Any) -> QuerySet[Comment]:
    """Reported comments still visible inside the staff user's areas, most reported first."""
    return (
        scope_queryset(Comment.objects.all(), user, division_field="community_id")
        .filter(status=Comment.Status.VISIBLE, report_set__resolved=False)
        .annotate(open_reports=Count("report_set"))
        .order_by("-open_reports", "id")
    )


def comment_reports(comment_ids: list[int]) -> dict[int, list[str]]:
    reasons: dict[int, list[str]] = {}
    for comment_id, reason in CommentReport.objects.filter(
        comment_id__in=comment_ids, resolved=False
    ).values_list("comment_id", "reason"):
        reasons.setdefault(comment_id, []).append(reason)
    return reasons


def comment_get_public(comment_id: int) -> Comment:
    """Raises: NotFound."""
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("comment_not_found", _("No such comment."))
    return comment
