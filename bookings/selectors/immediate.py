"""Who a counsellor may start an immediate consultation with (K6の2(1)): the people whose
consent to the office's terms is on record, no booking needed."""

import re
import unicodedata

from django.db.models import Q, QuerySet

from accounts.models import User
from terms.models import Consent

from ..models import Office


def immediate_candidates(office: Office, search: str = "") -> QuerySet[User]:
    """People with a consent to one of the office's terms documents on record, matching
    `search` (e-mail, name, reading or phone number) when given. The service decides
    whether one can be started now (suspension, phone, restrictions)."""
    consented = Consent.objects.filter(version__document__offices=office).values("user_id")
    people = User.objects.filter(pk__in=consented, is_active=True)
    search = unicodedata.normalize("NFKC", search).strip()
    if search:
        found = (
            Q(email__icontains=search)
            | Q(profile__family_name__icontains=search)
            | Q(profile__given_name__icontains=search)
            | Q(profile__family_name_kana__icontains=search)
            | Q(profile__given_name_kana__icontains=search)
        )
        digits = re.sub(r"\D", "", search)
        if len(digits) >= 4:
            # Phones are stored as +81…: the national number without its leading 0.
            found |= Q(profile__phone__contains=digits.removeprefix("0"))
        people = people.filter(found)
    return people.select_related("profile").order_by("profile__family_name_kana", "email")
