"""Conversion to the workspace's base currency with the rate of the right date."""

import bisect
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

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
