"""The static files' storage, its URLs kept per process.

Every full page asks `{% static %}` for eight files: each is a look-up in the manifest, a
`urljoin`, a `urlsplit` and an `unquote`, about 50 µs, 0.4 ms of a page computed each time,
for an answer that cannot change while the process runs (the manifest is read once, when
the storage is made; a change of `STATIC_URL` or `STORAGES` makes a new storage). So each
name's URL is kept on the storage after its first use, under the name and what else the
answer reads (DEBUG, the script prefix). `tests/test_static_storage.py` holds them equal.
"""

from typing import Any

from django.conf import settings
from django.urls import get_script_prefix
from whitenoise.storage import CompressedManifestStaticFilesStorage


class KeptUrlsManifestStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, each name's `url()` made once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[tuple[str, bool, str], str] = {}

    def url(self, name: Any, force: bool = False) -> str:
        if force or not isinstance(name, str):
            return super().url(name, force)
        key = (name, settings.DEBUG, get_script_prefix())
        found = self._kept_urls.get(key)
        if found is None:
            found = self._kept_urls[key] = super().url(name)
        return found
