from django import forms
from django.utils.translation import gettext_lazy as _

from terms.models import TermsVersion


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
        self.fields["version"].queryset = (
            versions if versions is not None else TermsVersion.objects.none()
        )


class DiffForm(forms.Form):
    from_number = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    to_number = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, _("Version %(number)s") % {"number": n}) for n in numbers]
        self.fields["from_number"].choices = choices
        self.fields["to_number"].choices = choices
