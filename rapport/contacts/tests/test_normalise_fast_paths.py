"""The fast paths of `email_normalise` and `search_key` give the full rules' answers."""

import pytest
from email_validator import EmailNotValidError, validate_email

from rapport.contacts.normalise import email_normalise
from rapport.core.errors import ServiceValidationError

LOCAL_64 = "a" * 64
DOMAIN_LONG = ".".join(["d" * 63] * 3) + ".com"  # 196 characters

ADDRESSES = [
    "ann@example.com",
    "Ann.O'Neil@Corp.Example.NET",
    "A.Beethoven12@exämple.de",
    "  padded@example.com  ",
    "x+tag@mail.example.org",
    "weird!#$%&'*+/=?^_`{|}~-@example.com",
    f"{LOCAL_64}@example.com",
    f"{LOCAL_64}b@example.com",
    f"{LOCAL_64}@{DOMAIN_LONG}",
    f"{'b' * 60}@{DOMAIN_LONG}",
    "a@" + ".".join(["d" * 63] * 4),
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    '"quoted"@example.com',
    "zoë@example.com",
    "a@b@example.com",
    "a@localhost",
    "a@example",
    "a@x.invalid",
    "a@x.test",
    "a@x.local",
    "a@1.2.3.4",
    "a@[1.2.3.4]",
    "a@-x.com",
    "a@x-.com",
    "a@x_y.com",
    "a@.example.com",
    "a@example.com.",
    "a@example..com",
    "a @example.com",
    "not-an-email",
    "@example.com",
    "a@",
    "",
    "a@ex ample.com",
    "a@xn--exmple-cua.de",
    "a@EXÄMPLE.DE",
    "a@example.123",
]


def _reference(raw: str) -> str:
    raw = raw.strip()
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"error: '{raw}' is not a valid email: {exc}"
    return str(result.normalized).lower()


def _fast(raw: str) -> str:
    try:
        return email_normalise(raw)
    except ServiceValidationError as exc:
        return f"error: {exc.errors[0].message}"


@pytest.mark.parametrize("raw", ADDRESSES)
def test_it_answers_as_email_validator_does(raw):
    assert _fast(raw) == _reference(raw)
    assert _fast(raw) == _reference(raw)  # the domain's answer cached


def test_it_lowercases_the_address_and_keeps_an_idn_domain_in_unicode():
    assert email_normalise("Ann.B@Exämple.DE") == "ann.b@exämple.de"


def test_it_names_the_field_and_the_value_of_a_bad_address():
    with pytest.raises(ServiceValidationError) as caught:
        email_normalise("a..b@example.com", field="emails.1")
    assert caught.value.errors[0].field == "emails.1"
    assert "'a..b@example.com' is not a valid email" in caught.value.errors[0].message


@pytest.mark.parametrize(
    "text", ["  Anne  O'Neil ", "ÉLODIE Dupont", "Ångström\tMüller", "ﬁ ligature", "", "A\u00a0B"]
)
def test_search_keys_of_ascii_and_other_text_are_those_of_the_full_rule(text):
    import unicodedata

    from rapport.contacts.normalise import search_key

    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    assert search_key(text) == " ".join(stripped.lower().split())
