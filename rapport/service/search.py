"""Ticket search by words, with the same answers on PostgreSQL and SQLite.

The semantics (docs/architecture.md, "Ticket search"): a word is a run of letters and digits
(anything else, punctuation, underscores, spaces, separates words). A ticket matches a text
when every word typed (at most MAX_WORDS, case-insensitive, accents as typed) begins a word
of its subject, or every one begins a word of one of its messages (internal notes
included), or when the text is its number: `#123` finds ticket 123 only, `123` finds it
and the tickets whose words begin with 123.

PostgreSQL reads both from full-text GIN indexes (migration 0007) over the text with every
non-alphanumeric run replaced by a space, so its parser sees the same words (no "zx-81" as a
signed number, no e-mail address or host name as one token) and `'word':*` is "begins a
word". SQLite, where the data is small, tests each word with a regular expression anchored
at the start of the text or after a non-alphanumeric character.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Func, Q, QuerySet

from rapport.service.models import Ticket, TicketMessage

MAX_WORDS = 10
WORD = re.compile(r"[^\W_]+")
FTS_CONFIG = "simple"  # no stemming, no stop words: every word typed counts as typed


class Words(Func):
    """A text's words as a tsvector; the expression migration 0007 indexes, kept in step."""

    template = (
        f"to_tsvector('{FTS_CONFIG}'::regconfig, "
        "regexp_replace(COALESCE(%(expressions)s, ''), '[^[:alnum:]]+', ' ', 'g'))"
    )
    output_field = SearchVectorField()


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
    if connection.vendor == "postgresql":
        # One index read per table, combined before the tickets are read (without the
        # models' default ordering, which would sort every message found).
        subjects = Ticket.objects.alias(said=Words("subject")).filter(said=_query(words))
        said = messages_saying(words).order_by().values("ticket_id")
        ids = subjects.order_by().values("pk").union(said, all=True)
        return by_number | Q(pk__in=ids)
    said = messages_saying(words).values("ticket_id")
    return by_number | _begin_all("subject", words) | Q(pk__in=said)


def messages_saying(words: list[str]) -> QuerySet[TicketMessage]:
    """Messages every one of whose `words` begins a word of the body."""
    if connection.vendor == "postgresql":
        return TicketMessage.objects.alias(said=Words("body")).filter(said=_query(words))
    return TicketMessage.objects.filter(_begin_all("body", words))


def _query(words: list[str]) -> SearchQuery:
    # Words are letters and digits only, so the quoted terms are well formed.
    terms = " & ".join(f"'{word}':*" for word in words)
    return SearchQuery(terms, config=FTS_CONFIG, search_type="raw")


def _begin_all(field: str, words: list[str]) -> Q:
    q = Q()
    for word in words:
        q &= Q(**{f"{field}__iregex": rf"(^|[\W_]){re.escape(word)}"})
    return q
