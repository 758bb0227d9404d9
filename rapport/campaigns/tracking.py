"""Tracked links: the open pixel, signed click redirects and the unsubscribe link.

A recipient's token (random, 144 bits) names who opened or unsubscribed. A click link also
carries the target URL, so it is signed over (token, URL): a changed URL or token fails the
check and nobody can use Rapport as an open redirect.
"""

import html
import re
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

_click_signer = signing.Signer(salt="rapport.campaigns.click")
_href = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)
_text_url = re.compile(r"https?://[^\s<>\"')\]]+")


@lru_cache(maxsize=8)
def _pattern(name: str, base: str) -> str:
    """The link's absolute URL with a `{}` for the token: reversed once, not per message."""
    return base + reverse(name, args=["TOKEN"]).replace("TOKEN", "{}")


def _url(name: str, token: str) -> str:
    return _pattern(name, settings.RAPPORT_PUBLIC_URL).format(token)


def open_pixel_url(token: str) -> str:
    return _url("campaign-open", token)


def unsubscribe_url(token: str) -> str:
    return _url("campaign-unsubscribe", token)


def click_signature(token: str, url: str) -> str:
    return _click_signer.signature(f"{token}\n{url}")


def click_url(token: str, url: str) -> str:
    query = urlencode({"u": url, "s": click_signature(token, url)})
    return _url("campaign-click", token) + "?" + query


def click_verified(token: str, url: str, signature: str) -> bool:
    return constant_time_compare(click_signature(token, url), signature)


def track_html(body: str, token: str) -> str:
    """Every http(s) link through the click redirect (the unsubscribe link stays direct),
    and the open pixel before `</body>` (or at the end)."""
    own = unsubscribe_url(token)

    def rewrite(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1))
        if url == own:
            return match.group(0)
        return f'href="{html.escape(click_url(token, url))}"'

    tracked = _href.sub(rewrite, body)
    pixel = f'<img src="{html.escape(open_pixel_url(token))}" width="1" height="1" alt="">'
    at = tracked.lower().rfind("</body>")
    return tracked + pixel if at < 0 else tracked[:at] + pixel + tracked[at:]


def track_text(body: str, token: str) -> str:
    own = unsubscribe_url(token)
    return _text_url.sub(
        lambda m: m.group(0) if m.group(0) == own else click_url(token, m.group(0)), body
    )
