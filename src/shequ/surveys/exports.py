"""Rows of a response export: one line per respondent, answer codes beside their labels
(a repeated section's entries flattened into that line, see ``export_columns``).

Nothing that identifies a person is exported: no name, ID number, phone, invitation or
resident link, and no network address; only place, age band, sex, weight and answers.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from shequ.surveys.definition import entry_field
from shequ.surveys.models import (
    ANSWERLESS_TYPES,
    Answer,
    Choice,
    Question,
    QuestionType,
    Response,
    Survey,
)
from shequ.surveys.selectors import BreakdownRow, Results, responses_for
from shequ.surveys.statistics import Estimate

CHUNK = 2000
BASE_COLUMNS = [
    "response_id",
    "channel",
    "submitted_at",
    "district_code",
    "street_code",
    "community_code",
    "age_band",
    "sex",
    "weight",
    "score",
]


@dataclass(frozen=True)
class Column:
    header: str
    question: str = ""
    item: str = ""
    label: bool = False
    entry: int = 0


CODED_TYPES = (
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.LIKERT5,
    QuestionType.MATRIX,
)


def export_columns(survey: Survey, actor: Any = None) -> list[Column]:
    """Base columns, then per question its code (and label column for choice questions).

    A repeated section (a roster) is flattened into the respondent's row, as KoboToolbox's
    "wide" export does: its questions once per entry, headed ``section[1]/question``,
    ``section[2]/question``, ... (XLSForm's path notation; a choice question's label column
    is ``section[1]/question_label``). There are as many entries as the section's fixed
    count, else as the most any exported response gave (among the responses the ``actor``
    may read, or all complete ones); a response with fewer leaves the rest empty.
    """
    columns = [Column(name) for name in BASE_COLUMNS]
    seen: set[tuple[str, str]] = set()
    questions = Question.objects.filter(version__survey=survey).order_by(
        "-version__number", "position"
    )
    latest_version = questions.first()
    if latest_version is None:
        return columns
    latest = list(
        questions.filter(version_id=latest_version.version_id)
        .exclude(qtype__in=ANSWERLESS_TYPES)
        .select_related("section")
    )
    rosters: dict[int, list[Question]] = {}
    for q in latest:
        if q.section.repeat:
            rosters.setdefault(q.section_id, []).append(q)
    widths = _roster_widths(survey, actor, rosters)
    for q in latest:
        if q.section.repeat:
            if q is rosters[q.section_id][0]:
                # The whole roster goes where its first question is, entry by entry.
                columns.extend(
                    _roster_columns(q.section.name, rosters[q.section_id], widths[q.section_id])
                )
            continue
        keys = (
            [(q.name, item["name"]) for item in q.items]
            if q.qtype == QuestionType.MATRIX
            else [(q.name, "")]
        )
        for name, item in keys:
            if (name, item) in seen:
                continue
            seen.add((name, item))
            header = f"{name}.{item}" if item else name
            columns.append(Column(header, name, item))
            if q.qtype in CODED_TYPES:
                columns.append(Column(f"{header}_label", name, item, label=True))
    return columns


def _roster_widths(
    survey: Survey, actor: Any, rosters: dict[int, list[Question]]
) -> dict[int, int]:
    """How many entries each repeated section is exported with (at least one)."""
    if not rosters:
        return {}
    responses = (
        responses_for(actor, survey)
        if actor is not None
        else Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    )
    widths = {}
    for section_id, questions in rosters.items():
        fixed = questions[0].section.repeat_count
        if fixed.isascii() and fixed.isdigit():
            widths[section_id] = max(int(fixed), 1)
            continue
        most = Answer.objects.filter(
            response__in=responses, entry__gt=0, question__name__in=[q.name for q in questions]
        ).aggregate(most=Max("entry"))["most"]
        widths[section_id] = max(most or 0, 1)
    return widths


def _roster_columns(section: str, questions: list[Question], width: int) -> list[Column]:
    columns = []
    for entry in range(1, width + 1):
        for q in questions:
            header = entry_field(section, entry, q.name)
            columns.append(Column(header, q.name, entry=entry))
            if q.qtype in CODED_TYPES:
                columns.append(Column(f"{header}_label", q.name, label=True, entry=entry))
    return columns


def export_rows(
    actor: Any,
    survey: Survey,
    columns: list[Column],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list[Any]]:
    labels = {
        (c.choice_list_id, c.name): c.label_zh
        for c in Choice.objects.filter(choice_list__version__survey=survey)
    }
    list_of = dict(
        Question.objects.filter(version__survey=survey).values_list("id", "choice_list_id")
    )
    photo_questions = set(
        Question.objects.filter(version__survey=survey, qtype=QuestionType.IMAGE).values_list(
            "id", flat=True
        )
    )
    base = responses_for(actor, survey).order_by("id")
    total = base.count()
    done = 0
    last_id = 0
    while True:
        chunk = list(
            base.filter(id__gt=last_id).values_list(
                "id",
                "channel",
                "submitted_at",
                "district_code",
                "street_code",
                "community_code",
                "age_band",
                "sex",
                "weight",
                "score",
            )[:CHUNK]
        )
        if not chunk:
            break
        last_id = chunk[-1][0]
        answers: dict[int, dict[tuple[str, str, int], tuple[Any, int | None, int]]] = {}
        for (
            answer_id,
            response_id,
            qid,
            name,
            item,
            entry,
            text,
            number,
            chosen,
            day,
        ) in Answer.objects.filter(response_id__in=[row[0] for row in chunk]).values_list(
            "id",
            "response_id",
            "question_id",
            "question__name",
            "item",
            "entry",
            "value_text",
            "value_number",
            "value_choices",
            "value_date",
        ):
            value: Any = (
                chosen
                if chosen
                else (day.isoformat() if day else (number if number is not None else text))
            )
            if qid in photo_questions:
                # The photo itself stays on the server; the export links to the console view.
                value = reverse("surveys_console:photo", args=[survey.pk, answer_id])
            answers.setdefault(response_id, {})[(name, item, entry)] = (
                value,
                list_of.get(qid),
                qid,
            )
        for row in chunk:
            out: list[Any] = [
                row[0],
                row[1],
                row[2].isoformat() if row[2] else "",
                *row[3:8],
                round(row[8], 6) if row[8] is not None else "",
                round(row[9], 3) if row[9] is not None else "",
            ]
            mine = answers.get(row[0], {})
            for column in columns[len(BASE_COLUMNS) :]:
                found = mine.get((column.question, column.item, column.entry))
                if found is None:
                    out.append("")
                    continue
                value, list_id, _qid = found
                if column.label:
                    codes = value if isinstance(value, list) else [value]
                    out.append(" ".join(labels.get((list_id or 0, str(c)), "") for c in codes))
                else:
                    out.append(" ".join(value) if isinstance(value, list) else value)
            yield out
        done += len(chunk)
        if progress is not None:
            progress(done, total)


SUPPRESSED_FILL = PatternFill("solid", fgColor="D9D9D9")


def _ci(estimate: Estimate | None, scale: float = 1.0) -> list[float | None]:
    if estimate is None or estimate.value is None:
        return [None, None, None]
    return [
        round(v * scale, 2) if v is not None else None
        for v in (estimate.value, estimate.low, estimate.high)
    ]


def results_workbook(survey: Survey, results: Results, methods: list[str]) -> bytes:
    """The results tables as an Excel file: a summary sheet, then one sheet per level.

    Every row has its n; a suppressed cell (fewer respondents than the survey's smallest cell)
    shows no estimate, only a grey "suppressed" mark, as on the results page.
    """
    book = Workbook()
    summary = book.worksheets[0]
    summary.title = _("Summary")[:31]
    bold = Font(bold=True)
    summary.append([survey.title_zh])
    summary["A1"].font = bold
    header = [_("Measure"), "n", _("Estimate"), _("95% CI low"), _("95% CI high")]
    summary.append(header)
    summary.append([_("Satisfaction index"), results.n, *_ci(results.index)])
    summary.append([_("Recognition rate (%)"), results.n, *_ci(results.recognition, scale=100.0)])
    if results.bootstrap:
        summary.append(
            [_("Index, bootstrap 95% CI"), results.n, None, *map(float, results.bootstrap)]
        )
    summary.append([])
    summary.append([_("Methods")])
    for line in methods:
        summary.append([str(line)])
    titles = {
        "district": _("By district"),
        "street": _("By street"),
        "community": _("By community"),
    }
    for level, rows in results.breakdowns.items():
        sheet = book.create_sheet(str(titles.get(level, level))[:31])
        sheet.append(
            [
                _("Code"),
                _("Area"),
                "n",
                _("Index"),
                _("95% CI low"),
                _("95% CI high"),
                _("Recognition rate (%)"),
                _("95% CI low"),
                _("95% CI high"),
                _("Note"),
            ]
        )
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append(_breakdown_line(row, survey.min_cell_size))
            if row.suppressed:
                for cell in sheet[sheet.max_row]:
                    cell.fill = SUPPRESSED_FILL
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _breakdown_line(row: BreakdownRow, min_cell: int) -> list[Any]:
    if row.suppressed:
        note = _("suppressed: fewer than %(m)s respondents") % {"m": min_cell}
        return [row.code, row.name, row.n, *[None] * 6, note]
    return [
        row.code,
        row.name,
        row.n,
        *_ci(row.index),
        *_ci(row.recognition, scale=100.0),
        "",
    ]
