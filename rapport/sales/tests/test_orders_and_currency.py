import datetime as dt
from decimal import Decimal

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.sales.currency import RateBook
from rapport.sales.models import Order, OrderLine
from rapport.sales.queries import lifetime_revenue
from rapport.sales.services import exchange_rate_set, order_upsert


@pytest.fixture
def rates(scoped, owner):
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1.10"
    )
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 3, 1), rate="1.20"
    )


def test_conversion_uses_the_latest_rate_on_or_before_the_day(rates, scoped):
    book = RateBook(scoped)
    assert book.to_base(Decimal("100"), "EUR", dt.date(2026, 2, 28)) == Decimal("110.00")
    assert book.to_base(Decimal("100"), "EUR", dt.date(2026, 3, 1)) == Decimal("120.00")
    assert book.to_base(Decimal("100"), "USD", dt.date(2020, 1, 1)) == Decimal("100.00")
    with pytest.raises(ServiceValidationError, match="no EUR"):
        book.to_base(Decimal("1"), "EUR", dt.date(2025, 12, 31))


def test_a_rate_must_be_positive_and_not_for_the_base_currency(scoped, owner):
    with pytest.raises(ServiceValidationError):
        exchange_rate_set(
            workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="0"
        )
    with pytest.raises(ServiceValidationError):
        exchange_rate_set(
            workspace=scoped, actor=owner, currency="USD", day=dt.date(2026, 1, 1), rate="1"
        )


def test_a_rate_longer_than_its_column_is_refused(scoped, owner):
    """The rate column keeps 10 whole digits: SQLite stored a longer rate and every conversion
    then failed; PostgreSQL failed the write."""
    with pytest.raises(ServiceValidationError) as refused:
        exchange_rate_set(
            workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1e12"
        )

    assert refused.value.errors[0].message == "at most 9 digits before the decimal point"


def push(scoped, owner, contact, **over):
    data = {
        "external_id": "SHOP-1001",
        "ordered_at": "2026-02-10T10:00:00+00:00",
        "currency": "EUR",
        "contact_id": contact.pk,
        "channel": "ecommerce",
        "lines": [{"sku": "MUG", "description": "Mug", "quantity": 2, "unit_price": "12.50"}],
    }
    data.update(over)
    return order_upsert(workspace=scoped, actor=owner, data=data)


def test_pushing_the_same_external_id_updates_instead_of_duplicating(rates, scoped, owner):
    ann = make_contact(scoped, owner)
    order, created = push(scoped, owner, ann)
    assert created and order.total == Decimal("25.00")
    again, created_again = push(
        scoped,
        owner,
        ann,
        status="refunded",
        lines=[{"sku": "MUG", "quantity": 3, "unit_price": "12.50"}],
    )
    assert (again.pk, created_again) == (order.pk, False)
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    again.refresh_from_db()
    assert (again.status, again.total) == ("refunded", Decimal("37.50"))
    actions = list(AuditEntry.objects.filter(entity="sales.order").values_list("action", flat=True))
    assert sorted(actions) == ["create", "update"]


def test_a_bad_order_names_its_fields_and_writes_nothing(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        order_upsert(
            workspace=scoped,
            actor=owner,
            data={
                "external_id": "X",
                "currency": "EURO",
                "lines": [{"quantity": "two"}],
            },
        )
    assert {"currency", "contact_id", "lines.0.quantity", "lines.0.unit_price"} <= set(
        exc.value.as_dict()
    )
    assert not Order.objects.exists()


def test_lifetime_revenue_converts_each_order_at_its_date(rates, scoped, owner):
    ann = make_contact(scoped, owner)
    push(scoped, owner, ann)  # 25 EUR on 10 Feb at 1.10
    push(scoped, owner, ann, external_id="SHOP-1002", ordered_at="2026-03-05T00:00:00+00:00")
    push(scoped, owner, ann, external_id="SHOP-1003", currency="USD", status="cancelled")
    assert lifetime_revenue(workspace=scoped, contact_id=ann.pk) == Decimal("57.50")
