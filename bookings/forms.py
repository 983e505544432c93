import unicodedata
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.normalize import (
    Municipality,
    municipalities_for_postal_code,
    normalize_job_seeker_number,
    normalize_postal_code,
    to_katakana,
)
from terms.models import TermsVersion

from .selectors.offices import PREFECTURES
from .selectors.sessions import needs_job_seeker_number


class ConsentForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=TermsVersion.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("These terms cannot be agreed to here.")},
    )
    agree = forms.BooleanField(
        label=_("I have read these terms of use and agree to them."),
        error_messages={"required": _("Tick the box to show that you agree.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, versions=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["version"]).queryset = (
            versions if versions is not None else TermsVersion.objects.none()
        )


class DiffForm(forms.Form):
    from_number = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    to_number = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, _("Version %(number)s") % {"number": n}) for n in numbers]
        cast(forms.ChoiceField, self.fields["from_number"]).choices = choices
        cast(forms.ChoiceField, self.fields["to_number"]).choices = choices


class BookingForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=101)
    full_name_kana = forms.CharField(label=_("Name (katakana)"), max_length=101)
    job_seeker_number = forms.CharField(
        label=_("Job-seeker number (求職番号)"),
        max_length=20,
        required=False,
        help_text=_("5 digits, a hyphen and 4 to 8 digits, for example 01234-5678901."),
    )
    registering = forms.BooleanField(
        label=_("I have not registered yet and will register as a job seeker."),
        required=False,
        help_text=_(
            "Tick this instead of entering a number. Your application is then a request: a "
            "counsellor confirms it."
        ),
    )
    interpreter_attending = forms.BooleanField(
        label=_("An interpreter or an assistant will attend with me."), required=False
    )
    interpreter_note = forms.CharField(
        label=_("About the interpreter or assistant"),
        max_length=300,
        required=False,
        help_text=_("For example: a Portuguese interpreter; a sign-language interpreter."),
    )

    def __init__(
        self,
        *args,
        office,
        terms_to_accept=(),
        offer_registering: bool = False,
        slot=None,
        **kwargs,
    ) -> None:
        """`offer_registering`: the person may say they will register instead of giving a
        number (selectors.eligibility.may_apply_as_registering). `slot`: a session's asks
        for a number only where staff ticked it."""
        super().__init__(*args, **kwargs)
        self.terms_to_accept = list(terms_to_accept)
        self.offers_registering = offer_registering
        if not offer_registering:
            del self.fields["registering"]
            if needs_job_seeker_number(office, slot):
                self.fields["job_seeker_number"].required = True
        for version in self.terms_to_accept:
            self.fields[f"agree_{version.pk}"] = forms.BooleanField(
                label=_("I agree to “%(title)s”, version %(number)s (applying counts as consent).")
                % {"title": version.document.display_title, "number": version.number},
                error_messages={"required": _("Tick the box to show that you agree.")},
            )

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_full_name_kana(self) -> str:
        parts = self.cleaned_data["full_name_kana"].replace("　", " ").split()
        return " ".join(to_katakana(part) for part in parts) if parts else to_katakana("")

    def clean_job_seeker_number(self) -> str:
        value = self.cleaned_data["job_seeker_number"].strip()
        return normalize_job_seeker_number(value) if value else ""

    def clean(self):
        data = super().clean() or {}
        if data.get("interpreter_attending") and not (data.get("interpreter_note") or "").strip():
            self.add_error(
                "interpreter_note",
                _("Tell the office who will attend, so that it can prepare."),
            )
        if self.offers_registering and "job_seeker_number" in data:
            number, registering = data["job_seeker_number"], data.get("registering")
            if not number and not registering:
                self.add_error(
                    "job_seeker_number",
                    _(
                        "Enter your job-seeker number, or tick the box below if you have not "
                        "registered yet and will register as a job seeker."
                    ),
                )
            elif number and registering:
                self.add_error(
                    "registering",
                    _(
                        "You entered a job-seeker number, so you are registered already: "
                        "leave this box unticked."
                    ),
                )
        return data

    @property
    def acknowledged_versions(self) -> set[int]:
        return {v.pk for v in self.terms_to_accept if self.cleaned_data.get(f"agree_{v.pk}")}


class OfficeFinderForm(forms.Form):
    """The home page's search: a postal code (full- or half-width, with or without 〒 and
    hyphen), a prefecture, a part of the office's name; every field may be left empty."""

    postal_code = forms.CharField(
        label=_("Postal code of your address"),
        required=False,
        max_length=20,
        help_text=_("For example 053-0022: the offices that serve your municipality."),
    )
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False)
    name = forms.CharField(label=_("Office name"), required=False, max_length=100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Those of the postal code once it is cleaned (None: no postal code was given).
        self.municipalities: list[Municipality] | None = None
        cast(forms.ChoiceField, self.fields["prefecture"]).choices = [
            ("", _("Every prefecture")),
            *PREFECTURES,
        ]

    def clean_postal_code(self) -> str:
        typed = self.cleaned_data["postal_code"]
        if not typed.strip():
            return ""
        code = normalize_postal_code(typed)
        self.municipalities = municipalities_for_postal_code(code)
        if not self.municipalities:
            raise forms.ValidationError(
                _("No municipality has this postal code: please check it."), code="unknown"
            )
        return code

    def clean_name(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["name"]).strip()
