"""What operators watch, as JSON at /health/metrics/: the depth of the job queues, the
cache errors this process ignored, the worker's heartbeat, and what the apps register
(the outbox's unsent notices, registered by accounts). JSON beside /health/ rather than
a Prometheus library: every number here is read afresh from the database or the broker at
each scrape, so there is no per-process counter to aggregate across gunicorn workers.

Only for the internal network: a request with `Authorization: Bearer <METRICS_TOKEN>`, or
one from an address in METRICS_INTERNAL_NETWORKS that did not come through a proxy (no
X-Forwarded-For). Anything else is refused.
"""

import hmac
import ipaddress
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from . import cache
from .celery import app as celery_app
from .health import worker_heartbeat

# name -> a function returning a number (or a dict of numbers); apps register theirs.
GAUGES: dict[str, Callable[[], object]] = {}


def register(name: str, gauge: Callable[[], object]) -> None:
    GAUGES[name] = gauge


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if request.headers.get("X-Forwarded-For"):
        return False  # through a proxy: the address is the proxy's
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_INTERNAL_NETWORKS
    )


def queue_depths() -> dict[str, int | None]:
    """Jobs waiting per queue (Redis: the list's length, and `unacked`: fetched by a
    worker, not yet acknowledged; the embedded broker: its message files). None: the
    broker did not answer."""
    queues = sorted({celery_app.conf.task_default_queue, "celery"})
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            try:
                depths: dict[str, int | None] = {q: int(client.llen(q)) for q in queues}
                depths["unacked"] = int(client.hlen("unacked"))
            finally:
                client.close()
            return depths
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")))
        files = list(folder.glob("*.msg")) if folder.is_dir() else []
        return {q: sum(1 for f in files if f.name.endswith(f".{q}.msg")) for q in queues}
    except Exception:
        return dict.fromkeys(queues)


def collect() -> dict[str, object]:
    values: dict[str, object] = {
        "queues": queue_depths(),
        "cache_errors": cache.errors(),
        "worker": worker_heartbeat(),
    }
    for name, gauge in GAUGES.items():
        try:
            values[name] = gauge()
        except Exception:
            values[name] = None
    return values
