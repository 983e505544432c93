from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.navigation import safe_next
from portal.numbers import postal_code

from . import mailbox, services
from .forms import EnvironmentForm, IssuedSignInForm, ProfileForm
from .messages import render_message
from .selectors import profile_for, signed_in_user


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    """The mailbox, each message in the language the page is read in."""
    language = get_language()
    mailbox = [
        (message, render_message(message, language))
        for message in signed_in_user(request).messages.all()
    ]
    return render(request, "accounts/message_list.html", {"mailbox": mailbox})


@never_cache
@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(signed_in_user(request).messages, pk=pk)
    services.mark_message_read(message=message)
    response = render(
        request,
        "accounts/message_detail.html",
        {
            "message": message,
            "text": render_message(message, get_language()),
            "attachment": mailbox.render_attachment(message, request),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    current = profile_for(user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(user=user, data=form.cleaned_data)
            except services.ProfileError as error:
                form.add_error(error.field or None, error.message)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect(safe_next(request) or "profile")
    else:
        form = ProfileForm(
            initial={
                "family_name": current.family_name,
                "given_name": current.given_name,
                "family_name_kana": current.family_name_kana,
                "given_name_kana": current.given_name_kana,
                "phone": current.phone.as_national if current.phone else "",
                "postal_code": postal_code(current.postal_code),
                "job_seeker_number": current.job_seeker_number,
            }
        )
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": current, "next": safe_next(request) or ""},
    )


@login_required
def environment(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    current = profile_for(user)
    if request.method == "POST":
        form = EnvironmentForm(request.POST)
        if form.is_valid():
            services.confirm_environment(user=user)
            messages.success(request, _("Thank you. Your environment check is recorded."))
            return redirect(safe_next(request) or "environment")
    else:
        form = EnvironmentForm()
    return render(
        request,
        "accounts/environment.html",
        {"form": form, "profile": current, "next": safe_next(request) or ""},
    )


def device_check(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/device_check.html")


@require_http_methods(["GET", "POST"])
def issued_sign_in(request: HttpRequest) -> HttpResponse:
    """Sign-in with the user ID and password an office issued (T10)."""
    form = IssuedSignInForm(request.POST or None)
    if request.method == "POST":
        login_id = request.POST.get("login_id", "").strip().upper()[:20]
        if not ratelimit.consume(request, action="login_failed", key=login_id, dry_run=True):
            return render(request, "429.html", status=429)
        if form.is_valid():
            user = authenticate(
                request,
                login_id=form.cleaned_data["login_id"],
                password=form.cleaned_data["password"],
            )
            if user is not None:
                # A note for the user_logged_in receiver (accounts.apps), kept on the request.
                request._sign_in_method = "login_id"  # type: ignore[attr-defined]
                login(request, user, backend="accounts.backends.LoginIdBackend")
                return redirect(safe_next(request) or "my_page")
            ratelimit.consume(request, action="login_failed", key=login_id)
            form.add_error(None, _("The user ID or the password is not correct."))
    return render(request, "accounts/issued_sign_in.html", {"form": form})
