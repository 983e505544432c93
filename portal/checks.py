import logging

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


@register(deploy=True)
def passcode_keys_configured(app_configs, **kwargs):
    if settings.PASSCODE_KEYS:
        return []
    return [
        Warning(
            "PASSCODE_KEYS is not set: meeting passcodes are encrypted with a key derived "
            "from SECRET_KEY, so rotating SECRET_KEY would make them unreadable.",
            hint="Set PASSCODE_KEYS to one or more Fernet keys (newest first).",
            id="portal.W001",
        )
    ]


@register()
def redis_cache_fails_soft(app_configs, **kwargs):
    """A django-redis cache must ignore Redis' errors (an outage is a miss, not a 500) and
    hand them to portal.cache, which logs and counts them (see portal/cache.py)."""
    from django_redis.cache import RedisCache

    from . import cache

    config = settings.CACHES.get("default", {})
    if not issubclass(import_string(config.get("BACKEND", "")), RedisCache):
        return []
    problems = []
    if not config.get("OPTIONS", {}).get("IGNORE_EXCEPTIONS"):
        problems.append("OPTIONS['IGNORE_EXCEPTIONS'] is off: a Redis outage would raise")
    if not getattr(settings, "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS", False):
        problems.append("DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS is off: errors go unseen")
    if getattr(settings, "DJANGO_REDIS_LOGGER", None) != cache.LOGGER_NAME:
        problems.append(f"DJANGO_REDIS_LOGGER is not {cache.LOGGER_NAME!r}: errors go uncounted")
    if not any(
        isinstance(f, cache.OnePerInterval) for f in logging.getLogger(cache.LOGGER_NAME).filters
    ):
        problems.append(f"the {cache.LOGGER_NAME!r} logger lacks its OnePerInterval filter")
    return [
        Error(
            f"The Redis cache does not fail soft: {problem}.",
            hint="Configure CACHES and LOGGING as portal/settings.py does.",
            id="portal.E001",
        )
        for problem in problems
    ]
