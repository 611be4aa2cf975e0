"""Forms of the indicators console."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.indicators.models import Indicator, TreeVersion
from shequ.places.models import Division
from shequ.web.pickers import DivisionPickerField


class NewVersionForm(StyledForm):
    name = forms.CharField(label=_("Name of the new version"), max_length=120)


class MethodForm(StyledForm):
    normalisation = forms.ChoiceField(
        label=_("Normalisation"), choices=TreeVersion.Normalisation.choices
    )
    aggregation = forms.ChoiceField(label=_("Aggregation"), choices=TreeVersion.Aggregation.choices)
    weighting = forms.ChoiceField(label=_("Weighting"), choices=TreeVersion.Weighting.choices)
    winsor_share = forms.DecimalField(label=_("Winsorisation share per tail"), min_value=0)
    weight_range = forms.DecimalField(label=_("Weight range in the Monte Carlo (±)"), min_value=0)
    draws = forms.IntegerField(label=_("Monte Carlo draws"), min_value=1)
    seed = forms.IntegerField(label=_("Random seed"), min_value=0)
    min_data_share = forms.DecimalField(
        label=_("Minimum share of indicators with data to be ranked"), min_value=0, max_value=1
    )
    rank_urban_rural_separately = forms.BooleanField(
        label=_("Rank urban communities and rural villages separately"), required=False
    )


class NodeForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    weight = forms.CharField(label=_("Weight (%)"), max_length=12)


class IndicatorForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    definition = forms.CharField(label=_("Definition"), required=False, widget=forms.Textarea)
    unit = forms.CharField(label=_("Unit of measure"), max_length=20)
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    target = forms.CharField(label=_("Target (达标 value)"), max_length=20)
    weight = forms.CharField(label=_("Weight (%)"), max_length=12)
    missing = forms.ChoiceField(label=_("Missing data"), choices=Indicator.Missing.choices)
    owner = forms.CharField(label=_("Owner (who enters it)"), max_length=80, required=False)
    headline = forms.BooleanField(label=_("Headline indicator"), required=False)


class AddIndicatorForm(StyledForm):
    """An indicator computed from one of the platform's sources, added to a draft."""

    node = forms.ChoiceField(label=_("Sub-dimension"))
    source = forms.ChoiceField(label=_("Data source (computed from the platform's records)"))
    name = forms.CharField(label=_("Name"), max_length=120)
    unit = forms.CharField(label=_("Unit of measure"), max_length=20, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    target = forms.CharField(label=_("Target (达标 value)"), max_length=20)
    weight = forms.CharField(label=_("Weight (%)"), max_length=12)

    def __init__(self, *args: Any, version: TreeVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from shequ.indicators.default_tree import source_catalogue

        subs = version.nodes.filter(parent__isnull=False).select_related("parent")
        node_field = cast(forms.ChoiceField, self.fields["node"])
        node_field.choices = [("", "—")] + [
            (str(n.pk), f"{n.parent.name if n.parent else ''} › {n.name}")
            for n in subs.order_by("parent__order", "order", "id")
        ]
        source_field = cast(forms.ChoiceField, self.fields["source"])
        catalogue = source_catalogue()
        source_field.choices = [("", "—")] + [
            (key, f"{row[0]}（{row[2]}）") for key, row in catalogue.items()
        ]


class ValueForm(StyledForm):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    community = DivisionPickerField(label=_("Community"), level=Division.Level.COMMUNITY)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    value = forms.CharField(label=_("Value"), max_length=30)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ImportForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(label=_("Excel file (.xlsx): 单位代码, 指标代码, 数值"))


class RunForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class TopTenForm(StyledForm):
    candidates = forms.IntegerField(label=_("Candidates picked by score"), initial=50, min_value=1)
    winners = forms.IntegerField(label=_("Winners"), initial=10, min_value=1)
    platform_weight = forms.DecimalField(label=_("Weight of the platform score (%)"), initial=60)
    vote_weight = forms.DecimalField(label=_("Weight of the residents' vote (%)"), initial=40)


class FundsForm(StyledForm):
    fund_year = forms.IntegerField(
        label=_("Incentive fund year shared by this score"), min_value=2000, max_value=2100
    )
