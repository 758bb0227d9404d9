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


def amount_clean(value: object, *, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceValidationError.single(field, f"'{value}' is not a decimal number") from exc
    if not amount.is_finite():
        raise ServiceValidationError.single(field, "must be a finite number")
    if amount < 0:
        raise ServiceValidationError.single(field, "must not be negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceValidationError.single(field, "at most 2 decimal places")
    return amount
