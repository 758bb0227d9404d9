"""How a view tells an htmx fragment request from a page load."""

from django.http import HttpRequest


def is_partial(request: HttpRequest, target: str) -> bool:
    """True when htmx asks for the element `target` only.

    A history restore (back button with an empty htmx cache) asks for the whole page, as does
    a request aimed at another element.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target  # type: ignore[union-attr]
