"""The portal's settings for a web node that a test starts (gunicorn): production's, with
static files from the finders instead of collectstatic's manifest (as tests/conftest.py
does for the test process)."""

from portal.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
