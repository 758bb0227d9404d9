"""Conversion to the workspace's base currency with the rate of the right date."""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import timezone

from rapport.core.errors import ServiceValidationError
from rapport.sales.models import ExchangeRate
from rapport.tenancy.models import Workspace

CENT = Decimal("0.01")


class RateBook:
    """All of a workspace's rates in memory, for converting many amounts in one report.

    Reports group amounts by (currency, day) in SQL first, so a book converts a few thousand
    groups, not every row.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.base = workspace.base_currency
        # The day of "the latest known rate", which values what has not closed.
        self.today = timezone.now().date()
        days: dict[str, list[dt.date]] = defaultdict(list)
        rates: dict[str, list[Decimal]] = defaultdict(list)
        for currency, day, rate in ExchangeRate.objects.order_by("currency", "day").values_list(
            "currency", "day", "rate"
        ):
            days[currency].append(day)
            rates[currency].append(rate)
        self._days, self._rates = dict(days), dict(rates)

    def rate(self, currency: str, day: dt.date) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        days = self._days.get(currency)
        i = bisect.bisect_right(days, day) if days else 0
        if not i:
            raise ServiceValidationError.single(
                "currency", f"no {currency}→{self.base} exchange rate on or before {day}"
            )
        return self._rates[currency][i - 1]

    def to_base(self, amount: Decimal, currency: str, day: dt.date) -> Decimal:
        return (amount * self.rate(currency, day)).quantize(CENT, rounding=ROUND_HALF_EVEN)

    def deals_to_base(self, groups: Iterable[tuple[Decimal, str, dt.date | None]]) -> list[Decimal]:
        """Deals' amounts in the base currency by the one rule every sales figure values deals
        with (the forecast, the deal list's total): a closed deal at the rate of the day it
        closed (`closed_on`: what it was worth when it was won or lost), an open one
        (`closed_on` None) at the latest known rate, today's, since no rate of its closing day
        exists yet. Each (amount, currency, closed_on) is usually a sum of deals alike.

        In one batch: each (currency, day) looks its rate up once, and amounts already in the
        base currency are only rounded (× 1 changes nothing), so the forecast's few thousand
        groups cost a few multiplications each; the figures are `to_base`'s, group by group.
        """
        base, today = self.base, self.today
        rates: dict[tuple[str, dt.date], Decimal] = {}
        out = []
        for amount, currency, closed_on in groups:
            if currency == base:
                out.append(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))
                continue
            key = (currency, today if closed_on is None else closed_on)
            rate = rates.get(key)
            if rate is None:
                rate = rates[key] = self.rate(*key)
            out.append((amount * rate).quantize(CENT, rounding=ROUND_HALF_EVEN))
        return out

    def deal_to_base(self, amount: Decimal, currency: str, closed_on: dt.date | None) -> Decimal:
        """One deal (or one sum of deals alike) by `deals_to_base`'s rule."""
        return self.deals_to_base([(amount, currency, closed_on)])[0]
