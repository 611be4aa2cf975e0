"""Finding proposals by their words through our Chinese index (jieba, as the catalogue's).

A proposal's title and description are cut into jieba "search mode" words when it is
written (``proposal_tokens``, stored in ``Proposal.search_tokens``); the database indexes
them (migration 0013): an FTS5 table on SQLite, a generated tsvector column with a GIN index
on PostgreSQL. A search's words are cut the same way (with the catalogue's colloquial
synonyms) and every word must occur. ``word_filter`` is one boolean condition on the
proposal row, so it combines with any other filter and order of ``proposal_search``.
"""

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from shequ.catalogue.search import fts5_expression, index_tokens, parse_query, tsquery_expression

MAX_WORDS = 5

POSTGRES_MATCH = "participation_proposal.search_vector @@ to_tsquery('simple', %s)"
SQLITE_MATCH = (
    "participation_proposal.id IN (SELECT rowid FROM participation_proposal_fts "
    "WHERE participation_proposal_fts MATCH %s)"
)


def proposal_tokens(title: str, description: str) -> str:
    """The words a proposal is found by (space-separated, lower-cased)."""
    return index_tokens(f"{title} {description}")


def word_filter(text: str) -> Q | RawSQL | None:
    """The condition "has every word of ``text``" on ``participation_proposal``; None when
    ``text`` has no words at all (then nothing is filtered); a text whose words cannot be
    searched (punctuation only) matches nothing."""
    if not text.strip():
        return None
    parsed = parse_query(" ".join(text.split()[:MAX_WORDS]))
    if connection.vendor == "postgresql":
        expression, sql = tsquery_expression(parsed, conjunction="&"), POSTGRES_MATCH
    else:
        expression, sql = fts5_expression(parsed, conjunction="AND"), SQLITE_MATCH
    if not expression:
        return Q(pk__in=[])
    # The SQL is one of the two constants above; the words go in as a parameter.
    return RawSQL(sql, [expression], output_field=BooleanField())  # noqa: S611
