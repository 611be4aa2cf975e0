"""Searches that may carry an ID or phone number never travel in a URL.

A console search form posts its text; the view keeps the text in the session, encrypted, under
a random token and redirects to the results with only that token in the address. Paging and
the other filters stay ordinary links, and no full number lands in an access log, a proxy log,
a ``Referer`` header or the browser's history.
"""

import secrets

from django.http import HttpRequest

from shequ.core.pii import PIIDecryptionError, decrypt, encrypt, mask_id_number, mask_phone

SESSION_KEY = "shequ_searches"
KEPT = 20  # a session remembers its last searches, enough for a few tabs and "back"


def search_stash(request: HttpRequest, text: str) -> str:
    """Remember ``text`` for this session; returns the token to put in the results' address."""
    token = secrets.token_urlsafe(12)
    searches: dict[str, str] = dict(request.session.get(SESSION_KEY) or {})
    searches[token] = encrypt(text)
    # dicts keep insertion order: drop the oldest beyond KEPT
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
    return token


def search_recall(request: HttpRequest, token: str) -> str | None:
    """The text stashed under ``token`` in this session, or None (unknown, another session's)."""
    stored = (request.session.get(SESSION_KEY) or {}).get(token)
    if not isinstance(stored, str):
        return None
    try:
        return decrypt(stored)
    except PIIDecryptionError:
        return None


def search_label(text: str) -> str:
    """The search as shown back on screen. A name shows as typed; anything with a digit in it
    is (part of) a number and shows masked, even with a typo in it."""
    if not any(character.isdigit() for character in text):
        return text
    compact = "".join(text.split())
    return mask_phone(compact) if len(compact) <= 11 else mask_id_number(compact)
