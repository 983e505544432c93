from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("offices/<slug:slug>/", views.office_detail, name="office_detail"),
]
