"""The XLSForm expression subset we accept for ``relevant`` (show if) and ``constraint``.

relevant:   ``${q} = 'v'``, ``${q} != 'v'``, ``${q} >= 3`` (=, !=, <, <=, >, >=),
            ``selected(${q}, 'v')``, clauses joined by `` and `` / `` or `` (not mixed).
constraint: ``. >= 0 and . <= 120``, ``string-length(.) <= 200``,
            ``. <= today()``, ``. >= date('2000-01-01')``.

Anything else is refused at import or edit time with a clear error, so a form never holds an
expression it cannot evaluate.
"""

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

_COMPARE = re.compile(r"^\$\{(?P<name>[A-Za-z_][\w.-]*)\}\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<v>.+)$")
_SELECTED = re.compile(r"^selected\(\s*\$\{(?P<name>[A-Za-z_][\w.-]*)\}\s*,\s*'(?P<v>[^']*)'\s*\)$")
_SELF = re.compile(r"^(?P<lhs>\.|string-length\(\s*\.\s*\))\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<v>.+)$")
_DATE = re.compile(r"^date\(\s*'(\d{4}-\d{2}-\d{2})'\s*\)$")


class ExpressionError(ValueError):
    """An expression outside the subset; the message says which part."""


@dataclass(frozen=True)
class Clause:
    name: str  # question name, "." for the answer itself, "length" for string-length(.)
    op: str  # an OPERATORS key, or "selected"
    value: Any


@dataclass(frozen=True)
class Expression:
    clauses: tuple[Clause, ...]
    joiner: str  # "and" | "or"

    @property
    def names(self) -> set[str]:
        return {c.name for c in self.clauses if c.name not in (".", "length")}


def _split(text: str) -> tuple[list[str], str]:
    has_and = re.search(r"\s+and\s+", text) is not None
    has_or = re.search(r"\s+or\s+", text) is not None
    if has_and and has_or:
        raise ExpressionError("mixing 'and' with 'or' is not supported")
    joiner = "or" if has_or else "and"
    return [part.strip() for part in re.split(rf"\s+{joiner}\s+", text)], joiner


def _literal(raw: str) -> Any:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    if raw == "today()":
        return "today()"
    match = _DATE.match(raw)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError as exc:
            raise ExpressionError(f"not a date: {raw}") from exc
    try:
        return float(raw)
    except ValueError as exc:
        raise ExpressionError(f"not a value: {raw}") from exc


def parse_relevant(text: str) -> Expression | None:
    """Raises: ExpressionError."""
    text = text.strip()
    if not text:
        return None
    parts, joiner = _split(text)
    clauses = []
    for part in parts:
        selected = _SELECTED.match(part)
        if selected:
            clauses.append(Clause(selected["name"], "selected", selected["v"]))
            continue
        compare = _COMPARE.match(part)
        if not compare:
            raise ExpressionError(f"cannot read: {part}")
        clauses.append(Clause(compare["name"], compare["op"], _literal(compare["v"])))
    return Expression(tuple(clauses), joiner)


def parse_constraint(text: str) -> Expression | None:
    """Raises: ExpressionError."""
    text = text.strip()
    if not text:
        return None
    parts, joiner = _split(text)
    clauses = []
    for part in parts:
        match = _SELF.match(part)
        if not match:
            raise ExpressionError(f"cannot read: {part}")
        name = "." if match["lhs"] == "." else "length"
        clauses.append(Clause(name, match["op"], _literal(match["v"])))
    return Expression(tuple(clauses), joiner)


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None:
        return False
    if right == "today()":
        right = date.today()  # noqa: DTZ011 - a calendar date in the server's zone is meant
    if isinstance(right, float) and not isinstance(left, float | int):
        try:
            left = float(left)
        except (TypeError, ValueError):
            return False
    if isinstance(right, str) and not isinstance(left, str):
        left = str(left) if not isinstance(left, float) or not left.is_integer() else str(int(left))
    try:
        return OPERATORS[op](left, right)
    except TypeError:
        return False


def evaluate_relevant(expression: Expression | None, answers: Mapping[str, Any]) -> bool:
    """True when the question is shown, given the earlier answers ({name: value})."""
    if expression is None:
        return True
    results = []
    for clause in expression.clauses:
        value = answers.get(clause.name)
        if clause.op == "selected":
            chosen = value if isinstance(value, list) else [value]
            results.append(clause.value in chosen)
        else:
            results.append(_compare(value, clause.op, clause.value))
    return all(results) if expression.joiner == "and" else any(results)


def evaluate_constraint(expression: Expression | None, value: Any) -> bool:
    if expression is None:
        return True
    results = []
    for clause in expression.clauses:
        left = len(value) if clause.name == "length" and isinstance(value, str) else value
        results.append(_compare(left, clause.op, clause.value))
    return all(results) if expression.joiner == "and" else any(results)
