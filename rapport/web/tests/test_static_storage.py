"""`web.static_storage.KeptUrlsManifestStorage`: each static name's URL is WhiteNoise's
manifest storage's, made once per process and kept under what else it reads (DEBUG, the
script prefix)."""

import json

import pytest
from django.test import override_settings
from django.urls import set_script_prefix
from whitenoise.storage import CompressedManifestStaticFilesStorage

from rapport.web.static_storage import KeptUrlsManifestStorage

_MANIFEST = {"version": "1.1", "paths": {"web/app.css": "web/app.0123abcd.css"}, "hash": "x"}


@pytest.fixture
def storages(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps(_MANIFEST))
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "other.js").write_text("let a = 1;\n")
    return [
        cls(location=str(tmp_path), base_url="/static/")
        for cls in (KeptUrlsManifestStorage, CompressedManifestStaticFilesStorage)
    ]


def test_a_url_is_the_manifest_storages(storages):
    kept, plain = storages

    assert kept.url("web/app.css") == plain.url("web/app.css") == "/static/web/app.0123abcd.css"
    assert kept.url("web/app.css") is kept.url("web/app.css")  # made once
    assert kept.url("web/other.js") == plain.url("web/other.js")
    assert kept.url("web/app.css", force=True) == plain.url("web/app.css", force=True)


def test_debug_gives_the_plain_name_as_the_manifest_storage_does(storages):
    kept, plain = storages
    kept.url("web/app.css")

    with override_settings(DEBUG=True):
        assert kept.url("web/app.css") == plain.url("web/app.css") == "/static/web/app.css"
    assert kept.url("web/app.css") == "/static/web/app.0123abcd.css"


def test_each_script_prefix_has_its_own_entry(storages):
    kept, _ = storages
    first = kept.url("web/app.css")
    set_script_prefix("/crm/")
    try:
        kept.url("web/app.css")
        assert len(kept._kept_urls) == 2
    finally:
        set_script_prefix("/")
    assert kept.url("web/app.css") is first


def test_a_name_the_storage_refuses_is_refused_every_time(storages):
    kept, plain = storages
    kept.manifest_strict = plain.manifest_strict = True

    for storage in (kept, plain, kept):
        with pytest.raises(ValueError, match=r"missing\.css"):
            storage.url("web/missing.css")
    assert not kept._kept_urls
