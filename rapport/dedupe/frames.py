"""A workspace's contacts or companies as one polars frame (one query), and how to compare them.

Values are normalised for comparison here (lowercase, accents removed, digits only for
postcodes), whatever the stored casing; the stored emails, phones and domains are already
normalised by the contacts services.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import polars as pl
from django.db.models import QuerySet

from rapport.contacts.models import Company, Contact
from rapport.dedupe.blocking import BlockingKey, soundex
from rapport.dedupe.comparison import JARO_WINKLER, TOKEN_SORT, TYPO, Comparison
from rapport.dedupe.detection import Spec

CONTACT = "contact"
COMPANY = "company"
READ_CHUNK = 50_000


def folded(column: str) -> pl.Expr:
    """Lowercase, accent-free, spaces collapsed (like `contacts.normalise.search_key`)."""
    return (
        pl.col(column)
        .fill_null("")
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


# Mail providers where anyone picks an address: there, name-made addresses are taken by
# namesakes (john.smith@, johnsmith@, john.smith7@ are three people), so two different
# addresses on one of them say nothing for a match. A corporate domain gives one person one.
FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "hotmail.co.uk",
        "hotmail.com",
        "hotmail.fr",
        "icloud.com",
        "live.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "orange.fr",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "web.de",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.fr",
        "yandex.ru",
        "zoho.com",
    }
)


def mailbox_family(emails: pl.Series) -> pl.Series:
    """A key per address: different addresses with the same key are different mailboxes,
    not a typo of one. On a free-mail domain the domain itself (any two differ); elsewhere
    the address without its digits (j.smith2@acme.com is not j.smith@acme.com mistyped)."""
    domain = emails.str.extract(r"@([^@]*)$")
    without_digits = emails.str.replace_all(r"\d", "")
    return (
        pl.select(
            pl.when(domain.is_in(list(FREE_MAIL_DOMAINS))).then(domain).otherwise(without_digits)
        )
        .to_series()
        .fill_null("")
    )


def mailbox_and_domain(emails: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each address as (its domain, its mailbox): addresses of one domain are compared by
    their mailboxes."""
    domain = emails.str.extract(r"@([^@]*)$").fill_null("")
    return domain, emails.str.replace(r"@[^@]*$", "")


# A company's legal form as written at the end of its name (folded: lowercase, no accents),
# by its canonical spelling. Dots and spaces inside a form are optional ("s.a.", "b v").
LEGAL_FORMS = {
    "ab": "ab",
    "ag": "ag",
    "as": "as",
    "bv": "bv",
    "corp": "corp",
    "corporation": "corp",
    "gmbh": "gmbh",
    "gmbh&cokg": "gmbh & co kg",
    "gmbh&co": "gmbh & co kg",
    "inc": "inc",
    "incorporated": "inc",
    "kg": "kg",
    "kk": "kk",
    "limited": "ltd",
    "llc": "llc",
    "llp": "llp",
    "lp": "lp",
    "ltd": "ltd",
    "nv": "nv",
    "oy": "oy",
    "plc": "plc",
    "ptyltd": "pty ltd",
    "sa": "sa",
    "sarl": "sarl",
    "sas": "sas",
    "se": "se",
    "spa": "spa",
    "srl": "srl",
    "ug": "ug",
}


def _form_pattern(form: str) -> str:
    letters = [r"\s*&\s*" if ch == "&" else re.escape(ch) for ch in form]
    return r"[.\s]*".join(letters) + r"\.?"


# The longest forms first, so that "gmbh & co kg" is not read as "kg".
_LEGAL_FORM_AT_END = re.compile(
    r"^(.*?\S)[\s,]+("
    + "|".join(_form_pattern(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True))
    + r")$"
)


def legal_form(names: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each folded company name as (its legal form's canonical spelling or "", the name
    without it): the company comparison's qualifier and core. Two companies whose names
    differ only by their legal forms are told apart (Acme GmbH and Acme Ltd: a German and a
    British entity, often of one group, but two customers with their own addresses, VAT
    numbers and contracts), while a form spelled two ways (Ltd, Limited) or written on one
    side only (Acme, Acme GmbH) is the same name."""
    forms, cores = [], []
    for name in names.fill_null("").to_list():
        found = _LEGAL_FORM_AT_END.match(name)
        if found is None:
            forms.append("")
            cores.append(name)
            continue
        written = re.sub(r"[.\s]", "", found.group(2))
        forms.append(LEGAL_FORMS[written])
        cores.append(found.group(1).rstrip(" ,"))
    return pl.Series(forms, dtype=pl.String), pl.Series(cores, dtype=pl.String)


def _prefix(column: str, n: int) -> pl.Expr:
    return pl.col(column).str.slice(0, n)


NAME_LEVELS = (0.80, 0.92)
TEXT_LEVELS = (0.75, 0.90)

CONTACT_SPEC = Spec(
    comparisons=(
        Comparison("first", "first name", JARO_WINKLER, NAME_LEVELS, term_frequency=True),
        Comparison("last", "last name", JARO_WINKLER, NAME_LEVELS, term_frequency=True),
        Comparison("email", "email", TYPO, (0.9,), apart=mailbox_family, within=mailbox_and_domain),
        Comparison("phone", "phone"),
        Comparison("company", "company", TOKEN_SORT, TEXT_LEVELS),
        Comparison("street", "street", TOKEN_SORT, TEXT_LEVELS),
        Comparison("city", "city", JARO_WINKLER, (0.90,)),
        Comparison("postcode", "postcode"),
    ),
    blocking=(
        BlockingKey("email", pl.col("email"), ("email",)),
        BlockingKey("phone", pl.col("phone"), ("phone",)),
        BlockingKey(
            "last name sound, first initial",
            soundex("last") + _prefix("first", 1),
            ("last", "first"),
        ),
        BlockingKey(
            "first name sound, postcode",
            soundex("first") + pl.col("postcode"),
            ("first", "postcode"),
        ),
        BlockingKey(
            "last name sound, postcode",
            soundex("last") + pl.col("postcode"),
            ("last", "postcode"),
        ),
        BlockingKey(
            "last name sound, company",
            soundex("last") + pl.col("company"),
            ("last", "company"),
        ),
    ),
    order="sort",
)

COMPANY_SPEC = Spec(
    comparisons=(
        Comparison("name", "name", TOKEN_SORT, TEXT_LEVELS, qualified=legal_form),
        Comparison("domain", "domain"),
        Comparison("street", "street", TOKEN_SORT, TEXT_LEVELS),
        Comparison("city", "city", JARO_WINKLER, (0.90,)),
        Comparison("postcode", "postcode"),
    ),
    blocking=(
        BlockingKey("domain", pl.col("domain"), ("domain",)),
        BlockingKey("name prefix", _prefix("name", 5), ("name",)),
        BlockingKey("name sound, city", soundex("name") + pl.col("city"), ("name", "city")),
    ),
    order="name",
)


def _schema(columns: list[str]) -> dict[str, pl.DataType]:
    """Ids and strings, even in a chunk where a column is all null (chunks must concatenate)."""
    return {c: pl.Int64() if c == "id" else pl.String() for c in columns}


def contact_frame_from(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (id, first, last, email, phone, company, street, city, postcode) as a frame."""
    columns = ["id", "first", "last", "email", "phone", "company", "street", "city", "postcode"]
    raw = pl.DataFrame(rows, schema=_schema(columns), orient="row")
    return raw.with_columns(
        *(folded(c) for c in ("first", "last", "company", "street", "city")),
        pl.col("email").fill_null("").str.to_lowercase(),
        pl.col("phone").fill_null(""),
        pl.col("postcode").fill_null("").str.replace_all(r"\s", "").str.to_lowercase(),
    ).with_columns(sort=pl.concat_str("last", "first", separator=" "))


def company_frame_from(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (id, name, domain, street, city, postcode) as a frame."""
    columns = ["id", "name", "domain", "street", "city", "postcode"]
    raw = pl.DataFrame(rows, schema=_schema(columns), orient="row")
    return raw.with_columns(
        *(folded(c) for c in ("name", "street", "city")),
        pl.col("domain").fill_null("").str.to_lowercase(),
        pl.col("postcode").fill_null("").str.replace_all(r"\s", "").str.to_lowercase(),
    )


def _contact_rows() -> QuerySet:
    return Contact.objects.values_list(
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "primary_company__name",
        "street",
        "city",
        "postal_code",
    )


def _company_rows() -> QuerySet:
    return Company.objects.values_list("id", "name", "domain", "street", "city", "postal_code")


@dataclass(frozen=True)
class Entity:
    name: str  # contact, company
    spec: Spec
    load: Callable[[], pl.DataFrame]
    merge_entity: str  # as merges name it: contacts.contact


def _read(rows: QuerySet, build: Callable[[list[tuple]], pl.DataFrame]) -> pl.DataFrame:
    """The query's rows as one frame, built a chunk at a time: a million contacts never live
    as a million Python tuples at once (one query still: a server-side cursor on PostgreSQL)."""
    cursor = rows.iterator(chunk_size=READ_CHUNK)
    frames = []
    while chunk := list(islice(cursor, READ_CHUNK)):
        frames.append(build(chunk))
    return pl.concat(frames) if frames else build([])


def _companies() -> pl.DataFrame:
    return _read(_company_rows(), company_frame_from)


def _contacts() -> pl.DataFrame:
    return _read(_contact_rows(), contact_frame_from)


ENTITIES = {
    CONTACT: Entity(CONTACT, CONTACT_SPEC, _contacts, "contacts.contact"),
    COMPANY: Entity(COMPANY, COMPANY_SPEC, _companies, "contacts.company"),
}
