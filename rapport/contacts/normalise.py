"""Normalisation of emails, phones, domains, names and dates, the same for UI, API and
imports."""

import calendar
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import phonenumbers
from django.utils import timezone
from email_validator import EmailNotValidError, validate_email
from nameparser import HumanName

from rapport.core.errors import ServiceValidationError

# An unquoted ASCII local part (RFC 5322 dot-atom): the common case, whose only check left
# is its domain's, which repeats from row to row in any list of people.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@functools.lru_cache(maxsize=8192)
def _email_domain(domain: str) -> tuple[str, str] | None:
    """The domain as email-validator normalises it, and its ASCII form; None if it is not
    valid (the full check then words the problem)."""
    try:
        result = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.domain), str(result.ascii_domain)


# "Ann Lee <ann@example.com>", as mail programs and their address books copy an address.
_DISPLAY_NAME = re.compile(r"[^<>@]*<([^<>]+)>")


def email_normalise(raw: str, *, field: str = "email") -> str:
    """A syntactically valid address, lowercased (no DNS look-up: imports must work offline).
    An address given with its display name or as a mailto: link is the address alone."""
    raw = address = (raw or "").strip()
    named = _DISPLAY_NAME.fullmatch(address)
    if named:
        address = named.group(1).strip()
    if address[:7].lower() == "mailto:":
        address = address[7:].strip()
    local, at, domain = address.rpartition("@")
    if at and len(local) <= 64 and _DOT_ATOM.fullmatch(local):
        known = _email_domain(domain)
        # email-validator's length limits, on both the address and its ASCII form
        if known is not None and len(local) + 1 + max(len(known[0]), len(known[1])) <= 254:
            return f"{local}@{known[0]}".lower()
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceValidationError.single(field, f"'{raw}' is not a valid email: {exc}") from exc
    return str(result.normalized).lower()


# A number a spreadsheet kept as a number: its + is gone ("447911123456"), or, past 11 digits
# in a CSV saved by Excel, its last digits too ("4.47911E+11").
_INTERNATIONAL_DIGITS = re.compile(r"[1-9]\d{10,14}")
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?E\+\d+", re.IGNORECASE)


def _parsed(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def phone_normalise(raw: str, *, region: str, field: str = "phone") -> str:
    """E.164 form; a number without a leading + is read in the workspace's default region, or,
    when it is not one of that region's and is as long as an international number, as one
    whose + a spreadsheet dropped (Excel keeps "+44 7911 123456" typed as 447911123456)."""
    raw = (raw or "").strip()
    number = _parsed(raw, region)
    if number is None and _INTERNATIONAL_DIGITS.fullmatch(raw):
        number = _parsed(f"+{raw}", region)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if _SCIENTIFIC.fullmatch(raw):
        raise ServiceValidationError.single(
            field,
            f"'{raw}' is a number a spreadsheet rounded, its last digits lost: format the "
            "column as text and export the file again",
        )
    try:
        phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ServiceValidationError.single(field, f"'{raw}' is not a phone number") from exc
    raise ServiceValidationError.single(
        field, f"'{raw}' is not a valid phone number (read with default region {region})"
    )


# Text an extension may follow a number with: "x204", "ext. 204", "#12", ";ext=204".
_EXTENDED = re.compile(r"[a-z#;]", re.IGNORECASE)
EXTENSION_MARK = " ext. "


def phone_extension(raw: str, *, region: str) -> str:
    """The extension written after a number ("+1 415 555 0100 x204": "204"), which
    `phone_normalise`'s E.164 form leaves out; "" for none (a number without letters or "#"
    is not parsed again)."""
    if not _EXTENDED.search(raw or ""):
        return ""
    try:
        return str(phonenumbers.parse(raw.strip(), region).extension or "")
    except phonenumbers.NumberParseException:
        return ""


def phone_text(number: str, extension: str) -> str:
    """A stored number and its extension as one text, read back by `phone_normalise` and
    `phone_extension` and shown by `phone_display`: "+14155550100 ext. 204"."""
    return f"{number}{EXTENSION_MARK}{extension}" if extension else number


def phones_with_extensions(
    read: Iterable[tuple[str | None, str]], *, region: str
) -> dict[str, str]:
    """Each number in the order first given, with its extension: the first one written after
    it, wherever the number is given twice ("" for none). `read`: each raw value with the
    number its caller's normaliser read from it (None: no number), so the UI's, the API's and
    the bulk import's phones pair alike."""
    out: dict[str, str] = {}
    for number, raw in read:
        if number is not None and not out.get(number):
            out[number] = phone_extension(raw, region=region)
    return out


def phone_search_key(raw: str, *, region: str) -> str | None:
    """The E.164 prefix a search box entry stands for, or None if it has too few digits."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) < 3:
        return None
    try:
        number = phonenumbers.parse(raw, region)
        if _whole_number(number, region=region):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    if raw.strip().startswith("+"):
        return "+" + digits
    return _national_start(digits, region=region)


def _whole_number(number: phonenumbers.PhoneNumber, *, region: str) -> bool:
    """Whether the parser read a whole number, not the start of one: a length dialled only
    locally is a start ("404-555"), as is a number whose trunk prefix the parser kept because
    what follows it is too short to be a number ("020 79" in Great Britain, read as
    "+4402079"); Italy's leading 0 is no trunk prefix and stays."""
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = metadata.national_prefix if metadata is not None else None
    if not (number.italian_leading_zero and trunk):
        return True
    return not phonenumbers.national_significant_number(number).startswith(trunk)


def _national_start(digits: str, *, region: str) -> str | None:
    """The E.164 start of a number's first digits typed as a national number: a rep types
    the area code and exchange as the number is written at home ("404-555" in the US is
    "+1404555", "020 79" in Great Britain "+442079", its trunk prefix dropped)."""
    code = phonenumbers.country_code_for_region(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if not code or metadata is None:
        return None
    trunk = metadata.national_prefix
    if trunk and digits.startswith(trunk):
        digits = digits[len(trunk) :]
    return f"+{code}{digits}" if len(digits) >= 3 else None


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
    text = text or ""
    if text.isascii():  # every normalisation form leaves ASCII as it is
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


# --- names ---------------------------------------------------------------------------------

# Joined to the surname in lower case ("Ludwig van Beethoven") unless they open the name.
NAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le"}
)


# Words of letters joined by spaces, hyphens, apostrophes or dots: "Jean-Luc", "St. John".
_NAME = re.compile(r"[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?")


def _word_capitalise(word: str, *, first: bool) -> str:
    if not first and word in NAME_PARTICLES:
        return word
    # "o'brien" -> "O'Brien", "jean-luc" -> "Jean-Luc"
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], word)


def name_normalise(raw: str) -> str:
    """Whitespace collapsed, and capitals for a name typed all in lower or all in upper case
    ("ANNE O'NEIL" -> "Anne O'Neil"). A name in mixed case is kept as typed ("McDonald" or
    "DeVries" cannot be guessed), and so is anything not made of letters."""
    text = " ".join((raw or "").split())
    if text != text.lower() and text != text.upper():
        return text
    if not _NAME.fullmatch(text):  # digits, brackets, "=": not a name to guess the casing of
        return text
    words = text.lower().split(" ")
    return " ".join(_word_capitalise(w, first=i == 0) for i, w in enumerate(words))


# --- dates ---------------------------------------------------------------------------------

# Regions whose people write the month first (12/31/2024); everyone else writes 31/12/2024.
# A date only one way can read (13/02/2024) is read that way whatever the region.
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "GU", "PR", "AS", "VI", "MP", "UM"})
# Excel counts days from 1899-12-30 (its 1900 leap-year bug included). Only serials from
# 1927 to 2173 are read as dates, so a bare year or a small count is not taken for one.
EXCEL_EPOCH = dt.datetime(1899, 12, 30, tzinfo=dt.UTC)
EXCEL_SERIALS = (10_000, 100_000)
MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9
WEEKDAYS = {d.lower() for d in (*calendar.day_name, *calendar.day_abbr)}
_SERIAL = re.compile(r"\d{5}(\.\d+)?")
_NUMERIC = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})")
_TIME = re.compile(
    r"[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?\s*(z|utc|gmt)?$",
    re.IGNORECASE,
)


def full_year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:  # as strptime's %y: 69-99 are the 1900s
        year += 1900 if year >= 69 else 2000
    return year


def _numeric_date(text: str, region: str) -> dt.date | None:
    match = _NUMERIC.fullmatch(text)
    if match is None:
        return None
    a, b, c = match.groups()
    if len(a) == 4:  # 2024-12-31, 2024/12/31
        return dt.date(int(a), int(b), int(c))
    first, second = int(a), int(b)
    # Dots are how day-first regions write dates (31.12.2024): no region puts the month first
    # between dots, so a US workspace reads 01.02.2024 as 1 February, as its writer meant.
    month_first = region.upper() in MONTH_FIRST_REGIONS and "." not in text
    if first > 12 or (second <= 12 and not month_first):
        day, month = first, second
    else:
        month, day = first, second
    return dt.date(full_year(c), month, day)


def _worded_date(text: str) -> dt.date | None:
    """ "Dec 31, 2024", "31 December 2024", "Tuesday, 31st Dec 2024", "31-Dec-24"."""
    words = [w for w in re.split(r"[\s,./\-]+", text.lower()) if w and w not in WEEKDAYS]
    months = [w for w in words if w.rstrip(".") in MONTHS]
    numbers = [re.sub(r"(st|nd|rd|th)$", "", w) for w in words if w not in months]
    if len(months) != 1 or len(numbers) != 2 or not all(n.isdigit() for n in numbers):
        return None
    month = MONTHS[months[0].rstrip(".")]
    day, year = numbers if len(numbers[1]) > 2 or int(numbers[0]) <= 31 else numbers[::-1]
    if len(day) > 2:
        day, year = year, day
    return dt.date(full_year(year), month, int(day))


def _excel_serial(text: str) -> dt.datetime | None:
    if not _SERIAL.fullmatch(text) or not EXCEL_SERIALS[0] <= float(text) < EXCEL_SERIALS[1]:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=float(text))


def _date_part(text: str, region: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    return _numeric_date(text, region) or _worded_date(text)


def datetime_parse(raw: str | dt.date, *, region: str, field: str = "date") -> dt.datetime:
    """An aware datetime from ISO 8601, a day-month-year or month-day-year date (which one by
    the workspace's region when both could be), a date with its month in words, or an Excel
    serial number; with or without a time of day. A time without a zone is taken as UTC."""
    if isinstance(raw, dt.datetime):
        return raw if timezone.is_aware(raw) else raw.replace(tzinfo=dt.UTC)
    if isinstance(raw, dt.date):
        return dt.datetime.combine(raw, dt.time(), tzinfo=dt.UTC)
    text = " ".join((raw or "").split())
    problem = f"'{text}' is not a date (e.g. 2024-12-31, {_example(region)} or Dec 31, 2024)"
    if not text:
        raise ServiceValidationError.single(field, "is not a date: the value is empty")
    try:
        value = dt.datetime.fromisoformat(text)
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    except ValueError:
        pass
    try:
        serial = _excel_serial(text)
        if serial is not None:
            return serial
        time = dt.time()
        clock = _TIME.search(text)
        if clock is not None:
            hour, minute, second, meridiem, _ = clock.groups()
            hour_24 = int(hour) % 12 + (12 if meridiem and meridiem[0] in "pP" else 0)
            time = dt.time(hour_24 if meridiem else int(hour), int(minute), int(second or 0))
            text = text[: clock.start()]
        day = _date_part(text, region)
    except ValueError as exc:  # a day or month out of range: 31/02/2024, 13/13/2024
        raise ServiceValidationError.single(field, f"'{text}' is not a date: {exc}") from exc
    if day is None:
        raise ServiceValidationError.single(field, problem)
    return dt.datetime.combine(day, time, tzinfo=dt.UTC)


def date_parse(raw: str | dt.date, *, region: str, field: str = "date") -> dt.date:
    """The calendar date of `datetime_parse` (a time of day, if any, is dropped)."""
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    return datetime_parse(raw, region=region, field=field).date()


def _example(region: str) -> str:
    return "12/31/2024" if region.upper() in MONTH_FIRST_REGIONS else "31/12/2024"


def name_split(full: str) -> tuple[str, str]:
    """(first name, last name) of a name written whole, as other tools export it ("Dr. Jane
    Q. Smith Jr.", "Smith, John", "Ludwig van Beethoven"), read by nameparser: the given and
    middle names first, the family name with its particles and any suffix last. A title
    ("Dr.", "Mrs") is left out: a contact has no field for it."""
    name = HumanName(full)
    first = " ".join(part for part in (name.first, name.middle) if part)
    last = " ".join(part for part in (name.last, name.suffix) if part)
    return first, last
