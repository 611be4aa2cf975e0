"""Shared console pickers: districts → streets → communities, and residents by name.

Staff never type a 12-digit division code or a full ID number. A form declares a
:class:`DivisionPickerField` / :class:`DivisionsPickerField` / :class:`PersonPickerField` and
calls :func:`bind_pickers` with the signed-in user: the fields then accept only what lies in
that user's area, whatever a forged request sends.

Without JavaScript a division picker is a plain list of the allowed divisions; with it
(``web/pickers.js``) it becomes the cascade, fed by ``console:picker_divisions``.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import digits_or_none
from shequ.people.models import Resident
from shequ.people.permissions import WORKERS
from shequ.places.models import Division
from shequ.web import selectors

NOT_IN_AREA = _("Choose a place inside your area from the list.")


class DivisionPickerWidget(forms.Select):
    """A select of the allowed divisions, wrapped for ``pickers.js`` to cascade."""

    template_name = "web/widgets/division_picker.html"
    is_picker = True
    level: str | None = Division.Level.COMMUNITY

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({"class": "form-select", **(attrs or {})}, choices)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["picker"] = {
            "url": reverse("console:picker_divisions"),
            "level": self.level or "",
            "multiple": self.allow_multiple_selected,
        }
        return context


class DivisionsPickerWidget(DivisionPickerWidget, forms.SelectMultiple):
    allow_multiple_selected = True


def _allowed_divisions(
    user: Any, roles: frozenset[str], level: str | None
) -> tuple[list[str], list[tuple[str, str]]]:
    """The codes a division field accepts from ``user`` and its choices, labelled by path."""
    areas = selectors.picker_areas(user, roles)
    divisions = list(selectors.divisions_allowed(areas, level))
    labels = selectors.division_path_labels(divisions)
    return [d.code for d in divisions], [(d.code, labels[d.code]) for d in divisions]


class DivisionPickerField(forms.ChoiceField):
    """One division inside the user's area, at ``level`` (any level below the city: None).

    Cleans to the 12-digit code (``""`` when optional and nothing is chosen)."""

    widget = DivisionPickerWidget
    default_error_messages = {"invalid_choice": NOT_IN_AREA}

    def __init__(
        self,
        *,
        level: str | None = Division.Level.COMMUNITY,
        roles: Iterable[str] = WORKERS,
        empty_label: Any = "—",
        **kwargs: Any,
    ) -> None:
        self.level = level
        self.roles = frozenset(roles)
        self.empty_label = empty_label
        super().__init__(choices=[("", empty_label)], **kwargs)
        self.widget.level = level
        self.allowed: list[str] = []

    def bind(self, user: Any) -> None:
        self.allowed, choices = _allowed_divisions(user, self.roles, self.level)
        self.choices = [("", str(self.empty_label)), *choices]

    def preselect_single(self, form: forms.BaseForm) -> None:
        """A worker with exactly one community finds it already chosen."""
        if len(self.allowed) == 1 and self.required and not form.is_bound:
            name = next(n for n, f in form.fields.items() if f is self)
            form.initial.setdefault(name, self.allowed[0])

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return digits_or_none(text) or text if text else ""


class DivisionsPickerField(forms.MultipleChoiceField):
    """Several communities (or divisions of ``level``) inside the user's area; cleans to codes."""

    widget = DivisionsPickerWidget
    default_error_messages = {"invalid_choice": NOT_IN_AREA}

    def __init__(
        self,
        *,
        level: str | None = Division.Level.COMMUNITY,
        roles: Iterable[str] = WORKERS,
        **kwargs: Any,
    ) -> None:
        self.level = level
        self.roles = frozenset(roles)
        super().__init__(choices=[], **kwargs)
        self.widget.level = level
        self.allowed: list[str] = []

    def bind(self, user: Any) -> None:
        self.allowed, self.choices = _allowed_divisions(user, self.roles, self.level)


class PersonPickerWidget(forms.Widget):
    """A hidden resident id, a search box and the results list (``pickers.js``)."""

    template_name = "web/widgets/person_picker.html"
    is_picker = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.chosen: selectors.PersonChoice | None = None
        self.community = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["picker"] = {
            "url": reverse("console:picker_people"),
            "community": self.community,
            "chosen": self.chosen,
        }
        return context


class PersonPickerField(forms.Field):
    """A resident living inside the user's area, picked by name; cleans to the resident's id.

    ``community``: only residents of that community are offered (a council's, a round's)."""

    widget = PersonPickerWidget
    default_error_messages = {
        "required": _("Search by name and choose a resident from the results."),
        "invalid": _("Choose a resident of your area from the search results."),
    }

    def __init__(self, *, roles: Iterable[str] = WORKERS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.roles = frozenset(roles)
        self.community = ""
        self.queryset = Resident.objects.none()

    def bind(self, user: Any, *, community: str = "") -> None:
        self.user = user
        self.community = community
        queryset = selectors.residents_pickable(user, self.roles)
        self.queryset = queryset.filter(community_id=community) if community else queryset
        self.widget.community = community

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = digits_or_none(str(value))
        if number is None or len(number) > 12:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(number)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not self.queryset.filter(pk=value).exists():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def show_chosen(self, value: Any) -> None:
        """Put the chosen resident's name and masked ID back on the form after an error."""
        number = digits_or_none(str(value or ""))
        if not number or len(number) > 12:
            return
        resident = self.queryset.select_related("community").filter(pk=int(number)).first()
        self.widget.chosen = selectors.PersonChoice.of(resident) if resident else None


def bind_pickers(form: forms.BaseForm, user: Any, *, community: str = "") -> None:
    """Limit every picker of ``form`` to ``user``'s area (and persons to ``community``)."""
    for name, field in form.fields.items():
        if isinstance(field, DivisionPickerField):
            field.bind(user)
            field.preselect_single(form)
        elif isinstance(field, DivisionsPickerField):
            field.bind(user)
        elif isinstance(field, PersonPickerField):
            field.bind(user, community=community)
            if form.is_bound:
                field.show_chosen(form.data.get(form.add_prefix(name)))
