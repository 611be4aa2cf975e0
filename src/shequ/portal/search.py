"""The site-wide search's words: the catalogue's jieba index extended.

Documents of every kind are cut with the catalogue's tokenizer (the same domain words), the
catalogue's synonyms are merged with the portal's (``data/synonyms.txt``), and every title word
also gets a "py" + pinyin-initials token, so "ld" finds 路灯.
"""

import functools
import re
from pathlib import Path

from shequ.catalogue.search import (
    ParsedQuery,
    index_tokens,
    parse_query,
    precise_tokens,
    synonyms,
)
from shequ.portal.pinyin import initials

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_QUERY_CHARS = 100
INITIALS = re.compile(r"^[a-z]{2,8}$")
PINYIN_PREFIX = "py"
HAN = re.compile(r"[\u4e00-\u9fff]")


@functools.cache
def site_synonyms() -> dict[str, tuple[str, ...]]:
    """The catalogue's colloquial words and the portal's, merged (both lists' terms)."""
    table = dict(synonyms())
    for line in (DATA_DIR / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            table[words[0]] = tuple(dict.fromkeys((*table.get(words[0], ()), *words[1:])))
    return table


def pinyin_tokens(text: str) -> str:
    """ "py…" initials tokens of the Chinese words of ``text`` (and of the whole of it)."""
    words = [w for w in precise_tokens(text) if len(w) >= 2 and HAN.search(w)]
    compact = "".join(ch for ch in text if HAN.match(ch))[:8]
    letters = {initials(w) for w in [*words, compact]}
    return " ".join(sorted(PINYIN_PREFIX + x for x in letters if len(x) >= 2))


def title_tokens(title: str) -> str:
    return f"{index_tokens(title)} {pinyin_tokens(title)}".strip()


def body_tokens(*parts: str) -> str:
    return index_tokens(" ".join(p for p in parts if p))


def parse(text: str) -> ParsedQuery:
    """The query's words with their synonyms; letters alone are read as pinyin initials too."""
    text = text.strip()[:MAX_QUERY_CHARS]
    parsed = parse_query(text, table=site_synonyms())
    compact = text.replace(" ", "").lower()
    if INITIALS.match(compact):
        pinyin = (PINYIN_PREFIX + compact,)
        if parsed.groups:
            groups = list(parsed.groups)
            # "ld" is one group: the letters as a word, or as initials
            flat = tuple(alt for group in groups for alt in group)
            return ParsedQuery(groups=((*flat, pinyin),))
        return ParsedQuery(groups=((pinyin,),))
    return parsed
