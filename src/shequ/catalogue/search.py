"""Chinese full-text search: jieba tokens, colloquial synonyms, ranked, highlighted.

One interface over two engines: SQLite FTS5 (bm25) and PostgreSQL tsvector (ts_rank),
chosen by ``connection.vendor``. Both index the same jieba "search mode" tokens.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

DATA_DIR = Path(__file__).resolve().parent / "data"
# Words jieba does not know as one unit, so that they are indexed and searched whole.
DOMAIN_WORDS = (
    "居住证",
    "居民身份证",
    "公积金",
    "住房公积金",
    "优待证",
    "老年人优待证",
    "水电气",
    "新生儿",
    "落户",
    "预约挂号",
    "社会保险",
    "医疗保险",
    "婚姻登记",
    "结婚登记",
    "党群服务中心",
    "阅览室",
    "残疾人证",
    "退役军人",
    "个体工商户",
    "法律援助",
    "街灯",
    "不亮",
)
WORD = re.compile(r"\w", re.UNICODE)
MAX_QUERY_GROUPS = 8
# Question words residents type around what they want ("身份证怎么办"): never required.
STOPWORDS = frozenset(
    (
        "怎么办", "怎么", "怎样", "如何", "哪里", "在哪", "在哪里", "我要", "我想", "想",
        "要", "的", "了", "吗", "呢", "啊", "去", "办", "办理", "一下",
    )
)  # fmt: skip


@functools.cache
def tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer per process with the domain words added (built once, ~1 s)."""
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in DOMAIN_WORDS:
        tk.add_word(word, freq=50000)
    return tk


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Colloquial word → official terms, from ``data/synonyms.txt``."""
    table: dict[str, tuple[str, ...]] = {}
    for line in (DATA_DIR / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            table[words[0]] = tuple(words[1:])
    return table


def index_tokens(text: str) -> str:
    """Space-separated search-mode tokens of ``text`` (a long word and its parts)."""
    return " ".join(
        t.lower() for t in tokenizer().cut_for_search(text) if WORD.search(t) and t.strip()
    )


def _precise(text: str) -> list[str]:
    return [t.lower() for t in tokenizer().cut(text) if WORD.search(t) and t.strip()]


@dataclass(frozen=True)
class ParsedQuery:
    """Each group is a set of alternatives; an alternative is tokens that must all occur."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]

    @property
    def terms(self) -> list[str]:
        """Every word to highlight, longest first."""
        words = {t for group in self.groups for alt in group for t in alt}
        return sorted(words, key=len, reverse=True)


def parse_query(text: str, *, table: dict[str, tuple[str, ...]] | None = None) -> ParsedQuery:
    """Cut the query into words and add the official terms of colloquial ones (from
    ``table``, the catalogue's synonyms by default; the site-wide search passes a larger one)."""
    table = synonyms() if table is None else table
    text = text.strip()[:100]
    groups: list[tuple[tuple[str, ...], ...]] = []
    whole = table.get(text)
    words = [text] if whole else _precise(text)
    meaningful = [w for w in words if w not in STOPWORDS]
    words = meaningful or words
    for word in words[:MAX_QUERY_GROUPS]:
        alternatives: list[tuple[str, ...]] = [(word,)]
        for synonym in table.get(word, ()):
            alternatives.append(tuple(_precise(synonym)) or (synonym,))
        groups.append(tuple(dict.fromkeys(alternatives)))
    return ParsedQuery(groups=tuple(groups))


def _clean(token: str) -> str:
    return re.sub(r"[^\w]", "", token)


def fts5_expression(query: ParsedQuery, *, conjunction: str) -> str:
    """The FTS5 MATCH text of ``query`` (every group joined by ``conjunction``)."""
    return _fts5_expression(query, conjunction=conjunction)


def tsquery_expression(query: ParsedQuery, *, conjunction: str) -> str:
    """The PostgreSQL ``to_tsquery('simple', …)`` text of ``query``."""
    return _tsquery_expression(query, conjunction=conjunction)


def precise_tokens(text: str) -> list[str]:
    """``text`` cut into words (jieba's precise mode, lower-cased, punctuation dropped)."""
    return _precise(text)


def _fts5_expression(query: ParsedQuery, *, conjunction: str) -> str:
    parts = []
    for group in query.groups:
        alts = [
            "(" + " AND ".join(f'"{_clean(t)}"' for t in alt if _clean(t)) + ")"
            for alt in group
            if any(_clean(t) for t in alt)
        ]
        if alts:
            parts.append("(" + " OR ".join(alts) + ")")
    return f" {conjunction} ".join(parts)


def _tsquery_expression(query: ParsedQuery, *, conjunction: str) -> str:
    parts = []
    for group in query.groups:
        alts = [
            "(" + " & ".join(f"'{_clean(t)}'" for t in alt if _clean(t)) + ")"
            for alt in group
            if any(_clean(t) for t in alt)
        ]
        if alts:
            parts.append("(" + " | ".join(alts) + ")")
    return f" {conjunction} ".join(parts)


def ranked_entry_ids(query: ParsedQuery, *, limit: int, kind: str | None = None) -> list[int]:
    """Ids of matching search entries, best first: all words must match, else any word."""
    for all_words in (True, False):
        ids = _ranked(query, limit=limit, kind=kind, all_words=all_words)
        if ids or len(query.groups) < 2:
            return ids
    return []


POSTGRES_SEARCH = (
    "SELECT e.id FROM catalogue_searchentry e, to_tsquery('simple', %s) q "
    "WHERE e.vector @@ q AND (%s = '' OR e.kind = %s) "
    "ORDER BY ts_rank(e.vector, q) DESC, e.id LIMIT %s"
)
SQLITE_SEARCH = (
    "SELECT e.id FROM catalogue_search_fts f "
    "JOIN catalogue_searchentry e ON e.id = f.rowid "
    "WHERE catalogue_search_fts MATCH %s AND (%s = '' OR e.kind = %s) "
    "ORDER BY bm25(catalogue_search_fts, 10.0, 1.0), e.id LIMIT %s"
)


def _ranked(query: ParsedQuery, *, limit: int, kind: str | None, all_words: bool) -> list[int]:
    if connection.vendor == "postgresql":
        expression = _tsquery_expression(query, conjunction="&" if all_words else "|")
        sql = POSTGRES_SEARCH
    else:
        expression = _fts5_expression(query, conjunction="AND" if all_words else "OR")
        sql = SQLITE_SEARCH
    if not expression:
        return []
    params: list[Any] = [expression, kind or "", kind or "", limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def highlight(text: str, terms: list[str], *, window: int | None = None) -> SafeString:
    """``text`` escaped, every term wrapped in <mark>; cut to ``window`` chars around a hit."""
    if window is not None and len(text) > window:
        positions = [text.lower().find(t) for t in terms if t and text.lower().find(t) >= 0]
        start = max(0, min(positions) - window // 4) if positions else 0
        text = ("…" if start else "") + text[start : start + window] + "…"
    if not terms:
        return mark_safe(escape(text))  # noqa: S308 - escaped just here
    pattern = re.compile("|".join(re.escape(t) for t in terms if t), re.IGNORECASE)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece escaped above
