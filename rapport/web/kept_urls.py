"""URLs reversed once per process (and script prefix), for pages that write many links.

`reverse` walks the resolver on every call (about 40 µs); a list of 50 rows, a timeline of 25
items or the top bar of every page would pay it dozens of times for the same few patterns.
"""

from collections.abc import Callable

from django.urls import get_script_prefix, reverse

_FIXED: dict[tuple[str, str], str] = {}
_PATTERNS: dict[tuple[str, str], tuple[str, str]] = {}
_MARKER = 987654321


def fixed_url(name: str) -> str:
    """`reverse(name)` for a URL without arguments."""
    key = (name, get_script_prefix())
    url = _FIXED.get(key)
    if url is None:
        url = _FIXED[key] = reverse(name)
    return url


def url_pattern(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many pks: the pk put in by text. Only for URLs whose
    one argument is an integer."""
    key = (name, get_script_prefix())
    parts = _PATTERNS.get(key)
    if parts is None:
        before, after = reverse(name, args=[_MARKER]).split(str(_MARKER))
        parts = _PATTERNS[key] = (before, after)
    prefix, suffix = parts
    return lambda pk: f"{prefix}{int(pk)}{suffix}"
