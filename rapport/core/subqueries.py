"""Counting related rows per row of a list in the list's own query, without a join that would
multiply the rows (a correlated subquery, the same on SQLite and PostgreSQL)."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_per_row(rows: QuerySet, field: str) -> Coalesce:
    """How many of `rows` have `field` pointing at the outer query's row (0 for none)."""
    counted = rows.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
    )
