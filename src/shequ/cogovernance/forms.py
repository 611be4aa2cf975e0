"""Console forms of co-governance: pickers for places, people, organisations and commitments,
each limited to the signed-in user's area. Amounts and quantities are checked by the services
(a negative amount comes back under its field)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal
from shequ.civil.models import Organisation as CivilOrganisation
from shequ.cogovernance import selectors
from shequ.cogovernance.models import (
    Category,
    Commitment,
    Criterion,
    Need,
    OrgKind,
    Position,
    Resource,
)
from shequ.cogovernance.permissions import DESIGNATORS
from shequ.core.forms import StyledForm
from shequ.people.selectors import scope_queryset
from shequ.surveys.models import Survey
from shequ.web.pickers import DivisionPickerField, PersonPickerField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EMPTY = [("", "—")]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _number(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _org_choices(user: Any, *kinds: str) -> list[tuple[str, str]]:
    orgs = selectors.organisation_list_for(user)
    if kinds:
        orgs = orgs.filter(kind__in=kinds)
    return EMPTY + [(str(o.pk), f"{o.name} · {o.division}") for o in orgs[:500]]


def _commitment_choices(user: Any) -> list[tuple[str, str]]:
    rows = []
    for agreement in selectors.agreement_list_for(user).prefetch_related("commitments")[:200]:
        for c in agreement.commitments.all():
            rows.append((str(c.pk), f"{agreement.unit.name}: {c.description}"))
    return EMPTY + rows


class AreaForm(StyledForm):
    area = DivisionPickerField(label=_("Community"), required=False, level=None)


class OrganisationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    division = DivisionPickerField(label=_("Community or street"), level=None)
    parent = forms.ChoiceField(label=_("Belongs to"), required=False)
    civil_organisation = forms.ChoiceField(
        label=_("Registered social organisation"), required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def __init__(self, *args: Any, user: Any, exclude: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "parent").choices = [
            c for c in _org_choices(user) if c[0] != str(exclude or "")
        ]
        civil = scope_queryset(
            CivilOrganisation.objects.filter(status=CivilOrganisation.Status.ACTIVE),
            user,
            division_field="authority_id",
        ).order_by("name")[:300]
        _choice_field(self, "civil_organisation").choices = EMPTY + [
            (str(o.pk), o.name) for o in civil
        ]


class MemberForm(StyledForm):
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    resident = PersonPickerField(label=_("Resident (search by name)"), required=False)
    outside_name = forms.CharField(
        label=_("Or the name of a person outside the registry"), max_length=30, required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    term_start = forms.DateField(label=_("Term starts"), widget=DATE)
    term_end = forms.DateField(label=_("Term ends"), widget=DATE, required=False)
    ceased_on = forms.DateField(label=_("Ceased on"), widget=DATE, required=False)


class CeaseForm(StyledForm):
    ceased_on = forms.DateField(label=_("Ceased on"), widget=DATE)


class NeedForm(StyledForm):
    community = DivisionPickerField(label=_("Community"))
    title = forms.CharField(label=_("Need"), max_length=120, required=False)
    category = forms.ChoiceField(label=_("Kind"), choices=Category.choices)
    description = forms.CharField(
        label=_("Details"), max_length=2000, required=False, widget=forms.Textarea
    )
    appeal = forms.ChoiceField(label=_("Raised from a resident's request"), required=False)
    survey = forms.ChoiceField(label=_("Raised from a survey result"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        appeals = scope_queryset(
            Appeal.objects.only("id", "description", "community_id"),
            user,
            division_field="community_id",
        ).order_by("-id")[:100]
        _choice_field(self, "appeal").choices = EMPTY + [
            (str(a.pk), f"#{a.pk} {a.description[:40]}") for a in appeals
        ]
        surveys = scope_queryset(
            Survey.objects.only("id", "title_zh", "division_id"), user, division_field="division_id"
        ).order_by("-id")[:100]
        _choice_field(self, "survey").choices = EMPTY + [(str(s.pk), s.title_zh) for s in surveys]


class ResourceForm(StyledForm):
    organisation = forms.ChoiceField(label=_("Offered by"))
    division = DivisionPickerField(
        label=_("Offered to (empty: the unit's own place)"), level=None, required=False
    )
    title = forms.CharField(label=_("Resource"), max_length=120)
    category = forms.ChoiceField(label=_("Kind"), choices=Category.choices)
    description = forms.CharField(
        label=_("Details"), max_length=2000, required=False, widget=forms.Textarea
    )
    quantity = _number(_("Quantity"))
    unit_label = forms.CharField(
        label=_("Counted in (hours a month, people …)"), max_length=20, required=False
    )
    amount = _number(_("Amount (yuan)"))
    available_from = forms.DateField(label=_("Available from"), widget=DATE, required=False)
    available_until = forms.DateField(label=_("Available until"), widget=DATE, required=False)
    availability = forms.CharField(
        label=_("When (for example Tuesday and Thursday afternoons)"),
        max_length=120,
        required=False,
    )
    commitment = forms.ChoiceField(label=_("Under the commitment"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "organisation").choices = _org_choices(user)
        _choice_field(self, "commitment").choices = _commitment_choices(user)


class MatchForm(StyledForm):
    resources = forms.MultipleChoiceField(label=_("Resources that meet it"))
    title = forms.CharField(label=_("Project name"), max_length=120, required=False)
    commitment = forms.ChoiceField(label=_("Under the commitment"), required=False)

    def __init__(
        self,
        *args: Any,
        resources: list[tuple[str, str]],
        commitments: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "resources").choices = resources
        self.fields["resources"].widget = forms.CheckboxSelectMultiple(choices=resources)
        _choice_field(self, "commitment").choices = EMPTY + commitments


class TieForm(StyledForm):
    commitment = forms.ChoiceField(label=_("Under the commitment"), required=False)


class AgreementForm(StyledForm):
    community = DivisionPickerField(label=_("Community"))
    unit = forms.ChoiceField(label=_("Unit"))
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "unit").choices = _org_choices(
            user, OrgKind.UNIT, OrgKind.SOCIAL_ORGANISATION, OrgKind.OWNERS_COMMITTEE
        )


class CommitmentForm(StyledForm):
    category = forms.ChoiceField(label=_("Kind"), choices=Category.choices)
    description = forms.CharField(label=_("What is committed"), max_length=200)
    quantity = _number(_("Quantity"))
    unit_label = forms.CharField(label=_("Counted in"), max_length=20, required=False)
    amount = _number(_("Amount (yuan)"))


class DeliveryForm(StyledForm):
    commitment = forms.ChoiceField(label=_("Commitment"))
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    description = forms.CharField(label=_("What was delivered"), max_length=200)
    quantity = _number(_("Quantity"))
    amount = _number(_("Amount (yuan)"))
    photo = forms.FileField(label=_("Evidence photo (JPG or PNG)"), required=False)

    def __init__(self, *args: Any, commitments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "commitment").choices = commitments


class DesignationForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    community = DivisionPickerField(label=_("Community"), roles=DESIGNATORS)
    criteria = forms.MultipleChoiceField(
        label=_("Criteria met"), choices=Criterion.choices, widget=forms.CheckboxSelectMultiple
    )
    evidence = forms.CharField(
        label=_("Evidence"), max_length=5000, required=False, widget=forms.Textarea
    )
    evidence_links = forms.CharField(
        label=_("Links (one a line)"), max_length=2000, required=False, widget=forms.Textarea
    )
    evidence_file = forms.FileField(label=_("Evidence file (PDF, JPG, PNG)"), required=False)


# Corrections and closing ---------------------------------------------------------------


class NeedEditForm(NeedForm):
    """The need form without the community (a need stays in its community)."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["community"]
        self.fields["title"].required = True


class NeedCloseForm(StyledForm):
    reason = forms.ChoiceField(
        label=_("Why is it closed"), choices=[*EMPTY, *Need.CloseReason.choices]
    )
    merged_into = forms.ChoiceField(label=_("Merged into (when merged)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, need: Need, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = (
            Need.objects.filter(community_id=need.community_id)
            .exclude(pk=need.pk)
            .exclude(status=Need.Status.CLOSED)
            .only("id", "title")[:200]
        )
        _choice_field(self, "merged_into").choices = EMPTY + [(str(n.pk), n.title) for n in others]


class ResourceEditForm(ResourceForm):
    """The resource form without the unit offering it; commitments of that unit only."""

    def __init__(self, *args: Any, user: Any, resource: Resource, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["organisation"]
        commitments = Commitment.objects.filter(
            agreement__unit_id=resource.organisation_id
        ).select_related("agreement")
        _choice_field(self, "commitment").choices = EMPTY + [
            (str(c.pk), f"{c.agreement.title}: {c.description}") for c in commitments[:200]
        ]


class ProjectForm(StyledForm):
    title = forms.CharField(label=_("Project name"), max_length=120)
    commitment = forms.ChoiceField(label=_("Under the commitment"), required=False)

    def __init__(self, *args: Any, commitments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "commitment").choices = EMPTY + commitments


class ProjectDoneForm(StyledForm):
    result_note = forms.CharField(
        label=_("Result (what was achieved)"), max_length=2000, widget=forms.Textarea
    )


class AgreementEditForm(AgreementForm):
    """The agreement form without the community (an agreement stays in its community)."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["community"]


class DesignationEditForm(DesignationForm):
    """Criteria and evidence of a designation (its year and community stay)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["year"]
        del self.fields["community"]
        self.fields["evidence_file"].label = _("Replace the evidence file (PDF, JPG, PNG)")


class RevokeForm(StyledForm):
    reason = forms.CharField(label=_("Why is it revoked"), max_length=300)


class MemberEditForm(StyledForm):
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    term_start = forms.DateField(label=_("Term starts"), widget=DATE)
    term_end = forms.DateField(label=_("Term ends"), widget=DATE, required=False)
