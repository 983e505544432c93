from django.urls import path, re_path

from . import views
from .views.bookings import booking_consultation_id

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.my_page, name="my_page"),
    path("me/my-data.json", views.my_data, name="my_data"),
    path("me/bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("me/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("me/bookings/<int:pk>/change/", views.booking_change, name="booking_change"),
    path("me/bookings/<int:pk>/join/", views.booking_join, name="booking_join"),
    path(
        "me/bookings/<int:pk>/consultation-id/",
        booking_consultation_id,
        name="booking_consultation_id",
    ),
    path("me/bookings/<int:pk>/calendar.ics", views.booking_calendar, name="booking_calendar"),
    re_path(
        r"^feeds/counsellors/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$",
        views.counsellor_feed,
        name="counsellor_feed",
    ),
    path("offices/<slug:slug>/book/<int:slot_id>/", views.book, name="book"),
    path(
        "offices/<slug:slug>/waiting/<int:slot_id>/join/", views.waiting_join, name="waiting_join"
    ),
    path("offices/<slug:slug>/offers/<int:pk>/", views.waiting_offer, name="waiting_offer"),
    path("me/waiting/<int:pk>/leave/", views.waiting_leave, name="waiting_leave"),
    path("offices/<slug:slug>/", views.office_detail, name="office_detail"),
    path("offices/<slug:slug>/terms/", views.office_terms, name="office_terms"),
    path("offices/<slug:slug>/privacy/", views.office_privacy, name="office_privacy"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("offices/<slug:slug>/terms/consent/", views.consent, name="office_terms_consent"),
    path(
        "offices/<slug:slug>/terms/<slug:document>/diff/",
        views.terms_diff,
        name="office_terms_diff",
    ),
    path(
        "offices/<slug:slug>/terms/<slug:document>/v<int:number>/",
        views.terms_version,
        name="office_terms_version",
    ),
]
