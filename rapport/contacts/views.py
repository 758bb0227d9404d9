"""Pages for contacts and companies.

Both lists, forms, detail pages and exports are the same views, told which kind of record they
serve by a `RecordKind`: what differs (fields, columns, services, queries) is data, not code.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from rapport.activities.forms import QUICK_ADD_KINDS, quick_add_forms
from rapport.activities.timeline import company_activities, contact_activities
from rapport.audit.timeline import record_changes
from rapport.contacts import listing, queries, services
from rapport.contacts.forms import (
    CompanyForm,
    ContactForm,
    ListFilterForm,
    RecordForm,
    SavedViewForm,
)
from rapport.contacts.listing import CONTACT_ROW_FIELDS, tag_names
from rapport.contacts.models import (
    CustomFieldEntity,
    LifecycleStage,
    SizeBand,
)
from rapport.contacts.quality_checks import CHECKS_OF
from rapport.contacts.queries import RecordFilter
from rapport.contacts.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_get,
    saved_views_list,
)
from rapport.core.errors import ServiceValidationError, StateConflict
from rapport.core.pagination import Page
from rapport.core.timeline import TimelineCursor, TimelinePage, timeline_for
from rapport.dedupe.queries import record_duplicates
from rapport.tenancy.access import memberships_of
from rapport.tenancy.data_version import kept
from rapport.tenancy.models import Workspace
from rapport.tenancy.roles import RECORDS_DELETE, RECORDS_EXPORT, RECORDS_WRITE
from rapport.web.access import (
    check_scope,
    found_or_404,
    member_required,
    membership_of,
    scope_required,
    workspace_of,
)
from rapport.web.fragments import TOKEN_MARK, kept_html, put_token, quick_add_panels
from rapport.web.htmx import is_partial
from rapport.web.kept_urls import url_pattern
from rapport.web.templatetags.rapport_ui import (
    initials,
    memberships_key,
    phone_format,
    sort_arrow,
    sort_url,
    user_name,
)
from rapport.web.timeline_html import has_writer, time_marks_fill

PAGE_SIZE = 50
TIMELINE_PAGE = 20


@dataclass(frozen=True)
class Column:
    label: str
    sort: str = ""  # the list's sort name ("name", "updated", ...), or "" if not sortable
    css: str = ""


_KIND_URLS: dict[tuple[str, str], dict[str, str]] = {}


@dataclass(frozen=True)
class RecordKind:
    name: str  # "contact": URL names, templates and wording
    plural: str
    entity: str  # CustomFieldEntity value
    form_class: type[RecordForm]
    get: Callable[[int], Model]
    page: Callable[[RecordFilter, Workspace, str, str | None, int], Page[Any]]
    count: Callable[[RecordFilter, Workspace], int | None]  # capped; None: took too long
    sorts: dict[str, Any]
    check: Callable[..., None]
    create: Callable[..., Model]
    update: Callable[..., Model]
    delete: Callable[..., None]
    columns: list[Column]
    filters: list[str]
    search_hint: str
    rows: Callable[[list[Any]], SafeString]
    extra: dict[str, Any] = field(default_factory=dict)

    def url_name(self, action: str) -> str:
        return f"contacts:{self.name}_{action}"

    def url(self, action: str, *args: Any) -> str:
        if len(args) == 1 and isinstance(args[0], int):
            return _url_pattern(self.url_name(action))(args[0])
        return reverse(self.url_name(action), args=args)

    @property
    def urls(self) -> dict[str, str]:
        # Read ten times by a list page: reversed once per process (and script prefix).
        prefix = get_script_prefix()
        urls = _KIND_URLS.get((self.name, prefix))
        if urls is None:
            urls = {a: self.url(a) for a in ("list", "new", "view_save", "count")}
            _KIND_URLS[(self.name, prefix)] = urls
        return urls

    def record_urls(self, pk: int) -> dict[str, str]:
        return {a: self.url(a, pk) for a in ("detail", "edit", "delete", "timeline")}


# --- list rows --------------------------------------------------------------------------------
#
# A list page shows 50 rows. Rendered through a template (an include per row, two {% url %}, a
# phone filter and two date filters each) they cost about 27 ms of CPU a page; written here in
# one pass, with the URLs built from a prefix reversed once, about 2 ms. Every value goes
# through `html.escape`, which is what the templates' autoescaping runs (django.utils.html.escape
# without its lazy-string wrapper); the markup is the same.


# The list rows' (and the deal board's, rapport/sales/board_cards.py) name for it.
_url_pattern = url_pattern


# `MONTHS_3` translated and titled, per language: twelve lazy translations a page otherwise.
_MONTHS: dict[str | None, dict[int, str]] = {}


class _Dates:
    """`date:'M j, Y H:i'` and `date:'M j, Y'` of the templates, in the current time zone."""

    def __init__(self) -> None:
        language = get_language()
        months = _MONTHS.get(language)
        if months is None:
            months = _MONTHS[language] = {n: str(MONTHS_3[n]).title() for n in range(1, 13)}
        self.months = months
        self.zone = timezone.get_current_timezone()

    def cell(self, value: dt.datetime | None) -> str:
        if value is None:
            return '<time datetime="" title=""></time>'
        local = value.astimezone(self.zone) if timezone.is_aware(value) else value
        day = f"{self.months[local.month]} {local.day}, {local.year}"
        return (  # an ISO date is digits and "-:.+T": nothing to escape
            f'<time datetime="{value.isoformat()}" '
            f'title="{day} {local.hour:02d}:{local.minute:02d}">{day}</time>'
        )


class _Users:
    """`user_name` of each owner once per page (a page has a handful of owners)."""

    def __init__(self) -> None:
        self.seen: dict[int, str] = {}

    def name(self, user: Any) -> str:
        if user is None:
            return ""
        label = self.seen.get(user.pk)
        if label is None:
            label = self.seen[user.pk] = escape(user.get_full_name() or user.get_username())
        return label


def _tags_html(record: Any) -> str:
    return "".join(f'<span class="tag">{escape(name)}</span>' for name in tag_names(record))


_STAGES = {value: escape(label) for value, label in LifecycleStage.choices}
_STAGE_CLASSES = {value: escape(value) for value, _ in LifecycleStage.choices}
_SIZES = {value: escape(label) for value, label in SizeBand.choices}
_ROW_GAP = "\n      "


def contact_rows(records: list[Any]) -> SafeString:
    contact_url = _url_pattern("contacts:contact_detail")
    company_url = _url_pattern("contacts:company_detail")
    dates, users = _Dates(), _Users()
    out = []
    for c in records:
        name = escape(c.display_name)
        job = f'<small class="muted">{escape(c.job_title)}</small>' if c.job_title else ""
        email = escape(c.email)
        email_cell = (
            f'<a href="mailto:{email}" class="subtle" title="{email}">{email}</a>'
            if c.email
            else ""
        )
        company = escape(c.primary_company.name) if c.primary_company else ""
        company_cell = (
            f'<a href="{company_url(c.primary_company_id)}" class="subtle"'
            f' title="{company}">{company}</a>'
            if company
            else ""
        )
        stage = c.lifecycle_stage
        out.append(
            "<tr>\n"
            f'  <td class="select-cell"><input type="checkbox" name="contact_ids" value="{c.pk}"'
            f' aria-label="Select {name}"></td>\n'
            f'  <td><a class="rowlink" href="{contact_url(c.pk)}" title="{name}">'
            '<span class="avatar avatar-sm">'
            f"{escape(initials(c.display_name))}</span><span><strong>{name}</strong>{job}</span>"
            "</a></td>\n"
            f'  <td class="hide-sm">{email_cell}</td>\n'
            f'  <td class="hide-lg nowrap">{escape(phone_format(c.phone))}</td>\n'
            f'  <td class="hide-sm">{company_cell}</td>\n'
            f'  <td><span class="badge stage-{_STAGE_CLASSES.get(stage) or escape(stage)}">'
            f"{_STAGES.get(stage) or escape(stage)}</span></td>\n"
            f'  <td class="hide-md">{users.name(c.owner)}</td>\n'
            f'  <td class="hide-lg">{_tags_html(c)}</td>\n'
            f'  <td class="hide-sm num nowrap">{dates.cell(c.updated_at)}</td>\n'
            "</tr>\n"
        )
    return mark_safe(_ROW_GAP.join(out))  # every value above is escaped


def company_rows(records: list[Any]) -> SafeString:
    company_url = _url_pattern("contacts:company_detail")
    dates, users = _Dates(), _Users()
    out = []
    for c in records:
        parent = f'<small class="muted">part of {escape(c.parent.name)}</small>' if c.parent else ""
        domain = escape(c.domain)
        domain = f'<span class="subtle" title="{domain}">{domain}</span>' if domain else ""
        size = c.size_band
        out.append(
            "<tr>\n"
            f'  <td><a class="rowlink" href="{company_url(c.pk)}" title="{escape(c.name)}">'
            f'<span class="avatar avatar-sm avatar-square">{escape(initials(c.name))}</span>'
            f"<span><strong>{escape(c.name)}</strong>{parent}</span></a></td>\n"
            f'  <td class="hide-sm">{domain}</td>\n'
            f'  <td class="hide-md" title="{escape(c.industry)}">{escape(c.industry)}</td>\n'
            f'  <td class="hide-md nowrap">{_SIZES.get(size) or escape(size)}</td>\n'
            f'  <td class="hide-md">{users.name(c.owner)}</td>\n'
            f'  <td class="hide-lg">{_tags_html(c)}</td>\n'
            f'  <td class="hide-sm num nowrap">{dates.cell(c.updated_at)}</td>\n'
            "</tr>\n"
        )
    return mark_safe(_ROW_GAP.join(out))  # every value above is escaped


def table_head(kind: RecordKind, params: QueryDict, sort: str) -> SafeString:
    """The list table's header cells, each sortable column a link to its sort (the query
    kept, the cursor dropped): what the template's loop over `kind.columns` wrote, with its
    autoescaping, at a fifth of the cost, which counts when every new search renders a table."""
    cells = []
    for col in kind.columns:
        label = escape(col.label)
        if col.sort:
            url = escape(sort_url(params, col.sort, sort))
            on = " is-sorted" if sort.replace("-", "") == col.sort.replace("-", "") else ""
            label = (
                f'<a class="sort{on}" href="{url}" hx-get="{url}" hx-target="#record-table" '
                f'hx-swap="outerHTML" hx-push-url="true">{label} '
                f'<span class="arrow">{escape(sort_arrow(col.sort, sort))}</span></a>'
            )
        cells.append(f'<th class="{escape(col.css)}" scope="col">{label}</th>')
    return mark_safe("".join(cells))  # every value above is escaped


CONTACTS = RecordKind(
    name="contact",
    plural="contacts",
    entity=CustomFieldEntity.CONTACT,
    form_class=ContactForm,
    get=lambda pk: queries.contact_get(contact_id=pk),
    page=lambda f, ws, sort, cursor, limit: listing.contact_page(
        f=f, workspace=ws, sort=sort, cursor=cursor, limit=limit, only=CONTACT_ROW_FIELDS
    ),
    count=lambda f, ws: listing.contact_count(f=f, workspace=ws),
    sorts=queries.CONTACT_SORTS,
    check=services.contact_check,
    create=services.contact_create,
    update=services.contact_update,
    delete=services.contact_delete,
    columns=[
        Column("", css="select-cell"),  # ticked rows go onto a static list (marketing)
        Column("Name", "name"),
        Column("Email", css="hide-sm"),
        Column("Phone", css="hide-lg"),
        Column("Company", css="hide-sm"),
        Column("Stage"),
        Column("Owner", css="hide-md"),
        Column("Tags", css="hide-lg"),
        Column("Updated", "-updated", css="hide-sm num"),
    ],
    filters=["owner", "tag", "lifecycle_stage", "company"],
    search_hint="Name, email, phone or company",
    rows=contact_rows,
    extra={"vcard": True},
)

COMPANIES = RecordKind(
    name="company",
    plural="companies",
    entity=CustomFieldEntity.COMPANY,
    form_class=CompanyForm,
    get=lambda pk: queries.company_get(company_id=pk),
    page=lambda f, ws, sort, cursor, limit: listing.company_page(
        f=f, workspace=ws, sort=sort, cursor=cursor, limit=limit
    ),
    count=lambda f, ws: listing.company_count(f=f, workspace=ws),
    sorts=queries.COMPANY_SORTS,
    check=services.company_check,
    create=services.company_create,
    update=services.company_update,
    delete=services.company_delete,
    columns=[
        Column("Name", "name"),
        Column("Domain", css="hide-sm"),
        Column("Industry", css="hide-md"),
        Column("Size", css="hide-md"),
        Column("Owner", css="hide-md"),
        Column("Tags", css="hide-lg"),
        Column("Updated", "-updated", css="hide-sm num"),
    ],
    filters=["owner", "tag"],
    search_hint="Name or domain",
    rows=company_rows,
)


# --- lists ----------------------------------------------------------------------------------


def _list_query(request: HttpRequest, kind: RecordKind) -> tuple[ListFilterForm, str]:
    form = ListFilterForm(request.GET, filters=kind.filters)
    form.is_valid()  # every field is optional; bad values are reported, the rest still apply
    sort = form.cleaned_data.get("sort") or "name"
    if sort not in kind.sorts:
        form.add_error("sort", f"Unknown sort {sort!r}.")
        sort = "name"
    return form, sort


def _table_html(
    request: HttpRequest, kind: RecordKind, form: ListFilterForm, sort: str, *, keep: bool = True
) -> str:
    """The rendered table of one list page, kept per workspace data version (unless not
    `keep`: rendered).

    The table shows records only (no write buttons, no form token), the same to every member:
    its key holds the query string and what the rendering reads besides (htmx or not,
    language, script prefix); the workspace, its version and the time zone are always in it.
    """
    workspace = workspace_of(request)
    htmx = bool(getattr(request, "htmx", False))

    def build() -> str:
        page: Page[Any] = Page(items=[], next_cursor=None, prev_cursor=None)
        try:
            f = form.record_filter()
            cursor = form.cleaned_data.get("cursor") or None
            page = kind.page(f, workspace, sort, cursor, PAGE_SIZE)
        except ServiceValidationError as exc:
            for error in exc.errors:
                form.add_error(None, f"{error.field}: {error.message}")
        context = {
            "kind": kind,
            "form": form,
            "page": page,
            "rows": kind.rows(page.items),
            "head": table_head(kind, request.GET, sort),
            "sort": sort,
            "params": request.GET,
            "export_buttons": _export_html(request, kind, oob=True) if htmx else "",
        }
        return render_to_string("contacts/_table.html", context, request=request)

    if not keep:
        return build()
    inputs = (
        sorted(request.GET.lists()),
        htmx,
        # The filtered table re-sends the export buttons, shown only to roles that may export.
        membership_of(request).has_scope(RECORDS_EXPORT),
        get_language(),
        get_script_prefix(),
    )
    return kept(workspace=workspace, name=f"{kind.plural}-table", inputs=inputs, build=build)


def _list_options(workspace: Workspace) -> dict[str, list[tuple[Any, str]]]:
    """The filter selects' choices (members, tags), kept per workspace data version."""

    return kept(
        workspace=workspace,
        name="list-options",
        inputs=(),
        build=lambda: queries.filter_options(workspace),
    )


def _options_html(choices: list[tuple[Any, str]], chosen: Any) -> SafeString:
    """A filter select's options after its blank one, the query's value selected: what the
    template's loop wrote (value and label escaped), written here since one option per member
    and tag through the template engine cost a sixth of a list page computed each time."""
    return mark_safe(  # every value is escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == chosen else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


# Stands for the search text in the kept filter form (`_filters_html`); as `TOKEN_MARK`.
_SEARCH_MARK = "mark" + salted_hmac("rapport.contacts.views", "filters-q").hexdigest()[:32]


def _filters_html(request: HttpRequest, kind: RecordKind, form: ListFilterForm, sort: str) -> str:
    """The rendered filter form (search, owner, tag, stage, company), kept per workspace data
    version: it shows the query's values and the workspace's members and tags, nothing that
    differs by user or role, and no form token (it is a GET form). The search text is put in
    each time (rendered as a mark), so a new search renders no filter form; the form's other
    fields are the query's, the same for every query under the same key."""
    workspace = workspace_of(request)
    # The search box's text: the raw text (the last of several), as the form's `q.value()`.
    text = request.GET.get("q") or ""

    def render(q: str) -> SafeString:
        choices, chosen = _list_options(workspace), form.cleaned_data
        options = {name: _options_html(choices[name], chosen.get(name)) for name in choices}
        quality = CHECKS_OF[kind.name].get(chosen.get("quality") or "")
        context = {
            "kind": kind,
            "form": form,
            "q": q,
            "sort": sort,
            "options": options,
            "quality": quality,
        }
        return render_to_string("contacts/_filters.html", context)

    def build() -> str:
        html = render(_SEARCH_MARK)
        return html if html.count(_SEARCH_MARK) == 1 else ""  # else: rendered each time

    query = sorted((k, v) for k, v in request.GET.lists() if k != "q")
    inputs = (query, get_language(), get_script_prefix())
    html = kept(workspace=workspace, name=f"{kind.plural}-filters", inputs=inputs, build=build)
    if not html:
        return render(text)
    return mark_safe(html.replace(_SEARCH_MARK, escape(text), 1))  # escaped as `{{ q }}`


def _saved_views(request: HttpRequest, kind: RecordKind) -> list[Any]:
    """The user's saved views of this list, kept per workspace data version and user."""
    return kept(
        workspace=workspace_of(request),
        name="saved-views",
        inputs=(request.user.pk, kind.entity),
        build=lambda: saved_views_list(
            workspace=workspace_of(request), user=request.user, entity=kind.entity
        ),
    )


# Stands for the query in the kept export buttons (`_export_html`); as `_SEARCH_MARK`.
_QUERY_MARK = "mark" + salted_hmac("rapport.contacts.views", "export-query").hexdigest()[:32]
# What the buttons' links drop from the query or set in it (data/_export_buttons.html).
_EXPORT_LINK_KEYS = frozenset({"cursor", "view", "team", "background"})


def _export_html(request: HttpRequest, kind: RecordKind, *, oob: bool = False) -> SafeString:
    """The export buttons of the page head: their links carry the query, so a search renders
    them itself and the kept shell has a mark in their place. They differ from one query to
    the next by the links' query strings only: rendered once per process (and workspace, kind,
    role, script prefix, language) with a mark for the query, the request's is put in, as the
    template's `query_with` writes it (escaped). A query holding a parameter the links drop
    or set is rendered as is. `oob`: as the filtered table re-sends them (htmx)."""
    can_export = membership_of(request).has_scope(RECORDS_EXPORT)

    def render(params: QueryDict) -> SafeString:
        context = {
            "entity": kind.plural,
            "vcard": kind.extra.get("vcard"),
            "params": params,
            "can_export": can_export,
            "oob": oob,
        }
        return mark_safe(render_to_string("data/_export_buttons.html", context))

    if _EXPORT_LINK_KEYS.intersection(request.GET):
        return render(request.GET)
    marked = QueryDict(mutable=True)
    marked[_QUERY_MARK] = "1"
    # As `keptfragment` keys: (name, values with the workspace first, prefix, language).
    values = (workspace_of(request).pk, kind.name, can_export, oob)
    key = ("export-buttons", values, get_script_prefix(), get_language())
    html = kept_html(key, lambda: render(marked))
    query = f"{_QUERY_MARK}=1"
    if html.count(query) != html.count(_QUERY_MARK):  # the template changed under this
        return render(request.GET)
    encoded = request.GET.urlencode()
    if not encoded:  # "?mark=1" -> "?", "?mark=1&amp;background=1" -> "?background=1"
        return mark_safe(html.replace(f"{query}&amp;", "").replace(query, ""))
    return mark_safe(html.replace(query, escape(encoded)))


def _list_page_html(request: HttpRequest, kind: RecordKind, **extra: Any) -> str:
    form, sort = _list_query(request, kind)
    parts = {
        "table": _table_html(request, kind, form, sort),
        "filters": _filters_html(request, kind, form, sort),
        "export_buttons": _export_html(request, kind),
    }
    return render_to_string(
        "contacts/list.html", _list_page_context(request, kind, **parts, **extra), request=request
    )


def _list_page_context(request: HttpRequest, kind: RecordKind, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "params": request.GET,
        "saved_views": _saved_views(request, kind),
        **extra,
    }


def _page_inputs(request: HttpRequest, *, query: bool = True) -> tuple[object, ...]:
    """What a whole kept page shows besides the workspace's data: the path and query, htmx or
    not, the role (write and delete buttons), the user (id, name, memberships with their
    workspace names and roles: the top bar's key), language, script prefix, and the
    mark standing for the CSRF token. Without `query`, whether there is one only (the list
    page's shell, `_list_shell`)."""
    membership = membership_of(request)
    user = request.user
    return (
        request.path,
        sorted(request.GET.lists()) if query else bool(request.GET),
        bool(getattr(request, "htmx", False)),
        membership.role,
        user.pk,
        user_name(user),
        memberships_key(memberships_of(user)),
        get_language(),
        get_script_prefix(),
        TOKEN_MARK,
    )


# Stand for the query's parts in the kept list page shell (`_list_shell`): derived from
# SECRET_KEY as `TOKEN_MARK`, so no one can put them in their text; hex, unchanged by escaping.
_SHELL_MARKS = {
    part: "mark" + salted_hmac("rapport.contacts.views", f"shell-{part}").hexdigest()[:32]
    for part in ("table", "filters", "export_buttons", "top_search_q")
}


def _list_shell(request: HttpRequest, kind: RecordKind) -> str:
    """The list page around its query's parts (table, filter form, export buttons, the top
    bar's search box), kept per workspace data version and what `_page_inputs` holds but the
    query (whether there is one: the "All" chip), with marks in their places. A search the
    whole page is not kept for (a new text) renders its table and filter form and splices them
    in, instead of list.html and the shell. Rendered here with the marks, the shell is the page
    `_list_page_html` renders, part for part; the CSRF token stays `TOKEN_MARK`.

    A search's table (a text in `q`) is not kept apart from its page, which is about to be
    kept whole: it would be read back only by the same search's page under another page key
    (another member), and costs a lookup and a write of its HTML (two of a new search's seven
    round trips to Redis, a third of the bytes it writes: docs/performance.md, fifteenth
    round). The list without a text, every member's first page, keeps its table."""

    def build() -> str:
        html = render_to_string(
            "contacts/list.html",
            _list_page_context(request, kind, csrf_token=TOKEN_MARK, **_SHELL_MARKS),
            request=request,
        )
        # Each mark once, or the templates changed under this: render whole pages instead.
        return html if all(html.count(m) == 1 for m in _SHELL_MARKS.values()) else ""

    shell = kept(
        workspace=workspace_of(request),
        name=f"{kind.plural}-shell",
        inputs=_page_inputs(request, query=False),
        build=build,
    )
    if not shell:
        return _list_page_html(request, kind, csrf_token=TOKEN_MARK)
    form, sort = _list_query(request, kind)
    searched = bool(form.cleaned_data.get("q"))
    parts = {
        "table": _table_html(request, kind, form, sort, keep=not searched),
        "filters": _filters_html(request, kind, form, sort),
        "export_buttons": _export_html(request, kind),
        "top_search_q": escape(request.GET.get("q", "")),
    }
    for part, mark in _SHELL_MARKS.items():
        shell = shell.replace(mark, parts[part], 1)
    return shell


def _list_page(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    """The whole list page, kept per workspace data version (saved views raise it too) and
    everything else it shows: the query, the user (id, name, memberships with their workspace
    names and roles: the top bar's key), the role (write and export buttons), htmx or not, time
    zone, language, script prefix. It is kept with `TOKEN_MARK` as its CSRF token and each
    request puts its own in, so a hit renders no template (the mark, from SECRET_KEY, is in
    the key); a miss renders only the query's parts (`_list_shell`). A page with flash
    messages pending is rendered as always, and not kept."""
    if len(messages.get_messages(request)):
        return HttpResponse(_list_page_html(request, kind))
    html = kept(
        workspace=workspace_of(request),
        name=f"{kind.plural}-page",
        inputs=_page_inputs(request),
        build=lambda: _list_shell(request, kind),
    )
    return HttpResponse(put_token(html, get_token(request)))


@member_required
@require_GET
def record_list(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    if is_partial(request, "record-table"):
        form, sort = _list_query(request, kind)
        response = HttpResponse(_table_html(request, kind, form, sort))
    else:
        response = _list_page(request, kind)
    patch_vary_headers(response, ("HX-Request",))
    return response


# What the count does not depend on: which page, in which order.
_NOT_COUNTED = frozenset({"cursor", "sort"})


class _CountOutOfTime(Exception):
    """The database gave up counting (`listing.COUNT_TIMEOUT_MS`)."""


@member_required
@require_GET
def record_count(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    """How many records the list's query matches ("2,314 contacts", "10,000+ contacts",
    "many contacts"), asked by the list's table once it is shown (`hx-trigger="load"`), so
    the page never waits for it; kept per workspace data version and query (every page and
    sort of a query shares it)."""
    form, _ = _list_query(request, kind)
    workspace = workspace_of(request)

    def build() -> int:
        try:
            n = kind.count(form.record_filter(), workspace)
        except ServiceValidationError:  # the table says what is wrong
            return 0
        if n is None:
            raise _CountOutOfTime  # not kept: a busy minute must not say "many" until a write
        return n

    query = sorted((k, v) for k, v in request.GET.lists() if k not in _NOT_COUNTED)
    n: int | None
    try:
        n = kept(workspace=workspace, name=f"{kind.plural}-count", inputs=(query,), build=build)
    except _CountOutOfTime:
        n = None
    context = {
        "n": None if n is None else f"{min(n, listing.COUNT_CAP):,}",
        "capped": n is not None and n > listing.COUNT_CAP,
        "noun": kind.name if n == 1 else kind.plural,
    }
    return render(request, "contacts/_count.html", context)


@member_required
@require_POST
def saved_view_save(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    form = SavedViewForm(request.POST)
    filters = ListFilterForm(request.POST, filters=kind.filters)
    if form.is_valid() and filters.is_valid():
        view = saved_view_create(
            workspace=workspace_of(request),
            user=request.user,
            entity=kind.entity,
            name=form.cleaned_data["name"],
            params=filters.saved_params(),
        )
        messages.success(request, f"Saved view “{view.name}”.")
        url = _saved_view_url(kind, view.params)
    else:
        messages.error(request, "Give the view a name to save it.")
        url = kind.url("list")
    # Saved over htmx (with the filter form's current values): the whole page goes there.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


def _saved_view_url(kind: RecordKind, params: dict[str, str]) -> str:
    query = QueryDict(mutable=True)
    query.update(params)
    return f"{kind.url('list')}?{query.urlencode()}" if params else kind.url("list")


@member_required
@require_POST
def saved_view_remove(request: HttpRequest, kind: RecordKind, view_id: int) -> HttpResponse:
    view = found_or_404(saved_view_get, user=request.user, saved_view_id=view_id)
    saved_view_delete(saved_view=view)
    messages.success(request, f"Deleted view “{view.name}”.")
    return redirect(kind.url("list"))


# --- create and edit -------------------------------------------------------------------------


def _record_form_page(request: HttpRequest, kind: RecordKind, record: Model | None) -> HttpResponse:
    workspace = workspace_of(request)
    data = request.POST if request.method == "POST" else None
    form = kind.form_class(data, workspace=workspace, instance=record)
    duplicates: list[Any] = []
    if data is not None:
        # Every error at once, the form's and the service's (an unknown company must not hide
        # a bad email), and before any duplicate warning, which "Save anyway" would not fix.
        form.is_valid()
        try:
            kind.check(workspace=workspace, data=form.service_data(), **{kind.name: record})
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
    if data is not None and form.is_valid() and "save_anyway" not in data:
        duplicates = record_duplicates(
            entity=kind.name, data=form.service_data(), exclude_id=record.pk if record else None
        )
    if data is not None and not duplicates and form.is_valid():
        try:
            if record is None:
                record = kind.create(
                    workspace=workspace, actor=request.user, data=form.service_data()
                )
            else:
                kind.update(
                    workspace=workspace,
                    actor=request.user,
                    data=form.service_data(),
                    **{kind.name: record},
                )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved {record}.")
            return redirect(kind.url("detail", record.pk))
    back_url = kind.url("detail", record.pk) if record else kind.url("list")
    context = {
        "kind": kind,
        "form": form,
        "record": record,
        "back_url": back_url,
        "duplicates": duplicates,
    }
    return render(request, "contacts/form.html", context)


@scope_required(RECORDS_WRITE)
def record_new(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    return _record_form_page(request, kind, None)


@scope_required(RECORDS_WRITE)
def record_edit(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    return _record_form_page(request, kind, found_or_404(kind.get, pk=pk))


@scope_required(RECORDS_DELETE)
def record_delete(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    record = found_or_404(kind.get, pk=pk)
    if request.method == "POST":
        try:
            kind.delete(workspace=workspace_of(request), actor=request.user, **{kind.name: record})
        except StateConflict as exc:  # another record still needs it (a ticket's requester)
            messages.error(request, f"{record} {exc.errors[0].message}.")
            return redirect(kind.url("detail", record.pk))
        messages.success(request, f"Deleted {record}.")
        return redirect(kind.url("list"))
    context = {"kind": kind, "record": record, "back_url": kind.url("detail", record.pk)}
    return render(request, "contacts/confirm_delete.html", context)


# --- detail page ------------------------------------------------------------------------------


def _field_rows(kind: RecordKind, form: RecordForm, record: Model) -> list[dict[str, Any]]:
    return _with_field_urls(kind, form.detail_rows(), record)


def _with_field_urls(
    kind: RecordKind, rows: list[dict[str, Any]], record: Model
) -> list[dict[str, Any]]:
    if rows:
        marker = "field-name-marker"
        prefix, suffix = kind.url("field", record.pk, marker).split(marker)
        for row in rows:
            row["url"] = f"{prefix}{row['name']}{suffix}"
    return rows


# Timeline sources whose rows are written only through audited services (each write raises
# the workspace's data version) and whose items have a writer that marks what changes with
# the clock: while no other source has rows in the workspace, a record's page can be kept.
_KEPT_TIMELINE_SOURCES = {record_changes, contact_activities, company_activities}


def _timeline_keepable(timeline: TimelinePage) -> bool:
    """Whether the record's page may be kept: every timeline source that ran (those that may
    have rows in the workspace) is one of `_KEPT_TIMELINE_SOURCES` (campaign opens and
    clicks, say, arrive without a version raise) and every item shown has a writer."""
    return all(source in _KEPT_TIMELINE_SOURCES for source in timeline.sources) and all(
        has_writer(item.kind) for item in timeline.items
    )


def _detail_page_html(request: HttpRequest, kind: RecordKind, pk: int) -> tuple[str, bool]:
    """The record's page with `TOKEN_MARK` as its CSRF token and time marks for "ago" and
    overdue (`time_marks_fill`), and whether it may be kept."""
    record = found_or_404(kind.get, pk=pk)
    workspace = workspace_of(request)
    membership = membership_of(request)
    # Custom field definitions change only through audited services: kept per data version.
    definitions = kept(
        workspace=workspace,
        name="custom-field-definitions",
        inputs=(kind.entity,),
        build=lambda: queries.custom_fields_of(workspace=workspace, entity=kind.entity),
    )
    rows = kind.form_class.read_only_rows(instance=record, definitions=definitions)
    quick_add: list[Any] = []
    quick_add_html = ""
    if membership.has_scope(RECORDS_WRITE):  # the timeline card shows them to writers only
        quick_add, quick_add_html = quick_add_panels(
            workspace=workspace,
            record=record,
            kinds=QUICK_ADD_KINDS,
            make_forms=lambda: quick_add_forms(
                workspace=workspace, record=record, user=request.user
            ),
            user_id=request.user.pk,
        )
    timeline = timeline_for(record, limit=TIMELINE_PAGE, workspace=workspace)
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in _with_field_urls(kind, rows, record):
        sections.setdefault(row["section"], []).append(row)
    context = {
        "kind": kind,
        "record": record,
        "rows": sections.pop("Details", []),
        "row_sections": list(sections.items()),
        "timeline": timeline,
        "timeline_url": kind.url("timeline", record.pk),
        "urls": kind.record_urls(record.pk),
        "quick_add": quick_add,
        "quick_add_html": quick_add_html,
        "can_delete": membership.has_scope(RECORDS_DELETE),
        "csrf_token": TOKEN_MARK,
        "timeline_time_marks": True,
    }
    html = render_to_string(f"contacts/{kind.name}_detail.html", context, request=request)
    return html, _timeline_keepable(timeline)


@member_required
@require_GET
def record_detail(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    """The record's page, kept like the list page (`_list_page`) per workspace data version,
    the path and everything else it shows, while its timeline allows (`_timeline_keepable`);
    a hit renders no template and reads no record: a page is kept only once found in this
    workspace under this version, and a delete raises the version. What changes with the
    clock alone is written each request (`time_marks_fill`)."""
    built: list[str] = []

    def build() -> str:
        html, keepable = _detail_page_html(request, kind, pk)
        built.append(html)
        return html if keepable else ""  # "": rendered each time

    if len(messages.get_messages(request)):
        html = _detail_page_html(request, kind, pk)[0]
    else:
        html = kept(
            workspace=workspace_of(request),
            name=f"{kind.name}-detail-page",
            inputs=_page_inputs(request),
            build=build,
        )
        html = html or (built[0] if built else _detail_page_html(request, kind, pk)[0])
    return HttpResponse(put_token(time_marks_fill(html), get_token(request)))


@member_required
def record_field(request: HttpRequest, kind: RecordKind, pk: int, name: str) -> HttpResponse:
    """One field of the detail page: shown, swapped for an input, saved in place."""
    record = found_or_404(kind.get, pk=pk)
    workspace = workspace_of(request)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing:
        check_scope(request, RECORDS_WRITE)
    form = kind.form_class(
        request.POST if request.method == "POST" else None,
        workspace=workspace,
        instance=record,
        only=[name],
    )
    if not _field_rows(kind, form, record):
        raise Http404  # not a field the detail page shows (or no such field)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            kind.update(
                workspace=workspace,
                actor=request.user,
                data=form.service_data(),
                **{kind.name: record},
            )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            saved, editing = True, False
            record = found_or_404(kind.get, pk=pk)
            form = kind.form_class(workspace=workspace, instance=record, only=[name])
    [row] = _field_rows(kind, form, record)
    if editing:
        form.fields[name].widget.attrs["autofocus"] = True
    context = {
        "kind": kind,
        "record": record,
        "row": row,
        "editing": editing,
        "bound": form[name],
        "form": form,
        "saved": saved,
    }
    response = render(request, "contacts/_field.html", context)
    if saved:
        trigger_client_event(response, "timeline-changed")
    return response


@member_required
@require_GET
def record_timeline(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    record = found_or_404(kind.get, pk=pk)
    before = None
    if request.GET.get("before"):
        try:
            before = TimelineCursor.parse(request.GET["before"])
        except ValueError as exc:
            raise Http404 from exc
    context = {
        "timeline": timeline_for(
            record, before=before, limit=TIMELINE_PAGE, workspace=workspace_of(request)
        ),
        "timeline_url": kind.url("timeline", record.pk),
        "record": record,
        "first_page": before is None,
    }
    return render(request, "timeline/_items.html", context)
