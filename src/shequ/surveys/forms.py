"""Forms of the survey pages, and reading a filled questionnaire from a POST."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.surveys.models import (
    CHOICE_TYPES,
    KEEP_PHOTO,
    MAX_ENTRIES,
    AgeBand,
    Question,
    QuestionType,
    SamplingPlan,
)


class OwnerAreaMixin(forms.Form):
    """The owner area is chosen from the officer's own areas and the divisions just below."""

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["division_code"]
        if isinstance(field, forms.ChoiceField):
            field.choices = areas


class SurveyCreateForm(OwnerAreaMixin, StyledForm):
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    series = forms.CharField(label=_("Series key"), max_length=60)
    wave = forms.IntegerField(label=_("Wave"), min_value=1, max_value=999, initial=1)
    division_code = forms.ChoiceField(label=_("Owner area"))


class XLSFormImportForm(OwnerAreaMixin, StyledForm):
    file = forms.FileField(label=_("XLSForm file (.xlsx)"))
    series = forms.CharField(label=_("Series key"), max_length=60, required=False)
    wave = forms.IntegerField(label=_("Wave"), min_value=1, max_value=999, initial=1)
    division_code = forms.ChoiceField(label=_("Owner area"))
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False)


class QuestionFields(StyledForm):
    """What a question says and checks; adding and editing share these fields."""

    name = forms.CharField(label=_("Question name"), max_length=60)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=500)
    label_en = forms.CharField(label=_("Label (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    relevant = forms.CharField(
        label=_("Show if (e.g. ${q1} = 'yes')"), max_length=300, required=False
    )
    constraint = forms.CharField(
        label=_("Constraint (e.g. . >= 0 and . <= 120)"), max_length=300, required=False
    )
    choices = forms.CharField(
        label=_("Choices, one per line: name|中文|English"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    items = forms.CharField(
        label=_("Matrix rows, one per line: name|中文|English"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    score_weight = forms.FloatField(label=_("Index weight"), initial=0, min_value=0)


class QuestionAddForm(QuestionFields):
    section = forms.CharField(label=_("Section"), max_length=60, initial="main")
    qtype = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    field_order = ["section", "name", "qtype"]


class QuestionEditForm(QuestionFields):
    """One question's editable parts (its type stays; delete and add to change it)."""

    def __init__(self, *args: Any, qtype: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if qtype not in CHOICE_TYPES:
            del self.fields["choices"]
        if qtype != QuestionType.MATRIX:
            del self.fields["items"]


class SectionForm(StyledForm):
    section_name = forms.CharField(label=_("Section name"), max_length=60)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=200, required=False)
    repeat = forms.BooleanField(label=_("Repeated (one entry per person or item)"), required=False)
    repeat_count = forms.CharField(
        label=_("Number of entries (e.g. 3 or ${household_size}; blank: the respondent adds)"),
        max_length=80,
        required=False,
    )
    required = forms.BooleanField(label=_("At least one entry"), required=False)


def unparse_lines(rows: list[tuple[str, str, str]]) -> str:
    """The inverse of ``parse_lines``: one ``name|中文|English`` line per row."""
    return "\n".join("|".join(row).rstrip("|") for row in rows)


def parse_lines(text: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if parts and parts[0]:
            rows.append(
                (
                    parts[0],
                    parts[1] if len(parts) > 1 else parts[0],
                    parts[2] if len(parts) > 2 else "",
                )
            )
    return rows


class SettingsForm(StyledForm):
    recognition_threshold = forms.FloatField(label=_("Recognition threshold (0–100)"))
    min_cell_size = forms.IntegerField(label=_("Smallest cell shown"))
    open_link_enabled = forms.BooleanField(label=_("Open link enabled"), required=False)
    open_link_daily_limit = forms.IntegerField(
        label=_("Open-link answers per network per day"), min_value=1, max_value=1000
    )


class PlanForm(StyledForm):
    target_n = forms.IntegerField(label=_("Target sample size"), min_value=1, max_value=1_000_000)
    stratum_level = forms.ChoiceField(label=_("Strata"), choices=SamplingPlan.Level.choices)
    min_per_stratum = forms.IntegerField(label=_("Minimum per stratum"), min_value=0, initial=30)
    seed = forms.IntegerField(label=_("Random seed"), initial=2018)


class OpenProfileForm(StyledForm):
    """Age group and sex on the open link; the community comes from the place picker."""

    age_band = forms.ChoiceField(label=_("Age group"), choices=[("", "—"), *AgeBand.choices])
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", "—"), ("F", _("Female")), ("M", _("Male"))]
    )


def entry_prefix(index: int) -> str:
    """What the inputs of entry ``index`` of a repeated section are prefixed with
    (``e2-q_age``); question names are unique in a questionnaire, so no section is needed."""
    return f"e{index}-"


def entries_key(section: str) -> str:
    """The hidden inputs listing which entry blocks of ``section`` the page sent, in order."""
    return f"r_{section}"


def answers_from_post(
    questions: list[Question], data: QueryDict, files: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The questionnaire's inputs as the answers the services take (strings are coerced there).

    A photo question gives its upload, else the "keep the photo sent before" marker when the
    page showed one (the service looks that photo up itself). A repeated section gives the
    list of its entries, one per entry block the page sent (``section.repeat`` is read, so
    pass the questions with their sections).
    """
    answers: dict[str, Any] = {}
    repeated: dict[str, list[Question]] = {}
    for question in questions:
        if question.section.repeat:
            repeated.setdefault(question.section.name, []).append(question)
        else:
            _read_answer(question, "", data, files or {}, answers)
    for section, section_questions in repeated.items():
        entries = []
        for block in data.getlist(entries_key(section))[:MAX_ENTRIES]:
            if not block.isascii() or not block.isdigit():
                continue
            entry: dict[str, Any] = {}
            for question in section_questions:
                _read_answer(question, entry_prefix(int(block)), data, files or {}, entry)
            entries.append(entry)
        answers[section] = entries
    return answers


def _read_answer(
    question: Question,
    prefix: str,
    data: QueryDict,
    files: Mapping[str, Any],
    answers: dict[str, Any],
) -> None:
    key = f"{prefix}q_{question.name}"
    if question.qtype == QuestionType.IMAGE:
        upload = files.get(key)
        keep = data.get(f"{key}__keep", "")
        if upload:
            answers[question.name] = upload
        elif prefix and keep.isascii() and keep.isdigit():
            # Which entry's stored photo: entries may have been removed since it was sent.
            answers[question.name] = f"{KEEP_PHOTO}{keep}"
        elif keep == "1":
            answers[question.name] = KEEP_PHOTO
        return
    if question.qtype == QuestionType.MULTIPLE:
        values = data.getlist(key)
        if values:
            answers[question.name] = values
    elif question.qtype == QuestionType.MATRIX:
        rows = {item["name"]: data.get(f"{key}__{item['name']}", "") for item in question.items}
        if any(rows.values()):
            answers[question.name] = rows
    elif question.qtype == QuestionType.NOTE:
        return
    elif question.qtype == QuestionType.GEOPOINT:
        # Two inputs (filled by hand or by the phone's location); the service checks them.
        lat = data.get(f"{key}__lat", "").strip()
        lon = data.get(f"{key}__lon", "").strip()
        if lat or lon:
            answers[question.name] = f"{lat} {lon}"
    else:
        value = data.get(key, "").strip()
        if value:
            answers[question.name] = value


ADD_ENTRY = "add:"
REMOVE_ENTRY = "remove:"
SHOW_ENTRIES = "entries"


def is_entry_action(action: str) -> bool:
    """The buttons that change a repeated section's entries (they re-show the page, so the
    questionnaire works without JavaScript; nothing is saved)."""
    return action == SHOW_ENTRIES or action.startswith((ADD_ENTRY, REMOVE_ENTRY))


def entries_changed(
    answers: dict[str, Any], action: str, questions: list[Question]
) -> dict[str, Any]:
    """The answers with one entry added to ``add:<section>`` or entry n removed from
    ``remove:<section>:<n>``; only sections whose entries the respondent decides (no count)
    take these buttons."""
    free = {q.section.name for q in questions if q.section.repeat and not q.section.repeat_count}
    changed = dict(answers)
    if action.startswith(ADD_ENTRY):
        section = action.removeprefix(ADD_ENTRY)
        entries = list(changed.get(section) or [])
        if section in free and len(entries) < MAX_ENTRIES:
            changed[section] = [*entries, {}]
    elif action.startswith(REMOVE_ENTRY):
        section, _sep, number = action.removeprefix(REMOVE_ENTRY).rpartition(":")
        entries = list(changed.get(section) or [])
        if section in free and number.isascii() and number.isdigit():
            index = int(number) - 1
            if 0 <= index < len(entries):
                del entries[index]
                changed[section] = entries
    return changed
