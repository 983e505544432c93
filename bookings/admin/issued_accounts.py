"""Accounts an office issued (T10/T11) and the printed letter."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import signed_in_user
from accounts.usage import record_staff_access
from portal.admin_tools import SafeModelAdmin, action_page

from .. import services
from ..models import IssuedAccount
from ..services import Letter


class IssueForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address (optional)"),
        required=False,
        help_text=gettext_lazy("Without one, notices wait in the person's mailbox only."),
    )


def letter_response(request: HttpRequest, letter: Letter) -> HttpResponse:
    """The printable letter (shown once: the password exists only here); its printing is a
    staff view of the person, recorded."""
    if letter.user_id is not None:
        record_staff_access(
            staff=request.user,
            subject=User(pk=letter.user_id),
            what="letter",
            object_id=letter.login_id,
        )
    response = TemplateResponse(
        request,
        "bookings/issued_letter.html",
        {
            "letter": letter,
            "back_url": reverse("admin:bookings_issuedaccount_changelist"),
            "sign_in_url": request.build_absolute_uri(reverse("issued_sign_in")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(IssuedAccount)
class IssuedAccountAdmin(SafeModelAdmin):
    list_display = ("login_id", "office", "consultation_id", "issued_at", "revoked_at")
    list_filter = ("office",)
    search_fields = ("user__email", "user__login_id", "consultation_id")
    readonly_fields = ("office", "user", "consultation_id", "issued_at")
    actions = ["reissue"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are issued through the office's "Issue an account" action

    @admin.display(description=gettext_lazy("user ID"))
    def login_id(self, obj: IssuedAccount) -> str:
        return obj.user.login_id or "—"

    @admin.action(
        description=gettext_lazy("Reissue (lost ID): new user ID and password…"),
        permissions=["view"],
    )
    def reissue(self, request: HttpRequest, queryset: QuerySet):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one account."), messages.ERROR)
            return None
        issued = queryset.get()
        if "confirm" in request.POST:
            return letter_response(
                request, services.reissue_account(issued=issued, actor=signed_in_user(request))
            )
        return action_page(
            self,
            request,
            [issued],
            title=_("Reissue the account of %(user)s") % {"user": issued.user},
            explanation=_("The old user ID and password stop working at once."),
            form=forms.Form(),
        )
