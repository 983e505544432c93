from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

# allauth's documented way to send the admin's sign-in through allauth: the bound method of
# this one site is replaced on the instance, which mypy does not allow for methods.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Online consultation portal — staff")
admin.site.site_title = _("Consultation portal admin")
admin.site.index_title = _("Offices, slots and consultations")

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/metrics/", views.health_metrics, name="health_metrics"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("bookings.urls")),
]
