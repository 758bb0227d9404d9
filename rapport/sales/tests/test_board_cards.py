"""A board card's date and amount read the language's formats once per board, and give the
text Django's `date` and `floatformat` filters give (docs/performance.md, "Sales, sixth
round")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils import translation

from rapport.sales.board_cards import CardFormat

AMOUNTS = [
    Decimal("0.00"),
    Decimal("5.00"),
    Decimal("999.99"),
    Decimal("1000.50"),
    Decimal("-1234567.89"),
    Decimal("12345678901.10"),
]
DAYS = [dt.date(2026, month, day) for month, day in ((1, 1), (5, 31), (9, 9), (12, 25))]


# en: the usual separators; de and fr: others (a non-breaking space); zh-hans groups by four;
# bg does not group.
@pytest.mark.parametrize("language", ["en", "de", "fr", "zh-hans", "bg"])
def test_a_card_writes_dates_and_amounts_as_django_s_filters_do(language):
    with translation.override(language):
        form = CardFormat()
        assert [form.amount(a) for a in AMOUNTS] == [floatformat(a, "2g") for a in AMOUNTS]
        assert [form.date(d) for d in DAYS] == [date_filter(d, "M j, Y") for d in DAYS]
