"""Forms of casework. The application form is built from its definition (data, not code);
the service validates the answers, so the Django form only renders and carries errors."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import FormDefinition
from shequ.casework.services.applications import STAFF_ACTIONS
from shequ.casework.services.definitions import FILE_TYPES, PII_FIELD_TYPES
from shequ.casework.services.holidays import HolidayPeriod
from shequ.core.forms import StyledForm
from shequ.core.pii import PIIValue, unseal
from shequ.people.models import Resident


class DateWidget(forms.DateInput):
    input_type = "date"


class QuickSelect(forms.Select):
    """A select rendered in Python: a long form's many options without a template per
    option (same HTML as Django's)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class QuickSelectMultiple(QuickSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


def _condition_hint(spec: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    condition = spec.get("show_if") or {}
    value = str(condition.get("equals", ""))
    value = {"true": str(_("Yes")), "false": str(_("No"))}.get(value, value)
    return str(_("Only if 「%(field)s」 is 「%(value)s」.")) % {
        "field": labels.get(condition.get("field", ""), ""),
        "value": value,
    }


PlaceOptions = tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]], list[Any]]


def _place_options(community: str | None) -> PlaceOptions:
    """The chain district → street → community of ``community`` and each level's options."""
    from shequ.places.models import Division
    from shequ.places.selectors import division_children, division_list

    chain: dict[str, str] = {}
    if community:
        division = Division.objects.filter(pk=community).select_related("parent").first()
        if division is not None and division.parent is not None:
            chain = {
                "community": division.code,
                "street": division.parent.code,
                "district": division.parent.parent_id or "",
            }

    districts = [(d.code, d.name) for d in division_list(level=Division.Level.DISTRICT)]
    streets = (
        [(d.code, d.name) for d in division_children(chain["district"])]
        if chain.get("district")
        else []
    )
    communities = (
        [(d.code, d.name) for d in division_children(chain["street"])]
        if chain.get("street")
        else []
    )
    return chain, districts, streets, communities


def _address_fields(
    spec: Mapping[str, Any], community: str | None, cache: dict[str, Any]
) -> dict[str, forms.Field]:
    """The district → street → community selects of an address field (htmx fills the next
    one; the applicant's registered community is chosen to start with). ``cache``: the
    options already looked up for this form (one set of queries however many addresses)."""
    key = f"places:{community}"
    if key not in cache:
        cache[key] = _place_options(community)
    chain, districts, streets, communities = cache[key]
    name = spec["name"]
    options_url = reverse("casework:place_options")

    def select(choices: list[tuple[str, str]], attrs: dict[str, str]) -> forms.Select:
        return QuickSelect(choices=[("", "—"), *choices], attrs={"class": "form-select", **attrs})

    fields: dict[str, forms.Field] = {}
    for part, label, choices, next_part in (
        ("district", _("District"), districts, "street"),
        ("street", _("Street"), streets, "community"),
        ("community", _("Community"), communities, ""),
    ):
        attrs = (
            {
                "hx-get": options_url,
                "hx-target": f"#id_{name}__{next_part}",
                "hx-trigger": "change",
            }
            if next_part
            else {}
        )
        field = forms.CharField(
            label=label, required=False, widget=select(choices, attrs), initial=chain.get(part)
        )
        setattr(field, "shequ_required", bool(spec.get("required")))  # noqa: B010
        fields[f"{name}__{part}"] = field
    return fields


def application_form_class(
    definition: FormDefinition,
    *,
    kept: Mapping[str, Any] | None = None,
    only: Sequence[str] | None = None,
    resident: Resident | None = None,
) -> type[forms.Form]:
    """A Django form with one field per defined field and document. ``kept``: the answers on
    file (a resubmission), whose personal numbers may be left blank to keep them; ``only``:
    the items a request for more information named (a resubmission shows just those);
    ``resident``: the applicant's registry record, for the pre-filled fields."""
    from shequ.casework.services.answers import registry_fact

    labels = {s["name"]: s["label"] for s in definition.fields}
    cache: dict[str, Any] = {}
    fields: dict[str, forms.Field] = {}
    for spec in definition.fields:
        if only and spec["name"] not in only:
            continue
        label, kind = spec["label"], spec["type"]
        fact = registry_fact(spec["prefill"], resident) if spec.get("prefill") else None
        field: forms.Field
        if kind == "textarea":
            field = forms.CharField(label=label, widget=forms.Textarea)
        elif kind in ("integer", "decimal"):
            field = forms.CharField(label=label, widget=forms.NumberInput(attrs={"step": "any"}))
        elif kind == "date":
            field = forms.CharField(label=label, widget=DateWidget())
        elif kind == "choice":
            choices = [("", "—")] + [(str(c), str(c)) for c in spec.get("choices", [])]
            field = forms.ChoiceField(
                label=label, choices=choices, widget=QuickSelect(attrs={"class": "form-select"})
            )
        elif kind == "multichoice":
            field = forms.MultipleChoiceField(
                label=label,
                choices=[(str(c), str(c)) for c in spec.get("choices", [])],
                widget=QuickSelectMultiple(attrs={"class": "form-select"}),
                help_text=_("Choose one or more."),
            )
        elif kind == "boolean":
            field = forms.BooleanField(label=label)
        elif kind == "phone":
            field = forms.CharField(
                label=label, widget=forms.TextInput(attrs={"inputmode": "tel", "maxlength": 20})
            )
        elif kind == "id_number":
            field = forms.CharField(
                label=label, widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off"})
            )
        elif kind == "address":
            field = forms.CharField(
                label=label,
                widget=forms.TextInput(attrs={"maxlength": 200}),
                help_text=_("Street, building and room; choose the community below."),
            )
        else:
            field = forms.CharField(label=label)
        field.required = False
        hints = [str(spec["help"])] if spec.get("help") else []
        if field.help_text:
            hints.append(str(field.help_text))
        on_file = unseal((kept or {}).get(spec["name"]))
        if on_file is not None:
            hints.append(_("Leave blank to keep %(number)s.") % {"number": on_file.masked})
        elif fact is not None and kind in ("phone", "id_number"):
            masked = PIIValue(PII_FIELD_TYPES[kind], plain=fact).masked
            hints.append(
                _("Leave blank to use %(number)s from your registration.") % {"number": masked}
            )
        elif fact is not None and kind != "address":
            if spec["prefill"] == "community":
                from shequ.places.models import Division

                key = f"name:{fact}"
                if key not in cache:
                    cache[key] = (
                        Division.objects.filter(pk=fact).values_list("name", flat=True).first()
                    )
                fact = cache[key]
            field.initial = fact
        if spec.get("show_if"):
            hints.append(_condition_hint(spec, labels))
        field.help_text = " ".join(str(h) for h in hints)
        setattr(field, "shequ_required", bool(spec.get("required")))  # noqa: B010 - template flag
        fields[spec["name"]] = field
        if kind == "address":
            fields.update(
                _address_fields(spec, fact or (resident.community_id if resident else None), cache)
            )
    for spec in definition.documents:
        if only and spec["name"] not in only:
            continue
        types = spec.get("types", [])
        accept = ",".join(FILE_TYPES[t][0] for t in types if t in FILE_TYPES)
        hints = [str(spec["help"])] if spec.get("help") else []
        hints.append(
            str(_("%(types)s, at most %(kb)s KB"))
            % {"types": "/".join(types).upper(), "kb": spec.get("max_kb", 2048)}
        )
        if spec.get("show_if"):
            hints.append(_condition_hint(spec, labels))
        field = forms.FileField(
            label=spec["label"],
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": accept}),
            help_text=" ".join(hints),
        )
        required = bool(spec.get("required")) or bool(only)  # a requested slot: upload anew
        setattr(field, "shequ_required", required)  # noqa: B010 - template flag
        fields[spec["name"]] = field
    return type("ApplicationForm", (forms.Form,), fields)


def form_conditions(definition: FormDefinition) -> dict[str, dict[str, str]]:
    """The conditions of a form's items, for the page's script that hides the items not
    asked (without scripts every item shows, with its condition in words)."""
    return {
        s["name"]: {"field": s["show_if"]["field"], "equals": str(s["show_if"]["equals"])}
        for s in [*definition.fields, *definition.documents]
        if s.get("show_if")
    }


class RevealAnswerForm(StyledForm):
    """Which personal number of an application to show in full, and why (audited)."""

    field = forms.ChoiceField(label=_("Number to show"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, answers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = answers  # type: ignore[attr-defined]


class ActionForm(StyledForm):
    """A staff step; ``requested`` (for a request for more information) is rendered as
    checkboxes of the application form's fields and document slots."""

    action = forms.ChoiceField(choices=[(a, a) for a in STAFF_ACTIONS])
    note = forms.CharField(label=_("Note or reason"), max_length=1000, required=False)


# The builder's field types, in the order staff pick them (文件 is a document slot).
BUILDER_TYPE_LABELS: dict[str, Any] = {
    "text": _("Single-line text"),
    "textarea": _("Multi-line text"),
    "integer": _("Whole number"),
    "decimal": _("Number"),
    "date": _("Date"),
    "choice": _("Single choice"),
    "multichoice": _("Multiple choice"),
    "boolean": _("Yes / no"),
    "phone": _("Mobile phone number"),
    "id_number": _("ID number"),
    "address": _("Address"),
    "file": _("File"),
}
PREFILL_LABELS: dict[str, Any] = {
    "name": _("Name"),
    "id_number": _("ID number (masked)"),
    "phone": _("Mobile phone"),
    "community": _("Community"),
    "birth_date": _("Date of birth"),
}
FILE_KIND_LABELS: dict[str, Any] = {"jpg": _("Photo (JPG)"), "png": _("Image (PNG)"), "pdf": "PDF"}


def condition_choices(
    earlier: Sequence[Mapping[str, Any]],
) -> list[tuple[str, str]]:
    """ "<field>:<value>" pairs of the earlier fields a condition may look at."""
    from shequ.casework.services.definitions import CONDITION_SOURCE_TYPES

    pairs: list[tuple[str, str]] = [("", str(_("Always ask")))]
    for spec in earlier:
        if spec.get("type") not in CONDITION_SOURCE_TYPES:
            continue
        values = (
            [("true", str(_("Yes"))), ("false", str(_("No")))]
            if spec["type"] == "boolean"
            else [(str(c), str(c)) for c in spec.get("choices") or []]
        )
        for value, shown in values:
            pairs.append(
                (
                    f"{spec['name']}:{value}",
                    str(_("Only if 「%(field)s」 is 「%(value)s」"))
                    % {"field": spec["label"], "value": shown},
                )
            )
    return pairs


class FormItemForm(StyledForm):
    """One item of the form builder: a field or a file to upload, with a type fixed."""

    label = forms.CharField(label=_("Question"), max_length=60)
    help = forms.CharField(label=_("Hint under the field"), max_length=200, required=False)
    required = forms.BooleanField(label=_("Must be filled in"), required=False)
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One option per line."),
    )
    prefill = forms.ChoiceField(label=_("Pre-fill from the registry"), required=False)
    show_if = forms.ChoiceField(label=_("When to ask"), required=False)
    types = forms.MultipleChoiceField(
        label=_("Kinds of file allowed"),
        required=False,
        choices=list(FILE_KIND_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    max_kb = forms.TypedChoiceField(label=_("Largest file"), coerce=int, required=False)

    def __init__(
        self,
        *args: Any,
        kind: str,
        earlier: Sequence[Mapping[str, Any]],
        **kwargs: Any,
    ) -> None:
        from shequ.casework.services.definitions import CHOICE_TYPES, PREFILL_TYPES
        from shequ.casework.services.forms import max_kb_choices

        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != "file":
            del self.fields["types"], self.fields["max_kb"]
        else:
            self.fields["max_kb"].choices = max_kb_choices()  # type: ignore[attr-defined]
            self.fields["max_kb"].initial = 2048
        if kind not in CHOICE_TYPES:
            del self.fields["choices"]
        facts = [f for f, types in PREFILL_TYPES.items() if kind in types]
        if facts:
            self.fields["prefill"].choices = [  # type: ignore[attr-defined]
                ("", _("No")),
                *[(f, PREFILL_LABELS[f]) for f in facts],
            ]
        else:
            del self.fields["prefill"]
        self.fields["show_if"].choices = condition_choices(earlier)  # type: ignore[attr-defined]

    @staticmethod
    def initial_of(spec: Mapping[str, Any]) -> dict[str, Any]:
        condition = spec.get("show_if") or {}
        return {
            "label": spec.get("label", ""),
            "help": spec.get("help", ""),
            "required": bool(spec.get("required")),
            "choices": "\n".join(str(c) for c in spec.get("choices") or []),
            "prefill": spec.get("prefill", ""),
            "show_if": f"{condition['field']}:{condition.get('equals', '')}" if condition else "",
            "types": spec.get("types", []),
            "max_kb": spec.get("max_kb", 2048),
        }

    def item(self) -> dict[str, Any]:
        """The item as the builder's services take it."""
        data = self.cleaned_data
        condition = data.get("show_if") or ""
        field, _sep, value = condition.partition(":")
        return {
            "type": self.kind,
            "label": data["label"],
            "help": data.get("help", ""),
            "required": data.get("required", False),
            "choices": data.get("choices", ""),
            "prefill": data.get("prefill") or None,
            "show_if": {"field": field, "equals": value} if condition else None,
            "types": data.get("types") or [],
            "max_kb": data.get("max_kb") or 2048,
        }


class EligibilityForm(StyledForm):
    """Who may apply, checked from the registry at submission (the communities are picked
    on the same page, one at a time, with the place picker)."""

    min_age = forms.IntegerField(
        label=_("Minimum age"),
        required=False,
        min_value=0,
        max_value=150,
        help_text=_("From the registry's date of birth, on the day of submission."),
    )
    max_age = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0, max_value=150)
    residence = forms.ChoiceField(
        label=_("Residence"),
        required=False,
        choices=[
            ("", _("Anybody")),
            ("city", _("Residents of the city (registered in a community)")),
            ("community", _("Residents of the communities chosen below")),
        ],
    )
    min_level = forms.TypedChoiceField(
        label=_("Verification needed"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from shequ.people.models import VerificationLevel

        super().__init__(*args, **kwargs)
        self.fields["min_level"].choices = [  # type: ignore[attr-defined]
            ("", _("As the service requires")),
            *VerificationLevel.choices,
        ]


class FormImportForm(forms.Form):
    """Administrators only: a form version as JSON (import/export between systems)."""

    fields_json = forms.CharField(label=_("Fields (JSON)"), widget=forms.Textarea)
    documents_json = forms.CharField(label=_("Documents (JSON)"), widget=forms.Textarea)
    eligibility_json = forms.CharField(
        label=_("Eligibility (JSON)"), widget=forms.Textarea, required=False
    )

    def clean_fields_json(self) -> Any:
        return _parse(self.cleaned_data["fields_json"])

    def clean_documents_json(self) -> Any:
        return _parse(self.cleaned_data["documents_json"])

    def clean_eligibility_json(self) -> Any:
        return _parse(self.cleaned_data["eligibility_json"] or "{}")


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise forms.ValidationError(_("This is not valid JSON.")) from None


# The holidays of a State Council notice, in its order (the committee may add a row).
NOTICE_HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
MAKE_UP_FIELDS = ("work_1", "work_2", "work_3")


class HolidayYearForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    source = forms.CharField(
        label=_("Notice"),
        max_length=80,
        help_text=_("The State Council's notice, e.g. 国办发明电〔2025〕7号"),
    )
    replace = forms.BooleanField(
        label=_("Replace the days already entered for this year"), required=False
    )


class HolidayPeriodForm(forms.Form):
    """One holiday of the notice: its days off, and the weekend days worked for it."""

    name = forms.CharField(label=_("Holiday"), max_length=30, required=False)
    first_off = forms.DateField(label=_("First day off"), required=False, widget=DateWidget())
    last_off = forms.DateField(label=_("Last day off"), required=False, widget=DateWidget())
    work_1 = forms.DateField(label=_("Make-up working day"), required=False, widget=DateWidget())
    work_2 = forms.DateField(label=_("Make-up working day"), required=False, widget=DateWidget())
    work_3 = forms.DateField(label=_("Make-up working day"), required=False, widget=DateWidget())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dates = [data.get(k) for k in ("first_off", "last_off", *MAKE_UP_FIELDS)]
        if not any(dates):
            return data  # an unused row
        if not (data.get("name") or "").strip():
            self.add_error("name", _("Name the holiday."))
        first, last = data.get("first_off"), data.get("last_off")
        if first is None:
            self.add_error("first_off", _("Enter the first day off."))
        elif last is not None and last < first:
            self.add_error("last_off", _("The last day off is before the first."))
        elif last is not None and (last - first).days > 14:
            self.add_error("last_off", _("A holiday is at most 15 days long."))
        return data

    def period(self) -> HolidayPeriod | None:
        """The row as the service's ``HolidayPeriod`` (None for an unused row)."""
        data = self.cleaned_data
        if not data.get("first_off"):
            return None
        return HolidayPeriod(
            name=data["name"].strip(),
            first_off=data["first_off"],
            last_off=data.get("last_off") or data["first_off"],
            work_days=tuple(data[k] for k in MAKE_UP_FIELDS if data.get(k)),
        )


HolidayPeriodFormSet = forms.formset_factory(HolidayPeriodForm, extra=0, max_num=12)


def holiday_period_initial() -> list[dict[str, str]]:
    return [{"name": name} for name in NOTICE_HOLIDAYS] + [{"name": ""}]
