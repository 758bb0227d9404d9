"""The board's cards as HTML, built in Python: 150 cards through a template include cost
more CPU than all of the board's queries (docs/performance.md, "Sales").

Django's `date` and `floatformat` filters and `escape` look up the active language, its
formats and translations on every call: a third of the page's CPU for 150 cards. The cards
read them once per board instead (`CardFormat`) and give the same text.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from html import escape

from django.template.defaultfilters import floatformat
from django.utils.dates import MONTHS_3
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

from rapport.contacts.views import _url_pattern
from rapport.sales.queries import BoardCard
from rapport.web.templatetags.rapport_ui import initials


class CardFormat:
    """A card's date (`date:"M j, Y"`) and amount (`floatformat:"2g"`) in the active
    language, its month names and number separators read once."""

    def __init__(self) -> None:
        self.months = [""] + [str(MONTHS_3[m]).title() for m in range(1, 13)]
        self.amount: Callable[[Decimal], str] = self._amount_format()

    def date(self, day: dt.date) -> str:
        return f"{self.months[day.month]} {day.day}, {day.year:04d}"

    @staticmethod
    def _amount_format() -> Callable[[Decimal], str]:
        grouping = get_format("NUMBER_GROUPING")
        if grouping != 3:  # a locale grouping otherwise (e.g. 3 then 2): Django's own rules
            return lambda amount: str(floatformat(amount, "2g"))
        thousands, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
        if (thousands, decimal) == (",", "."):
            return lambda amount: f"{amount:,.2f}"
        swap = str.maketrans({",": str(thousands), ".": str(decimal)})
        return lambda amount: f"{amount:,.2f}".translate(swap)


def deal_cards(cards: Iterable[BoardCard], today: dt.date, form: CardFormat) -> SafeString:
    """`<li>` cards for the board's columns; every value is escaped."""
    deal_url = _url_pattern("sales:deal_detail")
    out = []
    for card in cards:
        name = escape(card.name)
        company = (
            f'\n  <p class="deal-card-company">{escape(card.company_name)}</p>'
            if card.company_name is not None
            else ""
        )
        close = card.expected_close_date
        if close:
            late = " is-late" if card.outcome == "open" and close < today else ""
            when = (
                f'<span class="deal-card-date{late}" title="Expected close">'
                f"{escape(form.date(close))}</span>"
            )
        else:
            when = '<span class="muted">No close date</span>'
        owner = ""
        if card.owner_id is not None:
            who = card.owner_name
            owner = (
                f'\n    <span class="avatar avatar-xs" title="{escape(who)}">'
                f"{escape(initials(who))}</span>"
            )
        out.append(
            f'<li class="deal-card" data-deal="{card.pk}" data-name="{name}" id="deal-{card.pk}">\n'
            f'  <a class="deal-card-name" href="{deal_url(card.pk)}">{name}</a>\n'
            f'  <p class="deal-card-amount">{escape(form.amount(card.amount))} '
            f'<span class="muted">{escape(card.currency)}</span></p>{company}\n'
            f'  <p class="deal-card-foot">\n    {when}{owner}\n  </p>\n</li>'
        )
    return mark_safe("".join(out))  # every value above is escaped
