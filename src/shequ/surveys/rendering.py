"""The questionnaire as the answer page shows it: sections, questions, choices, errors.

A repeated section (a roster) shows one block per entry, numbered from 1, and a blank block
the page's script copies when the respondent adds one; without the script the add and
remove buttons re-show the page from the server.
"""

from typing import Any

from django.utils.translation import get_language

from shequ.core.errors import DomainError
from shequ.surveys.definition import entry_count, entry_field, repeat_count_of
from shequ.surveys.forms import entries_key, entry_prefix
from shequ.surveys.models import (
    KEEP_PHOTO,
    MAX_ENTRIES,
    Choice,
    Question,
    QuestionType,
    Section,
    SurveyVersion,
)

# The number the page's script puts in place of this in a copied blank entry.
ENTRY_PLACEHOLDER = "__N__"


def questionnaire(
    version: SurveyVersion, values: dict[str, Any], errors: list[DomainError]
) -> list[dict[str, Any]]:
    """Sections with their questions, labels in the current language, values and errors."""
    language = get_language() or "zh-hans"
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field or "", []).append(str(error))
    choices: dict[int, list[dict[str, str]]] = {}
    for choice in Choice.objects.filter(choice_list__version=version).order_by("position"):
        choices.setdefault(choice.choice_list_id, []).append(
            {"name": choice.name, "label": choice.label(language)}
        )
    sections = list(Section.objects.filter(version=version))
    questions: dict[int, list[Question]] = {s.pk: [] for s in sections}
    for question in Question.objects.filter(version=version).order_by("position"):
        questions[question.section_id].append(question)

    def shown(question: Question, value: Any, prefix: str, tid: str, field: str) -> dict[str, Any]:
        return _question_view(
            question,
            value,
            language=language,
            choices=choices.get(question.choice_list_id or 0, []),
            key=f"{prefix}q_{question.name}",
            tid=tid,
            errors=by_field.get(field, []),
        )

    out = []
    for section in sections:
        view: dict[str, Any] = {
            "label": section.label(language),
            "name": section.name,
            "repeat": section.repeat,
        }
        if not section.repeat:
            view["questions"] = [
                shown(q, values.get(q.name), "", q.name, q.name) for q in questions[section.pk]
            ]
            out.append(view)
            continue
        given = values.get(section.name)
        entries = [e for e in given if isinstance(e, dict)] if isinstance(given, list) else []
        count = entry_count(section.repeat_count, values)
        if count is not None:
            count = min(count, MAX_ENTRIES)
            entries = entries[:count] + [{}] * (count - len(entries))

        def block(number: int | str, entry: dict[str, Any], section: Section = section) -> Any:
            prefix = entry_prefix(number) if isinstance(number, int) else f"e{number}-"
            return {
                "number": number,
                "prefix": prefix,
                "questions": [
                    {
                        **shown(
                            q,
                            entry.get(q.name),
                            prefix,
                            f"{q.name}-{number}",
                            entry_field(section.name, number, q.name)
                            if isinstance(number, int)
                            else "",
                        ),
                        "keep": _keep_token(entry.get(q.name), number),
                    }
                    for q in questions[section.pk]
                ],
            }

        try:
            source = repeat_count_of(section.repeat_count)
        except ValueError:
            source = None
        view.update(
            entries=[block(i, entry) for i, entry in enumerate(entries, start=1)],
            blank=block(ENTRY_PLACEHOLDER, {}),
            entries_key=entries_key(section.name),
            free=count is None,
            can_add=count is None and len(entries) < MAX_ENTRIES,
            count_from=source if isinstance(source, str) else "",
            max=MAX_ENTRIES,
            errors=by_field.get(section.name, []),
        )
        out.append(view)
    return out


def _question_view(
    question: Question,
    value: Any,
    *,
    language: str,
    choices: list[dict[str, str]],
    key: str,
    tid: str,
    errors: list[str],
) -> dict[str, Any]:
    """One question as the template shows it; ``key`` names its inputs, ``tid`` its test ids."""
    return {
        "q": question,
        "key": key,
        "tid": tid,
        "label": question.label(language),
        "choices": choices,
        "items": [
            {
                "name": item["name"],
                "label": item.get("label_en")
                if language.startswith("en") and item.get("label_en")
                else item["label_zh"],
                "value": (value or {}).get(item["name"], "") if isinstance(value, dict) else "",
            }
            for item in question.items
        ],
        "value": "" if value is None or isinstance(value, dict) else value,
        "point": _point_parts(value) if question.qtype == QuestionType.GEOPOINT else None,
        # A photo already stored (or kept) for this response: the page offers to keep it.
        "has_photo": question.qtype == QuestionType.IMAGE
        and isinstance(value, str)
        and bool(value),
        "values": value if isinstance(value, list) else [],
        "errors": errors,
    }


def _keep_token(value: Any, number: int | str) -> str:
    """What an entry's "keep the photo" input sends: the entry the photo was stored under
    (kept through a removal of an earlier entry), which the service looks up itself."""
    if isinstance(value, str) and value.startswith(KEEP_PHOTO):
        return value.removeprefix(KEEP_PHOTO) or str(number)
    return str(number)


def _point_parts(value: Any) -> dict[str, str]:
    """A location answer ("lat lon", as stored or as typed) split for its two inputs."""
    parts = str(value or "").split()
    return {"lat": parts[0] if parts else "", "lon": parts[1] if len(parts) > 1 else ""}
