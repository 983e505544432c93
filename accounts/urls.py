from django.urls import path

from . import views

urlpatterns = [
    path("me/messages/", views.message_list, name="message_list"),
    path("me/messages/<int:pk>/", views.message_detail, name="message_detail"),
]
