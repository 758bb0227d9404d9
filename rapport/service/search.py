"""Ticket search by words, with the same answers on PostgreSQL and SQLite.

The semantics (docs/architecture.md, "Ticket search"): a word is a run of letters and digits
(anything else, punctuation, underscores, spaces, separates words). A ticket matches a text
when every word typed (at most MAX_WORDS, case-insensitive, accents as typed) begins a word
of its subject or of any message of its conversation (internal notes included: this serves
agents, never the portal), or when the text is its number: `#123` finds ticket 123 only,
`123` finds it and the tickets whose words begin with 123.

Both databases read one column of the ticket, `search_words` (migration 0008, kept by
triggers in the transaction of every write of a subject or a message). On PostgreSQL it is a
tsvector of the text with every non-alphanumeric run made a space, so its parser sees the
same words (no "zx-81" as a signed number, no e-mail address as one token), and `'word':*`
is "begins a word"; a GIN index answers rare words, and the index on the last update lets a
word in most tickets stop at the first page. On SQLite it is the text, and each word is a
regular expression anchored at its start or after a non-alphanumeric character.
"""

import re
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Expression, Field, Q, TextField
from django.db.models.expressions import Col
from django.db.models.lookups import IRegex

MAX_WORDS = 10
WORD = re.compile(r"[^\W_]+")
FTS_CONFIG = "simple"  # no stemming, no stop words: every word typed counts as typed
SEARCH_COLUMN = "search_words"  # service migration 0008's


class SearchWords(Expression):
    """The ticket's `search_words` column. Not a model field, so the ORM never loads it with
    a ticket nor saves a stale copy over what the triggers keep; this reads it in a query
    (aliased like any column, so it works inside subqueries too)."""

    def __init__(self) -> None:
        field: Field = SearchVectorField() if connection.vendor == "postgresql" else TextField()
        field.set_attributes_from_name(SEARCH_COLUMN)
        super().__init__(output_field=field)

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: set[str] | None = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Any:
        assert query is not None, "SearchWords is read in a query of tickets"
        return Col(query.get_initial_alias(), self.output_field)


def words_of(text: str) -> list[str]:
    return WORD.findall(text)[:MAX_WORDS]


def tickets_matching(text: str) -> Q:
    """The tickets `text` finds (see the module's docstring); nothing for no words."""
    text = text.strip()
    number = text.removeprefix("#")
    by_number = Q(number=int(number)) if number.isdigit() else Q(pk__in=[])
    words = words_of(text)
    if not words or (number != text and number.isdigit()):
        return by_number
    return by_number | _words_begin(words)


def _words_begin(words: list[str]) -> Q:
    if connection.vendor == "postgresql":
        # Words are letters and digits only, so the quoted terms are well formed.
        terms = " & ".join(f"'{word}':*" for word in words)
        query = SearchQuery(terms, config=FTS_CONFIG, search_type="raw")
        return Q(SearchVectorExact(SearchWords(), query))
    q = Q()
    for word in words:
        q &= Q(IRegex(SearchWords(), rf"(^|[\W_]){re.escape(word)}"))
    return q
