"""Helpers the browser tests (tests/browser) share."""

from typing import Any


def htmx_settled(page: Any) -> None:
    """Wait until htmx has no request in flight and has bound the content it swapped in: an
    event fired on just-swapped content before then finds no trigger (a person is never that
    fast; a test is)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
