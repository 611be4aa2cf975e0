"""Forms of the catalogue."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service, Topic
from shequ.core.forms import StyledForm
from shequ.people.models import VerificationLevel


class ServiceForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=160,
        required=False,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )
    summary = forms.CharField(label=_("Summary"), max_length=300)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea
    )
    eligibility = forms.CharField(label=_("Who may use it"), max_length=300, required=False)
    documents = forms.CharField(
        label=_("Documents needed (one per line)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )
    min_level = forms.TypedChoiceField(
        label=_("Required verification level"), choices=VerificationLevel.choices, coerce=int
    )
    time_limit_days = forms.IntegerField(
        label=_("Legal time limit (working days)"), min_value=0, max_value=365, required=False
    )
    fee = forms.DecimalField(label=_("Fee (yuan)"), min_value=0, max_value=100000, decimal_places=2)
    channel = forms.ChoiceField(label=_("Channel"), choices=Service.Channel.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Service.Kind.choices)
    community_level = forms.BooleanField(label=_("Handled with the community"), required=False)
    is_published = forms.BooleanField(label=_("Published"), required=False)
    in_person_window = forms.CharField(
        label=_("Service window"),
        max_length=100,
        required=False,
        help_text=_("Where residents do it in person when there is no online form."),
    )
    in_person_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    in_person_hours = forms.CharField(
        label=_("Opening hours"),
        max_length=100,
        required=False,
        help_text=_("e.g. 周一至周五 9:00–12:00、13:00–17:00"),
    )
    phone = forms.CharField(
        label=_("Enquiry telephone"),
        max_length=40,
        required=False,
        help_text=_("An office line or hotline; 12345 when empty."),
    )
    sso_app = forms.TypedChoiceField(
        label=_("Department app"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Residents who tap the service go to this app and sign in there with their "
            "citizen account (single sign-on)."
        ),
    )
    sso_entry_url = forms.URLField(
        label=_("Address of the department app"),
        required=False,
        assume_scheme="https",
        help_text=_("The page of the app where residents start, e.g. https://app.example/login"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from shequ.sso.models import DepartmentApp

        apps = DepartmentApp.objects.filter(is_active=True).order_by("name")
        cast(forms.ChoiceField, self.fields["sso_app"]).choices = [
            ("", _("None: a form or the window")),
            *[(app.pk, app.name) for app in apps],
        ]


def _topic_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Life events and themes, grouped, for a multiple select."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for kind, label in Topic.Kind.choices:
        items = list(
            Topic.objects.filter(kind=kind).order_by("order", "code").values_list("code", "name")
        )
        if items:
            groups.append((str(label), items))
    return groups


class ServiceEditForm(ServiceForm):
    """An existing service, with the life events and themes it appears under."""

    topics = forms.MultipleChoiceField(
        label=_("Life events and themes"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["topics"]).choices = _topic_choices()


class NewServiceForm(ServiceForm):
    """A brand-new service: its department (one's own) and a permanent code come first."""

    department = forms.TypedChoiceField(label=_("Department"), coerce=int)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Letters, digits and hyphens, e.g. laonian-youdai; it cannot change later."),
    )
    topics = forms.MultipleChoiceField(
        label=_("Life events and themes"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    field_order = ["department", "code", "name", "name_en", "summary"]

    def __init__(self, *args: object, departments: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["department"]).choices = departments
        cast(forms.ChoiceField, self.fields["topics"]).choices = _topic_choices()


class TopicForm(StyledForm):
    """A new life event or theme."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Topic.Kind.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits or hyphens, e.g. shengyu. It cannot change."),
    )
    name = forms.CharField(label=_("Name"), max_length=40)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=60,
        required=False,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )
    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=999,
        initial=0,
        help_text=_("Smaller numbers come first."),
    )


class TopicEditForm(StyledForm):
    """Rename or reorder a topic and choose the services under it."""

    name = forms.CharField(label=_("Name"), max_length=40)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=60,
        required=False,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999)
    services = forms.TypedMultipleChoiceField(
        label=_("Services under it"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Choose several with Ctrl or a long press; on a phone, tick them in the list."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for pk, name, department in Service.objects.order_by(
            "department__name", "name"
        ).values_list("pk", "name", "department__name"):
            groups.setdefault(department, []).append((pk, name))
        cast(forms.ChoiceField, self.fields["services"]).choices = list(groups.items())


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search services"), max_length=100, required=False)
