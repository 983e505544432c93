from http import HTTPStatus

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import cache, metrics
from .health import run_checks, worker_heartbeat


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache and the broker answer, else 503: what this web
    process needs to serve. Beside them, for monitoring and not part of the status: the
    cache errors this process has ignored since it started, and the worker's heartbeat
    (a stopped worker must not take the web processes out of a load balancer)."""
    checks = run_checks()
    healthy = all(state == "up" for state in checks.values())
    status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "checks": checks,
            "cache_errors": cache.errors(),
            "worker": worker_heartbeat(),
        },
        status=status,
    )


@never_cache
@require_GET
def health_metrics(request: HttpRequest) -> JsonResponse:
    """The numbers operators watch (portal.metrics), for the internal network only: with
    the metrics token or from an internal address, else 403."""
    if not metrics.allowed(request):
        return JsonResponse({"error": "forbidden"}, status=HTTPStatus.FORBIDDEN)
    return JsonResponse(metrics.collect())
