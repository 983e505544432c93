from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import mailbox, services
from .forms import EnvironmentForm, ProfileForm
from .models import Profile


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    mailbox = request.user.messages.all()
    return render(request, "accounts/message_list.html", {"mailbox": mailbox})


@never_cache
@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(request.user.messages, pk=pk)
    services.mark_message_read(message=message)
    response = render(
        request,
        "accounts/message_detail.html",
        {"message": message, "attachment": mailbox.render_attachment(message, request)},
    )
    response["Cache-Control"] = "no-store"
    return response


def _safe_next(request: HttpRequest) -> str | None:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    current, _created = Profile.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(user=request.user, data=form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            return redirect(_safe_next(request) or "profile")
    else:
        form = ProfileForm(
            initial={
                "family_name": current.family_name,
                "given_name": current.given_name,
                "family_name_kana": current.family_name_kana,
                "given_name_kana": current.given_name_kana,
                "phone": current.phone.as_national if current.phone else "",
                "postal_code": current.postal_code,
                "job_seeker_number": current.job_seeker_number,
            }
        )
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": current, "next": _safe_next(request) or ""},
    )


@login_required
def environment(request: HttpRequest) -> HttpResponse:
    current, _created = Profile.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = EnvironmentForm(request.POST)
        if form.is_valid():
            services.confirm_environment(user=request.user)
            messages.success(request, _("Thank you. Your environment check is recorded."))
            return redirect(_safe_next(request) or "environment")
    else:
        form = EnvironmentForm()
    return render(
        request,
        "accounts/environment.html",
        {"form": form, "profile": current, "next": _safe_next(request) or ""},
    )


def device_check(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/device_check.html")
