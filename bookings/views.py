from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Office


def home(request: HttpRequest) -> HttpResponse:
    offices = Office.objects.all()
    return render(request, "bookings/home.html", {"offices": offices})


def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    return render(request, "bookings/office_detail.html", {"office": office})
