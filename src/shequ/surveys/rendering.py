"""The questionnaire as the answer page shows it: sections, questions, choices, errors."""

from typing import Any

from django.utils.translation import get_language

from shequ.core.errors import DomainError
from shequ.surveys.models import Choice, Question, QuestionType, Section, SurveyVersion


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
    sections: dict[int, dict[str, Any]] = {
        s.pk: {"label": s.label(language), "questions": []}
        for s in Section.objects.filter(version=version)
    }
    for question in Question.objects.filter(version=version).order_by("position"):
        value = values.get(question.name)
        sections[question.section_id]["questions"].append(
            {
                "q": question,
                "label": question.label(language),
                "choices": choices.get(question.choice_list_id or 0, []),
                "items": [
                    {
                        "name": item["name"],
                        "label": item.get("label_en")
                        if language.startswith("en") and item.get("label_en")
                        else item["label_zh"],
                        "value": (value or {}).get(item["name"], "")
                        if isinstance(value, dict)
                        else "",
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
                "errors": by_field.get(question.name, []),
            }
        )
    return list(sections.values())


def _point_parts(value: Any) -> dict[str, str]:
    """A location answer ("lat lon", as stored or as typed) split for its two inputs."""
    parts = str(value or "").split()
    return {"lat": parts[0] if parts else "", "lon": parts[1] if len(parts) > 1 else ""}
