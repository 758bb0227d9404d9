"""The board's cards as HTML, built in Python: 150 cards through a template include cost
more CPU than all of the board's queries (docs/performance.md, "Sales")."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rapport.contacts.views import _url_pattern
from rapport.web.templatetags.rapport_ui import initials, user_name


def deal_cards(deals: Iterable[Any], today: dt.date) -> SafeString:
    """`<li>` cards for the board's columns; every value is escaped."""
    deal_url = _url_pattern("sales:deal_detail")
    out = []
    for deal in deals:
        name = escape(deal.name)
        company = (
            f'\n  <p class="deal-card-company">{escape(deal.company.name)}</p>'
            if deal.company
            else ""
        )
        close = deal.expected_close_date
        if close:
            late = " is-late" if deal.outcome == "open" and close < today else ""
            when = (
                f'<span class="deal-card-date{late}" title="Expected close">'
                f"{escape(date_format(close, 'M j, Y'))}</span>"
            )
        else:
            when = '<span class="muted">No close date</span>'
        owner = ""
        if deal.owner:
            who = user_name(deal.owner)
            owner = (
                f'\n    <span class="avatar avatar-xs" title="{escape(who)}">'
                f"{escape(initials(who))}</span>"
            )
        out.append(
            f'<li class="deal-card" data-deal="{deal.pk}" data-name="{name}" id="deal-{deal.pk}">\n'
            f'  <a class="deal-card-name" href="{deal_url(deal.pk)}">{name}</a>\n'
            f'  <p class="deal-card-amount">{escape(floatformat(deal.amount, "2g"))} '
            f'<span class="muted">{escape(deal.currency)}</span></p>{company}\n'
            f'  <p class="deal-card-foot">\n    {when}{owner}\n  </p>\n</li>'
        )
    return mark_safe("".join(out))  # every value above is escaped
