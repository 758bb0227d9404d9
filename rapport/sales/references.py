"""How the audit trail names the sales records it refers to."""

from rapport.audit.labels import audit_record_page
from rapport.audit.references import audit_reference
from rapport.sales.models import Deal, Pipeline, Product, Stage


@audit_reference("stage", "from_stage", "to_stage")
def stage_names(ids: set[int]) -> dict[int, str]:
    return dict(Stage.objects.filter(pk__in=ids).values_list("pk", "name"))


@audit_reference("pipeline")
def pipeline_names(ids: set[int]) -> dict[int, str]:
    return dict(Pipeline.objects.filter(pk__in=ids).values_list("pk", "name"))


@audit_reference("deals", "deal")
def deal_names(ids: set[int]) -> dict[int, str]:
    return dict(Deal.objects.filter(pk__in=ids).values_list("pk", "name"))


@audit_reference("product")
def product_names(ids: set[int]) -> dict[int, str]:
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))


audit_record_page("sales.deal", "sales:deal_detail")
audit_record_page("sales.lead", "sales:lead_detail")
