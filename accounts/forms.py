from allauth.account.forms import (
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SignupForm,
)
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python

from . import hooks
from .normalize import (
    Municipality,
    municipalities_for_postal_code,
    normalize_job_seeker_number,
    normalize_phone,
    normalize_postal_code,
    to_katakana,
)


def clean_japanese_phone(value: str):
    number = to_python(normalize_phone(value), region="JP")
    if number is None or not number.is_valid() or number.country_code != 81:
        raise ValidationError(
            _("Enter a Japanese phone number, for example 090-1234-5678."), code="phone"
        )
    return number


class ProfileForm(forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=50)
    given_name = forms.CharField(label=_("Given name"), max_length=50)
    family_name_kana = forms.CharField(
        label=_("Family name (katakana)"), max_length=50, help_text=_("Hiragana is converted.")
    )
    given_name_kana = forms.CharField(label=_("Given name (katakana)"), max_length=50)
    phone = forms.CharField(
        label=_("Registered phone"),
        max_length=30,
        help_text=_("The number the office calls you back on."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=12,
        required=False,
        help_text=_("7 digits, for example 053-0000. Used to check the office's area."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    # Asked only when the postal code spans several municipalities; the choices are those
    # of the code (set in clean()), checked there too.
    municipality_code = forms.CharField(
        label=_("Municipality"), required=False, widget=forms.RadioSelect
    )
    job_seeker_number = forms.CharField(
        label=_("Job-seeker number (求職番号)"),
        max_length=20,
        required=False,
        help_text=_("5 digits, a hyphen and 4 to 8 digits, for example 01234-5678901."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipalities: list[Municipality] = []
        self.needs_municipality_choice = False

    def clean_family_name_kana(self) -> str:
        return to_katakana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self) -> str:
        return to_katakana(self.cleaned_data["given_name_kana"])

    def clean_phone(self):
        return clean_japanese_phone(self.cleaned_data["phone"])

    def clean_job_seeker_number(self) -> str:
        value = self.cleaned_data["job_seeker_number"].strip()
        return normalize_job_seeker_number(value) if value else ""

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not value:
            return ""
        code = normalize_postal_code(value)
        self.municipalities = municipalities_for_postal_code(code)
        if not self.municipalities:
            raise ValidationError(
                _("No address in Japan has this postal code. Please check it."), code="unknown"
            )
        return code

    def clean(self):
        data = super().clean() or {}
        if not data.get("postal_code") or not self.municipalities:
            data["municipality_code"] = ""
            data["municipality_name"] = ""
            return data
        by_code = {m.code: m for m in self.municipalities}
        self.fields["municipality_code"].widget.choices = [
            (m.code, m.name) for m in self.municipalities
        ]
        chosen: Municipality | None
        if len(by_code) == 1:
            chosen = self.municipalities[0]
        else:
            chosen = by_code.get(self.data.get("municipality_code", ""))
            if chosen is None:
                self.needs_municipality_choice = True
                self.add_error(
                    "municipality_code",
                    ValidationError(
                        _("This postal code covers several municipalities: choose yours."),
                        code="choose",
                    ),
                )
                return data
        data["municipality_code"] = chosen.code
        data["municipality_name"] = chosen.name
        return data


class EnvironmentForm(forms.Form):
    """The environment checklist of K5 / I3, confirmed before the first booking."""

    supported_os = forms.BooleanField(
        label=_(
            "My device's operating system is still supported and has the latest security updates."
        )
    )
    firewall = forms.BooleanField(label=_("The firewall of my device is on."))
    no_file_sharing = forms.BooleanField(
        label=_("No file-sharing software (such as Winny or Share) is installed.")
    )
    antivirus = forms.BooleanField(
        label=_("Antivirus software is installed and its definitions are up to date.")
    )
    no_untrusted_wifi = forms.BooleanField(
        label=_("I will not use free Wi-Fi whose safety I cannot check.")
    )
    camera = forms.BooleanField(label=_("My device has a working camera and microphone."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = _("Please confirm this point.")


class IssuedSignInForm(forms.Form):
    login_id = forms.CharField(
        label=_("User ID"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PortalFieldsMixin:
    """allauth's forms in the portal's words: labels without placeholders (a label stays
    visible while typing), password rules as one plain help text, full-width brackets."""

    fields: dict[str, forms.Field]

    def portal_fields(self) -> None:
        labels = {
            "email": _("E-mail address"),
            "password1": _("New password") if "oldpassword" in self.fields else _("Password"),
            "password2": _("New password again")
            if "oldpassword" in self.fields
            else _("Password again"),
            "oldpassword": _("Current password"),
        }
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in labels:
                field.label = labels[name]
        if "password1" in self.fields:
            self.fields["password1"].help_text = " ".join(
                str(text) for text in password_validators_help_texts()
            )
        if "password2" in self.fields:
            self.fields["password2"].help_text = _("Type the same password once more.")


class PortalLoginForm(PortalFieldsMixin, LoginForm):
    """Sign-in in the portal's words: the e-mail address and the password, labelled without
    placeholders; the reset link is on the page itself (issued accounts sign in on their
    own page, with their user ID)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal_fields()
        self.fields["login"].label = _("E-mail address")
        self.fields["password"].label = _("Password")
        self.fields["password"].help_text = ""


class PortalSignupForm(PortalFieldsMixin, SignupForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal_fields()
        # Without a new-password hint the browser may offer to fill in a saved one.
        self.fields["password1"].widget.attrs["autocomplete"] = "new-password"


class PortalResetPasswordForm(PortalFieldsMixin, ResetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal_fields()


class PortalResetPasswordKeyForm(PortalFieldsMixin, ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal_fields()
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("New password again")


class PasswordChangeForm(PortalFieldsMixin, ChangePasswordForm):
    """allauth's password change, in the words of the office's letter for a person whose
    password is the initial one an office issued (初期パスワード, T10), and without an
    e-mail reset for an account that has no e-mail address: the office reissues instead."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal_fields()
        user = self.user
        self.is_initial = bool(user and user.must_change_password)
        self.reissue_contact = hooks.reissue_contact(user) if user else None
        self.has_email = bool(
            user and EmailAddress.objects.filter(user=user, verified=True).exists()
        )
        old = self.fields["oldpassword"]
        if self.is_initial:
            old.label = _("Initial password (初期パスワード)")
            old.help_text = _("The password printed in the letter from the office.")
        elif not self.has_email:
            old.help_text = ""  # allauth's "Forgot your password?" e-mails a reset link
