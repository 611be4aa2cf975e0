"""Answers checked against a version: types, choices, show-if rules, constraints, required,
the entries of repeated sections; the unsaved Answer rows and the respondent's score, and a
saved response's answers read back in the same shape.
"""

import re
from collections.abc import Mapping
from datetime import date
from math import isfinite
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.pii import mask_numbers_in_text, mask_phone
from shequ.surveys.definition import entry_count, entry_field
from shequ.surveys.expressions import (
    evaluate_constraint,
    evaluate_relevant,
    parse_constraint,
    parse_relevant,
)
from shequ.surveys.models import (
    ANSWERLESS_TYPES,
    MAX_ENTRIES,
    Answer,
    Choice,
    Question,
    QuestionType,
    Response,
    Section,
    SurveyVersion,
)
from shequ.surveys.services.photos import BadPhoto, KeptPhoto, NewPhoto

TEXT_MAX = 2000


# Markup or script in a free-text answer is refused, not escaped and stored.
MARKUP_RE = re.compile(r"<\s*[A-Za-z/!]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)


class AnswersInvalid(DomainError):
    """Every answer that breaks a rule, each under its question's name."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(
            "answers_invalid",
            _("Some answers need attention: %(first)s"),
            first=str(errors[0]) if errors else "",
        )
        self.errors = errors


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value.strip())
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if isfinite(number) else None


class VersionQuestions:
    """A version's sections and questions with their choice names, loaded in three queries."""

    def __init__(self, version: SurveyVersion) -> None:
        self.version = version
        self.sections = list(Section.objects.filter(version=version).order_by("position"))
        self.questions = list(Question.objects.filter(version=version).order_by("position"))
        self.section_of = {s.pk: s for s in self.sections}
        self.choices: dict[int, list[str]] = {}
        for list_id, name in (
            Choice.objects.filter(choice_list__version=version)
            .order_by("choice_list_id", "position")
            .values_list("choice_list_id", "name")
        ):
            self.choices.setdefault(list_id, []).append(name)

    def choices_of(self, question: Question) -> list[str]:
        return self.choices.get(question.choice_list_id or 0, [])

    def parts(self) -> list[tuple[Section, list[Question]]]:
        """Each section with its questions, in the questionnaire's order."""
        by_section: dict[int, list[Question]] = {s.pk: [] for s in self.sections}
        for question in self.questions:
            by_section[question.section_id].append(question)
        return [(s, by_section[s.pk]) for s in self.sections]


def _clean_value(
    question: Question, value: Any, choices: list[str], *, field: str | None = None
) -> tuple[Any, DomainError | None]:
    name = field or question.name
    qtype = question.qtype

    def bad(code: str, message: Any) -> tuple[Any, DomainError]:
        return None, DomainError(code, message, field=name)

    if qtype in (QuestionType.SINGLE, QuestionType.LIKERT5):
        text = str(value)
        if text not in choices:
            return bad("not_a_choice", _("Choose one of the options."))
        return text, None
    if qtype == QuestionType.MULTIPLE:
        items = value if isinstance(value, list) else str(value).split()
        items = [str(i) for i in items]
        if len(set(items)) != len(items) or any(i not in choices for i in items):
            return bad("not_a_choice", _("Choose among the options, each once."))
        return items, None
    if qtype in (QuestionType.RATING10, QuestionType.RATING100):
        number = _as_int(value)
        top = 10 if qtype == QuestionType.RATING10 else 100
        if number is None or not 0 <= number <= top:
            return bad("out_of_range", _("Give a whole number from 0 to %(top)s.") % {"top": top})
        return number, None
    if qtype == QuestionType.INTEGER:
        number = _as_int(value)
        if number is None:
            return bad("not_integer", _("Give a whole number."))
        return number, None
    if qtype == QuestionType.DECIMAL:
        real = _as_float(value)
        if real is None:
            return bad("not_number", _("Give a number."))
        return real, None
    if qtype == QuestionType.DATE:
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value).strip()), None
        except ValueError:
            return bad("not_date", _("Give a date as YYYY-MM-DD."))
    if qtype == QuestionType.TEXT:
        if not isinstance(value, str | int | float):
            return bad("not_text", _("Give text."))
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            return bad("text_too_long", _("At most %(n)s characters.") % {"n": TEXT_MAX})
        if MARKUP_RE.search(text):
            return bad("text_markup", _("Text answers may not contain markup or script."))
        return text, None
    if qtype == QuestionType.GEOPOINT:
        point = parse_geopoint(value)
        if point is None:
            return bad(
                "not_location",
                _("Give a location as latitude and longitude (e.g. 30.66 104.07)."),
            )
        return format_geopoint(*point), None
    if qtype == QuestionType.IMAGE:
        if isinstance(value, NewPhoto | KeptPhoto):
            return value, None
        if isinstance(value, BadPhoto):
            return bad(value.code, value.message)
        return bad("not_photo", _("Take or choose a photo (JPEG, PNG, WebP or HEIC)."))
    if qtype == QuestionType.PHONE:
        text = str(value).strip() if isinstance(value, str | int) else ""
        if not PHONE_RE.fullmatch(text) or not 3 <= sum(c.isdigit() for c in text) <= 20:
            return bad("not_phone", _("Give a phone number (digits, spaces, + and - only)."))
        return text, None
    if qtype == QuestionType.MATRIX:
        if not isinstance(value, Mapping):
            return bad("not_matrix", _("Answer each row of the table."))
        rows = {item["name"] for item in question.items}
        cleaned = {}
        for item, choice in value.items():
            if item not in rows:
                return bad("unknown_row", _("This table has no such row."))
            if _empty(choice):
                continue
            if str(choice) not in choices:
                return bad("not_a_choice", _("Choose one of the options."))
            cleaned[item] = str(choice)
        return cleaned, None
    return bad("bad_type", _("Unsupported question."))


PHONE_RE = re.compile(r"\+?[\d\s()-]{3,30}")


def parse_geopoint(value: Any) -> tuple[float, float] | None:
    """(latitude, longitude) from ODK's ``"lat lon [altitude accuracy]"`` text, a
    ``[lat, lon]`` list or a ``{"lat": .., "lon": ..}`` mapping; None if it is not one."""
    if isinstance(value, Mapping):
        parts: list[Any] = [value.get("lat"), value.get("lon")]
    elif isinstance(value, list | tuple):
        parts = list(value)[:2]
    elif isinstance(value, str):
        parts = value.replace(",", " ").split()[:2]
    else:
        return None
    if len(parts) != 2:
        return None
    lat, lon = (_as_float(p) for p in parts)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def format_geopoint(lat: float, lon: float) -> str:
    """The stored form of a location: ODK's "lat lon", 7 decimals (about 1 cm)."""

    def decimal(x: float) -> str:
        return f"{x:.7f}".rstrip("0").rstrip(".")

    return f"{decimal(lat)} {decimal(lon)}"


def _position_score(choice: str, choices: list[str]) -> float:
    return choices.index(choice) / (len(choices) - 1) * 100 if len(choices) > 1 else 100.0


def _in_entry(error: DomainError, index: int) -> DomainError:
    """``error`` saying which entry it is about ("第 2 项: ...")."""
    return DomainError(
        error.code, _("Entry %(n)s: %(message)s"), field=error.field, n=index, message=error
    )


def _answer_clean(
    question: Question,
    raw: Any,
    choices: list[str],
    shown: Mapping[str, Any],
    *,
    field: str,
    submit: bool,
) -> tuple[Any, DomainError | None]:
    """One answer checked: (value, None), (None, None) when there is none to keep (hidden,
    empty, a note), or (None, the error)."""
    if question.qtype in ANSWERLESS_TYPES:
        if not _empty(raw):
            return None, DomainError(
                "no_answer", _("This is a note; it takes no answer."), field=field
            )
        return None, None
    if not evaluate_relevant(parse_relevant(question.relevant), shown):
        return None, None
    if isinstance(raw, Mapping):
        raw = {k: v for k, v in raw.items() if not _empty(v)}
    if _empty(raw):
        if submit and question.required:
            return None, DomainError("required", _("This question needs an answer."), field=field)
        return None, None
    value, error = _clean_value(question, raw, choices, field=field)
    if error is None and question.constraint:
        checked = value
        if not evaluate_constraint(parse_constraint(question.constraint), checked):
            error = DomainError(
                "constraint",
                _("This answer is outside the allowed values."),
                field=field,
            )
    if (
        error is None
        and question.qtype == QuestionType.MATRIX
        and submit
        and question.required
        and len(value) != len(question.items)
    ):
        error = DomainError("required", _("Answer every row of the table."), field=field)
    if error is not None:
        return None, error
    return value, None


def _answer_rows(
    question: Question, value: Any, choices: list[str]
) -> tuple[list[Answer], float | None]:
    """The unsaved Answer rows of one checked answer, and its 0–100 score if it is scored."""
    rows: list[Answer] = []
    score = None
    if question.qtype == QuestionType.MATRIX:
        scores = []
        for item, choice in value.items():
            item_score = _position_score(choice, choices)
            scores.append(item_score)
            rows.append(Answer(question=question, item=item, value_text=choice, score=item_score))
        return rows, (sum(scores) / len(scores) if scores else None)
    answer = Answer(question=question)
    if question.qtype == QuestionType.LIKERT5:
        score = _position_score(value, choices)
        answer.value_text = value
    elif question.qtype == QuestionType.SINGLE:
        answer.value_text = value
    elif question.qtype == QuestionType.MULTIPLE:
        answer.value_choices = value
    elif question.qtype in (QuestionType.RATING10, QuestionType.RATING100):
        answer.value_number = float(value)
        score = value * 10.0 if question.qtype == QuestionType.RATING10 else float(value)
    elif question.qtype in (QuestionType.INTEGER, QuestionType.DECIMAL):
        answer.value_number = float(value)
    elif question.qtype == QuestionType.DATE:
        answer.value_date = value
    elif question.qtype == QuestionType.IMAGE:
        answer.value_text = value.name
    elif question.qtype == QuestionType.PHONE:
        # Any number, a landline or a foreign one too: only its shape is kept, never the
        # digits that would reach the person.
        digits = "".join(c for c in str(value) if c.isdigit())
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]  # +86, China's country code, before a mainland number
        answer.value_text = mask_phone(digits)
    else:
        # Checked as typed (a constraint may test the shape of a number); kept with
        # any ID or mobile number in it masked.
        answer.value_text = mask_numbers_in_text(str(value))
    answer.score = score
    return [answer], score


def _empty_entry(entry: Mapping[str, Any]) -> bool:
    return all(_empty(value) for value in entry.values())


def _entries_clean(
    questions: VersionQuestions,
    section: Section,
    section_questions: list[Question],
    raw: Any,
    shown: Mapping[str, Any],
    errors: list[DomainError],
    *,
    submit: bool,
) -> list[Answer]:
    """A repeated section's entries, each checked like a questionnaire of its own (its
    show-if rules see the entry's answers and those outside the section); problems are
    added to ``errors`` naming the entry."""
    name = section.name
    entries = [] if _empty(raw) else raw
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        errors.append(
            DomainError(
                "not_entries",
                _("Give the entries as a list, one set of answers for each entry."),
                field=name,
            )
        )
        return []
    expected = entry_count(section.repeat_count, shown)
    if expected is not None and expected > MAX_ENTRIES:
        errors.append(
            DomainError(
                "too_many_entries",
                _("At most %(n)s entries can be collected here."),
                field=name,
                n=MAX_ENTRIES,
            )
        )
        return []
    limit = MAX_ENTRIES if expected is None else expected
    given = max((i for i, e in enumerate(entries, start=1) if not _empty_entry(e)), default=0)
    if given > limit:
        errors.append(
            DomainError(
                "too_many_entries",
                _("This part takes at most %(n)s entries; %(given)s were given."),
                field=name,
                n=limit,
                given=given,
            )
        )
        return []
    entries = list(entries[:limit])
    if expected is not None:
        entries += [{}] * (expected - len(entries))
    applies = any(
        evaluate_relevant(parse_relevant(q.relevant), shown)
        for q in section_questions
        if q.qtype not in ANSWERLESS_TYPES
    )
    if (
        submit
        and section.required
        and expected is None
        and applies
        and all(_empty_entry(e) for e in entries)
    ):
        errors.append(DomainError("entries_required", _("Add at least one entry."), field=name))
    known = {q.name for q in section_questions}
    rows: list[Answer] = []
    for index, entry in enumerate(entries, start=1):
        for key in entry:
            if key not in known:
                errors.append(
                    _in_entry(
                        DomainError(
                            "unknown_question",
                            _("No such question."),
                            field=entry_field(name, index, str(key)),
                        ),
                        index,
                    )
                )
        values = dict(shown)
        for question in section_questions:
            choices = questions.choices_of(question)
            value, error = _answer_clean(
                question,
                entry.get(question.name),
                choices,
                values,
                field=entry_field(name, index, question.name),
                submit=submit,
            )
            if error is not None:
                errors.append(_in_entry(error, index))
                continue
            if value is None:
                continue
            values[question.name] = value
            entry_rows, _score = _answer_rows(question, value, choices)
            for row in entry_rows:
                row.entry = index
            rows.extend(entry_rows)
    return rows


def answers_clean(
    questions: VersionQuestions, answers: Mapping[str, Any], *, submit: bool
) -> tuple[list[Answer], float | None]:
    """Validate answers against the version; unsaved Answer rows and the respondent's score.

    Answers to questions the skip logic hides are dropped; required applies on submit only.
    A repeated section's answers are a list of entries under the section's name, each a
    mapping of its questions' answers (``{"household_member": [{"age": 40}, ...]}``).
    Raises: AnswersInvalid listing every problem.
    """
    errors: list[DomainError] = []
    parts = questions.parts()
    known = {
        name
        for section, section_questions in parts
        for name in ([section.name] if section.repeat else [q.name for q in section_questions])
    }
    for name in answers:
        if name not in known:
            errors.append(DomainError("unknown_question", _("No such question."), field=name))
    shown_values: dict[str, Any] = {}
    rows: list[Answer] = []
    weighted = total_weight = 0.0
    for section, section_questions in parts:
        if section.repeat:
            rows.extend(
                _entries_clean(
                    questions,
                    section,
                    section_questions,
                    answers.get(section.name),
                    shown_values,
                    errors,
                    submit=submit,
                )
            )
            continue
        for question in section_questions:
            choices = questions.choices_of(question)
            value, error = _answer_clean(
                question,
                answers.get(question.name),
                choices,
                shown_values,
                field=question.name,
                submit=submit,
            )
            if error is not None:
                errors.append(error)
                continue
            if value is None:
                continue
            shown_values[question.name] = value
            answer_rows, score = _answer_rows(question, value, choices)
            rows.extend(answer_rows)
            if score is not None and question.score_weight > 0:
                weighted += question.score_weight * score
                total_weight += question.score_weight
    if errors:
        raise AnswersInvalid(errors)
    return rows, (weighted / total_weight if total_weight > 0 else None)


def _answer_value(answer: Answer) -> Any:
    if answer.question.qtype == QuestionType.MULTIPLE:
        return answer.value_choices
    if answer.value_date is not None:
        return answer.value_date.isoformat()
    if answer.value_number is not None:
        number = answer.value_number
        return int(number) if number.is_integer() else number
    return answer.value_text


def response_answers(response: Response) -> dict[str, Any]:
    """A saved response's answers in the shape the services accept (to resume)."""
    values: dict[str, Any] = {}
    entries: dict[str, dict[int, dict[str, Any]]] = {}
    for answer in response.answers.select_related("question__section"):
        question = answer.question
        target = values
        if answer.entry:
            target = entries.setdefault(question.section.name, {}).setdefault(answer.entry, {})
        if question.qtype == QuestionType.MATRIX:
            target.setdefault(question.name, {})[answer.item] = answer.value_text
        else:
            target[question.name] = _answer_value(answer)
    for name, by_index in entries.items():
        # An entry left empty has no rows; it keeps its place so the others keep their number.
        values[name] = [by_index.get(i, {}) for i in range(1, max(by_index) + 1)]
    return values
