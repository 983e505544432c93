"""The benchmark's URLconf: the portal's URLs and the bare view, which the product lacks."""

from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench_bare"),
    *portal_urlpatterns,
]
