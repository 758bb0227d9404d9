"""Normalisation of emails, phones, domains and names, the same for UI, API and imports."""

import unicodedata
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from rapport.core.errors import ServiceValidationError


def email_normalise(raw: str, *, field: str = "email") -> str:
    """A syntactically valid address, lowercased (no DNS look-up: imports must work offline)."""
    raw = (raw or "").strip()
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceValidationError.single(field, f"'{raw}' is not a valid email: {exc}") from exc
    return str(result.normalized).lower()


def phone_normalise(raw: str, *, region: str, field: str = "phone") -> str:
    """E.164 form; a number without a leading + is read in the workspace's default region."""
    raw = (raw or "").strip()
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ServiceValidationError.single(field, f"'{raw}' is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ServiceValidationError.single(
            field, f"'{raw}' is not a valid phone number (read with default region {region})"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(raw: str, *, region: str) -> str | None:
    """The E.164 prefix a search box entry stands for, or None if it has too few digits."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) < 3:
        return None
    try:
        number = phonenumbers.parse(raw, region)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return "+" + digits if raw.strip().startswith("+") else None


def phone_display(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def domain_normalise(raw: str, *, field: str = "domain") -> str:
    """`https://www.Example.com/about` becomes `example.com`."""
    raw = (raw or "").strip().lower()
    if not raw:
        return ""
    host = urlsplit(raw if "://" in raw else f"//{raw}").hostname or ""
    host = host.rstrip(".").removeprefix("www.")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ServiceValidationError.single(field, f"'{raw}' is not a valid domain") from exc
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(
        label and len(label) <= 63 and all(c.isalnum() or c == "-" for c in label)
        for label in labels
    ):
        raise ServiceValidationError.single(field, f"'{raw}' is not a valid domain")
    return host


def search_key(text: str) -> str:
    """Lowercase, accents removed, spaces collapsed: what name search and sorting compare."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
