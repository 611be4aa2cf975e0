"""Content names in the reader's language: ``name_en`` when English is active and filled in.

Names of services, life events and themes, divisions, request categories and project types
are kept in Chinese (``name``) with an optional English one (``name_en``). Pages and the
API read them through :func:`shown_name` (templates: ``{{ obj|shown }}`` from ``shequ_ui``),
which falls back to the Chinese name when no English one is set.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def english_active() -> bool:
    """Whether the active language of this request (or task) is English."""
    return (get_language() or "").lower().startswith("en")


def shown_name(obj: object, field: str = "name") -> str:
    """``obj.name_en`` when English is active and it is set, else ``obj.<field>``.

    ``field`` names the Chinese field to fall back to (``short_name`` for divisions).
    """
    if obj is None:
        return ""
    if english_active():
        english = getattr(obj, "name_en", "") or ""
        if english.strip():
            return english
    return str(getattr(obj, field, "") or "")


def name_en_field(max_length: int) -> models.CharField:
    """The optional English name field, the same on every model that has one."""
    return models.CharField(
        _("English name"),
        max_length=max_length,
        blank=True,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )


class ShownNameMixin:
    """``obj.shown_name``: the name in the active language (for templates and schemas)."""

    @property
    def shown_name(self) -> str:
        return shown_name(self)
