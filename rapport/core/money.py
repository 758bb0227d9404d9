"""Money is a Decimal amount with an ISO 4217 currency, never a float."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pycountry

from rapport.core.errors import ServiceValidationError


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


def currency_clean(code: str, *, field: str = "currency") -> str:
    code = (code or "").strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ServiceValidationError.single(field, f"'{code}' is not an ISO 4217 currency code")
    return code


# The money columns (`sales.models.amount_field`, a company's annual revenue) hold 18 digits,
# 2 of them after the point. A longer number must be refused here: PostgreSQL would fail the
# write, and SQLite would store it and then fail every read of the row (the record's page
# answered 500 for good). SQLite keeps decimals as floats, which round 9999999999999999.99 up
# to a 17th digit before the point, so one digit is kept in reserve: amounts stay below 10^15.
AMOUNT_MAX_DIGITS = 18
AMOUNT_WHOLE_DIGITS = AMOUNT_MAX_DIGITS - 3
AMOUNT_LIMIT = Decimal(10) ** AMOUNT_WHOLE_DIGITS


def amount_clean(
    value: object, *, field: str = "amount", whole_digits: int = AMOUNT_WHOLE_DIGITS
) -> Decimal:
    """A non-negative amount with at most 2 decimal places and `whole_digits` before the point
    (a narrower column passes its own: its digits less the 2 places and the one in reserve)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceValidationError.single(field, f"'{value}' is not a decimal number") from exc
    if not amount.is_finite():
        raise ServiceValidationError.single(field, "must be a finite number")
    if amount < 0:
        raise ServiceValidationError.single(field, "must not be negative")
    if amount >= Decimal(10) ** whole_digits:
        raise ServiceValidationError.single(
            field, f"at most {whole_digits} digits before the decimal point"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceValidationError.single(field, "at most 2 decimal places")
    return amount
