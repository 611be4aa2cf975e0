"""Forms of the policy library console (pickers for the area, linked policies and records)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.core.forms import StyledForm
from shequ.core.scopes import areas_q
from shequ.funds.models import SecurityFormula
from shequ.policies.models import Kind, Relation, Structure
from shequ.policies.permissions import AUTHORS, author_areas
from shequ.policies.selectors import policy_choices
from shequ.projects.models import Project
from shequ.web.pickers import DivisionPickerField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _policy_options(exclude: int | None = None) -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(p.pk), str(p)) for p in policy_choices() if exclude is None or p.pk != exclude
    ]


class PolicyForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    doc_number = forms.CharField(
        label=_("Policy number"),
        max_length=60,
        required=False,
        help_text=_("For example 成府发〔2014〕7号"),
    )
    issuer = forms.CharField(label=_("Issuing body"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    division = DivisionPickerField(
        label=_("Area (empty: the whole city)"), level=None, roles=AUTHORS, required=False
    )
    structure = forms.ChoiceField(label=_("Place in 1+6+N"), choices=Structure.choices)
    parent = forms.ChoiceField(label=_("Follows from"), required=False)
    issued_on = forms.DateField(label=_("Date issued"), widget=DATE)
    effective_on = forms.DateField(label=_("Effective from"), widget=DATE, required=False)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE, required=False)
    summary = forms.CharField(
        label=_("Abstract"), max_length=2000, required=False, widget=forms.Textarea
    )
    interpretation = forms.CharField(
        label=_("Interpretation in plain language"),
        max_length=10000,
        required=False,
        widget=forms.Textarea,
    )
    full_text = forms.CharField(
        label=_("Full text"), max_length=200000, required=False, widget=forms.Textarea
    )
    source_url = forms.URLField(label=_("Source"), required=False, assume_scheme="https")
    provenance = forms.CharField(label=_("Provenance"), max_length=300, required=False)
    services = forms.TypedMultipleChoiceField(
        label=_("Services it governs"), coerce=int, required=False
    )
    projects = forms.TypedMultipleChoiceField(
        label=_("Projects it governs"), coerce=int, required=False
    )
    fund_formulas = forms.TypedMultipleChoiceField(
        label=_("Fund rules that follow from it"), coerce=int, required=False
    )

    def __init__(self, *args: Any, user: Any, policy_id: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["parent"]).choices = _policy_options(exclude=policy_id)
        cast(forms.ChoiceField, self.fields["services"]).choices = [
            (s.pk, f"{s.name} · {s.department.short_name}")
            for s in Service.objects.filter(is_published=True).select_related("department")
        ]
        condition = areas_q(author_areas(user), division_field="division_id")
        projects = Project.objects.all() if condition is None else Project.objects.filter(condition)
        cast(forms.ChoiceField, self.fields["projects"]).choices = [
            (p.pk, f"{p.code} {p.name}") for p in projects.only("id", "code", "name")[:500]
        ]
        cast(forms.ChoiceField, self.fields["fund_formulas"]).choices = [
            (f.pk, f"{f.district} · {f.year}")
            for f in SecurityFormula.objects.select_related("district").order_by("-year")
        ]
        for name in ("services", "projects", "fund_formulas"):
            self.fields[name].widget.attrs.update({"class": "form-select", "size": "6"})


class RelationForm(StyledForm):
    kind = forms.ChoiceField(label=_("This policy"), choices=Relation.Kind.choices)
    target = forms.ChoiceField(label=_("Policy"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, policy_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The policy itself stays in the list: choosing it gets the service's clear refusal.
        cast(forms.ChoiceField, self.fields["target"]).choices = _policy_options()


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("PDF or Word (.docx) file"))
