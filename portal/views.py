from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = all(state == "up" for state in checks.values())
    status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks}, status=status
    )


def bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: a Django view doing nothing (only with BENCH_BARE_VIEW)."""
    return HttpResponse("ok", content_type="text/plain")
