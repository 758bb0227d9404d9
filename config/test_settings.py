"""Settings for the test suite: the real settings, with a fast password hasher.

Argon2 is the production hasher (tested in rapport/tenancy/tests); hashing with it in every
fixture would make the suite several times slower.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
RAPPORT_CAMPAIGN_BATCH_PAUSE = 0.0
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

MEDIA_ROOT = Path(tempfile.gettempdir()) / "rapport-test-media"

# Kept pages are off for the suite (ids of rolled-back workspaces come back, so would their
# version 0 keys); the tests of the feature turn them on (rapport/tenancy/tests).
RAPPORT_KEEP_PAGES = False
