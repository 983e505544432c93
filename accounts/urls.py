from django.urls import path

from . import views

urlpatterns = [
    path("accounts/issued/login/", views.issued_sign_in, name="issued_sign_in"),
    path("me/profile/", views.profile, name="profile"),
    path("me/environment/", views.environment, name="environment"),
    path("device-check/", views.device_check, name="device_check"),
    path("me/messages/", views.message_list, name="message_list"),
    path("me/messages/<int:pk>/", views.message_detail, name="message_detail"),
]
