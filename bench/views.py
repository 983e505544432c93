from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick for pages: a Django view doing nothing."""
    return HttpResponse("ok", content_type="text/plain")
