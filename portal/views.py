from http import HTTPStatus

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
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


THEME_COLOR = "#0017c1"  # the Digital Agency Design System's blue-900, as in base.html


@require_GET
@cache_control(max_age=86_400, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the portal's name and icons for a phone's home screen."""
    icons = [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    response = JsonResponse(
        {
            "name": _("Online consultation booking"),
            "short_name": _("Consultations"),
            "lang": get_language(),
            "start_url": "/",
            "scope": "/",
            "display": "minimal-ui",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOR,
            "icons": icons,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
@cache_control(max_age=86_400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, where browsers and crawlers look for it without reading the page."""
    found = finders.find("icons/favicon.ico")
    if not isinstance(found, str):
        raise Http404
    return FileResponse(open(found, "rb"), content_type="image/x-icon")
