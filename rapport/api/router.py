"""`/api/v1/`: assembles each app's routers into one versioned API.

Each app owns its endpoints in its `api.py`; this module only mounts them, installs the
problem-details error handling, and serves the OpenAPI schema (`/api/v1/openapi.json`) and
its docs page (`/api/v1/docs`, Swagger UI from local static files).
"""

from typing import Any

from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from rapport.activities.api import router as activities_router
from rapport.api.methods import every_method_answered
from rapport.api.parser import JsonParser
from rapport.api.permissions import READ
from rapport.api.problem import document_problems, install_problem_handlers, not_found_view
from rapport.campaigns.api import router as campaigns_router
from rapport.contacts.api import companies, contacts, custom_fields, tags
from rapport.data.api import router as data_router
from rapport.data.export_api import router as exports_router
from rapport.dedupe.api import router as dedupe_router
from rapport.feedback.api import router as feedback_router
from rapport.knowledge.api import router as knowledge_router
from rapport.marketing.api import router as marketing_router
from rapport.merge.api import router as merge_router
from rapport.privacy.api import router as privacy_router
from rapport.sales.api import router as sales_router
from rapport.sequences.api import router as sequences_router
from rapport.service.api import router as service_router
from rapport.tenancy.api import router as me_router

DESCRIPTION = """
JSON API of Rapport, the open-source CRM.

**Authentication.** Send a personal API token as `Authorization: Bearer rpt_...`, or use the
web session cookie (then unsafe methods need the `csrftoken` cookie's value as the
`X-CSRFToken` header). Every call acts in one workspace: the token's, or the session's.

**Errors** are RFC 9457 problem details (`application/problem+json`) with an `errors` list
naming each bad field, e.g. `{"field": "emails.0", "message": "..."}`. Strict by design: an
unknown key in a body or an unknown query parameter is refused by name, never ignored.

**Bodies** are JSON, sent as `Content-Type: application/json`: another media type is a 415,
a body that is not valid JSON a 400.

**Creates** answer 201 with the new record, its URL in the `Location` header.

**Lists** are cursor-paginated: follow `next_cursor` with `?cursor=`; pages stay stable while
records are added.
"""


class RapportAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        document_problems(schema)
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        # The catch-all last, so it only answers paths no endpoint matched; any character,
        # a newline too (`.` skips it: such a path fell through to the site's HTML 404).
        urls = [*super()._get_urls(), re_path(r"^[\s\S]+$", not_found_view)]
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = every_method_answered(pattern.callback)
        return urls


api = RapportAPI(
    title="Rapport API",
    version="1",
    description=DESCRIPTION,
    auth=READ,
    urls_namespace="api-v1",
    parser=JsonParser(),
)
install_problem_handlers(api)
api.add_router("/me", me_router)
api.add_router("/contacts", contacts)
api.add_router("/companies", companies)
api.add_router("/activities", activities_router)
api.add_router("/tags", tags)
api.add_router("/custom-fields", custom_fields)
api.add_router("/sales", sales_router)
api.add_router("/service", service_router)
api.add_router("/knowledge", knowledge_router)
api.add_router("/feedback", feedback_router)
api.add_router("/data", data_router)
api.add_router("/exports", exports_router)
api.add_router("/merge", merge_router)
api.add_router("/marketing", marketing_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/sequences", sequences_router)
api.add_router("/dedupe", dedupe_router)
api.add_router("/privacy", privacy_router)
