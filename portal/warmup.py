"""What each web process would otherwise build at its first requests, built once in
gunicorn's master before it forks the workers (gunicorn.conf.py, `preload_app`).

The workers then share these pages of memory with the master instead of each holding its
own copy: the URL patterns and every view module they import, the translation catalogs of
every language, the portal's compiled templates, the static files' manifest, the hot
paths' prepared statements (`portal.internals.PreparedQuery`), Celery's app bound to its
tasks. Only the statements need a connection (the database's, for a transaction to
compile them in); it and whatever else the loading opened are closed before the fork, so
no worker inherits a socket another process uses.
"""

import importlib
import logging
from pathlib import Path
from typing import cast

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import DatabaseError
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import formats, translation

from portal.internals import prepare_all

logger = logging.getLogger(__name__)

# What a booking's jobs import at their first sending (Celery's message and event modules,
# kombu's Redis transport) and the messages' storage; the first requests import them.
MODULES = (
    "celery.app.amqp",
    "celery.app.events",
    "celery.app.routes",
    "celery.backends.base",
    "celery.contrib.django.task",
    "celery.events.dispatcher",
    "kombu.transport.redis",
    "kombu.transport.virtual",
    "django.contrib.messages.storage.fallback",
)


def warm_up() -> dict[str, int]:
    """Load what the first requests would; returns how many templates were compiled."""
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - builds the reverse lookups (imports every view)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Online consultation booking")
            formats.get_format("DATE_FORMAT")  # imports the language's formats
    engines["django"].engine.template_context_processors  # type: ignore[attr-defined]  # noqa: B018
    for module in MODULES:
        importlib.import_module(module)
    templates = 0
    folders = cast(list[Path], settings.TEMPLATES[0]["DIRS"])
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            try:
                get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError):  # a fragment of another
                continue
            templates += 1
    try:
        staticfiles_storage.url("css/portal.css")  # the storage reads its manifest once
    except ValueError:  # no manifest yet (collectstatic not run): read at the first page
        logger.warning("the static files' manifest is missing")
    prepared = _prepare_queries()
    _prepare_jobs()
    close_connections()
    return {"templates": templates, "prepared_queries": prepared}


def _prepare_queries() -> int:
    """The hot paths' statements compiled (portal.internals; the booking POST's reads):
    0 if the database cannot say what its SQL is now (each worker compiles at first use)."""
    try:
        return prepare_all()
    except DatabaseError as error:
        logger.warning("the prepared queries are compiled at their first use: %s", error)
        return 0


def _prepare_jobs() -> None:
    """Celery's app bound to its tasks and its (disabled) result backend loaded, as the
    first job a request sends would; the broker's connection stays each worker's own."""
    from portal.celery import app

    app.finalize(auto=True)
    app.backend  # noqa: B018 - found by name among the installed packages' entry points


def close_connections() -> None:
    """Close the database and cache connections this process has, before a fork."""
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    caches.close_all()
