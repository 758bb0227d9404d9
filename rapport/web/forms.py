"""Form helpers shared by every UI form: service errors shown next to their fields, and the
flow of a settings page's one form."""

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from rapport.core.errors import ServiceValidationError
from rapport.web.access import check_scope

_INDEX_SUFFIX = re.compile(r"\.\d+$")


def add_service_errors(
    form: forms.Form,
    exc: ServiceValidationError,
    field_names: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> None:
    """Put each service error on the form field it names (`emails.1` on `emails`, ...).

    `field_names` maps a service field name to the form's (`owner_id` → `owner`); custom field
    values (`custom_fields.key`) land on `cf_key`. An error for a field the form does not show
    becomes a form-wide error that still names the field, by its label in `labels` if there
    (a custom field's, which the user knows, not its key).
    """
    names = field_names or {}
    labels = labels or {}
    found_wrong = set(form.errors)
    for error in exc.errors:
        service_field = _INDEX_SUFFIX.sub("", error.field)
        if service_field.startswith("custom_fields."):
            name = "cf_" + service_field.removeprefix("custom_fields.")
        else:
            name = names.get(service_field, service_field)
        if name in form.fields:
            if name not in found_wrong:  # the form's own error on it says it first
                form.add_error(name, error.message)
        else:
            label = labels.get(service_field) or service_field.replace("_", " ")
            form.add_error(None, f"{label}: {error.message}")


class LinesField(forms.CharField):
    """One value per line (emails, phones, company names); the first one is the primary."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: object) -> object:
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class CommaListField(forms.CharField):
    """Comma-separated names (tags, choices)."""

    def prepare_value(self, value: object) -> object:
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


def settings_form(
    request: HttpRequest,
    make_form: Callable[..., forms.Form],
    *,
    initial: dict[str, Any],
    save: Callable[[dict[str, Any]], str],
    scope: str | None = None,
) -> tuple[forms.Form, HttpResponse | None]:
    """A settings page's form: on GET filled with `initial`; on POST (its `scope` checked
    first) validated and handed to `save`, a service call that answers with the message to
    show. Saved: a redirect back to the page; refused: the form with its errors."""
    if request.method != "POST":
        return make_form(initial=initial), None
    if scope is not None:
        check_scope(request, scope)
    form = make_form(request.POST)
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except ServiceValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return form, redirect(request.path)
    return form, None
