"""Merge fields: a template's subject and bodies rendered for one contact.

Jinja's sandbox renders them, fed plain dicts (never model objects), so a template can read the
merge fields and nothing else; the HTML body is autoescaped, so a contact named `<script>` is
shown, not run. A missing field renders empty and falls back with `or`:
`Hello {{ contact.first_name or "there" }}`.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from rapport.contacts.models import Contact
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.tenancy.models import Workspace

_text_env = SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined)
_html_env = SandboxedEnvironment(autoescape=True, undefined=ChainableUndefined)
TEMPLATE_PARTS = {"subject": _text_env, "body_text": _text_env, "body_html": _html_env}

# Shown in the editor: the fields a template may use.
MERGE_FIELDS = [
    "contact.first_name",
    "contact.last_name",
    "contact.full_name",
    "contact.email",
    "contact.job_title",
    "contact.company",
    "contact.city",
    "contact.country",
    "contact.custom.<key>",
    "workspace.name",
    "unsubscribe_url",
]


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str


def merge_context(contact: Contact, workspace: Workspace, unsubscribe_url: str) -> dict[str, Any]:
    company = contact.primary_company
    return {
        "contact": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "full_name": f"{contact.first_name} {contact.last_name}".strip(),
            "email": contact.email,
            "job_title": contact.job_title,
            "company": company.name if company else "",
            "city": contact.city,
            "country": contact.country,
            "custom": dict(contact.custom_fields or {}),
        },
        "workspace": {"name": workspace.name},
        "unsubscribe_url": unsubscribe_url,
    }


def template_check(parts: dict[str, str]) -> None:
    """Refuse a template that does not parse, naming the part and the line."""
    errors = []
    for name, source in parts.items():
        try:
            TEMPLATE_PARTS[name].parse(source)
        except TemplateSyntaxError as exc:
            errors.append(FieldError(name, f"line {exc.lineno}: {exc.message}"))
    if errors:
        raise ServiceValidationError(errors)


@lru_cache(maxsize=256)
def _compiled(part: str, source: str) -> Template:
    """Compiling is most of a render's cost; a campaign renders the same source thousands of
    times."""
    return TEMPLATE_PARTS[part].from_string(source)


def render_parts(parts: dict[str, str], context: dict[str, Any]) -> RenderedMail:
    """Render subject and bodies; an expression the sandbox refuses is an error of its part."""
    out: dict[str, str] = {}
    for name in TEMPLATE_PARTS:
        try:
            out[name] = _compiled(name, parts.get(name, "")).render(context)
        except TemplateError as exc:
            raise ServiceValidationError.single(name, f"cannot be rendered: {exc}") from exc
    return RenderedMail(
        subject=" ".join(out["subject"].split()),  # no header injection through a merge field
        body_text=out["body_text"],
        body_html=out["body_html"],
    )
